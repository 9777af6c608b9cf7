from django import template

from ..admin.grammar import form_title as _form_title

register = template.Library()


@register.simple_tag(takes_context=True)
def form_title(context: template.Context) -> str:
    return _form_title(context.flatten())
