from shared.domain.errors import Conflict, Forbidden, NotFound


class LimitRequestNotFound(NotFound):
    code = "limit-request-not-found"
    title = "Limit request not found"


class LimitRequestDecided(Conflict):
    code = "limit-request-decided"
    title = "Limit request already decided"


class FourEyesViolation(Forbidden):
    code = "four-eyes"
    title = "The requester cannot decide their own request"
