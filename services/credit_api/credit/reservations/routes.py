from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.credit_api.credit.reservations import service
from services.credit_api.credit.reservations.schemas import ReservationChange, ReservationOut
from services.credit_api.kernel.deps import Session, require
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.roles import Role

router = APIRouter(prefix="/v1/reservations", tags=["reservations"])

Caller = Annotated[
    Principal, Depends(require(Role.ORDER_SYSTEM, Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))
]


@router.get(
    "/{reservation_id}",
    summary="Read a reservation and what of it still counts",
    responses=responses(401, 403, 404, 422),
)
async def get_reservation(reservation_id: uuid.UUID, session: Session, _: Caller) -> ReservationOut:
    return await service.view(session, await service.get(session, reservation_id), datetime.now(UTC))


@router.delete(
    "/{reservation_id}",
    summary="Release a reservation (order cancelled or shipped elsewhere)",
    description="Held orders of the customer are re-evaluated at once.",
    responses=responses(401, 403, 404, 409, 422),
)
async def release_reservation(
    reservation_id: uuid.UUID, request: Request, session: Session, principal: Caller
) -> ReservationOut:
    now = datetime.now(UTC)
    reservation = await service.release(session, principal, reservation_id, request.app.state.settings, now)
    return await service.view(session, reservation, now)


@router.patch(
    "/{reservation_id}",
    summary="Change a reservation's amount",
    description="An increase is checked like a new order and refused (409) if it does not pass; "
    "a decrease re-evaluates the customer's held orders.",
    responses=responses(401, 403, 404, 409, 422),
)
async def change_reservation(
    reservation_id: uuid.UUID, body: ReservationChange, request: Request, session: Session, principal: Caller
) -> ReservationOut:
    now = datetime.now(UTC)
    reservation = await service.change(
        session, principal, reservation_id, body.amount, request.app.state.settings, now
    )
    return await service.view(session, reservation, now)
