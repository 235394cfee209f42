from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from cases.demo import DEMO_PASSWORD, prepare_demo


class Command(BaseCommand):
    help = (
        "Prepare a fresh demo database: migrate, delete all data, load the kamerbrief_2021 "
        "fixture and give the demo users a known password. Refused when DEBUG is off."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("Preparing the demo database (this deletes all data) ...")
        try:
            users = prepare_demo(verbosity=max(0, options["verbosity"] - 1))
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS("Demo database ready."))
        self.stdout.write(f"Demo users: {', '.join(users)}")
        self.stdout.write(f"Demo password: {DEMO_PASSWORD}")
