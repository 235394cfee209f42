"""The pages of bulk work on letters (cases/batch_views.py), as a team leader uses them."""

from __future__ import annotations

import datetime as dt
import io

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from pypdf import PdfReader

from cases.models import EventKind, Letter, LetterBatch
from cases.services import MelderInput
from tests.batch_helpers import issued
from tests.helpers import new_events


def test_a_team_leader_prints_a_batch_and_records_it_as_sent(client, inspector, supervisor):
    first = issued(inspector, pages=1)
    second = issued(inspector, pages=2)
    client.force_login(supervisor)
    page = client.get(reverse("letter_batches")).content.decode()
    assert "2 niet-verzonden brieven voldoen aan het filter." in page
    assert escape(first.employer.name) in page

    response = client.post(reverse("letter_batch_create"), {"kind": "print", "filter": ""})
    batch = LetterBatch.objects.get()
    assert response["Location"] == reverse("letter_batch_detail", args=[batch.pk])
    pdf = client.get(reverse("letter_batch_pdf", args=[batch.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'attachment; filename="afdrukbatch-{batch.pk}.pdf"'
    # The first letter (1 page) gets a blank page after it: 1 + 1 + 2.
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) == 4

    future = timezone.localdate() + dt.timedelta(days=1)
    refused = client.post(
        reverse("letter_batch_mark_sent", args=[batch.pk]), {"sent_at": future.isoformat()}
    )
    assert refused.status_code == 400
    assert "De verzenddatum ligt in de toekomst." in refused.content.decode()
    assert not Letter.objects.filter(sent_at__isnull=False).exists()

    since = max(e.pk for e in new_events(0))
    today = timezone.localdate()
    response = client.post(
        reverse("letter_batch_mark_sent", args=[batch.pk]), {"sent_at": today.isoformat()}
    )
    assert response.status_code == 302
    assert {(letter.sent_at, letter.sent_via) for letter in Letter.objects.all()} == {
        (today, "post")
    }
    assert sorted(e.case_id for e in new_events(since) if e.kind == EventKind.LETTER_SENT) == [
        first.pk,
        second.pk,
    ]
    page = client.get(response["Location"]).content.decode()
    assert "per post verzonden." in page
    # Nothing is left to print now.
    assert "0 niet-verzonden brieven" in client.get(reverse("letter_batches")).content.decode()


def test_regeneration_needs_a_reason_and_then_shows_its_progress(
    client, inspector, supervisor, django_capture_on_commit_callbacks
):
    issued(inspector)
    client.force_login(supervisor)
    response = client.post(
        reverse("letter_batch_create"), {"kind": "regenerate", "filter": "", "reason": " "}
    )
    assert response.status_code == 302
    assert not LetterBatch.objects.exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Dit veld is verplicht."]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("letter_batch_create"),
            {"kind": "regenerate", "filter": "", "reason": "Typefout in alinea 2"},
        )
    job = LetterBatch.objects.get()
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.ready().count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "0 nieuwe versies gemaakt, 0 konden niet worden gemaakt, nog 1 te gaan." in page
    progress = client.get(reverse("letter_batch_progress", args=[job.pk])).json()
    assert progress == {
        "total": 1,
        "done": 0,
        "failed": 0,
        "pending": 1,
        "percent": 0,
        "finished": False,
    }


def test_batch_pages_never_show_melder_data(client, inspector, supervisor):
    melder = MelderInput(name="Geheime Melder", email="geheim@mail.example", phone="0611111111")
    case = issued(inspector, melder=melder)
    client.force_login(supervisor)
    client.post(reverse("letter_batch_create"), {"kind": "print", "filter": ""})
    batch = LetterBatch.objects.get()
    for url in (reverse("letter_batches"), reverse("letter_batch_detail", args=[batch.pk])):
        page = client.get(url).content.decode()
        assert case.reference in page
        for secret in ("Geheime Melder", "geheim@mail.example", "0611111111"):
            assert escape(secret) not in page


def test_the_menu_shows_letters_in_bulk_to_team_leaders_only(client, inspector, supervisor):
    link = f'href="{reverse("letter_batches")}"'
    client.force_login(inspector)
    assert link not in client.get(reverse("home")).content.decode()
    client.force_login(supervisor)
    assert link in client.get(reverse("home")).content.decode()
