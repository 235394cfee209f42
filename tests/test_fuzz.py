"""No input reaches a 500: hypothesis fuzzes every GET parameter of every list, the
dashboard and the privacy officer's Events page, and every POST form (the intake form,
every action form of the workflow table through the one action route, the figures for the
ministry, an access request).

Deterministic: the `FUZZ` profile is derandomized (its examples follow from the test alone)
with EXAMPLES examples per test, no example database and no deadline. Every request is sent
by the test client, which raises any exception a view lets through, so a 500 fails the test
with its traceback.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.filters import CaseFilter
from cases.forms import IntakeForm
from cases.models import Case, State
from cases.workflow import ACTIONS, Action
from tests.helpers import add_agreement, case_in_state, fresh, intake

EXAMPLES = 40
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Values people and attackers type: edge dates, numbers out of range, markup, NUL bytes,
# very long text, other scripts.
NASTY = [
    "",
    " ",
    "0",
    "-1",
    "1e309",
    "NaN",
    "null",
    "None",
    "abc",
    "99999999999999999999999",
    "-99999999999999999999999",
    "9999-12-31",
    "0001-01-01",
    "2019-12-31",
    "2021-02-30",
    "2021-13-01",
    "31-12-2021",
    "2021-01-25T00:00:00+14:00",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59",
    "25:61",
    "\x00",
    "a\x00b",
    "%00",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "TW-2021-00001",
    "tw-9999-99999",
    "x" * 10_001,
    "ß𝔘🙂\u202e",
    "\ud800",
]
VALUE = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.integers().map(str),
    st.dates().map(dt.date.isoformat),
    st.datetimes().map(dt.datetime.isoformat),
)
VALUES = st.lists(VALUE, min_size=1, max_size=3)


def params(names: list[str]) -> st.SearchStrategy[dict[str, list[str]]]:
    """Some of `names` (and an unknown name), each with one or more nasty values."""
    return st.dictionaries(st.sampled_from([*names, "onbekend"]), VALUES, max_size=len(names))


def clean(value: str) -> str:
    # The test client cannot encode a lone surrogate; a browser sends U+FFFD instead.
    return value.encode("utf-8", "replace").decode("utf-8")


def query(data: dict[str, list[str]]) -> dict[str, list[str]]:
    return {clean(key): [clean(v) for v in values] for key, values in data.items()}


def no_server_error(response: Any) -> None:
    assert response.status_code < 500, response.status_code


FILTERS = [*CaseFilter.base_filters, "page", "sort"]


@pytest.mark.parametrize("url", ["intake_queue", "my_cases", "all_cases", "dashboard"])
@FUZZ
@given(data=params(FILTERS))
def test_lists_and_dashboard_never_fail(client: Client, supervisor: Any, url: str, data) -> None:
    client.force_login(supervisor)
    no_server_error(client.get(reverse(url), query(data)))


@pytest.mark.parametrize(
    ("url", "kwargs"),
    [
        ("case_export", {"scope": "alle", "fmt": "csv"}),
        ("case_export", {"scope": "mijn", "fmt": "xlsx"}),
        ("dashboard_export", {"fmt": "csv"}),
        ("dashboard_export", {"fmt": "xlsx"}),
    ],
)
@FUZZ
@given(data=params(FILTERS))
def test_exports_never_fail(
    client: Client, supervisor: Any, url: str, kwargs: dict[str, str], data
) -> None:
    client.force_login(supervisor)
    response = client.get(reverse(url, kwargs=kwargs), query(data))
    no_server_error(response)
    if response.streaming:
        b"".join(response.streaming_content)  # a failure while streaming raises here


@FUZZ
@given(data=params(["actor", "start", "end", "kind", "page"]))
def test_privacy_events_never_fail(client: Client, privacy_officer: Any, data) -> None:
    client.force_login(privacy_officer)
    no_server_error(client.get(reverse("privacy_events"), query(data)))
    no_server_error(client.get(reverse("privacy_events_export"), query(data)))


@FUZZ
@given(data=params(list(IntakeForm.base_fields)))
def test_the_intake_form_never_fails(client: Client, inspector: Any, data) -> None:
    client.force_login(inspector)
    no_server_error(client.post(reverse("case_create"), query(data)))


@FUZZ
@given(data=params(["email", "phone", "pdf"]))
def test_access_requests_never_fail(client: Client, privacy_officer: Any, data) -> None:
    client.force_login(privacy_officer)
    data.pop("pdf", None)  # rendering PDFs is covered in tests/test_privacy.py; it is slow
    no_server_error(client.post(reverse("access_request"), query(data)))


@FUZZ
@given(data=params(["filter", "label", "seen"]))
def test_recording_figures_never_fails(client: Client, supervisor: Any, data) -> None:
    client.force_login(supervisor)
    no_server_error(client.post(reverse("snapshot_create"), query(data)))


# ---------------------------------------------------------------------------
# Every action form of the workflow table, on a case in a state the action starts from


def _case_for(action: Action, inspector: Any) -> Case:
    state = action.sources[0]
    if action.name == "reopen":
        state = State.CLOSED
    if action.per == "agreement" or action.name == "agreement_edit":
        state = State.EMPLOYER_CALLED if State.EMPLOYER_CALLED in action.sources else state
    case = case_in_state(state, inspector=inspector)
    if action.per == "agreement" and state == State.EMPLOYER_CALLED:
        add_agreement(case, inspector)
    return fresh(case)


# Rendering a letter takes a second: fewer examples for the two actions that render one.
SLOW = {"letter_confirm", "letter_regenerate"}
WRITES = [a for a in ACTIONS.values() if a.is_write and a.form and a.name not in SLOW]


@pytest.mark.parametrize("name", [a.name for a in WRITES])
@FUZZ
@given(data=st.data())
def test_every_action_form_never_fails(
    client: Client, inspector: Any, supervisor: Any, name: str, data: Any
) -> None:
    action = ACTIONS[name]
    case = _case_for(action, inspector)
    fields = [*action.form_class.base_fields, "next"]
    posted = query(data.draw(params(fields)))
    # Mostly the right version, so that the input reaches the service's validation.
    posted["version"] = [data.draw(st.one_of(st.just(str(case.version)), VALUE), "version")]
    client.force_login(supervisor)
    url = reverse("case_action", args=[case.reference, name])
    no_server_error(client.post(url, posted))


@pytest.mark.parametrize("name", sorted(SLOW))
@settings(FUZZ, max_examples=5)
@given(data=params(["version", "seen_at", "reason", "next"]))
def test_the_letter_actions_never_fail(
    client: Client, inspector: Any, supervisor: Any, name: str, data
) -> None:
    state = State.EMPLOYER_CALLED if name == "letter_confirm" else State.AGREEMENTS_CONFIRMED
    case = case_in_state(state, inspector=inspector)
    if name == "letter_confirm":
        add_agreement(case, inspector)
    client.force_login(supervisor)
    url = reverse("case_action", args=[case.reference, name])
    no_server_error(client.post(url, query(data)))


@FUZZ
@given(data=params(["assignee", "case"]))
def test_assigning_an_employers_cases_never_fails(client: Client, supervisor: Any, data) -> None:
    case = intake(supervisor)
    client.force_login(supervisor)
    url = reverse("surge_assign", args=[case.employer_id])
    no_server_error(client.post(url, query(data)))
    # Only the cases the page showed, at the version it showed, are ever assigned.
    assert Case.objects.get(pk=case.pk).assignee_id is None


@FUZZ
@given(reference=VALUE, version=VALUE)
def test_taking_never_fails(client: Client, inspector: Any, supervisor: Any, reference, version):
    case = intake(supervisor)
    client.force_login(inspector)
    target = clean(reference).replace("/", "") or case.reference
    response = client.post(f"/meldingen/{target}/oppakken/", {"version": clean(version)})
    no_server_error(response)
    assert timezone.now()  # the clock is not frozen here


# The other pages that take parameters, each as the role it is for.
OTHER_PAGES = [
    ("my_deadlines", "inspector"),
    ("search", "inspector"),
    ("employer_lookup", "inspector"),
    ("snapshot_list", "supervisor"),
    ("surge", "supervisor"),
    ("letter_batches", "supervisor"),
]


@pytest.mark.parametrize(("url", "role"), OTHER_PAGES)
@FUZZ
@given(data=params([*FILTERS, "kvk"]))
def test_other_pages_and_lookups_never_fail(
    client: Client, inspector: Any, supervisor: Any, url: str, role: str, data
) -> None:
    client.force_login(inspector if role == "inspector" else supervisor)
    response = client.get(reverse(url), query(data))
    no_server_error(response)
    assert response.status_code != 403, url  # the page itself was reached


SIGN_IN_FIELDS = [
    "username",
    "password",
    "code",
    "next",
    "old_password",
    "new_password1",
    "new_password2",
]


@FUZZ
@given(data=params(SIGN_IN_FIELDS))
def test_the_sign_in_steps_never_fail(client: Client, inspector: Any, data) -> None:
    """Signing in, the second factor (set up and asked) and the password change, with the
    second factor required as in production."""
    with override_settings(OTP_REQUIRED=True):
        no_server_error(client.post(reverse("login"), query(data)))
        client.force_login(inspector)  # signed in; the second factor not set up yet
        for url in ("otp_setup", "password_change", "otp_verify"):
            no_server_error(client.get(reverse(url)))
            no_server_error(client.post(reverse(url), query(data)))


@FUZZ
@given(number=st.one_of(st.integers(min_value=0), st.sampled_from([2**63, 10**30])), text=VALUE)
def test_numbers_and_references_in_paths_never_fail(
    client: Client, supervisor: Any, privacy_officer: Any, number: int, text: str
) -> None:
    client.force_login(supervisor)
    reference = clean(text).replace("/", "").replace("?", "").replace("#", "") or "x"
    for path in (
        f"/dashboard/cijfers/{number}/",
        f"/meldingen/{reference}/",
        f"/meldingen/{reference}/brieven/{number}/",
        f"/meldingen/{reference}/brief/concept/",
        f"/rollen/{number}/gezien/",
        f"/werkgevers/{number}/",
        f"/werkgevers/{number}/toewijzen/",
    ):
        method = client.post if path.startswith("/rollen/") or "toewijzen" in path else client.get
        no_server_error(method(path))
    client.force_login(privacy_officer)
    no_server_error(client.get(f"/privacy/meldingen/{reference}/"))
