import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

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


PUBLISHED = Path(__file__).resolve().parents[2] / "docs" / "events"


@pytest.mark.parametrize("amount", [100.0, 100, "1e2", "100.", " 100.00"])
def test_the_published_schema_refuses_the_amounts_the_worker_dead_letters(amount: object) -> None:
    schema = json.loads((PUBLISHED / "invoice.issued.schema.json").read_text())
    event = json.loads(raw(data={"amount": amount}))
    assert not Draft202012Validator(schema).is_valid(event)
    with pytest.raises(InvalidEvent, match="decimal strings"):
        event_data(parse_event(json.dumps(event).encode()))


def test_every_published_amount_is_a_decimal_string() -> None:
    """No event schema lets an amount through as a JSON number."""

    def numbers(node: object, path: str) -> list[str]:
        if isinstance(node, dict):
            found = [path] if node.get("type") == "number" else []
            return found + [p for k, v in node.items() for p in numbers(v, f"{path}/{k}")]
        if isinstance(node, list):
            return [p for i, v in enumerate(node) for p in numbers(v, f"{path}/{i}")]
        return []

    offending = [
        p for f in sorted(PUBLISHED.glob("*.schema.json")) for p in numbers(json.loads(f.read_text()), f.name)
    ]
    assert [p for p in offending if "amount" in p.lower() or "/data/" in p] == []
