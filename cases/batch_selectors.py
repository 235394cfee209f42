"""Reads for bulk work on letters: which letters a filter selects, and a batch's progress."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from cases.models import Case, Letter, LetterBatch, LetterBatchItem, LetterCase, State


def unsent_letters(cases: QuerySet[Case]) -> QuerySet[Letter]:
    """Of `cases`, each case's current letter (its latest version) when it has not been
    recorded as sent, in the order of the cases' references; for a case handled together with
    others, its lead's (each letter once). Earlier versions that a newer
    one replaced are never printed or regenerated."""
    newer = Letter.objects.filter(case=OuterRef("case"), number__gt=OuterRef("number"))
    selected = cases.values("pk")
    # A case handled together with others is covered by its lead's letter (once per letter).
    covers = LetterCase.objects.filter(letter=OuterRef("pk"), case__in=selected)
    return (
        Letter.objects.filter(Q(case__in=selected) | Q(Exists(covers)), sent_at__isnull=True)
        .filter(~Exists(newer))
        .select_related("case")
        .order_by("case__reference", "case_id")
    )


def regenerable_letters(cases: QuerySet[Case]) -> QuerySet[Letter]:
    """The unsent letters of `cases` a new version can be made of: those of cases whose
    agreements are confirmed (the state the workflow table allows regeneration in)."""
    return unsent_letters(cases.filter(state=State.AGREEMENTS_CONFIRMED))


@dataclass(frozen=True)
class Progress:
    total: int
    done: int  # new versions made
    failed: int  # items that could not be done (with their reason)

    @property
    def handled(self) -> int:
        return self.done + self.failed

    @property
    def pending(self) -> int:
        return self.total - self.handled

    @property
    def percent(self) -> int:
        return 100 if not self.total else (100 * self.handled) // self.total


def progress(batch: LetterBatch) -> Progress:
    counts = LetterBatchItem.objects.filter(batch=batch).aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(done_at__isnull=False, error="")),
        failed=Count("pk", filter=Q(done_at__isnull=False) & ~Q(error="")),
    )
    return Progress(total=counts["total"], done=counts["done"], failed=counts["failed"])


def batch_items(batch: LetterBatch) -> QuerySet[LetterBatchItem]:
    return (
        LetterBatchItem.objects.filter(batch=batch)
        .select_related("case", "case__employer", "letter", "new_letter")
        .order_by("position")
    )


def recent_batches(limit: int = 20) -> QuerySet[LetterBatch]:
    return (
        LetterBatch.objects.select_related("created_by")
        .annotate(
            item_count=Count("items"),
            handled=Count("items", filter=Q(items__done_at__isnull=False)),
        )
        .order_by("-created_at", "-pk")[:limit]
    )
