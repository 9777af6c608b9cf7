"""What each middleware and each step of the partner sign request costs, in process.

    python bench/sign_profile.py [--requests 2000] [--rounds 3]

No network and no server: requests go through Django's handler in this process (the test
client), so the figures are the CPU and database time of the service itself.

1. Middleware: the partner sign request through the whole stack, in microseconds per request; stack the partner
   API really runs (config.middleware: the site's middleware step aside under /api/) is
   measured the same way, and the bare DRF insert of bench/urls.py with no middleware at all.
2. Steps: one profile (cProfile) of the sign request through the stack; the cumulative time of
   each step of the view (key, scope, throttle, Idempotency-Key, reading the body, digests,
   encryption, the INSERT, the queue, the answer), per request.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RESULTS, ROOT, median

# Steps of the sign request, found in the profile by (file suffix, function name).
STEPS = [
    ("middleware before the view (the whole chain's own work)", None, None),
    ("API key: authentication", "accounts/authentication.py", "authenticate"),
    ("scope: permission", "recall/api/permissions.py", "has_permission"),
    ("throttle", "rest_framework/views.py", "check_throttles"),
    ("Idempotency-Key and request fingerprint", "recall/api/idempotency.py", "fingerprint"),
    ("reading and checking the body", "recall/api/inputs.py", "read_signature"),
    ("name and IIN digests", "recall/crypto.py", "typed_name_digests"),
    ("encryption under the petition's data key", "recall/crypto.py", "encrypt"),
    ("the guarded INSERT (round trip)", "recall/services/signing/signatures.py", "_execute"),
    ("queueing verification", "recall/services/queue.py", "request_verification"),
    ("the view", "recall/api/views.py", "post"),
    ("DRF dispatch (view + its checks)", "rest_framework/views.py", "dispatch"),
]


def setup(requests: int) -> tuple[int, str, list[bytes]]:
    from bench.sign_load import seed

    return seed(requests)


# Inclusive seconds spent in each middleware (and everything inside it), by position.
INCLUSIVE: dict[int, float] = {}


def timed(path: str, index: int) -> type:
    """A middleware factory that times ``path``'s middleware, everything inside it included."""
    from django.utils.module_loading import import_string

    inner_class = import_string(path) if path else None

    class Timed:
        def __init__(self, get_response):  # type: ignore[no-untyped-def]
            self.inner = inner_class(get_response) if inner_class else get_response
            for hook in ("process_view", "process_exception", "process_template_response"):
                if hasattr(self.inner, hook):
                    setattr(self, hook, getattr(self.inner, hook))

        def __call__(self, request):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                return self.inner(request)
            finally:
                INCLUSIVE[index] = INCLUSIVE.get(index, 0.0) + time.perf_counter() - started

    return Timed


def timed_stack(middleware: list[str]) -> list[str]:
    """MIDDLEWARE with each entry timed, and a last, empty one that times the view."""
    module = sys.modules[__name__]
    sys.modules.setdefault("bench.sign_profile", module)
    names = []
    for index, path in enumerate([*middleware, ""]):
        setattr(module, f"Timed{index}", timed(path, index))
        names.append(f"bench.sign_profile.Timed{index}")
    return names


def client_for(middleware: list[str] | None):  # type: ignore[no-untyped-def]
    from django.test import Client, override_settings

    if middleware is None:
        return Client()
    with override_settings(MIDDLEWARE=middleware):
        client = Client()
        client.handler.load_middleware()  # built now, with this list
    return client


def run(client, path: str, headers: dict, bodies: list[bytes], idempotent: bool) -> float:  # type: ignore[no-untyped-def]
    """Microseconds per request."""
    started = time.perf_counter()
    for i, body in enumerate(bodies):
        extra = dict(headers)
        if idempotent:
            extra["HTTP_IDEMPOTENCY_KEY"] = f"profile-{time.time_ns()}-{i}"
        response = client.generic("POST", path, body, content_type="application/json", **extra)
        if response.status_code != 202:
            raise SystemExit(f"{path}: {response.status_code} {response.content[:200]!r}")
    return (time.perf_counter() - started) / len(bodies) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="requests per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    per = args.requests
    petition_id, key, bodies = setup(per * 20 * args.rounds + per * 2 + 4000)  # more than any run uses
    from django.conf import settings

    full = list(settings.MIDDLEWARE)
    sign = f"/api/v1/petitions/{petition_id}/signatures/"
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {key}"}
    bare = f"/bench/bare/{petition_id}/signatures/"
    clients = {
        "whole stack": client_for(None),
        "whole stack, timed": client_for(timed_stack(full)),
        "bare insert, no middleware": client_for([]),
    }
    offset = 0

    def take(n: int) -> list[bytes]:
        nonlocal offset
        chunk = bodies[offset : offset + n]
        offset += n
        return chunk

    for name, client in clients.items():  # warm up imports, connections, prepared statements
        run(client, bare if name.startswith("bare") else sign, {} if name.startswith("bare") else auth, take(200), True)
    INCLUSIVE.clear()
    times: dict[str, list[float]] = {name: [] for name in clients}
    for r in range(args.rounds):
        order = list(clients) if r % 2 == 0 else list(clients)[::-1]
        for name in order:
            is_bare = name.startswith("bare")
            us = run(clients[name], bare if is_bare else sign, {} if is_bare else auth, take(per), not is_bare)
            times[name].append(us)
        print(f"round {r + 1} done", flush=True)

    whole = median(times["whole stack"])
    bare_us = median(times["bare insert, no middleware"])
    requests = per * args.rounds
    inclusive = [INCLUSIVE[i] / requests * 1e6 for i in range(len(full) + 1)]
    view_us = inclusive[-1]
    print(f"\n1. Middleware ({per} partner sign requests per measurement, medians of {args.rounds} rounds)")
    print(f"   whole stack: {whole:8.0f} us/request; bare DRF insert with no middleware {bare_us:8.0f} us/request")
    print(f"   own time of each middleware (timed stack: {inclusive[0]:.0f} us/request, the view {view_us:.0f}):")
    report: dict = {"whole_us": whole, "bare_outside_us": bare_us, "view_us": view_us, "middleware": {}, "steps": {}}
    for index, path in enumerate(full):
        own = inclusive[index] - inclusive[index + 1]
        report["middleware"][path] = own
        print(f"   {path:<55} {own:7.0f} us ({own / inclusive[0]:6.1%})")
    chain = inclusive[0] - view_us
    print(f"   all middleware: {chain:.0f} us ({chain / inclusive[0]:.1%} of the request)")

    profiler = cProfile.Profile()
    chunk = take(per)
    clients = {"whole stack": clients["whole stack"]}
    profiler.enable()
    run(clients["whole stack"], sign, auth, chunk, True)
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(tt for (_f, _l, _n), (_cc, _nc, tt, _ct, _callers) in stats.items())
    print(
        f"\n2. Steps (cProfile of {per} requests through the whole stack; {total / per * 1e6:.0f} us/request profiled)"
    )
    for label, suffix, function in STEPS[1:]:
        found = [
            ct
            for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.items()
            if name == function and filename.endswith(suffix)
        ]
        us = max(found) / per * 1e6 if found else 0.0
        report["steps"][label] = us
        print(f"   {label:<45} {us:8.0f} us/request ({us / (total / per * 1e6):6.1%})")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"sign_profile-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps({"args": vars(args), **report, "times": times}, indent=2))
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
