"""Every route of the spend-control area (budgets, enforcement, channels, alerts, their JSON)."""

from __future__ import annotations

from fastapi import APIRouter

from usage_tracker.web.routes.spend import budget_actions as budgets_actions
from usage_tracker.web.routes.spend import budgets, budgets_admin, budgets_api
from usage_tracker.web.routes.spend import channels as budgets_channels

router = APIRouter()
for part in (budgets_api, budgets_admin, budgets_actions, budgets_channels, budgets):
    router.include_router(part.router)
