"""The console: server-rendered pages for people, signed in as users, on the same services as the
API. Forms carry a CSRF token (the session's, or before sign-in a cookie's double); the session
cookie is HttpOnly and SameSite=Strict, and Secure when the request came over TLS."""

from __future__ import annotations

import gzip
import secrets
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlencode

import yaml
from fastapi import APIRouter, Cookie, Depends, Form, Header, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from sse_starlette import EventSourceResponse

from services.credit_api.access.api_keys import service as api_keys
from services.credit_api.access.users import service as users
from services.credit_api.access.users.errors import SignInRefused
from services.credit_api.collections.disputes import service as disputes
from services.credit_api.collections.disputes.schemas import DisputeIn, DisputeReason
from services.credit_api.collections.promises import service as promises
from services.credit_api.collections.promises.schemas import PromiseIn
from services.credit_api.collections.tasks import service as tasks
from services.credit_api.collections.tasks.schemas import CompletionIn, Outcome
from services.credit_api.console import service
from services.credit_api.console.errors import SignInNeeded
from services.credit_api.console.texts import LANGUAGES, texts
from services.credit_api.credit.credit_holds import service as holds
from services.credit_api.credit.customers import service as customers
from services.credit_api.credit.customers.schemas import CustomerPatch
from services.credit_api.credit.limit_requests import service as limit_requests
from services.credit_api.credit.limit_requests.schemas import LimitRequestCreate
from services.credit_api.credit.reviews import service as reviews
from services.credit_api.credit.reviews.schemas import Decision, ReviewIn
from services.credit_api.finance.reports import routes as report_routes
from services.credit_api.finance.reports import service as reports
from services.credit_api.kernel.deps import Session
from services.credit_api.operations.dead_letters import repository as dead_letters
from services.credit_api.operations.dead_letters import service as dead_letter_replays
from services.credit_api.policies.dunning_policies import service as dunning_policies
from services.credit_api.policies.policy_versions.service import Versions
from services.credit_api.policies.scorecards import service as scorecards
from services.credit_api.policies.warning_policies import service as warning_policies
from services.credit_api.warnings.alerts import service as alerts
from services.credit_api.warnings.alerts.repository import AlertFilter
from services.credit_api.warnings.alerts.stream import AlertFeed, event_stream
from services.devstack.settings import PROJECT_ROOT
from shared.domain.errors import CredenceError
from shared.domain.warnings import Level
from shared.roles import Role

router = APIRouter(prefix="/console", include_in_schema=False)

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
ASSETS = {
    "htmx.min.js": (PROJECT_ROOT / "node_modules/htmx.org/dist/htmx.min.js", "text/javascript"),
    "echarts.min.js": (PROJECT_ROOT / "node_modules/echarts/dist/echarts.common.min.js", "text/javascript"),
    "console.js": (HERE / "static/console.js", "text/javascript"),
    "console.css": (HERE / "static/console.css", "text/css"),
}


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


def _page(
    request: Request, name: str, title: str, user: users.SignedIn | None, **context: Any
) -> HTMLResponse:
    language = language_of(request)
    said = request.query_params.get("message", "")[:300]
    return TEMPLATES.TemplateResponse(
        request,
        name,
        {
            "t": texts(language),
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


def _may(user: users.SignedIn, *roles: Role) -> bool:
    """The API's rule: these roles, and admin everywhere."""
    return user.principal.role in {*roles, Role.ADMIN}


async def _attempt(session: AsyncSession, action: Callable[[], Awaitable[object]]) -> str | None:
    """A person's action in a savepoint: refused by a rule, it leaves nothing behind and the
    refusal is shown on the page; None when it was done."""
    try:
        async with session.begin_nested():
            await action()
    except CredenceError as exc:
        return str(exc)
    return None


async def _act(
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
    _checked(user, csrf)
    words = texts(language_of(request))
    if not _may(user, *roles):
        return _back(back, words["not_allowed" if roles else "only_admins"], words)
    return _back(back, await _attempt(session, action), words)


def _back(path: str, refusal: str | None, words: dict[str, str]) -> RedirectResponse:
    query = {"message": refusal, "failed": "1"} if refusal else {"message": words["done"]}
    return RedirectResponse(f"{path}?{urlencode(query)}", status_code=303)


def _safe_next(path: str | None) -> str:
    # Only back into the console: never an open redirect to another site.
    return path if path and path.startswith("/console/") and not path.startswith("//") else "/console/"


def _cookie(response: Response, request: Request, name: str, value: str, **extra: Any) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/console",
        **extra,
    )


def _checked(user: users.SignedIn, csrf: str) -> None:
    if not secrets.compare_digest(user.csrf, csrf):
        raise SignInNeeded("/console/")


@router.get("")
async def root() -> RedirectResponse:
    return RedirectResponse("/console/", status_code=308)


@router.get("/sign-in")
async def sign_in_page(request: Request, next: str | None = None) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = _page(
        request,
        "login.html.j2",
        texts(language_of(request))["sign_in"],
        None,
        csrf=token,
        next=_safe_next(next),
        email="",
        refused=False,
    )
    _cookie(response, request, LOGIN_CSRF_COOKIE, token, max_age=3600)
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
        return _page(
            request,
            "login.html.j2",
            words["sign_in"],
            None,
            csrf=expected or "",
            next=_safe_next(next),
            email=email,
            refused=True,
        )
    try:
        token, _ = await users.sign_in(session, email, password, datetime.now(UTC))
    except SignInRefused:
        # Answered, not raised: the failed attempt is committed and counts towards the lock-out.
        page = _page(
            request,
            "login.html.j2",
            words["sign_in"],
            None,
            csrf=csrf,
            next=_safe_next(next),
            email=email,
            refused=True,
        )
        page.status_code = 401
        return page
    response = RedirectResponse(_safe_next(next), status_code=303)
    _cookie(response, request, SESSION_COOKIE, token, max_age=int(users.SESSION.total_seconds()))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/console")
    return response


@router.post("/sign-out")
async def sign_out(
    request: Request, session: Session, user: User, csrf: Annotated[str, Form(max_length=100)]
) -> Response:
    _checked(user, csrf)
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
    _checked(user, csrf)
    back = referer.split(str(request.base_url).rstrip("/"), 1)[-1] if referer else "/console/"
    response = RedirectResponse(_safe_next(back), status_code=303)
    _cookie(response, request, LANGUAGE_COOKIE, language, max_age=365 * 86400)
    return response


@router.get("/")
async def portfolio(
    request: Request,
    session: Session,
    user: User,
    as_of: date | None = None,
    currency: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
) -> HTMLResponse:
    language = language_of(request)
    words = texts(language)
    chosen = currency or str(request.app.state.settings.authority_currency)
    data = await service.portfolio(session, as_of or date.today(), chosen, service.Format(language), words)
    return _page(request, "portfolio.html.j2", words["portfolio"], user, page="portfolio", data=data)


@router.get("/customers")
async def customer_list(
    request: Request,
    session: Session,
    user: User,
    q: Annotated[str | None, Query(max_length=100)] = None,
    grade: Annotated[str | None, Query(max_length=10)] = None,
    country: Annotated[str | None, Query(max_length=2)] = None,
    industry: Annotated[str | None, Query(max_length=100)] = None,
    blocked: Annotated[str | None, Query(pattern="^(true|false)?$")] = None,
    level: Annotated[str | None, Query(pattern="^(normal|watch|warning|critical)?$")] = None,
    sort: Literal["code", "exposure", "utilisation", "overdue"] = "code",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> HTMLResponse:
    language = language_of(request)
    filters = {
        "q": q or None,
        "grade": grade or None,
        "country": country or None,
        "industry": industry or None,
        "blocked": None if not blocked else blocked == "true",
        "level": Level[level.upper()].value if level else None,
        "level_name": level or None,
    }
    data = await service.customer_list(
        session,
        filters,
        sort,
        cursor,
        service.Format(language),
        request.app.state.settings.net_unallocated_cash,
    )
    query = {k: v for k, v in request.query_params.items() if k != "cursor"}
    next_url = "/console/customers?" + urlencode({**query, "cursor": data["next"] or ""})
    return _page(
        request, "customers.html.j2", texts(language)["customers"], user,
        page="customers", data=data, filters=filters, sort=sort, next_url=next_url,
    )  # fmt: skip


@router.get("/customers/{code}")
async def customer_page(
    request: Request, session: Session, user: User, code: str, as_of: date | None = None
) -> HTMLResponse:
    language = language_of(request)
    data = await service.customer(
        session,
        code,
        as_of or date.today(),
        service.Format(language),
        request.app.state.settings,
        texts(language),
    )
    return _page(
        request, "customer.html.j2", code, user, page="customers", data=data,
        may_edit=_may(user, *EDITORS), may_act=_may(user, *CONTROLLERS),
    )  # fmt: skip


def _form_errors(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())


@router.post("/customers/{code}/file")
async def edit_file(
    request: Request,
    session: Session,
    user: User,
    code: str,
    csrf: Annotated[str, Form(max_length=100)],
    name: Annotated[str, Form(max_length=200)],
    country: Annotated[str, Form(max_length=2)] = "",
    industry: Annotated[str, Form(max_length=100)] = "",
    payment_terms: Annotated[str, Form(max_length=20)] = "",
    review_date: Annotated[str, Form(max_length=10)] = "",
    credit_controller_email: Annotated[str, Form(max_length=200)] = "",
    accounts_payable_email: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """The credit file as the API's PATCH changes it; an empty field clears an optional one."""
    back = f"/console/customers/{code}"
    try:
        body = CustomerPatch.model_validate(
            {
                "name": name,
                "country": country or None,
                "industry": industry or None,
                "payment_terms": payment_terms or None,
                "review_date": review_date or None,
                "contacts": {
                    "credit_controller_email": credit_controller_email or None,
                    "accounts_payable_email": accounts_payable_email or None,
                },
            }
        )
    except ValidationError as exc:
        _checked(user, csrf)
        return _back(back, _form_errors(exc), texts(language_of(request)))
    return await _act(
        request,
        session,
        user,
        csrf,
        back,
        lambda: customers.patch(session, user.principal, code, body),
        EDITORS,
    )


@router.post("/customers/{code}/reviews")
async def complete_review(
    request: Request,
    session: Session,
    user: User,
    code: str,
    csrf: Annotated[str, Form(max_length=100)],
    decision: Annotated[Decision, Form()],
    note: Annotated[str, Form(min_length=3, max_length=2000)],
) -> Response:
    body = ReviewIn(decision=decision, note=note)
    now = datetime.now(UTC)
    return await _act(
        request, session, user, csrf, f"/console/customers/{code}",
        lambda: reviews.complete(session, user.principal, code, body, now),
    )  # fmt: skip


@router.post("/customers/{code}/limit-requests")
async def request_limit(
    request: Request,
    session: Session,
    user: User,
    code: str,
    csrf: Annotated[str, Form(max_length=100)],
    amount: Annotated[str, Form(max_length=30)],
    reason: Annotated[str, Form(max_length=500)],
) -> Response:
    _checked(user, csrf)
    words = texts(language_of(request))
    if not _may(user, Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER):
        return _back(f"/console/customers/{code}", words["only_managers"], words)
    try:
        body = LimitRequestCreate(customer_code=code, amount=amount, reason=reason)
    except ValidationError as exc:
        return _back(f"/console/customers/{code}", "; ".join(e["msg"] for e in exc.errors()), words)
    settings = request.app.state.settings
    refusal = await _attempt(
        session, lambda: limit_requests.submit(session, user.principal, body, settings, datetime.now(UTC))
    )
    return _back(f"/console/customers/{code}", refusal, words)


@router.post("/customers/{code}/block")
@router.post("/customers/{code}/unblock")
async def block_customer(
    request: Request,
    session: Session,
    user: User,
    code: str,
    csrf: Annotated[str, Form(max_length=100)],
    reason: Annotated[str, Form(min_length=3, max_length=500)],
) -> Response:
    blocking = request.url.path.endswith("/block")
    now, settings = datetime.now(UTC), request.app.state.settings
    return await _act(
        request, session, user, csrf, f"/console/customers/{code}",
        lambda: customers.set_block(
            session, user.principal, code, blocked=blocking, reason=reason, settings=settings, now=now
        ),
    )  # fmt: skip


@router.post("/customers/{code}/promises")
async def record_promise(
    request: Request,
    session: Session,
    user: User,
    code: str,
    csrf: Annotated[str, Form(max_length=100)],
    item_id: Annotated[str, Form(min_length=1, max_length=100)],
    promised_date: Annotated[date, Form()],
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    body = PromiseIn(item_ids=[item_id], promised_date=promised_date, channel="phone", note=note or None)
    now, settings = datetime.now(UTC), request.app.state.settings
    return await _act(
        request, session, user, csrf, f"/console/customers/{code}",
        lambda: promises.make(session, user.principal, code, body, now, settings),
    )  # fmt: skip


@router.post("/customers/{code}/disputes")
async def open_dispute(
    request: Request,
    session: Session,
    user: User,
    code: str,
    csrf: Annotated[str, Form(max_length=100)],
    item_id: Annotated[str, Form(min_length=1, max_length=100)],
    reason_code: Annotated[DisputeReason, Form()],
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    body = DisputeIn(customer_code=code, reason_code=reason_code, note=note or None)
    now, settings = datetime.now(UTC), request.app.state.settings
    return await _act(
        request, session, user, csrf, f"/console/customers/{code}",
        lambda: disputes.open_dispute(session, user.principal, item_id, body, now, settings),
    )  # fmt: skip


@router.get("/approvals")
async def approvals(request: Request, session: Session, user: User) -> HTMLResponse:
    words = texts(language_of(request))
    pending = await limit_requests.page(session, status="pending", customer_code=None, cursor=None, limit=200)
    file = await service.customer_grades(session, [r.customer_code for r in pending.items])
    fmt = service.Format(language_of(request))
    rows = [
        {
            **r.model_dump(),
            "amount": fmt.money(r.amount, r.currency),
            "requested_at": fmt.when(r.requested_at),
            "grade": file.get(r.customer_code, (None, None))[0],
            "score": file.get(r.customer_code, (None, None))[1],
        }
        for r in pending.items
    ]
    may_decide = _may(user, Role.CREDIT_MANAGER)
    return _page(
        request,
        "approvals.html.j2",
        words["approvals"],
        user,
        page="approvals",
        rows=rows,
        may_decide=may_decide,
    )


@router.post("/approvals/{request_id}")
async def decide(
    request: Request,
    session: Session,
    user: User,
    request_id: uuid.UUID,
    csrf: Annotated[str, Form(max_length=100)],
    decision: Annotated[Literal["approve", "reject"], Form()],
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    now, settings = datetime.now(UTC), request.app.state.settings

    def decided() -> Awaitable[object]:
        if decision == "approve":
            return limit_requests.approve(session, user.principal, request_id, note or None, settings, now)
        return limit_requests.reject(session, user.principal, request_id, note or None, now)

    return await _act(request, session, user, csrf, "/console/approvals", decided, (Role.CREDIT_MANAGER,))


@router.get("/holds")
async def hold_list(request: Request, session: Session, user: User) -> HTMLResponse:
    words = texts(language_of(request))
    shown = await holds.page(session, status="open", customer_code=None, cursor=None, limit=200)
    fmt = service.Format(language_of(request))
    rows = [
        {**h.model_dump(), "amount": fmt.money(h.amount, h.currency), "created_at": fmt.when(h.created_at)}
        for h in shown.items
    ]
    return _page(request, "holds.html.j2", words["holds"], user, page="holds", rows=rows)


@router.post("/holds/{hold_id}")
async def resolve_hold(
    request: Request,
    session: Session,
    user: User,
    hold_id: uuid.UUID,
    csrf: Annotated[str, Form(max_length=100)],
    decision: Annotated[Literal["release", "reject"], Form()],
    reason: Annotated[str, Form(min_length=3, max_length=500)],
) -> Response:
    now, settings = datetime.now(UTC), request.app.state.settings
    act = holds.release if decision == "release" else holds.reject
    return await _act(
        request, session, user, csrf, "/console/holds",
        lambda: act(session, user.principal, hold_id, reason, settings, now),
    )  # fmt: skip


@router.get("/alerts")
async def alert_list(request: Request, session: Session, user: User) -> HTMLResponse:
    fmt = service.Format(language_of(request))
    shown = await alerts.page(session, AlertFilter(), None, 200)
    rows = [
        {**a.model_dump(), "opened": fmt.when(a.opened_at)}
        for a in sorted(shown.items, key=lambda a: a.opened_at, reverse=True)
        if a.status != "resolved"
    ]
    return _page(
        request, "alerts.html.j2", texts(language_of(request))["alerts"], user, page="alerts", rows=rows
    )


@router.get("/alerts/stream")
async def alert_stream(request: Request, user: User) -> EventSourceResponse:
    """The API's live stream, for the signed-in person: changes from now on."""
    feed: AlertFeed = request.app.state.alert_feed
    return event_stream(feed.changes(Level.WATCH, None, None))


@router.post("/alerts/{alert_id}")
async def decide_alert(
    request: Request,
    session: Session,
    user: User,
    alert_id: uuid.UUID,
    csrf: Annotated[str, Form(max_length=100)],
    decision: Annotated[Literal["acknowledge", "resolve"], Form()],
    note: Annotated[str, Form(min_length=3, max_length=500)],
) -> Response:
    now, settings = datetime.now(UTC), request.app.state.settings
    act = alerts.acknowledge if decision == "acknowledge" else alerts.resolve
    return await _act(
        request, session, user, csrf, "/console/alerts",
        lambda: act(session, user.principal, alert_id, note, settings, now),
    )  # fmt: skip


@router.get("/worklist")
async def worklist(request: Request, session: Session, user: User) -> HTMLResponse:
    fmt = service.Format(language_of(request))
    work = await tasks.worklist(session, datetime.now(UTC))
    rows = [{**w.model_dump(), "at_risk": fmt.money(w.amount_at_risk, w.currency)} for w in work]
    outcomes = list(get_args(Outcome))
    words = texts(language_of(request))
    return _page(
        request, "worklist.html.j2", words["worklist"], user, page="worklist", rows=rows, outcomes=outcomes
    )


@router.post("/worklist/{task_id}")
async def complete_task(
    request: Request,
    session: Session,
    user: User,
    task_id: uuid.UUID,
    csrf: Annotated[str, Form(max_length=100)],
    outcome: Annotated[Outcome, Form()],
    note: Annotated[str, Form(max_length=500)] = "",
    promised_date: Annotated[str, Form(max_length=10)] = "",
    item_ids: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    _checked(user, csrf)
    words = texts(language_of(request))
    if not _may(user, Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER):
        return _back("/console/worklist", words["only_managers"], words)
    try:
        promise = (
            PromiseIn(
                promised_date=date.fromisoformat(promised_date),
                item_ids=[i for i in item_ids.split(",") if i],
                channel="phone",
            )
            if outcome == "promise_made" and promised_date
            else None
        )
        body = CompletionIn(outcome=outcome, note=note or None, promise=promise)
    except (ValidationError, ValueError) as exc:
        return _back("/console/worklist", str(exc), words)
    now, settings = datetime.now(UTC), request.app.state.settings
    refusal = await _attempt(
        session, lambda: tasks.complete(session, user.principal, task_id, body, now, settings)
    )
    return _back("/console/worklist", refusal, words)


POLICIES: dict[str, Versions[Any]] = {
    "scorecard": scorecards.VERSIONS,
    "warning": warning_policies.VERSIONS,
    "dunning": dunning_policies.VERSIONS,
}


async def _operations(
    request: Request,
    session: AsyncSession,
    user: users.SignedIn,
    problems: dict[str, list[dict[str, str]]],
    drafts: dict[str, dict[str, str]],
    new_key: str | None = None,
) -> HTMLResponse:
    fmt = service.Format(language_of(request))
    now = datetime.now(UTC)
    people = [
        {
            "name": u.name,
            "email": u.email,
            "role": u.role,
            "locked": bool(u.locked_until and u.locked_until > now),
        }
        for u in await users.listing(session)
    ]
    keys = [
        {
            "id": k.id,
            "name": k.name,
            "role": k.role,
            "created": fmt.when(k.created_at),
            "last_used": fmt.when(k.last_used_at),
            "expires": fmt.when(k.expires_at),
            "revoked": fmt.when(k.revoked_at) if k.revoked_at else None,
        }
        for k in await api_keys.listing(session)
    ]
    policies = []
    for kind, versions in POLICIES.items():
        active = await versions.active(session)
        shown = yaml.safe_dump(active.document, allow_unicode=True, sort_keys=False)
        policies.append((kind, active.version, shown))
    letters = [
        {"id": d.id, "topic": d.topic, "reason": d.reason, "created": fmt.when(d.created_at)}
        for d in await dead_letters.page(session, pending_only=True, before_id=None, limit=50)
    ]
    page = _page(
        request, "operations.html.j2", texts(language_of(request))["operations"], user,
        page="operations", policies=policies, users=people, keys=keys, dead_letters=letters,
        problems=problems, drafts=drafts, new_key=new_key, roles=[r.value for r in Role], person_roles=PEOPLE,
    )  # fmt: skip
    if problems:
        page.status_code = 422
    return page


@router.get("/operations")
async def operations(request: Request, session: Session, user: User) -> Response:
    words = texts(language_of(request))
    if not _may(user):
        return _back("/console/", words["only_admins"], words)
    return await _operations(request, session, user, {}, {})


@router.post("/operations/users")
async def create_user(
    request: Request,
    session: Session,
    user: User,
    csrf: Annotated[str, Form(max_length=100)],
    name: Annotated[str, Form(min_length=1, max_length=100)],
    email: Annotated[str, Form(min_length=3, max_length=200)],
    role: Annotated[Role, Form()],
    password: Annotated[str, Form(max_length=200)],
) -> Response:
    return await _act(
        request, session, user, csrf, "/console/operations",
        lambda: users.register(session, user.principal, role, name, email, password), (),
    )  # fmt: skip


@router.post("/operations/api-keys")
async def create_api_key(
    request: Request,
    session: Session,
    user: User,
    csrf: Annotated[str, Form(max_length=100)],
    name: Annotated[str, Form(min_length=1, max_length=100)],
    role: Annotated[Role, Form()],
) -> Response:
    """The new secret is shown on this page once: never in a URL, never stored."""
    _checked(user, csrf)
    words = texts(language_of(request))
    if not _may(user):
        return _back("/console/", words["only_admins"], words)
    _, key = await api_keys.create(session, user.principal, role, name, datetime.now(UTC))
    return await _operations(request, session, user, {}, {}, new_key=key)


@router.post("/operations/api-keys/{key_id}/revoke")
async def revoke_api_key(
    request: Request,
    session: Session,
    user: User,
    key_id: uuid.UUID,
    csrf: Annotated[str, Form(max_length=100)],
) -> Response:
    async def revoke() -> None:
        row = await api_keys.revoke(session, user.principal, key_id, datetime.now(UTC))
        request.app.state.authenticator.forget(str(row.id))

    return await _act(request, session, user, csrf, "/console/operations", revoke, ())


@router.post("/operations/dead-letters/replay")
async def replay_dead_letters(
    request: Request,
    session: Session,
    user: User,
    csrf: Annotated[str, Form(max_length=100)],
    ids: Annotated[list[int], Form(min_length=1, max_length=1000)],
) -> Response:
    return await _act(
        request, session, user, csrf, "/console/operations",
        lambda: dead_letter_replays.replay(session, user.principal, ids, datetime.now(UTC)), (),
    )  # fmt: skip


@router.post("/operations/policies/{kind}")
async def upload_policy(
    request: Request,
    session: Session,
    user: User,
    kind: Literal["scorecard", "warning", "dunning"],
    csrf: Annotated[str, Form(max_length=100)],
    version: Annotated[str, Form(max_length=60, pattern=r"^[A-Za-z0-9._\-]+$")],
    document: Annotated[str, Form(max_length=200_000)],
) -> Response:
    _checked(user, csrf)
    words = texts(language_of(request))
    if not _may(user):
        return _back("/console/", words["only_admins"], words)
    problem: str | None = None
    try:
        parsed = yaml.safe_load(document)
    except yaml.YAMLError as exc:
        parsed, problem = None, f"not YAML or JSON: {exc}"
    else:
        problem = None if isinstance(parsed, dict) else "a policy is a mapping of its settings"
    if problem is None:
        try:
            async with session.begin_nested():
                await POLICIES[kind].put(session, user.principal, version, parsed, datetime.now(UTC))
        except CredenceError as exc:
            found = exc.extra.get("errors") or [{"pointer": "#", "detail": str(exc)}]
            return await _operations(
                request, session, user, {kind: found}, {kind: {"version": version, "document": document}}
            )
        return _back("/console/operations", None, words)
    return await _operations(
        request, session, user, {kind: [{"pointer": "#", "detail": problem}]},
        {kind: {"version": version, "document": document}},
    )  # fmt: skip


REPORTS = ("dso", "turnover", "provisions", "abc", "insurance", "top-risks")
GROUPED = ("dso", "turnover", "provisions", "insurance")


@router.get("/reports")
async def report_list(request: Request, user: User) -> HTMLResponse:
    words = texts(language_of(request))
    return _page(
        request, "reports.html.j2", words["reports"], user,
        page="reports", reports=REPORTS, grouped=GROUPED, today=date.today().isoformat(),
    )  # fmt: skip


@router.get("/reports/{name}")
async def report_file(
    request: Request,
    session: Session,
    user: User,
    name: Literal["dso", "turnover", "provisions", "abc", "insurance", "top-risks"],
    as_of: date | None = None,
    group_by: reports.GroupBy = "portfolio",
    format: Literal["csv", "xlsx"] = "xlsx",
) -> Response:
    """The report as the API gives it, for the signed-in person."""
    currency = str(request.app.state.settings.authority_currency)
    out = report_routes.Output(as_of or date.today(), currency, format, None)
    return await report_routes.produce(session, name, out, report_routes.Grouping(group_by, None))


@cache
def _asset(name: str) -> tuple[bytes, bytes, str]:
    path, kind = ASSETS[name]
    body = path.read_bytes()
    return body, gzip.compress(body, 9), kind


@router.get("/assets/{name}")
async def asset(name: str, accept_encoding: Annotated[str | None, Header()] = None) -> Response:
    if name not in ASSETS:
        return Response(status_code=404)
    body, packed, kind = _asset(name)
    headers = {"Cache-Control": "public, max-age=3600", "Vary": "Accept-Encoding"}
    if accept_encoding and "gzip" in accept_encoding:
        return Response(packed, media_type=kind, headers={**headers, "Content-Encoding": "gzip"})
    return Response(body, media_type=kind, headers=headers)
