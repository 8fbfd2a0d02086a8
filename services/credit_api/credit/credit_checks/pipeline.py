"""The credit check pipeline: concurrent checks decided together in one transaction, so that a
commit and its WAL flush serve many checks instead of one. Batching is natural (group commit): a
lane that is free takes a check the moment it arrives and decides at once, alone if it is alone;
the checks that arrive while every lane is deciding wait in the queue and form the next batch.
Nothing ever waits for a timer, so an idle check costs no more than its own work, and batches grow
by themselves exactly when the load makes them worth it. A few lanes decide batches at once, each
on its own connection; the customers' row locks keep them correct together, as they keep several
API processes correct.

A batch that fails as a whole (a lost connection, a statement the database refuses) is decided
again check by check, each in its own transaction, so that one check's failure stays its own."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import UTC, datetime

import structlog
from prometheus_client import Counter, Histogram
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.credit_api.credit.credit_checks import service
from services.credit_api.kernel.settings import ApiSettings

log = structlog.get_logger(__name__)

BATCH_SIZE = Histogram(
    "credence_credit_check_batch_size",
    "Credit checks decided per transaction",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)
BATCH_SECONDS = Histogram(
    "credence_credit_check_batch_seconds",
    "Time to decide and commit one batch of credit checks",
    buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0),
)
# How a check met the pipeline: a free lane took it at once, or it queued behind batches being
# decided and joined the next one. The share of `queued` grows with the load, as batching should.
ARRIVALS = Counter("credence_credit_check_arrivals_total", "Credit checks by how a lane took them", ["taken"])
# Each reason of a decision counts once (a decision without reasons as reason "none"), replays not
# at all: the rate of `limit_exceeded` refusals is what a credit manager watches.
DECISIONS = Counter(
    "credence_credit_decisions_total", "Credit check decisions by decision and reason", ["decision", "reason"]
)

Waiting = tuple[service.Asked, "asyncio.Future[service.Answer]"]


class CheckPipeline:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: ApiSettings) -> None:
        self._sessions = sessions
        self._settings = settings
        self._size = settings.check_batch_size
        self._queue: asyncio.Queue[Waiting] = asyncio.Queue()
        self._free = 0  # lanes waiting for a check

    async def submit(self, asked: service.Asked) -> service.Answer:
        """The check's answer; a refusal by a rule is raised as the domain error it is."""
        answer: asyncio.Future[service.Answer] = asyncio.get_running_loop().create_future()
        # A free lane is woken by this put and takes the check before any other arrives.
        ARRIVALS.labels("at_once" if self._free > self._queue.qsize() else "queued").inc()
        self._queue.put_nowait((asked, answer))
        return await answer

    async def run(self, stop: asyncio.Event) -> None:
        lanes = [asyncio.create_task(self._lane()) for _ in range(self._settings.check_batch_lanes)]
        await stop.wait()
        for lane in lanes:
            lane.cancel()
        for lane in lanes:
            with contextlib.suppress(asyncio.CancelledError):
                await lane

    async def _lane(self) -> None:
        while True:
            self._free += 1
            try:
                batch = [await self._queue.get()]
            finally:
                self._free -= 1
            self._take(batch)
            await self._decide(batch)

    def _take(self, batch: list[Waiting]) -> None:
        while len(batch) < self._size and not self._queue.empty():
            batch.append(self._queue.get_nowait())

    async def _decide(self, batch: Sequence[Waiting]) -> None:
        waiting = [(asked, answer) for asked, answer in batch if not answer.cancelled()]
        if not waiting:
            return
        BATCH_SIZE.observe(len(waiting))
        with BATCH_SECONDS.time():
            try:
                outcomes: Sequence[service.Outcome | BaseException] = await self._transaction(
                    [asked for asked, _ in waiting]
                )
            except Exception as exc:
                if len(waiting) == 1:
                    outcomes = [exc]
                else:
                    log.warning("credit check batch failed; deciding its checks one by one", error=str(exc))
                    outcomes = [await self._alone(asked) for asked, _ in waiting]
        for (_, answer), outcome in zip(waiting, outcomes, strict=True):
            if answer.done():
                continue
            if isinstance(outcome, BaseException):
                answer.set_exception(outcome)
            else:
                _count(outcome)
                answer.set_result(outcome)

    async def _transaction(self, asked: Sequence[service.Asked]) -> list[service.Outcome]:
        async with self._sessions() as session, session.begin():
            return await service.check_batch(session, asked, self._settings, datetime.now(UTC))

    async def _alone(self, asked: service.Asked) -> service.Outcome | BaseException:
        try:
            [outcome] = await self._transaction([asked])
        except Exception as exc:
            return exc
        return outcome


def _count(outcome: service.Outcome) -> None:
    if not isinstance(outcome, service.Answer) or outcome.decided is None:
        return
    decision, reasons = outcome.decided
    for code in reasons or ("none",):
        DECISIONS.labels(decision, code).inc()
