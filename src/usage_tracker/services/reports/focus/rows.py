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
from datetime import date
from decimal import Decimal
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from usage_tracker.db.models import CostRecord, Organization
from usage_tracker.db.queries.cost_days import CostDays
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
from usage_tracker.services.kit.exports import csv_fields
from usage_tracker.services.ledger.names import labels
from usage_tracker.services.ledger.record_sets import SetInfo, candidate_sets, choose
from usage_tracker.services.reports.focus.allocation import UserAllocation
from usage_tracker.services.reports.focus.columns import MONEY_SCALE
from usage_tracker.services.reports.focus.pricing import ListPrices
from usage_tracker.services.reports.focus.query import (
    Group,
    chunk_condition,
    chunks,
    day_groups,
    day_plan,
)
from usage_tracker.services.reports.focus.tags import TeamTags

PROVIDER = "OpenAI"
SERVICE_NAME = "OpenAI API"
SERVICE_CATEGORY = "AI and Machine Learning"
SERVICE_SUBCATEGORY = "Generative AI"
NO_LINE_ITEM = "OpenAI API usage"


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


class _Names:
    """Names of the projects, keys and users of a chunk, looked up once each."""

    def __init__(self) -> None:
        self.known: dict[str, dict[str, str | None]] = {"project": {}, "api_key": {}, "user": {}}

    def load(self, session: Session, where: ColumnElement[bool], grouping: set[str]) -> None:
        for dim, column in (
            ("project", CostRecord.project_id),
            ("api_key", CostRecord.api_key_id),
            ("user", CostRecord.user_id),
        ):
            if column.key not in grouping:
                continue
            known = self.known[dim]
            query = select(column).distinct().where(where, column.is_not(None))
            ids: list[str] = [v for v in session.scalars(query) if v is not None and v not in known]
            found = labels(session, dim, ids)
            for v in ids:
                known[v] = found.get(v)

    def get(self, dim: str, value: str | None) -> str | None:
        return None if value is None else self.known[dim].get(value)


def _segment(cells: tuple[Any, ...]) -> Segment:
    return cells, csv_fields(cells) + ","


def _fits(value: Decimal, scale: int) -> bool:
    exponent = value.normalize().as_tuple().exponent
    return isinstance(exponent, int) and exponent >= -scale


Segment = tuple[tuple[Any, ...], str]  # the cells, and their CSV text (ending in a comma)
Parts = tuple[Segment, ...]  # a row's segments, in focus/columns.py's SEGMENTS order
SERVICE = _segment((PROVIDER, PROVIDER, PROVIDER, SERVICE_CATEGORY, SERVICE_SUBCATEGORY,
                    SERVICE_NAME))  # fmt: skip


class RowBuilder:
    """Turns one summed cost group into its FOCUS row(s), as segments: the runs of cells that
    repeat from row to row are built (and rendered as CSV, formula guard included) once."""

    def __init__(self, session: Session, sets: Sequence[SetInfo], q: FocusQuery) -> None:
        self.sets = {s.id: s for s in sets}
        org_ids = sorted({s.organization_id for s in sets})
        self.accounts: dict[int, tuple[str, str | None]] = {}
        for org in session.scalars(select(Organization).where(Organization.id.in_(org_ids))):
            self.accounts[org.id] = (org.openai_org_id or org.slug, org.name)
        self.prices = ListPrices(session)
        self.tags = TeamTags(session, org_ids)
        self.names = _Names()
        self.allocation = UserAllocation(session, q.org) if q.allocate_users else None
        self._prefixes: dict[tuple[int, date, str | None], Segment] = {}
        self._charges: dict[tuple[str | None, str | None, str | None, bool], Segment] = {}
        self._credit_items: dict[str | None, bool] = {}
        self._units: dict[str | None, tuple[str | None, str, int | None]] = {}
        self._whos: dict[tuple[int, str | None, str | None, str | None], Segment] = {}
        self._sources: dict[tuple[int, str | None], Segment] = {}

    def _prefix(self, rs_id: int, day: date, currency: str | None) -> Segment:
        """Billing account, currency, billing and charge periods: the same all day long."""
        key = (rs_id, day, currency)
        found = self._prefixes.get(key)
        if found is None:
            account_id, account_name = self.accounts[self.sets[rs_id].organization_id]
            first, following = month_bounds(day)
            found = _segment((account_id, account_name, (currency or "usd").upper(),
                              instant(first), instant(following), instant(day),
                              instant(next_day(day))))  # fmt: skip
            if len(self._prefixes) > 10_000:
                self._prefixes.clear()
            self._prefixes[key] = found
        return found

    def _charge(
        self, line_item: str | None, model: str | None, kind: str | None, credit: bool
    ) -> Segment:
        key = (line_item, model, kind, credit)
        found = self._charges.get(key)
        if found is None:
            found = self._charges[key] = _segment((
                CREDIT if credit else USAGE,
                None,  # ChargeClass: no corrections in this data
                line_item or NO_LINE_ITEM,
                "One-Time" if credit else "Usage-Based",
                None if credit else "Standard",
                line_item,
                model,
                kind,
            ))  # fmt: skip
        return found

    def _is_credit_item(self, line_item: str | None) -> bool:
        found = self._credit_items.get(line_item)
        if found is None:
            found = self._credit_items[line_item] = is_credit(line_item, 0)
        return found

    def _unit(self, unit: str | None) -> tuple[str | None, str, int | None]:
        """The FOCUS unit, its CSV text, and how many tokens one unit is."""
        found = self._units.get(unit)
        if found is None:
            name = focus_unit(unit)
            found = self._units[unit] = (name, csv_fields([name]), tokens_per_unit(unit))
        return found

    def _who(self, org_id: int, project: str | None, key: str | None, user: str | None) -> Segment:
        cache_key = (org_id, project, key, user)
        found = self._whos.get(cache_key)
        if found is None:
            names = self.names
            found = _segment((
                project,
                names.get("project", project),
                key,
                names.get("api_key", key),
                None if key is None else "API Key",
                user,
                names.get("user", user),
                self.tags.tags(org_id, project, key, user),
            ))  # fmt: skip
            if len(self._whos) > 100_000:
                self._whos.clear()
            self._whos[cache_key] = found
        return found

    def _source(self, rs_id: int, method: str | None) -> Segment:
        found = self._sources.get((rs_id, method))
        if found is None:
            grouping = ",".join(sorted(self.sets[rs_id].grouping))
            found = self._sources[(rs_id, method)] = _segment((method, grouping))
        return found

    def rows(self, rs_id: int, day: date, group: Group) -> list[Parts]:
        """The FOCUS row of one group, or its rows split among users (with the allocation)."""
        (project, line_item, key, user, _negative, currency, unit, model, kind), (amount, qty) = (
            group
        )
        if self.allocation is not None and "user_id" not in self.sets[rs_id].grouping:
            shares = self.allocation.split(day, project, model, amount, qty)
            if shares is not None:
                method = self.allocation.method
                return [
                    self.row(
                        rs_id,
                        day,
                        project,
                        key,
                        who,
                        line_item,
                        model,
                        kind,
                        currency,
                        unit,
                        part,
                        part_qty,
                        method,
                    )
                    for who, part, part_qty in shares
                ]
        return [self.row(rs_id, day, project, key, user, line_item, model, kind, currency, unit,
                         amount, qty, None)]  # fmt: skip

    def row(
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
    ) -> Parts:
        billed = usd_string(amount)
        credit = amount < 0 or (
            self._credit_items[line_item]
            if line_item in self._credit_items
            else self._is_credit_item(line_item)
        )
        list_cost, list_price = billed, None
        fu, fu_text, per_token = self._unit(unit)
        if credit or qty is None or fu is None:
            quantities: Segment = (_NO_QUANTITIES, _NO_QUANTITIES_TEXT)
        else:
            exact = qty if isinstance(qty, Decimal) else quantity_decimal(qty)
            pricing = decimal_text(exact)
            consumed = pricing if exact > 0 else None
            tokens = None
            if per_token is not None:
                tokens = pricing if per_token == 1 else decimal_text(exact * per_token)
            quantities = (
                (pricing, fu, consumed, fu if consumed else None, tokens),
                f"{pricing},{fu_text},{consumed or ''},{fu_text if consumed else ''},"
                f"{tokens or ''},",
            )
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
        # ContractedCost and EffectiveCost: pay-as-you-go, no negotiated rate or commitment
        costs = (
            (billed, list_cost, billed, billed, list_price),
            f"{billed},{list_cost},{billed},{billed},{list_price or ''},",
        )
        # The cached segments inline (the method builds one when it is missing): hot path.
        prefix = self._prefixes.get((rs_id, day, currency)) or self._prefix(rs_id, day, currency)
        charge = self._charges.get((line_item, model, kind, credit)) or self._charge(
            line_item, model, kind, credit
        )
        org_id = self.sets[rs_id].organization_id
        who = self._whos.get((org_id, project, key, user)) or self._who(org_id, project, key, user)
        source = self._sources.get((rs_id, method)) or self._source(rs_id, method)
        return (prefix, charge, costs, quantities, SERVICE, who, source)


_NO_QUANTITIES = (None, None, None, None, None)
_NO_QUANTITIES_TEXT = ",,,,,"


def focus_parts(session: Session, q: FocusQuery) -> Iterator[Parts]:
    """The export's rows as segments: day by day, each organization's chosen record set, its
    groups in order; names and allocation weights chunk by chunk."""
    sets = candidate_sets(session, costs=True, org=q.org, required=())
    if not sets:
        return
    choices = choose(session, sets, q.since, q.until, months=False)
    builder = RowBuilder(session, sets, q)
    carried = {dim for s in sets for dim in s.grouping}
    reader = CostDays(session)
    for lo, hi in chunks(q.since, q.until):
        plan = day_plan(choices, lo, hi)
        if not plan:
            continue
        builder.names.load(session, chunk_condition(plan), carried)
        if builder.allocation is not None:
            builder.allocation.load(lo, hi)
        for day, rs_id in plan:
            for group in day_groups(reader, rs_id, day):
                if builder.allocation is None:
                    (project, item, key, user, _neg, currency, unit, model, kind), (n, qty) = group
                    yield builder.row(rs_id, day, project, key, user, item, model, kind,
                                      currency, unit, n, qty, None)  # fmt: skip
                else:
                    yield from builder.rows(rs_id, day, group)


def focus_rows(session: Session, q: FocusQuery) -> Iterator[tuple[Any, ...]]:
    """The export's rows as tuples of cells, in focus/columns.py's column order."""
    for parts in focus_parts(session, q):
        yield tuple(chain.from_iterable(map(_CELLS, parts)))


def csv_line(parts: Parts) -> str:
    """A row's CSV line (without its line end), from its segments' rendered text."""
    return "".join(map(_TEXT, parts))[:-1]


_CELLS, _TEXT = itemgetter(0), itemgetter(1)
