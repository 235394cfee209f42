"""Django's `loaddata`, followed by a recount of the day counts when cases were loaded.

Fixtures write rows directly, past the services that keep the counts per day
(`cases.rollups`). They carry the cases' precomputed columns; the counts are rebuilt from
those here, in the same transaction, so the figures are right straight after loading.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import loaddata

from cases import rollups
from cases.models import Case


class Command(loaddata.Command):
    help = f"{loaddata.Command.help} Then recounts the cases' counts per day."

    def loaddata(self, fixture_labels: Any) -> None:
        super().loaddata(fixture_labels)
        if Case in getattr(self, "models", set()):
            rollups.rebuild(self.using)
            if self.verbosity >= 1:
                self.stdout.write("Recounted the counts per day.")
