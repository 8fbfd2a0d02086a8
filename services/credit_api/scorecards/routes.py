from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from services.credit_api.api_keys.service import Principal
from services.credit_api.deps import Session, require
from services.credit_api.problems import responses
from services.credit_api.scorecards import service
from services.credit_api.scorecards.schemas import ScorecardOut, VersionPath
from shared.roles import Role
from shared.scorecards import ScorecardIn

router = APIRouter(prefix="/v1/scorecards", tags=["credit assessment"])

Admin = Annotated[Principal, Depends(require())]
Reader = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]


@router.put(
    "/{version}",
    summary="Upload a scorecard version and make it the active one",
    description="Checked in full first: every problem comes back at once as a 422 problem with JSON "
    "pointers. A version never changes: the same document again only activates it, another one "
    "is a 409. The risk worker reassesses every customer with the new version within seconds; "
    "each assessment records the version that made it. The shipped configuration is version "
    "`default` (GET it for a starting point).",
    responses=responses(401, 403, 409, 422),
    status_code=status.HTTP_200_OK,
)
async def put_scorecard(
    version: VersionPath, body: ScorecardIn, response: Response, session: Session, principal: Admin
) -> ScorecardOut:
    out, created = await service.put(
        session, principal, version, body.model_dump(mode="json", exclude_unset=True), datetime.now(UTC)
    )
    if created:
        response.status_code = status.HTTP_201_CREATED
    return out


@router.get("", summary="Every scorecard version, the shipped default last", responses=responses(401, 403))
async def list_scorecards(session: Session, _: Reader) -> list[ScorecardOut]:
    return await service.listing(session)


@router.get("/active", summary="The scorecard in force", responses=responses(401, 403))
async def active_scorecard(session: Session, _: Reader) -> ScorecardOut:
    return await service.active(session)


@router.get("/{version}", summary="One scorecard version", responses=responses(401, 403, 404, 422))
async def get_scorecard(version: VersionPath, session: Session, _: Reader) -> ScorecardOut:
    return await service.get(session, version)
