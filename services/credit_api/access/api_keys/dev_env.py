"""`.devstack/dev.env`: addresses and one development API key per role, for people and scripts."""

from __future__ import annotations

import secrets
import shlex
from pathlib import Path

from services.credit_api.access.api_keys.service import create_key, key_is_active
from services.devstack.settings import DevStackSettings, read_dev_env
from shared.db import one_transaction
from shared.roles import KEY_ROLES


async def write_dev_env(
    settings: DevStackSettings, *, database_url: str, kafka_bootstrap_servers: str
) -> Path:
    """Keep the keys of an earlier run while they are still valid; make the missing ones."""
    path = settings.home / "dev.env"
    previous = read_dev_env(path)
    keys: dict[str, str] = {}
    async with one_transaction(database_url) as session:
        for role in KEY_ROLES:
            name = f"CREDENCE_KEY_{role.value.upper()}"
            old = previous.get(name)
            keys[name] = (
                old
                if old and await key_is_active(session, old)
                else await create_key(session, role, f"dev-{role.value}")
            )
    api_url = f"http://127.0.0.1:{settings.api_port}"
    values = {
        "CREDENCE_API_URL": api_url,
        # The customer portal's links: signed with a secret of this machine, kept across runs so
        # that the links already e-mailed keep working.
        "CREDENCE_API_PUBLIC_URL": api_url,
        "CREDENCE_API_PORTAL_SECRET": previous.get("CREDENCE_API_PORTAL_SECRET") or secrets.token_urlsafe(32),
        "DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap_servers,
        **keys,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Written by `credence dev env`: the local platform, its development API keys and portal secret.\n"
        + "".join(f"{name}={shlex.quote(value)}\n" for name, value in values.items())
    )
    path.chmod(0o600)
    return path
