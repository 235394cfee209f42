"""Letters in bulk in a real browser, with axe on every page: a team leader makes a print
batch, downloads it and records it as sent; then regenerates letters and watches the job's
page follow the background work."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from cases.models import Letter, LetterBatch
from cases.services import batches
from tests.batch_helpers import issued
from tests.browser.conftest import check_accessibility, login


def test_team_leader_prints_a_batch_and_regenerates_letters(
    page: Any, live_server: Any, csp_watch: Any, inspector: Any, supervisor: Any
) -> None:
    cases = [issued(inspector, pages=n) for n in (1, 2, 1)]
    login(page, live_server, supervisor.username)
    page.get_by_role("link", name="Brieven in bulk").click()
    expect(page.get_by_test_id("unsent-count")).to_have_text(
        "3 niet-verzonden brieven voldoen aan het filter."
    )
    page.locator("details.filters > summary").click()  # open the filter, so axe checks it
    check_accessibility(page, "letter-batches")

    page.get_by_test_id("make-print-batch").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Afdrukbatch \d+$"))
    check_accessibility(page, "letter-batch-print")
    with page.expect_download() as download_info:
        page.get_by_test_id("batch-pdf").click()
    content = download_info.value.path().read_bytes()
    # 1 + blank + 2 + 1: every letter starts on an odd page.
    assert len(PdfReader(io.BytesIO(content)).pages) == 5

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    page.get_by_label("Per post verzonden op").fill(tomorrow.isoformat())
    page.get_by_test_id("record-sent").click()
    expect(page.locator(".error-summary")).to_contain_text("in de toekomst")
    check_accessibility(page, "letter-batch-print-error")
    assert not Letter.objects.filter(sent_at__isnull=False).exists()
    page.get_by_label("Per post verzonden op").fill(
        cases[0].letters.get().generated_at.date().isoformat()
    )
    page.get_by_test_id("record-sent").click()
    expect(page.get_by_test_id("batch-sent")).to_contain_text("per post verzonden")
    assert Letter.objects.filter(sent_at__isnull=False).count() == 3

    # Regeneration: new letters first (the printed ones are sent).
    fresh_cases = [issued(inspector) for _ in range(2)]
    page.get_by_role("link", name="Brieven in bulk").first.click()
    page.get_by_label("Reden").fill("Typefout in de tweede alinea")
    page.get_by_test_id("regenerate").click()
    expect(page.get_by_test_id("progress")).to_have_text(
        "0 nieuwe versies gemaakt, 0 konden niet worden gemaakt, nog 2 te gaan."
    )
    check_accessibility(page, "letter-batch-regeneration-running")
    # The background worker's work (what a db_worker would run); the page follows it.
    job = LetterBatch.objects.get(kind="regenerate")
    for chunk in batches.pending_chunks(job):
        batches.regeneration_run_chunk(job.pk, chunk)
    expect(page.get_by_text(re.compile(r"^Klaar op "))).to_be_visible(timeout=15_000)
    expect(page.get_by_test_id("progress")).to_have_text(
        "2 nieuwe versies gemaakt, 0 konden niet worden gemaakt, nog 0 te gaan."
    )
    expect(page.get_by_test_id("batch-items")).to_contain_text("versie 2 gemaakt")
    check_accessibility(page, "letter-batch-regeneration-done")
    assert all(c.letters.count() == 2 for c in fresh_cases)
