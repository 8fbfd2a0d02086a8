"""Request-scoped dependencies: the transaction the edge owns, and the caller's identity."""

# No `from __future__ import annotations` here: the role scopes in `require` are local values
# that FastAPI must see in the evaluated signature.

import math
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any, Protocol

from fastapi import Depends, Path, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.credit_api.kernel.principal import Principal
from shared.domain.errors import Forbidden, RateLimited
from shared.roles import Role
from shared.schemas import CustomerCode


class Authenticates(Protocol):
    """What `app.state.authenticator` does (access/api_keys: Authenticator): a key to its holder."""

    async def authenticate(
        self, sessions: async_sessionmaker[AsyncSession], key: str | None
    ) -> Principal: ...


_bearer = HTTPBearer(auto_error=False, description="An API key created with `credence keys create`")


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed before the response leaves (scope="function")."""
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    async with sessions() as session, session.begin():
        yield session


Session = Annotated[AsyncSession, Depends(_session, scope="function")]
# Every route under /v1/customers/{customer_code}.
CodePath = Annotated[CustomerCode, Path(description="The ERP's customer code")]


def require(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency admitting only keys of these roles; `admin` is admitted everywhere."""
    allowed = admitted(*roles)

    async def dependency(
        request: Request,
        # The roles become the scopes of the security requirement: OpenAPI lists them per operation.
        credentials: Annotated[
            HTTPAuthorizationCredentials | None, Security(_bearer, scopes=sorted(r.value for r in allowed))
        ],
    ) -> Principal:
        return await admit(request, credentials.credentials if credentials else None, allowed)

    return dependency


def admitted(*roles: Role) -> frozenset[Role]:
    return frozenset({*roles, Role.ADMIN})


def bearer(request: Request) -> str | None:
    """The key of `Authorization: Bearer <key>`, read as `HTTPBearer` reads it, for a route that
    authenticates without solving dependencies."""
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    key = key.strip()
    return key if key and scheme.lower() == "bearer" else None


async def admit(request: Request, key: str | None, allowed: frozenset[Role]) -> Principal:
    """The key's holder, if the key is good, within its rate and of an allowed role."""
    authenticator: Authenticates = request.app.state.authenticator
    principal = await authenticator.authenticate(request.app.state.sessions, key)
    waiting = request.app.state.rate_limiter.wait(principal.key_id)
    if waiting:
        raise RateLimited(
            f"more than {request.app.state.settings.rate_limit_per_second:g} requests a second with this key",
            retry_after=max(1, math.ceil(waiting)),
        )
    if principal.role not in allowed:
        raise Forbidden(
            f"role {principal.role.value} may not call this endpoint",
            allowed_roles=sorted(r.value for r in allowed),
        )
    return principal
