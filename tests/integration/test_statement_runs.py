"""Statements of account e-mailed on the dunning policy's schedule, through the real services: the
risk worker keeping the ledger from Kafka, `credence statements run --as-of` as a process (killed in
the middle of a day, then run again), credit_api relaying its outbox, the notifier attaching the PDF
and sending to a real SMTP server, and an event delivered twice. Each customer gets each period's
statement once, in its language."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.credit_api.finance.statements import service as statements
from services.credit_api.kernel.settings import ApiSettings
from services.notifier.main import serve as serve_notifier
from services.notifier.settings import NotifierSettings
from services.risk_worker.main import serve as serve_worker
from services.risk_worker.settings import WorkerSettings
from shared.models.credit_api import StatementSend
from shared.roles import Role
from tests.integration.conftest import PORTAL_SECRET, Api, Topics, at_once, eventually
from tests.integration.helpers import drain, invoice_event, publish, running, waiting_on_locks
from tests.integration.processes import service_env
from tests.integration.receivers import free_port, smtp_server
from tests.integration.test_statements import pdf_text

TODAY = datetime.now(UTC).date()
# The month's statement goes out on the 1st (the shipped policy): the month before this one.
AS_OF = TODAY.replace(day=1)
LAST_MONTH = (AS_OF - timedelta(days=1)).replace(day=1)
CUSTOMERS = {
    # code: language, accounts-payable address
    "S-EN": ("en", "ap@s-en.example"),
    "S-ZH": ("zh-CN", "ap@s-zh.example"),
    "S-NA": ("en", None),
}


def statements_run(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "services.cli", "statements", "run", *args], env=env, stdout=subprocess.PIPE
    )


async def sent(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return (await session.execute(select(func.count()).select_from(StatementSend))).scalar_one()


async def test_each_customer_gets_each_periods_statement_once_whatever_is_killed_or_redelivered(
    api: Api,
    worker_settings: WorkerSettings,
    notifier_settings: NotifierSettings,
    sessions: async_sessionmaker[AsyncSession],
    database_url: str,
    topics: Topics,
) -> None:
    for code, (language, address) in CUSTOMERS.items():
        body: dict[str, object] = {"name": f"Customer {code}", "currency": "EUR", "language": language}
        if address:
            body["contacts"] = {"accounts_payable_email": address}
        await api.ok("PUT", f"/v1/customers/{code}", role=Role.ERP, status=201, json=body)
    issued, due = LAST_MONTH + timedelta(days=4), LAST_MONTH + timedelta(days=34)
    env = {
        **service_env(database_url, topics, {"api": free_port(), "risk-worker": free_port(), "notifier": 0}),
        "CREDENCE_API_COMPANY_NAME": "Muster Handel AG",
        "CREDENCE_API_PORTAL_SECRET": PORTAL_SECRET,
    }
    async with running(serve_worker, worker_settings):
        await publish(
            worker_settings.ar_events_topic,
            [
                invoice_event(
                    code, f"INV-{code}", "1234.50", issue_date=issued.isoformat(), due_date=due.isoformat()
                )
                for code in CUSTOMERS
            ],
        )

        async def booked() -> bool:
            async with sessions() as session:
                found = await session.execute(text("SELECT count(*) FROM risk_worker.open_items"))
                return bool(found.scalar_one() == len(CUSTOMERS))

        await eventually(booked, within=30)

    # Killed while S-ZH's statement waits to be recorded (another transaction holds its key): S-EN's,
    # recorded before it in the same day, goes with it; nothing is sent.
    async with sessions() as blocker, blocker.begin():
        await blocker.execute(
            text(
                "INSERT INTO credit_api.statement_sends (customer_code, period_from, period_to, reason, "
                "as_of, policy_version, language, journal_line, closing, pdf) VALUES ('S-ZH', :f, :t, "
                "'monthly', :d, 'blocker', 'en', 0, '[]', '')"
            ),
            {"f": LAST_MONTH, "t": AS_OF - timedelta(days=1), "d": AS_OF},
        )
        cli = statements_run(env, "--as-of", AS_OF.isoformat())

        inserting = "INSERT INTO credit_api.statement_sends"
        await eventually(lambda: waiting_on_locks(sessions, inserting), within=60)
        cli.send_signal(signal.SIGKILL)
        await asyncio.to_thread(cli.wait, 10)
        await blocker.rollback()
    assert await sent(sessions) == 0

    cli = statements_run(env, "--as-of", AS_OF.isoformat())
    out, _ = await asyncio.to_thread(cli.communicate, timeout=120)
    assert cli.returncode == 0
    assert out.decode().splitlines() == [
        f"[1/1] statements {AS_OF}: 2 statements e-mailed, 1 customers without an accounts-payable address "
        "(policy default)"
    ]
    again = statements_run(env, "--from", AS_OF.isoformat(), "--as-of", AS_OF.isoformat())
    out, _ = await asyncio.to_thread(again.communicate, timeout=120)
    assert "already done" in out.decode()
    assert await sent(sessions) == 2

    # The notifier, with each event delivered twice.
    events = await drain(notifier_settings.alerts_topic, 2)
    await publish(notifier_settings.alerts_topic, [value for value, _ in events])
    with smtp_server() as mailbox:
        settings = notifier_settings.model_copy(update={"smtp_port": mailbox.port})
        async with running(serve_notifier, settings):
            await eventually(lambda: at_once(len(mailbox.messages) >= 2), within=30)
            await asyncio.sleep(1)  # time enough for a second copy, were one to come
    assert Counter(m["To"] for m in mailbox.messages) == {"ap@s-en.example": 1, "ap@s-zh.example": 1}
    mails = {m["To"]: m for m in mailbox.messages}
    english, chinese = mails["ap@s-en.example"], mails["ap@s-zh.example"]
    assert english["Subject"].startswith("[Customer S-EN] Statement of account ")
    assert chinese["Subject"].startswith("[Customer S-ZH] 对账单 ")
    assert "Balance on" in english.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "€1,234.50" in chinese.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    for code, mail, words in (("S-EN", english, "Statement of account"), ("S-ZH", chinese, "对账单")):
        [attachment] = list(mail.iter_attachments())
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_filename() == f"statement-{code}-{LAST_MONTH}-{AS_OF - timedelta(days=1)}.pdf"
        shown = await asyncio.to_thread(pdf_text, attachment.get_content())
        assert words in shown and "Muster Handel AG" in shown and "€1,234.50" in shown
        # Each e-mail carries the customer's way into its portal, to its own account.
        text_body: str = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        [portal] = re.findall(r"http://127\.0\.0\.1:8000(/portal/\S+/)", text_body)
        account = await api.browser().get(portal)
        assert account.status_code == 200 and f"INV-{code}" in account.text


async def test_with_also_when_moved_a_ledger_that_moved_gets_the_days_since_its_last_statement(
    api: Api,
    api_settings: ApiSettings,
    worker_settings: WorkerSettings,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    document = (await api.ok("GET", "/v1/dunning-policies/default"))["document"]
    document["statements"] = {"day_of_month": 28, "also_when_moved": True, "min_gap_days": 7}
    await api.ok("PUT", "/v1/dunning-policies/weekly-statements", status=201, json=document)
    body = {"name": "Mover", "currency": "EUR", "contacts": {"accounts_payable_email": "ap@mover.example"}}
    await api.ok("PUT", "/v1/customers/S-MV", role=Role.ERP, status=201, json=body)
    start = date(2026, 3, 2)

    async def book(*events: dict[str, Any]) -> None:
        async with running(serve_worker, worker_settings):
            await publish(worker_settings.ar_events_topic, list(events))

            async def booked() -> bool:
                async with sessions() as session:
                    found = await session.execute(text("SELECT count(*) FROM risk_worker.open_items"))
                    return bool(found.scalar_one() == len(invoices))

            await eventually(booked, within=30)

    async def run_on(day: date) -> list[tuple[str, str, str]]:
        async with sessions() as session, session.begin():
            await statements.run(session, day, api_settings)
        async with sessions() as session:
            rows = await session.execute(
                select(StatementSend.period_from, StatementSend.period_to, StatementSend.reason).order_by(
                    StatementSend.period_to
                )
            )
            return [(str(a), str(b), r) for a, b, r in rows.all()]

    invoices = [invoice_event("S-MV", "M-1", "100.00", issue_date="2026-03-03", due_date="2026-04-02")]
    await book(*invoices)
    assert await run_on(start) == []  # nothing dated in March before the 2nd
    assert await run_on(start + timedelta(days=3)) == [("2026-03-01", "2026-03-04", "moved")]
    assert await run_on(start + timedelta(days=4)) == [("2026-03-01", "2026-03-04", "moved")]  # no move
    invoices.append(invoice_event("S-MV", "M-2", "50.00", issue_date="2026-03-08", due_date="2026-04-07"))
    await book(invoices[-1])
    # Moved, but within a week of the last: it waits, then covers the days since.
    assert len(await run_on(start + timedelta(days=8))) == 1
    assert (await run_on(start + timedelta(days=10)))[-1] == ("2026-03-05", "2026-03-11", "moved")
    # Nothing moved since: nothing more in March; the month's statement on the policy's day in April.
    assert len(await run_on(date(2026, 3, 28))) == 2
    assert (await run_on(date(2026, 4, 28)))[-1] == ("2026-03-01", "2026-03-31", "monthly")
