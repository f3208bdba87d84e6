"""Web dashboard: FastAPI app factory, server-rendered pages, JSON API."""

from usage_tracker.web.app import create_app

__all__ = ["create_app"]
