"""Read-only views through which one service reads another's data.

- `credit_api.v_customer_credit`: a customer's credit currency, limit in force, block state, language
  and contacts; read by risk_worker (limit alerts) and notifier (recipients, language).
- `risk_worker.v_customer_receivables`: open receivables per customer and currency; read by
  credit_api for exposure.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, MetaData, String, Table
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
    schema="credit_api",
)

customer_receivables = Table(
    "v_customer_receivables",
    view_metadata,
    Column("customer_code", String, primary_key=True),
    Column("currency", String, primary_key=True),
    Column("open_receivables", MONEY),
    schema="risk_worker",
)
