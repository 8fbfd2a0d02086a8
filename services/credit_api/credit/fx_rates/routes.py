from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from services.credit_api.credit.fx_rates import service
from services.credit_api.credit.fx_rates.schemas import FxRatesInForce, FxRatesOut, FxRatesSet
from services.credit_api.kernel.deps import Session, require
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.roles import Role
from shared.schemas import IsoDate

router = APIRouter(prefix="/v1/fx-rates", tags=["fx rates"])

Writer = Annotated[Principal, Depends(require(Role.ERP))]
Reader = Annotated[Principal, Depends(require(Role.ERP, Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]


@router.put(
    "/{rate_date}",
    summary="Set the exchange rates of a day for one base currency",
    description="Replaces that day's rates for `base`. Conversions on a date use, per currency pair, "
    "the latest rate set on or before it.",
    responses=responses(401, 403, 422),
)
async def set_fx_rates(
    rate_date: IsoDate, body: FxRatesSet, session: Session, principal: Writer
) -> FxRatesOut:
    await service.set_rates(session, principal, rate_date, body)
    return FxRatesOut(
        date=rate_date,
        base=body.base,
        rates={q: f"{r:f}" for q, r in body.rates.items()},
        set_by=principal.actor,
    )


@router.get(
    "/{rate_date}", summary="The exchange rates in force on a date", responses=responses(401, 403, 422)
)
async def get_fx_rates(rate_date: IsoDate, session: Session, _: Reader) -> FxRatesInForce:
    return await service.in_force(session, rate_date)
