"""What plays NCALayer in the demo: the voter picks a demo key on the EDS page and this signs.

A real deployment asks NCALayer on the voter's computer (``recall/static/recall/eds.js``); the
demo of ``make run`` has no NCALayer, so the EDS page offers a dialog of the demo's key holders
(``recall/static/recall/demo-ncalayer.js``) and this view makes the CMS NCALayer would make. It
answers 404 unless ``DEBUG`` and ``RECALL_DEMO`` are both on.
"""

from __future__ import annotations

import base64
import binascii
import json

from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from . import keys

# A statement is a few hundred bytes; anything much larger is not one.
MAX_STATEMENT_BYTES = 16 * 1024


@require_POST
def sign(request: HttpRequest) -> JsonResponse:
    """``{"iin": …, "statement": <base64>}`` → ``{"cms": <base64 attached CMS>}``."""
    if not keys.enabled():
        raise Http404
    try:
        body = json.loads(request.body)
        iin = str(body["iin"])
        statement = base64.b64decode(str(body["statement"]), validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error):
        return JsonResponse({"error": "bad_request"}, status=400)
    if not statement or len(statement) > MAX_STATEMENT_BYTES:
        return JsonResponse({"error": "bad_request"}, status=400)
    cms = keys.sign(iin, statement)
    if cms is None:
        return JsonResponse({"error": "KEY_NOT_FOUND"}, status=404)
    return JsonResponse({"cms": base64.b64encode(cms).decode("ascii")})
