"""Credit assessment: each customer scored by the active scorecard on its statements, its payment
behaviour and its attributes, whenever one of them changes, daily, and for everyone when the
scorecard changes. A change of score or grade is published as `risk.assessment_changed`."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.risk_worker.assessments import repository
from services.risk_worker.assessments.repository import Current, CustomerFacts
from services.risk_worker.settings import WorkerSettings
from shared import scorecards, warning_policies
from shared.domain import behaviour, exposure, financials, fx, scorecard, warnings
from shared.domain.money import format_amount, round_money
from shared.events import (
    ASSESSMENT_CHANGED,
    WARNING_LEVEL_CHANGED,
    AssessmentChanged,
    CloudEvent,
    FinancialStatementFiled,
    WarningIndicator,
    WarningLevelChanged,
    new_event,
)
from shared.models.risk_worker import Outbox
from shared.outbox import add_to_outbox
from shared.policy_documents import Parsed
from shared.tracing import continued, tracer

log = structlog.get_logger(__name__)
CHUNK = 2000
# Customers due after their events are taken a few at a time: each transaction's reads and
# scoring stay short, so the consumers sharing the event loop are never held up for long.
DUE_CHUNK = 100
YIELD_EVERY = 20
# Score drops, downgrades and bounced payments count over this many days.
WARNING_WINDOW_DAYS = 90
# Advisory lock key of the periodic reassessment ("CRAS").
POLL_LOCK = 0x43524153


@dataclass(frozen=True)
class Publish:
    source: str
    topic: str


class Policies:
    """The active scorecard and warning policy, each parsed once per version."""

    def __init__(self) -> None:
        self._cards = Parsed(scorecards.default(), scorecards.parse)
        self._warnings = Parsed(warning_policies.default(), warning_policies.parse)

    async def scorecard(self, session: AsyncSession) -> scorecard.Scorecard:
        return self._cards.active(await repository.active_scorecard(session))

    async def warning_policy(self, session: AsyncSession) -> warnings.Policy:
        return self._warnings.active(await repository.active_warning_policy(session))


def _subject(
    facts: CustomerFacts,
    statements: Sequence[financials.Statement],
    invoices: Sequence[tuple[str, behaviour.Invoice]],
    bounced: Sequence[date],
    as_of: date,
    card: scorecard.Scorecard,
    convert: scorecard.Convert,
) -> scorecard.Subject:
    """Invoices weigh in the credit currency; one in a currency without a rate is left out, and the
    assessment says so."""
    weighed: list[behaviour.Invoice] = []
    unrated: set[str] = set()
    for currency, invoice in invoices:
        if currency == facts.currency:
            weighed.append(invoice)
            continue
        rate = convert(Decimal(1), currency)
        if rate is None:
            unrated.add(currency)
            continue
        weighed.append(
            behaviour.Invoice(
                invoice.amount * rate,
                invoice.open_amount * rate,
                invoice.issue_date,
                invoice.due_date,
                invoice.settled_on,
            )
        )
    return scorecard.Subject(
        customer_code=facts.customer_code,
        currency=facts.currency,
        behaviour=behaviour.assess(weighed, bounced, as_of, card.behaviour),
        statement=statements[0] if statements else None,
        previous_statement=statements[1] if len(statements) > 1 else None,
        industry=facts.industry,
        country=facts.country,
        listed=facts.listed,
        customer_since=facts.customer_since,
        notes=tuple(
            f"no exchange rate {c}/{facts.currency}: invoices in {c} not weighed" for c in sorted(unrated)
        ),
        invoices=tuple(weighed),
        bounced=tuple(bounced),
    )


def _warning(
    policy: warnings.Policy,
    facts: CustomerFacts,
    subject: scorecard.Subject,
    a: scorecard.Assessment,
    before: tuple[Decimal, str] | None,
    stored: repository.StoredWarning | None,
    resolution: tuple[uuid.UUID, datetime] | None,
    reserved: Decimal,
    broken: int,
    grades: tuple[str, ...],
    as_of: date,
    now: datetime,
) -> tuple[repository.WarningRow, WarningLevelChanged | None]:
    """The customer's early-warning level after this assessment, from the state the last one left,
    and the change to publish when the level moved (or when an alert a person resolved is to be
    reopened)."""
    b = subject.behaviour
    open_invoices = [i for i in subject.invoices if i.settled_on is None]
    receivables = sum((i.open_amount for i in open_invoices), Decimal(0))
    overdue = sum((i.open_amount for i in open_invoices if i.due_date < as_of), Decimal(0))
    values = warnings.indicator_values(
        max_days_past_due=b.max_days_past_due,
        overdue=overdue,
        receivables=receivables,
        exposure=receivables + reserved,
        limit=facts.limit,
        score_now=a.score,
        score_before=None if before is None else before[0],
        grade_now=a.grade,
        grade_before=None if before is None else before[1],
        grades=grades,
        altman_zone=None if a.altman is None or a.altman.zone is None else a.altman.zone.value,
        bounced_payments=sum(1 for d in subject.bounced if (as_of - d).days < WARNING_WINDOW_DAYS),
        trend_days=b.trend_days,
        limit_valid_until=facts.limit_valid_until,
        broken_promises=broken,
        today=as_of,
    )
    states = {} if stored is None else {name: _state(s) for name, s in stored.indicators.items()}
    result = warnings.evaluate(policy, states, values, as_of)
    previous = warnings.Level(stored.level) if stored is not None else warnings.Level.NORMAL
    since = now if stored is None or previous != result.level else stored.since
    reopen, reopened_for = None, None if stored is None else stored.reopened_for
    if stored is not None and previous == result.level and resolution is not None:
        reopen = warnings.reopening(policy, result.level, since, resolution[1], stored.reopened_for)
        reopened_for = resolution[1] if reopen is not None else reopened_for
    shown = {
        name: {
            "value": _indicator(values.get(name)),
            "level": state.level.label,
            "pending": {lvl.label: day.isoformat() for lvl, day in state.pending.items()},
        }
        for name, state in result.states.items()
    }
    row = repository.WarningRow(
        customer_code=facts.customer_code,
        level=int(result.level),
        holds_orders=policy.hold_orders_at is not None and result.level >= policy.hold_orders_at,
        causes=list(result.causes),
        indicators=shown,
        policy_version=policy.version,
        since=since,
        reopened_for=reopened_for,
    )
    if previous == result.level and reopen is None:
        return row, None
    effects = warnings.effects(policy, previous, result.level)
    change = WarningLevelChanged(
        customer_code=facts.customer_code,
        level=result.level.label,
        previous_level=previous.label,
        causes=list(result.causes),
        indicators=[
            WarningIndicator(indicator=name, value=state["value"], level=state["level"])
            for name, state in sorted(shown.items())
            if state["level"] != warnings.Level.NORMAL.label
        ],
        actions=list(effects.actions if reopen is None else reopen),
        unblock=effects.unblock,
        policy_version=policy.version,
        changed_at=now,
        reopens=None if reopen is None or resolution is None else resolution[0],
    )
    return row, change


def _reserved(
    live: Sequence[tuple[Decimal, str, list[tuple[str, Decimal]]]], convert: scorecard.Convert
) -> Decimal:
    """What live reservations still hold, in the credit currency, as the credit check counts them:
    each order's reservation (made in the credit currency) less what has been invoiced for it. An
    invoice in a currency without a rate consumes nothing: the reservation counts in full rather
    than be guessed away."""
    total = Decimal(0)
    for amount, currency, invoiced in live:
        reserved = convert(amount, currency)
        if reserved is None:
            continue
        consumed = sum((v for cur, a in invoiced if (v := convert(a, cur)) is not None), Decimal(0))
        total += exposure.reservation_remaining(reserved, consumed)
    return total


def _indicator(value: Decimal | None) -> str | None:
    """To four decimals at most, without trailing zeros: 1.3, 0.4286, 45."""
    return None if value is None else scorecard.number(value.quantize(Decimal("0.0001")))


def _state(stored: dict[str, Any]) -> warnings.State:
    return warnings.State(
        warnings.Level[stored["level"].upper()],
        {warnings.Level[lvl.upper()]: date.fromisoformat(day) for lvl, day in stored["pending"].items()},
    )


def _money(amount: Decimal, currency: str) -> str:
    return format_amount(round_money(amount, currency), currency)


def _changed(before: Current | None, a: scorecard.Assessment, explanation: dict[str, object]) -> bool:
    """A new score, grade, scorecard or recommendation: what a person would call a new assessment."""
    if before is None:
        return True
    keys = ("recommended_limit", "recommended_terms")
    return (before.score, before.grade, before.scorecard_version) != (a.score, a.grade, a.version) or any(
        before.explanation.get(k) != explanation[k] for k in keys
    )


async def reassess(
    session: AsyncSession,
    codes: Sequence[str],
    *,
    as_of: date,
    now: datetime,
    trigger: str,
    publish: Publish,
    policies: Policies,
) -> int:
    """Assess these customers; returns how many changed score or grade. Stubs without a credit file
    wait for it. Set-wise: a handful of statements whatever the number of customers."""
    card = await policies.scorecard(session)
    facts = await repository.customers(session, sorted(set(codes)))
    known = sorted(facts)
    if not known:
        return 0
    since = behaviour.months_before(as_of, card.behaviour.window_months)
    statements = await repository.statements(session, known)
    invoices = await repository.invoices(session, known, since)
    bounced = await repository.bounced(session, known, since)
    rates = await repository.fx_rates(session, as_of)
    current = await repository.current(session, known)
    window_start = datetime.combine(as_of - timedelta(days=WARNING_WINDOW_DAYS), time(), UTC)
    earlier = await repository.assessed_before(session, known, window_start)
    warned = await repository.warning_states(session, known)
    resolutions = await repository.person_resolutions(session, known)
    live = await repository.reservations(session, known, now)
    broken = await repository.broken_promises(session, known, as_of - timedelta(days=WARNING_WINDOW_DAYS))
    policy = await policies.warning_policy(session)
    grades = tuple(g.grade for g in card.grades)
    rows: list[repository.Row] = []
    warnings_rows: list[repository.WarningRow] = []
    events: list[tuple[str, CloudEvent]] = []
    for n, code in enumerate(known):
        if n and not n % YIELD_EVERY:
            # Scoring is CPU work on the event loop the Kafka consumers share: let them run.
            await asyncio.sleep(0)
        f = facts[code]
        convert = fx.converter(rates, f.currency)
        subject = _subject(
            f, statements.get(code, []), invoices.get(code, []), bounced.get(code, []), as_of, card, convert
        )
        a = scorecard.assess(card, subject, as_of, convert)
        warning, change = _warning(
            policy,
            f,
            subject,
            a,
            earlier.get(code),
            warned.get(code),
            resolutions.get(code),
            _reserved(live.get(code, []), convert),
            broken.get(code, 0),
            grades,
            as_of,
            now,
        )
        warnings_rows.append(warning)
        if change is not None:
            moved = new_event(
                source=publish.source, type_=WARNING_LEVEL_CHANGED, subject=code, data=change, time=now
            )
            events.append((publish.topic, moved))
        cur = f.currency
        explanation = scorecard.explain(a, partial(_money, currency=cur))
        before = current.get(code)
        changed = _changed(before, a, explanation)
        rows.append(
            repository.Row(
                customer_code=code,
                score=a.score,
                grade=a.grade,
                scorecard_version=a.version,
                currency=cur,
                recommended_limit=a.recommendation.limit,
                recommended_terms=a.recommendation.terms,
                review_months=a.review_months,
                as_of=as_of,
                explanation=explanation,
                changed_at=now if changed or before is None else before.changed_at,
                changed=changed,
            )
        )
        if before is None or (before.score, before.grade) != (a.score, a.grade):
            data = AssessmentChanged(
                customer_code=code,
                score=str(a.score),
                grade=a.grade,
                previous_score=None if before is None else str(before.score),
                previous_grade=None if before is None else before.grade,
                scorecard_version=a.version,
                recommended_limit=str(explanation["recommended_limit"]),
                recommended_terms=a.recommendation.terms,
                currency=cur,
                review_months=a.review_months,
                as_of=as_of,
                reasons=list(a.reasons),
            )
            event = new_event(
                source=publish.source, type_=ASSESSMENT_CHANGED, subject=code, data=data, time=now
            )
            events.append((publish.topic, event))
    await repository.save(session, rows, trigger, now)
    await repository.save_warnings(session, warnings_rows, now)
    await add_to_outbox(session, Outbox, events)
    return len(events)


async def reassess_everyone(
    sessions: async_sessionmaker[AsyncSession],
    *,
    as_of: date,
    trigger: str,
    publish: Publish,
    policies: Policies,
    progress: bool = False,
) -> tuple[str, int, int]:
    """Every customer of the credit file, a chunk per transaction; then the run is recorded. A run
    cut short is done again whole: an assessment that did not change publishes nothing."""
    after, assessed, changed = "", 0, 0
    async with sessions() as session:
        version = (await policies.scorecard(session)).version
    while True:
        async with sessions() as session, session.begin():
            codes = await repository.all_customers(session, after, CHUNK)
            if not codes:
                await repository.finish_reassessment(session, version, as_of)
                break
            changed += await reassess(
                session,
                codes,
                as_of=as_of,
                now=datetime.now(UTC),
                trigger=trigger,
                publish=publish,
                policies=policies,
            )
        assessed += len(codes)
        after = codes[-1]
        if progress:
            print(f"\rreassessed {assessed} customers, {changed} changed", end="", flush=True)
    if progress:
        print()
    return version, assessed, changed


async def run(
    settings: WorkerSettings, sessions: async_sessionmaker[AsyncSession], stop: asyncio.Event
) -> None:
    """Every `assessment_interval_seconds`, the customers marked due by the batches applied since;
    every `reassess_poll_seconds`, everyone when the active scorecard changed or a new day began,
    else the customers whose credit file changed since their assessment (new ones included)."""
    policies = Policies()
    publish = Publish(settings.source, settings.risk_events_topic)
    loop = asyncio.get_running_loop()
    next_poll = loop.time()
    while not stop.is_set():
        now = datetime.now(UTC)
        if loop.time() >= next_poll:
            next_poll = loop.time() + settings.reassess_poll_seconds
            await _poll(sessions, now, publish, policies)
        while not stop.is_set():
            async with sessions() as session, session.begin():
                # Only what was due when the round began: under a steady stream of events the
                # batches mark customers due again faster than a round takes them, and a round
                # that waited for none to be left would reassess them without pause, taking the
                # event loop from the consumers.
                due = await repository.take_due(session, DUE_CHUNK, marked_by=now)
                if due:
                    # Continues the trace of the first batch that made a customer due, linked to
                    # the others: what the reassessment publishes joins the events' traces.
                    context, links = continued(traceparent for _, traceparent in due if traceparent)
                    with tracer.start_as_current_span(
                        "risk-worker reassess",
                        context=context,
                        links=links,
                        attributes={"credence.customers": len(due)},
                    ):
                        await reassess(
                            session,
                            [code for code, _ in due],
                            as_of=now.date(),
                            now=now,
                            trigger="events",
                            publish=publish,
                            policies=policies,
                        )
            if len(due) < DUE_CHUNK:
                break
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.assessment_interval_seconds)


async def _poll(
    sessions: async_sessionmaker[AsyncSession], now: datetime, publish: Publish, policies: Policies
) -> None:
    """One replica at a time: two reassessing everyone together would both publish a new
    customer's first assessment."""
    async with exclusively(sessions) as mine:
        if mine:
            await _reassess_stale(sessions, now, publish, policies)


@asynccontextmanager
async def exclusively(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[bool]:
    """Whether this process may reassess in bulk now; it may until the block ends. The guard's
    transaction does nothing but hold the lock, across the run's own transactions."""
    async with sessions() as guard, guard.begin():
        yield await repository.try_lock(guard, POLL_LOCK)


async def _reassess_stale(
    sessions: async_sessionmaker[AsyncSession], now: datetime, publish: Publish, policies: Policies
) -> None:
    async with sessions() as session:
        active = (await policies.scorecard(session)).version
        last = await repository.last_reassessment(session)
        activation = await repository.scorecard_activation(session)
    if last is None or last[0] != active or last[1] < now.date():
        trigger = "daily" if last is not None and last[0] == active else "scorecard"
        # A new scorecard continues the trace of the request that activated it; a new day starts
        # a trace of its own.
        context, _ = continued([activation] if trigger == "scorecard" and activation else [])
        with tracer.start_as_current_span(
            "risk-worker reassess everyone", context=context, attributes={"credence.trigger": trigger}
        ) as span:
            version, assessed, changed = await reassess_everyone(
                sessions, as_of=now.date(), trigger=trigger, publish=publish, policies=policies
            )
            span.set_attribute("credence.customers", assessed)
        log.info("reassessed", trigger=trigger, scorecard=version, customers=assessed, changed=changed)
        return
    async with sessions() as session, session.begin():
        stale = await repository.stale(session, CHUNK)
        if not stale:
            return
        attributes: dict[str, str | int] = {"credence.customers": len(stale)}
        attributes["credence.trigger"] = "credit_file"
        with tracer.start_as_current_span("risk-worker reassess", attributes=attributes):
            await reassess(
                session,
                stale,
                as_of=now.date(),
                now=now,
                trigger="credit_file",
                publish=publish,
                policies=policies,
            )


async def file_statements(session: AsyncSession, statements: Sequence[FinancialStatementFiled]) -> list[str]:
    """Financial statements from the ERP: a later one for the same period replaces the earlier.
    Returns the customers whose assessment they change."""
    latest = {(s.customer_code, s.period_end): s for s in statements}
    await repository.save_statements(session, list(latest.values()))
    return sorted({code for code, _ in latest})


async def mark_due(session: AsyncSession, codes: Sequence[str], traceparent: str | None) -> None:
    """These customers are reassessed at the next round (`run`), once however often they were marked."""
    await repository.mark_due(session, codes, traceparent)
