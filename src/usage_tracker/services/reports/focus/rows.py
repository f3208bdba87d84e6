"""FOCUS rows from billed cost, each dollar once, streamed from the database in chunks of days.

Each day of each organization is read from exactly one cost record set: the one `report
summary` chooses (services/ledger/record_sets.py, no dimension required), so the BilledCost of
an export adds up to the summary's billed cost. A row is one day × project × line item, and
× API key and × user where that record set carries them (its grouping is in `x_CostGrouping`);
cost records of the same row (and sign) are summed. Money is formatted from integer
nano-dollars, quantities from the stored value, never through float arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal_column, or_, select
from sqlalchemy.orm import Session

from usage_tracker.db.models import CostRecord, Organization
from usage_tracker.domain.focus import (
    CREDIT,
    USAGE,
    focus_unit,
    instant,
    is_credit,
    month_bounds,
    next_day,
    quantity_decimal,
    tokens_per_unit,
)
from usage_tracker.domain.money import decimal_text, from_nanos, usd_string
from usage_tracker.services.ledger.names import labels
from usage_tracker.services.ledger.record_sets import (
    Choice,
    SetInfo,
    candidate_sets,
    choose,
    day_ranges,
)
from usage_tracker.services.reports.focus.allocation import UserAllocation
from usage_tracker.services.reports.focus.columns import MONEY_SCALE
from usage_tracker.services.reports.focus.pricing import ListPrices
from usage_tracker.services.reports.focus.tags import TeamTags

PROVIDER = "OpenAI"
SERVICE_NAME = "OpenAI API"
SERVICE_CATEGORY = "AI and Machine Learning"
SERVICE_SUBCATEGORY = "Generative AI"
NO_LINE_ITEM = "OpenAI API usage"
CHUNK_DAYS = 8  # days per query; a chunk never crosses a month
_FETCH = 2000


@dataclass(frozen=True)
class FocusQuery:
    """Inclusive UTC days of one organization (or all); `allocate_users` splits rows of days
    whose data has no user dimension among users (see focus/allocation.py)."""

    since: date
    until: date
    org: str | None = None
    allocate_users: bool = False

    def __post_init__(self) -> None:
        if self.until < self.since:
            raise ValueError(f"--until ({self.until}) is before --since ({self.since})")


def chunks(since: date, until: date, size: int = CHUNK_DAYS) -> Iterator[tuple[date, date]]:
    """[since, until] in runs of at most `size` days, none crossing a calendar month."""
    day = since
    while day <= until:
        _, following = month_bounds(day)
        last = min(until, day + timedelta(days=size - 1), following - timedelta(days=1))
        yield day, last
        day = last + timedelta(days=1)


def _conditions(choices: Sequence[Choice], lo: date, hi: date) -> list[ColumnElement[bool]]:
    parts = []
    for c in choices:
        mine = [d for d in c.days if lo <= d <= hi]
        for first, last in day_ranges(mine):
            parts.append(
                and_(
                    CostRecord.record_set_id == c.record_set_id, CostRecord.day.between(first, last)
                )
            )
    return parts


# A literal (not a bound parameter), so PostgreSQL sees the same expression in GROUP BY.
_NEGATIVE = case(
    (CostRecord.amount_nanos < literal_column("0"), literal_column("1")), else_=literal_column("0")
)
_GROUP = (
    CostRecord.record_set_id,
    CostRecord.day,
    CostRecord.project_id,
    CostRecord.api_key_id,
    CostRecord.user_id,
    CostRecord.line_item,
    CostRecord.model,
    CostRecord.token_kind,
    CostRecord.currency,
    CostRecord.quantity_unit,
    _NEGATIVE,
)
_ORDER = (
    CostRecord.day,
    CostRecord.record_set_id,
    func.coalesce(CostRecord.project_id, ""),
    func.coalesce(CostRecord.line_item, ""),
    func.coalesce(CostRecord.api_key_id, ""),
    func.coalesce(CostRecord.user_id, ""),
    _NEGATIVE,
    func.coalesce(CostRecord.currency, ""),
    func.coalesce(CostRecord.quantity_unit, ""),
)


class _Names:
    """Names of the projects, keys and users of a chunk, looked up once each."""

    def __init__(self) -> None:
        self.known: dict[str, dict[str, str | None]] = {"project": {}, "api_key": {}, "user": {}}

    def load(self, session: Session, where: ColumnElement[bool]) -> None:
        for dim, column in (
            ("project", CostRecord.project_id),
            ("api_key", CostRecord.api_key_id),
            ("user", CostRecord.user_id),
        ):
            known = self.known[dim]
            query = select(column).distinct().where(where, column.is_not(None))
            ids: list[str] = [v for v in session.scalars(query) if v is not None and v not in known]
            found = labels(session, dim, ids)
            for v in ids:
                known[v] = found.get(v)

    def get(self, dim: str, value: str | None) -> str | None:
        return None if value is None else self.known[dim].get(value)


def _fits(value: Decimal, scale: int) -> bool:
    exponent = value.normalize().as_tuple().exponent
    return isinstance(exponent, int) and exponent >= -scale


class RowBuilder:
    """Turns one summed cost group into its FOCUS row(s)."""

    def __init__(self, session: Session, sets: Sequence[SetInfo], q: FocusQuery) -> None:
        self.sets = {s.id: s for s in sets}
        org_ids = sorted({s.organization_id for s in sets})
        self.accounts: dict[int, tuple[str, str | None]] = {}
        for org in session.scalars(select(Organization).where(Organization.id.in_(org_ids))):
            self.accounts[org.id] = (org.openai_org_id or org.slug, org.name)
        self.grouping = {s.id: ",".join(sorted(s.grouping)) for s in sets}
        self.prices = ListPrices(session)
        self.tags = TeamTags(session, org_ids)
        self.names = _Names()
        self.allocation = UserAllocation(session, q.org) if q.allocate_users else None
        self._periods: dict[date, tuple[str, str, str, str]] = {}

    def _period(self, day: date) -> tuple[str, str, str, str]:
        found = self._periods.get(day)
        if found is None:
            first, following = month_bounds(day)
            found = (instant(first), instant(following), instant(day), instant(next_day(day)))
            self._periods[day] = found
        return found

    def rows(self, record: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        (rs_id, day, project, key, user, line_item, model, kind, currency, unit, _neg,
         amount, quantity, with_quantity, count) = record  # fmt: skip
        amount = int(amount or 0)
        qty = float(quantity) if quantity is not None and with_quantity == count else None
        info = self.sets[rs_id]
        if self.allocation is not None and "user_id" not in info.grouping:
            shares = self.allocation.split(day, project, model, amount, qty)
            if shares is not None:
                method = self.allocation.method
                for who, part, part_qty in shares:
                    yield self._row(rs_id, day, project, key, who, line_item, model, kind,
                                    currency, unit, part, part_qty, method)  # fmt: skip
                return
        yield self._row(rs_id, day, project, key, user, line_item, model, kind, currency, unit,
                        amount, qty, None)  # fmt: skip

    def _row(
        self,
        rs_id: int,
        day: date,
        project: str | None,
        key: str | None,
        user: str | None,
        line_item: str | None,
        model: str | None,
        kind: str | None,
        currency: str | None,
        unit: str | None,
        amount: int,
        qty: float | Decimal | None,
        method: str | None,
    ) -> tuple[Any, ...]:
        org_id = self.sets[rs_id].organization_id
        account_id, account_name = self.accounts[org_id]
        period_start, period_end, charge_start, charge_end = self._period(day)
        billed = usd_string(amount)
        credit = is_credit(line_item, amount)
        list_cost, list_price = billed, None
        pricing_qty = pricing_unit = consumed_qty = consumed_unit = tokens = None
        fu = focus_unit(unit)
        if not credit and qty is not None and fu is not None:
            exact = qty if isinstance(qty, Decimal) else quantity_decimal(qty)
            pricing_qty, pricing_unit = decimal_text(exact), fu
            if exact > 0:
                consumed_qty, consumed_unit = pricing_qty, fu
            per_token = tokens_per_unit(unit)
            if per_token is not None:
                tokens = decimal_text(exact * per_token)
            price = self.prices.unit_price(model, kind, unit)
            if price is not None:
                listed, exact_billed = price * exact, from_nanos(amount)
                if (
                    listed >= exact_billed
                    and _fits(listed, MONEY_SCALE)
                    and _fits(price, MONEY_SCALE)
                ):
                    list_price = decimal_text(price)
                    list_cost = billed if listed == exact_billed else decimal_text(listed)
        return (
            account_id,
            account_name,
            (currency or "usd").upper(),
            period_start,
            period_end,
            charge_start,
            charge_end,
            CREDIT if credit else USAGE,
            None,  # ChargeClass: no corrections in this data
            line_item or NO_LINE_ITEM,
            "One-Time" if credit else "Usage-Based",
            billed,
            list_cost,
            billed,  # ContractedCost: pay-as-you-go, no negotiated rate in the data
            billed,  # EffectiveCost: no commitment to amortise
            list_price,
            None if credit else "Standard",
            pricing_qty,
            pricing_unit,
            consumed_qty,
            consumed_unit,
            PROVIDER,
            PROVIDER,
            PROVIDER,
            SERVICE_CATEGORY,
            SERVICE_SUBCATEGORY,
            SERVICE_NAME,
            project,
            self.names.get("project", project),
            key,
            self.names.get("api_key", key),
            None if key is None else "API Key",
            line_item,
            self.tags.tags(org_id, project, key, user),
            model,
            kind,
            tokens,
            user,
            self.names.get("user", user),
            method,
            self.grouping[rs_id],
        )


def focus_rows(session: Session, q: FocusQuery) -> Iterator[tuple[Any, ...]]:
    """The export's rows in column order (focus/columns.py), chunk by chunk of days."""
    sets = candidate_sets(session, costs=True, org=q.org, required=())
    if not sets:
        return
    choices = choose(session, sets, q.since, q.until, months=False)
    builder = RowBuilder(session, sets, q)
    values = (
        func.sum(CostRecord.amount_nanos),
        func.sum(CostRecord.quantity),
        func.count(CostRecord.quantity),
        func.count(),
    )
    for lo, hi in chunks(q.since, q.until):
        parts = _conditions(choices, lo, hi)
        if not parts:
            continue
        where = or_(*parts)
        builder.names.load(session, where)
        if builder.allocation is not None:
            builder.allocation.load(lo, hi)
        query = select(*_GROUP, *values).where(where).group_by(*_GROUP).order_by(*_ORDER)
        for record in session.execute(query, execution_options={"yield_per": _FETCH}):
            yield from builder.rows(record)
