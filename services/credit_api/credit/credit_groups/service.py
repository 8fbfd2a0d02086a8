"""Credit groups: the tree of parent companies and subsidiaries that share a limit, each group's
members, and the exposure of each, in its own currency, from its members' and its sub-groups'."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit.service import record
from services.credit_api.credit.credit_groups import repository
from services.credit_api.credit.credit_groups.errors import (
    CreditGroupInUse,
    CreditGroupNotFound,
    GroupLimitCurrencyMismatch,
)
from services.credit_api.credit.credit_groups.schemas import (
    CreditGroupIn,
    CreditGroupNode,
    CreditGroupOut,
    GroupTemporaryLimitOut,
)
from services.credit_api.credit.credit_limits.errors import AuthorityExceeded
from services.credit_api.credit.credit_limits.schemas import CreditLimitSet
from services.credit_api.credit.credit_limits.service import limit_in, within_authority
from services.credit_api.credit.customers.schemas import CreditLimitOut
from services.credit_api.credit.errors import UnknownCustomer
from services.credit_api.credit.events import GroupStandingChanged
from services.credit_api.credit.exposure import service as exposure
from services.credit_api.credit.fx_rates.service import rates_for
from services.credit_api.credit.temporary_limits import service as temporary_limits
from services.credit_api.credit.temporary_limits.schemas import TemporaryLimitCreate
from services.credit_api.kernel import messagebus
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.settings import ApiSettings
from services.credit_api.policies.scorecards import service as scorecards
from shared.domain import credit, credit_groups
from shared.domain.exposure import utilisation
from shared.domain.money import format_amount, minor_units, parse_amount
from shared.domain.scorecard import Scorecard
from shared.domain.warnings import Level
from shared.models.credit_api import CreditGroup, CreditGroupLimit, CreditGroupTemporaryLimit

ZERO = Decimal(0)


def _tree(rows: Sequence[CreditGroup]) -> dict[str, credit_groups.Group]:
    return {g.code: credit_groups.Group(g.code, g.currency, g.parent_code) for g in rows}


def _state(group: CreditGroup) -> dict[str, str | None]:
    return {
        "name": group.name,
        "currency": group.currency,
        "parent": group.parent_code,
        "parent_customer": group.parent_customer,
    }


async def put(
    session: AsyncSession,
    principal: Principal,
    code: str,
    body: CreditGroupIn,
    now: datetime,
    *,
    stub_parent: bool = False,
) -> bool:
    """Create or change a group; True when it is new. The tree stays a tree: a parent must exist and
    a group never ends up under itself. With `stub_parent` (the ERP's events, whose groups arrive in
    no set order) a parent not known yet is opened as a top group named by its code, which its own
    event fills in when it comes."""
    minor_units(body.currency)
    await repository.lock_tree(session)
    rows = await repository.all_groups(session)
    if stub_parent and body.parent is not None and body.parent != code and body.parent not in _tree(rows):
        stub = CreditGroup(
            code=body.parent, name=body.parent, currency=body.currency, created_at=now, updated_at=now
        )
        await repository.add(session, stub)
        await record(
            session,
            principal,
            "credit_group.stub_created",
            "credit_group",
            stub.code,
            before=None,
            after=_state(stub),
        )
        rows = [*rows, stub]
    credit_groups.validate(_tree(rows), credit_groups.Group(code, body.currency, body.parent))
    found = next((g for g in rows if g.code == code), None)
    before = None if found is None else _state(found)
    if found is not None and found.currency != body.currency and await repository.has_limit(session, code):
        detail = (
            f"credit group {code} has a limit in {found.currency}: "
            "its currency cannot change while the limit stands"
        )
        raise GroupLimitCurrencyMismatch.at("/currency", detail)
    if found is None:
        found = CreditGroup(
            code=code, name=body.name, currency=body.currency, parent_code=body.parent, created_at=now
        )
        await repository.add(session, found)
    else:
        found.name, found.currency, found.parent_code = body.name, body.currency, body.parent
    if "parent_customer" in body.model_fields_set:
        if body.parent_customer is not None and not await repository.customer_exists(
            session, body.parent_customer
        ):
            raise UnknownCustomer.at("/parent_customer", f"unknown customer `{body.parent_customer}`")
        found.parent_customer = body.parent_customer
    found.updated_at = now
    await record(
        session,
        principal,
        "credit_group.created" if before is None else "credit_group.changed",
        "credit_group",
        code,
        before=before,
        after=_state(found),
    )
    return before is None


async def delete(session: AsyncSession, principal: Principal, code: str) -> None:
    """Only an empty group goes: its members and sub-groups would otherwise lose their limit."""
    await repository.lock_tree(session)
    rows = await repository.all_groups(session)
    group = next((g for g in rows if g.code == code), None)
    if group is None:
        raise CreditGroupNotFound(f"credit group {code} does not exist", group=code)
    sub_groups = [g.code for g in rows if g.parent_code == code]
    members = await repository.member_count(session, code)
    if sub_groups or members:
        raise CreditGroupInUse(
            f"credit group {code} has {members} member(s) and {len(sub_groups)} sub-group(s); "
            "move them first",
            group=code,
            members=members,
            sub_groups=sub_groups,
        )
    await repository.remove(session, group)
    await record(
        session, principal, "credit_group.deleted", "credit_group", code, before=_state(group), after=None
    )


async def exposures(
    session: AsyncSession,
    tree: Mapping[str, credit_groups.Group],
    now: datetime,
    *,
    net_unallocated_cash: bool,
    within: Collection[str] | None = None,
) -> tuple[dict[str, Decimal | None], dict[str, list[str]], dict[str, credit.CreditLimit | None]]:
    """Each group's exposure in its currency (None: a rate is missing), as a credit check weighs
    it, each group's members, and each group's limit with its temporary increases; right for the
    groups `within` and those above them only, when given (the others' members are not read)."""
    codes = list(tree if within is None else within)
    pairs = await repository.members(session, codes)
    book = await exposure.group_book(session, [], codes, now, net_unallocated_cash=net_unallocated_cash)
    members: dict[str, list[str]] = {code: [] for code in tree}
    for group, customer in pairs:
        members[group].append(customer)
    found: dict[str, Decimal | None] = dict.fromkeys(tree, ZERO)
    if book is None:
        return found, members, {}
    found.update({code: amount for code, amount in book.exposure.items() if code in found})
    return found, members, book.limits


async def utilisations(
    session: AsyncSession, now: datetime, *, net_unallocated_cash: bool
) -> dict[str, tuple[Decimal | None, Decimal | None]]:
    """Each group's limit in force today and its utilisation (None without a limit, or with an
    exposure a missing rate leaves unknown): what its alerts follow, without the listing's
    members, levels and scores."""
    tree = _tree(await repository.all_groups(session))
    found, _, rules = await exposures(session, tree, now, net_unallocated_cash=net_unallocated_cash)
    shown: dict[str, tuple[Decimal | None, Decimal | None]] = {}
    for code in tree:
        in_force, exposed = credit.effective_limit(rules.get(code), now.date()), found[code]
        shown[code] = (
            in_force,
            None if in_force is None or exposed is None else utilisation(exposed, in_force),
        )
    return shown


def _amount(amount: Decimal | None, currency: str) -> str | None:
    return None if amount is None else format_amount(amount, currency)


async def show(
    session: AsyncSession, code: str, now: datetime, *, net_unallocated_cash: bool
) -> CreditGroupOut:
    found = await listing(session, now, net_unallocated_cash=net_unallocated_cash, only=code)
    if not found:
        raise CreditGroupNotFound(f"credit group {code} does not exist", group=code)
    return found[0]


async def listing(
    session: AsyncSession, now: datetime, *, net_unallocated_cash: bool, only: str | None = None
) -> list[CreditGroupOut]:
    rows = await repository.all_groups(session)
    tree = _tree(rows)
    # One group's figures need only its own members and those of the groups below it.
    within = None if only is None or only not in tree else credit_groups.under(tree, only)
    found, members, rules = await exposures(
        session, tree, now, net_unallocated_cash=net_unallocated_cash, within=within
    )
    codes = list(within or tree)
    levels = credit_groups.worst_levels(tree, await repository.member_levels(session, codes))
    scores = await _scores(session, tree, codes, now, net_unallocated_cash=net_unallocated_cash)
    heads = await repository.assessed_heads(session, [g.parent_customer for g in rows if g.parent_customer])
    card = await scorecards.active_card(session)
    limits = await repository.current_limits(session)
    today = now.date()
    return [
        _view(
            g,
            tree,
            rows,
            members[g.code],
            found[g.code],
            (limits.get(g.code), rules.get(g.code)),
            (Level(levels[g.code]), _assessed(heads.get(g.parent_customer or ""), scores[g.code], card)),
            today,
        )
        for g in rows
        if only is None or g.code == only
    ]


async def _scores(
    session: AsyncSession,
    tree: Mapping[str, credit_groups.Group],
    codes: Sequence[str],
    now: datetime,
    *,
    net_unallocated_cash: bool,
) -> dict[str, Decimal | None]:
    """Each group's exposure-weighted score of its scored members (see `credit_groups.weighted_scores`)."""
    scored = await repository.member_scores(session, codes)
    standings = await exposure.standings(
        session, [c for _, c, _ in scored], now, net_unallocated_cash=net_unallocated_cash
    )
    rates = await rates_for(session, now.date(), None) if scored else {}
    members = [
        (group, score, found.exposure.total, found.currency)
        for group, customer, score in scored
        if (found := standings.get(customer)) is not None
    ]
    return credit_groups.weighted_scores(tree, members, rates)


def _assessed(
    head: tuple[Decimal, str | None] | None, members: Decimal | None, card: Scorecard
) -> dict[str, str | None]:
    """The parent customer's assessment once its statements are filed, else the members'."""
    if head is not None:
        score, grade = head
        return {
            "score": f"{score.quantize(Decimal('0.1'))}",
            "grade": grade,
            "assessment_basis": "parent_statements",
        }
    if members is None:
        return {}
    return {
        "score": f"{members.quantize(Decimal('0.1'))}",
        "grade": card.grade_for(members).grade,
        "assessment_basis": "members",
    }


def _view(
    g: CreditGroup,
    tree: Mapping[str, credit_groups.Group],
    rows: Sequence[CreditGroup],
    members: list[str],
    exposed: Decimal | None,
    limits: tuple[CreditGroupLimit | None, credit.CreditLimit | None],
    risk: tuple[Level, dict[str, str | None]],
    today: date,
) -> CreditGroupOut:
    cur = g.currency
    limit, rule = limits
    level, assessed = risk
    in_force = credit.effective_limit(rule, today)
    used = None if in_force is None or exposed is None else utilisation(exposed, in_force)
    return CreditGroupOut(
        code=g.code,
        name=g.name,
        currency=cur,
        parent=g.parent_code,
        parent_customer=g.parent_customer,
        ancestors=credit_groups.chain(tree, g.code)[1:],
        sub_groups=[s.code for s in rows if s.parent_code == g.code],
        members=members,
        exposure=_amount(exposed, cur),
        credit_limit=None if limit is None else CreditLimitOut.of(limit),
        effective_limit=_amount(in_force, cur),
        available=None if in_force is None or exposed is None else format_amount(in_force - exposed, cur),
        utilisation=None if used is None else f"{used:f}",
        warning_level=level.label,
        **assessed,
        created_at=g.created_at,
        updated_at=g.updated_at,
    )


async def set_limit(
    session: AsyncSession,
    principal: Principal,
    code: str,
    body: CreditLimitSet,
    settings: ApiSettings,
    now: datetime,
) -> CreditGroupLimit:
    """The group's permanent limit, within the caller's authority, in the group's currency."""
    group = await locked(session, code)
    if body.currency is not None and body.currency != group.currency:
        detail = f"credit group {code} keeps its limit in {group.currency}, not {body.currency}"
        raise GroupLimitCurrencyMismatch.at("/currency", detail)
    amount = limit_in(body.amount, group.currency)
    if not await within_authority(session, settings, principal.role, group.currency, amount, now.date()):
        raise AuthorityExceeded(
            f"a limit of {format_amount(amount, group.currency)} {group.currency} is beyond the authority "
            f"of {principal.role.value}"
        )
    return await apply_limit(session, principal, group, amount, body.valid_until, body.reason, settings, now)


async def locked(session: AsyncSession, code: str) -> CreditGroup:
    """The group, locked with its ancestors in the order credit checks lock them."""
    await exposure.lock_groups(session, [], [code])
    return await get(session, code)


async def apply_limit(
    session: AsyncSession,
    principal: Principal,
    group: CreditGroup,
    amount: Decimal,
    valid_until: date | None,
    reason: str,
    settings: ApiSettings,
    now: datetime,
    *,
    set_by: str | None = None,
) -> CreditGroupLimit:
    """Make `amount` the group's permanent limit (authority already checked), audited; held orders
    of its tree are decided again."""
    limit = CreditGroupLimit(
        group_code=group.code,
        amount=amount,
        currency=group.currency,
        valid_until=valid_until,
        reason=reason,
        set_by=set_by or principal.actor,
        set_at=now,
    )
    previous = await repository.set_limit(session, limit)
    await record(
        session,
        principal,
        "credit_group_limit.set",
        "credit_group",
        group.code,
        before=None if previous is None else CreditLimitOut.of(previous).model_dump(mode="json"),
        after=CreditLimitOut.of(limit).model_dump(mode="json"),
    )
    await messagebus.publish(session, settings, GroupStandingChanged(now, group.code))
    return limit


async def grant_temporary(
    session: AsyncSession,
    principal: Principal,
    code: str,
    body: TemporaryLimitCreate,
    settings: ApiSettings,
    now: datetime,
) -> CreditGroupTemporaryLimit:
    """An increase of the group's limit for a window, within the caller's authority (the permanent
    limit plus every overlapping increase), audited; held orders of its tree are decided again."""
    group = await locked(session, code)
    amount = parse_amount(body.amount, group.currency)
    permanent = (await repository.current_limits(session, code)).get(code)
    others = await repository.overlapping(session, code, body.valid_from, body.valid_until)
    await temporary_limits.within_peak(
        session, settings, principal, group.currency, permanent, amount, others, now.date()
    )
    increase = CreditGroupTemporaryLimit(
        id=uuid.uuid4(),
        group_code=code,
        amount=amount,
        currency=group.currency,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        reason=body.reason,
        created_by=principal.actor,
        created_at=now,
    )
    await repository.add_temporary(session, increase)
    shown = temporary_view(increase)
    await record(
        session,
        principal,
        "credit_group_temporary_limit.granted",
        "credit_group",
        code,
        before=None,
        after=shown.model_dump(mode="json", exclude={"created_at"}),
    )
    await messagebus.publish(session, settings, GroupStandingChanged(now, code))
    return increase


async def get(session: AsyncSession, code: str) -> CreditGroup:
    group = await repository.get(session, code)
    if group is None:
        raise CreditGroupNotFound(f"credit group {code} does not exist", group=code)
    return group


async def temporary_listing(session: AsyncSession, code: str) -> list[GroupTemporaryLimitOut]:
    await get(session, code)
    return [temporary_view(t) for t in await repository.temporaries(session, code)]


def temporary_view(increase: CreditGroupTemporaryLimit) -> GroupTemporaryLimitOut:
    return GroupTemporaryLimitOut(group=increase.group_code, **temporary_limits.increase_fields(increase))


async def limit_history(session: AsyncSession, code: str) -> list[CreditLimitOut]:
    await get(session, code)
    return [CreditLimitOut.of(limit) for limit in await repository.limit_history(session, code)]


async def subtree(
    session: AsyncSession, code: str, now: datetime, *, net_unallocated_cash: bool
) -> CreditGroupNode:
    """The group with its members and every group under it, nested."""
    flat = {g.code: g for g in await listing(session, now, net_unallocated_cash=net_unallocated_cash)}
    if code not in flat:
        raise CreditGroupNotFound(f"credit group {code} does not exist", group=code)

    def node(at: str) -> CreditGroupNode:
        g = flat[at]
        return CreditGroupNode(
            code=g.code,
            name=g.name,
            currency=g.currency,
            exposure=g.exposure,
            members=g.members,
            sub_groups=[node(s) for s in g.sub_groups],
        )

    return node(code)
