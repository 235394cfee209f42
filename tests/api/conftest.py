from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from api.models import ApiClient, Scope
from api.services import create_client, issue_token


@dataclass
class Token:
    client: ApiClient
    token: str

    @property
    def header(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_token(name: str, scope: str, user: User | None = None, **kwargs: Any) -> Token:
    client = create_client(name=name, scope=scope, actor=None, user=user)
    _row, token = issue_token(client=client, actor=None, **kwargs)
    return Token(client, token)


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def intake_token(db: None) -> Token:
    return make_token("webformulier", Scope.INTAKE)


@pytest.fixture
def statistics_token(db: None) -> Token:
    return make_token("rapportage", Scope.STATISTICS)


@pytest.fixture
def inspector_token(inspector: User) -> Token:
    return make_token("inspecteur1-eigen", Scope.USER, inspector)


@pytest.fixture
def supervisor_token(supervisor: User) -> Token:
    return make_token("teamleider-eigen", Scope.USER, supervisor)


def expired(name: str, scope: str) -> Token:
    return make_token(name, scope, valid_for=dt.timedelta(seconds=-1))
