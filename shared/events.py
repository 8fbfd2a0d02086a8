"""Event contracts: CloudEvents 1.0 structured JSON with typed, versioned `data` schemas."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from shared.errors import CredenceError, InvalidEvent
from shared.money import parse_amount

CustomerCode = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._\-]+$")]
CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CloudEvent(BaseModel):
    """The envelope. `(source, id)` is the deduplication key; `subject` is the customer code."""

    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: Literal["1.0"]
    id: Annotated[str, Field(min_length=1, max_length=200)]
    source: Annotated[str, Field(min_length=1, max_length=500)]
    type: Annotated[str, Field(min_length=1, max_length=200)]
    time: datetime | None = None
    subject: CustomerCode
    datacontenttype: str | None = "application/json"
    data: dict[str, Any]


class InvoiceIssued(_Strict):
    invoice_id: Annotated[str, Field(min_length=1, max_length=100)]
    customer_code: CustomerCode
    currency: CurrencyCode
    amount: Decimal
    issue_date: date
    due_date: date
    order_ref: Annotated[str, Field(min_length=1, max_length=100)] | None = None

    @field_validator("amount", mode="before")
    @classmethod
    def _amount_is_string(cls, value: object) -> object:
        if not isinstance(value, str):
            raise ValueError("amounts are carried as decimal strings")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        # The currency decides how many decimals the amount may carry.
        try:
            parse_amount(self.amount, self.currency)
        except CredenceError as exc:
            raise ValueError(exc.detail) from None
        if self.due_date < self.issue_date:
            raise ValueError("due_date is before issue_date")
        return self


class AlertRaised(_Strict):
    alert_id: uuid.UUID
    customer_code: CustomerCode
    kind: str
    level: Literal["watch", "warning", "critical"]
    message: str
    details: dict[str, Any]
    raised_at: datetime


INVOICE_ISSUED = "invoice.issued"
ALERT_RAISED = "alert.raised"

# The `data` schema of every event type Credence understands.
DATA_SCHEMAS: dict[str, type[_Strict]] = {
    INVOICE_ISSUED: InvoiceIssued,
    ALERT_RAISED: AlertRaised,
}


def parse_event(raw: bytes) -> CloudEvent:
    """Decode and validate an envelope and its data, or raise InvalidEvent with the reason."""
    try:
        envelope = CloudEvent.model_validate_json(raw)
    except ValidationError as exc:
        raise InvalidEvent(f"not a CloudEvent: {_first_error(exc)}") from None
    return envelope


def event_data(event: CloudEvent) -> _Strict:
    schema = DATA_SCHEMAS.get(event.type)
    if schema is None:
        raise InvalidEvent(f"unknown event type {event.type!r}")
    try:
        data = schema.model_validate(event.data)
    except ValidationError as exc:
        raise InvalidEvent(f"invalid {event.type} data: {_first_error(exc)}") from None
    customer = getattr(data, "customer_code", None)
    if customer is not None and customer != event.subject:
        raise InvalidEvent(f"subject {event.subject!r} differs from data.customer_code {customer!r}")
    return data


def new_event(
    *, source: str, type_: str, subject: str, data: _Strict, time: datetime | None = None
) -> CloudEvent:
    return CloudEvent(
        specversion="1.0",
        id=str(uuid.uuid4()),
        source=source,
        type=type_,
        time=time or datetime.now(UTC),
        subject=subject,
        data=json.loads(data.model_dump_json()),
    )


def encode(event: CloudEvent) -> bytes:
    return event.model_dump_json(exclude_none=True).encode()


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = "/".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else str(err["msg"])
