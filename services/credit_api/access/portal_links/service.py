"""Portal links: a customer reaches its portal by a link, no password. The link's token carries the
link's id and its expiry, signed with HMAC-SHA256 under the `portal_secret` setting, so a changed
character makes it worthless; the row behind the id lets a person revoke it before it expires.
Links go out in every statement and dunning e-mail, and a credit controller may give one."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit.service import record
from services.credit_api.access.portal_links import repository
from services.credit_api.access.portal_links.errors import LinkRefused, PortalLinkNotFound, PortalOff
from services.credit_api.access.portal_links.schemas import PortalLinkIn, PortalLinkOut
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.settings import ApiSettings
from shared.domain.errors import NotFound
from shared.models.credit_api import PortalLink
from shared.roles import Role

GIVEN, STATEMENT, NOTICE = "given", "statement", "notice"


def token(link_id: uuid.UUID, expires_at: datetime, secret: str) -> str:
    """`<id>.<expiry, Unix seconds>.<signature>`: readable in a URL, unforgeable without the secret."""
    payload = f"{link_id.hex}.{int(expires_at.timestamp())}"
    return f"{payload}.{_signature(payload, secret)}"


def url(link: PortalLink, settings: ApiSettings) -> str:
    return f"{settings.public_url.rstrip('/')}/portal/{token(link.id, link.expires_at, _secret(settings))}/"


def _signature(payload: str, secret: str) -> str:
    mac = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def _secret(settings: ApiSettings) -> str:
    if settings.portal_secret is None:
        raise PortalOff("the customer portal is off: set CREDENCE_API_PORTAL_SECRET to give links")
    return settings.portal_secret.get_secret_value()


def _new(customer_code: str, purpose: str, days: int, by: str, now: datetime) -> PortalLink:
    # Whole seconds: the token carries the expiry in Unix seconds and must match the row's.
    expires = (now + timedelta(days=days)).replace(microsecond=0)
    return PortalLink(
        id=uuid.uuid4(),
        customer_code=customer_code,
        purpose=purpose,
        expires_at=expires,
        created_by=by,
        created_at=now,
    )


async def give(
    session: AsyncSession,
    principal: Principal,
    customer_code: str,
    body: PortalLinkIn,
    now: datetime,
    settings: ApiSettings,
) -> PortalLinkOut:
    """A link a person hands to the customer (by phone, in a letter); audited."""
    _secret(settings)
    if not await repository.customer_exists(session, customer_code):
        raise NotFound(f"customer {customer_code} does not exist")
    link = _new(customer_code, GIVEN, body.days or settings.portal_link_days, principal.actor, now)
    await repository.add(session, link)
    out = view(link, settings)
    after = out.model_dump(mode="json", exclude={"url"})
    await record(session, principal, "portal_link.given", "customer", customer_code, before=None, after=after)
    return out


def issue(
    session: AsyncSession,
    customer_code: str,
    purpose: str,
    by: Principal,
    at: datetime,
    settings: ApiSettings,
) -> str | None:
    """The URL of a new link for an e-mail (`purpose`: statement or notice), working for the
    `portal_link_days` setting from `at`; none when the portal is off. The row is written with the
    caller's next flush."""
    if settings.portal_secret is None:
        return None
    link = _new(customer_code, purpose, settings.portal_link_days, by.actor, at)
    session.add(link)
    return url(link, settings)


async def open_link(
    session: AsyncSession, presented: str, now: datetime, settings: ApiSettings
) -> PortalLink:
    """The link behind a token, if we signed it and it is neither expired nor revoked."""
    if settings.portal_secret is None:
        raise LinkRefused("tampered")
    payload, _, signature = presented.rpartition(".")
    if not hmac.compare_digest(signature.encode(), _signature(payload, _secret(settings)).encode()):
        raise LinkRefused("tampered")
    link_hex, _, expiry = payload.partition(".")
    link = await repository.get(session, uuid.UUID(hex=link_hex))
    if link is None or int(link.expires_at.timestamp()) != int(expiry):
        raise LinkRefused("tampered")
    if link.revoked_at is not None:
        raise LinkRefused("revoked")
    if now >= link.expires_at:
        raise LinkRefused("expired")
    return link


def principal_of(link: PortalLink) -> Principal:
    """Who acts at the portal: the customer, by this link; the audit log names `portal:<customer>`."""
    return Principal(key_id=f"portal:{link.id}", name=link.customer_code, role=Role.CUSTOMER, kind="portal")


async def revoke(
    session: AsyncSession, principal: Principal, link_id: uuid.UUID, now: datetime, settings: ApiSettings
) -> PortalLinkOut:
    link = await repository.get(session, link_id)
    if link is None:
        raise PortalLinkNotFound(f"portal link {link_id} does not exist")
    before = view(link, settings).model_dump(mode="json", exclude={"url"})
    if link.revoked_at is None:
        link.revoked_at, link.revoked_by = now, principal.actor
        after = view(link, settings).model_dump(mode="json", exclude={"url"})
        await record(
            session,
            principal,
            "portal_link.revoked",
            "customer",
            link.customer_code,
            before=before,
            after=after,
        )
    return view(link, settings)


async def of_customer(
    session: AsyncSession, customer_code: str, settings: ApiSettings
) -> list[PortalLinkOut]:
    if not await repository.customer_exists(session, customer_code):
        raise NotFound(f"customer {customer_code} does not exist")
    return [view(link, settings) for link in await repository.of_customer(session, customer_code)]


def view(link: PortalLink, settings: ApiSettings) -> PortalLinkOut:
    return PortalLinkOut(
        id=link.id,
        customer_code=link.customer_code,
        purpose=link.purpose,
        url=url(link, settings),
        expires_at=link.expires_at.astimezone(UTC),
        created_by=link.created_by,
        created_at=link.created_at,
        revoked_at=link.revoked_at,
        revoked_by=link.revoked_by,
    )
