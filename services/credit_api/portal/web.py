"""What every portal page shares. A customer arrives by the link of an e-mail: the token in the
path is its only credential, checked on every request (signature, expiry, revocation) and rated per
link. Pages are plain HTML forms that work without JavaScript, in the customer's language unless it
picks the other (`?lang=`, remembered in a cookie)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from services.credit_api.access.portal_links import service as portal_links
from services.credit_api.access.portal_links.errors import LinkRefused
from services.credit_api.kernel.deps import Session
from services.credit_api.portal import service
from services.credit_api.portal.errors import PortalPage
from services.credit_api.portal.texts import LANGUAGES, texts
from shared.models.credit_api import PortalLink
from shared.vocabulary import Format, word

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(
    env=Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, auto_reload=False)
)
LANGUAGE_COOKIE = "credence_portal_language"


@dataclass(frozen=True)
class Visit:
    link: PortalLink
    token: str
    language: str
    now: datetime

    @property
    def base(self) -> str:
        return f"/portal/{self.token}"

    @property
    def words(self) -> dict[str, str]:
        return texts(self.language)


def _language(request: Request, default: str | None) -> str:
    for chosen in (request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE), default):
        if chosen in LANGUAGES:
            return str(chosen)
    return "zh-CN" if request.headers.get("accept-language", "").lower().startswith("zh") else "en"


async def visit(request: Request, session: Session, token: str) -> Visit:
    now = datetime.now(UTC)
    settings = request.app.state.settings
    try:
        link = await portal_links.open_link(session, token, now, settings)
    except LinkRefused as exc:
        words = texts(_language(request, None))
        raise PortalPage(
            403, words["refused_title"], words[f"refused_{exc.reason}"].format(company=settings.company_name)
        ) from exc
    language = _language(request, await service.language_of(session, link))
    waiting = request.app.state.portal_limiter.wait(str(link.id))
    if waiting:
        words = texts(language)
        seconds = max(1, math.ceil(waiting))
        raise PortalPage(
            429,
            words["slow_down_title"],
            words["slow_down"].format(seconds=seconds),
            {"Retry-After": str(seconds)},
        )
    return Visit(link, token, language, now)


Visitor = Annotated[Visit, Depends(visit)]


def render(
    request: Request, seen: Visit, name: str, title: str, status: int = 200, **context: Any
) -> HTMLResponse:
    response = page(request, seen.language, name, title, status, seen=seen, **context)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            seen.language,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/portal",
            max_age=365 * 86400,
        )
    return response


def page(
    request: Request, language: str, name: str, title: str, status: int = 200, **context: Any
) -> HTMLResponse:
    settings = request.app.state.settings
    return TEMPLATES.TemplateResponse(
        request,
        name,
        {
            "t": texts(language),
            "w": lambda vocabulary, code: word(vocabulary, code, language),
            "fmt": Format(language),
            "language": language,
            "title": title,
            "company": settings.company_name,
            "max_size": f"{settings.portal_max_attachment_bytes / 1_000_000:g} MB",
            **context,
        },
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


async def refused(request: Request, exc: Exception) -> Response:
    """A PortalPage raised anywhere on the way: the page that says what to do."""
    assert isinstance(exc, PortalPage)
    language = _language(request, None)
    response = page(request, language, "refused.html.j2", exc.title, exc.status, message=exc.message)
    response.headers.update(exc.headers)
    return response
