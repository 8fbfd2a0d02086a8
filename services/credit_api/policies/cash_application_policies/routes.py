from __future__ import annotations

from services.credit_api.policies.cash_application_policies.service import VERSIONS
from services.credit_api.policies.policy_versions.routes import policy_router

router = policy_router(
    "/v1/cash-application-policies",
    VERSIONS,
    "Payments are matched with it from the next one the ledger applies; every match records the "
    "version that made it.",
)
