"""The portal's pages under /portal/{token}/: the account, an invoice, a dispute, statements, and
the forms that promise and dispute. A form refused by a rule shows the account again with what to
correct, and leaves nothing written."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar, cast, get_args

from fastapi import APIRouter, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.collections.disputes import service as disputes
from services.credit_api.collections.disputes.errors import (
    AttachmentRefused,
    AttachmentTooLarge,
    DisputeSettled,
    InvoiceNotOpen,
)
from services.credit_api.collections.disputes.schemas import DisputeReason
from services.credit_api.collections.promises.errors import InvalidPromise
from services.credit_api.kernel.deps import Session
from services.credit_api.portal import service
from services.credit_api.portal.errors import PortalPage
from services.credit_api.portal.web import Visit, Visitor, render
from shared.domain.errors import NotFound

router = APIRouter(prefix="/portal", include_in_schema=False)
STYLE = Path(__file__).parent / "static" / "portal.css"
REASONS: tuple[str, ...] = get_args(DisputeReason)
T = TypeVar("T")


@router.get("/assets/portal.css")
async def style() -> FileResponse:
    return FileResponse(STYLE, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})


@router.get("/{token}")
async def without_slash(token: str) -> RedirectResponse:
    return RedirectResponse(f"/portal/{token}/", status_code=308)


@router.get("/{token}/")
async def home(request: Request, session: Session, seen: Visitor, done: str | None = None) -> HTMLResponse:
    said = {"promise": seen.words["promise_done"], "dispute": seen.words["dispute_done"]}.get(done or "")
    return await _home(request, session, seen, message=said)


async def _home(
    request: Request, session: AsyncSession, seen: Visit, status: int = 200, **context: Any
) -> HTMLResponse:
    account = await service.account(session, seen.link, seen.now.date())
    today = seen.now.date()
    return render(
        request,
        seen,
        "home.html.j2",
        seen.words["welcome"].format(company=request.app.state.settings.company_name),
        status,
        account=account,
        today=today.isoformat(),
        month_start=today.replace(day=1).isoformat(),
        reasons=REASONS,
        **context,
    )


@router.get("/{token}/items/{item_id}")
async def item_page(request: Request, session: Session, seen: Visitor, item_id: str) -> HTMLResponse:
    found = await _found(seen, service.item(session, seen.link, item_id, seen.now.date()))
    return render(request, seen, "item.html.j2", seen.words["item_title"].format(item=item_id), item=found)


@router.get("/{token}/disputes/{dispute_id}")
async def dispute_page(request: Request, session: Session, seen: Visitor, dispute_id: str) -> HTMLResponse:
    found = await _found(seen, service.dispute(session, seen.link, _uuid(seen, dispute_id)))
    attachments = (await disputes.attachments_of(session, [found.id])).get(found.id, [])
    title = seen.words["dispute_title"].format(item=found.item_id)
    return render(request, seen, "dispute.html.j2", title, dispute=found, attachments=attachments)


@router.get("/{token}/attachments/{attachment_id}")
async def attachment(session: Session, seen: Visitor, attachment_id: str) -> Response:
    found = await _found(
        seen, disputes.attachment(session, seen.link.customer_code, _uuid(seen, attachment_id))
    )
    return Response(
        found.data,
        media_type=found.content_type,
        headers={"Content-Disposition": f'attachment; filename="{_ascii(found.filename)}"'},
    )


@router.get("/{token}/statement")
async def statement(
    request: Request,
    session: Session,
    seen: Visitor,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
) -> Response:
    if end < start:
        raise PortalPage(
            422, seen.words["statements"], seen.words["form_error"].format(detail=f"{start} > {end}")
        )
    pdf = await service.statement_pdf(
        session, seen.link, start, end, seen.language, seen.now, request.app.state.settings
    )
    return _pdf(pdf, f"statement-{seen.link.customer_code}-{start}-{end}.pdf")


@router.get("/{token}/statements/{start}/{end}")
async def sent_statement(session: Session, seen: Visitor, start: date, end: date) -> Response:
    pdf = await _found(seen, service.sent_statement(session, seen.link, start, end, seen.now))
    return _pdf(pdf, f"statement-{seen.link.customer_code}-{start}-{end}.pdf")


@router.post("/{token}/promises")
async def promise(
    request: Request,
    session: Session,
    seen: Visitor,
    item_id: Annotated[str, Form(max_length=100)] = "",
    promised_date: Annotated[str, Form(max_length=10)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    words = seen.words
    try:
        day = date.fromisoformat(promised_date)
    except ValueError:
        return await _refused(request, session, seen, "promise", words["past_date"], locals())
    if not item_id:
        return await _refused(request, session, seen, "promise", words["choose_item"], locals())
    try:
        async with session.begin_nested():
            await service.promise(
                session, seen.link, item_id, day, note or None, seen.now, request.app.state.settings
            )
    except InvalidPromise as exc:
        pointers = {e["pointer"] for e in exc.extra.get("errors", [])}
        detail = words["past_date"] if "#/promised_date" in pointers else words["not_open"]
        return await _refused(request, session, seen, "promise", detail, locals())
    return RedirectResponse(f"{seen.base}/?done=promise", status_code=303)


@router.post("/{token}/disputes")
async def dispute(
    request: Request,
    session: Session,
    seen: Visitor,
    item_id: Annotated[str, Form(max_length=100)] = "",
    reason_code: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    document: UploadFile | None = None,
) -> Response:
    words, settings = seen.words, request.app.state.settings
    if not item_id or reason_code not in REASONS:
        return await _refused(request, session, seen, "dispute", words["choose_item"], locals())
    attached = None
    if document is not None and document.filename:
        # Read one byte past the limit at most: enough to know it is too large.
        data = await document.read(settings.portal_max_attachment_bytes + 1)
        attached = disputes.Attachment(document.filename, data)
    try:
        async with session.begin_nested():
            await service.open_dispute(
                session,
                seen.link,
                item_id,
                cast(DisputeReason, reason_code),
                note or None,
                attached,
                seen.now,
                settings,
            )
    except AttachmentTooLarge as exc:
        size = f"{settings.portal_max_attachment_bytes / 1_000_000:g} MB"
        raise PortalPage(413, words["too_large_title"], words["too_large"].format(size=size)) from exc
    except (AttachmentRefused, InvoiceNotOpen, DisputeSettled) as exc:
        detail = {
            AttachmentRefused: "bad_type",
            InvoiceNotOpen: "not_open",
            DisputeSettled: "already_disputed",
        }
        return await _refused(request, session, seen, "dispute", words[detail[type(exc)]], locals())
    return RedirectResponse(f"{seen.base}/?done=dispute", status_code=303)


async def _refused(
    request: Request, session: AsyncSession, seen: Visit, form: str, detail: str, given: dict[str, Any]
) -> HTMLResponse:
    """The account again, the form's error beside the form and its fields as they were filled."""
    filled = {k: v for k, v in given.items() if isinstance(v, str)}
    error = seen.words["form_error"].format(detail=detail)
    return await _home(request, session, seen, 422, form=form, form_error=error, filled=filled)


async def _found(seen: Visit, lookup: Awaitable[T]) -> T:
    try:
        return await lookup
    except NotFound as exc:
        raise PortalPage(404, seen.words["missing_title"], seen.words["missing"]) from exc


def _uuid(seen: Visit, value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise PortalPage(404, seen.words["missing_title"], seen.words["missing"]) from exc


def _pdf(pdf: bytes, name: str) -> Response:
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def _ascii(name: str) -> str:
    return "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)
