"""Typed domain errors. They carry no HTTP status: the edge maps them to problem details."""

from __future__ import annotations

from typing import Any, ClassVar, Self


class CredenceError(Exception):
    """Base of every error a user can cause; `code` is the stable slug of the problem type."""

    code: ClassVar[str] = "error"
    title: ClassVar[str] = "Request failed"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(CredenceError):
    code = "not-found"
    title = "Resource not found"


class AlreadyExists(CredenceError):
    code = "already-exists"
    title = "Resource already exists"


class Conflict(CredenceError):
    code = "conflict"
    title = "Conflicting request"


class InvalidInput(CredenceError):
    code = "invalid-input"
    title = "Invalid input"

    @classmethod
    def at(cls, pointer: str, detail: str) -> Self:
        """A problem with one field of the input, named by its JSON pointer (`/parent`)."""
        return cls(f"#{pointer}: {detail}", errors=[{"pointer": f"#{pointer}", "detail": detail}])


class InvalidAmount(InvalidInput):
    code = "invalid-amount"
    title = "Invalid amount"


class UnknownCurrency(InvalidInput):
    code = "unknown-currency"
    title = "Unknown currency"

    def __init__(self, currency: str) -> None:
        super().__init__(f"{currency!r} is not a supported ISO 4217 currency", currency=currency)


class MissingFxRate(CredenceError):
    code = "missing-fx-rate"
    title = "No exchange rate available"


class TooLarge(CredenceError):
    code = "too-large"
    title = "Too large"


class Unauthenticated(CredenceError):
    code = "unauthenticated"
    title = "Missing or invalid API key"


class Forbidden(CredenceError):
    code = "forbidden"
    title = "Role not allowed"


class Unavailable(CredenceError):
    """A dependency too slow or down to answer within the deadline: try again after `retry_after`."""

    code = "unavailable"
    title = "Service unavailable"


class RateLimited(CredenceError):
    """Too many requests with one API key; `retry_after` says in how many seconds to try again."""

    code = "rate-limited"
    title = "Too many requests"


class InvalidEvent(CredenceError):
    """An event that can never be applied as it is; it goes to the dead-letter topic."""

    code = "invalid-event"
    title = "Invalid event"
