"""The fields of a form that have errors, for the error summary (recall/_errors.html)."""

from django import template
from django.forms import BaseForm, BoundField

register = template.Library()


@register.filter
def fields_with_errors(form: BaseForm) -> list[BoundField]:
    return [field for field in form if field.errors and not field.is_hidden]
