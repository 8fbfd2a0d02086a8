from shared.domain.errors import Conflict, InvalidInput, NotFound


class CreditGroupNotFound(NotFound):
    code = "credit-group-not-found"
    title = "No credit group with this code"


class UnknownCreditGroup(InvalidInput):
    """A customer naming a group that does not exist: the body is at fault, not the URL."""

    code = "unknown-credit-group"
    title = "No credit group with this code"


class CreditGroupInUse(Conflict):
    code = "credit-group-in-use"
    title = "The credit group still has members or sub-groups"
