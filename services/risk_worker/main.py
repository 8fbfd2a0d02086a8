"""The risk worker process: consumer, outbox relay and probe port, stopped cleanly by SIGTERM."""

from __future__ import annotations

import asyncio

import structlog

from services.risk_worker import handlers
from services.risk_worker.assessments import service as assessments
from services.risk_worker.clock import service as clock
from services.risk_worker.handler import LedgerHandler
from services.risk_worker.settings import WorkerSettings, get_settings
from shared.consumer import BatchConsumer, ConsumerConfig
from shared.db import make_engine, make_sessionmaker
from shared.health import database_check, kafka_check
from shared.kafka import make_producer
from shared.models.risk_worker import Outbox
from shared.outbox import OutboxRelay
from shared.runtime import run_service, serve_probes, supervise

log = structlog.get_logger(__name__)


async def serve(settings: WorkerSettings, stop: asyncio.Event) -> None:
    handlers.register()
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    sessions = make_sessionmaker(engine)
    producer = make_producer(settings.kafka_bootstrap_servers, client_id="credence-risk-worker")
    await producer.start()
    # Consumers in one group: Kafka spreads the partitions over them, and while one waits for
    # PostgreSQL another parses its batch. They never share a customer, whose events share a partition.
    consumers = [
        BatchConsumer(
            ConsumerConfig(
                name="risk-worker",
                bootstrap=settings.kafka_bootstrap_servers,
                topics=[settings.ar_events_topic],
                group_id=settings.group_id,
                dead_letter_topic=settings.dead_letter_topic,
                max_records=settings.batch_max_records,
                keep_dead_letters=True,
            ),
            sessions,
            LedgerHandler(settings),
            producer,
        )
        for _ in range(settings.consumers)
    ]
    checks = {"database": database_check(engine), "kafka": kafka_check(settings.kafka_bootstrap_servers)}
    try:
        async with asyncio.TaskGroup() as tasks:
            for consumer in consumers:
                tasks.create_task(consumer.run(stop))
            tasks.create_task(OutboxRelay(Outbox, sessions, producer).run(stop))
            tasks.create_task(supervise("overdue sweep", lambda s: clock.run(settings, sessions, s), stop))
            tasks.create_task(
                supervise("reassessment", lambda s: assessments.run(settings, sessions, s), stop)
            )
            tasks.create_task(serve_probes(settings.http_host, settings.http_port, checks, stop))
    finally:
        await producer.stop()
        await engine.dispose()
        log.info("risk worker stopped")


def run() -> int:
    return run_service("risk_worker", get_settings(), serve)
