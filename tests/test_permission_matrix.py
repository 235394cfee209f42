"""Role x URL -> expected status, for every URL pattern the application has.

The list of URL names comes from the resolver, so a new URL without a row here fails
`test_every_url_has_a_row`. Statuses (QUALITY.md): anonymous -> redirect to the login page;
a page the role may not use -> 403; an object outside the user's scope -> 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from cases.models import Case, Role, RoleGrant, State
from tests.helpers import case_in_state, intake

ROLES = ["anonymous", "no_role", "functional_admin", "inspector", "supervisor", "privacy_officer"]
LOGIN = "login"


@dataclass
class World:
    """The data every row can refer to: the 'inspector' role is the owner of `own`."""

    inspector: Any
    other_inspector: Any
    supervisor: Any
    functional_admin: Any
    no_role_user: Any
    privacy_officer: Any
    own: Case
    others: Case
    queue: Case
    taken: Case  # was in the intake queue at version 1; another inspector took it since
    grant: RoleGrant  # a role that sees melder data, granted, not yet acknowledged
    made: dict[str, Any] = field(default_factory=dict)  # cases a row makes, once per test

    def user(self, role: str) -> Any:
        return (
            None
            if role == "anonymous"
            else getattr(self, role if role != "no_role" else "no_role_user")
        )


@dataclass
class Row:
    name: str
    method: str
    expected: dict[str, int | str]
    kwargs: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    data: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    label: str = ""


def everyone(status: int) -> dict[str, int | str]:
    return dict.fromkeys(ROLES, status)


def pages(anonymous: str = LOGIN, **statuses: int) -> dict[str, int | str]:
    """Statuses per role; the privacy officer, who handles no cases, is like a user without
    a role unless the row says otherwise."""
    statuses.setdefault("privacy_officer", statuses["no_role"])
    return {"anonymous": anonymous, **statuses}


def privacy_pages(status: int = 200) -> dict[str, int | str]:
    """Pages for the privacy officer only."""
    return pages(
        no_role=403,
        functional_admin=403,
        inspector=403,
        supervisor=403,
        privacy_officer=status,
    )


def signed_in(status: int) -> dict[str, int | str]:
    return pages(
        no_role=status,
        functional_admin=status,
        inspector=status,
        supervisor=status,
        privacy_officer=status,
    )


def _on_attached(action: str, *, of_other: bool, label: str) -> Row:
    """`action` posted on an attached case of the 'inspector' role, or of another inspector
    (outside the inspector's scope: 404)."""

    def attached(w: World) -> Case:
        return _attached(w, w.other_inspector if of_other else None)

    return Row(
        "case_action",
        "post",
        pages(
            no_role=403, functional_admin=403, inspector=404 if of_other else 302, supervisor=302
        ),
        kwargs=lambda w: {"reference": attached(w).reference, "action": action},
        data=lambda w: {"version": Case.objects.get(pk=attached(w).pk).version},
        label=label,
    )


ROWS: list[Row] = [
    Row("health", "get", everyone(200)),
    Row("login", "get", everyone(200)),
    Row("logout", "post", everyone(302)),
    # After the password (cases/signin_views.py). Two-factor sign-in is off in these tests:
    # the code page has nothing to ask and sends the user on; anyone may set up the app.
    Row("otp_verify", "get", signed_in(302)),
    Row("otp_setup", "get", signed_in(200)),
    Row("password_change", "get", signed_in(200)),
    Row(
        "role_grant_acknowledge",
        "post",
        pages(no_role=403, functional_admin=403, inspector=403, supervisor=302),
        kwargs=lambda w: {"pk": w.grant.pk},
    ),
    Row(
        "role_grant_acknowledge",
        "post",
        pages(no_role=403, functional_admin=403, inspector=403, supervisor=404),
        kwargs=lambda w: {"pk": 999999},
        label="does not exist",
    ),
    # The privacy officer (cases/privacy_views.py), and nobody else.
    Row("privacy_home", "get", privacy_pages()),
    Row(
        "privacy_case_views",
        "get",
        privacy_pages(),
        kwargs=lambda w: {"reference": w.own.reference},
    ),
    Row(
        "privacy_case_views",
        "get",
        privacy_pages(404),
        kwargs=lambda w: {"reference": "TW-1999-99999"},
        label="does not exist",
    ),
    Row("privacy_events", "get", privacy_pages()),
    Row("privacy_events_export", "get", privacy_pages()),
    Row("access_request", "get", privacy_pages()),
    Row(
        "home",
        "get",
        pages(no_role=200, functional_admin=200, inspector=200, supervisor=200),
    ),
    Row(
        "intake_queue",
        "get",
        pages(no_role=403, functional_admin=403, inspector=200, supervisor=200),
    ),
    Row(
        "my_cases",
        "get",
        pages(no_role=403, functional_admin=403, inspector=200, supervisor=200),
    ),
    Row(
        "all_cases",
        "get",
        pages(no_role=403, functional_admin=403, inspector=403, supervisor=200),
    ),
    Row(
        "case_create",
        "get",
        pages(no_role=403, functional_admin=403, inspector=200, supervisor=200),
    ),
    Row(
        "my_deadlines",
        "get",
        pages(no_role=403, functional_admin=403, inspector=200, supervisor=200),
    ),
    # The header search: a reference the user may see opens the case, anything else a list.
    Row(
        "search",
        "get",
        pages(no_role=403, functional_admin=403, inspector=302, supervisor=302),
        data=lambda w: {"q": "Werkgever"},
    ),
    Row(
        "search",
        "get",
        # Another inspector's case is not opened: the inspector gets the search list instead.
        pages(no_role=403, functional_admin=403, inspector=302, supervisor=302),
        data=lambda w: {"q": w.others.reference},
        label="another inspector's reference",
    ),
    # The intake form's employer lookup (JSON): for those who may register cases.
    Row(
        "employer_lookup",
        "get",
        pages(no_role=403, functional_admin=403, inspector=200, supervisor=200),
        data=lambda w: {"kvk": w.own.employer.kvk_number},
    ),
    # The employer page: for case workers, whoever handles its cases (the cases they may
    # not see are only counted); an employer that does not exist is a 404.
    Row(
        "employer_detail",
        "get",
        pages(no_role=403, functional_admin=403, inspector=200, supervisor=200),
        kwargs=lambda w: {"pk": w.own.employer_id},
        label="own case's employer",
    ),
    Row(
        "employer_detail",
        "get",
        pages(no_role=403, functional_admin=403, inspector=200, supervisor=200),
        kwargs=lambda w: {"pk": w.others.employer_id},
        label="another inspector's case's employer",
    ),
    Row(
        "employer_detail",
        "get",
        pages(no_role=403, functional_admin=403, inspector=404, supervisor=404),
        kwargs=lambda w: {"pk": 999999},
        label="does not exist",
    ),
    # The surge view and its "assign all unassigned": team leaders only.
    Row(
        "surge",
        "get",
        pages(no_role=403, functional_admin=403, inspector=403, supervisor=200),
    ),
    Row(
        "surge_assign",
        "post",
        pages(no_role=403, functional_admin=403, inspector=403, supervisor=302),
        kwargs=lambda w: {"pk": w.queue.employer_id},
        data=lambda w: {"assignee": w.inspector.pk, "case": f"{w.queue.reference}:1"},
    ),
    Row(
        "surge_assign",
        "post",
        pages(no_role=403, functional_admin=403, inspector=403, supervisor=404),
        kwargs=lambda w: {"pk": 999999},
        data=lambda w: {"assignee": w.inspector.pk},
        label="does not exist",
    ),
    Row(
        "case_take",
        "post",
        pages(no_role=403, functional_admin=403, inspector=302, supervisor=302),
        kwargs=lambda w: {"reference": w.queue.reference},
        data=lambda w: {"version": w.queue.version},
        label="queue case",
    ),
    Row(
        "case_take",
        "post",
        # The supervisor may see it, but it is taken already: refused, shown on the case page.
        pages(no_role=403, functional_admin=403, inspector=404, supervisor=200),
        kwargs=lambda w: {"reference": w.others.reference},
        data=lambda w: {"version": w.others.version},
        label="another inspector's case",
    ),
    Row(
        "case_take",
        "post",
        # The race loser: who took it (409, nothing else about the case). The supervisor
        # sees the case, so their stale page is the "changed meanwhile" page (409 too).
        pages(no_role=403, functional_admin=403, inspector=409, supervisor=409),
        kwargs=lambda w: {"reference": w.taken.reference},
        data=lambda w: {"version": 1},
        label="taken meanwhile",
    ),
    Row(
        "case_detail",
        "get",
        pages(no_role=403, functional_admin=403, inspector=200, supervisor=200),
        kwargs=lambda w: {"reference": w.own.reference},
        label="own case",
    ),
    Row(
        "case_detail",
        "get",
        pages(no_role=403, functional_admin=403, inspector=404, supervisor=200),
        kwargs=lambda w: {"reference": w.others.reference},
        label="another inspector's case",
    ),
    Row(
        "case_detail",
        "get",
        pages(no_role=403, functional_admin=403, inspector=200, supervisor=200),
        kwargs=lambda w: {"reference": w.queue.reference},
        label="queue case",
    ),
    Row(
        "case_action",
        "post",
        pages(no_role=403, functional_admin=403, inspector=302, supervisor=302),
        kwargs=lambda w: {"reference": w.own.reference, "action": "close"},
        data=lambda w: {"version": w.own.version, "outcome": "ingetrokken"},
        label="close own case",
    ),
    Row(
        "case_action",
        "post",
        # The supervisor may see it, but a received case cannot be closed: refused, shown again.
        pages(no_role=403, functional_admin=403, inspector=404, supervisor=200),
        kwargs=lambda w: {"reference": w.others.reference, "action": "close"},
        data=lambda w: {"version": w.others.version, "outcome": "ingetrokken"},
        label="close another inspector's case",
    ),
    Row(
        "case_action",
        "post",
        pages(no_role=403, functional_admin=403, inspector=404, supervisor=404),
        kwargs=lambda w: {"reference": w.own.reference, "action": "bestaat-niet"},
        data=lambda w: {"version": w.own.version},
        label="unknown action",
    ),
    # Bundled handling (cases/services/bundles.py) on the action route. `own` is under
    # investigation: it may lead. An inspector attaches unassigned cases and their own, a team
    # leader any case; refusals are shown on the case page (200).
    Row(
        "case_action",
        "post",
        pages(no_role=403, functional_admin=403, inspector=302, supervisor=302),
        kwargs=lambda w: {"reference": w.own.reference, "action": "bundle_attach"},
        data=lambda w: {"version": w.own.version, "cases": [_same_employer(w, None).reference]},
        label="attach an unassigned case to own case",
    ),
    Row(
        "case_action",
        "post",
        pages(no_role=403, functional_admin=403, inspector=200, supervisor=302),
        kwargs=lambda w: {"reference": w.own.reference, "action": "bundle_attach"},
        data=lambda w: {
            "version": w.own.version,
            "cases": [_same_employer(w, w.other_inspector).reference],
        },
        label="attach another inspector's case to own case",
    ),
    Row(
        "case_action",
        "post",
        # Nothing chosen: refused, shown on the case page.
        pages(no_role=403, functional_admin=403, inspector=200, supervisor=200),
        kwargs=lambda w: {"reference": w.own.reference, "action": "bundle_attach"},
        data=lambda w: {"version": w.own.version},
        label="attach nothing",
    ),
    Row(
        "case_action",
        "post",
        # The supervisor may see it, but a received case cannot lead: refused, shown again.
        pages(no_role=403, functional_admin=403, inspector=404, supervisor=200),
        kwargs=lambda w: {"reference": w.others.reference, "action": "bundle_attach"},
        data=lambda w: {"version": w.others.version, "cases": [w.queue.reference]},
        label="attach to another inspector's case",
    ),
    _on_attached("bundle_detach", of_other=False, label="detach own attached case"),
    _on_attached("bundle_detach", of_other=True, label="detach another inspector's attached case"),
    Row(
        "case_action",
        "post",
        # `own` is not handled together with another case: refused, shown on the case page.
        pages(no_role=403, functional_admin=403, inspector=200, supervisor=200),
        kwargs=lambda w: {"reference": w.own.reference, "action": "bundle_detach"},
        data=lambda w: {"version": w.own.version},
        label="detach a case that is not attached",
    ),
    _on_attached("bundle_make_lead", of_other=False, label="make own attached case the lead"),
    _on_attached(
        "bundle_make_lead", of_other=True, label="make another inspector's attached case the lead"
    ),
    # Confirmation letters; tests/test_letters.py covers cases that have letters. `own` is
    # under investigation, so acting is refused with a message (302) rather than done.
    Row(
        "letter_preview",
        "get",
        pages(no_role=403, functional_admin=403, inspector=302, supervisor=302),
        kwargs=lambda w: {"reference": w.own.reference},
        label="own case",
    ),
    Row(
        "letter_preview",
        "get",
        pages(no_role=403, functional_admin=403, inspector=404, supervisor=302),
        kwargs=lambda w: {"reference": w.others.reference},
        label="another inspector's case",
    ),
    Row(
        "case_action",
        "post",
        # `own` is under investigation: confirming is refused, shown on the case page.
        pages(no_role=403, functional_admin=403, inspector=200, supervisor=200),
        kwargs=lambda w: {"reference": w.own.reference, "action": "letter_confirm"},
        data=lambda w: {"version": w.own.version},
        label="confirm on own case",
    ),
    Row(
        "case_action",
        "post",
        pages(no_role=403, functional_admin=403, inspector=404, supervisor=200),
        kwargs=lambda w: {"reference": w.others.reference, "action": "letter_confirm"},
        data=lambda w: {"version": w.others.version},
        label="confirm on another inspector's case",
    ),
    Row(
        "case_action",
        "post",
        pages(no_role=403, functional_admin=403, inspector=200, supervisor=200),
        kwargs=lambda w: {"reference": w.own.reference, "action": "letter_regenerate"},
        data=lambda w: {"version": w.own.version, "reason": "Adres gewijzigd"},
        label="regenerate",
    ),
    Row(
        "case_action",
        "post",
        pages(no_role=403, functional_admin=403, inspector=200, supervisor=200),
        kwargs=lambda w: {"reference": w.own.reference, "action": "letter_mark_sent"},
        data=lambda w: {
            "version": w.own.version,
            "letter": 1,
            "sent_at": "2021-04-12",
            "sent_via": "post",
        },
        label="mark sent, no letter yet",
    ),
    Row(
        "letter_download",
        "get",
        pages(no_role=403, functional_admin=403, inspector=404, supervisor=404),
        kwargs=lambda w: {"reference": w.own.reference, "number": 1},
        label="no letter yet",
    ),
    # Supervisor dashboard and recorded figures (cases/dashboard_views.py)
    Row(
        "dashboard",
        "get",
        pages(no_role=403, functional_admin=403, inspector=403, supervisor=200),
    ),
    Row(
        "figures_report",
        "get",
        pages(no_role=403, functional_admin=403, inspector=403, supervisor=200),
        data=lambda w: {"received_after": "2021-01-25", "received_before": "2021-04-09"},
    ),
    Row(
        "snapshot_create",
        "post",
        pages(no_role=403, functional_admin=403, inspector=403, supervisor=302),
        data=lambda w: {"filter": "received_after=2021-01-25&received_before=2021-04-09"},
    ),
    # Exports (cases/export_views.py): team leaders only, every list in both formats.
    *(
        Row(
            "case_export",
            "get",
            pages(no_role=403, functional_admin=403, inspector=403, supervisor=200),
            kwargs=lambda w, scope=scope, fmt=fmt: {"scope": scope, "fmt": fmt},
            label=f"{scope}.{fmt}",
        )
        for scope in ("intake", "mijn", "alle")
        for fmt in ("csv", "xlsx")
    ),
    Row(
        "case_export",
        "get",
        pages(no_role=403, functional_admin=403, inspector=403, supervisor=404),
        kwargs=lambda w: {"scope": "andere", "fmt": "csv"},
        label="no such list",
    ),
    *(
        Row(
            "dashboard_export",
            "get",
            pages(no_role=403, functional_admin=403, inspector=403, supervisor=200),
            kwargs=lambda w, fmt=fmt: {"fmt": fmt},
            label=fmt,
        )
        for fmt in ("csv", "xlsx")
    ),
    Row(
        "snapshot_list",
        "get",
        pages(no_role=403, functional_admin=403, inspector=403, supervisor=200),
    ),
    Row(
        "snapshot_detail",
        "get",
        pages(no_role=403, functional_admin=403, inspector=403, supervisor=200),
        kwargs=lambda w: {"pk": _figure_snapshot(w).pk},
    ),
    Row(
        "snapshot_detail",
        "get",
        pages(no_role=403, functional_admin=403, inspector=403, supervisor=404),
        kwargs=lambda w: {"pk": 999999},
        label="does not exist",
    ),
    # Letters in bulk (cases/batch_views.py): team leaders only
    Row(
        "letter_batches",
        "get",
        pages(no_role=403, functional_admin=403, inspector=403, supervisor=200),
    ),
    Row(
        "letter_batch_create",
        "post",
        pages(no_role=403, functional_admin=403, inspector=403, supervisor=302),
        data=lambda w: {"kind": "print", "filter": ""},
    ),
    Row(
        "letter_batch_detail",
        "get",
        pages(no_role=403, functional_admin=403, inspector=403, supervisor=200),
        kwargs=lambda w: {"pk": _print_batch(w).pk},
    ),
    Row(
        "letter_batch_detail",
        "get",
        pages(no_role=403, functional_admin=403, inspector=403, supervisor=404),
        kwargs=lambda w: {"pk": 999999},
        label="does not exist",
    ),
    Row(
        "letter_batch_progress",
        "get",
        pages(no_role=403, functional_admin=403, inspector=403, supervisor=200),
        kwargs=lambda w: {"pk": _regeneration(w).pk},
    ),
    Row(
        "letter_batch_pdf",
        "get",
        pages(no_role=403, functional_admin=403, inspector=403, supervisor=200),
        kwargs=lambda w: {"pk": _print_batch(w).pk},
    ),
    Row(
        "letter_batch_pdf",
        "get",
        pages(no_role=403, functional_admin=403, inspector=403, supervisor=404),
        kwargs=lambda w: {"pk": _regeneration(w).pk},
        label="not a print batch",
    ),
    Row(
        "letter_batch_mark_sent",
        "post",
        pages(no_role=403, functional_admin=403, inspector=403, supervisor=302),
        kwargs=lambda w: {"pk": _print_batch(w).pk},
        data=lambda w: {"sent_at": timezone.localdate().isoformat()},
    ),
    Row(
        "letter_batch_resume",
        "post",
        pages(no_role=403, functional_admin=403, inspector=403, supervisor=302),
        kwargs=lambda w: {"pk": _regeneration(w).pk},
    ),
]


def _same_employer(w: World, assignee: Any) -> Case:
    """A case about `own`'s employer, under investigation with `assignee`, or received and
    unassigned (None); made once per test."""
    key = f"same-employer-{assignee.pk if assignee else 'queue'}"
    if key not in w.made:
        if assignee is None:
            w.made[key] = intake(w.supervisor, employer=w.own.employer)
        else:
            w.made[key] = case_in_state(
                State.UNDER_INVESTIGATION, inspector=assignee, employer=w.own.employer
            )
    return w.made[key]


def _attached(w: World, inspector: Any = None) -> Case:
    """A case attached to a lead of `inspector` (default: the 'inspector' role), both under
    investigation, not yet called about; made once per test."""
    from cases.services.bundles import bundle_attach

    inspector = inspector or w.inspector
    key = f"attached-{inspector.pk}"
    if key not in w.made:
        lead = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector)
        member = case_in_state(State.RECEIVED, inspector=inspector, employer=lead.employer)
        bundle_attach(case=lead, actor=inspector, version=lead.version, cases=[member.pk])
        w.made[key] = member
    return w.made[key]


def _print_batch(w: World) -> Any:
    """A print batch of one issued letter (a real one-page PDF)."""
    from tests.batch_helpers import print_batch

    return print_batch(w.inspector, w.supervisor)


def _regeneration(w: World) -> Any:
    """A bulk regeneration job of one letter (not run: no worker in these tests)."""
    from django.http import QueryDict

    from cases.services import batches
    from tests.batch_helpers import issued

    case = issued(w.inspector)
    return batches.regeneration_create(
        actor=w.supervisor, params=QueryDict(f"q={case.reference}"), reason="Typefout"
    )


def _figure_snapshot(w: World) -> Any:
    """A recorded set of dashboard figures (FigureSnapshot), for its detail page."""
    from django.http import QueryDict

    from cases.services import snapshot_create

    return snapshot_create(actor=w.supervisor, params=QueryDict("received_after=2021-01-25"))


# URL names that are tested elsewhere with their own rules.
# Django admin: tests/test_admin.py; the API (callers with tokens too): tests/api/test_matrix.py.
EXCLUDED_NAMESPACES = {"admin", "api"}


def _url_names(patterns: list[Any], namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in EXCLUDED_NAMESPACES:
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_url_has_a_row() -> None:
    missing = _url_names(get_resolver().url_patterns) - {row.name for row in ROWS}
    assert not missing, f"URL patterns without a row in the permission matrix: {sorted(missing)}"


@pytest.fixture
def world(
    inspector, other_inspector, supervisor, functional_admin, no_role_user, privacy_officer
) -> World:
    return World(
        inspector=inspector,
        other_inspector=other_inspector,
        supervisor=supervisor,
        functional_admin=functional_admin,
        no_role_user=no_role_user,
        privacy_officer=privacy_officer,
        grant=RoleGrant.objects.create(
            user=other_inspector,
            role=Role.INSPECTEUR,
            granted_by=functional_admin,
            granted_at=timezone.now(),
        ),
        own=case_in_state(State.UNDER_INVESTIGATION, inspector=inspector),
        others=case_in_state(State.RECEIVED, inspector=other_inspector),
        queue=intake(supervisor),
        taken=_taken_meanwhile(supervisor, other_inspector),
    )


def _taken_meanwhile(registrar: Any, taker: Any) -> Case:
    from cases.services import case_take

    case = intake(registrar)
    return case_take(case=case, actor=taker, version=case.version)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.name}[{r.label}]" if r.label else r.name)
def test_matrix(client, world: World, row: Row, role: str) -> None:
    user = world.user(role)
    if user is not None:
        client.force_login(user)
    url = reverse(row.name, kwargs=row.kwargs(world))
    response = getattr(client, row.method)(url, row.data(world))
    expected = row.expected[role]
    if expected == LOGIN:
        assert response.status_code == 302, (url, role)
        assert response["Location"].startswith(reverse("login")), (url, role)
    else:
        assert response.status_code == expected, (url, role, response.status_code)


@pytest.mark.parametrize(
    "row", [r for r in ROWS if r.method == "post"], ids=lambda r: f"{r.name}[{r.label}]"
)
def test_post_endpoints_refuse_get(client, world: World, row: Row) -> None:
    client.force_login(world.supervisor)
    response = client.get(reverse(row.name, kwargs=row.kwargs(world)))
    assert response.status_code == 405
