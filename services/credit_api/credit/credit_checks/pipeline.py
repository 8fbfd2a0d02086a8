"""The credit check pipeline: concurrent checks decided together in one transaction, so that a
commit and its WAL flush serve many checks instead of one. Batching is natural (group commit): a
lane that is free takes a check the moment it arrives and decides at once, alone if it is alone;
the checks that arrive while every lane is deciding wait and form the next batch. Nothing ever
waits for a timer, so an idle check costs no more than its own work, and batches grow by themselves
exactly when the load makes them worth it. A few lanes decide batches at once, each on its own
connection; the customers' row locks keep them correct together, as they keep several API
processes correct.

A lane never takes a check that would wait for a batch being decided: one of the same customer, or
of the same tree of credit groups (every check under a tree locks its top group). Such a check
waits here instead, where the checks that arrive meanwhile join its batch, rather than in
PostgreSQL holding a connection and the locks it took first. Checks that share no rows with the
batches being decided are taken past it; checks that share rows are taken in the order they came.
Which tree a customer is in is learned from the batches decided: a customer not seen yet, or moved
since, at worst waits for a lock in PostgreSQL as before.

A batch that fails as a whole (a lost connection, a statement the database refuses) is decided
again check by check, each in its own transaction, so that one check's failure stays its own."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import islice

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
Row = tuple[str, str]  # ("customer", code) or ("group", code): what a check locks and others wait on
# Customers whose tree the pipeline remembers; past this many it forgets them all and learns again
# from the batches it decides (a bound on memory, not a rule).
REMEMBERED = 100_000


class CheckPipeline:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: ApiSettings) -> None:
        self._sessions = sessions
        self._settings = settings
        self._size = settings.check_batch_size
        self._lanes = settings.check_batch_lanes
        self._waiting: deque[Waiting] = deque()
        self._changed = asyncio.Event()  # a check arrived or a batch was decided
        self._flying: dict[int, frozenset[Row]] = {}  # lane: the rows of the batch it decides
        self._roots: dict[str, str] = {}  # customer: the top group of its tree, as last read
        self._landed = 0  # batches decided: what blocks a waiting check changes only then
        # When a free lane last found nothing to take: batches decided by then, checks read, the
        # rows they block. Until another batch is decided, a new arrival is read alone, not the
        # whole queue again behind a tree a long transaction holds.
        self._stuck: tuple[int, int, set[Row]] | None = None

    async def submit(self, asked: service.Asked) -> service.Answer:
        """The check's answer; a refusal by a rule is raised as the domain error it is."""
        answer: asyncio.Future[service.Answer] = asyncio.get_running_loop().create_future()
        free = not self._waiting and len(self._flying) < self._lanes
        at_once = free and not any(self._rows(asked) & rows for rows in self._flying.values())
        ARRIVALS.labels("at_once" if at_once else "queued").inc()
        self._waiting.append((asked, answer))
        self._changed.set()
        return await answer

    async def run(self, stop: asyncio.Event) -> None:
        lanes = [asyncio.create_task(self._lane(n)) for n in range(self._lanes)]
        await stop.wait()
        for lane in lanes:
            lane.cancel()
        for lane in lanes:
            with contextlib.suppress(asyncio.CancelledError):
                await lane

    async def _lane(self, n: int) -> None:
        while True:
            self._changed.clear()
            taken = self._take()
            if taken is None:
                await self._changed.wait()
                continue
            batch, self._flying[n] = taken
            try:
                await self._decide(batch)
            finally:
                del self._flying[n]
                self._landed += 1
                self._changed.set()

    def _take(self) -> tuple[list[Waiting], frozenset[Row]] | None:
        """The next batch for a free lane: the oldest checks, up to a batch, that share no row with
        a batch being decided nor with an older check left waiting."""
        if not self._waiting:
            return None
        read, blocked = 0, set().union(*self._flying.values())
        if self._stuck is not None and self._stuck[0] == self._landed:
            _, read, blocked = self._stuck
        batch: list[Waiting] = []
        rows: set[Row] = set()
        left: deque[Waiting] = deque(islice(self._waiting, read))
        queued = islice(self._waiting, read, None)
        for waiting in queued:
            if waiting[1].cancelled():
                continue  # its caller's deadline passed while it waited
            mine = self._rows(waiting[0])
            if mine & blocked:
                left.append(waiting)
                blocked |= mine
                continue
            batch.append(waiting)
            rows |= mine
            if len(batch) == self._size:
                break
        if not batch:
            self._stuck = (self._landed, len(self._waiting), blocked)
            return None
        left.extend(queued)  # the rest, as they came: a long queue is not read check by check
        self._waiting, self._stuck = left, None
        return batch, frozenset(rows)

    def _rows(self, asked: service.Asked) -> set[Row]:
        code = asked.body.customer_code
        root = self._roots.get(code)
        return {("customer", code)} if root is None else {("customer", code), ("group", root)}

    def _learn(self, roots: dict[str, str | None]) -> None:
        if len(self._roots) > REMEMBERED:
            self._roots.clear()
        for code, root in roots.items():
            if root is None:
                self._roots.pop(code, None)
            else:
                self._roots[code] = root

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
            checked = await service.check_batch(session, asked, self._settings, datetime.now(UTC))
        self._learn(checked.roots)
        return checked.outcomes

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
