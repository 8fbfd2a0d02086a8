from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response

from services.credit_api.finance.ageing import service
from services.credit_api.finance.ageing.schemas import AgeingOut, PortfolioOut
from services.credit_api.kernel.deps import CodePath, Session, require
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.domain.ageing import Buckets
from shared.roles import Role
from shared.schemas import CurrencyCode, IsoDate

router = APIRouter(tags=["ageing"])

Reader = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]
AsOf = Annotated[IsoDate | None, Query(description="Default today; a past date honours event dates")]
Basis = Annotated[Literal["due_date", "invoice_date"], Query()]
BucketBounds = Annotated[
    str | None,
    Query(pattern=r"^\d+(,\d+)*$", examples=["30,60,90,120"], description="Upper bounds of the day buckets"),
]
Accept = Annotated[str | None, Header()]
CSV = {"content": {"text/csv": {"example": "customer_code,as_of,basis,currency,line,amount\n"}}}


def _wants_csv(accept: str | None) -> bool:
    return bool(accept) and "text/csv" in accept  # type: ignore[operator]


@router.get(
    "/v1/customers/{customer_code}/ageing",
    summary="A customer's ageing as of a date (JSON or CSV)",
    response_model=AgeingOut,
    responses={**responses(401, 403, 404, 422), 200: CSV},
)
async def customer_ageing(
    customer_code: CodePath,
    session: Session,
    _: Reader,
    as_of: AsOf = None,
    basis: Basis = "due_date",
    buckets: BucketBounds = None,
    accept: Accept = None,
) -> Response:
    ageing = await service.customer_ageing(
        session, customer_code, as_of or date.today(), basis, Buckets.parse(buckets)
    )
    if _wants_csv(accept):
        return Response(service.customer_csv(ageing), media_type="text/csv")
    return JSONResponse(ageing.model_dump(mode="json"))


@router.get(
    "/v1/reports/ageing",
    summary="Portfolio ageing as of a date, by customer, currency or industry",
    description="By customer in each credit currency; by currency in that currency; by industry in "
    "`currency`. Items without a rate are left out and their currencies listed.",
    response_model=PortfolioOut,
    responses={**responses(401, 403, 422), 200: CSV},
)
async def portfolio_ageing(
    request: Request,
    session: Session,
    _: Reader,
    as_of: AsOf = None,
    basis: Basis = "due_date",
    buckets: BucketBounds = None,
    group_by: Literal["customer", "currency", "industry"] = "customer",
    currency: CurrencyCode | None = None,
    accept: Accept = None,
) -> Response:
    report = await service.portfolio(
        session,
        as_of or date.today(),
        basis,
        Buckets.parse(buckets),
        group_by,
        currency or request.app.state.settings.authority_currency,
    )
    if _wants_csv(accept):
        return Response(service.portfolio_csv(report), media_type="text/csv")
    return JSONResponse(report.model_dump(mode="json"))
