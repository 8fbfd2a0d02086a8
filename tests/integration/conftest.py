"""Integration fixtures: a fresh database (cloned from a migrated template) and fresh Kafka topics
for every test, on the real PostgreSQL and Kafka of the local stack or of DATABASE_URL and
KAFKA_BOOTSTRAP_SERVERS."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.credit_api import handlers
from services.credit_api.access.api_keys.service import create_key
from services.credit_api.app import create_app
from services.credit_api.kernel.settings import ApiSettings
from services.devstack.settings import read_dev_env
from services.notifier.settings import NotifierSettings
from services.risk_worker.settings import WorkerSettings
from shared.db import make_engine, make_sessionmaker
from shared.kafka import ensure_topics, platform_topics
from shared.roles import KEY_ROLES, Role
from shared.settings import PlatformSettings

ROOT = Path(__file__).resolve().parents[2]
# Each in-process service connects as production's should: a login of its own service's role
# (migration 0030: writes its own schema, reads the others' views), neither superuser nor owner.
SERVICE_LOGINS = {
    "credence_api_svc": "credence_api",
    "credence_worker_svc": "credence_worker",
    "credence_notifier_svc": "credence_notifier",
}
T = TypeVar("T")

pytestmark = pytest.mark.integration


def _stack_env() -> dict[str, str]:
    env = read_dev_env(ROOT / ".devstack" / "dev.env")
    for name in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS"):
        if name in os.environ:
            env[name] = os.environ[name]
    if "DATABASE_URL" not in env or "KAFKA_BOOTSTRAP_SERVERS" not in env:
        pytest.exit(
            "no PostgreSQL/Kafka: run `make test` (it starts the local stack) or set "
            "DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS",
            returncode=2,
        )
    return env


STACK = _stack_env()
SERVER_URL = make_url(STACK["DATABASE_URL"])
KAFKA = STACK["KAFKA_BOOTSTRAP_SERVERS"]
TEMPLATE = f"credence_tpl_{uuid.uuid4().hex[:8]}"


async def _admin_execute(*statements: str) -> None:
    conn = await asyncpg.connect(
        host=SERVER_URL.host,
        port=SERVER_URL.port,
        user=SERVER_URL.username,
        password=SERVER_URL.password,
        database="postgres",
    )
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def _url(database: str) -> str:
    return SERVER_URL.set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def template_database() -> Iterator[str]:
    """The schema is built once by `alembic upgrade head`; each test clones it."""
    asyncio.run(_admin_execute(f'CREATE DATABASE "{TEMPLATE}"'))
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = _url(TEMPLATE)
    command.upgrade(config, "head")
    for login, role in SERVICE_LOGINS.items():
        asyncio.run(
            _admin_execute(
                f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{login}') "
                f"THEN CREATE ROLE {login} LOGIN IN ROLE {role}; END IF; END $$"
            )
        )
    yield TEMPLATE
    asyncio.run(_admin_execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)'))


@pytest.fixture
async def database_url(template_database: str) -> AsyncIterator[str]:
    name = f"credence_t_{uuid.uuid4().hex[:12]}"
    await _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    yield _url(name)
    await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # Tests that call credit_api's commands directly need their consequences as the app has them.
    handlers.register()
    return make_sessionmaker(engine)


@dataclass(frozen=True)
class Topics:
    prefix: str

    @property
    def settings(self) -> dict[str, str]:
        return {
            "ar_events_topic": f"{self.prefix}.ar.events",
            "alerts_topic": f"{self.prefix}.alerts",
            "credit_events_topic": f"{self.prefix}.credit.events",
            "risk_events_topic": f"{self.prefix}.risk.events",
        }

    @property
    def ar_events(self) -> str:
        return self.settings["ar_events_topic"]

    @property
    def alerts(self) -> str:
        return self.settings["alerts_topic"]

    @property
    def credit_events(self) -> str:
        return self.settings["credit_events_topic"]


@pytest.fixture
async def topics() -> AsyncIterator[Topics]:
    """Topics of this test alone, named like the platform's."""
    made = Topics(prefix=f"t{uuid.uuid4().hex[:10]}")
    wanted = platform_topics(PlatformSettings.model_validate(made.settings), 3)
    await ensure_topics(KAFKA, wanted)
    yield made
    admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA)
    await admin.start()
    try:
        await admin.delete_topics([name for name, _ in wanted])
    finally:
        await admin.close()


@pytest.fixture
def platform(topics: Topics) -> dict[str, Any]:
    """Settings common to every service under test."""
    return {"kafka_bootstrap_servers": KAFKA, "log_json": False, **topics.settings}


# Signs the portal links the tests open, whatever the environment says.
PORTAL_SECRET = "portal-links-of-the-test-suite-" + "x" * 8


def as_login(database_url: str, login: str) -> str:
    return make_url(database_url).set(username=login).render_as_string(hide_password=False)


@pytest.fixture
def api_settings(platform: dict[str, Any], database_url: str) -> ApiSettings:
    # Dunning runs only for the dates a test asks for.
    return ApiSettings(
        **platform,
        database_url=as_login(database_url, "credence_api_svc"),
        db_pool_size=5,
        key_cache_seconds=0,
        consume_events=False,
        dunning_daily=False,
        portal_secret=PORTAL_SECRET,
    )


@pytest.fixture
def worker_settings(platform: dict[str, Any], database_url: str) -> WorkerSettings:
    return WorkerSettings(
        **platform,
        database_url=as_login(database_url, "credence_worker_svc"),
        http_port=0,
        group_id=f"rw-{uuid.uuid4().hex[:8]}",
        db_pool_size=3,
        assessment_interval_seconds=0.2,
    )


@pytest.fixture
def notifier_settings(platform: dict[str, Any], database_url: str) -> NotifierSettings:
    return NotifierSettings(
        **platform,
        database_url=as_login(database_url, "credence_notifier_svc"),
        http_port=0,
        group_id=f"nt-{uuid.uuid4().hex[:8]}",
        db_pool_size=3,
        retry_base_seconds=0.2,
    )


@pytest.fixture
async def keys(sessions: async_sessionmaker[AsyncSession]) -> dict[Role, str]:
    """One API key per role."""
    async with sessions() as session, session.begin():
        return {role: await create_key(session, role, f"test-{role.value}") for role in KEY_ROLES}


class Api:
    """An HTTP client of credit_api that speaks as one role or another."""

    def __init__(self, client: httpx.AsyncClient, keys: dict[Role, str]) -> None:
        self.client = client
        self.keys = keys

    def browser(self) -> httpx.AsyncClient:
        """Another client of the same app, with cookies of its own: a person at the console."""
        return httpx.AsyncClient(transport=self.client._transport, base_url=self.client.base_url)

    async def request(
        self, method: str, url: str, *, role: Role | None = Role.ADMIN, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if role is not None:
            headers["Authorization"] = f"Bearer {self.keys[role]}"
        return await self.client.request(method, url, headers=headers, **kwargs)

    async def ok(
        self, method: str, url: str, *, role: Role = Role.ADMIN, status: int = 200, **kwargs: Any
    ) -> Any:
        response = await self.request(method, url, role=role, **kwargs)
        assert response.status_code == status, response.text
        return response.json()


@asynccontextmanager
async def api_client(settings: ApiSettings, keys: dict[Role, str]) -> AsyncIterator[Api]:
    """credit_api with its lifespan (relay, consumer if enabled), spoken to in-process over ASGI."""
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://credit-api") as client,
    ):
        # Keys are remembered only once the app follows their changes: wait, as tests count on both.
        await eventually(lambda: at_once(app.state.authenticator.following), within=10, interval=0.01)
        yield Api(client, keys)


async def at_once(value: T) -> T:
    """A value already known, as the awaitable an `eventually` probe returns."""
    return value


@pytest.fixture
async def api(api_settings: ApiSettings, keys: dict[Role, str]) -> AsyncIterator[Api]:
    async with api_client(api_settings, keys) as client:
        yield client


async def eventually(
    probe: Callable[[], Awaitable[T | None]], *, within: float = 20.0, interval: float = 0.1
) -> T:
    """Poll until `probe` returns something truthy; fail with the last value after `within` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = await probe()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {within} s (last value {value!r})")
        await asyncio.sleep(interval)


@dataclass
class Platform:
    """credit_api consuming its events and a risk worker reassessing within a fraction of a second."""

    api: Api
    ar_events: str
    risk_events: str
    credit_events: str


@pytest.fixture
async def stack(
    api_settings: ApiSettings, worker_settings: WorkerSettings, keys: dict[Role, str]
) -> AsyncIterator[Platform]:
    from services.risk_worker.main import serve
    from tests.integration.helpers import running

    settings = api_settings.model_copy(update={"consume_events": True})
    worker = worker_settings.model_copy(update={"reassess_poll_seconds": 0.5})
    async with api_client(settings, keys) as api, running(serve, worker):
        yield Platform(
            api, settings.ar_events_topic, settings.risk_events_topic, settings.credit_events_topic
        )
