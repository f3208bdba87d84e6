"""Roles in an OpenAI organization and in its projects, as the Admin API names them."""

from __future__ import annotations

ORG_ROLES = ("owner", "reader")
PROJECT_ROLES = ("owner", "member")
