"""`GET /api/v1/statistics/`: the dashboard's figures on the shared filter parameters, for
team leaders and statistics tokens (on the kamerbrief_2021 fixture, loaded once)."""

from __future__ import annotations

from django.contrib.auth.models import User
from rest_framework.test import APIClient

from tests.api.conftest import make_token
from tests.api.test_auth_and_problems import assert_problem

URL = "/api/v1/statistics/"
KAMERBRIEF = {"received_after": "2021-01-25", "received_before": "2021-04-09"}


def test_the_kamerbrief_figures_for_a_team_leader_and_a_statistics_token(loaded: None) -> None:
    api = APIClient()
    api.force_login(User.objects.get(username="teamleider"))
    body = api.get(URL, KAMERBRIEF).json()
    assert (body["received"], body["investigated"], body["only_not_allowed"]) == (746, 627, 545)
    assert body["received"] == body["investigated"] + body["declined"] + body["not_triaged"]
    assert body["filter"] == {"received_after": ["2021-01-25"], "received_before": ["2021-04-09"]}
    assert sum(body["by_state"].values()) == 746
    assert sum(row["count"] for row in body["by_week"]) == 746
    assert sum(body["declined_by_outcome"].values()) == body["declined"]

    token = make_token("rapportage", "statistics")
    same = APIClient().get(URL, KAMERBRIEF, headers=token.header).json()
    assert same == body


def test_only_team_leaders_and_statistics_tokens(loaded: None) -> None:
    api = APIClient()
    api.force_login(User.objects.get(username="inspecteur1"))
    assert_problem(api.get(URL), 403)
    token = make_token("formulier", "intake")
    assert_problem(APIClient().get(URL, headers=token.header), 403)
    assert_problem(APIClient().get(URL), 401)


def test_an_invalid_parameter_is_400_naming_it(loaded: None) -> None:
    api = APIClient()
    api.force_login(User.objects.get(username="teamleider"))
    problem = assert_problem(api.get(URL, {"received_before": "9-4-2021x", "topic": "geen"}), 400)
    assert set(problem["errors"]) == {"received_before", "topic"}
