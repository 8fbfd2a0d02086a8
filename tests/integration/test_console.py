"""The console in Debian's real Chromium (Playwright drives it): sign in (and be refused, and be
locked out), the portfolio's figures and charts, finding a customer and reading its ageing chart,
switching to Chinese, and no serious or critical accessibility violation (axe-core) on any page.
Screenshots of every page go to .devstack/screenshots/."""

from __future__ import annotations

import asyncio
import io
import json
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any, get_args

import httpx
import openpyxl
import pytest
from playwright.async_api import Browser, Page, async_playwright
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.credit_api.access.users.service import create
from services.credit_api.collections.tasks.schemas import TaskKind
from services.credit_api.credit.financial_statements.schemas import EXAMPLE
from services.credit_api.kernel.settings import ApiSettings
from services.devstack.settings import PROJECT_ROOT
from services.risk_worker.main import serve as serve_worker
from services.risk_worker.settings import WorkerSettings
from shared.domain.credit import ReasonCode
from shared.domain.warnings import INDICATORS
from shared.events import WARNING_LEVEL_CHANGED, WarningIndicator, WarningLevelChanged, new_event
from shared.models.credit_api import CollectionTask, CreditHold, WarningAlert
from shared.roles import Role
from shared.vocabulary import word
from tests.integration.conftest import Api, eventually
from tests.integration.helpers import drain, invoice_event, payment_event, publish, running, served
from tests.integration.test_reports import ledger

SHOTS = PROJECT_ROOT / ".devstack" / "screenshots"
AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "correct horse battery staple"


@pytest.fixture
async def console(
    api: Api,
    api_settings: ApiSettings,
    worker_settings: WorkerSettings,
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[str]:
    await ledger(api, worker_settings, sessions)
    async with sessions() as session, session.begin():
        await create(session, Role.CREDIT_MANAGER, "Maria Rossi", "maria@example.com", PASSWORD)
        await create(session, Role.CREDIT_CONTROLLER, "Li Wei", "li.wei@example.com", PASSWORD)
    async with served(api_settings) as url:
        yield url


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Debian's Chromium, driven by Playwright, closed whatever the test did."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            yield browser
        finally:
            await browser.close()


async def accessible(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page."""
    await page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = await page.evaluate("axe.run(document)")
    return [f"{v['id']}: {v['help']}" for v in result["violations"] if v["impact"] in ("serious", "critical")]


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def sign_in(page: Page, url: str, email: str, password: str) -> None:
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")


async def done(page: Page, button: str) -> None:
    """Submit a form by its button; the page it leads to says it was done."""
    async with page.expect_navigation():
        await page.click(button)
    assert await page.inner_text("[role=status]") == "Done."


async def test_the_console_in_a_real_browser(console: str) -> None:
    async with chromium() as browser:
        page = await browser.new_page(locale="en-GB", viewport={"width": 1280, "height": 900})
        await page.goto(f"{console}/console/")
        assert page.url.startswith(f"{console}/console/sign-in")
        assert await accessible(page) == []
        await sign_in(page, console, "maria@example.com", "not the password")
        assert "Wrong email or password" in await page.inner_text("[role=alert]")
        await shot(page, "sign-in")
        await sign_in(page, console, "maria@example.com", PASSWORD)
        await page.wait_for_url(f"{console}/console/")
        # R1 212,000 and R2 10,000 in euros; R3's yen has no rate and is left out.
        assert await page.inner_text("[data-figure=receivables]") == "€222,000.00"
        await page.wait_for_selector("#ageing-chart canvas")
        # The cash forecast's chart comes after the page: 13 weeks from tomorrow, with its band.
        await page.wait_for_selector("#cash-chart canvas")
        cash = json.loads(await page.get_attribute("#cash-chart", "data-chart") or "{}")
        assert [s["name"] for s in cash["series"]] == ["Expected", "Low (10 %)", "High (90 %)"]
        assert len(cash["xAxis"]["data"]) == 13
        await shot(page, "portfolio")
        assert await accessible(page) == []

        await page.click("nav >> text=Customers")
        await page.fill("#q", "R1")
        await page.wait_for_function("document.querySelectorAll('#list tbody tr').length === 1")
        await shot(page, "customers")
        assert await accessible(page) == []
        await page.click("#list >> text=R1")
        await page.wait_for_selector("#ageing-chart canvas")
        assert "€212,000.00" in await page.inner_text("main")
        await shot(page, "customer")
        assert await accessible(page) == []
        await page.fill("form[action$='/block'] input[name=reason]", "cheques bounced twice")
        await done(page, "form[action$='/block'] button")
        assert "Blocked" in await page.inner_text("h1")
        assert "user:Maria Rossi" in await page.inner_text("section[aria-labelledby=trail-title]")
        assert "Blocked" in await page.inner_text("section[aria-labelledby=trail-title]")
        promised = (datetime.now(UTC).date() + timedelta(days=5)).isoformat()
        await page.select_option("form[action$='/promises'] select[name=item_id]", "I-2")
        await page.fill("form[action$='/promises'] input[name=promised_date]", promised)
        await done(page, "form[action$='/promises'] button")
        assert "I-2" in await page.inner_text("section[aria-labelledby=promises-title] table")
        await page.select_option("form[action$='/disputes'] select[name=item_id]", "I-3")
        await page.select_option("form[action$='/disputes'] select[name=reason_code]", "quality")
        await done(page, "form[action$='/disputes'] button")
        assert "Quality" in await page.inner_text("section[aria-labelledby=disputes-title] table")
        await page.select_option("form[action$='/contacts'] select[name=kind]", "visit")
        await page.fill("form[action$='/contacts'] input[name=who]", "Mr Weber, CFO")
        await page.fill("form[action$='/contacts'] input[name=summary]", "Cash tight until the 20th")
        await page.fill("form[action$='/contacts'] input[name=next_action]", "Call about I-2")
        await page.fill("form[action$='/contacts'] input[name=next_action_on]", promised)
        await done(page, "form[action$='/contacts'] button")
        logged = await page.inner_text("#contact-log")
        assert "Visit" in logged and "Mr Weber, CFO" in logged and "Call about I-2" in logged
        async with page.expect_download() as waiting:
            await page.click("section[aria-labelledby=soa-title] button")
        download = await waiting.value
        assert download.suggested_filename.startswith("statement-R1-")
        content = await asyncio.to_thread(Path(await download.path()).read_bytes)
        assert content.startswith(b"%PDF")
        assert await accessible(page) == []

        await page.click("button:has-text('中文')")
        await page.wait_for_selector("text=账龄")
        assert await page.get_attribute("html", "lang") == "zh-CN"
        await page.click("nav >> text=组合概览")
        await page.wait_for_selector("#ageing-chart canvas")
        await page.wait_for_selector("#cash-chart canvas")
        assert "未结应收账款" in await page.inner_text("main")
        await shot(page, "portfolio-zh")
        assert await accessible(page) == []

        await page.click("button:has-text('退出')")
        await page.wait_for_url(re.compile(r".*/console/sign-in.*"))
        await page.goto(f"{console}/console/customers")
        assert "/console/sign-in" in page.url  # the session is gone


async def test_the_credit_group_tree_with_each_groups_limit_exposure_and_utilisation(
    console: str, api: Api
) -> None:
    for code, body in (
        ("HOLD", {"name": "Rhein Holding", "currency": "EUR"}),
        ("MACH", {"name": "Rhein Maschinen", "currency": "EUR", "parent": "HOLD"}),
    ):
        await api.ok("PUT", f"/v1/credit-groups/{code}", role=Role.CREDIT_MANAGER, json=body, status=201)
    await api.ok("PATCH", "/v1/customers/R1", role=Role.CREDIT_CONTROLLER, json={"credit_group": "MACH"})
    await api.ok("PATCH", "/v1/customers/R2", role=Role.CREDIT_CONTROLLER, json={"credit_group": "HOLD"})
    limit = {"amount": "200000", "reason": "group review"}
    await api.ok("PUT", "/v1/credit-groups/HOLD/credit-limit", role=Role.CREDIT_MANAGER, json=limit)
    # HOLD at 111 %: the day's evaluation opens its alert at warning (100 % in, 95 % out).
    run = {"as_of": datetime.now(UTC).date().isoformat()}
    assert (await api.ok("POST", "/v1/group-warning-runs", role=Role.ADMIN, json=run))["opened"] == 1
    async with chromium() as browser:
        page = await browser.new_page(locale="en-GB", viewport={"width": 1280, "height": 900})
        await page.goto(f"{console}/console/")
        await sign_in(page, console, "maria@example.com", PASSWORD)
        await page.wait_for_url(f"{console}/console/")
        await page.click("nav >> text=Credit groups")
        await page.wait_for_url(f"{console}/console/groups")
        # R1's 212,000 in MACH, under HOLD with R2's 10,000: HOLD owes 222,000 of its 200,000.
        hold = (await page.locator("tr[data-group=HOLD] > *").all_inner_texts())[:10]
        assert hold == [
            "HOLD", "Rhein Holding", "€200,000.00", "€222,000.00", "-€22,000.00", "111.0%", "warning", "—",
            "normal", "R2",
        ]  # fmt: skip
        mach = (await page.locator("tr[data-group=MACH] > *").all_inner_texts())[:10]
        assert mach == ["MACH", "Rhein Maschinen", "—", "€212,000.00", "—", "—", "—", "—", "normal", "R1"]
        assert await page.locator("tr[data-group=HOLD] .badge.level-critical").inner_text() == "111.0%"
        await shot(page, "credit-groups")
        assert await accessible(page) == []
        # A group's limit requested as a customer's: beyond Maria's 500,000, it waits for approval.
        form = "tr[data-group=HOLD] form"
        await page.fill(f"{form} input[name=amount]", "600000")
        await page.fill(f"{form} input[name=reason]", "group turnover doubled")
        await page.click(f"{form} button")
        await page.wait_for_url(re.compile(r".*/console/groups.*"))
        await page.click("nav >> text=Approvals")
        await page.wait_for_url(f"{console}/console/approvals")
        assert await page.inner_text("[data-field=credit_group]") == "Credit group HOLD"
        await page.goto(f"{console}/console/groups")
        await page.click("tr[data-group=MACH] >> text=R1")
        await page.wait_for_url(f"{console}/console/customers/R1")
        # A member's page shows its group's standing.
        assert await page.inner_text("[data-field=credit_group]") == (
            "MACH: Exposure €212,000.00, Credit limit —, Utilisation —"
        )


async def test_forms_need_their_csrf_token_and_failures_lock_an_account(console: str) -> None:
    async with httpx.AsyncClient(base_url=console) as client:
        form = await client.get("/console/sign-in")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token is not None
        forged = await client.post(
            "/console/sign-in",
            data={"email": "li.wei@example.com", "password": PASSWORD, "csrf": "forged", "next": "/console/"},
        )
        assert SESSION not in forged.cookies
        for _ in range(5):
            refused = await client.post(
                "/console/sign-in",
                data={"email": "li.wei@example.com", "password": "wrong", "csrf": token.group(1)},
            )
            assert refused.status_code == 401
        # Locked for 15 minutes: the right password is refused too, with the same words.
        locked = await client.post(
            "/console/sign-in",
            data={"email": "li.wei@example.com", "password": PASSWORD, "csrf": token.group(1)},
        )
        assert locked.status_code == 401 and SESSION not in locked.cookies
        signed = await client.post(
            "/console/sign-in",
            data={"email": "maria@example.com", "password": PASSWORD, "csrf": token.group(1)},
        )
        assert signed.status_code == 303
        cookie = signed.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        out = await client.post("/console/sign-out", data={"csrf": "forged"})
        assert out.status_code == 303 and "/console/sign-in" in out.headers["location"]
        assert (
            await client.get("/console/")
        ).status_code == 200  # still signed in: the forged form did nothing


SESSION = "credence_session"


async def test_a_limit_request_decided_a_hold_released_and_a_report_downloaded(
    console: str, api: Api
) -> None:
    held = await api.ok(
        "POST",
        "/v1/credit-checks",
        role=Role.ORDER_SYSTEM,
        json={
            "customer_code": "R2",
            "order_ref": "SO-77",
            "amount": "500.00",
            "currency": "EUR",
            "reserve": True,
        },
    )
    assert held["decision"] == "held"  # R2 has no limit
    async with chromium() as browser:
        controller = await (await browser.new_context(locale="en-GB")).new_page()
        await controller.goto(f"{console}/console/customers/R1")
        await sign_in(controller, console, "li.wei@example.com", PASSWORD)
        await controller.wait_for_url(f"{console}/console/customers/R1")
        await controller.fill("form[action$='/limit-requests'] input[name=amount]", "200000")
        await controller.fill(
            "form[action$='/limit-requests'] input[name=reason]", "turnover doubled this year"
        )
        await done(controller, "button:has-text('Submit')")
        await controller.click("nav >> text=Approvals")
        assert "Only credit managers decide limit requests." in await controller.inner_text("main")
        assert await controller.locator("button:has-text('Approve')").count() == 0
        request_id = await controller.get_attribute("tr[data-request]", "data-request")
        csrf = await controller.get_attribute("form[action='/console/sign-out'] input[name=csrf]", "value")
        forced = await controller.request.post(
            f"{console}/console/approvals/{request_id}", form={"csrf": csrf or "", "decision": "approve"}
        )
        assert "Only credit managers" in await forced.text()  # the controller cannot, even by hand
        await shot(controller, "approvals-controller")

        manager = await (await browser.new_context(locale="en-GB")).new_page()
        await manager.goto(f"{console}/console/approvals")
        await sign_in(manager, console, "maria@example.com", PASSWORD)
        await manager.wait_for_url(f"{console}/console/approvals")
        assert await accessible(manager) == []
        await shot(manager, "approvals")
        await manager.fill(f"tr[data-request='{request_id}'] input[name=note]", "payment record is good")
        await done(manager, f"tr[data-request='{request_id}'] button:has-text('Approve')")
        await manager.goto(f"{console}/console/customers/R1")
        assert "€200,000.00" in await manager.inner_text(".cards")

        await manager.click("nav >> text=Holds")
        assert "SO-77" in await manager.inner_text("main")
        assert await accessible(manager) == []
        await shot(manager, "holds")
        await manager.fill("tr[data-hold] input[name=reason]", "paid in advance by wire")
        await done(manager, "tr[data-hold] button:has-text('Release')")
        assert "No order is on hold." in await manager.inner_text("main")
        hold = await api.ok("GET", f"/v1/credit-holds/{held['hold']['id']}", role=Role.CREDIT_CONTROLLER)
        assert (hold["status"], hold["resolved_by"]) == ("released", "user:Maria Rossi")

        await manager.click("nav >> text=Reports")
        assert await accessible(manager) == []
        await shot(manager, "reports")
        async with manager.expect_download() as waiting:
            await manager.click("#r-dso ~ form button:has-text('Excel')")
        download = await waiting.value
        assert download.suggested_filename.startswith("dso-") and download.suggested_filename.endswith(
            ".xlsx"
        )
        path = await download.path()
        content = await asyncio.to_thread(Path(path).read_bytes)
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        assert sheet is not None
        assert [c.value for c in sheet[1]][:3] == ["group", "currency", "receivables"]
        assert sheet.cell(2, 3).value == 222000


async def test_an_alert_raised_by_a_kafka_event_appears_without_reload(
    api: Api, api_settings: ApiSettings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await api.ok("PUT", "/v1/customers/W1", role=Role.ERP, status=201, json={"name": "W1", "currency": "EUR"})
    async with sessions() as session, session.begin():
        await create(session, Role.CREDIT_CONTROLLER, "Li Wei", "li.wei@example.com", PASSWORD)
    changed = WarningLevelChanged(
        customer_code="W1",
        level="critical",
        previous_level="normal",
        causes=["max_days_past_due"],
        indicators=[WarningIndicator(indicator="max_days_past_due", value="95", level="critical")],
        actions=[],
        unblock=False,
        policy_version="default",
        changed_at=datetime.now(UTC),
    )
    event = new_event(source="credence/risk-worker", type_=WARNING_LEVEL_CHANGED, subject="W1", data=changed)
    settings = api_settings.model_copy(update={"consume_events": True})
    async with served(settings) as url, chromium() as browser:
        page = await browser.new_page(locale="en-GB")
        await page.goto(f"{url}/console/alerts")
        await sign_in(page, url, "li.wei@example.com", PASSWORD)
        await page.wait_for_url(f"{url}/console/alerts")
        assert await page.locator("#alerts tbody tr").count() == 0
        await page.wait_for_timeout(500)  # the stream is open
        await publish(settings.risk_events_topic, [event.model_dump_json().encode()], key=b"W1")
        row = page.locator("#alerts tbody tr")
        await row.first.wait_for(timeout=20000)  # no reload: the server pushed it
        pushed = await row.first.inner_text()
        # Words, not codes: the level and the cause with its unit, as on the page drawn by the server.
        assert "W1" in pushed and "critical" in pushed and "max_days_past_due" not in pushed
        assert "Days past due (oldest open invoice): 95 days" in pushed
        await shot(page, "alerts")
        assert await accessible(page) == []


async def test_the_console_ships_under_500_kb_compressed_from_its_own_origin(api: Api) -> None:
    page = await api.client.get("/console/sign-in")
    assets = re.findall(r'(?:src|href)="(/console/assets/[^"]+)"', page.text)
    assert {a.rsplit("/", 1)[1] for a in assets} == {
        "console.css",
        "htmx.min.js",
        "echarts.min.js",
        "console.js",
    }
    total = 0
    for asset in assets:
        answer = await api.client.get(asset, headers={"Accept-Encoding": "gzip"})
        assert answer.status_code == 200 and answer.headers["content-encoding"] == "gzip"
        total += int(answer.headers["content-length"])
    assert total <= 500 * 1024, f"{total:,} bytes"
    assert "https://" not in page.text  # nothing from another origin
    missing = await api.client.get("/console/assets/../../pyproject.toml")
    assert missing.status_code == 404


async def test_a_payment_without_allocations_confirmed_reversed_and_rejected_in_the_queue(
    console: str, api: Api, worker_settings: WorkerSettings
) -> None:
    def paid(payment_id: str, amount: str, remittance: str) -> dict[str, Any]:
        today = datetime.now(UTC).date().isoformat()
        return payment_event(
            "R1", payment_id, amount, today, remittance_text=remittance, payer_name="R1 Maschinenbau AG"
        )

    staff = Role.CREDIT_CONTROLLER

    async def status(payment_id: str, wanted: str) -> bool:
        response = await api.request("GET", f"/v1/cash-application/{payment_id}", role=staff)
        return response.status_code == 200 and response.json()["status"] == wanted

    async with running(serve_worker, worker_settings):
        # 10.00 short of I-2 without a reference: bank charges, likely but for a person to say.
        await publish(
            worker_settings.ar_events_topic,
            [
                paid("P-9", "79990.00", "SUPPLIER PAYMENT"),
                paid("P-10", "5.00", "TRANSFER"),
                paid("P-11", "7.00", "REFUND?"),
            ],
        )
        for payment_id in ("P-9", "P-10", "P-11"):
            await eventually(partial(status, payment_id, "pending"), within=30)
        async with chromium() as browser:
            page = await browser.new_page(locale="en-GB")
            await page.goto(f"{console}/console/cash-application")
            await sign_in(page, console, "li.wei@example.com", PASSWORD)
            await page.wait_for_url(f"{console}/console/cash-application")
            row = "tr[data-payment='P-9']"
            shown = await page.inner_text(row)
            assert "SUPPLIER PAYMENT" in shown and "I-2: €79,990.00 + €10.00 bank charges" in shown
            assert "80%" in shown and "less 10.00 EUR: bank charges within the policy" in shown
            # Nothing fits P-10: the person picks what it pays.
            assert "Nothing proposed: pick the invoices it pays." in await page.inner_text(
                "tr[data-payment='P-10']"
            )
            assert await accessible(page) == []
            await shot(page, "cash-application")
            await page.fill(f"{row} input[name=note]", "AP confirmed: bank took 10")
            await done(page, f"{row} button:has-text('Confirm')")
            await eventually(lambda: status("P-9", "applied"), within=30)
            await page.reload()
            assert "user:Li Wei" in await page.inner_text(f"{row}")
            exposure = await api.ok("GET", "/v1/customers/R1/exposure", role=staff)
            assert exposure["open_receivables"] == "132000.00"  # I-2 settled: 212,000 - 80,000
            await done(page, f"{row} button:has-text('Reverse')")
            await eventually(lambda: status("P-9", "reversed"), within=30)
            await page.check("tr[data-payment='P-10'] input[name=pick][value='I-3']")
            await done(page, "tr[data-payment='P-10'] button:has-text('Confirm')")
            await eventually(lambda: status("P-10", "applied"), within=30)
            picked = await api.ok("GET", "/v1/cash-application/P-10", role=staff)
            assert [(line["invoice_id"], line["amount"]) for line in picked["lines"]] == [("I-3", "5.00")]
            await done(page, "tr[data-payment='P-11'] button:has-text('Reject')")
            assert "No payment waits to be matched." in await page.inner_text("main")
    exposure = await api.ok("GET", "/v1/customers/R1/exposure", role=staff)
    assert exposure["open_receivables"] == "211995.00"  # I-2 open again; 5.00 of I-3 paid


async def test_a_call_from_the_worklist_completed_with_a_promise(console: str, api: Api) -> None:
    await api.ok("POST", "/v1/dunning-runs", json={"as_of": "2026-10-31"})
    tasks = await api.ok("GET", "/v1/worklist", role=Role.CREDIT_CONTROLLER)
    # R1 reached its final notice on the first run, and has no address for it: a task to call.
    call = next(w for w in tasks if (w["customer_code"], w["kind"]) == ("R1", "no_address"))
    promised = (datetime.now(UTC).date() + timedelta(days=3)).isoformat()
    async with chromium() as browser:
        page = await browser.new_page(locale="en-GB")
        await page.goto(f"{console}/console/worklist")
        await sign_in(page, console, "li.wei@example.com", PASSWORD)
        await page.wait_for_url(f"{console}/console/worklist")
        assert await accessible(page) == []
        await shot(page, "worklist")
        row = f"tr[data-task='{call['task_id']}']"
        await page.select_option(f"{row} select[name=outcome]", "promise_made")
        await page.fill(f"{row} input[name=promised_date]", promised)
        await page.fill(f"{row} input[name=note]", "Mr Weber pays on Friday")
        await done(page, f"{row} button:has-text('Complete')")
        assert await page.locator(row).count() == 0
    [promise] = await api.ok("GET", "/v1/customers/R1/promises", role=Role.CREDIT_CONTROLLER)
    assert (promise["promised_date"], promise["status"], promise["created_by"]) == (
        promised,
        "open",
        "user:Li Wei",
    )


async def test_a_customer_page_with_limits_exposure_dunning_and_a_review(
    console: str, api: Api, sessions: async_sessionmaker[AsyncSession]
) -> None:
    today = datetime.now(UTC).date()
    await api.ok(
        "PUT", "/v1/customers/R1/credit-limit", json={"amount": "300000.00", "reason": "annual review"}
    )
    temporary = {
        "amount": "20000.00",
        "valid_from": today.isoformat(),
        "valid_until": (today + timedelta(days=10)).isoformat(),
        "reason": "peak season",
    }
    await api.ok("POST", "/v1/customers/R1/temporary-limits", status=201, json=temporary)
    await api.ok("POST", "/v1/dunning-runs", json={"as_of": "2026-10-31"})
    async with sessions() as session, session.begin():
        # Two earlier assessments of R1, as the risk worker records them.
        for as_of, index in (("2026-08-31", 78), ("2026-09-30", 64)):
            explanation = json.dumps({"as_of": as_of, "payment_behaviour": {"payment_index": index}})
            await session.execute(
                text(
                    "INSERT INTO risk_worker.assessment_history (customer_code, score, grade, "
                    "scorecard_version, trigger, explanation, assessed_at) "
                    "VALUES ('R1', 60, 'C', 'default', 'events', CAST(:e AS jsonb), now())"
                ),
                {"e": explanation},
            )
    async with chromium() as browser:
        page = await browser.new_page(locale="en-GB", viewport={"width": 1280, "height": 900})
        await page.goto(f"{console}/console/customers/R1")
        await sign_in(page, console, "li.wei@example.com", PASSWORD)
        await page.wait_for_url(f"{console}/console/customers/R1")
        await page.wait_for_selector("#trend-chart canvas")
        # 300,000 permanent + 20,000 in force today; every invoice of R1 is overdue by now.
        assert await page.inner_text("[data-figure=limit]") == "€320,000.00"
        assert await page.inner_text("[data-part=open_receivables]") == "€212,000.00"
        assert await page.inner_text("[data-part=overdue_receivables]") == "€212,000.00"
        limits = await page.inner_text("section[aria-labelledby=limits-title]")
        assert "annual review" in limits and "peak season" in limits and "in force" in limits
        trend = json.loads(await page.get_attribute("#trend-chart", "data-chart") or "{}")
        assert trend["series"][0]["data"] == [78, 64]
        # The run of 31 October reached I-1 (45 days late then): its step is on its row.
        step = await page.inner_text("tr[data-item=I-1] td:nth-child(4)")
        assert step
        assert step in await page.inner_text("section[aria-labelledby=dunning-title]")
        await shot(page, "customer-full")
        assert await accessible(page) == []

        await page.click("summary:has-text('Edit the credit file')")
        await page.fill("input[name=credit_controller_email]", "li.wei@example.com")
        await page.fill("input[name=industry]", "machine tools")
        await done(page, "form[action$='/file'] button")
        assert "machine tools" in await page.inner_text("dl.file")

        await page.select_option("form[action$='/reviews'] select[name=decision]", "confirmed")
        await page.fill("form[action$='/reviews'] input[name=note]", "paying again since October")
        await done(page, "form[action$='/reviews'] button")
        trail = await page.inner_text("section[aria-labelledby=trail-title]")
        assert "Credit review recorded" in trail and "Credit file updated" in trail and "user:Li Wei" in trail

        async with sessions() as session, session.begin():
            await session.execute(
                text(
                    "INSERT INTO risk_worker.warning_levels (customer_code, level, holds_orders, "
                    "causes, indicators, policy_version, since, evaluated_at) VALUES ('R2', 3, false, "
                    "'[]', '{}', 'default', now(), now()) "
                    "ON CONFLICT (customer_code) DO UPDATE SET level = 3"
                )
            )
        codes = "#list tbody tr td:first-child"
        await page.goto(f"{console}/console/customers?sort=utilisation")
        # Only R1 has a limit (212,000 of 320,000); the others follow by code.
        assert await page.locator(codes).all_inner_texts() == ["R1", "R2", "R3"]
        assert "66.2%" in await page.inner_text("#list tbody tr:first-child")  # 66.25 to even
        await page.goto(f"{console}/console/customers?level=critical")
        assert await page.locator(codes).all_inner_texts() == ["R2"]
    [review] = (await api.ok("GET", "/v1/audit?action=customer.reviewed", role=Role.CREDIT_CONTROLLER))[
        "items"
    ]
    assert (review["actor"], review["after"]["decision"]) == ("user:Li Wei", "confirmed")
    file = await api.ok("GET", "/v1/customers/R1", role=Role.CREDIT_CONTROLLER)
    assert (file["industry"], file["review_date"]) == ("machine tools", review["after"]["review_date"])
    assert date.fromisoformat(file["review_date"]) > today


async def test_operations_for_an_admin_with_policy_errors_shown_inline(
    console: str, sessions: async_sessionmaker[AsyncSession], worker_settings: WorkerSettings
) -> None:
    replayed = invoice_event("R2", "I-77", "500.00")
    async with sessions() as session, session.begin():
        await create(session, Role.ADMIN, "Ada Admin", "ada@example.com", PASSWORD)
    broken = "currency: EUR\nsteps:\n  default:\n    - {name: late, offset_days: 3, effect: formal_notice}\n"
    fine = "currency: EUR\nsteps:\n  default:\n    - {name: ring, offset_days: 2, effect: phone_task}\n"
    async with chromium() as browser:
        controller = await browser.new_page(locale="en-GB")
        await controller.goto(f"{console}/console/operations")
        await sign_in(controller, console, "li.wei@example.com", PASSWORD)
        await controller.wait_for_url(re.compile(r".*/console/\?message=.*"))
        assert "Operations are for administrators." in await controller.inner_text("[role=alert]")
        assert await controller.locator("nav >> text=Operations").count() == 0

        page = await browser.new_page(locale="en-GB")
        await page.goto(f"{console}/console/operations")
        await sign_in(page, console, "ada@example.com", PASSWORD)
        await page.wait_for_url(f"{console}/console/operations")
        form = "form[action$='/policies/dunning']"
        await page.fill(f"{form} input[name=version]", "no-channels")
        await page.fill(f"{form} textarea", broken)
        async with page.expect_navigation():
            await page.click(f"{form} button")
        assert "#/steps/default/0/channels" in await page.inner_text(f"{form} [role=alert]")
        assert await page.input_value(f"{form} textarea") == broken  # kept for correcting
        await shot(page, "operations")
        assert await accessible(page) == []
        await page.fill(f"{form} input[name=version]", "calls-only")
        await page.fill(f"{form} textarea", fine)
        await done(page, f"{form} button")
        assert "calls-only" in await page.inner_text(form)
        await page.click(f"{form} summary")
        assert "name: ring" in await page.inner_text(f"{form} pre")  # the active document, readable
        assert "maria@example.com" in await page.inner_text("section[aria-labelledby=users-title]")

        users = "form[action$='/operations/users']"
        await page.fill(f"{users} input[name=name]", "Chen Jing")
        await page.fill(f"{users} input[name=email]", "chen.jing@example.com")
        await page.select_option(f"{users} select[name=role]", "credit_controller")
        await page.fill(f"{users} input[name=password]", PASSWORD)
        await done(page, f"{users} button")
        assert "chen.jing@example.com" in await page.inner_text("section[aria-labelledby=users-title]")

        keys = "form[action$='/operations/api-keys']"
        await page.fill(f"{keys} input[name=name]", "erp-nightly")
        await page.select_option(f"{keys} select[name=role]", "erp")
        async with page.expect_navigation():
            await page.click(f"{keys} button")
        key = await page.inner_text("#new-key")
        async with httpx.AsyncClient(base_url=console) as client:
            bearer = {"Authorization": f"Bearer {key}"}
            assert (await client.get("/v1/customers", headers=bearer)).status_code == 200
            await page.goto(f"{console}/console/operations")
            assert await page.locator("#new-key").count() == 0  # shown once only
            await done(page, "tr[data-key=erp-nightly] button:has-text('Revoke')")
            assert (await client.get("/v1/customers", headers=bearer)).status_code == 401

        # A dead letter whose cause is fixed now goes back to its topic from here, once.
        async with sessions() as session, session.begin():
            letter = (
                await session.execute(
                    text(
                        'INSERT INTO risk_worker.dead_letters (consumer, topic, partition, "offset", '
                        "key, payload, reason) VALUES ('risk-worker', :topic, 0, 99, 'R2', :payload, "
                        "'unknown customer R9') RETURNING id"
                    ),
                    {"topic": worker_settings.ar_events_topic, "payload": json.dumps(replayed)},
                )
            ).scalar_one()
        await page.goto(f"{console}/console/operations")
        await page.check(f"tr[data-letter='{letter}'] input[type=checkbox]")
        await done(page, "form[action$='/dead-letters/replay'] button")
        assert await page.locator(f"tr[data-letter='{letter}']").count() == 0
        assert await accessible(page) == []
    # The ledger fixture published six events; the seventh is the replayed one.
    sent = await drain(worker_settings.ar_events_topic, 7)
    assert [json.loads(value)["id"] for value, _ in sent[6:]] == [replayed["id"]]


SNAKE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")
CJK = re.compile(r"[\u4e00-\u9fff]")
# An amount as the database holds it (400000.00): not as anyone writes money.
BARE_AMOUNT = re.compile(r"(?<![\d,.])\d{4,}\.\d{2}\b")
LATIN = re.compile(r"\b[A-Za-z][a-z]{2,}\b")
# On a Chinese page, the Latin words that are names, not English left untranslated: the product,
# the link to English, file formats, the data's own names (people, industries, sources, versions).
NOT_ENGLISH = {
    "Credence", "English", "Excel", "Altman", "Maria", "Rossi", "Wei", "key", "test", "erp",
    "example", "com", "maria", "wei", "machinery", "retail", "annual", "report", "default",
}  # fmt: skip
PAGES = ["/console/", "/console/customers", "/console/customers/R1", "/console/worklist", "/console/alerts",
         "/console/holds", "/console/approvals", "/console/reports", "/console/groups",
         "/console/cash-application"]  # fmt: skip
REPORT_VIEWS = [
    "/console/reports/dso/view?group_by=grade",
    "/console/reports/dso/view?group_by=credit_group",
    "/console/reports/turnover/view?group_by=industry",
    "/console/reports/provisions/view",
    "/console/reports/abc/view",
    "/console/reports/insurance/view?group_by=customer",
    "/console/reports/top-risks/view",
]


async def every_code(sessions: async_sessionmaker[AsyncSession]) -> None:
    """A task of every kind, an order held for every reason, an alert of every indicator and a
    customer at critical, as the commands leave them in the database: every code a page can show."""
    now = datetime.now(UTC)
    line = [{"item_id": "I-2", "open_amount": "80000.00", "currency": "EUR"}]
    async with sessions() as session, session.begin():
        session.add_all(
            CollectionTask(customer_code="R2", kind=kind, step="call", as_of=now.date(), items=line)
            for kind in get_args(TaskKind)
            if kind != "critical_customer"
        )
        reasons = [{"code": str(code), "message": "", "details": {}} for code in ReasonCode]
        session.add(
            CreditHold(
                check_id=uuid.uuid4(), customer_code="R2", order_ref="SO-ALL", amount=Decimal(1),
                currency="EUR", order_amount=Decimal(1), order_currency="EUR", reasons=reasons,
                status="open",
            )
        )  # fmt: skip
        causes = [{"indicator": i, "value": "1", "level": "critical"} for i in INDICATORS]
        session.add(
            WarningAlert(
                customer_code="R2", level="critical", status="open", causes=causes, opened_at=now,
                updated_at=now,
            )
        )  # fmt: skip
        await session.execute(
            text(
                "INSERT INTO risk_worker.warning_levels (customer_code, level, holds_orders, causes, "
                "indicators, policy_version, since, evaluated_at) VALUES ('R2', 3, false, "
                """'["max_days_past_due", "overdue_share"]', '{}', 'default', now(), now()) """
                "ON CONFLICT (customer_code) DO UPDATE SET level = 3, causes = excluded.causes"
            )
        )


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
async def test_every_page_reads_as_words_and_every_report_is_on_screen(
    console: str,
    api: Api,
    worker_settings: WorkerSettings,
    sessions: async_sessionmaker[AsyncSession],
    locale: str,
) -> None:
    await every_code(sessions)
    # A dunning run gives the worklist its tasks and the customers their steps, in words to check;
    # two statements filed give R1 an assessment with Altman, ratios and their change.
    await api.ok("POST", "/v1/dunning-runs", json={"as_of": date.today().isoformat()})
    work = await api.ok("GET", "/v1/worklist", role=Role.CREDIT_CONTROLLER)
    assert work and any(w["step"] for w in work)
    # An order held for its reason (R1 has no limit), shown on the holds page in words.
    order = {
        "customer_code": "R1",
        "order_ref": "SO-1",
        "amount": "500.00",
        "currency": "EUR",
        "reserve": True,
    }
    held = await api.ok("POST", "/v1/credit-checks", role=Role.ORDER_SYSTEM, json=order)
    assert held["decision"] == "held" and held["reasons"][0]["code"] == "no_valid_limit"
    earlier = {**EXAMPLE, "current_assets": "400000.00", "total_assets": "900000.00", "equity": "300000.00"}
    for period_end, statement in (("2024-12-31", earlier), ("2025-12-31", EXAMPLE)):
        path = f"/v1/customers/R1/financial-statements/{period_end}"
        await api.ok("PUT", path, role=Role.ERP, status=202, json=statement)
    async with running(serve_worker, worker_settings):

        async def assessed() -> bool:
            got = await api.request("GET", "/v1/customers/R1/assessment", role=Role.CREDIT_CONTROLLER)
            return got.status_code == 200 and bool(got.json()["ratios"].get("current", {}).get("change"))

        await eventually(assessed, within=30)
    async with chromium() as browser:
        page = await browser.new_page(locale=locale, viewport={"width": 1280, "height": 900})
        await page.goto(f"{console}/console/")
        await sign_in(page, console, "maria@example.com", PASSWORD)
        await page.wait_for_url(f"{console}/console/")
        for path in PAGES + REPORT_VIEWS:
            await page.goto(f"{console}{path}")
            shown = await page.inner_text("body")
            assert "object at 0x" not in shown and "<built-in" not in shown, path
            assert not SNAKE.findall(shown), (path, SNAKE.findall(shown)[:5])
            assert not BARE_AMOUNT.findall(shown), (path, BARE_AMOUNT.findall(shown)[:5])
            if locale == "zh-CN":
                headers = await page.locator("main th").all_inner_texts()
                untranslated = [h for h in headers if h and not CJK.search(h) and h not in {"DSO", "#"}]
                assert not untranslated, (path, untranslated)
                english = set(LATIN.findall(shown)) - NOT_ENGLISH
                assert not english, (path, sorted(english))
        language = "zh-CN" if locale == "zh-CN" else "en"
        await page.goto(f"{console}/console/holds")
        holds = await page.inner_text("#main, main")
        assert all(word("reason", str(code), language) in holds for code in ReasonCode)
        await page.goto(f"{console}/console/worklist")
        tasks = await page.inner_text("main")
        assert all(word("task", kind, language) in tasks for kind in get_args(TaskKind))
        await page.goto(f"{console}/console/alerts")
        alerts = await page.inner_text("main")
        assert all(word("indicator", indicator, language) in alerts for indicator in INDICATORS)
        for path in REPORT_VIEWS:
            await page.goto(f"{console}{path}")
            assert await page.locator("#report-table tbody tr").count() > 0, path
            await page.wait_for_selector("#report-chart canvas")
            assert await accessible(page) == [], path
        await page.goto(f"{console}/console/reports/provisions/view?group_by=customer")
        await page.wait_for_selector("#ageing-chart canvas")
        ageing = json.loads(await page.get_attribute("#ageing-chart", "data-chart") or "{}")
        assert {s["stack"] for s in ageing["series"]} == {"ageing"} and len(ageing["series"]) >= 2
        # The provision matrix: money as the language writes it, rates as percentages.
        table = await page.inner_text("#report-table")
        assert "€" in table and "%" in table
        await shot(page, f"report-provisions-{locale}")
        await page.goto(f"{console}/console/reports/dso/view?group_by=grade")
        await page.wait_for_selector("#trend-chart canvas")
        trend = json.loads(await page.get_attribute("#trend-chart", "data-chart") or "{}")
        assert len(trend["xAxis"]["data"]) == 12 and any(v is not None for v in trend["series"][0]["data"])
        await shot(page, f"report-dso-{locale}")

        # What a credit manager decides on: the recommendation, Altman, ratios, behaviour, statements.
        await page.goto(f"{console}/console/customers/R1")
        recommendation = await page.inner_text("#recommendation")
        altman = await page.inner_text("#altman")
        ratios = await page.inner_text("#ratios")
        if locale == "zh-CN":
            assert "建议额度" in recommendation and "€" in recommendation
            assert "Z'" in altman and "安全区" in altman
            assert "流动比率" in ratios and "+0.4" in ratios
        else:
            assert "Recommended limit" in recommendation and "€" in recommendation
            assert "Z'" in altman and "safe" in altman
            assert "Current ratio" in ratios and "+0.4" in ratios
        assert await page.locator("#statements tbody tr").count() == 2
        await page.wait_for_selector("#ratio-chart canvas")
        assert await accessible(page) == []
        await shot(page, f"customer-assessment-{locale}")
