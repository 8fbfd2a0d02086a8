"""Faults production brings, through the services as real processes under load: the Kafka broker
and the PostgreSQL server stopped and started again, the database behind a fault proxy (latency,
a bandwidth limit, cut connections), the notifier SIGKILLed mid-delivery.

After each: every balance equals a plain recomputation of the published stream, every credit check
answered has one stored decision (a check refused with 503 and retried with its key is decided
once), the outbox is drained, the services recovered by themselves, and `/readyz` said 503 while a
dependency was down and 200 after. Each prints its recovery time. These tests stop the local
stack's broker and server, so they run after the rest of the suite: `make test-faults`, the last step
of `make test`."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.devstack import kafka as devkafka
from services.devstack import postgres as devpostgres
from services.devstack.settings import DevStackSettings, get_devstack_settings
from services.risk_worker.assessments import repository as assessments
from shared.models.notifier import Delivery
from shared.models.risk_worker import Balance, StoredEvent
from shared.roles import Role
from tests.integration.conftest import KAFKA, Api, Topics, at_once, eventually
from tests.integration.helpers import alert_event, invoice_event, outbox_empty, outbox_left, publish
from tests.integration.processes import Service, service, service_env, wait_ready
from tests.integration.receivers import free_port, webhook_receiver
from tests.integration.toxiproxy import Proxy, toxiproxy

pytestmark = pytest.mark.faults

CUSTOMERS = [f"F-{n}" for n in range(6)]
UNAVAILABLE = (503, "urn:credence:problem:unavailable")


@pytest.fixture
def devstack() -> DevStackSettings:
    settings = get_devstack_settings()
    if not (devkafka.is_running(settings) and devpostgres.is_running(settings)):
        pytest.skip("the fault tests stop and start the local stack's broker and server (`make stack`)")
    return settings


def elapsed(since: float) -> float:
    return round(time.monotonic() - since, 1)


@dataclass
class Readiness:
    """Every service's `/readyz`, polled a few times a second: what it said, when."""

    ports: dict[str, int]
    seen: list[tuple[float, str, int, dict[str, str]]] = field(default_factory=list)

    async def watch(self, stop: asyncio.Event) -> None:
        async with httpx.AsyncClient(timeout=10) as client:
            while not stop.is_set():
                for name, port in self.ports.items():
                    try:
                        answer = await client.get(f"http://127.0.0.1:{port}/readyz")
                        checks = answer.json()["checks"]
                        self.seen.append((time.monotonic(), name, answer.status_code, checks))
                    except httpx.TransportError:
                        self.seen.append((time.monotonic(), name, 0, {}))
                await asyncio.sleep(0.25)

    def said(self, name: str, since: float, until: float) -> list[tuple[int, dict[str, str]]]:
        return [
            (status, checks) for at, who, status, checks in self.seen if who == name and since <= at <= until
        ]


@dataclass
class Load:
    """An ERP publishing invoices and an order system asking for credit checks, both retrying
    what failed, as real integrators do: the invoices with their own event ids, the checks with
    their Idempotency-Keys."""

    api: Api
    topic: str
    published: dict[str, tuple[str, Decimal]] = field(default_factory=dict)
    answers: dict[str, list[tuple[float, float, int, str]]] = field(default_factory=lambda: defaultdict(list))
    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)

    async def publish(self, stop: asyncio.Event) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=KAFKA, acks="all", request_timeout_ms=5000)
        await producer.start()
        try:
            for n in itertools.count():
                if stop.is_set():
                    return
                customer, amount = CUSTOMERS[n % len(CUSTOMERS)], Decimal(f"{1 + n % 97}.{n % 100:02d}")
                event = invoice_event(customer, f"INV-{n}", f"{amount}")
                while True:  # the same event, with its id, until the broker takes it
                    try:
                        await producer.send_and_wait(
                            self.topic, json.dumps(event).encode(), key=customer.encode()
                        )
                        break
                    except (KafkaError, TimeoutError):
                        await asyncio.sleep(0.5)
                self.published[event["id"]] = (customer, amount)
                await asyncio.sleep(0.01)
        finally:
            with contextlib.suppress(KafkaError, TimeoutError):
                await producer.stop()

    async def check(self, key: str) -> int:
        started = time.monotonic()
        try:
            response = await self.api.request(
                "POST",
                "/v1/credit-checks",
                role=Role.ORDER_SYSTEM,
                headers={"Idempotency-Key": key},
                json=self.bodies[key],
            )
            status, kind = response.status_code, response.json().get("type", "")
        except httpx.TransportError as exc:
            status, kind = 0, type(exc).__name__
        self.answers[key].append((started, time.monotonic() - started, status, kind))
        return status

    async def order(self, stop: asyncio.Event) -> None:
        for n in itertools.count():
            if stop.is_set():
                return
            key = f"fault-{n}"
            self.bodies[key] = {
                "customer_code": CUSTOMERS[n % len(CUSTOMERS)],
                "order_ref": f"SO-{n}",
                "amount": "10.00",
                "currency": "EUR",
                "reserve": True,
            }
            await self.check(key)
            await asyncio.sleep(0.02)

    async def retry_unanswered(self) -> None:
        """Every check refused (503) or cut off asked again with its key, as the problem says."""
        for key, tries in self.answers.items():
            if tries[-1][2] != 200:
                assert await self.check(key) == 200, self.answers[key]


async def prepare(api: Api) -> None:
    for code in CUSTOMERS:
        await api.ok(
            "POST", "/v1/customers", status=201, json={"customer_code": code, "name": code, "currency": "EUR"}
        )
        await api.ok(
            "PUT", f"/v1/customers/{code}/credit-limit", json={"amount": "1000000.00", "reason": "faults"}
        )


@dataclass
class Running:
    api: Api
    ports: dict[str, int]
    env: dict[str, str]
    services: dict[str, Service]


@contextlib.asynccontextmanager
async def platform_processes(
    database_url: str, topics: Topics, keys: dict[Role, str], **extra_env: str
) -> AsyncIterator[Running]:
    """The three services as `make run` starts them, the API's credit checks with a short deadline."""
    ports = {"api": free_port(), "risk-worker": free_port(), "notifier": free_port()}
    env = {
        **service_env(database_url, topics, ports),
        "CREDENCE_API_CHECK_DEADLINE_SECONDS": "1.0",
        "CREDENCE_API_DB_POOL_TIMEOUT_SECONDS": "1.0",
        "CREDENCE_WORKER_REASSESS_POLL_SECONDS": "0.5",
        "CREDENCE_WORKER_ASSESSMENT_INTERVAL_SECONDS": "0.5",
        "CREDENCE_LOG_LEVEL": "WARNING",
        **extra_env,
    }
    async with (
        service("api", env) as api,
        service("risk-worker", env) as worker,
        service("notifier", env) as notifier,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports['api']}", timeout=30) as client,
    ):
        await wait_ready(ports)
        yield Running(
            Api(client, keys), ports, env, {"api": api, "risk-worker": worker, "notifier": notifier}
        )


async def stored_events(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(StoredEvent))).scalar_one())


async def assert_exact(load: Load, sessions: async_sessionmaker[AsyncSession]) -> None:
    """Balances equal the published stream summed plainly; one stored decision per check asked,
    each with the answer its caller was given; no event left in an outbox."""
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for customer, amount in load.published.values():
        expected[customer] += amount
    async with sessions() as session:
        rows = await session.execute(select(Balance.customer_code, Balance.open_receivables))
        balances = {customer: amount for customer, amount in rows}
        assert balances == dict(expected)
        assert await stored_events(sessions) == len(load.published)
        decisions = Counter(
            (await session.execute(text("SELECT order_ref FROM credit_api.credit_checks"))).scalars()
        )
        assert decisions == Counter(load.bodies[key]["order_ref"] for key in load.answers)
    assert await outbox_left(sessions) == []


@dataclass
class UnderLoad:
    load: Load
    readiness: Readiness
    stop_load: asyncio.Event
    senders: list[asyncio.Task[None]]

    async def drain(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        """The load stopped, and every event it published consumed."""
        self.stop_load.set()
        await asyncio.gather(*self.senders)

        async def caught_up() -> bool:
            return await stored_events(sessions) == len(self.load.published)

        await eventually(caught_up, within=60, interval=0.2)


@contextlib.asynccontextmanager
async def under_load(running: Running, topics: Topics) -> AsyncIterator[UnderLoad]:
    """Invoices published and credit checks asked, every `/readyz` watched, until the block ends."""
    load = Load(running.api, topics.ar_events)
    readiness = Readiness(running.ports)
    stop_load, stop_watch = asyncio.Event(), asyncio.Event()
    senders = [asyncio.create_task(load.publish(stop_load)), asyncio.create_task(load.order(stop_load))]
    watcher = asyncio.create_task(readiness.watch(stop_watch))
    try:
        yield UnderLoad(load, readiness, stop_load, senders)
    finally:
        stop_load.set()
        stop_watch.set()
        await asyncio.gather(*senders, watcher, return_exceptions=True)


async def outage(
    running: Running,
    sessions: async_sessionmaker[AsyncSession],
    topics: Topics,
    dependency: str,
    down: Callable[[], Awaitable[object]],
    up: Callable[[], Awaitable[object]],
    *,
    seconds_down: float = 4.0,
) -> Load:
    """Load flowing; `dependency` taken down, then brought back; the load stopped once every
    service is ready again; everything published consumed and every refused check retried."""
    restored = False
    async with under_load(running, topics) as flow:
        load, readiness = flow.load, flow.readiness
        try:
            await eventually(lambda: stored_events(sessions), within=30)
            await asyncio.sleep(1)
            went_down = time.monotonic()
            await down()

            async def all_not_ready() -> bool:
                seen = readiness.seen
                latest = {name: (status, checks) for at, name, status, checks in seen if at > went_down}
                return len(latest) == len(running.ports) and all(
                    status == 503 and checks.get(dependency) == "failing"
                    for status, checks in latest.values()
                )

            await eventually(all_not_ready, within=20, interval=0.25)
            noticed = elapsed(went_down)
            await asyncio.sleep(seconds_down)
            coming_up = time.monotonic()
            await up()
            restored, back = True, time.monotonic()

            async def all_ready() -> bool:
                latest = {name: status for at, name, status, _ in readiness.seen if at > back}
                return len(latest) == len(running.ports) and set(latest.values()) == {200}

            await eventually(all_ready, within=60, interval=0.25)
            ready = elapsed(back)
            await flow.drain(sessions)
            consumed = elapsed(back)
            print(
                f"\n{dependency} outage: every /readyz 503 within {noticed} s; {dependency} back in "
                f"{round(back - coming_up, 1)} s; every service ready {ready} s and all "
                f"{len(load.published)} events consumed {consumed} s after it; "
                f"{sum(len(t) for t in load.answers.values())} credit checks asked"
            )
            for name in running.ports:
                during = readiness.said(name, went_down + noticed, coming_up)
                assert during and all(status == 503 for status, _ in during), (name, during)
            await load.retry_unanswered()
            return load
        finally:
            if not restored:  # a failure mid-outage must not leave the stack down for what runs next
                await up()


async def test_the_kafka_broker_restarted_under_load(
    devstack: DevStackSettings,
    database_url: str,
    topics: Topics,
    keys: dict[Role, str],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with platform_processes(database_url, topics, keys) as running:
        await prepare(running.api)
        load = await outage(
            running,
            sessions,
            topics,
            "kafka",
            partial(asyncio.to_thread, devkafka.stop, devstack),
            partial(asyncio.to_thread, devkafka.start, devstack),
        )
        # The credit check needs no broker: the order system never noticed.
        assert {tries[0][2] for tries in load.answers.values()} == {200}
        await settled(sessions, topics)
    await assert_exact(load, sessions)


async def consumed(topics: Topics) -> bool:
    """Every consumer group has committed every record of the topics it reads: a service that came
    back later than the others has reacted to what they published meanwhile."""
    groups = {
        f"{topics.prefix}-api": [topics.ar_events, topics.settings["risk_events_topic"]],
        f"{topics.prefix}-rw": [topics.ar_events],
        f"{topics.prefix}-nt": [topics.alerts],
    }
    admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA)
    reader = AIOKafkaConsumer(bootstrap_servers=KAFKA)
    await admin.start()
    await reader.start()
    try:
        for group, read in groups.items():
            committed = await admin.list_consumer_group_offsets(group)
            partitions = [
                TopicPartition(topic, p) for topic in read for p in reader.partitions_for_topic(topic) or ()
            ]
            ends = await reader.end_offsets(partitions)
            if any(
                end and (committed.get(tp) is None or committed[tp].offset < end) for tp, end in ends.items()
            ):
                return False
        return True
    finally:
        await reader.stop()
        await admin.close()


async def unassessed(sessions: async_sessionmaker[AsyncSession]) -> bool:
    """Customers the risk worker has yet to reassess: marked due by applied events, or whose credit
    file or reservations changed since. After an outage its rounds resume only after their backoff,
    so a quiet second of empty outboxes does not yet mean they have published."""
    async with sessions() as session:
        due = (await session.execute(text("SELECT count(*) FROM risk_worker.assessments_due"))).scalar_one()
        return bool(due) or bool(await assessments.stale(session, 1))


async def settled(sessions: async_sessionmaker[AsyncSession], topics: Topics) -> None:
    """Every record consumed, every outbox empty and no customer left to reassess, and still so a
    second later: what the services did in reaction to the last events (a hold released, a risk
    event) has been published too."""

    async def still() -> bool:
        return await outbox_empty(sessions) and await consumed(topics) and not await unassessed(sessions)

    async def quiet() -> bool:
        if not await still():
            return False
        await asyncio.sleep(1)
        return await still()

    await eventually(quiet, within=60)


async def test_the_postgresql_server_restarted_under_load(
    devstack: DevStackSettings,
    database_url: str,
    topics: Topics,
    keys: dict[Role, str],
    engine: Any,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async def down() -> None:
        assert await asyncio.to_thread(devpostgres.stop, devstack)

    async def up() -> None:
        await asyncio.to_thread(devpostgres.start, devstack)
        await engine.dispose()  # the test's own connections died with the server

    async with platform_processes(database_url, topics, keys) as running:
        await prepare(running.api)
        load = await outage(running, sessions, topics, "database", down, up)
        refused = [t for tries in load.answers.values() for t in tries if t[2] != 200]
        assert refused, "no check was asked while the database was down"
        # Refused at once with a problem that says to retry, never left hanging.
        assert {(status, kind) for _, _, status, kind in refused} == {UNAVAILABLE}
        assert max(took for _, took, _, _ in refused) < 3.0
        await settled(sessions, topics)
    await assert_exact(load, sessions)


async def test_the_notifier_killed_mid_delivery(
    database_url: str, topics: Topics, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Webhooks in flight when the notifier dies are sent again by its successor once their lease
    runs out, with the same `webhook-id` (Standard Webhooks receivers deduplicate by it); no other
    delivery is repeated and none is lost."""
    alerts = [alert_event(f"N-{n % 7}") for n in range(60)]
    async with webhook_receiver(delay=1.0) as hooks:
        env = {
            **service_env(database_url, topics, {"api": 0, "risk-worker": 0, "notifier": free_port()}),
            "CREDENCE_NOTIFIER_WEBHOOK_URLS": hooks.url,
            "CREDENCE_NOTIFIER_LEASE_SECONDS": "3",
            "CREDENCE_LOG_LEVEL": "WARNING",
        }
        async with service("notifier", env) as notifier:
            for n, event in enumerate(alerts):
                await publish(topics.alerts, [event], key=f"N-{n % 7}".encode())
            # The first twenty answered and recorded, the next ones waiting on the slow receiver.
            await eventually(lambda: at_once(len(hooks.requests) >= 30), within=60, interval=0.05)
            await notifier.kill()
            killed = time.monotonic()
            before_kill = {headers["webhook-id"] for headers, _ in hooks.requests}
            recorded = await sent_webhooks(sessions)
            notifier.restart()

            async def all_sent() -> bool:
                return len(await sent_webhooks(sessions)) == len(alerts)

            await eventually(all_sent, within=90, interval=0.2)
            recovered = elapsed(killed)
    ids = Counter(headers["webhook-id"] for headers, _ in hooks.requests)
    repeated = {webhook_id for webhook_id, times in ids.items() if times > 1}
    print(
        f"\nnotifier SIGKILL: {len(before_kill)} webhooks begun before the kill, {len(recorded)} of them "
        f"recorded as sent; {len(repeated)} sent again with their id; all {len(alerts)} delivered "
        f"{recovered} s after the kill"
    )
    assert len(ids) == len(alerts)
    assert recorded and not repeated & recorded  # what was recorded as sent is never sent again
    assert repeated <= before_kill - recorded and max(ids.values()) <= 2
    bodies: dict[str, set[bytes]] = defaultdict(set)
    for headers, body in hooks.requests:
        bodies[headers["webhook-id"]].add(body)
    assert all(len(sent) == 1 for sent in bodies.values())  # a repeat is the same message


async def sent_webhooks(sessions: async_sessionmaker[AsyncSession]) -> set[str]:
    async with sessions() as session:
        sent = await session.execute(
            select(Delivery.id).where(Delivery.channel == "webhook", Delivery.status == "sent")
        )
        return {str(delivery_id) for delivery_id in sent.scalars()}


NETWORK_FAULTS = ("latency 1.5 s", "bandwidth 1 KB/s", "no data passing", "connections cut")


async def network_faults(proxy: Proxy) -> AsyncIterator[tuple[str, float, float]]:
    """Each fault in turn for five seconds on every connection through `proxy`, then healed:
    yields its name, when it began and when it was healed."""
    inject: dict[str, Callable[[], Awaitable[None]]] = {
        "latency 1.5 s": partial(proxy.toxic, "lag", "latency", latency=1500),
        "bandwidth 1 KB/s": partial(proxy.toxic, "slow", "bandwidth", rate=1),
        "no data passing": partial(proxy.toxic, "stall", "timeout", timeout=0),
        "connections cut": partial(proxy.enabled, False),
    }
    for name in NETWORK_FAULTS:
        began = time.monotonic()
        await inject[name]()
        await asyncio.sleep(5)
        await proxy.clear()
        await proxy.enabled(True)
        yield name, began, time.monotonic()


async def test_the_database_behind_a_fault_proxy(
    database_url: str, topics: Topics, keys: dict[Role, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Latency, a bandwidth limit, connections that stop passing data and cut connections between
    every service and PostgreSQL: each credit check is answered within its deadline (1 s here), by
    a decision or a 503 problem, and everything catches up once the network heals."""
    url = make_url(database_url)
    async with toxiproxy("postgres", f"{url.host}:{url.port}") as proxy:
        host, port = proxy.listen.split(":")
        proxied = url.set(host=host, port=int(port)).render_as_string(hide_password=False)
        async with platform_processes(proxied, topics, keys) as running:
            await prepare(running.api)
            phases: dict[str, tuple[float, float]] = {}
            async with under_load(running, topics) as flow:
                load, readiness = flow.load, flow.readiness
                await eventually(lambda: stored_events(sessions), within=30)
                async for name, began, healed in network_faults(proxy):
                    phases[name] = (began, healed)

                    async def decided_again(since: float = healed) -> bool:
                        answered = [t for tries in load.answers.values() for t in tries if t[0] > since]
                        return any(status == 200 for _, _, status, _ in answered)

                    await eventually(decided_again, within=60, interval=0.1)
                    print(f"\ndatabase {name}: checks decided again {elapsed(healed)} s after it ended")
                await flow.drain(sessions)
            deadline = 1.0
            for name, (began, ended) in phases.items():
                answers = [t for tries in load.answers.values() for t in tries if began <= t[0] <= ended]
                slowest = max(took for _, took, _, _ in answers)
                refused = sum(status != 200 for _, _, status, _ in answers)
                print(f"database {name}: {len(answers)} checks, {refused} refused, slowest {slowest:.2f} s")
                assert {(s, k) for _, _, s, k in answers if s != 200} <= {UNAVAILABLE}
                assert refused and slowest < deadline + 0.5, name
            for name in ("no data passing", "connections cut"):
                began, ended = phases[name]
                for service_name in running.ports:
                    said = readiness.said(service_name, began, ended + 1)
                    assert (503, "failing") in {(s, c.get("database")) for s, c in said}, (name, service_name)
            await load.retry_unanswered()
            await settled(sessions, topics)
    await assert_exact(load, sessions)


async def test_kafka_behind_a_fault_proxy(
    devstack: DevStackSettings,
    database_url: str,
    topics: Topics,
    keys: dict[Role, str],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Latency, a bandwidth limit, connections that stop passing data and cut connections between
    every service and the broker (its second listener, advertised at the proxy's address, so the
    clients keep going through the proxy): credit checks never wait on Kafka, `/readyz` says the
    broker is failing while it is cut off, and events flow again and catch up once the network
    heals."""
    upstream, listen = f"127.0.0.1:{devstack.kafka_proxied_port}", f"127.0.0.1:{devstack.kafka_proxy_port}"
    async with (
        toxiproxy("kafka", upstream, listen) as proxy,
        platform_processes(database_url, topics, keys, KAFKA_BOOTSTRAP_SERVERS=proxy.listen) as running,
    ):
        await prepare(running.api)
        async with under_load(running, topics) as flow:
            load, readiness = flow.load, flow.readiness
            await eventually(lambda: stored_events(sessions), within=30)
            async for name, began, healed in network_faults(proxy):
                consumed = await stored_events(sessions)

                async def flowing_again(before: int = consumed) -> bool:
                    return await stored_events(sessions) > before

                await eventually(flowing_again, within=90, interval=0.1)
                print(f"\nkafka {name}: events consumed again {elapsed(healed)} s after it ended")
                if name == "connections cut":
                    for service_name in running.ports:
                        said = readiness.said(service_name, began + 3, healed)
                        assert said and {(s, c.get("kafka")) for s, c in said} == {(503, "failing")}, (
                            service_name,
                            said,
                        )
            await flow.drain(sessions)
        # The credit check needs no broker: the order system never noticed.
        assert {t[2] for tries in load.answers.values() for t in tries} == {200}
        await settled(sessions, topics)
    await assert_exact(load, sessions)
