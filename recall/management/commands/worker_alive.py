"""The supervisor's liveness probe of a Celery worker: exit 0 when the worker's heartbeat file
(RECALL_WORKER_HEARTBEAT_FILE, touched from its event loop every
RECALL_WORKER_HEARTBEAT_SECONDS) is younger than --max-age seconds, 1 otherwise. It reads only
the file. The worker beats while it is connected to its broker: a worker that has waited for the
broker longer than --max-age is reported dead too, and restarting it is harmless (it waits the
same way after a start)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = __doc__
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--max-age", type=float, default=60.0, help="seconds (default 60)")
        parser.add_argument("--file", default="", help="the heartbeat file (default: the setting)")

    def handle(self, *args: Any, max_age: float, file: str, **options: Any) -> None:
        path = Path(file or settings.RECALL_WORKER_HEARTBEAT_FILE or "")
        if not str(path) or str(path) == ".":
            raise CommandError("RECALL_WORKER_HEARTBEAT_FILE is not set (nor --file)")
        try:
            age = time.time() - path.stat().st_mtime
        except FileNotFoundError as exc:
            raise CommandError(f"no heartbeat: {path} does not exist") from exc
        if age > max_age:
            raise CommandError(f"the worker's last heartbeat was {age:.0f} s ago (more than {max_age:.0f} s)")
        self.stdout.write(f"alive: last heartbeat {age:.1f} s ago")
