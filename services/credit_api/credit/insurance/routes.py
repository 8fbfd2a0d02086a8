from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, status

from services.credit_api.credit.insurance import service
from services.credit_api.credit.insurance.schemas import CoverIn, CoverOut, PolicyIn, PolicyOut
from services.credit_api.kernel.deps import CodePath, Session, require
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.roles import Role

router = APIRouter(tags=["credit insurance"])

Reader = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]
Manager = Annotated[Principal, Depends(require(Role.CREDIT_MANAGER))]
PolicyNumber = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9._\-/]+$")]


@router.put(
    "/v1/insurance-policies/{policy_number}",
    summary="Record or change a credit insurance policy",
    description="Insurer, indemnity percentage, currency, validity and the discretionary limit (the "
    "cover of a customer without a named limit). Credit managers; audited.",
    responses=responses(401, 403, 422),
)
async def put_policy(
    policy_number: PolicyNumber, body: PolicyIn, session: Session, principal: Manager
) -> PolicyOut:
    return await service.put_policy(session, principal, policy_number, body, datetime.now(UTC))


@router.get("/v1/insurance-policies", summary="Credit insurance policies", responses=responses(401, 403))
async def list_policies(session: Session, _: Reader) -> list[PolicyOut]:
    return await service.policies(session)


@router.post(
    "/v1/customers/{customer_code}/insurance-covers",
    status_code=status.HTTP_201_CREATED,
    summary="Record an insurer's cover decision for a customer",
    description="Amount (in the policy's currency; 0 for a refusal), validity and the decision "
    "reference; the newest decision in force applies. Credit managers; audited. Held orders are "
    "re-evaluated at once.",
    responses=responses(401, 403, 404, 422),
)
async def grant_cover(
    customer_code: CodePath, body: CoverIn, request: Request, session: Session, principal: Manager
) -> CoverOut:
    return await service.grant(
        session, principal, customer_code, body, request.app.state.settings, datetime.now(UTC)
    )


@router.get(
    "/v1/customers/{customer_code}/insurance-covers",
    summary="A customer's cover decisions, newest first",
    responses=responses(401, 403, 404, 422),
)
async def list_covers(customer_code: CodePath, session: Session, _: Reader) -> list[CoverOut]:
    return await service.covers_of(session, customer_code)
