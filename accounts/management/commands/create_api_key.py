from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import ApiClient, ApiKey, Scope


class Command(BaseCommand):
    help = "Create an API key for a partner (the client is created if new). The key is printed once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The partner organisation (API client) name.")
        parser.add_argument(
            "--scopes", default="read", help=f"Comma-separated, from: {', '.join(Scope.values)} (default: read)."
        )
        parser.add_argument("--key-name", default="", help="A label for this key (default: the scopes).")
        parser.add_argument("--email", default="", help="The partner's contact e-mail.")

    def handle(self, *args: Any, name: str, scopes: str, key_name: str, email: str, **options: Any) -> None:
        wanted = [s.strip() for s in scopes.split(",") if s.strip()]
        unknown = sorted(set(wanted) - set(Scope.values))
        if unknown or not wanted:
            raise CommandError(
                f"Unknown scopes: {', '.join(unknown) or '(none)'}; choose from {', '.join(Scope.values)}."
            )
        client, _created = ApiClient.objects.get_or_create(name=name, defaults={"contact_email": email})
        _key_obj, key = ApiKey.objects.create_key(client=client, name=key_name or ",".join(wanted), scopes=wanted)
        self.stdout.write(key)
        self.stderr.write(f"Key for {client.name} with scopes {', '.join(wanted)}. It is shown only this once.")
