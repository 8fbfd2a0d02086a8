"""The platform's codes as people read them, in English and Chinese: one place for the console, the
notifier's messages and anything else a person reads. A code nobody gave words to still reads as
words (`"new_thing"` → "New thing"), never as a code; the unit tests hold every code the API can
emit to having words in both languages.

Indicator values are written with their unit, in the language's way with numbers (Babel's CLDR
data): "95 days past due", "逾期 95 天", "overdue share 100%".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent

from shared.domain.scorecard import RATIO_INPUTS

Words = tuple[str, str]  # English, Chinese
Unit = Literal["days", "share", "points", "count", "flag", "grades"]

VOCABULARY: dict[str, dict[str, Words]] = {
    "level": {
        "normal": ("normal", "正常"),
        "watch": ("watch", "关注"),
        "warning": ("warning", "警告"),
        "critical": ("critical", "严重"),
    },
    "indicator": {
        "max_days_past_due": ("Days past due (oldest open invoice)", "最长逾期天数"),
        "overdue_share": ("Overdue share of receivables", "逾期应收占比"),
        "limit_utilisation": ("Limit utilisation", "额度使用率"),
        "score_drop": ("Score drop over 90 days (points)", "90 天内评分下降（分）"),
        "grade_downgrade": ("Grades lost over 90 days", "90 天内等级下调档数"),
        "altman_distress": ("Altman Z in the distress zone", "Altman Z 处于困境区"),
        "bounced_payments": ("Bounced payments in 90 days", "90 天内退票次数"),
        "days_beyond_terms_trend": ("Days beyond terms, trend", "超期付款天数趋势"),
        "limit_expiring": ("Days until the limit expires", "额度到期剩余天数"),
        "broken_promises": ("Broken promises to pay in 90 days", "90 天内未兑现的付款承诺"),
    },
    "reason": {
        "customer_blocked": ("Customer blocked", "客户已冻结"),
        "no_valid_limit": ("No credit limit in force", "无有效信用额度"),
        "overdue": ("Overdue invoices", "存在逾期发票"),
        "critical_warning": ("Critical early warning", "严重预警"),
        "limit_exceeded": ("Credit limit exceeded", "超出信用额度"),
        "group_limit_exceeded": ("Credit group limit exceeded", "超出集团信用额度"),
        "near_limit": ("Near the credit limit", "接近信用额度"),
        "uninsured_exposure": ("Exposure above the insured cover", "超出保险额度的敞口"),
    },
    "task": {
        "phone_task": ("Phone call", "电话催收"),
        "legal_handover": ("Legal hand-over", "移交法务"),
        "no_address": ("No address to write to", "缺少联系地址"),
        "broken_promise": ("Broken promise to pay", "付款承诺未兑现"),
        "dispute_to_resolve": ("Dispute to resolve", "待处理争议"),
        "critical_customer": ("Customer at critical", "严重预警客户"),
        "promise_at_risk": ("Promise likely late", "承诺可能逾期"),
        "follow_up": ("Follow-up from the contact log", "联系记录中的跟进事项"),
    },
    "step": {
        "reminder": ("Reminder", "付款提醒"),
        "notice_1": ("First notice", "第一次催款通知"),
        "notice_2": ("Formal notice", "正式催款通知"),
        "call": ("Phone call", "电话催收"),
        "final": ("Final notice", "最后通知"),
        "legal": ("Legal hand-over", "移交法务"),
    },
    "effect": {
        "reminder": ("Reminder", "付款提醒"),
        "friendly_notice": ("Friendly notice", "友好催款通知"),
        "formal_notice": ("Formal notice", "正式催款通知"),
        "phone_task": ("Phone call", "电话催收"),
        "final_notice": ("Final notice", "最后通知"),
        "legal_handover": ("Legal hand-over", "移交法务"),
    },
    "status": {
        "open": ("open", "未处理"),
        "acknowledged": ("acknowledged", "已确认"),
        "resolved": ("resolved", "已解决"),
        "released": ("released", "已放行"),
        "rejected": ("rejected", "已拒绝"),
        "pending": ("pending", "待处理"),
        "approved": ("approved", "已批准"),
        "sent": ("sent", "已发送"),
        "failed": ("failed", "失败"),
        "accruing": ("accruing", "计息中"),
        "claimable": ("claimable", "可索偿"),
        "waived": ("waived", "已免除"),
        "invoiced": ("invoiced", "已开票"),
        "kept": ("kept", "已兑现"),
        "broken": ("broken", "未兑现"),
        "accepted": ("accepted", "已接受"),
        "closed": ("closed", "已关闭"),
        "escalated": ("escalated", "已升级"),
        "cancelled": ("cancelled", "已取消"),
        "taken": ("taken", "已执行"),
        "superseded": ("superseded", "已跳过"),
        "skipped": ("skipped", "未执行"),
        "applied": ("applied", "已生效"),
        "active": ("active", "有效"),
        "inactive": ("inactive", "停用"),
    },
    "dunning_outcome": {
        "notice": ("notice sent", "已发送通知"),
        "task": ("task for a person", "人工任务"),
        "superseded": ("superseded by a later step", "已被后续阶段取代"),
    },
    "action": {
        "api_key.created": ("API key created", "已创建 API 密钥"),
        "api_key.revoked": ("API key revoked", "已吊销 API 密钥"),
        "api_key.rotated": ("API key rotated", "已轮换 API 密钥"),
        "credit_hold.rejected": ("Held order rejected", "已拒绝暂挂订单"),
        "credit_hold.released": ("Held order released", "已放行暂挂订单"),
        "credit_limit.set": ("Credit limit set", "已设定信用额度"),
        "customer.abc_classified": ("ABC class set", "已设定 ABC 分类"),
        "customer.assessed": ("Assessed", "已评估"),
        "customer.blocked": ("Blocked", "已冻结"),
        "customer.unblocked": ("Unblocked", "已解冻"),
        "customer.created": ("Customer created", "已创建客户"),
        "customer.updated": ("Credit file updated", "已更新信用档案"),
        "customer.reviewed": ("Credit review recorded", "已记录信用复核"),
        "customer.stub_created": ("Customer first seen in the ledger", "首次在账簿中出现"),
        "dead_letter.replayed": ("Dead letter replayed", "已重放死信"),
        "financial_statement.filed": ("Financial statement filed", "已提交财务报表"),
        "fx_rates.set": ("Exchange rates set", "已设定汇率"),
        "insurance.cover_granted": ("Insurance cover granted", "已获保险额度"),
        "insurance.policy_set": ("Insurance policy set", "已设定保险保单"),
        "limit_request.submitted": ("Limit change requested", "已申请额度调整"),
        "limit_request.approved": ("Limit change approved", "已批准额度调整"),
        "limit_request.rejected": ("Limit change rejected", "已拒绝额度调整"),
        "provision.specific_removed": ("Specific provision removed", "已撤销个别拨备"),
        "provision.specific_set": ("Specific provision set", "已设定个别拨备"),
        "reservation.changed": ("Reservation changed", "已变更额度占用"),
        "reservation.released": ("Reservation released", "已释放额度占用"),
        "task.completed": ("Task completed", "已完成任务"),
        "temporary_limit.granted": ("Temporary limit granted", "已授予临时额度"),
        "credit_group.created": ("Credit group created", "已创建信用集团"),
        "credit_group.changed": ("Credit group changed", "已变更信用集团"),
        "credit_group.deleted": ("Credit group deleted", "已删除信用集团"),
        "credit_group.stub_created": ("Credit group opened from an event", "已由事件创建信用集团"),
        "credit_group_limit.set": ("Group limit set", "已设定集团额度"),
        "credit_group_temporary_limit.granted": ("Group temporary limit granted", "已授予集团临时额度"),
        "credit_group_alert.opened": ("Group alert opened", "已开启集团预警"),
        "credit_group_alert.changed": ("Group alert level changed", "集团预警级别已变更"),
        "credit_group_alert.resolved": ("Group alert resolved", "集团预警已解除"),
        "user.created": ("User created", "已创建用户"),
    },
    "column": {
        "group": ("Group", "分组"),
        "customers": ("Customers", "客户数"),
        "currency": ("Currency", "币种"),
        "bucket": ("Bucket", "账龄段"),
        "balance": ("Balance", "余额"),
        "rate": ("Rate", "比率"),
        "loss": ("Expected loss", "预期损失"),
        "abc_class": ("ABC class", "ABC 分类"),
        "previous_class": ("Previous class", "上期分类"),
        "class_in_file": ("Class in the credit file", "档案中的分类"),
        "customer_code": ("Customer", "客户"),
        "credit_sales": ("Credit sales", "赊销额"),
        "share": ("Share", "占比"),
        "cumulative": ("Cumulative share", "累计占比"),
        "average_days_delinquent": ("Average days delinquent", "平均逾期天数"),
        "average_receivables": ("Average receivables", "平均应收"),
        "beginning_receivables": ("Receivables at the start", "期初应收"),
        "best_possible_dso": ("Best possible DSO", "最佳 DSO"),
        "cei_percent": ("CEI %", "回款效率指数 %"),
        "countback_dso": ("Countback DSO", "倒推法 DSO"),
        "dso": ("DSO", "DSO"),
        "days": ("Days", "天数"),
        "cover": ("Cover", "保险额度"),
        "dunning_step": ("Dunning step", "催收阶段"),
        "expected_loss": ("Expected loss", "预期损失"),
        "exposure": ("Exposure", "敞口"),
        "grade": ("Grade", "等级"),
        "insured": ("Insured", "已投保"),
        "uninsured": ("Uninsured", "未投保"),
        "over_cover": ("Over the cover", "超出保额"),
        "loss_given_default": ("Loss given default", "违约损失率"),
        "not_due": ("Not due", "未到期"),
        "period_days": ("Period (days)", "期间（天）"),
        "probability_of_default": ("Probability of default", "违约概率"),
        "receivables": ("Receivables", "应收账款"),
        "turnover": ("Turnover", "周转率"),
        "warning_level": ("Warning level", "预警级别"),
    },
    "bucket": {
        "not_due": ("not due", "未到期"),
        "specific": ("specific provision", "个别拨备"),
        "total": ("total", "合计"),
        "previous_month_end": ("at the previous month-end", "上月末"),
        "movement": ("movement", "变动"),
        "movement_by_balances": ("of which balances", "其中：余额变动"),
        "movement_by_rates": ("of which rates", "其中：比率变动"),
    },
    "group": {
        "portfolio": ("portfolio", "全部组合"),
        "(none)": ("(none)", "（无）"),
    },
    "role": {
        "order_system": ("order system", "订单系统"),
        "erp": ("ERP", "ERP 系统"),
        "credit_controller": ("credit controller", "信用专员"),
        "credit_manager": ("credit manager", "信用经理"),
        "admin": ("administrator", "管理员"),
        "customer": ("customer, at its portal", "客户（门户）"),
    },
    "factor": {
        "altman_zone": ("Altman zone", "Altman 区间"),
        "current_ratio": ("Current ratio", "流动比率"),
        "quick_ratio": ("Quick ratio", "速动比率"),
        "debt_to_asset": ("Debt to assets", "资产负债率"),
        "net_margin": ("Net margin", "净利润率"),
        "interest_cover": ("Interest cover", "利息保障倍数"),
        "operating_cash_flow_ratio": ("Operating cash flow ratio", "经营现金流比率"),
        "payment_index": ("Payment index", "付款指数"),
        "days_beyond_terms": ("Days beyond terms", "超期天数"),
        "max_days_past_due": ("Days past due (oldest)", "最长逾期天数"),
        "bounced_payments": ("Bounced payments", "退票次数"),
        "relationship_years": ("Years of relationship", "合作年限"),
        "industry_risk": ("Industry risk", "行业风险"),
        "country_risk": ("Country risk", "国家风险"),
    },
    "zone": {
        "safe": ("safe", "安全区"),
        "grey": ("grey", "灰色区"),
        "distress": ("distress", "困境区"),
    },
    "basis": {
        "the lower of the equity and revenue shares": (
            "the lower of the equity and revenue shares",
            "按净资产与营业收入比例计算的较低者",
        ),
        "payment experience only (no usable statement)": (
            "payment experience only (no usable statement)",
            "仅依据付款记录（无可用财务报表）",
        ),
        "the highest exposure carried without going overdue": (
            "the highest exposure carried without going overdue",
            "未逾期期间承担过的最高敞口",
        ),
    },
    # What settled an invoice besides the cash, in a cash application.
    "deduction": {
        "discount": ("early-payment discount", "提前付款折扣"),
        "bank_charges": ("bank charges", "银行手续费"),
    },
    # A statement of account's lines: what moved what the customer owes.
    "movement": {
        "invoice": ("Invoice", "发票"),
        "adjustment": ("Invoice adjusted", "发票调整"),
        "cancellation": ("Invoice cancelled", "发票作废"),
        "write_off": ("Written off", "核销"),
        "credit_note": ("Credit note", "贷项通知单"),
        "payment": ("Payment", "付款"),
        "allocation": ("Payment applied", "付款分配"),
        "reversal": ("Payment returned", "付款退回"),
        "deduction": ("Discount or bank charges allowed", "折扣或银行手续费抵扣"),
        "unallocation": ("Payment application undone", "付款分配撤销"),
        "interest_claimed": ("Late interest", "逾期利息"),
        "interest_invoiced": ("Late interest invoiced", "逾期利息已开票"),
        "interest_waived": ("Late interest waived", "逾期利息已减免"),
        "movement": ("Movement", "变动"),
    },
    # A statement of account's own words.
    "statement": {
        "title": ("Statement of account", "对账单"),
        "customer": ("Customer", "客户"),
        "period": ("Period", "期间"),
        "to": ("to", "至"),
        "currency": ("Currency", "币种"),
        "opening": ("Opening balance", "期初余额"),
        "closing": ("Closing balance", "期末余额"),
        "date": ("Date", "日期"),
        "movement": ("Movement", "业务"),
        "document": ("Document", "单据"),
        "items": ("Invoices", "相关发票"),
        "debit": ("Debit", "借方"),
        "credit": ("Credit", "贷方"),
        "balance": ("Balance", "余额"),
        "totals": ("Totals of the period", "本期合计"),
        "open_items": ("Open items at the end of the period", "期末未结清项目"),
        "issue_date": ("Invoice date", "开票日期"),
        "due_date": ("Due date", "到期日"),
        "days_overdue": ("Days overdue", "逾期天数"),
        "open_amount": ("Open", "未结金额"),
        "ageing": ("Ageing by due date", "按到期日账龄"),
        "unallocated_cash": ("Payments not yet applied", "未分配的付款"),
        "unapplied_credit": ("Credit not yet applied", "未使用的贷项"),
        "interest_claimed": ("Late interest claimed", "已索取的逾期利息"),
        "nothing": ("No movement in the period.", "本期无业务。"),
        "footer": (
            "Please tell us of any difference within 30 days of this statement.",
            "如有差异，请于收到本对账单后 30 日内告知我们。",
        ),
    },
    "dispute_reason": {
        "price": ("Price", "价格"),
        "quantity": ("Quantity", "数量"),
        "quality": ("Quality", "质量"),
        "not_delivered": ("Not delivered", "未交货"),
        "duplicate": ("Duplicate invoice", "重复开票"),
        "terms": ("Payment terms", "付款条件"),
        "other": ("Other", "其他"),
    },
}

# A statement's ratios read as the scorecard factors that score them.
VOCABULARY["ratio"] = {ratio: VOCABULARY["factor"][factor] for factor, ratio in RATIO_INPUTS.items()}

# What an indicator's value counts, for writing it with its unit.
UNITS: dict[str, Unit] = {
    "max_days_past_due": "days",
    "overdue_share": "share",
    "limit_utilisation": "share",
    "score_drop": "points",
    "grade_downgrade": "grades",
    "altman_distress": "flag",
    "bounced_payments": "count",
    "days_beyond_terms_trend": "days",
    "limit_expiring": "days",
    "broken_promises": "count",
}


def _zh(language: str) -> bool:
    return language.split("-")[0] == "zh"


def known(vocabulary: str, code: str, language: str) -> str | None:
    """The code's words in the language, if it has any."""
    words = VOCABULARY.get(vocabulary, {}).get(code)
    return None if words is None else words[1] if _zh(language) else words[0]


def word(vocabulary: str, code: str, language: str) -> str:
    """The code's words in the language; a code without words reads as words all the same."""
    said = known(vocabulary, code, language)
    return code.replace(".", " ").replace("_", " ").capitalize() if said is None else said


def amount_of(unit: Unit, value: str | Decimal | None, language: str) -> str:
    """An indicator's value with its unit, as the language writes it."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return "—"
    locale = language.replace("-", "_")
    zh = _zh(language)
    if unit == "share":
        return format_percent(number, format="#,##0.##%", locale=locale)
    if unit == "flag":
        return ("是" if number else "否") if zh else ("yes" if number else "no")
    figure = format_decimal(number, format="#,##0.#", locale=locale)
    words = {
        "days": ("days", "天"),
        "points": ("points", "分"),
        "grades": ("grades", "档"),
        "count": ("", "次"),
    }[unit]
    said = words[1] if zh else words[0].removesuffix("s") if abs(number) == 1 else words[0]
    return f"{figure} {said}".strip()


def cause(
    indicator: str, value: str | Decimal | None, level: str, enter: Decimal | None, language: str
) -> str:
    """An alert's cause as a controller reads it: the indicator, its value, and where the level
    begins ("Days past due (oldest open invoice): 95 days (critical from 90 days)")."""
    unit = UNITS.get(indicator, "count")
    colon = "：" if _zh(language) else ": "
    said = f"{word('indicator', indicator, language)}{colon}{amount_of(unit, value, language)}"
    if enter is None or unit == "flag":
        return said
    threshold = amount_of(unit, enter, language)
    level_words = word("level", level, language)
    if _zh(language):
        return f"{said}（{level_words}起点 {threshold}）"
    return f"{said} ({level_words} from {threshold})"


@dataclass(frozen=True)
class Format:
    """Numbers, money and dates as the language writes them. `enters`: where each indicator's level
    begins by the active warning policy ((indicator, level) → enter threshold), for alert causes."""

    language: str
    enters: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)

    def cause(self, found: Mapping[str, Any]) -> str:
        indicator, level = str(found.get("indicator", "")), str(found.get("level", ""))
        return cause(indicator, found.get("value"), level, self.enters.get((indicator, level)), self.language)

    @property
    def locale(self) -> str:
        return self.language.replace("-", "_")

    def money(self, amount: Decimal | str | None, currency: str) -> str:
        if amount is None:
            return "—"
        return format_currency(Decimal(amount), currency, locale=self.locale)

    def number(self, value: Decimal | str | None) -> str:
        return "—" if value is None else format_decimal(Decimal(value), locale=self.locale)

    def percent(self, value: Decimal | None) -> str:
        return "—" if value is None else format_percent(value, format="#,##0.0%", locale=self.locale)

    def day(self, value: date | None) -> str:
        return "—" if value is None else format_date(value, format="medium", locale=self.locale)

    def when(self, value: datetime | None) -> str:
        return "—" if value is None else format_datetime(value, format="short", locale=self.locale)
