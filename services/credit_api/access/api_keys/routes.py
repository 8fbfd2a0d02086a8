from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from services.credit_api.access.api_keys import service
from services.credit_api.access.api_keys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut, RotationIn
from services.credit_api.kernel.deps import Session, require
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.models.credit_api import ApiKey

router = APIRouter(prefix="/v1/api-keys", tags=["api keys"])

Admin = Annotated[Principal, Depends(require())]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create an API key; the secret is shown once",
    responses=responses(401, 403, 422),
)
async def create_api_key(body: ApiKeyCreate, session: Session, principal: Admin) -> ApiKeyCreated:
    row, key = await service.create(
        session, principal, body.role, body.name, datetime.now(UTC), body.expires_at
    )
    return _created(row, key)


@router.post(
    "/{key_id}/rotate",
    status_code=status.HTTP_201_CREATED,
    summary="Replace an API key: a new secret, the old one working for an overlap",
    description="The new key has the old one's name and role; the old one expires after "
    "`overlap_hours` (or sooner, if it was to expire sooner). Audited.",
    responses=responses(401, 403, 404, 422),
)
async def rotate_api_key(
    key_id: uuid.UUID, body: RotationIn, request: Request, session: Session, principal: Admin
) -> ApiKeyCreated:
    row, key = await service.rotate(
        session, principal, key_id, timedelta(hours=body.overlap_hours), datetime.now(UTC)
    )
    # This process honours the old key's new expiry at once; the others when the commit's
    # notification reaches them (Authenticator.follow).
    request.app.state.authenticator.forget(str(key_id))
    return _created(row, key)


def _created(row: ApiKey, key: str) -> ApiKeyCreated:
    return ApiKeyCreated(**ApiKeyOut.model_validate(row, from_attributes=True).model_dump(), key=key)


@router.get("", summary="List API keys (never their secrets)", responses=responses(401, 403))
async def list_api_keys(session: Session, _: Admin) -> list[ApiKeyOut]:
    return [ApiKeyOut.model_validate(row, from_attributes=True) for row in await service.listing(session)]


@router.delete("/{key_id}", summary="Revoke an API key", responses=responses(401, 403, 404, 422))
async def revoke_api_key(
    key_id: uuid.UUID, request: Request, session: Session, principal: Admin
) -> ApiKeyOut:
    row = await service.revoke(session, principal, key_id, datetime.now(UTC))
    request.app.state.authenticator.forget(str(row.id))
    return ApiKeyOut.model_validate(row, from_attributes=True)
