from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from services.credit_api.finance.statements import documents, service
from services.credit_api.finance.statements.schemas import StatementOut
from services.credit_api.kernel.deps import CodePath, Session, require
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.roles import Role
from shared.schemas import IsoDate

router = APIRouter(tags=["statements"])

Reader = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]
PDF = "application/pdf"
CONTENT = {
    "content": {
        "text/csv": {"example": "Currency,Date,Movement,Document,Invoices,Debit,Credit,Balance\n"},
        PDF: {"schema": {"type": "string", "format": "binary"}},
    }
}


@router.get(
    "/v1/customers/{customer_code}/statements",
    summary="A customer's statement of account for a period (JSON, CSV or PDF)",
    description="Opening balance, every movement with the balance after it, closing balance, the "
    "items open at the end aged by due date, cash and credit on account and late interest claimed; "
    "one account per currency. CSV and PDF speak the customer's language (or `language`); the PDF "
    "writes amounts and dates as that language does. The format: `format`, else the Accept header.",
    response_model=StatementOut,
    responses={**responses(401, 403, 404, 422), 200: CONTENT},
)
async def customer_statement(
    request: Request,
    customer_code: CodePath,
    session: Session,
    _: Reader,
    start: Annotated[
        IsoDate | None, Query(alias="from", description="First day; default the first of `to`'s month")
    ] = None,
    end: Annotated[IsoDate | None, Query(alias="to", description="Last day; default today")] = None,
    format: Annotated[Literal["json", "csv", "pdf"] | None, Query()] = None,
    language: Annotated[Literal["en", "zh-CN"] | None, Query()] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    last = end or date.today()
    statement = await service.customer_statement(
        session, customer_code, start or last.replace(day=1), last, language
    )
    wanted = format or ("pdf" if PDF in (accept or "") else "csv" if "text/csv" in (accept or "") else "json")
    filename = f"statement-{customer_code}-{statement.period_from}-{statement.period_to}"
    if wanted == "csv":
        return Response(
            documents.to_csv(statement),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
        )
    if wanted == "pdf":
        company = str(request.app.state.settings.company_name)
        return Response(
            await run_in_threadpool(documents.to_pdf, statement, company),
            media_type=PDF,
            headers={"Content-Disposition": f'attachment; filename="{filename}.pdf"'},
        )
    return JSONResponse(statement.model_dump(mode="json"))
