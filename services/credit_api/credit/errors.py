"""Errors that every noun of the credit context raises (the nouns' own are in their errors.py)."""

from shared.domain.errors import InvalidInput, NotFound


class CustomerNotFound(NotFound):
    code = "customer-not-found"
    title = "Customer not found"


class UnknownCreditGroup(InvalidInput):
    """A customer naming a credit group that does not exist: the body is at fault, not the URL."""

    code = "unknown-credit-group"
    title = "No credit group with this code"


class UnknownCustomer(InvalidInput):
    """A body naming a customer that does not exist (a credit group's parent customer)."""

    code = "unknown-customer"
    title = "No customer with this code"
