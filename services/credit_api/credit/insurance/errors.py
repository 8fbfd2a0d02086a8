from shared.domain.errors import InvalidInput


class UnknownPolicy(InvalidInput):
    """A cover naming a policy that does not exist: the body is at fault, not the URL (a 404
    would say the customer is missing)."""

    code = "unknown-insurance-policy"
    title = "No credit insurance policy with this number"


class InvalidCover(InvalidInput):
    code = "invalid-insurance-cover"
    title = "Invalid insurance policy or cover"
