"""Bulk work on letters (cases/services/batches.py): print batches for the mailroom and
regenerating letters by filter in the background, resumable per letter."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from pypdf import PdfReader

from cases import batch_selectors, services
from cases.models import EventKind, Letter, LetterBatchItem, State
from cases.services import batches
from tests.batch_helpers import A4, issued, pdf_of
from tests.helpers import case_in_state, fresh, last_event_pk, new_events


def params(**values: Any) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in values.items():
        query[key] = value
    return query


# ---------------------------------------------------------------------------
# Print batches


def test_print_batch_joins_the_letters_each_starting_on_an_odd_page(inspector, supervisor):
    lengths = [1, 2, 3, 1, 2]
    cases = [issued(inspector, pages=n, width=500 + 10 * i) for i, n in enumerate(lengths)]
    batch = batches.print_batch_create(actor=supervisor, params=params())
    assert [i.case_id for i in batch.items.order_by("position")] == sorted(
        (c.pk for c in cases), key=lambda pk: next(c.reference for c in cases if c.pk == pk)
    )
    joined = batches.print_batch_pdf(batch=batch, actor=supervisor)
    # A blank page after each letter with an odd number of pages that has a letter after
    # it (the 1st, 3rd and 4th; not the last): 9 pages of letters + 3 blank pages.
    assert joined.letter_pages == sum(lengths) == 9
    assert joined.blank_pages == 3
    pages = PdfReader(io.BytesIO(joined.content)).pages
    assert len(pages) == joined.pages == 12
    widths = [round(float(p.mediabox.width)) for p in pages]
    # Each letter begins on an odd page (1-based); a blank page has the size of the page
    # before it.
    assert widths == [500, 500, 510, 510, 520, 520, 520, 520, 530, 530, 540, 540]
    starts = [1, 3, 5, 9, 11]
    for letter_index, start in enumerate(starts):
        assert widths[start - 1] == 500 + 10 * letter_index
        assert start % 2 == 1


def test_print_batch_download_is_an_event_per_letter(inspector, supervisor):
    cases = [issued(inspector) for _ in range(3)]
    batch = batches.print_batch_create(actor=supervisor, params=params())
    since = last_event_pk()
    batches.print_batch_pdf(batch=batch, actor=supervisor)
    events = new_events(since)
    assert sorted(e.case_id for e in events) == sorted(c.pk for c in cases)
    assert {e.kind for e in events} == {EventKind.LETTER_DOWNLOADED}
    assert {e.data["batch_id"] for e in events} == {batch.pk}


def test_print_batch_takes_each_cases_current_unsent_letter_by_filter(inspector, supervisor):
    one, two, sent = (issued(inspector) for _ in range(3))
    # A second version of `one`: only that one is printed, not the version it replaced.
    services.letter_regenerate(
        case=one,
        actor=supervisor,
        version=one.version,
        reason="Typefout",
        letter_pdf=pdf_of(1, A4[0]),
        template_version="test",
    )
    letter = sent.letters.get()
    services.letter_mark_sent(
        letter=letter,
        actor=inspector,
        version=fresh(sent).version,
        sent_at=timezone.localdate(),
        sent_via="post",
    )
    batch = batches.print_batch_create(actor=supervisor, params=params())
    items = {i.case_id: i.letter.number for i in batch.items.select_related("letter")}
    assert items == {one.pk: 2, two.pk: 1}
    only_two = batches.print_batch_create(actor=supervisor, params=params(q=two.reference))
    assert [i.case_id for i in only_two.items.all()] == [two.pk]


def test_print_batch_refusals_change_nothing(inspector, supervisor):
    issued(inspector)
    with pytest.raises(services.NotPermittedError):
        batches.print_batch_create(actor=inspector, params=params())
    with pytest.raises(services.InvalidStateError, match="geen niet-verzonden brieven"):
        batches.print_batch_create(actor=supervisor, params=params(q="TW-1999-00001"))
    with pytest.raises(ValidationError):
        batches.print_batch_create(actor=supervisor, params=params(received_after="gisteren"))
    assert not LetterBatchItem.objects.exists()


def test_recording_a_print_batch_as_sent_records_every_letter(inspector, supervisor):
    cases = [issued(inspector) for _ in range(3)]
    batch = batches.print_batch_create(actor=supervisor, params=params())
    since = last_event_pk()
    today = timezone.localdate()
    batches.print_batch_mark_sent(batch=batch, actor=supervisor, sent_at=today)
    letters = Letter.objects.filter(case__in=cases)
    assert {(letter.sent_at, letter.sent_via) for letter in letters} == {(today, "post")}
    events = [e for e in new_events(since) if e.kind == EventKind.LETTER_SENT]
    assert sorted(e.case_id for e in events) == sorted(c.pk for c in cases)
    assert all(fresh(c).version == c.version + 1 for c in cases)
    assert fresh_batch(batch).sent_at == today
    with pytest.raises(services.InvalidStateError, match="al als verzonden"):
        batches.print_batch_mark_sent(batch=batch, actor=supervisor, sent_at=today)


def fresh_batch(batch: Any) -> Any:
    return type(batch).objects.get(pk=batch.pk)


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (1, "in de toekomst"),
        (-400, "vóór de datum van de nieuwste brief"),
        (None, "Vul de verzenddatum in"),
    ],
)
def test_a_wrong_date_refuses_the_batch(inspector, supervisor, days, message):
    cases = [issued(inspector) for _ in range(2)]
    batch = batches.print_batch_create(actor=supervisor, params=params())
    sent_at = None if days is None else timezone.localdate() + dt.timedelta(days=days)
    since = last_event_pk()
    with pytest.raises(ValidationError, match=message):
        batches.print_batch_mark_sent(batch=batch, actor=supervisor, sent_at=sent_at)
    assert not Letter.objects.filter(case__in=cases, sent_at__isnull=False).exists()
    assert new_events(since) == []


def test_a_letter_sent_or_replaced_meanwhile_refuses_the_whole_batch(inspector, supervisor):
    one, two, three = (issued(inspector) for _ in range(3))
    batch = batches.print_batch_create(actor=supervisor, params=params())
    services.letter_mark_sent(
        letter=one.letters.get(),
        actor=inspector,
        version=fresh(one).version,
        sent_at=timezone.localdate(),
        sent_via="email",
    )
    since = last_event_pk()
    with pytest.raises(services.InvalidStateError, match=one.reference):
        batches.print_batch_mark_sent(batch=batch, actor=supervisor, sent_at=timezone.localdate())
    assert not Letter.objects.filter(case__in=[two, three], sent_at__isnull=False).exists()
    assert new_events(since) == []

    later = batches.print_batch_create(actor=supervisor, params=params())
    services.letter_regenerate(
        case=two,
        actor=supervisor,
        version=fresh(two).version,
        reason="Adres verbeterd",
        letter_pdf=pdf_of(1, A4[0]),
        template_version="test",
    )
    with pytest.raises(services.InvalidStateError, match="nieuwere versie"):
        batches.print_batch_mark_sent(batch=later, actor=supervisor, sent_at=timezone.localdate())
    assert not Letter.objects.filter(case__in=[two, three], sent_at__isnull=False).exists()


# ---------------------------------------------------------------------------
# Bulk regeneration in the background


class Killed(BaseException):
    """The worker process is killed (SIGKILL): nothing after this point runs."""


def run_worker(kill_after: int | None = None, *, patch: Any = None) -> int:
    """What `manage.py db_worker` does, in this process: claim the next ready task, run it,
    record its result, until the queue is empty. Returns how many tasks it ran.

    With `kill_after`, the worker dies inside the item after that many items, after the new
    letter was stored but before its transaction committed, as a SIGKILL would leave it: the
    task stays RUNNING and nothing of that item is recorded."""
    from django_tasks_db.models import DBTaskResult

    store = services.letters.documents.store
    stored = [0]

    def store_then_die(content: bytes) -> str:
        sha = store(content)
        stored[0] += 1
        if kill_after is not None and stored[0] > kill_after:
            raise Killed
        return sha

    ran = 0
    with patch.context() as m:
        m.setattr(services.letters.documents, "store", store_then_die)
        while (result := DBTaskResult.objects.ready().get_locked()) is not None:
            result.claim("test-worker")
            task_result = result.task_result
            try:
                value = result.task.call(*task_result.args, **task_result.kwargs)
            except Killed:
                return ran
            result.set_successful(value)
            ran += 1
    return ran


@pytest.fixture
def fast_render(monkeypatch):
    """The letter as rendered is not what these tests are about: a one-page PDF per case
    instead of WeasyPrint (the services around it run as they are)."""
    from cases import letters

    def render_final(case: Any) -> tuple[bytes, Any]:
        return pdf_of(1, 500 + case.pk % 50), lambda locked: None

    monkeypatch.setattr(letters, "render_final", render_final)


def test_regeneration_makes_a_new_version_of_each_letter_in_the_background(
    inspector, supervisor, django_capture_on_commit_callbacks, monkeypatch
):
    cases = [case_in_state(State.AGREEMENTS_CONFIRMED, inspector=inspector) for _ in range(3)]
    other = case_in_state(State.EMPLOYER_CALLED, inspector=inspector)  # no letter: not chosen
    with django_capture_on_commit_callbacks(execute=True):
        job = batches.regeneration_create(
            actor=supervisor, params=params(), reason="Typefout in de tweede alinea", chunk_size=2
        )
    assert job.items.count() == 3
    assert run_worker(patch=monkeypatch) == 2  # two chunks
    for case in cases:
        latest = fresh(case).letters.order_by("-number").first()
        assert latest.number == 2
        assert latest.reason == "Typefout in de tweede alinea"
        assert latest.generated_by == supervisor
        assert latest.template_version != "test"  # rendered with the current template
    assert not other.letters.exists()
    job = fresh_batch(job)
    assert job.finished_at is not None
    assert batch_selectors.progress(job).done == 3


def test_an_item_that_cannot_be_done_is_marked_and_the_rest_goes_on(
    inspector, supervisor, django_capture_on_commit_callbacks, monkeypatch, fast_render
):
    sent, later = (case_in_state(State.AGREEMENTS_CONFIRMED, inspector=inspector) for _ in "ab")
    with django_capture_on_commit_callbacks(execute=True):
        job = batches.regeneration_create(actor=supervisor, params=params(), reason="Typefout")
    services.letter_mark_sent(
        letter=sent.letters.get(),
        actor=inspector,
        version=fresh(sent).version,
        sent_at=timezone.localdate(),
        sent_via="post",
    )
    run_worker(patch=monkeypatch)
    items = {i.case_id: i for i in job.items.all()}
    assert items[sent.pk].new_letter is None
    assert items[sent.pk].error == "Deze brief is intussen als verzonden geregistreerd."
    assert items[later.pk].new_letter.number == 2
    assert fresh(sent).letters.count() == 1
    assert fresh_batch(job).finished_at is not None


def test_regeneration_refusals_change_nothing(inspector, supervisor):
    case_in_state(State.AGREEMENTS_CONFIRMED, inspector=inspector)
    with pytest.raises(services.NotPermittedError):
        batches.regeneration_create(actor=inspector, params=params(), reason="Typefout")
    with pytest.raises(ValidationError):
        batches.regeneration_create(actor=supervisor, params=params(), reason="   ")
    with pytest.raises(ValidationError):
        batches.regeneration_create(actor=supervisor, params=params(), reason="x" * 501)
    with pytest.raises(services.InvalidStateError):
        batches.regeneration_create(
            actor=supervisor, params=params(state=State.CLOSED), reason="Typefout"
        )
    assert not LetterBatchItem.objects.exists()


def test_545_letters_in_one_background_run_and_again_after_the_worker_is_killed_halfway(
    inspector, supervisor, django_capture_on_commit_callbacks, monkeypatch, fast_render
):
    """Issue 11's "Must show": 545 unsent letters regenerated in one background run; then a
    second job over the same letters whose worker is killed halfway, and after the restart
    (`manage.py resume_letter_batches`, then the worker) exactly 545 new versions: none lost,
    none doubled."""
    from django.core.management import call_command

    cases = [case_in_state(State.AGREEMENTS_CONFIRMED, inspector=inspector) for _ in range(545)]
    with django_capture_on_commit_callbacks(execute=True):
        first = batches.regeneration_create(actor=supervisor, params=params(), reason="Eerste")
    run_worker(patch=monkeypatch)
    assert Letter.objects.filter(reason="Eerste").count() == 545
    assert fresh_batch(first).finished_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        second = batches.regeneration_create(actor=supervisor, params=params(), reason="Tweede")
    assert second.items.count() == 545  # version 2 of each: the current, unsent letters
    run_worker(kill_after=272, patch=monkeypatch)
    assert Letter.objects.filter(reason="Tweede").count() == 272
    assert fresh_batch(second).finished_at is None
    # The restart: resume what is left, then the worker again.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("resume_letter_batches", stdout=io.StringIO())
    run_worker(patch=monkeypatch)
    assert Letter.objects.filter(reason="Tweede").count() == 545
    assert Letter.objects.filter(case__in=cases).count() == 3 * 545
    assert set(Letter.objects.filter(case__in=cases).values_list("number", flat=True)) == {
        1,
        2,
        3,
    }
    assert not second.items.filter(new_letter__isnull=True).exists()
    assert not second.items.exclude(error="").exists()
    assert fresh_batch(second).finished_at is not None
    generated = [e for e in new_events(0) if e.kind == EventKind.LETTER_GENERATED]
    assert sum(e.data.get("reason") == "Tweede" for e in generated) == 545
