"""The language switcher as links: the same page under another language's URL prefix.

Links, not a form posting to set_language: a form would carry a CSRF token and a cookie, and
the public pages could no longer be one shared (cached) copy for every reader."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language_info

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context: template.Context) -> list[dict[str, str]]:
    request: HttpRequest | None = context.get("request")
    path = request.get_full_path() if request is not None else "/"
    return [
        {"code": code, "name": get_language_info(code)["name_local"], "url": translate_url(path, code)}
        for code, _name in settings.LANGUAGES
    ]
