"""Statements of account through Kafka and PostgreSQL: the ledger's events as the customer's
movements, as JSON, CSV and PDF (rendered to PNG by pdftoppm and read back by pdftotext), in the
customer's language."""

from __future__ import annotations

import asyncio
import csv
import io
import subprocess
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.credit_api.finance.statements import documents
from services.credit_api.finance.statements.schemas import StatementOut
from shared.roles import Role
from tests.integration.conftest import Platform, eventually
from tests.integration.helpers import erp_event, invoice_event, payment_event, publish

CODE = "C-ST1"
FROM, TO = "2026-04-01", "2026-04-30"


def payment(payment_id: str, amount: str, on: str, **allocations: str) -> dict[str, Any]:
    return payment_event(CODE, payment_id, amount, on, allocations)


async def statement_of(stack: Platform, **params: str) -> Any:
    return await stack.api.ok(
        "GET",
        f"/v1/customers/{CODE}/statements",
        role=Role.CREDIT_CONTROLLER,
        params={"from": FROM, "to": TO, **params},
    )


def pdf_text(pdf: bytes) -> str:
    """The PDF as a person sees it (one PNG per page, drawn by poppler) and its text."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "statement.pdf"
        path.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", "60", path, Path(folder) / "page"], check=True)
        pages = sorted(Path(folder).glob("page*.png"))
        assert pages and all(p.stat().st_size > 5000 for p in pages), "a page drew nothing"
        return subprocess.run(
            ["pdftotext", "-layout", path, "-"], check=True, capture_output=True, text=True
        ).stdout


async def test_a_statement_lists_every_movement_with_its_balance_in_json_csv_and_pdf(
    stack: Platform, sessions: async_sessionmaker[AsyncSession]
) -> None:
    api = stack.api
    await api.ok(
        "PUT",
        f"/v1/customers/{CODE}",
        role=Role.ERP,
        status=201,
        json={"name": "Statement Trading", "currency": "EUR", "language": "zh-CN"},
    )
    # The hand-worked case of tests/unit/test_statements.py, through the ERP topic.
    await publish(
        stack.ar_events,
        [
            invoice_event(CODE, "A", "1000.00", issue_date="2026-01-16", due_date="2026-02-15"),
            payment("P1", "350.00", "2026-03-10", A="300.00"),
            erp_event(
                "credit_note.issued",
                CODE,
                {
                    "credit_note_id": "CN1",
                    "currency": "EUR",
                    "amount": "100.00",
                    "issue_date": "2026-04-02",
                    "invoice_id": "A",
                },
            ),
            invoice_event(CODE, "B", "500.00", issue_date="2026-04-05", due_date="2026-04-30"),
            payment("P2", "200.00", "2026-04-10", C="200.00"),
            invoice_event(CODE, "C", "300.00", issue_date="2026-04-20", due_date="2026-05-20"),
            erp_event(
                "invoice.written_off", CODE, {"invoice_id": "B", "amount": "80.00", "date": "2026-04-25"}
            ),
            invoice_event(CODE, "D", "999.00", issue_date="2026-05-02", due_date="2026-06-01"),
        ],
    )

    async def booked() -> Any:
        body = await statement_of(stack)
        return body if body["accounts"] and body["accounts"][0]["closing_balance"] == "1070.00" else None

    statement = await eventually(booked, within=30)
    (account,) = statement["accounts"]
    assert (statement["language"], account["opening_balance"]) == ("zh-CN", "650.00")
    shown = [
        (x["date"], x["kind"], x["document_id"], x["items"], x["amount"], x["balance"])
        for x in account["lines"]
    ]
    assert shown == [
        ("2026-04-02", "credit_note", "CN1", ["A"], "-100.00", "550.00"),
        ("2026-04-05", "invoice", "B", [], "500.00", "1050.00"),
        ("2026-04-10", "payment", "P2", [], "-200.00", "850.00"),
        ("2026-04-20", "invoice", "C", [], "300.00", "1150.00"),
        ("2026-04-20", "allocation", "P2", ["C"], "0.00", "1150.00"),
        ("2026-04-25", "write_off", "B", [], "-80.00", "1070.00"),
    ]  # fmt: skip
    assert [(i["item_id"], i["open_amount"], i["days_overdue"]) for i in account["open_items"]] == [
        ("A", "600.00", 74),
        ("B", "420.00", 0),
        ("C", "100.00", 0),
    ]
    assert (account["unallocated_cash"], account["total_debits"], account["total_credits"]) == (
        "50.00",
        "800.00",
        "380.00",
    )

    # Late interest claimed on A, then waived: owed in between, not after.
    async with sessions.begin() as session:
        await session.execute(
            text(
                "INSERT INTO credit_api.interest_claims (customer_code, item_id, currency, due_date, "
                "settled_on, interest, compensation, days_late, periods, policy_version, status, "
                "closed_at) VALUES (:c, 'A', 'EUR', '2026-02-15', '2026-04-12', 12.34, 40, 56, '[]', "
                "'test', 'waived', '2026-04-28T10:00:00Z')"
            ),
            {"c": CODE},
        )
    statement = await statement_of(stack)
    lines = statement["accounts"][0]["lines"]
    assert [(x["kind"], x["amount"], x["balance"]) for x in lines if x["kind"].startswith("interest")] == [
        ("interest_claimed", "52.34", "902.34"),
        ("interest_waived", "-52.34", "1070.00"),
    ]
    assert statement["accounts"][0]["closing_balance"] == "1070.00"

    # CSV: the customer's words, the JSON's figures.
    response = await api.request(
        "GET",
        f"/v1/customers/{CODE}/statements",
        role=Role.CREDIT_CONTROLLER,
        params={"from": FROM, "to": TO, "format": "csv"},
    )
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["币种", "日期", "业务", "单据", "相关发票", "借方", "贷方", "余额"]
    assert rows[1] == ["EUR", FROM, "期初余额", "", "", "", "", "650.00"]
    assert rows[2] == ["EUR", "2026-04-02", "贷项通知单", "CN1", "A", "", "100.00", "550.00"]
    assert rows[-1] == ["EUR", TO, "期末余额", "", "", "852.34", "432.34", "1070.00"]

    # PDF, in Chinese and then in English: every figure of the JSON, as the language writes it.
    for language, locale in (("zh-CN", "zh_CN"), ("en", "en")):
        response = await api.request(
            "GET",
            f"/v1/customers/{CODE}/statements",
            role=Role.CREDIT_CONTROLLER,
            params={"from": FROM, "to": TO, "language": language},
            headers={"Accept": "application/pdf"},
        )
        assert response.headers["content-type"] == "application/pdf"
        printed = await asyncio.to_thread(pdf_text, response.content)
        account = statement["accounts"][0]
        figures = [account["opening_balance"], account["closing_balance"], account["unallocated_cash"]]
        figures += [x["balance"] for x in account["lines"]]
        figures += [i["open_amount"] for i in account["open_items"]]
        for figure in figures:
            assert format_currency(Decimal(figure), "EUR", locale=locale) in printed, (figure, printed)
        assert format_date(date(2026, 4, 25), format="medium", locale=locale) in printed
        assert ("对账单" in printed) == (language == "zh-CN")
        assert "Statement of account" in printed or language == "zh-CN"
        assert "Statement Trading" in printed


async def test_a_period_that_ends_before_it_starts_or_an_unknown_customer_is_a_problem(
    stack: Platform,
) -> None:
    response = await stack.api.request(
        "GET",
        "/v1/customers/NOBODY/statements",
        role=Role.CREDIT_CONTROLLER,
        params={"from": FROM, "to": TO},
    )
    assert response.status_code == 404
    await stack.api.ok(
        "PUT", f"/v1/customers/{CODE}", role=Role.ERP, status=201, json={"name": "S", "currency": "EUR"}
    )
    response = await stack.api.request(
        "GET",
        f"/v1/customers/{CODE}/statements",
        role=Role.CREDIT_CONTROLLER,
        params={"from": TO, "to": FROM},
    )
    assert response.status_code == 422
    assert "after it ends" in response.json()["detail"]


async def test_a_run_draws_many_statements_in_processes_each_in_a_font_that_writes_its_names() -> None:
    """Names beyond Windows-1252 (Polish, Chinese in an English statement) are written, not lost;
    a pool of processes draws the same statements as one drawn alone, in order."""
    example = StatementOut.model_validate(StatementOut.model_json_schema()["examples"][0])
    names = ["Müller Großhandel GmbH", "Przedsiębiorstwo Łódź Sp. z o.o.", "上海华东贸易有限公司"]
    many = [
        example.model_copy(update={"customer_code": f"C-{n}", "customer_name": names[n % 3]})
        for n in range(documents.POOL_FROM)
    ]
    with documents.pool(len(many)) as processes:
        assert processes is not None
        pdfs = await documents.render_many(many, "Muster Handel AG", processes)
    assert len(pdfs) == len(many)
    for n in (0, 1, 2, len(many) - 1):
        printed = await asyncio.to_thread(pdf_text, pdfs[n])
        assert names[n % 3] in printed
        assert f"({many[n].customer_code})" in printed
        assert printed == await asyncio.to_thread(pdf_text, documents.to_pdf(many[n], "Muster Handel AG"))
