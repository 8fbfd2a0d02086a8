"""Roles carried by API keys and console users, and the customer's own at its portal."""

from enum import StrEnum


class Role(StrEnum):
    ORDER_SYSTEM = "order_system"
    ERP = "erp"
    CREDIT_CONTROLLER = "credit_controller"
    CREDIT_MANAGER = "credit_manager"
    ADMIN = "admin"
    # A customer at its portal, by a signed link: what it does there is audited as the customer's.
    # No API key and no console user has it.
    CUSTOMER = "customer"


# The roles an API key may carry.
KEY_ROLES = tuple(role for role in Role if role is not Role.CUSTOMER)
