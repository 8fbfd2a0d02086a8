"""Versioned policies (scorecards, warning policies): uploaded by an admin, checked in full, then
active; the shipped default is version `default`. The risk worker reads the active version
through a view."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit.service import record
from services.credit_api.kernel.principal import Principal
from services.credit_api.policies.policy_versions import repository
from services.credit_api.policies.policy_versions.errors import PolicyVersionNotFound, PolicyVersionTaken
from services.credit_api.policies.policy_versions.schemas import PolicyVersionOut
from shared.domain.errors import InvalidInput
from shared.models.credit_api import PolicyVersionMixin
from shared.tracing import current_traceparent

DEFAULT_VERSION = "default"
P = TypeVar("P", bound=PolicyVersionMixin)


@dataclass(frozen=True)
class Versions(Generic[P]):
    """The versions of one kind of policy."""

    kind: str
    model: type[P]
    # Checks a document in full, raising the domain's error with pointers.
    check: Callable[[dict[str, Any], str], object]
    default_document: Callable[[], dict[str, Any]]
    # The document's schema: what is stored is the document as the schema reads it, so that the
    # same policy is stored alike from JSON (the API) and from YAML (the console).
    schema: type[BaseModel]

    async def put(
        self,
        session: AsyncSession,
        principal: Principal,
        version: str,
        document: dict[str, Any],
        now: datetime,
    ) -> tuple[PolicyVersionOut, bool]:
        """Store and activate; True when the version is new. The same document again only activates it."""
        if version == DEFAULT_VERSION:
            raise InvalidInput(f"`default` is the shipped {self.kind}; upload it under a name of your own")
        self.check(document, version)
        document = self.schema.model_validate(document).model_dump(mode="json", exclude_unset=True)
        policy = await repository.get(session, self.model, version)
        if policy is not None and policy.document != document:
            raise PolicyVersionTaken(
                f"{self.kind} {version} already holds another document: versions never change, "
                "name a new one",
                version=version,
            )
        created = policy is None
        if policy is None:
            policy = self.model()
            policy.version, policy.document = version, document
            policy.created_by, policy.created_at = principal.actor, now
        await repository.activate(session, self.model, policy, now, current_traceparent())
        await record(
            session,
            principal,
            f"{self.kind.replace(' ', '_')}.activated",
            self.kind.replace(" ", "_"),
            version,
            before=None,
            after={"version": version, "new": created},
        )
        return _view(policy), created

    async def get(self, session: AsyncSession, version: str) -> PolicyVersionOut:
        if version == DEFAULT_VERSION:
            return await self._default(session)
        policy = await repository.get(session, self.model, version)
        if policy is None:
            raise PolicyVersionNotFound(f"{self.kind} {version} does not exist", version=version)
        return _view(policy)

    async def active(self, session: AsyncSession) -> PolicyVersionOut:
        for policy in await repository.listing(session, self.model):
            if policy.active:
                return _view(policy)
        return await self._default(session)

    async def listing(self, session: AsyncSession) -> list[PolicyVersionOut]:
        uploaded = [_view(p) for p in await repository.listing(session, self.model)]
        return [*uploaded, await self._default(session)]

    async def _default(self, session: AsyncSession) -> PolicyVersionOut:
        uploaded_active = any(p.active for p in await repository.listing(session, self.model))
        return PolicyVersionOut(
            version=DEFAULT_VERSION,
            active=not uploaded_active,
            created_by=None,
            created_at=None,
            activated_at=None,
            document=self.default_document(),
        )


def _view(policy: PolicyVersionMixin) -> PolicyVersionOut:
    return PolicyVersionOut(
        version=policy.version,
        active=policy.active,
        created_by=policy.created_by,
        created_at=policy.created_at,
        activated_at=policy.activated_at,
        document=policy.document,
    )
