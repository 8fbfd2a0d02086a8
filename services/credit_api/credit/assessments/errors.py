from shared.domain.errors import NotFound


class NotAssessed(NotFound):
    code = "not-assessed"
    title = "Customer not assessed yet"
