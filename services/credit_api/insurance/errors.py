from shared.domain.errors import InvalidInput, NotFound


class PolicyNotFound(NotFound):
    code = "insurance-policy-not-found"
    title = "No credit insurance policy with this number"


class InvalidCover(InvalidInput):
    code = "invalid-insurance-cover"
    title = "Invalid insurance policy or cover"
