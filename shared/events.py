"""Event contracts: CloudEvents 1.0 structured JSON with typed, versioned `data` schemas."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from shared.domain import financials
from shared.domain.errors import CredenceError, InvalidEvent
from shared.domain.financials import Statement
from shared.domain.money import parse_amount
from shared.domain.terms import parse_terms

CustomerCode = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._\-]+$")]
GroupCode = CustomerCode  # a credit group's code has the same shape
CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


DECIMAL = r"^-?[0-9]+(\.[0-9]+)?$"


def _decimal_string(value: object) -> object:
    if not isinstance(value, str) or re.fullmatch(DECIMAL, value) is None:
        raise ValueError('amounts are carried as decimal strings, like "1250.00"')
    return value


def _check_decimals(amount: Decimal, currency: str) -> None:
    """Positive, with no more decimals than the currency has."""
    try:
        parse_amount(amount, currency)
    except CredenceError as exc:
        raise ValueError(exc.detail) from None


# Amounts travel as strings so that no JSON parser turns them into binary floats.
# The published schemas say so too: a JSON number is dead-lettered, so no schema may allow one.
_AS_STRING = WithJsonSchema({"type": "string", "pattern": DECIMAL, "examples": ["1250.00"]})
EventAmount = Annotated[Decimal, BeforeValidator(_decimal_string), _AS_STRING]
StatementAmount = Annotated[
    Decimal,
    BeforeValidator(_decimal_string),
    Field(max_digits=20, decimal_places=4),
    WithJsonSchema({"type": "string", "pattern": DECIMAL, "examples": ["1250000.00"]}),
]


def _terms_code(code: str) -> str:
    try:
        parse_terms(code)
    except CredenceError as exc:
        raise ValueError(exc.detail) from None
    return code


TermsCode = Annotated[
    str,
    AfterValidator(_terms_code),
    Field(
        examples=["NET30"],
        description="Payment terms: `NET<n>` (n days), `EOM<n>` (end of the invoice month + n days), "
        "`<n>EOM` (n days, then the end of that month) or `PREPAY`; they give the due date of an "
        "invoice that carries none",
    ),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CloudEvent(BaseModel):
    """The envelope. `(source, id)` is the deduplication key; `subject` is the customer code."""

    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: Literal["1.0"]
    id: Annotated[str, Field(min_length=1, max_length=200)]
    source: Annotated[str, Field(min_length=1, max_length=500)]
    type: Annotated[str, Field(min_length=1, max_length=200)]
    time: datetime | None = None
    subject: CustomerCode
    datacontenttype: str | None = "application/json"
    data: dict[str, Any]
    traceparent: str | None = Field(
        None,
        max_length=55,
        description="W3C trace context of the span that wrote the event (CloudEvents "
        "distributed-tracing extension); present when tracing is on",
    )


class InvoiceIssued(_Strict):
    invoice_id: Annotated[str, Field(min_length=1, max_length=100)]
    customer_code: CustomerCode
    currency: CurrencyCode
    amount: EventAmount
    issue_date: date
    due_date: date | None = Field(
        None, description="Absent: the customer's payment terms in the credit file give it"
    )
    order_ref: Annotated[str, Field(min_length=1, max_length=100)] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _check_decimals(self.amount, self.currency)
        if self.due_date is not None and self.due_date < self.issue_date:
            raise ValueError("due_date is before issue_date")
        return self


class Contacts(_Strict):
    credit_controller_email: (
        Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None
    ) = None
    accounts_payable_email: (
        Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None
    ) = None


class CustomerUpserted(_Strict):
    customer_code: CustomerCode
    name: Annotated[str, Field(min_length=1, max_length=200)]
    currency: CurrencyCode
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    industry: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    language: Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")] | None = None
    payment_terms: TermsCode | None = None
    listed: StrictBool | None = None
    customer_since: date | None = None
    contacts: Contacts | None = None
    credit_group: GroupCode | None = Field(
        None, description="The credit group it belongs to; absent or null leaves the membership as it is"
    )


class CreditGroupUpserted(_Strict):
    """The ERP's own hierarchy of customers: a credit group, with its parent (null: a top group)."""

    group_code: GroupCode
    name: Annotated[str, Field(min_length=1, max_length=200)]
    currency: CurrencyCode
    parent: GroupCode | None = None


class ReceivablesDecreased(_Strict):
    """Emitted by the ledger when a customer's receivables went down: held orders may now pass."""

    customer_code: CustomerCode


class HoldResolved(_Strict):
    hold_id: uuid.UUID
    check_id: uuid.UUID
    customer_code: CustomerCode
    order_ref: str
    amount: str
    currency: str
    resolution: Literal["automatic", "override", "rejected"]
    reason: str | None
    reservation_id: uuid.UUID | None
    resolved_by: str
    resolved_at: datetime


class Allocation(_Strict):
    invoice_id: Annotated[str, Field(min_length=1, max_length=100)]
    amount: EventAmount


class PaymentReceived(_Strict):
    payment_id: Annotated[str, Field(min_length=1, max_length=100)]
    customer_code: CustomerCode
    currency: CurrencyCode
    amount: EventAmount
    received_date: date
    allocations: list[Allocation] = Field(default_factory=list, max_length=1000)
    # What the bank reported with the money: what cash application reads when allocations are absent.
    remittance_text: Annotated[str, Field(max_length=2000)] | None = Field(
        None, description="The remittance information the payer gave (SEPA: unstructured remittance)"
    )
    bank_reference: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="The payment's reference (SEPA: end-to-end id or creditor reference)"
    )
    payer_name: Annotated[str, Field(max_length=200)] | None = None
    payer_account: Annotated[str, Field(max_length=100)] | None = Field(
        None, description="IBAN or account number"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _check_decimals(self.amount, self.currency)
        for allocation in self.allocations:
            _check_decimals(allocation.amount, self.currency)
        if sum((a.amount for a in self.allocations), Decimal(0)) > self.amount:
            raise ValueError("allocations add up to more than the payment")
        if len({a.invoice_id for a in self.allocations}) != len(self.allocations):
            raise ValueError("an invoice appears twice among the allocations")
        return self


ItemId = Annotated[str, Field(min_length=1, max_length=100)]
Reason = Annotated[str, Field(max_length=500)]


class InvoiceAdjusted(_Strict):
    invoice_id: ItemId
    customer_code: CustomerCode
    amount: EventAmount = Field(description="The invoice's new total")
    reason: Reason | None = None


class InvoiceCancelled(_Strict):
    invoice_id: ItemId
    customer_code: CustomerCode
    reason: Reason | None = None


class InvoiceWrittenOff(_Strict):
    invoice_id: ItemId
    customer_code: CustomerCode
    date: date
    amount: EventAmount | None = Field(None, description="Default: the open balance")


class CreditNoteIssued(_Strict):
    credit_note_id: ItemId
    customer_code: CustomerCode
    currency: CurrencyCode
    amount: EventAmount
    issue_date: date
    invoice_id: ItemId | None = Field(None, description="Absent: the credit stays on account")
    corrects: StrictBool = Field(
        False,
        description="True: the credit note corrects its invoice (billed too high), so the corrected "
        "part never bore late interest; false: it settles part of what was owed, from its own date",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _check_decimals(self.amount, self.currency)
        if self.corrects and self.invoice_id is None:
            raise ValueError("a credit note that corrects an invoice names it (invoice_id)")
        return self


class AppliedLine(_Strict):
    """Part of a payment applied to one invoice by cash application, and what settled it besides the
    cash: an early-payment discount or bank charges, for the ERP to book."""

    invoice_id: ItemId
    amount: EventAmount = Field(description="Cash applied")
    deduction: EventAmount | None = Field(None, description="Settled without cash (absent: nothing)")
    deduction_reason: Literal["discount", "bank_charges"] | None = None

    @classmethod
    def of(cls, invoice_id: str, amount: Decimal, deduction: Decimal | None, reason: str | None) -> Self:
        """A line from amounts (a deduction of nothing is none)."""
        return cls.model_validate(
            {
                "invoice_id": invoice_id,
                "amount": str(amount),
                "deduction": str(deduction) if deduction else None,
                "deduction_reason": reason if deduction else None,
            }
        )


class _Applied(_Strict):
    payment_id: ItemId
    customer_code: CustomerCode
    currency: CurrencyCode
    match_id: uuid.UUID
    allocations: list[AppliedLine] = Field(min_length=1, max_length=1000)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        for line in self.allocations:
            _check_decimals(line.amount, self.currency)
            if line.deduction is not None:
                _check_decimals(line.deduction, self.currency)
            if (line.deduction is None) != (line.deduction_reason is None):
                raise ValueError("a deduction comes with its reason, and a reason with its deduction")
        if len({line.invoice_id for line in self.allocations}) != len(self.allocations):
            raise ValueError("an invoice appears twice among the allocations")
        return self


class PaymentAllocated(_Applied):
    """Credence applied a payment's unallocated cash to invoices (cash application): a ledger event
    of Credence's own source, for the ERP to book the same allocations."""

    applied_by: Annotated[str, Field(min_length=1, max_length=100)] = Field(
        description="`cash-application` when applied without a person; else who confirmed it"
    )
    confidence: str = Field(examples=["0.99"])
    reasons: list[str]
    policy_version: str


class PaymentAllocationReversed(_Applied):
    """A cash application undone by a person: the allocations go back on account from `reversed_date`."""

    reversed_date: date
    reversed_by: Annotated[str, Field(min_length=1, max_length=100)]
    reason: Reason | None = None


class PaymentReversed(_Strict):
    payment_id: ItemId
    customer_code: CustomerCode
    reversed_date: date
    reason: Reason | None = None


class InvoiceOverdue(_Strict):
    """An open invoice crossed a bucket boundary (1, 31, 61, … days past due) with no event at all."""

    invoice_id: ItemId
    customer_code: CustomerCode
    currency: CurrencyCode
    open_amount: str
    due_date: date
    days_past_due: StrictInt
    boundary: StrictInt = Field(description="The boundary crossed: the first day of the new bucket")


class StatementFigures(_Strict):
    """A period's figures; every amount is optional (a ratio that needs a missing one says so)."""

    period_months: Annotated[StrictInt, Field(ge=1, le=24)] = 12
    currency: CurrencyCode
    audited: StrictBool = False
    source: Annotated[str, Field(max_length=200, examples=["annual report 2025"])] | None = None
    current_assets: StatementAmount | None = None
    inventory: StatementAmount | None = None
    cash: StatementAmount | None = None
    total_assets: StatementAmount | None = None
    current_liabilities: StatementAmount | None = None
    total_liabilities: StatementAmount | None = None
    equity: StatementAmount | None = Field(None, description="Book equity")
    retained_earnings: StatementAmount | None = None
    revenue: StatementAmount | None = None
    ebit: StatementAmount | None = None
    interest_expense: StatementAmount | None = None
    net_income: StatementAmount | None = None
    operating_cash_flow: StatementAmount | None = None
    market_value_equity: StatementAmount | None = Field(None, description="Listed companies only")

    def statement(self, period_end: date) -> Statement:
        figures = self.model_dump(exclude={"audited", "source", "customer_code", "period_end"})
        return Statement(period_end=period_end, **figures)


class FinancialStatementFiled(StatementFigures):
    """A customer's financial statement for the period ending `period_end`; a later one for the
    same period replaces it."""

    customer_code: CustomerCode
    period_end: date

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = financials.problems(self.statement(self.period_end))
        if problems:
            raise ValueError("; ".join(f"{name}: {message}" for name, message in problems))
        return self


class AssessmentChanged(_Strict):
    """A customer's score or grade changed."""

    customer_code: CustomerCode
    score: str = Field(examples=["71.5"])
    grade: str = Field(examples=["B"])
    previous_score: str | None = None
    previous_grade: str | None = None
    scorecard_version: str
    recommended_limit: str = Field(description="In `currency`")
    recommended_terms: str
    currency: CurrencyCode
    review_months: StrictInt = Field(description="How often a customer of this grade is reviewed")
    as_of: date
    reasons: list[str] = Field(description="The factors that cost the most points")


LevelName = Literal["normal", "watch", "warning", "critical"]


class WarningIndicator(_Strict):
    indicator: str
    value: str | None
    level: LevelName


class WarningLevelChanged(_Strict):
    """A customer's early-warning level changed; published once per change."""

    customer_code: CustomerCode
    level: LevelName
    previous_level: LevelName
    causes: list[str] = Field(description="The indicators at the new level")
    indicators: list[WarningIndicator] = Field(description="Every indicator above normal")
    actions: list[Literal["notify", "suggest_lower_limit", "block"]] = Field(
        description="What entering this level calls for, by the warning policy (none when falling)"
    )
    unblock: StrictBool = Field(description="Falling below every level that blocked: lift the block")
    policy_version: str
    changed_at: datetime
    reopens: uuid.UUID | None = Field(
        None,
        description="Set when the level did not change but a person resolved the customer's alert "
        "while it persisted: that alert, to reopen",
    )


class AlertChanged(_Strict):
    """An early-warning alert as it stands after a change (`alert.opened`, `alert.updated`,
    `alert.acknowledged`, `alert.resolved`, `alert.reopened`)."""

    alert_id: uuid.UUID
    customer_code: CustomerCode
    level: Literal["watch", "warning", "critical"]
    status: Literal["open", "acknowledged", "resolved"]
    causes: list[WarningIndicator]
    opened_at: datetime
    changed_at: datetime
    changed_by: str
    note: str | None = None


class NoticeLine(_Strict):
    item_id: ItemId
    due_date: date
    days_past_due: StrictInt = Field(description="Negative: days until it falls due (a reminder)")
    open_amount: EventAmount
    currency: CurrencyCode
    interest: EventAmount | None = Field(None, description="Late interest to the notice's date")
    compensation: EventAmount | None = Field(None, description="Fixed compensation for late payment")
    interest_rate: EventAmount | None = Field(
        None, description="The yearly rate of late interest in force on the notice's date (0.1015: 10.15 %)"
    )


class EarlierNotice(_Strict):
    notice_id: uuid.UUID
    step: str
    effect: Literal["reminder", "friendly_notice", "formal_notice", "final_notice"]
    as_of: date


class DunningNoticeIssued(_Strict):
    """A dunning notice to send: one customer, one step of the dunning policy, all its items at
    that step. The notifier renders it in the customer's language."""

    notice_id: uuid.UUID
    customer_code: CustomerCode
    step: str
    effect: Literal["reminder", "friendly_notice", "formal_notice", "final_notice"]
    as_of: date
    channels: list[Literal["email", "webhook", "chat"]]
    items: list[NoticeLine]
    policy_version: str
    earlier: list[EarlierNotice] = Field(
        [],
        description="The notices already issued to the customer for any of these items, oldest first: "
        "what the letter may refer to",
    )
    pay_within_days: StrictInt | None = Field(
        None,
        description="Days the customer has before the policy's next step may follow this notice "
        "(the gap of the step that presupposes it); none when no step waits for it",
    )
    portal_url: str | None = Field(
        None, description="The customer's portal, by a signed link that expires (absent: no portal)"
    )


class ClosingBalance(_Strict):
    currency: CurrencyCode
    amount: EventAmount = Field(description="What the customer owes at the period's end; negative: in credit")


class StatementIssued(_Strict):
    """A statement of account to e-mail to the customer's accounts payable, its PDF attached (read
    from credit_api's `v_statement_documents`). One per customer and period."""

    customer_code: CustomerCode
    period_from: date
    period_to: date
    reason: Literal["monthly", "moved"] = Field(
        description="monthly: the month's statement; moved: the ledger moved since the last one"
    )
    language: str
    closing: list[ClosingBalance]
    policy_version: str
    portal_url: str | None = Field(
        None, description="The customer's portal, by a signed link that expires (absent: no portal)"
    )


class PromiseChanged(_Strict):
    """A promise to pay as it stands after a change (`promise.made`, `promise.kept`,
    `promise.broken`)."""

    promise_id: uuid.UUID
    customer_code: CustomerCode
    item_ids: list[ItemId] = Field(description="Empty: any of the customer's invoices")
    amount: EventAmount
    currency: CurrencyCode
    promised_date: date
    status: Literal["open", "kept", "broken"]
    changed_by: str


class DisputeChanged(_Strict):
    """A dispute as it stands after a change (`dispute.opened`, `dispute.resolved`, `dispute.closed`
    once an accepted dispute's credit note or payment has come in)."""

    dispute_id: uuid.UUID
    customer_code: CustomerCode
    item_id: ItemId
    reason_code: str
    amount: EventAmount
    currency: CurrencyCode
    status: Literal["open", "accepted", "rejected", "closed"]
    changed_by: str


class InterestClaimChanged(_Strict):
    """Late interest an invoice owes, as it stands after a change: `interest.claimed` once the
    invoice is settled late (for the ERP to invoice), `interest.waived`, `interest.invoiced`."""

    customer_code: CustomerCode
    item_id: ItemId
    currency: CurrencyCode
    interest: EventAmount
    compensation: EventAmount
    days_late: StrictInt
    settled_on: date | None = Field(description="Null: waived while the invoice was still open")
    status: Literal["claimable", "waived", "invoiced"]
    invoice_ref: str | None
    policy_version: str
    changed_by: str


class AlertRaised(_Strict):
    alert_id: uuid.UUID
    customer_code: CustomerCode
    kind: str
    level: Literal["watch", "warning", "critical"]
    message: str
    details: dict[str, Any]
    raised_at: datetime


CUSTOMER_UPSERTED = "customer.upserted"
CREDIT_GROUP_UPSERTED = "credit_group.upserted"
INVOICE_ISSUED = "invoice.issued"
PAYMENT_RECEIVED = "payment.received"
INVOICE_ADJUSTED = "invoice.adjusted"
INVOICE_CANCELLED = "invoice.cancelled"
INVOICE_WRITTEN_OFF = "invoice.written_off"
CREDIT_NOTE_ISSUED = "credit_note.issued"
PAYMENT_REVERSED = "payment.reversed"
PAYMENT_ALLOCATED = "payment.allocated"
PAYMENT_ALLOCATION_REVERSED = "payment.allocation_reversed"
INVOICE_OVERDUE = "invoice.overdue"
ALERT_RAISED = "alert.raised"
RECEIVABLES_DECREASED = "receivables.decreased"
HOLD_RELEASED = "credit.hold_released"
HOLD_REJECTED = "credit.hold_rejected"
FINANCIAL_STATEMENT_FILED = "financial_statement.filed"
ASSESSMENT_CHANGED = "risk.assessment_changed"
WARNING_LEVEL_CHANGED = "risk.warning_level_changed"
ALERT_OPENED = "alert.opened"
ALERT_UPDATED = "alert.updated"
ALERT_ACKNOWLEDGED = "alert.acknowledged"
ALERT_RESOLVED = "alert.resolved"
ALERT_REOPENED = "alert.reopened"
ALERT_CHANGES = (ALERT_OPENED, ALERT_UPDATED, ALERT_ACKNOWLEDGED, ALERT_RESOLVED, ALERT_REOPENED)
DUNNING_NOTICE_ISSUED = "dunning.notice_issued"
STATEMENT_ISSUED = "statement.issued"
PROMISE_MADE = "promise.made"
PROMISE_KEPT = "promise.kept"
PROMISE_BROKEN = "promise.broken"
DISPUTE_OPENED = "dispute.opened"
DISPUTE_RESOLVED = "dispute.resolved"
DISPUTE_CLOSED = "dispute.closed"
INTEREST_CLAIMED = "interest.claimed"
INTEREST_WAIVED = "interest.waived"
INTEREST_INVOICED = "interest.invoiced"

# The `data` schema of every event type Credence understands.
DATA_SCHEMAS: dict[str, type[_Strict]] = {
    CUSTOMER_UPSERTED: CustomerUpserted,
    CREDIT_GROUP_UPSERTED: CreditGroupUpserted,
    INVOICE_ISSUED: InvoiceIssued,
    PAYMENT_RECEIVED: PaymentReceived,
    INVOICE_ADJUSTED: InvoiceAdjusted,
    INVOICE_CANCELLED: InvoiceCancelled,
    INVOICE_WRITTEN_OFF: InvoiceWrittenOff,
    CREDIT_NOTE_ISSUED: CreditNoteIssued,
    PAYMENT_REVERSED: PaymentReversed,
    PAYMENT_ALLOCATED: PaymentAllocated,
    PAYMENT_ALLOCATION_REVERSED: PaymentAllocationReversed,
    INVOICE_OVERDUE: InvoiceOverdue,
    ALERT_RAISED: AlertRaised,
    RECEIVABLES_DECREASED: ReceivablesDecreased,
    HOLD_RELEASED: HoldResolved,
    HOLD_REJECTED: HoldResolved,
    FINANCIAL_STATEMENT_FILED: FinancialStatementFiled,
    ASSESSMENT_CHANGED: AssessmentChanged,
    WARNING_LEVEL_CHANGED: WarningLevelChanged,
    **dict.fromkeys(ALERT_CHANGES, AlertChanged),
    DUNNING_NOTICE_ISSUED: DunningNoticeIssued,
    STATEMENT_ISSUED: StatementIssued,
    **dict.fromkeys((PROMISE_MADE, PROMISE_KEPT, PROMISE_BROKEN), PromiseChanged),
    **dict.fromkeys((DISPUTE_OPENED, DISPUTE_RESOLVED, DISPUTE_CLOSED), DisputeChanged),
    **dict.fromkeys((INTEREST_CLAIMED, INTEREST_WAIVED, INTEREST_INVOICED), InterestClaimChanged),
}


def parse_event(raw: bytes) -> CloudEvent:
    """Decode and validate an envelope and its data, or raise InvalidEvent with the reason."""
    try:
        envelope = CloudEvent.model_validate_json(raw)
    except ValidationError as exc:
        raise InvalidEvent(f"not a CloudEvent: {_first_error(exc)}") from None
    return envelope


def event_data(event: CloudEvent) -> _Strict:
    schema = DATA_SCHEMAS.get(event.type)
    if schema is None:
        raise InvalidEvent(f"unknown event type {event.type!r}")
    try:
        data = schema.model_validate(event.data)
    except ValidationError as exc:
        raise InvalidEvent(f"invalid {event.type} data: {_first_error(exc)}") from None
    for field in ("customer_code", "group_code"):
        named = getattr(data, field, None)
        if named is not None and named != event.subject:
            raise InvalidEvent(f"subject {event.subject!r} differs from data.{field} {named!r}")
    return data


def new_event(
    *, source: str, type_: str, subject: str, data: _Strict, time: datetime | None = None
) -> CloudEvent:
    return CloudEvent(
        specversion="1.0",
        id=str(uuid.uuid4()),
        source=source,
        type=type_,
        time=time or datetime.now(UTC),
        subject=subject,
        data=json.loads(data.model_dump_json()),
    )


def encode(event: CloudEvent) -> bytes:
    return event.model_dump_json(exclude_none=True).encode()


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = "/".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else str(err["msg"])
