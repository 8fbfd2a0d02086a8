from shared.domain.errors import InvalidInput


class InvalidPromise(InvalidInput):
    """`extra["errors"]` points at what is wrong in the request."""

    code = "invalid-promise"
    title = "Invalid promise to pay"
