"""cases/services/letters.py: confirming the agreements stores the letter, and recording a
letter as sent. Issuing through the renderer, regeneration, the PDF and the letter views
are in tests/test_letters.py."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import documents, services
from cases.models import Event, EventKind, Letter
from cases.services import InvalidStateError, ServiceError, StaleVersionError
from tests.helpers import (
    AC,
    EC,
    SAMPLE_PDF,
    add_agreement,
    case_in_state,
    fresh,
    last_event_pk,
    new_events,
    refused,
)

# ---------------------------------------------------------------------------
# confirm_agreements and letters


def test_confirm_agreements_stores_letter(inspector: User, settings: Any) -> None:
    case = case_in_state(EC, inspector=inspector)
    add_agreement(case, inspector)
    case = fresh(case)
    since = last_event_pk()
    letter = services.case_confirm_agreements(
        case=case,
        actor=inspector,
        version=case.version,
        letter_pdf=SAMPLE_PDF,
        template_version="bevestiging-2021-1",
    )
    sha = hashlib.sha256(SAMPLE_PDF).hexdigest()
    stored = settings.DOCUMENT_ROOT / sha[:2] / f"{sha}.pdf"
    assert stored.read_bytes() == SAMPLE_PDF
    assert documents.read(sha) == SAMPLE_PDF
    letter = Letter.objects.get(pk=letter.pk)
    assert (letter.case_id, letter.number, letter.sha256) == (case.pk, 1, sha)
    assert (letter.size, letter.template_version) == (len(SAMPLE_PDF), "bevestiging-2021-1")
    assert letter.generated_by_id == inspector.pk
    assert letter.sent_at is None
    assert fresh(case).state == AC
    confirm, generated = new_events(since)
    assert (confirm.kind, confirm.from_state, confirm.to_state) == (
        EventKind.CONFIRM_AGREEMENTS,
        EC,
        AC,
    )
    assert confirm.data["letter_id"] == letter.pk
    assert confirm.data["sha256"] == sha
    assert generated.kind == EventKind.LETTER_GENERATED
    assert generated.data["letter_id"] == letter.pk
    assert generated.data["letter_number"] == 1


def test_confirm_agreements_needs_an_agreement(inspector: User) -> None:
    case = case_in_state(EC, inspector=inspector)
    with refused(case, InvalidStateError, contains="ten minste één afspraak"):
        services.case_confirm_agreements(
            case=case,
            actor=inspector,
            version=case.version,
            letter_pdf=SAMPLE_PDF,
            template_version="t",
        )


@pytest.mark.parametrize("content", [b"", b"<html>geen pdf</html>"], ids=["empty", "html"])
def test_confirm_agreements_needs_a_pdf(content: bytes, inspector: User, settings: Any) -> None:
    case = case_in_state(EC, inspector=inspector)
    add_agreement(case, inspector)
    case = fresh(case)
    with refused(case, ServiceError, contains="kon niet worden gemaakt"):
        services.case_confirm_agreements(
            case=case,
            actor=inspector,
            version=case.version,
            letter_pdf=content,
            template_version="t",
        )
    root = settings.DOCUMENT_ROOT
    assert not root.exists() or not any(root.rglob("*.pdf"))


def test_confirm_agreements_storage_failure(
    inspector: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = case_in_state(EC, inspector=inspector)
    add_agreement(case, inspector)
    case = fresh(case)

    def broken_store(content: bytes) -> str:
        raise OSError("disk full")

    monkeypatch.setattr(documents, "store", broken_store)
    with refused(case, ServiceError, contains="niet worden opgeslagen") as info:
        services.case_confirm_agreements(
            case=case,
            actor=inspector,
            version=case.version,
            letter_pdf=SAMPLE_PDF,
            template_version="t",
        )
    assert not isinstance(info.value, StaleVersionError)
    after = fresh(case)
    assert after.state == EC
    assert not Letter.objects.filter(case=case).exists()
    assert not Event.objects.filter(case=case, kind=EventKind.CONFIRM_AGREEMENTS).exists()
    # retryable: the same version works once storage is back
    monkeypatch.undo()
    services.case_confirm_agreements(
        case=case,
        actor=inspector,
        version=after.version,
        letter_pdf=SAMPLE_PDF,
        template_version="t",
    )
    assert fresh(case).state == AC


def test_confirm_agreements_stale_version_stores_nothing(inspector: User, settings: Any) -> None:
    case = case_in_state(EC, inspector=inspector)
    add_agreement(case, inspector)
    with refused(case, StaleVersionError):
        services.case_confirm_agreements(
            case=case,
            actor=inspector,
            version=case.version,
            letter_pdf=SAMPLE_PDF,
            template_version="t",
        )
    root = settings.DOCUMENT_ROOT
    assert not root.exists() or not any(root.rglob("*.pdf"))


def test_letter_mark_sent(inspector: User) -> None:
    case = case_in_state(AC, inspector=inspector)
    letter = case.letters.get()
    since = last_event_pk()
    today = timezone.localdate()
    services.letter_mark_sent(
        letter=letter, actor=inspector, version=case.version, sent_at=today, sent_via="email"
    )
    letter.refresh_from_db()
    assert (letter.sent_at, letter.sent_via) == (today, "email")
    (event,) = new_events(since)
    assert event.kind == EventKind.LETTER_SENT
    assert event.data == {
        "letter_id": letter.pk,
        "letter_number": 1,
        "sent_at": today.isoformat(),
        "sent_via": "email",
    }
    case = fresh(case)
    with refused(case, InvalidStateError, contains="al als verzonden"):
        services.letter_mark_sent(
            letter=letter, actor=inspector, version=case.version, sent_at=today, sent_via="post"
        )


@pytest.mark.parametrize(
    ("sent_at", "sent_via", "field"),
    [
        (None, "post", "sent_at"),
        (1, "post", "sent_at"),  # tomorrow
        (-30, "post", "sent_at"),  # before the letter was made
        (0, "duif", "sent_via"),
        (0, "", "sent_via"),
    ],
    ids=["missing-date", "future", "before-letter", "unknown-via", "missing-via"],
)
def test_letter_mark_sent_invalid(
    sent_at: int | None, sent_via: str, field: str, inspector: User
) -> None:
    case = case_in_state(AC, inspector=inspector)
    when = None if sent_at is None else timezone.localdate() + dt.timedelta(days=sent_at)
    with refused(case, ValidationError, field=field):
        services.letter_mark_sent(
            letter=case.letters.get(),
            actor=inspector,
            version=case.version,
            sent_at=when,
            sent_via=sent_via,
        )


def test_marking_an_unknown_letter_sent_is_a_dutch_refusal(inspector) -> None:
    with pytest.raises(services.ServiceError, match="bestaat niet"):
        services.letter_mark_sent(
            letter=999_999, actor=inspector, version=1, sent_at=None, sent_via="post"
        )
