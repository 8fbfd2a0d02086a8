"""Errors that every noun of the credit context raises (the nouns' own are in their errors.py)."""

from shared.domain.errors import NotFound


class CustomerNotFound(NotFound):
    code = "customer-not-found"
    title = "Customer not found"
