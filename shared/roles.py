"""Roles carried by API keys."""

from enum import StrEnum


class Role(StrEnum):
    ORDER_SYSTEM = "order_system"
    ERP = "erp"
    CREDIT_CONTROLLER = "credit_controller"
    CREDIT_MANAGER = "credit_manager"
    ADMIN = "admin"
