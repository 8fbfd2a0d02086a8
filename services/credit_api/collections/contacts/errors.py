from shared.domain.errors import InvalidInput


class InvalidContact(InvalidInput):
    """`extra["errors"]` points at what is wrong in the request."""

    code = "invalid-contact"
    title = "Invalid contact"
