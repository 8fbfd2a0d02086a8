"""The daily dunning run: every open invoice of every customer checked against the dunning policy
of the customer's grade, as of a business date; notices and tasks recorded with the step each item
took, and the final notice's credit stop, all in one transaction. Each step of each item happens
once (the key of `dunning_steps`), so a run repeated or caught up changes nothing it already did.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import structlog
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.credit_api.access.portal_links import service as portal_links
from services.credit_api.collections.cash_application import service as cash_application
from services.credit_api.collections.contacts import service as contact_log
from services.credit_api.collections.disputes import service as disputes
from services.credit_api.collections.dunning import repository
from services.credit_api.collections.dunning.schemas import CustomerDunningOut, StepOut, TaskOut
from services.credit_api.collections.interest import service as claims
from services.credit_api.collections.promises import service as promises
from services.credit_api.collections.receivables import repository as ledger
from services.credit_api.credit.customers import service as customers
from services.credit_api.credit.fx_rates.service import rates_for
from services.credit_api.kernel import days
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.settings import ApiSettings
from services.credit_api.policies.dunning_policies import service as dunning_policies
from shared.domain import dunning, fx, interest
from shared.domain.money import format_amount
from shared.events import DUNNING_NOTICE_ISSUED, CloudEvent, DunningNoticeIssued, new_event
from shared.models.credit_api import CollectionTask, DunningNotice, DunningRun, Outbox
from shared.outbox import outbox_row
from shared.roles import Role

CREDIT_STOP = "dunning: final notice"
DUNNING = Principal(key_id=str(uuid.UUID(int=1)), name="dunning", role=Role.ADMIN, kind="system")

log = structlog.get_logger(__name__)


async def customer_dunning(session: AsyncSession, customer_code: str) -> CustomerDunningOut:
    await customers.get(session, customer_code)
    return CustomerDunningOut(
        customer_code=customer_code,
        steps=[StepOut.model_validate(s) for s in await repository.customer_steps(session, customer_code)],
        tasks=[TaskOut.model_validate(t) for t in await repository.customer_tasks(session, customer_code)],
    )


@dataclass(frozen=True)
class RunResult:
    as_of: date
    policy_version: str
    customers: int
    notices: int
    tasks: int
    already_done: bool = False
    # Currencies without a rate into the policy's: their items could not count toward a step's
    # minimum, and the steps they would have made wait.
    missing_rates: tuple[str, ...] = ()


async def run(session: AsyncSession, as_of: date, settings: ApiSettings) -> RunResult:
    """Dunning as of `as_of`, after any run under way elsewhere. Notices leave through the outbox
    for the notifier; one meant for email to a customer without an accounts-payable address is
    also a task, so that somebody finds one."""
    await repository.lock(session)
    policy = await dunning_policies.active(session)
    if await repository.ran(session, as_of):
        return RunResult(as_of, policy.version, 0, 0, 0, already_done=True)
    earliest = min(s.offset_days for steps in policy.steps.values() for s in steps)
    rows = await repository.open_invoices(session, as_of - timedelta(days=earliest))
    by_customer: dict[str, list[Row[tuple[Any, ...]]]] = {}
    for row in rows:
        by_customer.setdefault(row.customer_code, []).append(row)
    codes = sorted(by_customer)
    # Kept or broken first: a broken promise's invoices are dunned again today.
    broken = await promises.settle(session, as_of, policy.promise_grace_days, DUNNING, settings)
    aged = await disputes.escalate_aged(session, as_of, policy.dispute_age_days)
    await disputes.close_settled(session, as_of, DUNNING, settings)
    promised = await promises.paused(session, codes)
    disputed = await disputes.paused(session, codes)
    # A payment a person has yet to match may be paying them.
    matched = await cash_application.paused(session, codes)
    history = await repository.history(session, codes)
    late_keys = [(r.customer_code, r.item_id) for r in rows if r.due_date < as_of]
    paid, corrected = (
        await ledger.reductions(session, late_keys),
        await ledger.corrections(session, late_keys),
    )
    invoices = {(r.customer_code, r.item_id): r for r in rows}
    last = await repository.last_notices(session, codes)
    waived = await claims.waived_open(session)
    rates = await rates_for(session, as_of, None)
    notices: list[DunningNotice] = []
    tasks: list[CollectionTask] = []
    steps: list[dict[str, Any]] = []
    stops: list[str] = []
    missing: set[str] = set()
    convert = fx.converter(rates, policy.currency)
    # A run for a past day (catching up) gives links that expire as that day's would have.
    run_at = datetime.combine(as_of, time.min, tzinfo=UTC)
    for code in codes:
        held = disputed.get(code, set()) | promised.get(code, set()) | matched.get(code, set())
        items = [
            _item(r, history.get((code, r.item_id), ()), r.item_id in held or promises.ANY_ITEM in held)
            for r in by_customer[code]
        ]
        grade = policy.for_grade(by_customer[code][0].grade)
        plan = dunning.plan(
            grade,
            items,
            as_of,
            last_message_on=last.get(code),
            min_gap_days=policy.min_gap_days,
            convert=convert,
        )
        missing |= plan.missing_rates
        for action in plan.actions:
            listed = [
                _line(
                    i,
                    as_of,
                    None
                    if (code, i.item_id) in waived
                    else claims.owed(
                        invoices[code, i.item_id],
                        paid.get((code, i.item_id), []),
                        as_of,
                        policy,
                        corrected.get((code, i.item_id), []),
                    ),
                )
                for i in action.items
            ]
            if action.step.message:
                notice = DunningNotice(
                    id=uuid.uuid4(),
                    customer_code=code,
                    step=action.step.name,
                    effect=action.step.effect,
                    as_of=as_of,
                    policy_version=policy.version,
                    channels=list(action.step.channels),
                    items=listed,
                )
                notices.append(notice)
                earlier = _earlier([history.get((code, i.item_id), []) for i in action.items])
                mailed = "email" in action.step.channels
                contacts = by_customer[code][0].contacts or {}
                portal = (
                    portal_links.issue(session, code, portal_links.NOTICE, DUNNING, run_at, settings)
                    if mailed and contacts.get("accounts_payable_email")
                    else None
                )
                issued = _issued(notice, settings.source, earlier, _pay_within(grade, action.step), portal)
                session.add(outbox_row(Outbox, settings.alerts_topic, issued))
                steps += _steps(code, action.items, action.step, as_of, "notice", notice_id=notice.id)
                if action.step.effect == "final_notice":
                    stops.append(code)
                if mailed and not contacts.get("accounts_payable_email"):
                    tasks.append(_task(code, "no_address", action.step, as_of, listed))
            else:
                task = _task(code, action.step.effect, action.step, as_of, listed)
                tasks.append(task)
                steps += _steps(code, action.items, action.step, as_of, "task", task_id=task.id)
        for item, step in plan.superseded:
            steps += _steps(code, [item], step, as_of, "superseded")
    tasks += [
        _task(p.customer_code, "broken_promise", None, as_of, [{
            "promise_id": str(p.id), "item_ids": p.item_ids, "amount": format_amount(p.amount, p.currency),
            "currency": p.currency, "promised_date": p.promised_date.isoformat(),
        }])
        for p in broken
    ]  # fmt: skip
    tasks += [
        _task(d.customer_code, "dispute_to_resolve", None, as_of, [{
            "dispute_id": str(d.id), "item_id": d.item_id, "amount": format_amount(d.amount, d.currency),
            "currency": d.currency, "opened_on": d.opened_on.isoformat(), "reason_code": d.reason_code,
        }])
        for d in aged
    ]  # fmt: skip
    tasks += await contact_log.due_follow_ups(session, as_of)
    await repository.record(session, notices, tasks, steps)
    first = await repository.first_run(session)
    await claims.claim_settled(session, first or as_of, as_of, policy, DUNNING, settings)
    if stops:
        await customers.block_many(session, DUNNING, stops, CREDIT_STOP)
    result = RunResult(
        as_of, policy.version, len(codes), len(notices), len(tasks), missing_rates=tuple(sorted(missing))
    )
    if missing:
        log.warning("dunning minimums without exchange rates", as_of=as_of, currencies=result.missing_rates)
    await repository.add_run(
        session,
        DunningRun(
            as_of=as_of,
            policy_version=policy.version,
            customers=len(codes),
            notices=len(notices),
            tasks=len(tasks),
        ),
    )
    return result


def _item(row: Row[tuple[Any, ...]], taken: Sequence[repository.Taken], paused: bool) -> dunning.Item:
    return dunning.Item(
        row.item_id,
        row.due_date,
        row.open_amount,
        row.currency,
        frozenset(t.step for t in taken),
        {t.step: t.as_of for t in taken if t.outcome != "superseded"},
        paused=paused,
    )


def _earlier(histories: Sequence[Sequence[repository.Taken]]) -> list[dict[str, Any]]:
    """The notices already issued for any of the items, oldest first, each once."""
    found = {t.notice_id: t for taken in histories for t in taken if t.notice_id is not None}
    return [
        {"notice_id": t.notice_id, "step": t.step, "effect": t.effect, "as_of": t.as_of}
        for t in sorted(found.values(), key=lambda t: (t.as_of, t.step))
    ]


def _pay_within(steps: Sequence[dunning.Step], step: dunning.Step) -> int | None:
    """What the notice can promise: the shortest gap after it of a step that presupposes it."""
    return min((s.gap_days for s in steps if s.after == step.name and s.gap_days), default=None)


def _issued(
    notice: DunningNotice,
    source: str,
    earlier: list[dict[str, Any]],
    pay_within_days: int | None,
    portal_url: str | None,
) -> CloudEvent:
    data = DunningNoticeIssued.model_validate(
        {
            "notice_id": notice.id,
            "customer_code": notice.customer_code,
            "step": notice.step,
            "effect": notice.effect,
            "as_of": notice.as_of,
            "channels": notice.channels,
            "items": notice.items,
            "policy_version": notice.policy_version,
            "earlier": earlier,
            "pay_within_days": pay_within_days,
            "portal_url": portal_url,
        }
    )
    return new_event(source=source, type_=DUNNING_NOTICE_ISSUED, subject=notice.customer_code, data=data)


def _task(
    code: str, kind: str, step: dunning.Step | None, as_of: date, listed: list[dict[str, Any]]
) -> CollectionTask:
    return CollectionTask(
        id=uuid.uuid4(),
        customer_code=code,
        kind=kind,
        step=None if step is None else step.name,
        as_of=as_of,
        items=listed,
    )


def _line(item: dunning.Item, as_of: date, late: interest.LateInterest | None) -> dict[str, Any]:
    line = {
        "item_id": item.item_id,
        "due_date": item.due_date.isoformat(),
        "days_past_due": item.days_past_due(as_of),
        "open_amount": format_amount(item.open_amount, item.currency),
        "currency": item.currency,
    }
    if late is not None and (late.interest or late.compensation):
        line["interest"] = format_amount(late.interest, item.currency)
        line["compensation"] = format_amount(late.compensation, item.currency)
        if late.periods:
            line["interest_rate"] = str(late.periods[-1].rate)
    return line


def _steps(
    code: str,
    items: Sequence[dunning.Item],
    step: dunning.Step,
    as_of: date,
    outcome: str,
    *,
    notice_id: uuid.UUID | None = None,
    task_id: uuid.UUID | None = None,
) -> list[dict[str, Any]]:
    return [
        {
            "customer_code": code,
            "item_id": i.item_id,
            "step": step.name,
            "outcome": outcome,
            "as_of": as_of,
            "notice_id": notice_id,
            "task_id": task_id,
        }
        for i in items
    ]


async def catch_up(
    sessions: async_sessionmaker[AsyncSession],
    today: date,
    settings: ApiSettings,
    *,
    first: date | None = None,
    done: Callable[[RunResult, int, int], None] | None = None,
) -> list[RunResult]:
    """Dunning for every day missed through `today` (`kernel.days.catch_up`)."""
    return await days.catch_up(
        sessions,
        today,
        lambda session, day: run(session, day, settings),
        repository.last_run,
        first=first,
        done=done,
    )
