from shared.domain.errors import Conflict, NotFound


class PolicyVersionNotFound(NotFound):
    code = "policy-version-not-found"
    title = "No such policy version"


class PolicyVersionTaken(Conflict):
    code = "policy-version-taken"
    title = "Policy version already holds another document"
