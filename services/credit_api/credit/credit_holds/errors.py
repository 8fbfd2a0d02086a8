from shared.domain.errors import Conflict, NotFound


class HoldNotFound(NotFound):
    code = "credit-hold-not-found"
    title = "Credit hold not found"


class HoldNotOpen(Conflict):
    code = "credit-hold-not-open"
    title = "Credit hold already resolved"
