"""Make an API client (if needed) and a token for it; the token is printed once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from api.models import ApiClient, Scope
from api.services import create_client, issue_token


class Command(BaseCommand):
    help = (
        "Create an API token for client NAME (made if it does not exist, with --scope). "
        "The token is printed once; only its hash is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the client, e.g. 'webformulier'")
        parser.add_argument("--scope", choices=Scope.values, help="for a new client")
        parser.add_argument("--user", help="for a new 'user' client: the person's username")
        parser.add_argument("--days", type=int, default=365, help="validity (default 365)")

    def handle(self, *args: Any, **options: Any) -> None:
        client = ApiClient.objects.filter(name=options["name"]).first()
        if client is None:
            if not options["scope"]:
                raise CommandError("A new client needs --scope.")
            user = None
            if options["user"]:
                user = User.objects.filter(username=options["user"]).first()
                if user is None:
                    raise CommandError(f"No user {options['user']!r}.")
            try:
                client = create_client(
                    name=options["name"], scope=options["scope"], actor=None, user=user
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        if options["days"] < 1:
            raise CommandError("--days must be at least 1.")
        row, token = issue_token(
            client=client, actor=None, valid_for=dt.timedelta(days=options["days"])
        )
        self.stdout.write(
            f"Client {client.name} ({client.scope}), valid until {row.expires_at:%Y-%m-%d}."
        )
        self.stdout.write("The token (shown once; store it safely):")
        self.stdout.write(token)
