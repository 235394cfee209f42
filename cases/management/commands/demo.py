from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases.demo import DEMO_PASSWORD, has_data, prepare_demo


class Command(BaseCommand):
    help = (
        "Prepare the demo database: migrate, delete all data, load the kamerbrief_2021 "
        "fixture and give the demo users a known password. With --keep, a database that "
        "already has data is only migrated. Refused when DEBUG is off."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--keep",
            action="store_true",
            help="Keep the data of a database that already has some (only migrate it).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = max(0, options["verbosity"] - 1)
        try:
            if options["keep"]:
                call_command("migrate", interactive=False, verbosity=verbosity)
                kept = has_data()
                users = prepare_demo(verbosity=verbosity, keep_data=True)
            else:
                self.stdout.write("Preparing the demo database (this deletes all data) ...")
                users = prepare_demo(verbosity=verbosity)
                kept = False
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        if kept:
            self.stdout.write(self.style.SUCCESS("Database kept: it already had data."))
        else:
            self.stdout.write(self.style.SUCCESS("Demo database ready."))
        self.stdout.write(f"Demo users: {', '.join(users)}")
        self.stdout.write(f"Demo password: {DEMO_PASSWORD}")
