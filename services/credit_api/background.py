"""What credit_api runs beside its HTTP server: the outbox relay, the event consumer, the daily
dunning and statement runs, and housekeeping (expired reservations, old idempotency answers, the
credit groups' utilisation once a day)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, date, datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.credit_api.collections.dunning import service as collections
from services.credit_api.consumer import CreditApiHandler
from services.credit_api.credit.reservations import service as reservations
from services.credit_api.finance.statements import service as statements
from services.credit_api.kernel.idempotency import service as idempotency
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.settings import ApiSettings
from services.credit_api.warnings.group_alerts import service as group_alerts
from shared.consumer import BatchConsumer, ConsumerConfig, EachRecord
from shared.kafka import make_producer
from shared.models.credit_api import Outbox
from shared.outbox import OutboxRelay
from shared.roles import Role
from shared.runtime import supervise

# The platform's own evaluations are audited as such.
SYSTEM = Principal(key_id=str(uuid.UUID(int=0)), name="group-warnings", role=Role.ADMIN, kind="system")

log = structlog.get_logger(__name__)


async def run(settings: ApiSettings, sessions: async_sessionmaker[AsyncSession], stop: asyncio.Event) -> None:
    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(supervise("kafka", lambda s: _kafka(settings, sessions, s), stop))
        tasks.create_task(supervise("housekeeping", lambda s: _housekeeping(settings, sessions, s), stop))
        if settings.dunning_daily:
            tasks.create_task(supervise("dunning", lambda s: _dunning(settings, sessions, s), stop))


async def _kafka(
    settings: ApiSettings, sessions: async_sessionmaker[AsyncSession], stop: asyncio.Event
) -> None:
    producer = make_producer(settings.kafka_bootstrap_servers, client_id="credence-credit-api")
    await producer.start()
    try:
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(OutboxRelay(Outbox, sessions, producer).run(stop))
            if settings.consume_events:
                consumer = BatchConsumer(
                    ConsumerConfig(
                        name="credit-api",
                        bootstrap=settings.kafka_bootstrap_servers,
                        topics=[settings.ar_events_topic, settings.risk_events_topic],
                        group_id=settings.group_id,
                        dead_letter_topic=settings.dead_letter_topic,
                    ),
                    sessions,
                    EachRecord(CreditApiHandler(settings)),
                    producer,
                )
                tasks.create_task(consumer.run(stop))
    finally:
        await producer.stop()


async def _housekeeping(
    settings: ApiSettings, sessions: async_sessionmaker[AsyncSession], stop: asyncio.Event
) -> None:
    evaluated: date | None = None
    while not stop.is_set():
        now = datetime.now(UTC)
        async with sessions() as session, session.begin():
            expired = await reservations.expire_due(session, settings, now)
            purged = await idempotency.purge_before(
                session, now - timedelta(hours=settings.idempotency_retention_hours)
            )
        if expired or purged:
            log.info("housekeeping", reservations_expired=expired, idempotency_keys_purged=purged)
        if evaluated != now.date():
            # The groups' utilisation, once a business day (the customers' levels are the risk worker's).
            async with sessions() as session, session.begin():
                run = await group_alerts.evaluate(session, SYSTEM, settings, now.date(), now)
            evaluated = now.date()
            log.info("group warnings", as_of=run.as_of.isoformat(), opened=run.opened, resolved=run.resolved)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 60)


async def _dunning(
    settings: ApiSettings, sessions: async_sessionmaker[AsyncSession], stop: asyncio.Event
) -> None:
    while not stop.is_set():
        today = datetime.now(UTC).date()
        for done in await collections.catch_up(sessions, today, settings):
            log.info("dunning run", as_of=done.as_of.isoformat(), notices=done.notices, tasks=done.tasks)
        for mailed in await statements.catch_up(sessions, today, settings):
            log.info("statement run", as_of=mailed.as_of.isoformat(), sent=mailed.sent)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.dunning_poll_seconds)
