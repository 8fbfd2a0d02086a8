"""Credit checks: gather the customer's standing, decide, reserve or hold, and keep the decision."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.credit.credit_checks import repository
from services.credit_api.credit.credit_checks.errors import CreditCheckNotFound
from services.credit_api.credit.credit_checks.schemas import (
    CreditCheckOut,
    CreditCheckRequest,
    HoldRef,
    ReasonOut,
    ReservationRef,
)
from services.credit_api.credit.credit_holds import service as holds
from services.credit_api.credit.errors import CustomerNotFound
from services.credit_api.credit.exposure import service as exposure
from services.credit_api.credit.fx_rates.service import Converter
from services.credit_api.credit.reservations import repository as reservation_repository
from services.credit_api.credit.reservations import service as reservations
from services.credit_api.kernel.idempotency import service as idempotency
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.settings import ApiSettings
from shared.domain import credit, fx
from shared.domain.errors import CredenceError
from shared.domain.money import format_amount, parse_amount
from shared.models.credit_api import CreditCheck

ZERO = Decimal(0)


@dataclass(frozen=True)
class Asked:
    """A credit check as a caller asked for it."""

    principal: Principal
    body: CreditCheckRequest
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Answer:
    """The JSON document answered, encoded once: sent as it is, and kept as it is for the
    check's Idempotency-Key; `decided` (decision, reason codes) only for a fresh decision."""

    body: bytes
    status_code: int = 200
    replayed: bool = False
    decided: tuple[str, tuple[str, ...]] | None = None


Outcome = Answer | CredenceError


@dataclass(frozen=True)
class Checked:
    """A batch's outcomes, in the order asked, and the credit group at the top of each of its
    customers' trees (None outside any), as read under the batch's locks: the rows that checks of
    other batches would wait for."""

    outcomes: list[Outcome]
    roots: dict[str, str | None]


@dataclass(slots=True)
class Decided:
    """A decision as a batch takes it, the columns of `credit_checks` (the ORM's instances cost
    more to build than the rest of a check's decision); stored by `repository.write_batch`."""

    id: uuid.UUID
    customer_code: str
    order_ref: str
    amount: Decimal
    currency: str
    decision: str
    reasons: list[dict[str, Any]]
    effective_limit: Decimal | None
    exposure_before: Decimal
    exposure_after: Decimal
    available_after: Decimal | None
    order_amount: Decimal
    order_currency: str
    checked_by: str
    checked_at: datetime
    reservation_id: uuid.UUID | None = None
    hold_id: uuid.UUID | None = None


@dataclass
class _Batch:
    """What the checks of a batch decided, to be written back together."""

    # An order's reservation as the batch leaves it (its last approval wins), under one id.
    reservations: dict[tuple[str, str], repository.Reserving] = field(default_factory=dict)
    hold_steps: list[tuple[str, Decided]] = field(default_factory=list)
    checks: list[tuple[int, Decided]] = field(default_factory=list)


async def check_batch(
    session: AsyncSession, asked: Sequence[Asked], settings: ApiSettings, now: datetime
) -> Checked:
    """Decide credit checks in one transaction, in the order they arrived, in two round trips:
    the Idempotency-Keys claimed and the customers' rows locked and read in one, each check
    decided by the pure rules against what the earlier ones of the batch reserved, then everything
    written back in the other. A check refused by a rule (an unknown customer, a missing rate)
    fails alone."""
    outcomes: list[Outcome | None] = [None] * len(asked)
    keyed = list(dict.fromkeys(_key(a) for a in asked if a.idempotency_key))
    pairs = [(a.body.customer_code, a.body.order_ref) for a in asked]
    kept, customers, figures = await repository.open_batch(session, keyed, pairs, now)
    roots = {code: None if figures is None else figures.root_of(code) for code in customers}
    fresh, repeats = _replays(asked, kept, outcomes)
    live = {
        code: {order: (amount, invoiced) for order, amount, invoiced in c.snapshot.reservations}
        for code, c in customers.items()
    }
    held = {code: set(c.held_orders) for code, c in customers.items()}
    rates: dict[date, fx.Rates] = {}
    book = await exposure.book_of(
        session,
        figures,
        now.date(),
        net_unallocated_cash=settings.net_unallocated_cash,
        rates=rates,
        credit_currencies={c.snapshot.currency for c in customers.values()},
    )
    batch = _Batch()
    for i in fresh:
        body = asked[i].body
        found = customers.get(body.customer_code)
        if found is None:
            outcomes[i] = CustomerNotFound(
                f"customer {body.customer_code} does not exist", customer_code=body.customer_code
            )
            continue
        mine = live[body.customer_code]
        snapshot = replace(
            found.snapshot,
            # The order's own reservation is replaced by this check, never added to.
            reservations=[(o, a, inv) for o, (a, inv) in mine.items() if o != body.order_ref],
            order_hold_open=body.order_ref in held[body.customer_code],
        )
        convert = Converter(session, now.date(), snapshot.currency, rates)
        own = mine.get(body.order_ref)
        try:
            standing = await exposure.standing_of(
                snapshot, now, convert, net_unallocated_cash=settings.net_unallocated_cash
            )
            # What the order's live reservation holds now: in its groups' exposure, and replaced.
            holding = ZERO if own is None else await exposure.remaining(*own, convert)
            if book is not None:
                standing = replace(
                    standing, groups=book.standings(body.customer_code, snapshot.currency, holding)
                )
            stored = await _decide(session, asked[i], standing, convert, settings, now)
        except CredenceError as exc:
            outcomes[i] = exc
            continue
        batch.checks.append((i, stored))
        if not body.reserve:
            continue
        if stored.decision == credit.Decision.APPROVED.value:
            mine[body.order_ref] = (stored.amount, found.invoiced.get(body.order_ref, []))
            if book is not None:
                book.reserve(body.customer_code, snapshot.currency, stored.amount - holding)
            order = (body.customer_code, body.order_ref)
            earlier = batch.reservations.get(order)
            batch.reservations[order] = reserving = repository.Reserving(
                earlier.id if earlier else uuid.uuid4(),
                body.customer_code,
                body.order_ref,
                stored.id,
                stored.amount,
                stored.currency,
                reservations.expiry(settings, now),
            )
            stored.reservation_id = reserving.id
            if body.order_ref in held[body.customer_code]:
                batch.hold_steps.append(("close", stored))
                held[body.customer_code].discard(body.order_ref)
        else:
            batch.hold_steps.append(("open", stored))
            held[body.customer_code].add(body.order_ref)
    await _write(session, asked, batch, outcomes, now)
    # A retry whose first failed finds no stored answer, as it would have after it: decided anew,
    # after what this batch wrote.
    again = [i for i, first in repeats if isinstance(outcomes[first], CredenceError)]
    for i, first in repeats:
        if i not in again:
            outcomes[i] = _repeat(asked[i], asked[first], outcomes[first])
    if again:
        anew = await check_batch(session, [asked[i] for i in again], settings, now)
        for i, outcome in zip(again, anew.outcomes, strict=True):
            outcomes[i] = outcome
        roots |= anew.roots
    done = [o for o in outcomes if o is not None]
    assert len(done) == len(asked), "every check answered"
    return Checked(done, roots)


async def _decide(
    session: AsyncSession,
    asked: Asked,
    standing: exposure.Standing,
    convert: Converter,
    settings: ApiSettings,
    now: datetime,
) -> Decided:
    body, cur = asked.body, standing.currency
    order_amount = parse_amount(body.amount, body.currency)
    amount = convert.rounded(await convert(order_amount, body.currency))
    result = await exposure.judge(session, standing, amount, settings)
    return Decided(
        id=uuid.uuid4(),
        customer_code=standing.customer_code,
        order_ref=body.order_ref,
        amount=amount,
        currency=cur,
        decision=result.decision.value,
        reasons=[_reason(r, cur).model_dump(mode="json") for r in result.reasons],
        effective_limit=result.effective_limit,
        exposure_before=result.exposure_before,
        exposure_after=result.exposure_after,
        available_after=result.available_after,
        order_amount=order_amount,
        order_currency=body.currency,
        checked_by=asked.principal.actor,
        checked_at=now,
    )


def _replays(
    asked: Sequence[Asked], stored: dict[repository.Key, repository.Stored], outcomes: list[Outcome | None]
) -> tuple[list[int], list[tuple[int, int]]]:
    """The checks to decide, and the repeats of an Idempotency-Key within the batch (each with
    its first); a key answered before gets its stored answer (its lock held to the end)."""
    fresh: list[int] = []
    repeats: list[tuple[int, int]] = []
    first: dict[tuple[uuid.UUID, str], int] = {}
    for i, a in enumerate(asked):
        key = _key(a) if a.idempotency_key else None
        if key is None:
            fresh.append(i)
        elif key in stored:
            outcomes[i] = _stored(a, stored[key])
        elif key in first:
            repeats.append((i, first[key]))
        else:
            first[key] = i
            fresh.append(i)
    return fresh, repeats


def _key(asked: Asked) -> tuple[uuid.UUID, str]:
    assert asked.idempotency_key is not None
    return uuid.UUID(asked.principal.key_id), asked.idempotency_key


def _stored(asked: Asked, record: repository.Stored) -> Outcome:
    if record.request_hash != idempotency.fingerprint(asked.body):
        return idempotency.reused(asked.idempotency_key)
    return Answer(record.response.encode(), record.status_code, replayed=True)


def _repeat(asked: Asked, first: Asked, outcome: Outcome | None) -> Outcome:
    """A retry that arrived in the same batch as its answered first: that answer, as if stored."""
    assert isinstance(outcome, Answer)
    if idempotency.fingerprint(asked.body) != idempotency.fingerprint(first.body):
        return idempotency.reused(asked.idempotency_key)
    return replace(outcome, replayed=True, decided=None)


async def _write(
    session: AsyncSession,
    asked: Sequence[Asked],
    batch: _Batch,
    outcomes: list[Outcome | None],
    now: datetime,
) -> None:
    """Holds in the order they were decided; then the reservations, the checks and the answers
    kept for their Idempotency-Keys in one statement. Each answer is encoded once, with its
    reservation's proposed id; the few that kept an order's earlier reservation are corrected."""
    for step, check in batch.hold_steps:
        if step == "close":
            await holds.close_for_order(session, check.customer_code, check.order_ref, now)
        else:
            check.hold_id = (await holds.open_hold(session, check)).id
    expiry = {r.id: r.expires_at for r in batch.reservations.values()}
    answered: list[tuple[int, Decided, Answer]] = []
    for i, check in batch.checks:
        reservation = None
        if check.reservation_id is not None:
            reservation = ReservationRef(
                id=check.reservation_id,
                amount=format_amount(check.amount, check.currency),
                expires_at=expiry[check.reservation_id],
            )
        body = _view(check, reservation).model_dump_json().encode()
        answered.append(
            (i, check, Answer(body, decided=(check.decision, tuple(r["code"] for r in check.reasons))))
        )
    moved = await repository.write_batch(
        session,
        list(batch.reservations.values()),
        [check for _, check, _ in answered],
        [
            (_key(asked[i]), idempotency.fingerprint(asked[i].body), answer.status_code, answer.body.decode())
            for i, _, answer in answered
            if asked[i].idempotency_key
        ],
    )
    for i, check, answer in answered:
        kept = moved.get(check.reservation_id) if check.reservation_id else None
        if kept is not None:
            body = answer.body.replace(str(check.reservation_id).encode(), str(kept).encode())
            check.reservation_id, answer = kept, replace(answer, body=body)
        outcomes[i] = answer


async def get(session: AsyncSession, check_id: uuid.UUID) -> CreditCheckOut:
    stored = await repository.get(session, check_id)
    if stored is None:
        raise CreditCheckNotFound(f"credit check {check_id} does not exist")
    return await view(session, stored)


async def view(session: AsyncSession, stored: CreditCheck) -> CreditCheckOut:
    reservation: ReservationRef | None = None
    if stored.reservation_id is not None:
        row = await reservation_repository.get(session, stored.reservation_id)
        if row is not None:
            reservation = ReservationRef(
                id=row.id, amount=format_amount(row.amount, row.currency), expires_at=row.expires_at
            )
    return _view(stored, reservation)


def _view(stored: CreditCheck | Decided, reservation: ReservationRef | None) -> CreditCheckOut:
    cur = stored.currency

    def money(value: Decimal | None) -> str | None:
        return None if value is None else format_amount(value, cur)

    order_currency = stored.order_currency or cur
    return CreditCheckOut(
        check_id=stored.id,
        customer_code=stored.customer_code,
        order_ref=stored.order_ref,
        decision=credit.Decision(stored.decision),
        reasons=[ReasonOut.model_validate(r) for r in stored.reasons],
        currency=cur,
        amount=format_amount(stored.amount, cur),
        effective_limit=money(stored.effective_limit),
        exposure_before=format_amount(stored.exposure_before, cur),
        exposure_after=format_amount(stored.exposure_after, cur),
        available_after=money(stored.available_after),
        order_amount=format_amount(
            stored.order_amount if stored.order_amount is not None else stored.amount, order_currency
        ),
        order_currency=order_currency,
        reservation=reservation,
        hold=None if stored.hold_id is None else HoldRef(id=stored.hold_id),
        checked_at=stored.checked_at,
    )


# Money in reason details: in the credit currency, or in the group's for a group's limit.
AMOUNTS = {"shortfall", "uninsured", "threshold", "cover", "limit", "exposure_before", "exposure_after"}


def _reason(reason: credit.Reason, currency: str) -> ReasonOut:
    currency = reason.details.get("currency", currency)
    details: dict[str, Any] = {
        k: format_amount(v, currency)
        if k in AMOUNTS and isinstance(v, Decimal)
        else (str(v) if isinstance(v, Decimal) else v)
        for k, v in reason.details.items()
    }
    return ReasonOut(code=reason.code, message=reason.message, details=details)
