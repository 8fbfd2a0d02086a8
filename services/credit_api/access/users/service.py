"""People who sign in to the console: Argon2id password hashes, sessions held server-side (the
cookie carries a random token; only its digest is stored), a CSRF token per session, and a lock-out
after repeated failures. A user acts with the rights of its role, as `user:<name>` in the audit."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.api_keys.service import digest
from services.credit_api.access.audit.service import record
from services.credit_api.access.users import repository
from services.credit_api.access.users.errors import InvalidUser, SignInRefused, UserExists
from services.credit_api.kernel.principal import Principal
from shared.models.credit_api import User, UserSession
from shared.roles import Role

HASHER = PasswordHasher()  # Argon2id with the library's (RFC 9106) defaults
MAX_FAILURES = 5
LOCK_OUT = timedelta(minutes=15)
SESSION = timedelta(hours=8)
MIN_PASSWORD = 12


@dataclass(frozen=True)
class SignedIn:
    principal: Principal
    email: str
    csrf: str


async def create(session: AsyncSession, role: Role, name: str, email: str, password: str) -> User:
    if len(password) < MIN_PASSWORD:
        raise InvalidUser(f"a password has at least {MIN_PASSWORD} characters")
    if "@" not in email:
        raise InvalidUser("an email address has an @")
    if await repository.by_email(session, email) is not None:
        raise UserExists(f"a user with the email {email} exists already")
    user = User(id=uuid.uuid4(), email=email, name=name, role=role.value, password_hash=HASHER.hash(password))
    await repository.add(session, user)
    return user


async def register(
    session: AsyncSession, principal: Principal, role: Role, name: str, email: str, password: str
) -> User:
    """A user made by an administrator in the console, recorded in the audit log (never the password)."""
    user = await create(session, role, name, email, password)
    await record(
        session, principal, "user.created", "user", str(user.id), before=None,
        after={"name": name, "email": email, "role": role.value},
    )  # fmt: skip
    return user


async def sign_in(session: AsyncSession, email: str, password: str, now: datetime) -> tuple[str, SignedIn]:
    """A new session's cookie token and who it is; refused alike for an unknown email, a wrong
    password and a locked account, so that the page tells an attacker nothing."""
    user = await repository.by_email(session, email, for_update=True)
    if user is None or user.disabled:
        HASHER.hash(password)  # the same time spent as for a known user
        raise SignInRefused("wrong email or password")
    if user.locked_until is not None and user.locked_until > now:
        raise SignInRefused("wrong email or password, or too many attempts: try again later")
    try:
        HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_attempts += 1
        if user.failed_attempts >= MAX_FAILURES:
            user.failed_attempts, user.locked_until = 0, now + LOCK_OUT
        raise SignInRefused("wrong email or password") from None
    user.failed_attempts, user.locked_until = 0, None
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = HASHER.hash(password)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    await repository.purge(session, now)
    await repository.add(
        session, UserSession(token_hash=digest(token), user_id=user.id, csrf=csrf, expires_at=now + SESSION)
    )
    return token, SignedIn(_principal(user), user.email, csrf)


async def current(session: AsyncSession, token: str | None, now: datetime) -> SignedIn | None:
    if not token:
        return None
    found = await repository.signed_in(session, digest(token), now)
    if found is None:
        return None
    held, user = found
    return SignedIn(_principal(user), user.email, held.csrf)


async def sign_out(session: AsyncSession, token: str | None) -> None:
    if token:
        await repository.end(session, digest(token))


def _principal(user: User) -> Principal:
    return Principal(key_id=str(user.id), name=user.name, role=Role(user.role), kind="user")


async def listing(session: AsyncSession) -> list[User]:
    return await repository.listing(session)
