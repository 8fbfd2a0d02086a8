"""Cash application policy versions; the risk worker matches payments with the active one."""

from __future__ import annotations

from services.credit_api.policies.policy_versions.service import Versions
from shared import cash_application_policies
from shared.models.credit_api import CashApplicationPolicy

VERSIONS = Versions(
    "cash application policy",
    CashApplicationPolicy,
    cash_application_policies.parse,
    cash_application_policies.default_document,
    cash_application_policies.PolicyIn,
)
