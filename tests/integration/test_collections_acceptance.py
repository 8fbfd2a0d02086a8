"""Collections over 120 consecutive business days through the real services: the risk worker keeping
the ledger from Kafka, `credence collections run --as-of` and the admin route running each day,
the notifier as a process sending to a real SMTP server. A portfolio with invoices at every step of
the default policy (customers without a grade follow its `default` steps: reminder −7, notice_1 +3,
notice_2 +10, call +20 from 250, final +30 from 100 with a credit stop, legal +50 from 1,000; five
days between two notices), a payment mid-way, a promise kept and one broken, a dispute accepted, one
rejected and one left to age, a small balance never chased, and interest claimed, waived and
invoiced. On day 25 invoices arrive that the platform has never seen, 12, 45 and 96 days past due
(each for one English and one Chinese customer): none is told "despite our earlier notice" or
handed to legal unwarned; each gets the formal notice as a first letter, the final notice a week
later at the earliest, naming it, and legal a week after that. The run is killed in the middle of
a day and the notifier in the middle of a delivery: every notice still reaches its customer once,
and nothing else changes.

The business days are placed around the real date (day 60 is today), since promises and disputes
are made today. Interest: the ECB rate in force on each half-year's first day has been 2.15 % since
11 June 2025 (`shared/policies/dunning.yaml`), so 10.15 % a year after the Directive's 8 points."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.risk_worker.main import serve as serve_worker
from services.risk_worker.settings import WorkerSettings
from shared.models.credit_api import DunningRun
from shared.models.views import open_items
from shared.roles import Role
from tests.integration.conftest import Api, Topics, eventually
from tests.integration.helpers import drain, erp_event, invoice_event, publish, running, waiting_on_locks
from tests.integration.processes import service, service_env
from tests.integration.receivers import Mailbox, free_port, smtp_server

TODAY = datetime.now(UTC).date()
D0 = TODAY - timedelta(days=60)


def day(n: int) -> date:
    return D0 + timedelta(days=n)


def on(n: int) -> str:
    return day(n).isoformat()


def long_date(n: int) -> str:
    d = day(n)
    return f"{d:%B} {d.day}, {d.year}"


def chinese_date(n: int) -> str:
    d = day(n)
    return f"{d.year}年{d.month}月{d.day}日"


# customer → (language, [(invoice, amount, due day)])
PORTFOLIO: dict[str, tuple[str, list[tuple[str, str, int]]]] = {
    "C-A1": ("en", [("INV-A1", "2000.00", 10)]),  # every step, to the legal hand-over
    "C-B1": ("en", [("INV-B1", "600.00", 10)]),  # paid on day 25, after its second notice
    "C-C1": ("en", [("INV-C1", "400.00", 50)]),  # promise kept
    "C-D1": ("en", [("INV-D1", "800.00", 50)]),  # promise broken
    "C-E1": ("en", [("INV-E1", "900.00", 45)]),  # dispute accepted, credit note on day 70
    "C-F1": ("en", [("INV-F1", "1500.00", 45)]),  # dispute rejected on day 80
    "C-G1": ("en", [("INV-G1", "300.00", 55)]),  # dispute left open: the worklist on day 90
    "C-H1": ("zh-CN", [("INV-H1", "60.00", 80)]),  # too small for a call or a final notice
    "C-I1": ("en", [("INV-I1", "30.00", 20)]),  # below every step's minimum: never chased
}

# First seen on day 25, by days past due then: customer → (language, invoice, due day).
LATE_ARRIVALS: dict[str, tuple[str, str, int]] = {
    "C-J1": ("en", "INV-J1", 13),  # 12 days past due
    "C-J2": ("zh-CN", "INV-J2", 13),
    "C-K1": ("en", "INV-K1", -20),  # 45
    "C-K2": ("zh-CN", "INV-K2", -20),
    "C-L1": ("en", "INV-L1", -71),  # 96
    "C-L2": ("zh-CN", "INV-L2", -71),
}
ARRIVAL = 25
LATE_AMOUNT = "1200.00"

# (customer, step, day, items)
NOTICES = [
    ("C-A1", "reminder", 3, ["INV-A1"]),
    ("C-A1", "notice_1", 13, ["INV-A1"]),
    ("C-A1", "notice_2", 20, ["INV-A1"]),
    ("C-A1", "final", 40, ["INV-A1"]),
    ("C-B1", "reminder", 3, ["INV-B1"]),
    ("C-B1", "notice_1", 13, ["INV-B1"]),
    ("C-B1", "notice_2", 20, ["INV-B1"]),
    ("C-C1", "reminder", 43, ["INV-C1"]),
    ("C-C1", "notice_1", 53, ["INV-C1"]),
    ("C-D1", "reminder", 43, ["INV-D1"]),
    ("C-D1", "notice_1", 53, ["INV-D1"]),
    ("C-D1", "notice_2", 66, ["INV-D1"]),  # due on day 60, paused by the promise until it broke
    ("C-D1", "final", 80, ["INV-D1"]),
    ("C-E1", "reminder", 38, ["INV-E1"]),
    ("C-E1", "notice_1", 48, ["INV-E1"]),
    ("C-E1", "notice_2", 55, ["INV-E1"]),
    ("C-F1", "reminder", 38, ["INV-F1"]),
    ("C-F1", "notice_1", 48, ["INV-F1"]),
    ("C-F1", "notice_2", 55, ["INV-F1"]),
    ("C-F1", "final", 80, ["INV-F1"]),  # the dispute rejected: resumes where it was, the call passed
    ("C-G1", "reminder", 48, ["INV-G1"]),
    ("C-G1", "notice_1", 58, ["INV-G1"]),
    ("C-H1", "reminder", 73, ["INV-H1"]),
    ("C-H1", "notice_1", 83, ["INV-H1"]),
    ("C-H1", "notice_2", 90, ["INV-H1"]),
    # Late arrivals: the formal notice first (reminder and friendly notice lost their point), the
    # final notice when the formal one is a week old and the invoice has reached it.
    *[(c, "notice_2", ARRIVAL, [i]) for c, (_, i, _) in LATE_ARRIVALS.items()],
    ("C-J1", "final", 43, ["INV-J1"]),  # reached on day 43 (30 days past due)
    ("C-J2", "final", 43, ["INV-J2"]),
    *[(c, "final", ARRIVAL + 7, [i]) for c, (_, i, due) in LATE_ARRIVALS.items() if due < 0],
]

# (customer, kind, day)
TASKS = [
    ("C-A1", "phone_task", 30),
    ("C-A1", "legal_handover", 60),
    ("C-D1", "broken_promise", 66),
    ("C-D1", "phone_task", 70),
    ("C-G1", "dispute_to_resolve", 90),
    ("C-F1", "legal_handover", 95),
    # Late arrivals: the call as soon as it is reached and the formal notice is out; legal a week
    # after the final notice (or when reached, 50 days past due, for the 12-day one).
    *[(c, "phone_task", 33 if due > 0 else ARRIVAL + 1) for c, (_, _, due) in LATE_ARRIVALS.items()],
    *[(c, "legal_handover", 63 if due > 0 else ARRIVAL + 14) for c, (_, _, due) in LATE_ARRIVALS.items()],
]


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


def collections_run(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "services.cli", "collections", "run", *args],
        env=env,
        stdout=subprocess.PIPE,
    )


async def runs(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return (await session.execute(select(func.count()).select_from(DunningRun))).scalar_one()


async def open_amount(sessions: async_sessionmaker[AsyncSession], item: str) -> str | None:
    async with sessions() as session:
        amount = (
            await session.execute(select(open_items.c.open_amount).where(open_items.c.item_id == item))
        ).scalar_one_or_none()
    return None if amount is None else f"{amount:.2f}"


async def test_120_days_of_collections(
    api: Api,
    worker_settings: WorkerSettings,
    sessions: async_sessionmaker[AsyncSession],
    database_url: str,
    topics: Topics,
    mailbox: Mailbox,
) -> None:
    languages = {code: language for code, (language, _) in PORTFOLIO.items()}
    languages |= {code: language for code, (language, _, _) in LATE_ARRIVALS.items()}
    for code, language in languages.items():
        body = {
            "name": code,
            "currency": "EUR",
            "language": language,
            "contacts": {"accounts_payable_email": f"ap@{code.lower()}.example"},
        }
        await api.ok("PUT", f"/v1/customers/{code}", role=Role.ERP, status=201, json=body)
    env = {
        **service_env(
            database_url, topics, {"api": free_port(), "risk-worker": free_port(), "notifier": free_port()}
        ),
        "CREDENCE_NOTIFIER_SMTP_PORT": str(mailbox.port),
        # Short, so that the dead notifier's delivery is taken over soon, but above what one attempt
        # takes on a loaded machine: a lease shorter than a send would send it twice.
        "CREDENCE_NOTIFIER_LEASE_SECONDS": "10",
        "CREDENCE_NOTIFIER_RETRY_BASE_SECONDS": "0.2",
    }
    ar = worker_settings.ar_events_topic

    async def applied(item: str, amount: str) -> None:
        async def there() -> bool:
            return await open_amount(sessions, item) == amount

        await eventually(there)

    async def days(first: int, last: int) -> None:
        for n in range(first, last + 1):
            await api.ok("POST", "/v1/dunning-runs", json={"as_of": on(n)})

    mailbox.hold(3)  # the third email: its sender is killed before the message goes
    async with running(serve_worker, worker_settings), service("notifier", env) as notifier:
        await publish(
            ar,
            [
                invoice_event(code, item, amount, issue_date=on(due - 30), due_date=on(due))
                for code, (_, invoices) in PORTFOLIO.items()
                for item, amount, due in invoices
            ],
        )
        for _, (_, invoices) in PORTFOLIO.items():
            for item, amount, _ in invoices:
                await applied(item, amount)

        # Days 0–24 by the CLI, killed while day 13 waits to be recorded: the days before it stay done,
        # day 13 leaves nothing behind, and the next run takes up from there.
        async with sessions() as blocker, blocker.begin():
            await blocker.execute(
                text(
                    "INSERT INTO credit_api.dunning_runs (as_of, policy_version, customers, notices, tasks) "
                    "VALUES (:d, 'blocker', 0, 0, 0)"
                ),
                {"d": day(13)},
            )
            cli = collections_run(env, "--from", on(0), "--as-of", on(24))

            inserting = "INSERT INTO credit_api.dunning_runs"
            await eventually(lambda: waiting_on_locks(sessions, inserting), within=60)
            cli.send_signal(signal.SIGKILL)
            await asyncio.to_thread(cli.wait, 10)
            await blocker.rollback()
        assert await runs(sessions) == 13  # days 0–12
        cli = collections_run(env, "--as-of", on(24))
        out, _ = await asyncio.to_thread(cli.communicate, timeout=120)
        assert cli.returncode == 0
        lines = out.decode().splitlines()
        assert len(lines) == 12 and lines[0].startswith(f"[1/12] dunning {on(13)}: "), lines

        # The notifier killed in the middle of the third email; its successor sends it when the
        # lease of the dead one runs out.
        await asyncio.to_thread(mailbox.holding.wait, 60)
        await notifier.kill()
        mailbox.release()
        notifier.restart()

        # Paid in full on day 25: it leaves dunning before its call; its interest becomes a claim.
        payment = {
            "payment_id": "P-B1",
            "currency": "EUR",
            "amount": "600.00",
            "received_date": on(25),
            "allocations": [{"invoice_id": "INV-B1", "amount": "600.00"}],
        }
        await publish(ar, [erp_event("payment.received", "C-B1", payment)])
        await applied("INV-B1", "0.00")
        # Invoices the platform first hears of on day 25, long after their due dates.
        await publish(
            ar,
            [
                invoice_event(code, item, LATE_AMOUNT, issue_date=on(due - 30), due_date=on(due))
                for code, (_, item, due) in LATE_ARRIVALS.items()
            ],
        )
        for _, item, _ in LATE_ARRIVALS.values():
            await applied(item, LATE_AMOUNT)
        await days(25, 59)

        # Day 60, today: promises, disputes, a waiver.
        for code, item, promised in (("C-C1", "INV-C1", 5), ("C-D1", "INV-D1", 2)):
            await api.ok(
                "POST",
                f"/v1/customers/{code}/promises",
                role=Role.CREDIT_CONTROLLER,
                status=201,
                json={"item_ids": [item], "promised_date": on(60 + promised), "channel": "phone"},
            )
        disputes = {}
        for item, reason in (("INV-E1", "price"), ("INV-F1", "quality"), ("INV-G1", "not_delivered")):
            disputes[item] = await api.ok(
                "POST",
                f"/v1/invoices/{item}/disputes",
                role=Role.CREDIT_CONTROLLER,
                status=201,
                json={"reason_code": reason},
            )
        accepted = await api.ok(
            "POST",
            f"/v1/disputes/{disputes['INV-E1']['id']}/resolve",
            role=Role.CREDIT_MANAGER,
            json={"resolution": "accepted", "note": "price list error; credit note follows"},
        )
        assert accepted["status"] == "accepted"
        waived = await api.ok(
            "POST",
            "/v1/customers/C-A1/interest/INV-A1/waive",
            role=Role.CREDIT_MANAGER,
            json={"note": "goodwill, agreed with the sales director"},
        )
        # 50 days (11th to 60th) on 2,000 at 10.15 %: 2,000 × 0.1015 × 50 / 365 = 27.808 → 27.81.
        assert (waived["status"], waived["interest"], waived["compensation"]) == ("waived", "27.81", "40.00")
        await days(60, 63)

        # The promised 400 arrives on day 64: the promise is kept.
        payment = {
            "payment_id": "P-C1",
            "currency": "EUR",
            "amount": "400.00",
            "received_date": on(64),
            "allocations": [{"invoice_id": "INV-C1", "amount": "400.00"}],
        }
        await publish(ar, [erp_event("payment.received", "C-C1", payment)])
        await applied("INV-C1", "0.00")
        await days(64, 69)

        # The accepted dispute's credit note, day 70: the dispute closes.
        note = {"credit_note_id": "CN-E1", "currency": "EUR", "amount": "900.00", "issue_date": on(70)}
        await publish(ar, [erp_event("credit_note.issued", "C-E1", {**note, "invoice_id": "INV-E1"})])
        await applied("INV-E1", "0.00")
        await days(70, 79)
        rejected = await api.ok(
            "POST",
            f"/v1/disputes/{disputes['INV-F1']['id']}/resolve",
            role=Role.CREDIT_MANAGER,
            json={"resolution": "rejected", "note": "delivery note signed without reservation"},
        )
        assert rejected["status"] == "rejected"
        await days(80, 119)

        async def mailed() -> bool:
            return len(mailbox.messages) >= len(NOTICES)

        await eventually(mailed, within=60)
        await asyncio.sleep(11)  # longer than a lease: anything sent twice would have come by now

    notices = (await api.ok("GET", "/v1/dunning-notices?limit=100", role=Role.CREDIT_CONTROLLER))["items"]
    sent = [(n["customer_code"], n["step"], n["as_of"], [i["item_id"] for i in n["items"]]) for n in notices]
    assert sorted(sent) == sorted((c, s, on(d), items) for c, s, d, items in NOTICES)

    # Each notice once in the mailbox, whatever was killed.
    assert len(mailbox.messages) == len(NOTICES)
    assert max(Counter(m["Message-ID"] for m in mailbox.messages).values()) == 1
    mails = {(m["To"], m["Subject"]): m.get_content().replace("\r\n", "\n") for m in mailbox.messages}
    assert len(mails) == len(NOTICES)

    # Content: the final notice of C-A1, 30 days late: 2,000 × 0.1015 × 30 / 365 = 16.685 → 16.68.
    final = mails[("ap@c-a1.example", "[C-A1] FINAL NOTICE: overdue invoices — €2,000.00")]
    assert (
        f"INV-A1         due {long_date(10)}, 30 days overdue: €2,000.00 (interest €16.68 at 10.15% a year)"
        in final
    )
    assert "Late interest to date: €16.68; fixed compensation for late payment: €40.00" in final
    assert "Deliveries on credit are suspended" in final
    # The broken promise's invoice, 16 days late: 800 × 0.1015 × 16 / 365 = 3.559 → 3.56.
    second = mails[("ap@c-d1.example", "[C-D1] Second notice: overdue invoices — €800.00")]
    assert (
        f"INV-D1         due {long_date(50)}, 16 days overdue: €800.00 (interest €3.56 at 10.15% a year)"
        in second
    )
    # The rejected dispute's invoice, 35 days late: 1,500 × 0.1015 × 35 / 365 = 14.599 → 14.60.
    resumed = mails[("ap@c-f1.example", "[C-F1] FINAL NOTICE: overdue invoices — €1,500.00")]
    assert "(interest €14.60 at 10.15% a year)" in resumed
    due = day(80)
    chinese = mails[("ap@c-h1.example", "【C-H1】第二次催款通知：€60.00")]
    assert f"到期日 {due.year}年{due.month}月{due.day}日，已逾期 10 天：€60.00" in chinese

    # The late arrivals' letters, in the order they were sent: a first letter that reads as one,
    # then a final notice that names it. 12 days on 1,200 at 10.15 %: 4.004 → 4.00; 45: 15.016 →
    # 15.02; 96: 32.035 → 32.04.
    interest_at_arrival = {"INV-J1": "4.00", "INV-J2": "4.00", "INV-K1": "15.02", "INV-K2": "15.02"}
    interest_at_arrival |= {"INV-L1": "32.04", "INV-L2": "32.04"}
    for code, (language, item, due_on) in LATE_ARRIVALS.items():
        letters = sorted((n for n in notices if n["customer_code"] == code), key=lambda n: n["as_of"])
        final_day = 43 if due_on > 0 else ARRIVAL + 7
        assert [(n["step"], n["as_of"]) for n in letters] == [
            ("notice_2", on(ARRIVAL)),
            ("final", on(final_day)),
        ]
        first, last = letters
        late = ARRIVAL - due_on
        if language == "en":
            subject = f"[{code}] Payment demand: overdue invoices — €1,200.00"
            body = mails[(f"ap@{code.lower()}.example", subject)]
            assert body.startswith(
                f"Dear {code},\n\nAccording to our records, the following invoices are past their due "
                "date and remain unpaid.\n"
            )
            assert "Despite" not in body and "earlier" not in body
            assert (
                f"{item}         due {long_date(due_on)}, {late} days overdue: €1,200.00 "
                f"(interest €{interest_at_arrival[item]} at 10.15% a year)"
            ) in body
            assert "Please pay the amount due within 7 days of this notice." in body
            body = mails[
                (f"ap@{code.lower()}.example", f"[{code}] FINAL NOTICE: overdue invoices — €1,200.00")
            ]
            assert (
                f"FINAL NOTICE. Despite our notice of {long_date(ARRIVAL)} (reference {first['id']}), "
                "the following invoices remain unpaid."
            ) in body
            assert (
                "Without payment within 7 days,\nthe matter will be handed over for legal collection." in body
            )
        else:
            body = mails[(f"ap@{code.lower()}.example", f"【{code}】催款通知：€1,200.00")]
            assert body.startswith(f"{code}：\n\n根据我们的记录，以下发票已逾期，仍未付款。\n")
            assert "此前" not in body and "已于" not in body
            assert (
                f"到期日 {chinese_date(due_on)}，已逾期 {late} 天：€1,200.00"
                f"（逾期利息 €{interest_at_arrival[item]}，年利率 10.15%）"
            ) in body
            assert "请于本通知发出后 7 天内付清应付款项。" in body
            body = mails[(f"ap@{code.lower()}.example", f"【{code}】最后催款通知：€1,200.00")]
            assert (
                f"最后通知：我们已于{chinese_date(ARRIVAL)}（编号：{first['id']}）发出通知，但以下发票仍未付款。"
            ) in body
            assert "如 7 天内仍未付款，我们将移交法务部门依法催收。" in body
        assert last["items"][0]["days_past_due"] == final_day - due_on
        # What the customer's dunning shows: the steps that lost their point superseded, every
        # step from the formal notice on done, in order.
        steps = (await api.ok("GET", f"/v1/customers/{code}/dunning", role=Role.CREDIT_CONTROLLER))["steps"]
        assert {s["step"]: s["outcome"] for s in steps} == {
            "reminder": "superseded",
            "notice_1": "superseded",
            "notice_2": "notice",
            "call": "task",
            "final": "notice",
            "legal": "task",
        }
        done = sorted((s["as_of"], s["step"]) for s in steps if s["outcome"] != "superseded")
        assert [step for _, step in done] == ["notice_2", "call", "final", "legal"]

    # Tasks, and nothing else for people.
    tasks = []
    for code in languages:
        dunning = await api.ok("GET", f"/v1/customers/{code}/dunning", role=Role.CREDIT_CONTROLLER)
        tasks += [(code, t["kind"], t["as_of"]) for t in dunning["tasks"]]
        if code == "C-A1":
            legal = next(t for t in dunning["tasks"] if t["kind"] == "legal_handover")
            assert "interest" not in legal["items"][0]  # waived on day 60
        if code == "C-F1":
            steps = {s["step"]: s["outcome"] for s in dunning["steps"]}
            assert steps["call"] == "superseded"
    assert sorted(tasks) == sorted((c, k, on(d)) for c, k, d in TASKS)

    # Credit stops: the final notices.
    blocked = {code for code in languages if (await api.ok("GET", f"/v1/customers/{code}"))["blocked"]}
    assert blocked == {"C-A1", "C-D1", "C-F1", *LATE_ARRIVALS}

    # Promises and disputes as they ended.
    assert [
        p["status"] for p in await api.ok("GET", "/v1/customers/C-C1/promises", role=Role.CREDIT_CONTROLLER)
    ] == ["kept"]
    assert [
        p["status"] for p in await api.ok("GET", "/v1/customers/C-D1/promises", role=Role.CREDIT_CONTROLLER)
    ] == ["broken"]
    statuses = {}
    for code in ("C-E1", "C-F1", "C-G1"):
        [d] = await api.ok("GET", f"/v1/customers/{code}/disputes", role=Role.CREDIT_CONTROLLER)
        statuses[code] = d["status"]
    assert statuses == {"C-E1": "closed", "C-F1": "rejected", "C-G1": "open"}

    # Interest: claims of the invoices paid late, the waiver, and what the open ones accrue.
    async def interest(code: str) -> list[tuple[str, str, str, str]]:
        claims = await api.ok(
            "GET", f"/v1/customers/{code}/interest?as_of={on(119)}", role=Role.CREDIT_CONTROLLER
        )
        return [(c["item_id"], c["status"], c["interest"], c["compensation"]) for c in claims]

    # 15 days on 600: 2.503 → 2.50; 14 days on 400: 1.557 → 1.56; 69 days on 800: 15.350 → 15.35.
    assert await interest("C-B1") == [("INV-B1", "claimable", "2.50", "40.00")]
    assert await interest("C-C1") == [("INV-C1", "claimable", "1.56", "40.00")]
    assert await interest("C-D1") == [("INV-D1", "accruing", "15.35", "40.00")]
    assert await interest("C-A1") == [("INV-A1", "waived", "27.81", "40.00")]
    assert await interest("C-E1") == []  # the dispute was accepted: nothing was owed late
    invoiced = await api.ok(
        "POST", "/v1/customers/C-B1/interest/INV-B1/invoice", role=Role.ERP, json={"invoice_ref": "INT-B1"}
    )
    assert (invoiced["status"], invoiced["invoice_ref"]) == ("invoiced", "INT-B1")
    again = await api.request(
        "POST", "/v1/customers/C-B1/interest/INV-B1/invoice", role=Role.ERP, json={"invoice_ref": "INT-B1"}
    )
    assert again.status_code == 409 and again.json()["type"] == "urn:credence:problem:interest-claim-closed"
    running_still = await api.request(
        "POST", "/v1/customers/C-D1/interest/INV-D1/invoice", role=Role.ERP, json={"invoice_ref": "INT-D1"}
    )
    assert (
        running_still.status_code == 409
        and running_still.json()["type"] == "urn:credence:problem:interest-still-running"
    )
    refused = await api.request(
        "POST", "/v1/customers/C-D1/interest/INV-D1/waive", role=Role.CREDIT_CONTROLLER, json={"note": "nice"}
    )
    assert refused.status_code == 403

    # Everything people did, and everything the runs decided, was published once.
    published = Counter(json.loads(value)["type"] for value, _ in await drain(topics.credit_events, 14))
    assert published == {
        "promise.made": 2,
        "promise.kept": 1,
        "promise.broken": 1,
        "dispute.opened": 3,
        "dispute.resolved": 2,
        "dispute.closed": 1,
        "interest.claimed": 2,
        "interest.waived": 1,
        "interest.invoiced": 1,
    }
