"""The service as gunicorn serves it, plus the baseline outside the stack.

Requests under /bench/outside/ go to a second Django handler built with no middleware at all:
the bare DRF insert there is the floor of any sign endpoint written with Django and DRF
(bench/sign_load.py's ``outside``). Everything else goes through the service's own stack.
"""

import os

from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
service = get_wsgi_application()

OUTSIDE = "/bench/outside/"


class Bare(WSGIHandler):
    """Django's handler with an empty middleware list."""

    def load_middleware(self, is_async: bool = False) -> None:
        from django.conf import settings

        kept = settings.MIDDLEWARE
        settings.MIDDLEWARE = []
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = kept


outside = Bare()


def application(environ, start_response):  # type: ignore[no-untyped-def]
    if environ.get("PATH_INFO", "").startswith(OUTSIDE):
        return outside(environ, start_response)
    return service(environ, start_response)
