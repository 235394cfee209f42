from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from tools.kamerbrief_fixture import SEED, build_fixture


class Command(BaseCommand):
    help = (
        "Write the deterministic kamerbrief_2021 fixture (746 received / 627 investigated / "
        "545 only 'niet mogen thuiswerken' for 25 January - 9 April 2021)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=SEED, help=f"random seed ({SEED})")
        parser.add_argument(
            "--output",
            default=str(Path(settings.BASE_DIR) / "fixtures" / "kamerbrief_2021.json"),
            help="where to write the fixture",
        )

    def handle(self, *args: Any, seed: int, output: str, **options: Any) -> None:
        text = build_fixture(seed)
        Path(output).write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {output} ({len(text.encode()):,} bytes, seed {seed}).")
