"""One router per kind of versioned policy, all of the same shape."""

# No `from __future__ import annotations`: the body model is a value of the factory, which FastAPI
# must see in the evaluated signature.

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel

from services.credit_api.kernel.deps import Session, require
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from services.credit_api.policies.policy_versions.schemas import PolicyVersionOut, VersionPath
from services.credit_api.policies.policy_versions.service import Versions
from shared.roles import Role

Admin = Annotated[Principal, Depends(require())]
Reader = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]


def policy_router(prefix: str, versions: Versions[Any], takes_effect: str) -> APIRouter:
    router = APIRouter(prefix=prefix, tags=["credit assessment" if "score" in prefix else "early warning"])
    kind, body = versions.kind, versions.schema

    @router.put(
        "/{version}",
        summary=f"Upload a {kind} version and make it the active one",
        description="Checked in full first: every problem comes back at once as a 422 problem with JSON "
        "pointers. A version never changes: the same document again only activates it, another one "
        f"is a 409. {takes_effect} The shipped {kind} is version `default` (GET it for a starting point).",
        responses={
            201: {"model": PolicyVersionOut, "description": "A new version, now active"},
            **responses(401, 403, 409, 422),
        },
        status_code=status.HTTP_200_OK,
        name=f"put_{kind.replace(' ', '_')}",
    )
    async def put_version(
        version: VersionPath,
        document: body,  # type: ignore[valid-type]  # the kind's own schema, chosen by the factory
        response: Response,
        session: Session,
        principal: Admin,
    ) -> PolicyVersionOut:
        sent: BaseModel = document
        out, created = await versions.put(
            session, principal, version, sent.model_dump(mode="json", exclude_unset=True), datetime.now(UTC)
        )
        if created:
            response.status_code = status.HTTP_201_CREATED
        return out

    @router.get("", summary=f"Every {kind} version, the shipped default last", responses=responses(401, 403))
    async def list_versions(session: Session, _: Reader) -> list[PolicyVersionOut]:
        return await versions.listing(session)

    @router.get("/active", summary=f"The {kind} in force", responses=responses(401, 403))
    async def active_version(session: Session, _: Reader) -> PolicyVersionOut:
        return await versions.active(session)

    @router.get("/{version}", summary=f"One {kind} version", responses=responses(401, 403, 404, 422))
    async def get_version(version: VersionPath, session: Session, _: Reader) -> PolicyVersionOut:
        return await versions.get(session, version)

    return router
