"""The finance reports through the real ledger (events on Kafka, the risk worker, PostgreSQL), as JSON,
CSV and an Excel workbook read back with openpyxl.

As of 31 October 2026, customer R1 (EUR, machinery) was invoiced 70,000 on 17 August (due 16
September), 80,000 on 16 September (due 16 October) and 100,000 on 16 October (due 15 November), and
paid 38,000 of the first on 21 September: 212,000 open, 100,000 of it not yet due. Credit sales per
30-day period back from 31 October: 100,000, 80,000, 70,000, the brief's countback example. R2 (EUR,
retail) owes 10,000 due since 23 July and is provided for by name at 50 %. R3 owes JPY, for which the
FX table has no rate."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import openpyxl
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.credit_api.finance.reports import dso as dso_report
from services.credit_api.finance.reports.common import month_end, month_start
from services.risk_worker.main import serve as serve_worker
from services.risk_worker.settings import WorkerSettings
from shared.models.views import open_items
from shared.roles import Role
from tests.integration.conftest import Api, eventually
from tests.integration.helpers import erp_event, invoice_event, publish, running

AS_OF = date(2026, 10, 31)
READER = Role.CREDIT_CONTROLLER


def on(days_before: int) -> str:
    return (AS_OF - timedelta(days=days_before)).isoformat()


async def ledger(
    api: Api, worker_settings: WorkerSettings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    for code, currency, industry in (
        ("R1", "EUR", "machinery"),
        ("R2", "EUR", "retail"),
        ("R3", "JPY", "retail"),
    ):
        body = {"name": code, "currency": currency, "industry": industry, "country": "DE"}
        await api.ok("PUT", f"/v1/customers/{code}", role=Role.ERP, status=201, json=body)
    payment = {
        "payment_id": "P-1",
        "currency": "EUR",
        "amount": "38000.00",
        "received_date": on(40),
        "allocations": [{"invoice_id": "I-1", "amount": "38000.00"}],
    }
    async with running(serve_worker, worker_settings):
        await publish(
            worker_settings.ar_events_topic,
            [
                invoice_event("R1", "I-1", "70000.00", issue_date=on(75), due_date=on(45)),
                invoice_event("R1", "I-2", "80000.00", issue_date=on(45), due_date=on(15)),
                invoice_event("R1", "I-3", "100000.00", issue_date=on(15), due_date=on(-15)),
                invoice_event("R2", "I-9", "10000.00", issue_date=on(130), due_date=on(100)),
                invoice_event("R3", "J-1", "1000000", currency="JPY", issue_date=on(10), due_date=on(-20)),
                erp_event("payment.received", "R1", payment),
            ],
        )

        async def booked() -> bool:
            async with sessions() as session:
                rows = (await session.execute(select(open_items.c.item_id, open_items.c.open_amount))).all()
            return dict(rows).get("I-1") == Decimal(32000) and len(rows) == 5

        await eventually(booked)


async def test_dso_turnover_and_cei(
    api: Api, worker_settings: WorkerSettings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await ledger(api, worker_settings, sessions)
    report = await api.ok(
        "GET",
        f"/v1/reports/dso?as_of={AS_OF}&group_by=customer&countback_days=30",
        role=READER,
    )
    r1 = next(r for r in report["rows"] if r["group"] == "R1")
    # 212,000 / 250,000 × 90 = 76.3; best possible 100,000 / 250,000 × 90 = 36.0; ADD 40.3;
    # countback 30 + 30 + 32/70 × 30 = 73.7; CEI (0 + 250,000 − 212,000) / (0 + 250,000 − 100,000) = 25.33 %.
    assert {k: r1[k] for k in ("receivables", "not_due", "credit_sales", "dso", "countback_dso")} == {
        "receivables": "212000.00",
        "not_due": "100000.00",
        "credit_sales": "250000.00",
        "dso": "76.3",
        "countback_dso": "73.7",
    }
    assert (r1["best_possible_dso"], r1["average_days_delinquent"], r1["cei_percent"]) == (
        "36.0",
        "40.3",
        "25.33",
    )
    # R2 sold nothing in the period: its DSO is undefined, not zero; counted back, its 10,000 were sold
    # four empty periods and one whole period ago: 150 days.
    r2 = next(r for r in report["rows"] if r["group"] == "R2")
    assert (r2["dso"], r2["receivables"], r2["countback_dso"]) == (None, "10000.00", "150.0")
    assert report["missing_rates"] == ["JPY"]
    assert "R3" not in {r["group"] for r in report["rows"]}
    by_industry = await api.ok("GET", f"/v1/reports/dso?as_of={AS_OF}&group_by=industry", role=READER)
    assert [(r["group"], r["receivables"]) for r in by_industry["rows"]] == [
        ("machinery", "212000.00"),
        ("retail", "10000.00"),
    ]
    # Calendar months: October 100,000 (31 days), September 80,000 (30), August: 32/70 × 31.
    calendar = await api.ok("GET", f"/v1/reports/dso?as_of={AS_OF}&customer=R1", role=READER)
    assert calendar["rows"][0]["countback_dso"] == str(
        (Decimal(61) + Decimal(32) / 70 * 31).quantize(Decimal("0.1"))
    )

    turnover = await api.ok("GET", f"/v1/reports/turnover?as_of={AS_OF}&months=3", role=READER)
    [row] = turnover["rows"]
    # Month-ends 31 July 10,000; 31 August 80,000; 30 September 122,000; 31 October 222,000:
    # average 108,500; 250,000 / 108,500 = 2.30 times; 92 days / 2.304 = 39.9 days.
    assert [m["receivables"] for m in row["month_ends"]] == ["10000.00", "80000.00", "122000.00", "222000.00"]
    assert (row["average_receivables"], row["turnover"], row["days"]) == ("108500.00", "2.30", "39.9")


async def test_provisions_by_matrix_and_by_name(
    api: Api, worker_settings: WorkerSettings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await ledger(api, worker_settings, sessions)
    refused = await api.request(
        "PUT", "/v1/customers/R2/specific-provision", role=READER, json={"rate": "0.5", "reason": "insolvent"}
    )
    assert refused.status_code == 403
    await api.ok(
        "PUT",
        "/v1/customers/R2/specific-provision",
        role=Role.CREDIT_MANAGER,
        json={"rate": "0.5", "reason": "insolvency proceedings opened"},
    )
    report = await api.ok("GET", f"/v1/reports/provisions?as_of={AS_OF}", role=READER)
    [row] = report["rows"]
    # IE12 rates: not due 100,000 × 0.3 % = 300; 1–30 80,000 × 1.6 % = 1,280; 31–60 32,000 × 3.6 % =
    # 1,152: 2,732; R2 by name: 50 % of 10,000 = 5,000; in all 7,732.
    assert [(b["bucket"], b["balance"], b["loss"]) for b in row["buckets"]] == [
        ("not_due", "100000.00", "300.00"),
        ("1-30", "80000.00", "1280.00"),
        ("31-60", "32000.00", "1152.00"),
        ("61-90", "0.00", "0.00"),
        (">90", "0.00", "0.00"),
    ]
    assert (row["matrix_provision"], row["specific_provision"], row["provision"]) == (
        "2732.00",
        "5000.00",
        "7732.00",
    )
    # 30 September: I-1's 32,000 at 1–30 (512), I-2's 80,000 not due (240), R2 5,000: 5,752.
    assert (row["previous_month_end"], row["movement"]) == ("5752.00", "1980.00")
    own = await api.ok("GET", f"/v1/reports/provisions?as_of={AS_OF}&rates=0,0.01,0.1,0.5,1", role=READER)
    assert own["rows"][0]["matrix_provision"] == "4000.00"  # 800 + 3,200
    wrong = await api.request("GET", f"/v1/reports/provisions?as_of={AS_OF}&rates=0.1,0.2", role=READER)
    assert wrong.status_code == 422
    rolled = await api.ok(
        "GET", f"/v1/reports/provisions?as_of={AS_OF}&method=roll_rate&history_months=2", role=READER
    )
    # Not due on 31 August (70,000), a month later 32,000 of it in 1–30: 45.7 %; nothing older yet.
    first = rolled["rates"]["roll_rates"][0]
    assert (first["bucket"], first["average"]) == ("not_due", "0.457143")
    assert first["months"][1] == {"balance": "70000.00", "rolled_on": "32000.00"}
    removed = await api.ok("DELETE", "/v1/customers/R2/specific-provision", role=Role.CREDIT_MANAGER)
    assert (removed["rate"], removed["reason"]) == ("0.500000", "insolvency proceedings opened")
    again = await api.request("DELETE", "/v1/customers/R2/specific-provision", role=Role.CREDIT_MANAGER)
    assert again.status_code == 404
    back = await api.ok("GET", f"/v1/reports/provisions?as_of={AS_OF}", role=READER)
    assert back["rows"][0]["buckets"][4]["balance"] == "10000.00"  # R2 in the matrix again, over 90 days
    trail = await api.ok("GET", "/v1/audit?entity_type=customer&entity_id=R2", role=READER)
    assert {"provision.specific_set", "provision.specific_removed"} <= {e["action"] for e in trail["items"]}


async def test_reports_by_credit_group_add_up_each_concern_from_its_top_group(
    api: Api, worker_settings: WorkerSettings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await ledger(api, worker_settings, sessions)
    for code, body in (
        ("HOLD", {"name": "Holding", "currency": "EUR"}),
        ("MACH", {"name": "Machinery arm", "currency": "EUR", "parent": "HOLD"}),
    ):
        await api.ok("PUT", f"/v1/credit-groups/{code}", role=Role.CREDIT_MANAGER, json=body, status=201)
    await api.ok("PATCH", "/v1/customers/R1", role=READER, json={"credit_group": "MACH"})
    await api.ok("PATCH", "/v1/customers/R2", role=READER, json={"credit_group": "HOLD"})
    # R1 (in MACH, under HOLD) 212,000 and R2 (in HOLD) 10,000 count in their top group together.
    dso = await api.ok("GET", f"/v1/reports/dso?as_of={AS_OF}&group_by=credit_group", role=READER)
    assert [(r["group"], r["receivables"], r["credit_sales"]) for r in dso["rows"]] == [
        ("HOLD", "222000.00", "250000.00")
    ]
    provisions = await api.ok(
        "GET", f"/v1/reports/provisions?as_of={AS_OF}&group_by=credit_group", role=READER
    )
    # R1's 2,732 (above) and R2's 10,000 over 90 days at IE12's 10.6 %: 1,060.
    assert [(r["group"], r["matrix_provision"]) for r in provisions["rows"]] == [("HOLD", "3792.00")]
    await api.ok("PATCH", "/v1/customers/R2", role=READER, json={"credit_group": None})
    dso = await api.ok("GET", f"/v1/reports/dso?as_of={AS_OF}&group_by=credit_group", role=READER)
    assert [(r["group"], r["receivables"]) for r in dso["rows"]] == [
        ("(none)", "10000.00"),
        ("HOLD", "212000.00"),
    ]


async def test_abc_classes_written_back(
    api: Api, worker_settings: WorkerSettings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await ledger(api, worker_settings, sessions)
    report = await api.ok("GET", f"/v1/reports/abc?as_of={AS_OF}", role=READER)
    classes = {
        r["customer_code"]: (r["abc_class"], r["previous_class"], r["changed"]) for r in report["rows"]
    }
    # R1 250,000 of 260,000 (96 %): A; R2 comes after 96 %: C; R3's yen cannot be converted: C.
    assert classes == {"R1": ("A", "C", True), "R2": ("C", "C", False), "R3": ("C", "C", False)}
    applied = await api.ok(
        "POST", "/v1/reports/abc/apply", role=Role.CREDIT_MANAGER, json={"as_of": AS_OF.isoformat()}
    )
    assert applied["changed"] == 3
    assert (await api.ok("GET", "/v1/customers/R1"))["abc_class"] == "A"
    again = await api.ok(
        "POST", "/v1/reports/abc/apply", role=Role.CREDIT_MANAGER, json={"as_of": AS_OF.isoformat()}
    )
    assert again["changed"] == 0


async def test_reports_as_csv_and_excel(
    api: Api, worker_settings: WorkerSettings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await ledger(api, worker_settings, sessions)
    url = f"/v1/reports/dso?as_of={AS_OF}&group_by=customer&countback_days=30"
    text = await api.request("GET", url, role=READER, headers={"Accept": "text/csv"})
    assert text.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(text.text)))
    assert [(r["group"], r["dso"], r["countback_dso"]) for r in rows] == [
        ("R1", "76.3", "73.7"),
        ("R2", "", "150.0"),
    ]
    book = await api.request("GET", url + "&format=xlsx", role=READER)
    assert book.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="dso-2026-10-31.xlsx"' in book.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(book.content)).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert header[:7] == ["group", "currency", "receivables", "not_due", "credit_sales", "period_days", "dso"]
    assert sheet.freeze_panes == "B2"
    assert sheet[1][0].font.bold
    values: dict[str, Any] = {h: c.value for h, c in zip(header, sheet[2], strict=True)}
    assert (values["group"], values["receivables"], values["dso"], values["countback_dso"]) == (
        "R1",
        212000,
        76.3,
        73.7,
    )
    assert sheet.cell(2, header.index("receivables") + 1).number_format == '#,##0.00 "EUR"'
    assert sheet.cell(2, header.index("dso") + 1).number_format == "0.0"
    assert sheet.cell(3, header.index("dso") + 1).value is None  # R2: undefined, left empty
    provisions = await api.request("GET", f"/v1/reports/provisions?as_of={AS_OF}&format=xlsx", role=READER)
    sheet = openpyxl.load_workbook(io.BytesIO(provisions.content)).active
    assert sheet is not None
    lines = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert lines[0] == ["portfolio", "EUR", "not_due", 100000, 0.003, 300]
    assert sheet.cell(2, 5).number_format == "0.00%"
    # Without its specific provision, R2's 10,000 over 90 days is in the matrix: 1,060 more.
    assert lines[-5][2:] == ["total", None, None, 3792]
    assert [line[2] for line in lines[-4:]] == [
        "previous_month_end",
        "movement",
        "movement_by_balances",
        "movement_by_rates",
    ]


async def insure(api: Api) -> None:
    policy = {
        "insurer": "Allianz Trade",
        "indemnity": "0.90",
        "currency": "EUR",
        "valid_from": "2026-01-01",
        "discretionary_limit": "5000",
    }
    await api.ok("PUT", "/v1/insurance-policies/AT-1", role=Role.CREDIT_MANAGER, json=policy)
    for code, amount, valid_to, ref in (
        ("R1", "150000", None, "DEC-1"),
        ("R2", "8000", "2026-11-15", "DEC-2"),
    ):
        cover = {"policy_number": "AT-1", "amount": amount, "valid_from": "2026-06-01", "decision_ref": ref}
        if valid_to:
            cover["valid_to"] = valid_to
        await api.ok(
            "POST", f"/v1/customers/{code}/insurance-covers", role=Role.CREDIT_MANAGER, status=201, json=cover
        )


async def test_insured_exposure_and_top_risks(
    api: Api, worker_settings: WorkerSettings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await ledger(api, worker_settings, sessions)
    await insure(api)
    missing = await api.request(
        "POST",
        "/v1/customers/R1/insurance-covers",
        role=Role.CREDIT_MANAGER,
        json={"policy_number": "NOPE", "amount": "1", "valid_from": "2026-06-01", "decision_ref": "X"},
    )
    # The customer exists; the body names a policy that does not: the body is at fault.
    assert (missing.status_code, missing.json()["type"]) == (
        422,
        "urn:credence:problem:unknown-insurance-policy",
    )
    report = await api.ok("GET", f"/v1/reports/insurance?as_of={AS_OF}&group_by=customer", role=READER)
    # R1: 212,000 against 150,000 at 90 %: 135,000 insured, 77,000 uninsured, 62,000 above the cover.
    # R2: 10,000 against 8,000: 7,200 insured, 2,800 uninsured, 2,000 above. R3's yen: no rate.
    figures = ("exposure", "cover", "insured", "uninsured", "over_cover")
    assert [(r["group"], *(r[f] for f in figures)) for r in report["rows"]] == [
        ("R1", "212000.00", "150000.00", "135000.00", "77000.00", "62000.00"),
        ("R2", "10000.00", "8000.00", "7200.00", "2800.00", "2000.00"),
    ]
    assert report["missing_rates"] == ["JPY"]
    assert [c["customer_code"] for c in report["over_cover"]] == ["R1", "R2"]
    assert [(c["customer_code"], c["valid_to"]) for c in report["expiring"]] == [("R2", "2026-11-15")]
    portfolio = await api.ok("GET", f"/v1/reports/insurance?as_of={AS_OF}", role=READER)
    assert portfolio["rows"][0]["uninsured"] == "79800.00"
    # After R2's cover ran out, the policy's discretionary 5,000 covers it.
    later = await api.ok("GET", "/v1/reports/insurance?as_of=2026-11-20&customer=R2", role=READER)
    assert (later["rows"][0]["cover"], later["rows"][0]["insured"]) == ("5000.00", "4500.00")

    risks = await api.ok("GET", f"/v1/reports/top-risks?as_of={AS_OF}", role=READER)
    # Not graded yet: the riskiest grade's probability of default (E, 25 %); LGD 45 %:
    # R1 77,000 × 0.25 × 0.45 = 8,662.50; R2 2,800 × 0.25 × 0.45 = 315.00.
    assert [(r["customer_code"], r["expected_loss"]) for r in risks["rows"]] == [
        ("R1", "8662.50"),
        ("R2", "315.00"),
    ]
    # The early-warning level is the risk worker's, as the exposure shows it (it follows the real date).
    for row in risks["rows"]:
        shown = await api.ok("GET", f"/v1/customers/{row['customer_code']}/exposure", role=READER)
        assert row["warning_level"] == shown["warning_level"]
    assert risks["total_expected_loss"] == "8977.50"
    one = await api.request("GET", f"/v1/reports/top-risks?as_of={AS_OF}&limit=1&format=csv", role=READER)
    lines = list(csv.DictReader(io.StringIO(one.text)))
    assert [(r["customer_code"], r["expected_loss"], r["probability_of_default"]) for r in lines] == [
        ("R1", "8662.50", "0.25")
    ]
    # Top risks by credit group: R1 and R2 under one top group, their figures summed.
    await api.ok(
        "PUT",
        "/v1/credit-groups/HOLD",
        role=Role.CREDIT_MANAGER,
        json={"name": "H", "currency": "EUR"},
        status=201,
    )
    for code in ("R1", "R2"):
        await api.ok("PATCH", f"/v1/customers/{code}", role=READER, json={"credit_group": "HOLD"})
    grouped = await api.ok("GET", f"/v1/reports/top-risks?as_of={AS_OF}&group_by=credit_group", role=READER)
    assert [
        (
            r["group"],
            r["customer_code"],
            r["customers"],
            r["uninsured"],
            r["expected_loss"],
            r["probability_of_default"],
        )
        for r in grouped["rows"]
    ] == [("HOLD", None, 2, "79800.00", "8977.50", "0.250000")]
    assert grouped["total_expected_loss"] == risks["total_expected_loss"]


async def test_orders_held_for_uninsured_exposure(
    api_settings: Any, keys: Any, worker_settings: WorkerSettings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    from tests.integration.conftest import api_client

    settings = api_settings.model_copy(update={"max_uninsured_exposure": Decimal(60000)})
    async with api_client(settings, keys) as api:
        await api.ok(
            "PUT", "/v1/customers/R4", role=Role.ERP, status=201, json={"name": "R4", "currency": "EUR"}
        )
        await api.ok("PUT", "/v1/customers/R4/credit-limit", json={"amount": "1000000", "reason": "initial"})
        async with running(serve_worker, worker_settings):
            await publish(
                worker_settings.ar_events_topic,
                [invoice_event("R4", "I-40", "100000.00", issue_date="2026-10-20", due_date="2099-12-31")],
            )

            async def booked() -> bool:
                async with sessions() as session:
                    return bool((await session.execute(select(open_items.c.item_id))).first())

            await eventually(booked)
        policy = {"insurer": "Atradius", "indemnity": "0.9", "currency": "EUR", "valid_from": "2026-01-01"}
        await api.ok("PUT", "/v1/insurance-policies/AR-9", role=Role.CREDIT_MANAGER, json=policy)
        cover = {
            "policy_number": "AR-9",
            "amount": "50000",
            "valid_from": "2026-01-01",
            "decision_ref": "D-4",
        }
        await api.ok(
            "POST", "/v1/customers/R4/insurance-covers", role=Role.CREDIT_MANAGER, status=201, json=cover
        )

        async def check(amount: str) -> Any:
            body = {
                "customer_code": "R4",
                "order_ref": f"SO-{amount}",
                "amount": amount,
                "currency": "EUR",
                "reserve": False,
            }
            return await api.ok("POST", "/v1/credit-checks", role=Role.ORDER_SYSTEM, json=body)

        # 100,000 owed, 45,000 of it insured (90 % of 50,000): 55,000 uninsured. 5,000 more reaches the
        # 60,000 allowed; a cent beyond is held.
        assert (await check("5000.00"))["decision"] == "approved"
        held = await check("5000.01")
        assert (held["decision"], held["reasons"][0]["code"]) == ("held", "uninsured_exposure")
        assert held["reasons"][0]["details"]["uninsured"] == "60000.01"


async def test_the_portfolio_summary_agrees_with_the_reports(
    api: Api, worker_settings: WorkerSettings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    from services.credit_api.finance.reports import dso as dso_report
    from services.credit_api.finance.reports import insurance as insurance_report
    from services.credit_api.finance.reports import provisions as provisions_report
    from services.credit_api.finance.reports.summary import summary as headline

    await ledger(api, worker_settings, sessions)
    await insure(api)
    await api.ok(
        "PUT",
        "/v1/customers/R2/specific-provision",
        role=Role.CREDIT_MANAGER,
        json={"rate": "0.5", "reason": "insolvency proceedings opened"},
    )
    async with sessions() as session:
        summary = await headline(session, AS_OF, "EUR")
        dso = await dso_report.report(session, AS_OF, 90, "portfolio", "EUR")
        provided = await provisions_report.report(session, AS_OF, "portfolio", "EUR")
        insured = await insurance_report.report(session, AS_OF, "portfolio", "EUR")
    row = dso["rows"][0]
    assert (f"{summary.receivables:.2f}", f"{summary.not_due:.2f}") == (row["receivables"], row["not_due"])
    assert summary.dso is not None and str(summary.dso.quantize(Decimal("0.1"))) == row["dso"]
    assert f"{summary.provision:.2f}" == provided["rows"][0]["provision"] == "7732.00"
    assert f"{summary.insured:.2f}" == insured["rows"][0]["insured"] == "142200.00"
    assert summary.missing_rates == ["JPY"]
    # Ageing by grade covers every customer, those provided for by name too (R2's 10,000 over 90 days).
    assert [f"{v:.2f}" for v in summary.by_grade["(none)"]] == [
        "100000.00", "80000.00", "32000.00", "0.00", "10000.00"
    ]  # fmt: skip


async def test_the_dso_trend_agrees_with_the_dso_report_at_each_month_end(
    api: Api, worker_settings: WorkerSettings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await ledger(api, worker_settings, sessions)
    async with sessions() as session:
        found = await dso_report.trend(session, AS_OF, 4, "EUR")
    assert [t["month_end"] for t in found] == [month_end(month_start(AS_OF, n)) for n in range(4, 0, -1)]
    assert any(t["dso"] is not None for t in found)
    for t in found:
        # The same month read by the report, over the month's own days, grouped as the portfolio.
        end: date = t["month_end"]
        report = await api.ok(
            "GET", f"/v1/reports/dso?as_of={end.isoformat()}&period_days={end.day}", role=READER
        )
        [row] = report["rows"] or [{"dso": None, "cei_percent": None}]
        assert (t["dso"], t["cei_percent"]) == (row["dso"], row["cei_percent"]), end
