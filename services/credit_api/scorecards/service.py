"""Scorecard versions; the risk worker reassesses every customer with a newly active one."""

from __future__ import annotations

from services.credit_api.policy_versions.service import Versions
from shared import scorecards
from shared.models.credit_api import Scorecard

VERSIONS = Versions("scorecard", Scorecard, scorecards.parse, scorecards.default_document)
