"""`.devstack/dev.env`: addresses and one development API key per role, for people and scripts."""

from __future__ import annotations

import shlex
from pathlib import Path

from services.credit_api.access.api_keys.service import create_key, key_is_active
from services.devstack.settings import DevStackSettings, read_dev_env
from shared.db import one_transaction
from shared.roles import Role


async def write_dev_env(
    settings: DevStackSettings, *, database_url: str, kafka_bootstrap_servers: str
) -> Path:
    """Keep the keys of an earlier run while they are still valid; make the missing ones."""
    path = settings.home / "dev.env"
    previous = read_dev_env(path)
    keys: dict[str, str] = {}
    async with one_transaction(database_url) as session:
        for role in Role:
            name = f"CREDENCE_KEY_{role.value.upper()}"
            old = previous.get(name)
            keys[name] = (
                old
                if old and await key_is_active(session, old)
                else await create_key(session, role, f"dev-{role.value}")
            )
    values = {
        "CREDENCE_API_URL": f"http://127.0.0.1:{settings.api_port}",
        "DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap_servers,
        **keys,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Written by `credence dev env`: the local platform and its development API keys.\n"
        + "".join(f"{name}={shlex.quote(value)}\n" for name, value in values.items())
    )
    path.chmod(0o600)
    return path
