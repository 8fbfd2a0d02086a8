"""Read-only views through which one service reads another's data.

- `credit_api.v_customer_credit`: a customer's credit currency, permanent limit, the sum of its
  temporary increases in force today, block state, language and contacts; read by risk_worker
  (assessments, early warning) and notifier (recipients, language).
- `risk_worker.v_customer_receivables`: open and overdue receivables and unallocated cash per customer
  and currency, with the oldest overdue due date; read by credit_api for exposure and the overdue rule.
- `risk_worker.v_dead_letters`: events the risk worker could not apply, with reason and origin.
- `credit_api.v_dead_letter_replays`: the dead letters an admin sent back from credit_api; read by
  risk_worker, whose `credence dlq replay` leaves them alone.
- `risk_worker.v_open_items`, `risk_worker.v_movements`: items (with the day each was settled) and
  the journal of their movements (each line of an item with the item's due date) and of cash and
  credit on account, each with what moved it and the document that did, for ageing as of any date,
  roll rates, late interest and statements of account.
- `risk_worker.v_credit_notes`: credit notes by issue date, which credit sales are net of (reports).
- `risk_worker.v_order_invoicing`: the amount invoiced per order, which consumes the order's
  reservation in credit_api, and when it last changed (credit_api finds the orders invoiced after
  their reservation was written by it).
- `risk_worker.v_financial_statements`: customers' statements as filed (by event or through
  credit_api), read by credit_api to list them with their ratios.
- `risk_worker.v_assessments`, `risk_worker.v_assessment_history`: each customer's current
  assessment with its explanation, and every change of it; read by credit_api.
- `credit_api.v_active_scorecard`: the scorecard an admin activated (none: the default ships in
  `shared/policies/scorecard.yaml`) and the `traceparent` of the request that activated it; read
  by risk_worker.
- `credit_api.v_statement_documents`: each statement of account sent on the schedule, its period,
  language and PDF; read by the notifier, which attaches it to the e-mail.
- `credit_api.v_fx_rates`: exchange rates by day, read by risk_worker to weigh invoices and
  statements in the credit currency.
- `risk_worker.v_warning_levels`: each customer's early-warning level, its causes and indicator
  states, and whether it holds orders; read by credit_api (exposure, and the credit check's
  snapshot function).
- `credit_api.v_customer_credit` also carries the attributes a customer is scored on (country,
  industry, listed, customer since) and its payment terms; read by risk_worker.
- `notifier.v_deliveries`: every message the notifier sends or tries to, with its customer, alert,
  status, attempts and last error (no body); read by credit_api (`GET /v1/deliveries`).
- `credit_api.v_reservations`: order reservations with their status, expiry and release; read by
  risk_worker, which counts the live ones in limit utilisation and reassesses a customer when they
  change.
- `credit_api.v_broken_promises`: promises to pay customers broke, and when; read by risk_worker
  for the broken-promises indicator.
- `credit_api.v_alert_resolutions`: per customer without an unresolved alert, its latest alert if a
  person resolved it; read by risk_worker, which reopens it when the level persists.
- `risk_worker.v_cash_matches`: what cash application made of each payment that left cash
  unallocated (proposed invoices, confidence, reasons, status); read by credit_api's queue.
- `credit_api.v_active_cash_application_policy`: the cash application policy an admin activated
  (none: the default ships in `shared/policies/cash_application.yaml`); read by risk_worker.
- `credit_api.v_credit_group_members`: which credit group each customer belongs to; read by
  risk_worker to match a payment to its group's invoices when the policy allows.
- `credit_api.v_cash_match_decisions`: what people decided on cash application matches; read by
  risk_worker, which matches a payment again when invoices arrive only if nobody decided on it.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB

from shared.domain.financials import AMOUNT_FIELDS
from shared.models.base import MONEY

# Views live in their own metadata so that schema tooling never mistakes them for tables.
view_metadata = MetaData()

customer_credit = Table(
    "v_customer_credit",
    view_metadata,
    Column("customer_code", String, primary_key=True),
    Column("name", String),
    Column("currency", String),
    Column("language", String),
    Column("contacts", JSONB),
    Column("blocked", Boolean),
    Column("limit_amount", MONEY),
    Column("limit_valid_until", Date),
    Column("temporary_amount", MONEY),
    schema="credit_api",
)

customer_receivables = Table(
    "v_customer_receivables",
    view_metadata,
    Column("customer_code", String, primary_key=True),
    Column("currency", String, primary_key=True),
    Column("open_receivables", MONEY),
    Column("overdue_receivables", MONEY),
    Column("oldest_due_date", Date),
    Column("unallocated_cash", MONEY),
    schema="risk_worker",
)

order_invoicing = Table(
    "v_order_invoicing",
    view_metadata,
    Column("customer_code", String, primary_key=True),
    Column("order_ref", String, primary_key=True),
    Column("currency", String, primary_key=True),
    Column("invoiced_amount", MONEY),
    schema="risk_worker",
)

dead_letters = Table(
    "v_dead_letters",
    view_metadata,
    Column("id", BigInteger, primary_key=True),
    Column("consumer", String),
    Column("topic", String),
    Column("partition", Integer),
    Column("offset", BigInteger),
    Column("key", String),
    Column("payload", String),
    Column("reason", String),
    Column("created_at", DateTime(timezone=True)),
    Column("replayed_at", DateTime(timezone=True)),
    schema="risk_worker",
)

# Held by whoever replays dead letters (credit_api or the CLI) for its transaction, so that the
# two never send one letter twice.
REPLAY_LOCK = 0x646C7172  # "dlqr"

dead_letter_replays = Table(
    "v_dead_letter_replays",
    view_metadata,
    Column("dead_letter_id", BigInteger, primary_key=True),
    Column("replayed_by", String),
    Column("replayed_at", DateTime(timezone=True)),
    schema="credit_api",
)

open_items = Table(
    "v_open_items",
    view_metadata,
    Column("customer_code", String, primary_key=True),
    Column("item_id", String, primary_key=True),
    Column("currency", String),
    Column("amount", MONEY),
    Column("open_amount", MONEY),
    Column("issue_date", Date),
    Column("due_date", Date),
    Column("status", String),
    Column("item_type", String),
    Column("settled_on", Date),
    schema="risk_worker",
)

credit_notes = Table(
    "v_credit_notes",
    view_metadata,
    Column("customer_code", String, primary_key=True),
    Column("credit_note_id", String, primary_key=True),
    Column("currency", String),
    Column("amount", MONEY),
    Column("issue_date", Date),
    Column("invoice_id", String),
    Column("applied", MONEY),
    Column("corrects", Boolean),
    schema="risk_worker",
)

movements = Table(
    "v_movements",
    view_metadata,
    Column("customer_code", String),
    Column("account", String),
    Column("item_id", String),
    Column("currency", String),
    Column("amount", MONEY),
    Column("effective_date", Date),
    Column("due_date", Date),
    Column("kind", String),
    Column("document_id", String),
    Column("id", BigInteger),
    schema="risk_worker",
)

financial_statements = Table(
    "v_financial_statements",
    view_metadata,
    Column("customer_code", String, primary_key=True),
    Column("period_end", Date, primary_key=True),
    Column("period_months", Integer),
    Column("currency", String),
    Column("audited", Boolean),
    Column("source", String),
    *(Column(name, MONEY) for name in AMOUNT_FIELDS),
    Column("filed_at", DateTime(timezone=True)),
    schema="risk_worker",
)

assessments = Table(
    "v_assessments",
    view_metadata,
    Column("customer_code", String, primary_key=True),
    Column("score", Numeric(4, 1)),
    Column("grade", String),
    Column("scorecard_version", String),
    Column("currency", String),
    Column("recommended_limit", MONEY),
    Column("recommended_terms", String),
    Column("review_months", Integer),
    Column("as_of", Date),
    Column("explanation", JSONB),
    Column("changed_at", DateTime(timezone=True)),
    Column("assessed_at", DateTime(timezone=True)),
    schema="risk_worker",
)

assessment_history = Table(
    "v_assessment_history",
    view_metadata,
    Column("id", BigInteger, primary_key=True),
    Column("customer_code", String),
    Column("score", Numeric(4, 1)),
    Column("grade", String),
    Column("scorecard_version", String),
    Column("trigger", String),
    Column("explanation", JSONB),
    Column("assessed_at", DateTime(timezone=True)),
    schema="risk_worker",
)

warning_levels = Table(
    "v_warning_levels",
    view_metadata,
    Column("customer_code", String, primary_key=True),
    Column("level", Integer),
    Column("holds_orders", Boolean),
    Column("causes", JSONB),
    Column("indicators", JSONB),
    Column("policy_version", String),
    Column("since", DateTime(timezone=True)),
    Column("evaluated_at", DateTime(timezone=True)),
    schema="risk_worker",
)

deliveries = Table(
    "v_deliveries",
    view_metadata,
    Column("id", Uuid, primary_key=True),
    Column("event_source", String),
    Column("event_id", String),
    Column("channel", String),
    Column("target", String),
    Column("subject", String),
    Column("customer_code", String),
    Column("alert_id", Uuid),
    Column("level", String),
    Column("status", String),
    Column("attempts", Integer),
    Column("last_error", String),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True)),
    Column("sent_at", DateTime(timezone=True)),
    schema="notifier",
)


statement_documents = Table(
    "v_statement_documents",
    view_metadata,
    Column("customer_code", String),
    Column("period_from", Date),
    Column("period_to", Date),
    Column("language", String),
    Column("pdf", LargeBinary),
    schema="credit_api",
)
