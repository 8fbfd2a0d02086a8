"""The notifier process: alert consumer, delivery dispatcher and probe port."""

from __future__ import annotations

import asyncio

import httpx
import structlog

from services.notifier.dispatcher import Dispatcher
from services.notifier.handler import AlertHandler
from services.notifier.settings import NotifierSettings, get_settings
from shared.consumer import BatchConsumer, ConsumerConfig, EachRecord
from shared.db import make_engine, make_sessionmaker
from shared.health import database_check, kafka_check
from shared.kafka import make_producer
from shared.runtime import run_service, serve_probes

log = structlog.get_logger(__name__)


async def serve(settings: NotifierSettings, stop: asyncio.Event) -> None:
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    sessions = make_sessionmaker(engine)
    producer = make_producer(settings.kafka_bootstrap_servers, client_id="credence-notifier")
    await producer.start()
    consumer = BatchConsumer(
        ConsumerConfig(
            name="notifier",
            bootstrap=settings.kafka_bootstrap_servers,
            topics=[settings.alerts_topic],
            group_id=settings.group_id,
            dead_letter_topic=f"{settings.alerts_topic}.dlq",
        ),
        sessions,
        EachRecord(AlertHandler(settings)),
        producer,
    )
    checks = {"database": database_check(engine), "kafka": kafka_check(settings.kafka_bootstrap_servers)}
    try:
        async with httpx.AsyncClient() as http, asyncio.TaskGroup() as tasks:
            tasks.create_task(consumer.run(stop))
            tasks.create_task(Dispatcher(settings, sessions, http).run(stop))
            tasks.create_task(serve_probes(settings.http_host, settings.http_port, checks, stop))
    finally:
        await producer.stop()
        await engine.dispose()
        log.info("notifier stopped")


def run() -> int:
    return run_service("notifier", get_settings(), serve)
