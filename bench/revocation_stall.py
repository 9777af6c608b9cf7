"""EDS signing and public pages while the OCSP/CRL responder hangs, against the same with it up.

    python bench/revocation_stall.py [--rounds 3] [--concurrent 6] [--workers 3]

gunicorn (``--workers`` sync workers) with the benchmark settings, the built-in EDS backend and
two NCA-shaped test authorities (recall.demo.ca): one whose OCSP responder and CRLs answer
(tests/eds/responder.py), one whose addresses point at a server that accepts connections and
never answers (a hung responder). Each round, alternating which goes first:

- **up**: ``--concurrent`` partner EDS signatures at once (statement, CMS signed here, submitted
  through /api/v1/petitions/{id}/eds-signatures/), certificates of the answering authority,
  while a client fetches the public petition page every 50 ms;
- **hung**: the same with certificates of the hung one.

Before the change a hung responder held each request for its 10 s timeout and six at once took
20 s, the public page 19.2 s. Targets: sign requests answer within 3 s, public pages keep their
latency. Prints per phase the sign requests' median and max, their answers (202 counted later,
"pending" held for the worker), and the page's median and max, medians of the rounds.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import http.client
import io
import json
import os
import signal
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RESULTS, ROOT, collecting_petition, fresh_database, setup_django
from bench.sign_load import PORT, start_server


class Hung:
    """Accepts connections and never answers."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def _accept(self) -> None:
        while True:
            try:
                self.held.append(self.listener.accept()[0])
            except OSError:
                return


def call(method: str, path: str, body: dict | None = None, key: str = "") -> tuple[int, dict, float]:
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Api-Key {key}"
    started = time.perf_counter()
    connection.request(method, path, body=json.dumps(body).encode() if body else None, headers=headers)
    response = connection.getresponse()
    data = response.read()
    took = time.perf_counter() - started
    connection.close()
    try:
        parsed = json.loads(data) if data else {}
    except ValueError:
        parsed = {}
    return response.status, parsed, took


def phase(petition_id: int, key: str, signers: list, concurrent: int) -> dict:
    from recall.demo.ca import sign_cms

    page_times: list[float] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            status, _body, took = call("GET", f"/en/petitions/{petition_id}/")
            page_times.append(took * 1000)
            time.sleep(0.05)

    # The statements first (no responder involved), then the signatures all at once.
    prepared = []
    for signer in signers[:concurrent]:
        status, issued, _ = call("POST", f"/api/v1/petitions/{petition_id}/eds-statements/", {"language": "ru"}, key)
        assert status == 201, issued
        cms = base64.b64encode(sign_cms(base64.b64decode(issued["statement"]), signer)).decode()
        prepared.append({"challenge": issued["challenge"], "cms": cms, "address": "Астана, ул. Кенесары, 1"})
    results: list[tuple[int, dict, float]] = []
    lock = threading.Lock()

    def submit(body: dict) -> None:
        got = call("POST", f"/api/v1/petitions/{petition_id}/eds-signatures/", body, key)
        with lock:
            results.append(got)

    reading = threading.Thread(target=reader)
    reading.start()
    time.sleep(0.3)  # the page's own latency first
    threads = [threading.Thread(target=submit, args=(body,)) for body in prepared]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    time.sleep(0.3)
    stop.set()
    reading.join()
    sign_ms = [r[2] * 1000 for r in results]
    answers: dict[str, int] = {}
    for status, body, _ in results:
        label = f"{status} {body.get('state', body.get('code', ''))}".strip()
        answers[label] = answers.get(label, 0) + 1
    return {
        "sign_p50_ms": statistics.median(sign_ms),
        "sign_max_ms": max(sign_ms),
        "answers": answers,
        "page_p50_ms": statistics.median(page_times),
        "page_max_ms": max(page_times),
        "page_requests": len(page_times),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrent", type=int, default=6)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)

    fresh_database()
    setup_django()
    from cryptography.hazmat.primitives import serialization
    from django.core.cache import cache

    from accounts.models import ApiClient, ApiKey
    from recall import iin
    from recall.demo.ca import NcaShapedCA
    from recall.models import District, policy_for
    from recall.services.jobs.register_import import import_register
    from tests.eds.responder import Responder

    responder = Responder().start()
    hung = Hung()
    up_ca = responder.register(NcaShapedCA(responder.url, slug="up", name="UP"))
    hung_ca = NcaShapedCA(hung.url, slug="hung", name="HUNG")
    district = District.objects.create(
        code="B-1", name="Bench", region="Bench", level="mazhilis", body="Mazhilis", registered_voters=100_000
    )
    policy_for("mazhilis")
    petition = collecting_petition(district, now=dt.datetime.now(dt.UTC))
    client = ApiClient.objects.create(name="Bench partner")
    _key, key = ApiKey.objects.create_key(client=client, name="bench", scopes=["sign", "read"])

    # Distinct voters for every signature of every round, in the register with the certificates' names.
    needed = args.rounds * args.concurrent
    people = []
    for n in range(needed * 2):
        number = iin.make(dt.date(1980, 1, 1) + dt.timedelta(days=n), "M", n + 1)
        people.append((number, f"Бенчмарк Сайлаушы Тестович{n}"))
    lines = ["iin,full_name,birth_date,address,district,status"]
    lines += [f"{number},{name},1980-01-01,Астана,B-1,active" for number, name in people]
    import_register(io.BytesIO("\n".join(lines).encode()), source="bench")
    certs = {"up": [], "hung": []}
    for i, (number, name) in enumerate(people):
        surname, given, patronymic = name.upper().split()
        which = "up" if i < needed else "hung"
        ca = up_ca if which == "up" else hung_ca
        certs[which].append(ca.issue(iin=number, surname=surname, given_name=given, patronymic=patronymic))

    tmp = Path(tempfile.mkdtemp(prefix="bench-roots-"))
    roots = []
    for name, ca in (("up", up_ca), ("hung", hung_ca)):
        path = tmp / f"{name}.pem"
        path.write_bytes(ca.root.public_bytes(serialization.Encoding.PEM))
        roots.append(str(path))
    env = {
        "RECALL_EDS_BACKEND": "builtin",
        "RECALL_EDS_TRUST_ROOTS": ",".join(roots),
        "RECALL_PUBLIC_CACHE_SECONDS": os.environ.get("RECALL_PUBLIC_CACHE_SECONDS", "5"),
    }
    server = start_server(args.workers, env)
    rounds: dict[str, list[dict]] = {"up": [], "hung": []}
    try:
        call("GET", f"/en/petitions/{petition.pk}/")
        for r in range(args.rounds):
            order = ("up", "hung") if r % 2 == 0 else ("hung", "up")
            for which in order:
                batch = certs[which][r * args.concurrent : (r + 1) * args.concurrent]
                result = phase(petition.pk, key, batch, args.concurrent)
                rounds[which].append(result)
                print(
                    f"round {r + 1} {which:>4}: sign p50 {result['sign_p50_ms']:7.1f} ms max {result['sign_max_ms']:7.1f} ms "
                    f"{result['answers']}  page p50 {result['page_p50_ms']:6.1f} ms max {result['page_max_ms']:7.1f} ms",
                    flush=True,
                )
                # The hung responder is marked down for 30 s: the next round meets it afresh.
                cache.delete(f"eds:down:{hung.url.removeprefix('http://')}")
                time.sleep(0.5)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        responder.stop()

    from recall.models import Signature

    held = Signature.objects.filter(petition=petition, state="pending").count()
    summary = {
        which: {
            k: statistics.median(r[k] for r in results)
            for k in ("sign_p50_ms", "sign_max_ms", "page_p50_ms", "page_max_ms")
        }
        for which, results in rounds.items()
    }
    print()
    print(f"medians of {args.rounds} rounds, {args.concurrent} EDS signatures at once, {args.workers} gunicorn workers")
    for which, s in summary.items():
        print(
            f"  responder {which:>4}: sign p50 {s['sign_p50_ms']:7.1f} ms, max {s['sign_max_ms']:7.1f} ms; "
            f"page p50 {s['page_p50_ms']:6.1f} ms, max {s['page_max_ms']:7.1f} ms"
        )
    print(f"signatures held for the worker (responder hung): {held}")
    print("targets: sign max < 3000 ms with the responder hung; the page's latency as with it up")
    out = RESULTS / f"revocation_stall-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps({"args": vars(args), "rounds": rounds, "summary": summary, "held": held}, indent=2))
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
