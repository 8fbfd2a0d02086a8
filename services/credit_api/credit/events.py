"""The credit context's domain events (see kernel/messagebus.py)."""

from __future__ import annotations

from dataclasses import dataclass

from services.credit_api.kernel.messagebus import DomainEvent


@dataclass(frozen=True)
class StandingChanged(DomainEvent):
    """A customer's room under its limit may have grown: held orders deserve another look."""

    customer_code: str


@dataclass(frozen=True)
class CustomerUnblocked(StandingChanged):
    pass


@dataclass(frozen=True)
class LimitChanged(StandingChanged):
    """A new permanent limit, set directly or through a limit request."""


@dataclass(frozen=True)
class TemporaryLimitGranted(StandingChanged):
    pass


@dataclass(frozen=True)
class ReservationReleased(StandingChanged):
    """Released, or its amount lowered."""


@dataclass(frozen=True)
class CoverGranted(StandingChanged):
    """An insurer's cover decision: more of the exposure may be insured."""


@dataclass(frozen=True)
class ReceivablesDecreased(StandingChanged):
    """The ledger says the customer owes less (a payment, a credit note, a write-off)."""


@dataclass(frozen=True)
class GroupStandingChanged(DomainEvent):
    """A credit group's room under its limit may have grown (its limit raised, a member gone):
    the held orders of every member of the tree it belongs to deserve another look."""

    group_code: str
