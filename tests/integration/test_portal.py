"""The customer portal over HTTP: a signed link opens one customer's account and nothing else; a
tampered, expired or revoked link is a 403 page that says what to do; promises and disputes go
through the API's own rules and are refused as form errors (or 413 for an oversized document) with
nothing written; every portal action lands in the contact log; one link is rated on its own."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.credit_api.access.portal_links.service import token
from services.credit_api.kernel.settings import ApiSettings
from shared.models.credit_api import Contact, Dispute, DisputeAttachment, PortalLink, Promise, StatementSend
from shared.roles import Role
from tests.integration.conftest import PORTAL_SECRET, Api, api_client
from tests.integration.helpers import served
from tests.integration.ledger import invoice
from tests.integration.test_console import accessible, chromium, shot

TODAY = datetime.now(UTC).date()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64


async def customers(api: Api, sessions: async_sessionmaker[AsyncSession]) -> None:
    """P-A (Chinese) owes A-1, overdue, and A-2; P-B owes B-1, which it disputed with a photo, and
    was sent a statement."""
    for code, language in (("P-A", "zh-CN"), ("P-B", "en")):
        body = {"name": f"Portal {code}", "currency": "EUR", "language": language}
        await api.ok("PUT", f"/v1/customers/{code}", role=Role.ERP, status=201, json=body)
    await invoice(sessions, "P-A", "A-1", "1000.00", due=TODAY - timedelta(days=20))
    await invoice(sessions, "P-A", "A-2", "500.00", due=TODAY + timedelta(days=10))
    await invoice(sessions, "P-B", "B-1", "700.00", due=TODAY + timedelta(days=5))
    async with sessions() as session, session.begin():
        session.add(
            StatementSend(
                customer_code="P-B",
                period_from=date(2026, 1, 1),
                period_to=date(2026, 1, 31),
                reason="monthly",
                as_of=date(2026, 2, 1),
                policy_version="test",
                language="en",
                journal_line=0,
                closing=[],
                pdf=PDF,
            )
        )


async def link(api: Api, code: str, **body: Any) -> str:
    """The path of a new link for the customer, as a person gives it."""
    given = await api.ok(
        "POST", f"/v1/customers/{code}/portal-links", role=Role.CREDIT_CONTROLLER, status=201, json=body
    )
    assert given["url"].startswith("http://127.0.0.1:8000/portal/")
    return str(httpx.URL(given["url"]).path.rstrip("/"))


async def count(sessions: async_sessionmaker[AsyncSession], model: Any, code: str) -> int:
    async with sessions() as session:
        found = await session.scalar(
            select(func.count()).select_from(model).where(model.customer_code == code)
        )
        return int(found or 0)


async def test_a_link_opens_its_customers_account_and_nothing_else(
    api: Api, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await customers(api, sessions)
    a, b = await link(api, "P-A"), await link(api, "P-B")
    browser = api.browser()

    # B disputes its invoice with a photo, through its own link.
    sent = await browser.post(
        f"{b}/disputes",
        data={"item_id": "B-1", "reason_code": "quality", "note": "broken on arrival"},
        files={"document": ("photo.png", PNG, "image/png")},
    )
    assert sent.status_code == 303 and sent.headers["location"].endswith("/?done=dispute")
    async with sessions() as session:
        theirs = (await session.execute(select(Dispute).where(Dispute.customer_code == "P-B"))).scalar_one()
        attached = (
            await session.execute(select(DisputeAttachment).where(DisputeAttachment.dispute_id == theirs.id))
        ).scalar_one()
    assert (attached.filename, attached.content_type, attached.data) == ("photo.png", "image/png", PNG)
    page = await browser.get(f"{b}/disputes/{theirs.id}")
    assert "photo.png" in page.text
    assert (await browser.get(f"{b}/attachments/{attached.id}")).content == PNG
    assert (await browser.get(f"{b}/statements/2026-01-01/2026-01-31")).content == PDF

    # A's account, in A's language, with what it owes and the interest accrued.
    home = await browser.get(f"{a}/")
    assert home.status_code == 200
    assert "应付款项" in home.text and "A-1" in home.text and "A-2" in home.text
    assert "B-1" not in home.text and "photo.png" not in home.text
    # Everything of B's, through A's link: not found, every time.
    for path in (
        "/items/B-1",
        f"/disputes/{theirs.id}",
        f"/attachments/{attached.id}",
        "/statements/2026-01-01/2026-01-31",
        f"/disputes/{uuid.uuid4()}",
        "/disputes/not-an-id",
    ):
        found = await browser.get(a + path)
        assert found.status_code == 404, path
        assert "贵司账户中没有此项内容" in found.text
    assert (await browser.get(f"{a}/items/A-1")).status_code == 200

    # B's invoice cannot be promised or disputed through A's link, and nothing is written.
    later = (TODAY + timedelta(days=3)).isoformat()
    promised = await browser.post(f"{a}/promises", data={"item_id": "B-1", "promised_date": later})
    assert promised.status_code == 422 and "该发票没有未结金额" in promised.text
    disputed = await browser.post(f"{a}/disputes", data={"item_id": "B-1", "reason_code": "price"})
    assert disputed.status_code == 422
    assert await count(sessions, Promise, "P-B") == 0
    assert await count(sessions, Dispute, "P-B") == 1


async def test_forms_refuse_what_the_rules_refuse_and_write_nothing(
    api: Api, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await customers(api, sessions)
    a = await link(api, "P-A")
    browser = api.browser()
    english = await browser.get(f"{a}/?lang=en")
    assert "What you owe" in english.text
    assert "credence_portal_language=en" in english.headers["set-cookie"]

    past = await browser.post(
        f"{a}/promises", data={"item_id": "A-1", "promised_date": (TODAY - timedelta(days=1)).isoformat()}
    )
    assert past.status_code == 422
    assert "the date is in the past" in past.text
    assert re.search(r'<option value="A-1"\s+selected>', past.text)  # the form as it was filled
    wrong_type = await browser.post(
        f"{a}/disputes",
        data={"item_id": "A-2", "reason_code": "price"},
        files={"document": ("invoice.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")},
    )
    assert wrong_type.status_code == 422 and "PDF, PNG or JPEG" in wrong_type.text
    too_large = await browser.post(
        f"{a}/disputes",
        data={"item_id": "A-2", "reason_code": "price"},
        files={"document": ("scan.pdf", b"%PDF-" + b"0" * 1_600_000, "application/pdf")},
    )
    assert too_large.status_code == 413 and "more than 1.5 MB" in too_large.text
    assert await count(sessions, Promise, "P-A") == 0
    assert await count(sessions, Dispute, "P-A") == 0
    assert await count(sessions, Contact, "P-A") == 0

    # Done: the same rules and events as the API's, the customer named as who acted, and the
    # contact log shows it.
    day = (TODAY + timedelta(days=7)).isoformat()
    made = await browser.post(
        f"{a}/promises", data={"item_id": "A-1", "promised_date": day, "note": "by wire"}
    )
    assert made.status_code == 303
    assert "your promise to pay is recorded" in (await browser.get(made.headers["location"])).text
    listed = await api.ok("GET", "/v1/customers/P-A/promises", role=Role.CREDIT_CONTROLLER)
    assert [(p["item_ids"], p["amount"], p["channel"], p["created_by"]) for p in listed] == [
        (["A-1"], "1000.00", "portal", "portal:P-A")
    ]
    pdf = await browser.get(f"{a}/statement", params={"from": "2026-01-01", "to": TODAY.isoformat()})
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    logged = await api.ok("GET", "/v1/customers/P-A/contacts", role=Role.CREDIT_CONTROLLER)
    assert {c["kind"] for c in logged} == {"portal"}
    assert [c["summary"] for c in reversed(logged)] == [
        f"Promised to pay A-1 (EUR 1000.00) on {day}: by wire",
        f"Downloaded the statement of 2026-01-01 to {TODAY.isoformat()}",
    ]
    audited = await api.ok("GET", "/v1/audit", params={"actor": "portal:P-A"})
    assert sorted(e["action"] for e in audited["items"]) == [
        "contact.recorded",
        "contact.recorded",
        "promise.made",
    ]


async def test_a_tampered_expired_or_revoked_link_is_refused_with_what_to_do(
    api: Api, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await customers(api, sessions)
    browser = api.browser()
    good = await link(api, "P-A", days=30)
    last = good[-1]
    tampered = await browser.get(good[:-1] + ("A" if last != "A" else "B") + "/")
    assert tampered.status_code == 403 and "incomplete or was changed" in tampered.text
    assert (await browser.get("/portal/not-a-token/")).status_code == 403

    # Thirty days on: the link has expired.
    link_id = uuid.UUID(hex=good.split("/")[-1].split(".")[0])
    ended = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    async with sessions() as session, session.begin():
        await session.execute(update(PortalLink).where(PortalLink.id == link_id).values(expires_at=ended))
    expired = await browser.get(f"/portal/{token(link_id, ended, PORTAL_SECRET)}/")
    assert expired.status_code == 403 and "This link has expired" in expired.text

    fresh = await link(api, "P-A")
    assert (await browser.get(f"{fresh}/")).status_code == 200
    fresh_id = fresh.split("/")[-1].split(".")[0]
    revoked = await api.ok(
        "DELETE", f"/v1/portal-links/{uuid.UUID(hex=fresh_id)}", role=Role.CREDIT_CONTROLLER
    )
    assert revoked["revoked_by"] == "key:test-credit_controller"
    gone = await browser.get(f"{fresh}/")
    assert gone.status_code == 403 and "withdrawn" in gone.text
    trail = await api.ok("GET", "/v1/audit", role=Role.ADMIN, params={"entity_id": "P-A"})
    assert {"portal_link.given", "portal_link.revoked"} <= {e["action"] for e in trail["items"]}


async def test_one_link_is_slowed_alone_and_no_secret_means_no_links(
    api_settings: ApiSettings, keys: dict[Role, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    slow = api_settings.model_copy(update={"portal_requests_per_minute": 1})
    async with api_client(slow, keys) as api:
        await customers(api, sessions)
        first, second = await link(api, "P-A"), await link(api, "P-A")
        browser = api.browser()
        answers = [(await browser.get(f"{first}/")).status_code for _ in range(31)]
        assert answers[:30] == [200] * 30
        refused = await browser.get(f"{first}/")
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert (await browser.get(f"{second}/")).status_code == 200
    off = api_settings.model_copy(update={"portal_secret": None})
    async with api_client(off, keys) as api:
        refused_link = await api.request(
            "POST", "/v1/customers/P-A/portal-links", role=Role.CREDIT_CONTROLLER, json={}
        )
        assert refused_link.status_code == 409
        assert refused_link.json()["type"] == "urn:credence:problem:portal-off"


async def test_the_portal_in_a_real_browser(
    api: Api, api_settings: ApiSettings, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    """Open by link, switch language, promise, dispute with a document, download a statement,
    then an expired link; axe-core finds nothing serious or critical on any page."""
    await customers(api, sessions)
    path = await link(api, "P-A")
    scan = tmp_path / "delivery-note.pdf"
    scan.write_bytes(PDF)
    async with served(api_settings) as url, chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1200, "height": 900})
        await page.goto(f"{url}{path}/")
        assert "应付款项" in await page.inner_text("main")
        assert await accessible(page) == []
        await shot(page, "portal-zh")
        await page.click("header a")  # the other language
        assert "What you owe" in await page.inner_text("main")
        assert "€1,000.00" in await page.inner_text("main")
        assert await accessible(page) == []

        day = (TODAY + timedelta(days=5)).isoformat()
        await page.select_option("form[action$='/promises'] select[name=item_id]", "A-1")
        await page.fill("form[action$='/promises'] input[name=promised_date]", day)
        async with page.expect_navigation():
            await page.click("form[action$='/promises'] button")
        assert "your promise to pay is recorded" in await page.inner_text("[role=status]")

        await page.select_option("form[action$='/disputes'] select[name=item_id]", "A-2")
        await page.select_option("form[action$='/disputes'] select[name=reason_code]", "quantity")
        await page.fill("form[action$='/disputes'] textarea[name=note]", "2 of 10 pallets missing")
        await page.set_input_files("form[action$='/disputes'] input[type=file]", str(scan))
        async with page.expect_navigation():
            await page.click("form[action$='/disputes'] button")
        assert "Your dispute is recorded" in await page.inner_text("[role=status]")
        await shot(page, "portal")
        assert await accessible(page) == []

        async with page.expect_download() as downloading:
            await page.click("form[action$='/statement'] button")
        statement = await (await downloading.value).path()
        assert statement.read_bytes().startswith(b"%PDF")

        await page.click("text=A-1")
        assert "Interest accrued" in await page.inner_text("main")
        assert await accessible(page) == []
        await page.go_back()
        await page.click("section[aria-labelledby=disputes-title] >> text=A-2")
        assert "delivery-note.pdf" in await page.inner_text("main")
        assert await accessible(page) == []

        await page.goto(f"{url}{path}/items/B-1")
        assert "Not found" in await page.inner_text("h1")
        assert await accessible(page) == []
        # The link, thirty days on.
        link_id = uuid.UUID(hex=path.split("/")[-1].split(".")[0])
        ended = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
        async with sessions() as session, session.begin():
            await session.execute(update(PortalLink).where(PortalLink.id == link_id).values(expires_at=ended))
        await page.goto(f"{url}/portal/{token(link_id, ended, PORTAL_SECRET)}/")
        assert "This link has expired" in await page.inner_text("[role=alert]")
        await shot(page, "portal-expired")
        assert await accessible(page) == []
