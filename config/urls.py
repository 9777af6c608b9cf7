from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import include, path, register_converter
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from recall.demo import sigex as demo_sigex
from recall.demo import views as demo_views

from .converters import IdConverter
from .errors import database_down
from .metrics import metrics_view

register_converter(IdConverter, "id")

admin.site.site_header = _("Deputy recall petitions — election commissions")
admin.site.site_title = _("Recall petitions")
admin.site.index_title = _("Commission workspace")


def healthz(request: HttpRequest) -> JsonResponse:
    """For the load balancer: the process answers and the database is reachable (as /readyz)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def livez(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers requests. Nothing outside it is asked, so an orchestrator
    never restarts a healthy web node because the database or Redis is away."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: this node can serve, the primary database answers. 503 otherwise, so the load
    balancer sends traffic elsewhere until it does (the process is left running)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:
        if not database_down(error):
            raise
        return JsonResponse({"status": "unavailable", "database": str(error).splitlines()[0][:200]}, status=503)
    return JsonResponse({"status": "ok"})


handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"

urlpatterns = [
    path("healthz", healthz),
    path("livez", livez),
    path("readyz", readyz),
    path("metrics", metrics_view, name="metrics"),
    # The demo's stand-in for NCALayer: 404 unless DEBUG and RECALL_DEMO are both on.
    path("demo/ncalayer/sign/", demo_views.sign, name="demo_ncalayer_sign"),
    # The demo's stand-in for SIGEX's eGov QR API and for the phone (recall/demo/sigex.py).
    path("demo/sigex/api/egovQr", demo_sigex.register, name="demo_sigex_register"),
    path("demo/sigex/api/egovQr/<slug:qr_id>/data", demo_sigex.data, name="demo_sigex_data"),
    path("demo/sigex/api/egovQr/<slug:qr_id>/sign", demo_sigex.sign, name="demo_sigex_sign"),
    path("demo/sigex/phone/<slug:qr_id>/", demo_sigex.phone, name="demo_sigex_phone"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("recall.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start script as a file (no inline script); Swagger UI
    # styles its widgets with style attributes, so styles are relaxed on this page only.
    path(
        "api/docs/",
        csp_update({"style-src": [UNSAFE_INLINE]})(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="api-docs",
    ),
    path("i18n/setlang/", set_language, name="set_language"),
    *i18n_patterns(path("", include("recall.web.urls"))),
]
