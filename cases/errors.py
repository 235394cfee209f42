"""The errors a refused action raises. `message` is Dutch and shown to the user; whoever
raises one has changed nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cases.models import Case


class ServiceError(Exception):
    """A refused action."""

    code = "refused"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class StaleVersionError(ServiceError):
    """The case changed after the user (or API client) last saw it."""

    code = "stale"


class NotPermittedError(ServiceError):
    code = "forbidden"


class InvalidStateError(ServiceError):
    """The case is not in a state or condition for the action."""

    code = "invalid_state"


class DuplicateIntakeError(ServiceError):
    """The intake form was sent again: `case` is the melding its first sending registered."""

    code = "duplicate"

    def __init__(self, message: str, *, case: Case) -> None:
        super().__init__(message)
        self.case = case
