"""Every route of the spend-control area (budgets, enforcement, channels, alerts, their JSON)."""

from __future__ import annotations

from fastapi import APIRouter

from usage_tracker.web.routes import (
    budgets,
    budgets_actions,
    budgets_admin,
    budgets_api,
    budgets_channels,
)

router = APIRouter()
for part in (budgets_api, budgets_admin, budgets_actions, budgets_channels, budgets):
    router.include_router(part.router)
