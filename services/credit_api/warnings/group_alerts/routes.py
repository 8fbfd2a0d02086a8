from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from services.credit_api.kernel.deps import Session, require
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from services.credit_api.warnings.group_alerts import service
from services.credit_api.warnings.group_alerts.schemas import (
    GroupAlertOut,
    GroupWarningRunIn,
    GroupWarningRunOut,
)
from shared.roles import Role
from shared.schemas import GroupCode

router = APIRouter(tags=["early warning"])

Staff = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]


@router.get(
    "/v1/credit-groups/{code}/alerts",
    summary="A credit group's utilisation alerts, newest first",
    responses=responses(401, 403, 404, 422),
)
async def group_alerts(
    code: Annotated[GroupCode, Path(description="The credit group's code")], session: Session, _: Staff
) -> list[GroupAlertOut]:
    return await service.of_group(session, code)


@router.post(
    "/v1/group-warning-runs",
    summary="Evaluate every credit group's utilisation for a business date",
    description="By the active warning policy's `limit_utilisation` thresholds (enter, exit, "
    "minimum days), as a customer's: an alert opens when a group leaves normal, follows its level "
    "and resolves when it is back. credit_api runs it every day by itself; this runs a missed day. "
    "Running a day again changes nothing. Admin; audited.",
    responses=responses(401, 403, 422),
)
async def run_group_warnings(
    body: GroupWarningRunIn, request: Request, session: Session, principal: Admin
) -> GroupWarningRunOut:
    return await service.evaluate(
        session, principal, request.app.state.settings, body.as_of, datetime.now(UTC)
    )
