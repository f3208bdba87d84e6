"""Errors every capability raises the same way, so each interface maps them once (web: 404)."""

from __future__ import annotations


class NotFound(LookupError):
    """What was asked for does not exist (a budget, an action, an organization by id)."""
