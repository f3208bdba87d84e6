"""What every dashboard view needs first: filters, the data's bounds and which views it supports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams

from usage_tracker.services.ledger.scope_names import filter_names
from usage_tracker.services.orgs.organizations import list_organizations
from usage_tracker.services.reports import coverage as report_coverage
from usage_tracker.services.views.dashboard import VIEWS
from usage_tracker.web.filters import ViewFilters, parse_filters


@dataclass(frozen=True)
class NavItem:
    name: str
    enabled: bool
    needs: str | None  # the dimension whose data would enable this view


@dataclass(frozen=True)
class ViewState:
    filters: ViewFilters
    dims: set[str]
    bounds: tuple[date, date] | None
    orgs: list[str]
    nav: list[NavItem]
    # Display names of the id filters the URL sets (filter key → name), for the filter chips.
    filter_names: dict[str, str] = field(default_factory=dict)

    @property
    def range_has_data(self) -> bool:
        """Whether the chosen days overlap the days the data covers."""
        f = self.filters
        return self.bounds is not None and f.since <= self.bounds[1] and f.until >= self.bounds[0]

    def supports(self, view: str) -> bool:
        need = VIEWS[view]
        return need is None or need in self.dims


def today(request: Request) -> date:
    """Today in the display time zone (UTC, like OpenAI's buckets) by the app's clock, which
    tests replace (`create_app(..., clock=...)`)."""
    clock = getattr(request.app.state, "clock", None)
    now: datetime = clock() if clock else datetime.now(UTC)
    return now.astimezone(UTC).date()


def load_state(request: Request, db: Session, params: QueryParams | None = None) -> ViewState:
    """The view state from `params` (default: the request's query string)."""
    params = request.query_params if params is None else params
    org = (params.get("org") or "").strip() or None
    org_ids = {o.slug: o.id for o in list_organizations(db)}
    orgs = list(org_ids)
    if org is not None and org not in orgs:
        org = None
    bounds = report_coverage.data_bounds(db, org)
    filters = parse_filters(params, today(request))
    if filters.org != org:
        filters = filters.without("org")
    dims = set(report_coverage.available_dimensions(db, org)) if bounds else set()
    nav = [NavItem(name, need is None or need in dims, need) for name, need in VIEWS.items()]
    return ViewState(filters, dims, bounds, orgs, nav, _filter_names(db, filters, org_ids))


NAMED_FILTERS = {"project": "project", "user": "user", "api_key": "key"}  # filter key → scope


def _filter_names(db: Session, filters: ViewFilters, org_ids: dict[str, int]) -> dict[str, str]:
    """The names of the project, user and key the filters set (none set: no query)."""
    wanted = {scope: v for key, scope in NAMED_FILTERS.items() if (v := getattr(filters, key))}
    if not wanted:
        return {}
    found = filter_names(db, org_ids.get(filters.org or ""), wanted)
    return {key: found[scope] for key, scope in NAMED_FILTERS.items() if scope in found}


LAST_ORG_KEY = "org"


def remember_org(request: Request, slug: str) -> None:
    """The organization a person last chose: pages without `?org=` open on it."""
    request.scope["session"][LAST_ORG_KEY] = slug


def preferred_org(request: Request, db: Session, slugs: list[str]) -> str | None:
    """Without `?org=`: the one last used, else the default one when it has data, else the one
    with the most recent data, else the default one, else the first (never merely the
    alphabetically first while another has the data)."""
    if not slugs:
        return None
    last = request.scope.get("session", {}).get(LAST_ORG_KEY)
    if last in slugs:
        return str(last)
    default = request.app.state.settings.default_org
    with_data = report_coverage.organizations_with_data(db)
    if default in with_data:
        return str(default)
    if with_data:
        return with_data[0]
    return default if default in slugs else slugs[0]
