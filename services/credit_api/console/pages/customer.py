"""A customer's page: the credit file, its standing as the credit check computes it, limits, open
items, assessment, collections and the trail; and the actions a person takes on it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from services.credit_api.access.audit import service as audit
from services.credit_api.collections.contacts import service as contact_log
from services.credit_api.collections.contacts.schemas import ContactIn, ContactKind
from services.credit_api.collections.disputes import service as disputes
from services.credit_api.collections.disputes.schemas import DisputeIn, DisputeOut, DisputeReason
from services.credit_api.collections.dunning import service as collections
from services.credit_api.collections.dunning.schemas import CustomerDunningOut
from services.credit_api.collections.promises import service as promises
from services.credit_api.collections.promises.schemas import PromiseIn, PromiseOut
from services.credit_api.console.pages import customer_assessment
from services.credit_api.console.texts import texts
from services.credit_api.console.web import (
    CONTROLLERS,
    EDITORS,
    User,
    act,
    attempt,
    checked,
    form_errors,
    language_of,
    may,
    redirect_back,
    render,
)
from services.credit_api.credit.assessments import service as assessments
from services.credit_api.credit.assessments.schemas import AssessmentOut
from services.credit_api.credit.credit_groups import service as credit_groups
from services.credit_api.credit.credit_limits import service as credit_limits
from services.credit_api.credit.customers import service as customers
from services.credit_api.credit.customers.schemas import CustomerPatch
from services.credit_api.credit.exposure import service as exposure
from services.credit_api.credit.exposure.schemas import ExposureOut
from services.credit_api.credit.financial_statements import service as financial_statements
from services.credit_api.credit.limit_requests import service as limit_requests
from services.credit_api.credit.limit_requests.schemas import LimitRequestCreate
from services.credit_api.credit.payment_predictions import service as payment_predictions
from services.credit_api.credit.payment_predictions.schemas import Predictions
from services.credit_api.credit.reviews import service as reviews
from services.credit_api.credit.reviews.schemas import Decision, ReviewIn
from services.credit_api.credit.temporary_limits import service as temporary_limits
from services.credit_api.finance.ageing import service as ageing
from services.credit_api.finance.statements import documents
from services.credit_api.finance.statements import service as statements
from services.credit_api.kernel.deps import Session
from services.credit_api.warnings.alerts import service as alerts
from services.credit_api.warnings.alerts.repository import AlertFilter
from shared.domain.ageing import Buckets
from shared.domain.errors import MissingFxRate, NotFound
from shared.roles import Role
from shared.vocabulary import Format, word

router = APIRouter()


@router.get("/customers/{code}")
async def customer_page(
    request: Request, session: Session, user: User, code: str, as_of: date | None = None
) -> HTMLResponse:
    language = language_of(request)
    data = await _file(
        session,
        code,
        as_of or date.today(),
        Format(language),
        request.app.state.settings,
        texts(language),
    )
    return render(
        request, "customer.html.j2", code, user, page="customers", data=data,
        may_edit=may(user, *EDITORS), may_act=may(user, *CONTROLLERS),
    )  # fmt: skip


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
        checked(user, csrf)
        return redirect_back(back, form_errors(exc), texts(language_of(request)))
    return await act(
        request,
        session,
        user,
        csrf,
        back,
        lambda: customers.patch(
            session, user.principal, code, body, request.app.state.settings, datetime.now(UTC)
        ),
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
    return await act(
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
    fields = {"customer_code": code, "amount": amount, "reason": reason}
    return await submit_limit_request(request, session, user, csrf, f"/console/customers/{code}", fields)


async def submit_limit_request(
    request: Request, session: Session, user: User, csrf: str, back: str, fields: dict[str, str]
) -> Response:
    """A limit request from a console form, a customer's or a credit group's, as the API takes it."""
    checked(user, csrf)
    words = texts(language_of(request))
    if not may(user, Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER):
        return redirect_back(back, words["only_managers"], words)
    try:
        body = LimitRequestCreate.model_validate(fields)
    except ValidationError as exc:
        return redirect_back(back, "; ".join(e["msg"] for e in exc.errors()), words)
    settings = request.app.state.settings
    refusal = await attempt(
        session, lambda: limit_requests.submit(session, user.principal, body, settings, datetime.now(UTC))
    )
    return redirect_back(back, refusal, words)


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
    return await act(
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
    return await act(
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
    return await act(
        request, session, user, csrf, f"/console/customers/{code}",
        lambda: disputes.open_dispute(session, user.principal, item_id, body, now, settings),
    )  # fmt: skip


@router.post("/customers/{code}/contacts")
async def log_contact(
    request: Request,
    session: Session,
    user: User,
    code: str,
    csrf: Annotated[str, Form(max_length=100)],
    kind: Annotated[ContactKind, Form()],
    contact_on: Annotated[date, Form()],
    who: Annotated[str, Form(min_length=1, max_length=200)],
    summary: Annotated[str, Form(min_length=1, max_length=4000)],
    next_action: Annotated[str, Form(max_length=500)] = "",
    next_action_on: Annotated[date | None, Form()] = None,
) -> Response:
    body = ContactIn(
        kind=kind,
        contact_on=contact_on,
        who=who,
        summary=summary,
        next_action=next_action or None,
        next_action_on=next_action_on,
    )
    now = datetime.now(UTC)
    return await act(
        request, session, user, csrf, f"/console/customers/{code}",
        lambda: contact_log.record(session, user.principal, code, body, now),
    )  # fmt: skip


@router.get("/customers/{code}/statement")
async def download_statement(
    request: Request,
    session: Session,
    _: User,
    code: str,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
) -> Response:
    """The statement of account as the customer receives it, in the customer's language."""
    found = await statements.customer_statement(session, code, start, end)
    pdf = await run_in_threadpool(documents.to_pdf, found, str(request.app.state.settings.company_name))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="statement-{code}-{start}-{end}.pdf"'},
    )


async def _file(
    session: AsyncSession, code: str, as_of: date, fmt: Format, settings: Any, words: dict[str, str]
) -> dict[str, Any]:
    found = await customers.get(session, code)
    now = datetime.now(UTC)
    cur = found.currency
    try:
        standing = await exposure.view(
            session,
            await exposure.standing(session, code, now, net_unallocated_cash=settings.net_unallocated_cash),
        )
    except MissingFxRate:
        standing = None
    aged = await ageing.customer_ageing(session, code, as_of, "due_date", Buckets())
    chart = {
        "tooltip": {},
        "xAxis": {"type": "category", "data": [words.get(b.bucket, b.bucket) for b in aged.buckets]},
        "yAxis": {"type": "value"},
        "series": [{"type": "bar", "data": [float(Decimal(b.amount)) for b in aged.buckets]}],
    }
    try:
        assessed = await assessments.get(session, code)
    except NotFound:
        assessed = None
    trend = await assessments.payment_index_trend(session, code, 24)
    promised = await promises.of_customer(session, code)
    logged = await contact_log.of_customer(session, code, 50)
    disputed = await disputes.of_customer(session, code)
    dunned = await collections.customer_dunning(session, code)
    shown = await alerts.page(session, AlertFilter(customer_code=code), None, 20)
    trail = await audit.trail(session, "customer", code, 20)
    group = None
    if found.credit_group is not None:
        shown_group = await credit_groups.show(
            session, found.credit_group, now, net_unallocated_cash=settings.net_unallocated_cash
        )
        used = None if shown_group.utilisation is None else Decimal(shown_group.utilisation)
        group = {
            "code": shown_group.code,
            "exposure": fmt.money(shown_group.exposure, shown_group.currency),
            "limit": fmt.money(shown_group.effective_limit, shown_group.currency),
            "utilisation": fmt.percent(used),
        }
    return {
        # The credit file as stored; its exposure once, as the credit check computes it (below).
        "customer": found,
        "review_date": fmt.day(found.review_date),
        "group": group,
        "exposure": None if standing is None else _exposure(standing, fmt),
        "limits": [
            {
                "amount": fmt.money(limit.amount, limit.currency),
                "until": fmt.day(limit.valid_until),
                "reason": limit.reason,
                "by": limit.set_by,
                "at": fmt.when(limit.set_at),
                "current": limit.superseded_at is None,
            }
            for limit in reversed(await credit_limits.history(session, code))
        ],
        "temporary": [
            {
                "amount": fmt.money(t.amount, t.currency),
                "period": f"{fmt.day(t.valid_from)} – {fmt.day(t.valid_until)}",
                "in_force": t.valid_from <= now.date() <= t.valid_until,
                "reason": t.reason,
                "by": t.created_by,
            }
            for t in await temporary_limits.listing(session, code)
        ],
        "ageing_chart": json.dumps(chart),
        "items": _items(
            await ageing.open_items(session, code, as_of),
            dunned,
            promised,
            disputed,
            await payment_predictions.customer_predictions(session, code, as_of),
            fmt,
        ),
        "assessment": assessed,
        "assessed": None
        if assessed is None
        else customer_assessment.view(
            assessed, await financial_statements.listing(session, code), fmt, words
        ),
        "factors_chart": None if assessed is None else json.dumps(_factors_chart(assessed, fmt.language)),
        "trend_chart": None
        if not trend
        else json.dumps(
            {
                "tooltip": {"trigger": "axis"},
                "xAxis": {"type": "category", "data": [fmt.day(day) for day, _ in trend]},
                "yAxis": {"type": "value", "min": 0, "max": 100},
                "series": [{"type": "line", "name": words["payment_index"], "data": [i for _, i in trend]}],
            }
        ),
        "alerts": [
            {"level": a.level, "status": a.status, "opened": fmt.when(a.opened_at)} for a in shown.items
        ],
        "dunning": [
            {"item": step.item_id, "step": step.step, "outcome": step.outcome, "day": fmt.day(step.as_of)}
            for step in reversed(dunned.steps)
        ],
        "promises": [
            {
                "date": fmt.day(p.promised_date),
                "amount": fmt.money(p.amount, p.currency),
                "status": p.status,
                "invoices": ", ".join(p.item_ids),
            }
            for p in promised
        ],
        "disputes": [
            {
                "item": d.item_id,
                "reason": d.reason_code,
                "amount": fmt.money(d.amount, d.currency),
                "status": d.status,
            }
            for d in disputed
        ],
        "trail": [{"at": fmt.when(e.at), "actor": e.actor, "action": e.action} for e in trail],
        "contacts": [
            {
                "day": fmt.day(x.contact_on),
                "kind": x.kind,
                "who": x.who,
                "summary": x.summary,
                "next": f"{x.next_action} ({fmt.day(x.next_action_on)})" if x.next_action else "",
            }
            for x in logged
        ],
        "today": now.date().isoformat(),
        "month_start": now.date().replace(day=1).isoformat(),
        "review_decisions": get_args(Decision),
        "currency": cur,
    }


def _exposure(standing: ExposureOut, fmt: Format) -> dict[str, Any]:
    """The credit check's own figures, component by component."""
    cur = standing.currency
    return {
        "limit": fmt.money(standing.effective_limit, cur),
        "exposure": fmt.money(standing.exposure, cur),
        "available": fmt.money(standing.available, cur),
        "utilisation": fmt.percent(None if standing.utilisation is None else Decimal(standing.utilisation)),
        "parts": [
            ("open_receivables", fmt.money(standing.open_receivables, cur)),
            ("overdue_receivables", fmt.money(standing.overdue_receivables, cur)),
            ("reserved_orders", fmt.money(standing.reserved_orders, cur)),
            ("unallocated_cash", fmt.money(standing.unallocated_cash, cur)),
        ],
        "cash_netted": standing.net_unallocated_cash,
        "days_past_due": standing.max_days_past_due,
        "warning_level": standing.warning_level,
        "warning_causes": standing.warning_causes,
    }


def _factors_chart(assessed: AssessmentOut, language: str) -> dict[str, Any]:
    """Each factor's points against its most, by the factor's name."""
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {},
        "xAxis": {"type": "value"},
        "yAxis": {
            "type": "category",
            "data": [word("factor", f.factor, language) for f in assessed.factors],
            "axisLabel": {"interval": 0},
        },
        "series": [
            {
                "type": "bar",
                "name": texts(language)["score"],
                "data": [float(Decimal(f.points)) for f in assessed.factors],
            }
        ],
    }


def _items(
    items: Sequence[tuple[str, str, Any, date, Decimal]],
    dunned: CustomerDunningOut,
    promised: Sequence[PromiseOut],
    disputed: Sequence[DisputeOut],
    predicted: Predictions,
    fmt: Format,
) -> list[dict[str, Any]]:
    """Each open item with the last dunning step it took, its live promise and its open dispute,
    and when it is expected to be paid."""
    level = {s.item_id: s.step for s in dunned.steps if s.outcome != "superseded"}
    promise = {i: p for p in promised if p.status == "open" for i in p.item_ids}
    dispute = {d.item_id: d for d in disputed if d.status in ("open", "accepted")}
    expected = {p.item_id: p for p in predicted.items}

    def when(item: str) -> dict[str, Any]:
        p = expected.get(item)
        if p is None or p.predicted_date is None:
            return {"expected": None, "band": None, "by_due": None, "at_risk": False}
        return {
            "expected": fmt.day(p.predicted_date),
            "band": f"{fmt.day(p.earliest)} – {fmt.day(p.latest)}",
            "by_due": fmt.percent(Decimal(str(p.paid_by_due_date))),
            "at_risk": p.promise_at_risk,
        }

    return [
        {
            **when(item),
            "item": item,
            "due": fmt.day(due),
            "open": fmt.money(amount, currency),
            "dunning": level.get(item),
            "promise": fmt.day(promise[item].promised_date) if item in promise else None,
            "dispute": dispute[item].reason_code if item in dispute else None,
        }
        for item, currency, _, due, amount in items
    ]
