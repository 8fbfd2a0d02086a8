"""Generated event streams through Kafka into the risk worker, then the finance reports read back
from PostgreSQL: DSO, CEI, turnover and the roll-rate loss rates always equal their definitions
computed from the same events by the plain ledger model, and every printed total of the provisions,
insurance and top-risks reports is the sum of its printed lines in JSON, CSV and Excel."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import openpyxl
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.credit_api.finance.reports import dso as dso_report
from services.credit_api.finance.reports import insurance as insurance_report
from services.credit_api.finance.reports import provisions as provisions_report
from services.credit_api.finance.reports import top_risks as top_risks_report
from services.credit_api.finance.reports import turnover as turnover_report
from services.credit_api.finance.reports.routes import REPORTS
from services.credit_api.finance.reports.tabular import to_csv, to_xlsx
from services.risk_worker.main import serve
from services.risk_worker.settings import WorkerSettings
from shared.domain import dso, provisions, turnover
from shared.domain.money import format_amount, round_money
from shared.models.credit_api import Customer
from tests.integration.conftest import eventually
from tests.integration.helpers import publish, running
from tests.integration.ledger import journal_matches_balances
from tests.integration.test_ledger_properties import balances
from tests.ledger_model import Ledger
from tests.ledger_streams import portfolio_stream

ZERO = Decimal(0)
AS_OF = date(2026, 11, 30)
LABELS = ["not_due", "1-30", "31-60", "61-90", ">90"]
# Every example of a run shares the test's database: the portfolio-wide roll rates count them all.
EARLIER: dict[int, list[tuple[Ledger, list[str]]]] = {}


def days(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(Decimal("0.1")))


def month_start(n: int) -> date:
    """The first day of the n-th month before November 2026."""
    index = 2026 * 12 + 10 - n
    return date(index // 12, index % 12 + 1, 1)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(data=st.data())
async def test_reports_equal_their_definitions(
    data: st.DataObject, worker_settings: WorkerSettings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    run = uuid.uuid4().hex[:6]
    customers = [f"Q{run}-{i}" for i in range(data.draw(st.integers(2, 5)))]
    published = data.draw(portfolio_stream(customers))
    model = Ledger()
    for e in published:
        model.apply(e)
    async with sessions() as session, session.begin():
        session.add_all(Customer(customer_code=c, name=c, currency="EUR") for c in customers)
    await publish(worker_settings.ar_events_topic, published)
    expected_balances = {
        c: (
            model.customers[c].open_by_currency().get("EUR", ZERO),
            model.customers[c].cash["EUR"],
            model.customers[c].credit["EUR"],
        )
        for c in customers
    }
    async with running(serve, worker_settings):

        async def settled() -> bool:
            return await balances(sessions, customers) == expected_balances

        await eventually(settled, within=30)
    assert await journal_matches_balances(sessions, customers)

    async with sessions() as session:
        shown = await dso_report.report(session, AS_OF, 90, "customer", "EUR")
        turned = await turnover_report.report(session, AS_OF, 3, "customer", "EUR")
        rolled = await provisions_report.report(
            session, date(2026, 12, 31), "portfolio", "EUR", method="roll_rate", history_months=3
        )
        printed = {
            "provisions": [
                rolled,
                await provisions_report.report(session, AS_OF, "customer", "EUR"),
                await provisions_report.report(
                    session,
                    AS_OF,
                    "customer",
                    "EUR",
                    method="roll_rate",
                    history_months=3,
                    segment_by="currency",
                ),
            ],
            "insurance": [await insurance_report.report(session, AS_OF, "customer", "EUR")],
            "top-risks": [await top_risks_report.report(session, AS_OF, "EUR", 100_000, Decimal("0.45"))],
        }
    for name, reports in printed.items():
        for report in reports:
            foots(name, report)
    rows = {r["group"]: r for r in shown["rows"] if r["group"] in customers}
    start = AS_OF - timedelta(days=89)
    for code in customers:
        c = model.customers[code]
        buckets, _, _ = c.ageing(AS_OF)
        owed, current = sum(buckets.values(), ZERO), buckets["not_due"]
        sales = c.credit_sales(start, AS_OF)
        if code not in rows:
            assert owed == 0 and sales == 0, code
            continue
        row = rows[code]
        months = [dso.Month(month_start(n), _month_end(month_start(n)), ZERO) for n in range(12)]
        months = [dso.Month(m.first, m.last, c.credit_sales(m.first, m.last)) for m in months]
        beginning = c.receivables(start - timedelta(days=1))
        assert (row["receivables"], row["not_due"], row["credit_sales"]) == (
            format_amount(owed, "EUR"),
            format_amount(current, "EUR"),
            format_amount(sales, "EUR"),
        ), code
        assert row["dso"] == days(dso.standard(owed, sales, 90)), code
        assert row["countback_dso"] == days(dso.countback(owed, months).dso), code
        cei = dso.collection_effectiveness(beginning, sales, owed, current)
        assert row["cei_percent"] == (None if cei is None else str(cei.quantize(Decimal("0.01")))), code

    ends = [date(2026, 8, 31), date(2026, 9, 30), date(2026, 10, 31), AS_OF]
    for row in (r for r in turned["rows"] if r["group"] in customers):
        c = model.customers[row["group"]]
        assert [m["receivables"] for m in row["month_ends"]] == [
            format_amount(c.receivables(end), "EUR") for end in ends
        ]
        result = turnover.turnover(
            c.credit_sales(date(2026, 9, 1), AS_OF), [c.receivables(e) for e in ends], 91
        )
        assert (row["turnover"], row["days"]) == (
            None if result.ratio is None else str(result.ratio.quantize(Decimal("0.01"))),
            days(result.days),
        )

    # The roll rates as of 31 December over three months (31 August to 30 November), and the
    # previous month-end's own over the three before (31 July to 31 October), recomputed invoice
    # by invoice from the events: what each bucket held, what of it sat in a later bucket a month
    # later, what entered the last bucket, and what was written off.
    everyone = EARLIER.setdefault(id(sessions), [])
    everyone.append((model, customers))
    ends = [date(2026, 7, 31), date(2026, 8, 31), date(2026, 9, 30), date(2026, 10, 31), AS_OF]
    history = _history(everyone, ends)
    expected = provisions.roll_rates(history[1:], LABELS)
    before = provisions.roll_rates(history[:3], LABELS)
    shown_rates = rolled["rates"]["buckets"]
    assert shown_rates == {b: str(r.quantize(Decimal("0.000001"))) for b, r in expected.rates.items()}
    assert rolled["previous_rates"]["buckets"] == {
        b: str(r.quantize(Decimal("0.000001"))) for b, r in before.rates.items()
    }
    # The provision as it stood on 30 November, at that day's own rates, on each customer's
    # balances floored at zero, each bucket's loss to the cent.
    per_customer = dict.fromkeys(LABELS, ZERO)
    for ledger, codes in everyone:
        for code in codes:
            held: dict[str, Decimal] = dict.fromkeys(LABELS, ZERO)
            for label, amount in ledger.customers[code].ageing(AS_OF)[0].items():
                held[label if label in LABELS else ">90"] += amount
            for label in LABELS:
                per_customer[label] += max(held[label], ZERO)
    provided = sum((round_money(per_customer[b] * r, "EUR") for b, r in before.rates.items()), ZERO)
    rows = rolled["rows"]
    assert (rows[0]["previous_month_end"] if rows else "0.00") == format_amount(provided, "EUR")


def foots(name: str, report: dict[str, Any]) -> None:
    """Every printed total is the sum of the printed lines it totals, in JSON, CSV and Excel."""
    table = REPORTS[name][2](report)
    as_csv = list(csv.DictReader(io.StringIO(to_csv(table))))
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(table))).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    as_xlsx = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    cent = Decimal("0.01")

    def amount(value: Any) -> Decimal:
        return ZERO if value in (None, "") else Decimal(str(value)).quantize(cent)

    if name == "provisions":
        for row in report["rows"]:
            losses = [amount(b["loss"]) for b in row["buckets"]]
            assert sum(losses, ZERO) == amount(row["matrix_provision"])
            assert amount(row["matrix_provision"]) + amount(row["specific_provision"]) == amount(
                row["provision"]
            )
            assert amount(row["provision"]) - amount(row["previous_month_end"]) == amount(row["movement"])
            assert amount(row["movement_by_balances"]) + amount(row["movement_by_rates"]) == amount(
                row["movement"]
            )
        for lines in (as_csv, as_xlsx):
            for group in {(r["group"], r["currency"]) for r in lines}:
                by = {r["bucket"]: amount(r["loss"]) for r in lines if (r["group"], r["currency"]) == group}
                buckets = [v for k, v in by.items() if k in LABELS]
                assert sum(buckets, ZERO) + by["specific"] == by["total"], group
                assert by["total"] - by["previous_month_end"] == by["movement"], group
                assert by["movement_by_balances"] + by["movement_by_rates"] == by["movement"], group
    elif name == "insurance":
        for lines in (report["rows"], as_csv, as_xlsx):
            for r in lines:
                assert amount(r["insured"]) + amount(r["uninsured"]) == amount(r["exposure"]), r
    else:
        for lines in (report["rows"], as_csv, as_xlsx):
            assert sum((amount(r["expected_loss"]) for r in lines), ZERO) == amount(
                report["total_expected_loss"]
            )


def _history(everyone: list[tuple[Ledger, list[str]]], ends: list[date]) -> list[provisions.Month]:
    """The months between the month-ends, recomputed from the events: every invoice's balance at
    each month-end summed per due date (a cohort: one bucket at a time), what each bucket held, what
    of it a cohort still owed in a later bucket a month later (never more than it held), what so
    entered the last bucket, and what was written off."""
    cohorts: dict[date, list[Decimal]] = {}
    written = [ZERO] * (len(ends) - 1)
    for ledger, codes in everyone:
        for code in codes:
            c = ledger.customers[code]
            for n, end in enumerate(ends):
                for on, what, amount in c.effects:
                    if on <= end and what in c.invoices and c.invoices[what].issue_date <= end:
                        cohorts.setdefault(c.invoices[what].due_date, [ZERO] * len(ends))[n] += amount
            for day, amount in c.written_off():
                for n in range(len(ends) - 1):
                    if ends[n] < day <= ends[n + 1]:
                        written[n] += amount
    months = []
    for n in range(len(ends) - 1):
        held: dict[str, Decimal] = {}
        rolled: dict[str, Decimal] = {}
        entered = ZERO
        for due, balance in cohorts.items():
            before = sum(1 for bound in (0, 30, 60, 90) if (ends[n] - due).days > bound)
            after = sum(1 for bound in (0, 30, 60, 90) if (ends[n + 1] - due).days > bound)
            held[LABELS[before]] = held.get(LABELS[before], ZERO) + balance[n]
            if balance[n] > 0 and balance[n + 1] > 0 and after > before:
                moved = min(balance[n], balance[n + 1])
                rolled[LABELS[before]] = rolled.get(LABELS[before], ZERO) + moved
                entered += moved if after == len(LABELS) - 1 else ZERO
        months.append(provisions.Month(held, rolled, entered, written[n]))
    return months


def _month_end(first: date) -> date:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return min(following - timedelta(days=1), AS_OF)
