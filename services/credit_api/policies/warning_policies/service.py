"""Warning policy versions; the risk worker evaluates customers with the active one."""

from __future__ import annotations

from services.credit_api.policies.policy_versions.service import Versions
from shared import warning_policies
from shared.models.credit_api import WarningPolicy

VERSIONS = Versions(
    "warning policy",
    WarningPolicy,
    warning_policies.parse,
    warning_policies.default_document,
    warning_policies.PolicyIn,
)
