from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, status

from services.credit_api.credit.financial_statements import service
from services.credit_api.credit.financial_statements.schemas import StatementIn, StatementOut
from services.credit_api.kernel.deps import CodePath, Session, require
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.roles import Role
from shared.schemas import IsoDate

router = APIRouter(prefix="/v1/customers/{customer_code}/financial-statements", tags=["credit assessment"])

Staff = Annotated[Principal, Depends(require(Role.ERP, Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]


@router.put(
    "/{period_end}",
    status_code=status.HTTP_202_ACCEPTED,
    summary="File a customer's financial statement for a period",
    description="Checked at once (a balance sheet whose assets differ from liabilities + equity by "
    "more than 1%, negative totals, parts above their whole are 422 problems with field pointers), "
    "then sent to the risk worker as a `financial_statement.filed` event, in order with the "
    "customer's other events: the customer is reassessed within moments, and the statement is "
    "listed once stored. A statement for the same period replaces the earlier one. The answer "
    "shows the ratios against the previous period.",
    responses=responses(401, 403, 404, 422),
)
async def file_statement(
    customer_code: CodePath,
    period_end: Annotated[IsoDate, Path(description="Last day of the period", examples=["2025-12-31"])],
    body: StatementIn,
    request: Request,
    session: Session,
    principal: Staff,
) -> StatementOut:
    return await service.file(session, principal, customer_code, period_end, body, request.app.state.settings)


@router.get(
    "",
    summary="A customer's financial statements with their ratios, newest first",
    responses=responses(401, 403, 404, 422),
)
async def list_statements(customer_code: CodePath, session: Session, _: Staff) -> list[StatementOut]:
    return await service.listing(session, customer_code)
