from shared.errors import InvalidInput


class LimitCurrencyMismatch(InvalidInput):
    code = "limit-currency-mismatch"
    title = "Limits are kept in the customer's credit currency"
