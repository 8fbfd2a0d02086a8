from shared.domain.errors import Conflict, NotFound


class AlertNotFound(NotFound):
    code = "alert-not-found"
    title = "Alert not found"


class AlertResolved(Conflict):
    code = "alert-resolved"
    title = "Alert already resolved"
