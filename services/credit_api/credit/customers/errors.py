from shared.domain.errors import AlreadyExists, InvalidInput


class CustomerExists(AlreadyExists):
    code = "customer-exists"
    title = "Customer already exists"


class CreditCurrencyLocked(InvalidInput):
    code = "credit-currency-locked"
    title = "The credit currency cannot change while limits are set in it"
