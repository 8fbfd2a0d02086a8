"""The published event contracts, generated from the models: a JSON Schema per event type and an
AsyncAPI 3.0 document. `credence docs events` writes them under docs/; a test fails when stale."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from shared.events import DATA_SCHEMAS, CloudEvent
from shared.settings import PlatformSettings

# Who sends what, on which topic (by the setting that names it).
CHANNELS: dict[str, tuple[str, str, list[str]]] = {
    "arEvents": (
        "ar_events_topic",
        "ERP events into the receivables ledger, keyed by customer code; and Credence's own ledger "
        "events of cash application (payment.allocated, payment.allocation_reversed), for the ledger "
        "to apply and the ERP to book",
        [
            "customer.upserted",
            "credit_group.upserted",
            "invoice.issued",
            "invoice.adjusted",
            "invoice.cancelled",
            "invoice.written_off",
            "credit_note.issued",
            "payment.received",
            "payment.reversed",
            "payment.allocated",
            "payment.allocation_reversed",
            "financial_statement.filed",
        ],
    ),
    "alerts": (
        "alerts_topic",
        "Messages for people, consumed by the notifier: alerts to notify (alert.raised), every change "
        "of an early-warning alert, dunning notices and statements of account",
        [
            "alert.raised",
            "alert.opened",
            "alert.updated",
            "alert.acknowledged",
            "alert.resolved",
            "alert.reopened",
            "dunning.notice_issued",
            "statement.issued",
        ],
    ),
    "riskEvents": (
        "risk_events_topic",
        "Ledger changes and assessments, for credit_api and dunning",
        ["receivables.decreased", "invoice.overdue", "risk.assessment_changed", "risk.warning_level_changed"],
    ),
    "creditEvents": (
        "credit_events_topic",
        "Credit holds resolved, for order systems; promises to pay, disputes and late-interest "
        "claims, for ERPs and collection tools",
        [
            "credit.hold_released",
            "credit.hold_rejected",
            "promise.made",
            "promise.kept",
            "promise.broken",
            "dispute.opened",
            "dispute.resolved",
            "dispute.closed",
            "interest.claimed",
            "interest.waived",
            "interest.invoiced",
        ],
    ),
}
RECEIVE = {"arEvents"}


def event_schema(event_type: str) -> dict[str, Any]:
    """The whole CloudEvent with this type's `data`, as JSON Schema (draft 2020-12)."""
    envelope = CloudEvent.model_json_schema()
    data = DATA_SCHEMAS[event_type].model_json_schema()
    defs = {**envelope.pop("$defs", {}), **data.pop("$defs", {})}
    envelope["properties"]["type"] = {"const": event_type, "type": "string"}
    envelope["properties"]["data"] = data
    envelope["required"] = sorted({*envelope.get("required", []), "data"})
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:credence:event:{event_type}:v1",
        "title": event_type,
        **envelope,
    }
    if defs:
        schema["$defs"] = defs
    return schema


def asyncapi() -> dict[str, Any]:
    settings = PlatformSettings.model_validate({})
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for channel, (setting, description, types) in CHANNELS.items():
        refs = {}
        for event_type in types:
            name = event_type.replace(".", "_")
            messages[name] = {
                "name": event_type,
                "contentType": "application/cloudevents+json",
                "payload": {"$ref": f"./events/{event_type}.schema.json"},
            }
            refs[name] = {"$ref": f"#/components/messages/{name}"}
        channels[channel] = {
            "address": getattr(settings, setting),
            "description": description,
            "messages": refs,
        }
        operations[f"{channel}{'Receive' if channel in RECEIVE else 'Send'}"] = {
            "action": "receive" if channel in RECEIVE else "send",
            "channel": {"$ref": f"#/channels/{channel}"},
            "messages": [{"$ref": f"#/channels/{channel}/messages/{name}"} for name in refs],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Credence events",
            "version": "1.0.0",
            "description": "CloudEvents 1.0 structured JSON; `subject` is the customer code and the "
            "Kafka key; `(source, id)` deduplicates.",
        },
        "defaultContentType": "application/cloudevents+json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def rendered() -> dict[str, str]:
    """Every published file, by path under docs/."""
    files = {
        f"events/{t}.schema.json": json.dumps(event_schema(t), indent=2, sort_keys=True) + "\n"
        for t in sorted(DATA_SCHEMAS)
    }
    files["asyncapi.yaml"] = yaml.safe_dump(asyncapi(), sort_keys=False, allow_unicode=True)
    return files


def write(docs: Path) -> list[Path]:
    written = []
    for name, text in rendered().items():
        path = docs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written
