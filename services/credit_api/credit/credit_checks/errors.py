from shared.domain.errors import NotFound


class CreditCheckNotFound(NotFound):
    code = "credit-check-not-found"
    title = "Credit check not found"
