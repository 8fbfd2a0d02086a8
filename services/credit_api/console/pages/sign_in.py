"""Signing in and out, and the language of the pages."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Cookie, Form, Header, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.credit_api.access.users import service as users
from services.credit_api.access.users.errors import SignInRefused
from services.credit_api.console.texts import texts
from services.credit_api.console.web import (
    LANGUAGE_COOKIE,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    User,
    checked,
    language_of,
    render,
    safe_next,
    set_cookie,
)
from services.credit_api.kernel.deps import Session

router = APIRouter()


@router.get("/sign-in")
async def sign_in_page(request: Request, next: str | None = None) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html.j2",
        texts(language_of(request))["sign_in"],
        None,
        csrf=token,
        next=safe_next(next),
        email="",
        refused=False,
    )
    set_cookie(response, request, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


@router.post("/sign-in")
async def sign_in(
    request: Request,
    session: Session,
    email: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=200)],
    csrf: Annotated[str, Form(max_length=100)],
    next: Annotated[str, Form(max_length=500)] = "/console/",
    expected: Annotated[str | None, Cookie(alias=LOGIN_CSRF_COOKIE)] = None,
) -> Response:
    words = texts(language_of(request))
    if not expected or not secrets.compare_digest(expected, csrf):
        return render(
            request,
            "login.html.j2",
            words["sign_in"],
            None,
            csrf=expected or "",
            next=safe_next(next),
            email=email,
            refused=True,
        )
    try:
        token, _ = await users.sign_in(session, email, password, datetime.now(UTC))
    except SignInRefused:
        # Answered, not raised: the failed attempt is committed and counts towards the lock-out.
        page = render(
            request,
            "login.html.j2",
            words["sign_in"],
            None,
            csrf=csrf,
            next=safe_next(next),
            email=email,
            refused=True,
        )
        page.status_code = 401
        return page
    response = RedirectResponse(safe_next(next), status_code=303)
    set_cookie(response, request, SESSION_COOKIE, token, max_age=int(users.SESSION.total_seconds()))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/console")
    return response


@router.post("/sign-out")
async def sign_out(
    request: Request, session: Session, user: User, csrf: Annotated[str, Form(max_length=100)]
) -> Response:
    checked(user, csrf)
    await users.sign_out(session, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/console/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/console")
    return response


@router.post("/language")
async def choose_language(
    request: Request,
    user: User,
    csrf: Annotated[str, Form(max_length=100)],
    language: Annotated[Literal["en", "zh-CN"], Form()],
    referer: Annotated[str | None, Header()] = None,
) -> Response:
    checked(user, csrf)
    back = referer.split(str(request.base_url).rstrip("/"), 1)[-1] if referer else "/console/"
    response = RedirectResponse(safe_next(back), status_code=303)
    set_cookie(response, request, LANGUAGE_COOKIE, language, max_age=365 * 86400)
    return response
