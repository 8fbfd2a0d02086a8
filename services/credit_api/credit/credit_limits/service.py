"""Permanent limits: set directly within one's authority, or through an approved limit request."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit.service import record
from services.credit_api.credit.credit_limits import repository
from services.credit_api.credit.credit_limits.errors import AuthorityExceeded, LimitCurrencyMismatch
from services.credit_api.credit.customers import repository as customers
from services.credit_api.credit.customers import service as customer_service
from services.credit_api.credit.events import LimitChanged
from services.credit_api.credit.fx_rates.service import Converter
from services.credit_api.kernel import messagebus
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.settings import ApiSettings
from shared.domain.errors import InvalidAmount, MissingFxRate
from shared.domain.money import format_amount, parse_amount
from shared.models.credit_api import CreditLimit, Customer
from shared.roles import Role


async def within_authority(
    session: AsyncSession, settings: ApiSettings, role: Role, currency: str, amount: Decimal, today: date
) -> bool:
    """Whether `role` may grant a limit of `amount` (in `currency`: a customer's or a credit
    group's) on its own. Without an exchange rate to the authority currency nothing proves it may,
    so the answer is no."""
    bound = settings.authority(role)
    if bound is None:
        return True
    convert = Converter(session, today, settings.authority_currency)
    try:
        return await convert(amount, currency) <= bound
    except MissingFxRate:
        return False


def limit_amount(customer: Customer, amount: Decimal, currency: str | None) -> Decimal:
    if currency is not None and currency != customer.currency:
        raise LimitCurrencyMismatch(
            f"customer {customer.customer_code} has credit currency {customer.currency}, not {currency}"
        )
    return limit_in(amount, customer.currency)


def limit_in(amount: Decimal, currency: str) -> Decimal:
    """A limit as given, in `currency`'s minor units: zero (nothing on credit) or more."""
    value = parse_amount(amount, currency, positive=False)
    if value < 0:
        raise InvalidAmount("a credit limit cannot be negative")
    return value


async def set_directly(
    session: AsyncSession,
    principal: Principal,
    customer_code: str,
    amount: Decimal,
    currency: str | None,
    valid_until: date | None,
    reason: str,
    settings: ApiSettings,
    now: datetime,
) -> CreditLimit:
    customer = await customer_service.get(session, customer_code, for_update=True)
    value = limit_amount(customer, amount, currency)
    if not await within_authority(session, settings, principal.role, customer.currency, value, now.date()):
        raise AuthorityExceeded(
            f"a limit of {format_amount(value, customer.currency)} {customer.currency} is beyond "
            f"the authority of {principal.role.value}; file a limit request"
        )
    return await apply(session, principal, customer, value, valid_until, reason, settings, now)


async def apply(
    session: AsyncSession,
    principal: Principal,
    customer: Customer,
    amount: Decimal,
    valid_until: date | None,
    reason: str,
    settings: ApiSettings,
    now: datetime,
    *,
    set_by: str | None = None,
) -> CreditLimit:
    """Make `amount` the permanent limit; the previous one stays in the history, superseded."""
    previous = await customers.current_limit(session, customer.customer_code)
    await repository.supersede_current(session, customer.customer_code, now)
    limit = CreditLimit(
        customer_code=customer.customer_code,
        amount=amount,
        currency=customer.currency,
        valid_until=valid_until,
        reason=reason,
        set_by=set_by or principal.actor,
        set_at=now,
    )
    await repository.add(session, limit)
    await record(
        session,
        principal,
        "credit_limit.set",
        "customer",
        customer.customer_code,
        before=None if previous is None else _snapshot(previous),
        after=_snapshot(limit),
    )
    await messagebus.publish(session, settings, LimitChanged(now, customer.customer_code))
    return limit


async def history(session: AsyncSession, customer_code: str) -> list[CreditLimit]:
    await customer_service.get(session, customer_code)
    return list(await repository.history(session, customer_code))


def _snapshot(limit: CreditLimit) -> dict[str, str | None]:
    return {
        "amount": format_amount(limit.amount, limit.currency),
        "currency": limit.currency,
        "valid_until": None if limit.valid_until is None else limit.valid_until.isoformat(),
        "reason": limit.reason,
    }
