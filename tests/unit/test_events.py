import json
from typing import Any

import pytest

from shared.domain.errors import InvalidEvent
from shared.events import InvoiceIssued, event_data, parse_event


def raw(**overrides: Any) -> bytes:
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": "e-1",
        "source": "erp/sap",
        "type": "invoice.issued",
        "subject": "C-1",
        "data": {
            "invoice_id": "INV-1",
            "customer_code": "C-1",
            "currency": "EUR",
            "amount": "100.00",
            "issue_date": "2026-11-01",
            "due_date": "2026-12-01",
        },
    }
    data = overrides.pop("data", {})
    event.update(overrides)
    event["data"] = {**event["data"], **data}
    return json.dumps(event).encode()


def test_a_valid_invoice_event_is_read_with_its_typed_data() -> None:
    data = event_data(parse_event(raw()))
    assert isinstance(data, InvoiceIssued)
    assert str(data.amount) == "100.00"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{not json", "not a CloudEvent"),
        (raw(specversion="0.3"), "specversion"),
        (raw(type="invoice.teleported"), "unknown event type"),
        (raw(data={"amount": 100.0}), "decimal strings"),
        (raw(data={"amount": "100.001"}), "decimals"),
        (raw(data={"due_date": "2026-10-01"}), "due_date is before issue_date"),
        (raw(data={"currency": "euro"}), "currency"),
        (raw(data={"unexpected": "x"}), "unexpected"),
        (raw(subject="C-2"), "differs from data.customer_code"),
    ],
)
def test_invalid_events_are_refused_with_a_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(InvalidEvent, match=reason):
        event_data(parse_event(payload))
