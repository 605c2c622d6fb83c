"""The one error tree of mimeo.

Every error a caller can cause is a ``MimeoError`` carrying its HTTP status and problem title;
the API turns it into ``application/problem+json`` in a single handler::

    MimeoError
    ├── Unauthenticated          401
    ├── PaymentRequired          402  (the account's credit is spent)
    ├── Forbidden                403  (a browser form without its session's CSRF token)
    ├── NotFound                 404
    ├── Conflict                 409
    │   ├── InvalidTransition    409  (a status write the state machine forbids)
    │   └── LeaseLost            409  (the prediction is no longer leased to this worker)
    ├── PayloadTooLarge          413
    ├── TooManyRequests          429  (carries the seconds to wait: ``Retry-After``)
    ├── InvalidRequest           400
    └── InvalidInput             422  (carries one FieldError per bad field)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One bad input field, in the shape problem+json ``errors`` items take."""

    field: str
    message: str


class MimeoError(Exception):
    status: int = 500
    title: str = "Internal Server Error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Unauthenticated(MimeoError):
    status = 401
    title = "Unauthenticated"


class PaymentRequired(MimeoError):
    """New predictions are refused once an account's balance is spent; running ones finish."""

    status = 402
    title = "Payment required"


class Forbidden(MimeoError):
    """Never for another account's object (that is a 404, which reveals nothing)."""

    status = 403
    title = "Forbidden"


class NotFound(MimeoError):
    status = 404
    title = "Not found"


class Conflict(MimeoError):
    status = 409
    title = "Conflict"


class InvalidTransition(Conflict):
    title = "Invalid status transition"


class LeaseLost(Conflict):
    """The queue no longer holds this prediction for the worker: its lease expired and was
    recovered, or the prediction ended. The API answers 409 and the worker stops relaying."""

    title = "Lease lost"


class PayloadTooLarge(MimeoError):
    status = 413
    title = "Payload too large"


class TooManyRequests(MimeoError):
    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds


class InvalidRequest(MimeoError):
    status = 400
    title = "Bad request"


class InvalidInput(MimeoError):
    status = 422
    title = "Input validation failed"

    def __init__(self, errors: list[FieldError]) -> None:
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
        super().__init__(detail)
        self.errors = errors
