from shared.domain.errors import Forbidden, InvalidInput


class LimitCurrencyMismatch(InvalidInput):
    code = "limit-currency-mismatch"
    title = "Limits are kept in the customer's credit currency"


class AuthorityExceeded(Forbidden):
    code = "authority-exceeded"
    title = "Beyond your approval authority"
