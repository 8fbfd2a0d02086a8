"""Payment predictions through Kafka and PostgreSQL: a customer's payment habit read from its
payments, each open invoice's predicted date and chances, a promise that sets the date and is at
risk when the habit says later, a disputed invoice left out, the 13-week cash-in forecast as JSON,
CSV and Excel; and the backtest on a generated three-year ledger with known habits, where the
model beats both naive baselines on both errors (also through `credence forecast backtest`)."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from typing import Any

import openpyxl
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.forecast import generate, seed
from services.credit_api.credit.payment_predictions.service import backtest, outlook
from shared.roles import Role
from tests.integration.conftest import Platform, eventually
from tests.integration.helpers import invoice_event, payment_event, publish

CODE = "C-PP1"
LATE = 10


def iso(day: date) -> str:
    return day.isoformat()


def paid(invoice: str, amount: str, on: date) -> dict[str, Any]:
    """A payment of the whole of one invoice."""
    return payment_event(CODE, f"P-{invoice}", amount, iso(on), {invoice: amount})


async def test_open_invoices_are_predicted_by_the_customers_habit_and_summed_into_weeks(
    stack: Platform,
) -> None:
    api = stack.api
    today = datetime.now(UTC).date()
    await api.ok(
        "PUT",
        f"/v1/customers/{CODE}",
        role=Role.ERP,
        status=201,
        json={"name": "Habitual", "currency": "EUR"},
    )
    # Eight invoices of the last months, each paid ten days after its due date.
    history = [today - timedelta(days=200 - 20 * n) for n in range(8)]
    events = [
        invoice_event(CODE, f"H-{n}", "500.00", issue_date=iso(due - timedelta(days=30)), due_date=iso(due))
        for n, due in enumerate(history)
    ]
    events += [paid(f"H-{n}", "500.00", due + timedelta(days=LATE)) for n, due in enumerate(history)]
    dues = {
        "O-1": today + timedelta(days=5),
        "O-2": today + timedelta(days=20),
        "O-3": today + timedelta(days=30),
    }
    amounts = {"O-1": "1000.00", "O-2": "2000.00", "O-3": "4000.00"}
    events += [
        invoice_event(CODE, item, amounts[item], issue_date=iso(today - timedelta(days=3)), due_date=iso(due))
        for item, due in dues.items()
    ]
    await publish(stack.ar_events, events)

    async def booked() -> bool:
        exposure = await api.ok("GET", f"/v1/customers/{CODE}/exposure", role=Role.CREDIT_CONTROLLER)
        return bool(exposure["open_receivables"] == "7000.00")

    await eventually(booked, within=30)
    staff = Role.CREDIT_CONTROLLER
    promised = today + timedelta(days=2)
    await api.ok(
        "POST", f"/v1/customers/{CODE}/promises", role=staff, status=201,
        json={"item_ids": ["O-2"], "promised_date": iso(promised)},
    )  # fmt: skip
    await api.ok(
        "POST", "/v1/invoices/O-3/disputes", role=staff, status=201, json={"reason_code": "quality"},
    )  # fmt: skip

    body = await api.ok("GET", f"/v1/customers/{CODE}/open-items", role=staff)
    assert body["method"]["method"] == "days late"
    assert body["method"]["payments"] == 8
    assert body["method"]["average_days_late"] == LATE
    items = {i["item_id"]: i for i in body["items"]}
    assert list(items) == ["O-1", "O-2", "O-3"]
    regular = items["O-1"]
    assert (
        regular["predicted_date"]
        == regular["earliest"]
        == regular["latest"]
        == iso(dues["O-1"] + timedelta(days=LATE))
    )
    assert (regular["paid_by_due_date"], regular["unpaid_in_30_days"], regular["promise_at_risk"]) == (
        0,
        0,
        False,
    )
    # Promised for the day after tomorrow: kept seven times in ten (none settled yet), else as usual.
    promise = items["O-2"]
    assert (promise["promised_date"], promise["predicted_date"]) == (iso(promised), iso(promised))
    assert promise["latest"] == iso(dues["O-2"] + timedelta(days=LATE))
    assert promise["promise_at_risk"] is True
    assert items["O-3"]["disputed"] is True
    assert items["O-3"]["predicted_date"] is None

    forecast = await api.ok("GET", "/v1/reports/cash-forecast", role=staff, params={"group_by": "customer"})
    (row,) = [r for r in forecast["rows"] if r["group"] == CODE]
    weeks = {w["week"]: w["expected"] for w in row["weeks"] if w["expected"] != "0.00"}
    # O-2: 70 % on day 2 (week 1), 30 % on day 30 (week 5); O-1 on day 15 (week 3); O-3 left out.
    assert weeks == {1: "1400.00", 3: "1000.00", 5: "600.00"}
    assert (row["within"], row["later"], row["disputed"]) == ("3000.00", "0.00", "4000.00")
    first = row["weeks"][0]
    assert (first["first"], first["last"]) == (iso(today + timedelta(days=1)), iso(today + timedelta(days=7)))
    assert float(first["low"]) < 1400 < float(first["high"])

    as_csv = await api.request(
        "GET", "/v1/reports/cash-forecast", role=staff, params={"format": "csv", "group_by": "customer"}
    )
    lines = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert {(r["group"], r["week"], r["expected"]) for r in lines if r["expected"] != "0.00"} == {
        (CODE, "1", "1400.00"), (CODE, "3", "1000.00"), (CODE, "5", "600.00"),
    }  # fmt: skip
    as_xlsx = await api.request("GET", "/v1/reports/cash-forecast", role=staff, params={"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["group", "currency", "week"]
    assert sheet.max_row == 14  # the header and 13 weeks

    # The worklist marks the promise the habit says will be late.
    work = await api.ok("GET", "/v1/worklist", role=staff)
    at_risk = [w for w in work if w["kind"] == "promise_at_risk"]
    assert [(w["customer_code"], [i["item_id"] for i in w["items"]]) for w in at_risk] == [(CODE, ["O-2"])]
    assert at_risk[0]["items"][0]["predicted_date"] == iso(dues["O-2"] + timedelta(days=LATE))

    # As of yesterday, what came today changes nothing: a payment of O-1 and a new invoice.
    yesterday = {"as_of": iso(today - timedelta(days=1))}
    before = await api.ok("GET", f"/v1/customers/{CODE}/open-items", role=staff, params=yesterday)
    before_cash = await api.ok("GET", "/v1/reports/cash-forecast", role=staff, params=yesterday)
    assert [i["item_id"] for i in before["items"]] == ["O-1", "O-2", "O-3"]
    assert before["items"][1]["promised_date"] is None  # promised today
    await publish(
        stack.ar_events,
        [
            invoice_event(CODE, "O-4", "800.00", issue_date=iso(today), due_date=iso(dues["O-3"])),
            paid("O-1", "1000.00", today),
        ],
    )  # fmt: skip

    async def moved() -> bool:
        exposure = await api.ok("GET", f"/v1/customers/{CODE}/exposure", role=Role.CREDIT_CONTROLLER)
        return bool(exposure["open_receivables"] == "6800.00")

    await eventually(moved, within=30)
    assert await api.ok("GET", f"/v1/customers/{CODE}/open-items", role=staff, params=yesterday) == before
    assert await api.ok("GET", "/v1/reports/cash-forecast", role=staff, params=yesterday) == before_cash
    now = await api.ok("GET", f"/v1/customers/{CODE}/open-items", role=staff)
    assert [i["item_id"] for i in now["items"]] == ["O-2", "O-3", "O-4"]


async def test_the_backtest_beats_both_baselines_on_a_ledger_of_known_habits(
    database_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    today = datetime.now(UTC).date()
    await seed(database_url, generate(120, 4, today - timedelta(days=3 * 365), today))
    as_of = today - timedelta(weeks=13)
    async with sessions() as session:
        result = await backtest(session, as_of)
    assert result.paid_in_full > 300
    model = result.model
    assert model.mean_absolute_error_days is not None and model.weekly_error_percent is not None
    for name, baseline in result.baselines.items():
        assert baseline.mean_absolute_error_days is not None and baseline.weekly_error_percent is not None
        assert model.mean_absolute_error_days < baseline.mean_absolute_error_days, name
        assert model.weekly_error_percent < baseline.weekly_error_percent, name

    env = {**os.environ, "DATABASE_URL": database_url}
    command = [sys.executable, "-m", "services.cli", "forecast", "backtest", "--as-of", iso(as_of)]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*args], env=env, capture_output=True, text=True, check=False)

    printed = (await asyncio.to_thread(run, *command)).stdout
    assert f"{result.invoices} invoices open" in printed
    assert printed.splitlines()[2].split() == [
        "model",
        str(model.mean_absolute_error_days),
        str(model.weekly_error_percent),
    ]
    future = await asyncio.to_thread(run, *command[:-1], iso(today))
    assert future.returncode == 2
    assert "not all of it happened yet" in future.stderr


async def test_the_worklists_few_customers_are_weighed_as_in_the_whole_portfolio(
    database_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """The worklist reads only the customers it shows (and everyone's open promises): each of them
    has the same chances as when the whole portfolio is read, a grade no payer has included."""
    today = datetime.now(UTC).date()
    await seed(database_url, generate(40, 2, today - timedelta(days=2 * 365), today))
    # A customer of a grade no one pays in; every fifth customer promises its first open invoice
    # for tomorrow; the third disputes it.
    setup = [
        "INSERT INTO credit_api.customers (customer_code, name, currency, grade) "
        "VALUES ('F-NEW', 'New', 'EUR', 'E')",
        "INSERT INTO risk_worker.open_items (customer_code, item_id, item_type, currency, amount, "
        "open_amount, issue_date, due_date, status) VALUES ('F-NEW', 'N1', 'invoice', 'EUR', 900, "
        "900, CURRENT_DATE - 20, CURRENT_DATE + 10, 'open')",
        "CREATE TEMPORARY VIEW first_open AS SELECT DISTINCT ON (customer_code) customer_code, "
        "item_id, open_amount FROM risk_worker.open_items WHERE status = 'open' "
        "AND item_type = 'invoice' ORDER BY customer_code, item_id",
        "INSERT INTO credit_api.promises (id, customer_code, item_ids, amount, currency, "
        "promised_date, made_on, channel, created_by) SELECT gen_random_uuid(), customer_code, "
        "jsonb_build_array(item_id), open_amount, 'EUR', CURRENT_DATE + 1, CURRENT_DATE, 'phone', "
        "'test' FROM first_open WHERE right(customer_code, 1) IN ('0', '5')",
        "INSERT INTO credit_api.disputes (id, customer_code, item_id, reason_code, amount, "
        "currency, opened_on, created_by) SELECT gen_random_uuid(), customer_code, item_id, "
        "'quality', open_amount, 'EUR', CURRENT_DATE, 'test' FROM first_open "
        "WHERE customer_code = 'F000003'",
    ]
    async with sessions() as session, session.begin():
        for statement in setup:
            await session.execute(text(statement))
    shown = ["F000003", "F000012", "F-NEW"]
    async with sessions() as session:
        whole = await outlook(session, today)
        few = await outlook(session, today, shown)
        nobody = await outlook(session, today, [])
        open_promises = "SELECT customer_code FROM credit_api.promises WHERE status = 'open'"
        promisers = set((await session.scalars(text(open_promises))).all())
    assert {f"F0000{n:02}" for n in range(0, 40, 5)} <= promisers
    kept = set(shown) | promisers
    assert whole.promises_at_risk, "a promise for tomorrow by a late payer is at risk"
    for weighed in (few, nobody):
        assert set(weighed.promises_at_risk) == set(whole.promises_at_risk)
    assert set(few.customers) == kept
    assert few.customers == pytest.approx({c: p for c, p in whole.customers.items() if c in kept})
    assert few.unpaid == pytest.approx({k: p for k, p in whole.unpaid.items() if k[0] in kept})
    assert few.unpaid[("F-NEW", "N1")] < 1
    assert set(nobody.customers) == promisers
