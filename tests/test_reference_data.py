"""cases/reference_data.py: the topics' bits in Case.topic_mask, given once and for good."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from cases.models import Topic
from cases.models.reference import MAX_TOPIC_BIT
from cases.reference_data import TOPIC_BITS, ensure_reference_data, next_topic_bit


def test_the_six_topics_have_fixed_bits_and_keep_them(db) -> None:
    assert dict(Topic.objects.values_list("code", "bit")) == TOPIC_BITS
    ensure_reference_data()
    assert dict(Topic.objects.values_list("code", "bit")) == TOPIC_BITS


def _add_topic(client: Client, code: str) -> None:
    response = client.post(
        reverse("admin:cases_topic_add"),
        {"code": code, "label": code.title(), "ordering": 70, "active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def test_a_topic_added_in_the_admin_gets_the_next_free_bit(functional_admin: User) -> None:
    client = Client()
    client.force_login(functional_admin)
    _add_topic(client, "ventilatie")
    _add_topic(client, "reistijd")
    assert Topic.objects.get(code="ventilatie").bit == len(TOPIC_BITS)
    assert Topic.objects.get(code="reistijd").bit == len(TOPIC_BITS) + 1
    # Renaming or deactivating a topic keeps its bit.
    topic = Topic.objects.get(code="ventilatie")
    response = client.post(
        reverse("admin:cases_topic_change", args=[topic.pk]),
        {"label": "Ventilatie op locatie", "ordering": 80},
    )
    assert response.status_code == 302
    assert Topic.objects.get(pk=topic.pk).bit == len(TOPIC_BITS)


def test_no_topic_is_added_once_every_bit_is_given(db) -> None:
    for bit in range(len(TOPIC_BITS), MAX_TOPIC_BIT + 1):
        Topic.objects.create(code=f"t{bit}", label=f"T{bit}", bit=bit)
    with pytest.raises(ValidationError):
        next_topic_bit()
