"""What every console page shares: server-rendered pages for people signed in as users, on the same
commands as the API. Forms carry a CSRF token (the session's, or before sign-in a cookie's double);
the session cookie is HttpOnly and SameSite=Strict, and Secure when the request came over TLS."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.users import service as users
from services.credit_api.console.errors import SignInNeeded
from services.credit_api.console.texts import LANGUAGES, texts
from services.credit_api.kernel.deps import Session
from services.credit_api.policies.warning_policies import service as warning_policies
from shared.domain.errors import CredenceError
from shared.roles import Role
from shared.vocabulary import Format, word
from shared.warning_policies import parse as parse_warning_policy

HERE = Path(__file__).parent
# Every template escapes what it prints (the names end in .j2, which Jinja would not escape by
# default): customer names and notes come from outside.
TEMPLATES = Jinja2Templates(
    env=Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, auto_reload=False)
)
SESSION_COOKIE = "credence_session"
LANGUAGE_COOKIE = "credence_language"
LOGIN_CSRF_COOKIE = "credence_sign_in"


# What the pages load, all served from here: the packages from the npm lockfile, and our own.
def language_of(request: Request) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return "zh-CN" if request.headers.get("accept-language", "").lower().startswith("zh") else "en"


async def signed_in(request: Request, session: Session) -> users.SignedIn:
    found = await users.current(session, request.cookies.get(SESSION_COOKIE), datetime.now(UTC))
    if found is None:
        raise SignInNeeded(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    return found


User = Annotated[users.SignedIn, Depends(signed_in)]


async def to_sign_in(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInNeeded)
    return RedirectResponse("/console/sign-in?" + urlencode({"next": exc.next_path}), status_code=303)


def render(
    request: Request, name: str, title: str, user: users.SignedIn | None, **context: Any
) -> HTMLResponse:
    language = language_of(request)
    said = request.query_params.get("message", "")[:300]
    return TEMPLATES.TemplateResponse(
        request,
        name,
        {
            "t": texts(language),
            # Every code a person reads, as words in the page's language (shared/vocabulary.py).
            "w": lambda vocabulary, code: word(vocabulary, code, language),
            "language": language,
            "title": title,
            "user": user,
            "message": said,
            "failed": request.query_params.get("failed") == "1",
            **context,
        },
        headers={"Cache-Control": "no-store"},
    )


CONTROLLERS = (Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER)
EDITORS = (Role.ERP, Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER)
# The roles a person signs in with; order systems and ERPs call with API keys.
PEOPLE = (Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER, Role.ADMIN)


def may(user: users.SignedIn, *roles: Role) -> bool:
    """The API's rule: these roles, and admin everywhere."""
    return user.principal.role in {*roles, Role.ADMIN}


async def attempt(session: AsyncSession, action: Callable[[], Awaitable[object]]) -> str | None:
    """A person's action in a savepoint: refused by a rule, it leaves nothing behind and the
    refusal is shown on the page; None when it was done."""
    try:
        async with session.begin_nested():
            await action()
    except CredenceError as exc:
        return str(exc)
    return None


async def act(
    request: Request,
    session: AsyncSession,
    user: users.SignedIn,
    csrf: str,
    back: str,
    action: Callable[[], Awaitable[object]],
    roles: tuple[Role, ...] = CONTROLLERS,
) -> Response:
    """A form's action: its CSRF token checked, the role's right to it, then done or refused.
    No roles: for administrators only."""
    checked(user, csrf)
    words = texts(language_of(request))
    if not may(user, *roles):
        return redirect_back(back, words["not_allowed" if roles else "only_admins"], words)
    return redirect_back(back, await attempt(session, action), words)


def redirect_back(path: str, refusal: str | None, words: dict[str, str]) -> RedirectResponse:
    query = {"message": refusal, "failed": "1"} if refusal else {"message": words["done"]}
    return RedirectResponse(f"{path}?{urlencode(query)}", status_code=303)


def safe_next(path: str | None) -> str:
    # Only back into the console: never an open redirect to another site.
    return path if path and path.startswith("/console/") and not path.startswith("//") else "/console/"


def set_cookie(response: Response, request: Request, name: str, value: str, **extra: Any) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/console",
        **extra,
    )


def checked(user: users.SignedIn, csrf: str) -> None:
    if not secrets.compare_digest(user.csrf, csrf):
        raise SignInNeeded("/console/")


def form_errors(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())


async def formatter(request: Request, session: AsyncSession) -> Format:
    """The page's format, with the active warning policy's thresholds for alert causes."""
    active = await warning_policies.VERSIONS.active(session)
    policy = parse_warning_policy(active.document, active.version)
    enters = {(r.indicator, level.label): t.enter for r in policy.rules for level, t in r.levels.items()}
    return Format(language_of(request), enters)
