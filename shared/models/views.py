"""Read-only views through which one service reads another's data.

- `credit_api.v_customer_credit`: a customer's credit currency, permanent limit, the sum of its
  temporary increases in force today, block state, language and contacts; read by risk_worker
  (limit alerts) and notifier (recipients, language).
- `risk_worker.v_customer_receivables`: open and overdue receivables and unallocated cash per customer
  and currency, with the oldest overdue due date; read by credit_api for exposure and the overdue rule.
- `risk_worker.v_open_alerts`: a customer's unresolved alerts, its warning state in credit_api.
- `risk_worker.v_dead_letters`: events the risk worker could not apply, with reason and origin.
- `risk_worker.v_open_items`, `risk_worker.v_movements`: items and the journal of their movements
  (and of cash and credit on account), for ageing as of any date.
- `risk_worker.v_order_invoicing`: the amount invoiced per order, which consumes the order's
  reservation in credit_api.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Date, DateTime, Integer, MetaData, String, Table
from sqlalchemy.dialects.postgresql import JSONB

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

open_alerts = Table(
    "v_open_alerts",
    view_metadata,
    Column("customer_code", String),
    Column("kind", String),
    Column("level", String),
    Column("raised_at", DateTime(timezone=True)),
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
    schema="risk_worker",
)
