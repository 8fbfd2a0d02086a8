"""Kafka clients configured the same way in every service, and topic administration."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from shared.settings import PlatformSettings

log = structlog.get_logger(__name__)


def make_producer(bootstrap: str, *, client_id: str) -> AIOKafkaProducer:
    # acks=all so that an acknowledged event survives the broker. Idempotence stays off: after a
    # broker restart aiokafka's idempotent producer can lose step with the broker's sequence numbers
    # and retry OutOfOrderSequenceNumber until the process restarts (aio-libs/aiokafka#1017). A
    # repeated send is harmless because every consumer deduplicates by the event's (source, id), and
    # keyed order holds because aiokafka keeps at most one batch in flight per partition.
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        enable_idempotence=False,
        acks="all",
        linger_ms=5,
        compression_type=None,
    )


def platform_topics(settings: PlatformSettings, partitions: int) -> list[tuple[str, int]]:
    """Every topic the platform uses; events are keyed by customer, so partitions bound parallelism."""
    return [
        (settings.ar_events_topic, partitions),
        (settings.dead_letter_topic, 1),
        (settings.alerts_topic, partitions),
        (f"{settings.alerts_topic}.dlq", 1),
        (settings.credit_events_topic, partitions),
        (settings.risk_events_topic, partitions),
    ]


async def ensure_topics(bootstrap: str, topics: Iterable[tuple[str, int]]) -> None:
    """Create missing topics; existing ones are left as they are."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="credence-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(name, partitions, 1) for name, partitions in topics if name not in existing]
        for topic in missing:
            try:
                await admin.create_topics([topic])
            except TopicAlreadyExistsError:
                pass
            else:
                log.info("topic created", topic=topic.name, partitions=topic.num_partitions)
    finally:
        await admin.close()


async def kafka_reachable(bootstrap: str, wait_seconds: float = 3.0) -> bool:
    """A metadata request answered by the cluster; used by readiness probes and `dev up`."""
    if not await _any_port_open(bootstrap, wait_seconds):
        return False
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(wait_seconds * 1000))
    try:
        await asyncio.wait_for(admin.start(), wait_seconds)
        await asyncio.wait_for(admin.list_topics(), wait_seconds)
    except (KafkaError, TimeoutError, OSError):
        return False
    finally:
        await admin.close()
    return True


async def _any_port_open(bootstrap: str, wait_seconds: float) -> bool:
    # A plain TCP probe first: the admin client logs an error for every refused connection.
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            connecting = asyncio.open_connection(host.strip("[]"), int(port))
            _, writer = await asyncio.wait_for(connecting, wait_seconds)
        except (OSError, TimeoutError, ValueError):
            continue
        writer.close()
        return True
    return False
