"""A customer's statement of account for a period (`shared/domain/statements.py` over the journal),
as JSON, or as CSV and PDF in the customer's language; and the daily run that e-mails statements on
the dunning policy's schedule, once per customer and period: each is recorded under that key with
its `statement.issued` event (outbox) in the day's transaction, so a run repeated, or killed and
run again, sends nothing twice, and the notifier's inbox does the same for a redelivered event."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.credit_api.access.portal_links import service as portal_links
from services.credit_api.credit.customers import service as customers
from services.credit_api.finance.statements import documents, repository
from services.credit_api.finance.statements.schemas import (
    AccountOut,
    BucketAmount,
    LineOut,
    OpenItemOut,
    StatementOut,
)
from services.credit_api.kernel import days
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.settings import ApiSettings
from services.credit_api.policies.dunning_policies import service as dunning_policies
from shared.domain.errors import NotFound
from shared.domain.money import format_amount
from shared.domain.statements import Entry, monthly_period, moved_period, period, statement
from shared.events import STATEMENT_ISSUED, ClosingBalance, StatementIssued, new_event
from shared.models.credit_api import Customer, Outbox, StatementRun
from shared.outbox import outbox_row
from shared.roles import Role

# Statements drawn, recorded and their events written per this many customers: memory stays bounded
# however many customers a run has.
RUN_BATCH = 500

STATEMENTS = Principal(key_id=str(uuid.UUID(int=2)), name="statements", role=Role.ADMIN, kind="system")


async def customer_statement(
    session: AsyncSession, customer_code: str, start: date, end: date, language: str | None = None
) -> StatementOut:
    """`language`: the words and numbers of the CSV and PDF; default the customer's own."""
    period(start, end)
    customer = await customers.get(session, customer_code)
    found = await repository.entries(session, {customer_code: (start, end)})
    return _statement(customer, found[customer_code], start, end, language or customer.language)


def _statement(
    customer: Customer, entries: list[Entry], start: date, end: date, language: str
) -> StatementOut:
    return StatementOut(
        customer_code=customer.customer_code,
        customer_name=customer.name,
        language=language,
        period_from=start,
        period_to=end,
        accounts=[
            AccountOut(
                currency=(cur := a.currency),
                opening_balance=format_amount(a.opening, cur),
                lines=[
                    LineOut(
                        date=line.on,
                        kind=line.kind,
                        document_id=line.document_id,
                        items=line.items,
                        amount=format_amount(line.amount, cur),
                        balance=format_amount(line.balance, cur),
                    )
                    for line in a.lines
                ],
                total_debits=format_amount(a.debits, cur),
                total_credits=format_amount(a.credits, cur),
                closing_balance=format_amount(a.closing, cur),
                open_items=[
                    OpenItemOut(
                        item_id=i.item_id,
                        issue_date=i.first_on,
                        due_date=i.due_date,
                        open_amount=format_amount(i.amount, cur),
                        days_overdue=i.days_overdue,
                    )
                    for i in a.open_items
                ],
                ageing=[BucketAmount(bucket=b, amount=format_amount(v, cur)) for b, v in a.ageing.items()],
                unallocated_cash=format_amount(a.unallocated_cash, cur),
                unapplied_credit=format_amount(a.unapplied_credit, cur),
                interest_claimed=format_amount(a.interest_claimed, cur),
            )
            for a in statement(entries, start, end)
        ],
    )


@dataclass(frozen=True)
class RunResult:
    as_of: date
    policy_version: str
    sent: int
    without_address: int = 0
    already_done: bool = False


async def run(session: AsyncSession, as_of: date, settings: ApiSettings) -> RunResult:
    """The statements due on `as_of` by the active dunning policy's schedule, after any run under way
    elsewhere. A customer without an accounts-payable address gets none (counted)."""
    await repository.lock(session)
    policy = await dunning_policies.active(session)
    if await repository.ran(session, as_of):
        return RunResult(as_of, policy.version, 0, already_done=True)
    schedule = policy.statements
    due: dict[str, tuple[date, date, Literal["monthly", "moved"]]] = {}
    month = monthly_period(schedule, as_of)
    if month is not None:
        due = {code: (*month, "monthly") for code in await repository.with_business(session, *month)}
    if schedule.also_when_moved:
        # A customer never sent one: its ledger moved if a line is dated in the days it would cover.
        yesterday = as_of - timedelta(days=1)
        for code, last_end, last_sent in await repository.moved(session, yesterday.replace(day=1), yesterday):
            since = moved_period(schedule, as_of, last_end, last_sent)
            if since is not None and code not in due:
                due[code] = (*since, "moved")
    found = await repository.recipients(session, list(due))
    # Known to the ledger only: no credit file, nobody to write to.
    known = [found[code] for code in sorted(due) if code in found]
    addressed = [c for c in known if (c.contacts or {}).get("accounts_payable_email")]
    lines = await repository.last_lines(
        session, {c.customer_code: due[c.customer_code][1] for c in addressed}
    )
    # A run for a past day (catching up) gives links that expire as that day's would have.
    run_at = datetime.combine(as_of, time.min, tzinfo=UTC)
    sent = 0
    with documents.pool(len(addressed)) as renderer:
        for batch in (addressed[n : n + RUN_BATCH] for n in range(0, len(addressed), RUN_BATCH)):
            periods = {c.customer_code: due[c.customer_code][:2] for c in batch}
            entries = await repository.entries(session, periods)
            made = [
                _statement(c, entries[c.customer_code], *periods[c.customer_code], c.language) for c in batch
            ]
            pdfs = await documents.render_many(made, settings.company_name, renderer)
            closings = [
                [{"currency": a.currency, "amount": a.closing_balance} for a in m.accounts] for m in made
            ]
            recorded = await repository.add_sends(
                session,
                [
                    {
                        "customer_code": m.customer_code,
                        "period_from": m.period_from,
                        "period_to": m.period_to,
                        "reason": due[m.customer_code][2],
                        "as_of": as_of,
                        "policy_version": policy.version,
                        "language": m.language,
                        "journal_line": lines.get(m.customer_code, 0),
                        "closing": closing,
                        "pdf": pdf,
                    }
                    for m, closing, pdf in zip(made, closings, pdfs, strict=True)
                ],
            )
            for m, closing in zip(made, closings, strict=True):
                if m.customer_code not in recorded:
                    continue
                issued = StatementIssued(
                    customer_code=m.customer_code,
                    period_from=m.period_from,
                    period_to=m.period_to,
                    reason=due[m.customer_code][2],
                    language=m.language,
                    closing=[ClosingBalance.model_validate(c) for c in closing],
                    policy_version=policy.version,
                    portal_url=portal_links.issue(
                        session, m.customer_code, portal_links.STATEMENT, STATEMENTS, run_at, settings
                    ),
                )
                event = new_event(
                    source=settings.source, type_=STATEMENT_ISSUED, subject=m.customer_code, data=issued
                )
                session.add(outbox_row(Outbox, settings.alerts_topic, event))
            sent += len(recorded)
    without_address = len(known) - len(addressed)
    await repository.add_run(
        session,
        StatementRun(as_of=as_of, policy_version=policy.version, sent=sent, without_address=without_address),
    )
    return RunResult(as_of, policy.version, sent, without_address)


async def catch_up(
    sessions: async_sessionmaker[AsyncSession],
    today: date,
    settings: ApiSettings,
    *,
    first: date | None = None,
    done: Callable[[RunResult, int, int], None] | None = None,
) -> list[RunResult]:
    """Statements for every day missed through `today` (`kernel.days.catch_up`)."""
    return await days.catch_up(
        sessions,
        today,
        lambda session, day: run(session, day, settings),
        repository.last_run,
        first=first,
        done=done,
    )


async def sent(session: AsyncSession, customer_code: str) -> list[tuple[date, date, date]]:
    """(from, to, sent on) of the statements e-mailed to the customer, the latest first."""
    return await repository.sent(session, customer_code)


async def sent_pdf(session: AsyncSession, customer_code: str, start: date, end: date) -> bytes:
    """The PDF as it was e-mailed; another customer's is not found."""
    found = await repository.sent_pdf(session, customer_code, start, end)
    if found is None:
        raise NotFound(f"no statement of {customer_code} from {start} to {end} was sent")
    return found
