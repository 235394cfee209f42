"""Per-client throttling, counted in the database so that every server process shares it."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

if TYPE_CHECKING:
    from rest_framework.views import APIView

from api.auth import token_of
from api.models import ThrottleWindow


class TokenRateThrottle(BaseThrottle):
    """At most `API_TOKEN_RATE` requests per `API_TOKEN_WINDOW_SECONDS` per client; session
    requests are not throttled here (people are throttled by the sign-in)."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        token = token_of(request)
        if token is None:
            return True
        window = dt.timedelta(seconds=settings.API_TOKEN_WINDOW_SECONDS)
        now = timezone.now()
        start = now - dt.timedelta(seconds=now.timestamp() % window.total_seconds())
        start = start.replace(microsecond=0)
        self.wait_seconds = max(1, math.ceil((start + window - now).total_seconds()))
        count = _hit(token.client_id, start)
        return count <= settings.API_TOKEN_RATE

    def wait(self) -> float:
        return float(self.wait_seconds)


def _hit(client_id: int, start: dt.datetime) -> int:
    updated = ThrottleWindow.objects.filter(client_id=client_id, window_start=start).update(
        count=F("count") + 1
    )
    if not updated:
        try:
            with transaction.atomic():
                ThrottleWindow.objects.create(client_id=client_id, window_start=start, count=1)
        except IntegrityError:  # another process opened the window first
            ThrottleWindow.objects.filter(client_id=client_id, window_start=start).update(
                count=F("count") + 1
            )
        ThrottleWindow.objects.filter(client_id=client_id, window_start__lt=start).delete()
    return ThrottleWindow.objects.get(client_id=client_id, window_start=start).count
