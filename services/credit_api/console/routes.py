"""The console's pages, one module each under pages/, mounted under /console."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from services.credit_api.console.pages import (
    alerts,
    approvals,
    assets,
    cash_application,
    customer,
    customers,
    groups,
    holds,
    operations,
    portfolio,
    reports,
    sign_in,
    worklist,
)

router = APIRouter(prefix="/console", include_in_schema=False)
for page in (
    sign_in,
    portfolio,
    customers,
    customer,
    groups,
    approvals,
    holds,
    cash_application,
    alerts,
    worklist,
    operations,
    reports,
    assets,
):
    router.include_router(page.router)


@router.get("")
async def root() -> RedirectResponse:
    return RedirectResponse("/console/", status_code=308)
