"""For administrators: people, API keys, dead letters and policies."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import yaml
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.api_keys import service as api_keys
from services.credit_api.access.users import service as users
from services.credit_api.console.texts import texts
from services.credit_api.console.web import (
    PEOPLE,
    User,
    act,
    checked,
    language_of,
    may,
    redirect_back,
    render,
)
from services.credit_api.kernel.deps import Session
from services.credit_api.operations.dead_letters import repository as dead_letters
from services.credit_api.operations.dead_letters import service as dead_letter_replays
from services.credit_api.policies.dunning_policies import service as dunning_policies
from services.credit_api.policies.policy_versions.service import Versions
from services.credit_api.policies.scorecards import service as scorecards
from services.credit_api.policies.warning_policies import service as warning_policies
from shared.domain.errors import CredenceError
from shared.roles import KEY_ROLES, Role
from shared.vocabulary import Format

router = APIRouter()


POLICIES: dict[str, Versions[Any]] = {
    "scorecard": scorecards.VERSIONS,
    "warning": warning_policies.VERSIONS,
    "dunning": dunning_policies.VERSIONS,
}


async def _operations(
    request: Request,
    session: AsyncSession,
    user: users.SignedIn,
    problems: dict[str, list[dict[str, str]]],
    drafts: dict[str, dict[str, str]],
    new_key: str | None = None,
) -> HTMLResponse:
    fmt = Format(language_of(request))
    now = datetime.now(UTC)
    people = [
        {
            "name": u.name,
            "email": u.email,
            "role": u.role,
            "locked": bool(u.locked_until and u.locked_until > now),
        }
        for u in await users.listing(session)
    ]
    keys = [
        {
            "id": k.id,
            "name": k.name,
            "role": k.role,
            "created": fmt.when(k.created_at),
            "last_used": fmt.when(k.last_used_at),
            "expires": fmt.when(k.expires_at),
            "revoked": fmt.when(k.revoked_at) if k.revoked_at else None,
        }
        for k in await api_keys.listing(session)
    ]
    policies = []
    for kind, versions in POLICIES.items():
        active = await versions.active(session)
        shown = yaml.safe_dump(active.document, allow_unicode=True, sort_keys=False)
        policies.append((kind, active.version, shown))
    letters = [
        {"id": d.id, "topic": d.topic, "reason": d.reason, "created": fmt.when(d.created_at)}
        for d in await dead_letters.page(session, pending_only=True, before_id=None, limit=50)
    ]
    page = render(
        request, "operations.html.j2", texts(language_of(request))["operations"], user,
        page="operations", policies=policies, users=people, keys=keys, dead_letters=letters,
        problems=problems, drafts=drafts, new_key=new_key, roles=[r.value for r in KEY_ROLES],
        person_roles=PEOPLE,
    )  # fmt: skip
    if problems:
        page.status_code = 422
    return page


@router.get("/operations")
async def operations(request: Request, session: Session, user: User) -> Response:
    words = texts(language_of(request))
    if not may(user):
        return redirect_back("/console/", words["only_admins"], words)
    return await _operations(request, session, user, {}, {})


@router.post("/operations/users")
async def create_user(
    request: Request,
    session: Session,
    user: User,
    csrf: Annotated[str, Form(max_length=100)],
    name: Annotated[str, Form(min_length=1, max_length=100)],
    email: Annotated[str, Form(min_length=3, max_length=200)],
    role: Annotated[Role, Form()],
    password: Annotated[str, Form(max_length=200)],
) -> Response:
    return await act(
        request, session, user, csrf, "/console/operations",
        lambda: users.register(session, user.principal, role, name, email, password), (),
    )  # fmt: skip


@router.post("/operations/api-keys")
async def create_api_key(
    request: Request,
    session: Session,
    user: User,
    csrf: Annotated[str, Form(max_length=100)],
    name: Annotated[str, Form(min_length=1, max_length=100)],
    role: Annotated[Role, Form()],
) -> Response:
    """The new secret is shown on this page once: never in a URL, never stored."""
    checked(user, csrf)
    words = texts(language_of(request))
    if not may(user):
        return redirect_back("/console/", words["only_admins"], words)
    _, key = await api_keys.create(session, user.principal, role, name, datetime.now(UTC))
    return await _operations(request, session, user, {}, {}, new_key=key)


@router.post("/operations/api-keys/{key_id}/revoke")
async def revoke_api_key(
    request: Request,
    session: Session,
    user: User,
    key_id: uuid.UUID,
    csrf: Annotated[str, Form(max_length=100)],
) -> Response:
    async def revoke() -> None:
        row = await api_keys.revoke(session, user.principal, key_id, datetime.now(UTC))
        request.app.state.authenticator.forget(str(row.id))

    return await act(request, session, user, csrf, "/console/operations", revoke, ())


@router.post("/operations/dead-letters/replay")
async def replay_dead_letters(
    request: Request,
    session: Session,
    user: User,
    csrf: Annotated[str, Form(max_length=100)],
    ids: Annotated[list[int], Form(min_length=1, max_length=1000)],
) -> Response:
    return await act(
        request, session, user, csrf, "/console/operations",
        lambda: dead_letter_replays.replay(session, user.principal, ids, datetime.now(UTC)), (),
    )  # fmt: skip


@router.post("/operations/policies/{kind}")
async def upload_policy(
    request: Request,
    session: Session,
    user: User,
    kind: Literal["scorecard", "warning", "dunning"],
    csrf: Annotated[str, Form(max_length=100)],
    version: Annotated[str, Form(max_length=60, pattern=r"^[A-Za-z0-9._\-]+$")],
    document: Annotated[str, Form(max_length=200_000)],
) -> Response:
    checked(user, csrf)
    words = texts(language_of(request))
    if not may(user):
        return redirect_back("/console/", words["only_admins"], words)
    problem: str | None = None
    try:
        parsed = yaml.safe_load(document)
    except yaml.YAMLError as exc:
        parsed, problem = None, f"not YAML or JSON: {exc}"
    else:
        problem = None if isinstance(parsed, dict) else "a policy is a mapping of its settings"
    if problem is None:
        try:
            async with session.begin_nested():
                await POLICIES[kind].put(session, user.principal, version, parsed, datetime.now(UTC))
        except CredenceError as exc:
            found = exc.extra.get("errors") or [{"pointer": "#", "detail": str(exc)}]
            return await _operations(
                request, session, user, {kind: found}, {kind: {"version": version, "document": document}}
            )
        return redirect_back("/console/operations", None, words)
    return await _operations(
        request, session, user, {kind: [{"pointer": "#", "detail": problem}]},
        {kind: {"version": version, "document": document}},
    )  # fmt: skip
