"""Credit groups: the tree of parent companies and subsidiaries that share a limit, each group's
members, and the exposure of each, in its own currency, from its members' and its sub-groups'."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit.service import record
from services.credit_api.credit.credit_groups import repository
from services.credit_api.credit.credit_groups.errors import (
    CreditGroupInUse,
    CreditGroupNotFound,
    UnknownCreditGroup,
)
from services.credit_api.credit.credit_groups.schemas import CreditGroupIn, CreditGroupNode, CreditGroupOut
from services.credit_api.credit.exposure import service as exposure
from services.credit_api.credit.fx_rates.service import rates_for
from services.credit_api.kernel.principal import Principal
from shared.domain import credit_groups
from shared.domain.money import format_amount, minor_units
from shared.models.credit_api import CreditGroup


def _tree(rows: Sequence[CreditGroup]) -> dict[str, credit_groups.Group]:
    return {g.code: credit_groups.Group(g.code, g.currency, g.parent_code) for g in rows}


def _state(group: CreditGroup) -> dict[str, str | None]:
    return {"name": group.name, "currency": group.currency, "parent": group.parent_code}


async def put(
    session: AsyncSession, principal: Principal, code: str, body: CreditGroupIn, now: datetime
) -> bool:
    """Create or change a group; True when it is new. The tree stays a tree: a parent must exist and
    a group never ends up under itself."""
    minor_units(body.currency)
    await repository.lock_tree(session)
    rows = await repository.all_groups(session)
    credit_groups.validate(_tree(rows), credit_groups.Group(code, body.currency, body.parent))
    found = next((g for g in rows if g.code == code), None)
    before = None if found is None else _state(found)
    if found is None:
        found = CreditGroup(
            code=code, name=body.name, currency=body.currency, parent_code=body.parent, created_at=now
        )
        await repository.add(session, found)
    else:
        found.name, found.currency, found.parent_code = body.name, body.currency, body.parent
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


async def require(session: AsyncSession, code: str) -> None:
    """For a customer naming its group: the group must exist."""
    if await repository.get(session, code) is None:
        detail = f"unknown credit group `{code}`"
        raise UnknownCreditGroup(
            f"#/credit_group: {detail}", errors=[{"pointer": "#/credit_group", "detail": detail}]
        )


async def exposures(
    session: AsyncSession,
    tree: Mapping[str, credit_groups.Group],
    now: datetime,
    *,
    net_unallocated_cash: bool,
) -> tuple[dict[str, Decimal | None], dict[str, list[str]]]:
    """Each group's exposure in its currency (None: a rate is missing), and each group's members."""
    pairs = await repository.members(session, list(tree))
    standings = await exposure.standings(
        session, [c for _, c in pairs], now, net_unallocated_cash=net_unallocated_cash
    )
    currencies = {g.currency for g in tree.values()} | {s.currency for s in standings.values() if s}
    rates = await rates_for(session, now.date(), currencies)
    members: dict[str, list[str]] = {code: [] for code in tree}
    rolled: list[tuple[str, Decimal | None, str]] = []
    for group, customer in pairs:
        members[group].append(customer)
        found = standings.get(customer)
        rolled.append(
            (group, None if found is None else found.exposure.total, "" if found is None else found.currency)
        )
    return credit_groups.exposures(tree, rolled, rates), members


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
    found, members = await exposures(session, tree, now, net_unallocated_cash=net_unallocated_cash)
    return [
        CreditGroupOut(
            code=g.code,
            name=g.name,
            currency=g.currency,
            parent=g.parent_code,
            ancestors=credit_groups.chain(tree, g.code)[1:],
            sub_groups=[s.code for s in rows if s.parent_code == g.code],
            members=members[g.code],
            exposure=_amount(found[g.code], g.currency),
            created_at=g.created_at,
            updated_at=g.updated_at,
        )
        for g in rows
        if only is None or g.code == only
    ]


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
