from shared.domain.errors import Conflict, InvalidInput, NotFound


class CreditGroupNotFound(NotFound):
    code = "credit-group-not-found"
    title = "No credit group with this code"


class CreditGroupInUse(Conflict):
    code = "credit-group-in-use"
    title = "The credit group still has members or sub-groups"


class GroupLimitCurrencyMismatch(InvalidInput):
    code = "group-limit-currency-mismatch"
    title = "A credit group's limit is kept in the group's currency"
