"""The console in Debian's real Chromium (Playwright drives it): sign in (and be refused, and be
locked out), the portfolio's figures and charts, finding a customer and reading its ageing chart,
switching to Chinese, and no serious or critical accessibility violation (axe-core) on any page.
Screenshots of every page go to .devstack/screenshots/."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, async_playwright
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.credit_api.settings import ApiSettings
from services.credit_api.users.service import create
from services.devstack.settings import PROJECT_ROOT
from services.risk_worker.settings import WorkerSettings
from shared.roles import Role
from tests.integration.conftest import Api
from tests.integration.helpers import served
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


async def test_the_console_in_a_real_browser(console: str) -> None:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = await browser.new_page(locale="en-GB", viewport={"width": 1280, "height": 900})
        try:
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

            await page.click("button:has-text('中文')")
            await page.wait_for_selector("text=账龄")
            assert await page.get_attribute("html", "lang") == "zh-CN"
            await page.click("nav >> text=组合概览")
            await page.wait_for_selector("#ageing-chart canvas")
            assert "未结应收账款" in await page.inner_text("main")
            await shot(page, "portfolio-zh")
            assert await accessible(page) == []

            await page.click("button:has-text('退出')")
            await page.wait_for_url(re.compile(r".*/console/sign-in.*"))
            await page.goto(f"{console}/console/customers")
            assert "/console/sign-in" in page.url  # the session is gone
        finally:
            await browser.close()


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
