from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from services.credit_api.credit.assessments import service
from services.credit_api.credit.assessments.schemas import AssessmentChangeOut, AssessmentOut
from services.credit_api.kernel.deps import CodePath, Session, require
from services.credit_api.kernel.pagination import Cursor, Page, PageSize
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.roles import Role

router = APIRouter(prefix="/v1/customers/{customer_code}/assessment", tags=["credit assessment"])

Reader = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]


@router.get(
    "",
    summary="A customer's score, grade and recommendations, explained",
    description="Each factor's input, bin and points; the three factors that cost the most points as "
    "reason codes; Altman, ratios and payment behaviour; the recommended limit (in the credit "
    "currency) and terms, beside the limit set now. Nothing changes a limit by itself. The risk "
    "worker reassesses a customer when its events, statements or credit file change, daily, and "
    "everyone when the scorecard changes.",
    responses=responses(401, 403, 404, 422),
)
async def get_assessment(customer_code: CodePath, session: Session, _: Reader) -> AssessmentOut:
    return await service.get(session, customer_code)


@router.get(
    "/history",
    summary="Every change of a customer's assessment, newest first",
    responses=responses(401, 403, 404, 422),
)
async def assessment_history(
    customer_code: CodePath, session: Session, _: Reader, cursor: Cursor = None, limit: PageSize = 50
) -> Page[AssessmentChangeOut]:
    return await service.history(session, customer_code, cursor, limit)
