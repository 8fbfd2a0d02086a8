"""Every code the API can emit reads as words in English and in Chinese, and an indicator's value
is written with its unit as the language writes it."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import get_args

import pytest

from services.credit_api.collections.disputes.schemas import DisputeReason
from services.credit_api.collections.interest.schemas import InterestClaimOut
from services.credit_api.collections.tasks.schemas import TaskKind
from shared import vocabulary
from shared.domain.credit import ReasonCode
from shared.domain.dunning import Effect
from shared.domain.financials import RATIOS
from shared.domain.scorecard import FACTOR_INPUTS
from shared.domain.warnings import INDICATORS, Level
from shared.dunning_policies import default_document
from shared.roles import Role

CJK = re.compile(r"[\u4e00-\u9fff]")


def shipped_step_names() -> set[str]:
    return {step["name"] for steps in default_document()["steps"].values() for step in steps}


EMITTED: dict[str, set[str]] = {
    "level": {level.label for level in Level},
    "indicator": set(INDICATORS),
    "reason": {str(code) for code in ReasonCode},
    "task": set(get_args(TaskKind)),
    "effect": set(get_args(Effect)),
    "step": shipped_step_names(),
    "dispute_reason": set(get_args(DisputeReason)),
    "dunning_outcome": {"notice", "task", "superseded"},
    "role": {str(role) for role in Role},
    "factor": set(FACTOR_INPUTS),
    "ratio": set(RATIOS),
    "zone": {"safe", "grey", "distress"},
    "status": {
        *get_args(InterestClaimOut.model_fields["status"].annotation),
        "open", "acknowledged", "resolved", "released", "rejected", "pending", "applied", "approved",
        "sent", "failed", "kept", "broken", "accepted", "closed", "active", "inactive",
    },
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(EMITTED))
def test_every_code_the_api_emits_has_words_in_both_languages(kind: str) -> None:
    known = vocabulary.VOCABULARY[kind]
    missing = EMITTED[kind] - set(known)
    assert not missing, f"{kind}: no words for {sorted(missing)}"
    for code, (en, zh) in known.items():
        assert en and "_" not in en, (kind, code, en)
        assert CJK.search(zh), (kind, code, zh)
    assert set(vocabulary.UNITS) == set(INDICATORS)


def test_a_code_without_words_still_reads_as_words() -> None:
    assert vocabulary.word("task", "brand_new_kind", "en") == "Brand new kind"
    assert vocabulary.word("action", "customer.renamed", "en") == "Customer renamed"


def test_alert_causes_read_as_a_controller_reads_them() -> None:
    assert (
        vocabulary.cause("max_days_past_due", "95", "critical", Decimal(90), "en")
        == "Days past due (oldest open invoice): 95 days (critical from 90 days)"
    )
    assert vocabulary.cause("max_days_past_due", "95", "critical", Decimal(90), "zh-CN") == (
        "最长逾期天数：95 天（严重起点 90 天）"
    )
    assert vocabulary.amount_of("share", "1", "en") == "100%"
    assert vocabulary.amount_of("share", "0.375", "zh-CN") == "37.5%"
    # The late-interest rate of 2025's second half: 2.15 % plus the Directive's 8 points.
    assert vocabulary.amount_of("share", "0.1015", "en") == "10.15%"
    assert vocabulary.amount_of("days", "12", "zh-CN") == "12 天"
    assert (vocabulary.amount_of("days", "1", "en"), vocabulary.amount_of("days", "12", "en")) == (
        "1 day",
        "12 days",
    )
    assert vocabulary.amount_of("flag", "1", "zh-CN") == "是"
    assert vocabulary.amount_of("count", "3", "en") == "3"
