from shared.domain.errors import Conflict, InvalidInput, NotFound


class CashMatchNotFound(NotFound):
    code = "cash-match-not-found"
    title = "No cash application match for this payment"


class CashMatchSettled(Conflict):
    """The match is no longer the person's to decide: applied, rejected, or on its way."""

    code = "cash-match-settled"
    title = "The match was already decided"


class InvalidCashAllocation(InvalidInput):
    """`extra["errors"]` points at what is wrong in the allocations."""

    code = "invalid-cash-allocation"
    title = "Invalid allocation of a payment"
