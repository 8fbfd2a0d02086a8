from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.finance.reports import (
    abc,
    cash_forecast,
    common,
    dso,
    insurance,
    provisions,
    top_risks,
    turnover,
)
from services.credit_api.finance.reports.schemas import (
    AbcApplied,
    AbcApplyIn,
    AbcReport,
    CashForecastReport,
    DsoReport,
    InsuranceReport,
    ProvisionsReport,
    TopRisksReport,
    TurnoverReport,
)
from services.credit_api.finance.reports.tabular import XLSX, Table, to_csv, to_xlsx
from services.credit_api.kernel.deps import Session, require
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.domain.ageing import Buckets
from shared.roles import Role
from shared.schemas import CurrencyCode, IsoDate

router = APIRouter(tags=["reports"])

Reader = Annotated[Principal, Depends(require(Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER))]
Manager = Annotated[Principal, Depends(require(Role.CREDIT_MANAGER))]
TABLES = {
    "content": {
        "text/csv": {"schema": {"type": "string"}},
        XLSX: {"schema": {"type": "string", "format": "binary"}},
    }
}


@dataclass(frozen=True)
class Output:
    """What every report is asked: its date, its currency and its format."""

    as_of: IsoDate
    currency: str
    format: str | None
    accept: str | None

    def respond(self, report: dict[str, Any], model: type[BaseModel], table: Table, name: str) -> Response:
        accept = self.accept or ""
        wanted = self.format or ("xlsx" if XLSX in accept else "csv" if "text/csv" in accept else "json")
        filename = f"{name}-{self.as_of.isoformat()}"
        if wanted == "csv":
            return Response(
                to_csv(table),
                media_type="text/csv",
                headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
            )
        if wanted == "xlsx":
            return Response(
                to_xlsx(table),
                media_type=XLSX,
                headers={"Content-Disposition": f'attachment; filename="{filename}.xlsx"'},
            )
        # Through its model, so that what is sent is what the document promises.
        return JSONResponse(model.model_validate(report).model_dump(mode="json"))


async def _output(
    request: Request,
    as_of: Annotated[IsoDate | None, Query(description="Default today; any past date")] = None,
    currency: Annotated[CurrencyCode | None, Query(description="Default the authority currency")] = None,
    format: Annotated[
        Literal["json", "csv", "xlsx"] | None, Query(description="Or by `Accept`: text/csv, the .xlsx type")
    ] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Output:
    return Output(
        as_of or date.today(), currency or str(request.app.state.settings.authority_currency), format, accept
    )


@dataclass(frozen=True)
class Grouping:
    group_by: common.GroupBy
    customer: str | None


async def _grouping(
    group_by: Annotated[
        common.GroupBy,
        Query(description="Rows per group; `currency` keeps each currency apart, the others convert"),
    ] = "portfolio",
    customer: Annotated[str | None, Query(max_length=64, description="One customer only")] = None,
) -> Grouping:
    return Grouping(group_by, customer)


Out = Annotated[Output, Depends(_output)]
Groups = Annotated[Grouping, Depends(_grouping)]

Make = Callable[..., Awaitable[dict[str, Any]]]


def _dso(session: AsyncSession, out: Output, by: Grouping, **p: Any) -> Awaitable[dict[str, Any]]:
    return dso.report(
        session, out.as_of, p.get("period_days", 90), by.group_by, out.currency, by.customer,
        countback_days=p.get("countback_days"),
    )  # fmt: skip


def _turnover(session: AsyncSession, out: Output, by: Grouping, **p: Any) -> Awaitable[dict[str, Any]]:
    return turnover.report(session, out.as_of, p.get("months", 12), by.group_by, out.currency, by.customer)


def _provisions(session: AsyncSession, out: Output, by: Grouping, **p: Any) -> Awaitable[dict[str, Any]]:
    buckets = p.get("buckets")
    return provisions.report(
        session,
        out.as_of,
        by.group_by,
        out.currency,
        method=p.get("method", "matrix"),
        bounds=Buckets.parse(buckets) if buckets else None,
        rates=p.get("rates"),
        history_months=p.get("history_months", 12),
        factor=p.get("factor", Decimal(1)),
        segment_by=p.get("segment_by"),
        weighting=p.get("weighting", "amount"),
        customer=by.customer,
    )


def _abc(session: AsyncSession, out: Output, by: Grouping, **p: Any) -> Awaitable[dict[str, Any]]:
    cut_a, cut_b = p.get("a", Decimal("0.80")), p.get("b", Decimal("0.95"))
    return abc.report(session, out.as_of, p.get("period_days", 365), cut_a, cut_b, out.currency)


def _insurance(session: AsyncSession, out: Output, by: Grouping, **p: Any) -> Awaitable[dict[str, Any]]:
    return insurance.report(
        session, out.as_of, by.group_by, out.currency, by.customer, p.get("expiring_days", 30)
    )


def _top_risks(session: AsyncSession, out: Output, by: Grouping, **p: Any) -> Awaitable[dict[str, Any]]:
    return top_risks.report(
        session,
        out.as_of,
        out.currency,
        p.get("limit", 20),
        p.get("loss_given_default", Decimal("0.45")),
        by.group_by,
    )


def _cash_forecast(session: AsyncSession, out: Output, by: Grouping, **p: Any) -> Awaitable[dict[str, Any]]:
    return cash_forecast.report(
        session, out.as_of, p.get("weeks", 13), by.group_by, out.currency, by.customer
    )


# name → how it is made, the model its JSON follows, and its table for CSV and Excel
REPORTS: dict[str, tuple[Make, type[BaseModel], Callable[[dict[str, Any]], Table]]] = {
    "dso": (_dso, DsoReport, lambda r: common.flat(r, dso.COLUMNS, "dso")),
    "turnover": (_turnover, TurnoverReport, lambda r: common.flat(r, turnover.COLUMNS, "turnover")),
    "provisions": (_provisions, ProvisionsReport, provisions.provision_table),
    "abc": (_abc, AbcReport, lambda r: common.flat(r, abc.COLUMNS, "abc")),
    "insurance": (
        _insurance,
        InsuranceReport,
        lambda r: common.flat(r, insurance.COLUMNS, "insurance"),
    ),
    "cash-forecast": (_cash_forecast, CashForecastReport, cash_forecast.table),
    "top-risks": (
        _top_risks,
        TopRisksReport,
        lambda r: common.flat(r, top_risks.COLUMNS, "top-risks"),
    ),
}


async def produce(session: AsyncSession, name: str, out: Output, by: Grouping, **params: Any) -> Response:
    """A report by name, in the format asked (the API's routes and the console's downloads)."""
    make, model, table = REPORTS[name]
    report = await make(session, out, by, **params)
    return out.respond(report, model, table(report), name)


@router.get(
    "/v1/reports/dso",
    response_model=DsoReport,
    summary="Days sales outstanding: standard, countback, best possible, days delinquent; CEI",
    description="Standard DSO = receivables as of the date ÷ credit sales of the `period_days` days "
    "ending on it × `period_days`. Countback: calendar months of credit sales taken back from the "
    "receivables, newest first, the last month pro rata. Best possible DSO counts only what is not "
    "yet due; average days delinquent = DSO − best possible. CEI = (receivables at the start + "
    "credit sales − receivables at the end) ÷ (receivables at the start + credit sales − not yet due "
    "at the end) × 100. Credit sales are invoices less credit notes, by issue date.",
    responses={**responses(401, 403, 404, 422), 200: TABLES},
)
async def dso_report(
    session: Session,
    _: Reader,
    out: Out,
    by: Groups,
    period_days: Annotated[int, Query(ge=1, le=3660)] = 90,
    countback_days: Annotated[
        int | None, Query(ge=1, le=366, description="Count back in periods of this many days, not months")
    ] = None,
) -> Response:
    return await produce(session, "dso", out, by, period_days=period_days, countback_days=countback_days)


@router.get(
    "/v1/reports/turnover",
    response_model=TurnoverReport,
    summary="Receivables turnover and its days",
    description="Credit sales of the `months` months ending with the as-of date's ÷ the average of "
    "the receivables at the month-end before them, at each month-end within and on the as-of date; "
    "days = the period's days ÷ turnover.",
    responses={**responses(401, 403, 404, 422), 200: TABLES},
)
async def turnover_report(
    session: Session, _: Reader, out: Out, by: Groups, months: Annotated[int, Query(ge=1, le=60)] = 12
) -> Response:
    return await produce(session, "turnover", out, by, months=months)


@router.get(
    "/v1/reports/cash-forecast",
    response_model=CashForecastReport,
    summary="Cash-in forecast: the cash expected week by week from the open invoices",
    description="Each open invoice's probability of payment in each of the `weeks` weeks after the "
    "as-of date (week 1: the seven days after it), by its customer's payment habit "
    "(`GET /v1/customers/{code}/open-items` shows each invoice's), times its open amount, summed per "
    "group and converted into the group's currency; `low`–`high` is the 80 % band of the week's cash, "
    "the invoices taken as independent. Disputed invoices are left out. As of a past date, only what "
    "was known on it is read: the backtest (`credence forecast backtest`) scores it against what came.",
    responses={**responses(401, 403, 404, 422), 200: TABLES},
)
async def cash_forecast_report(
    session: Session, _: Reader, out: Out, by: Groups, weeks: Annotated[int, Query(ge=1, le=52)] = 13
) -> Response:
    return await produce(session, "cash-forecast", out, by, weeks=weeks)


@router.get(
    "/v1/reports/provisions",
    response_model=ProvisionsReport,
    summary="Expected credit losses: IFRS 9 provision matrix and specific provisions",
    description="Each due-date bucket's balance × its loss rate, for customers without a specific "
    "provision; theirs by rate or amount. Rates: `method=matrix` with `rates` (one per bucket) or "
    "`shared/policies/provisions.yaml` (IFRS 9 IE12's); `method=roll_rate` derives them from the "
    "`history_months` months before the as-of date's month (IFRS 9 B5.5.35): each bucket's roll rate is "
    "the share of what it held at a month-end that had moved on to a later bucket a month later (only "
    "what came from it), the last bucket's the share of what entered it that was written off (a "
    "lifetime loss); weighted by amount (`weighting=amount`: Σ rolled ÷ Σ held) or the plain mean of "
    "the months (`weighting=mean`); a bucket's loss rate is the product of the roll rates from it on, "
    "times `factor`, at most 100 %. `segment_by` (industry, country, grade, currency) gives each "
    "segment the rates of its own history (IFRS 9 B5.5.5); a segment with too little (the policy's "
    "`segment_minimum`) has the portfolio's, and `rates.fallbacks` says which and why. Balances are "
    "floored at zero per customer and currency. `previous_month_end`: the provision as it stood then, "
    "with that day's own rates; `movement` = provision − previous, split into `movement_by_balances` "
    "(the change of balances at the previous rates, and of specific provisions) and "
    "`movement_by_rates` (the rest). Every loss is printed to the minor unit and every total is the "
    "sum of the printed lines.",
    responses={**responses(401, 403, 404, 422), 200: TABLES},
)
async def provisions_report(
    session: Session,
    _: Reader,
    out: Out,
    by: Groups,
    method: Literal["matrix", "roll_rate"] = "matrix",
    buckets: Annotated[
        str | None, Query(pattern=r"^\d+(,\d+)*$", examples=["30,60,90"], description="Upper bounds in days")
    ] = None,
    rates: Annotated[
        str | None,
        Query(pattern=r"^\d+(\.\d+)?(,\d+(\.\d+)?)*$", examples=["0.003,0.016,0.036,0.066,0.106"]),
    ] = None,
    history_months: Annotated[int, Query(ge=1, le=60)] = 12,
    factor: Annotated[Decimal, Query(ge=0, le=10, description="Forward-looking adjustment")] = Decimal(1),
    segment_by: Annotated[
        Literal["industry", "country", "grade", "currency"] | None,
        Query(description="Roll rates per segment (with `method=roll_rate`)"),
    ] = None,
    weighting: Annotated[
        Literal["amount", "mean"],
        Query(description="Roll rates weighted by amount, or the plain mean of months"),
    ] = "amount",
) -> Response:
    return await produce(
        session, "provisions", out, by,
        method=method, buckets=buckets, rates=rates, history_months=history_months, factor=factor,
        segment_by=segment_by, weighting=weighting,
    )  # fmt: skip


@router.get(
    "/v1/reports/abc",
    response_model=AbcReport,
    summary="ABC classes by credit sales, and the change against the previous period",
    description="Customers by decreasing credit sales over `period_days` days: A while the share "
    "reached before them is below `a`, B below `b`, C after (and without sales). `previous_class`: "
    "the same over the period before; `class_in_file`: what the credit file says now.",
    responses={**responses(401, 403, 422), 200: TABLES},
)
async def abc_report(
    session: Session,
    _: Reader,
    out: Out,
    period_days: Annotated[int, Query(ge=1, le=3660)] = 365,
    a: Annotated[Decimal, Query(gt=0, lt=1)] = Decimal("0.80"),
    b: Annotated[Decimal, Query(gt=0, le=1)] = Decimal("0.95"),
) -> Response:
    return await produce(session, "abc", out, Grouping("portfolio", None), period_days=period_days, a=a, b=b)


@router.post(
    "/v1/reports/abc/apply",
    summary="Write the ABC classes into the credit file",
    description="The classes `GET /v1/reports/abc` gives for these parameters; each change audited.",
    responses=responses(401, 403, 422),
)
async def apply_abc(request: Request, body: AbcApplyIn, session: Session, principal: Manager) -> AbcApplied:
    currency = str(request.app.state.settings.authority_currency)
    report = await abc.report(session, body.as_of, body.period_days, body.a, body.b, currency)
    return AbcApplied(as_of=body.as_of, changed=await abc.apply_abc(session, principal, report))


@router.get(
    "/v1/reports/insurance",
    response_model=InsuranceReport,
    summary="Insured and uninsured exposure, customers above their cover, covers expiring",
    description="Per customer: the newest named cover in force, or the policy's discretionary "
    "limit; insured = min(exposure, cover) × indemnity, the rest uninsured (exposure: the open "
    "receivables as of the date, in the cover's currency). `over_cover` lists customers whose "
    "exposure exceeds their cover; `expiring`, named covers ending within `expiring_days`.",
    responses={**responses(401, 403, 404, 422), 200: TABLES},
)
async def insurance_report(
    session: Session,
    _: Reader,
    out: Out,
    by: Groups,
    expiring_days: Annotated[int, Query(ge=0, le=366)] = 30,
) -> Response:
    return await produce(session, "insurance", out, by, expiring_days=expiring_days)


@router.get(
    "/v1/reports/top-risks",
    response_model=TopRisksReport,
    summary="Customers, or groups of them, ranked by expected loss",
    description="Expected loss = uninsured exposure × probability of default of the customer's grade "
    "by the active scorecard (the riskiest grade's when not yet graded) × loss given default "
    "(default 45 %, the Basel foundation figure for senior unsecured claims); with grade, "
    "early-warning level and latest dunning step. With `group_by` (`credit_group`: the top credit "
    "group; an industry, a country, a grade, a currency), one row per group sums its customers' "
    "figures, with the worst early-warning level among them.",
    responses={**responses(401, 403, 422), 200: TABLES},
)
async def top_risks_report(
    session: Session,
    _: Reader,
    out: Out,
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
    loss_given_default: Annotated[Decimal, Query(ge=0, le=1)] = Decimal("0.45"),
    group_by: Annotated[common.GroupBy, Query(description="Rows per customer, or per group")] = "customer",
) -> Response:
    return await produce(
        session,
        "top-risks",
        out,
        Grouping(group_by, None),
        limit=limit,
        loss_given_default=loss_given_default,
    )
