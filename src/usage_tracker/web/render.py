"""Jinja2 rendering: one environment per language, StrictUndefined, autoescaped."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from usage_tracker.web.deps import Viewer
from usage_tracker.web.i18n import LANGUAGES, Formatter, pick_language, translations
from usage_tracker.web.security import CSRF_FIELD, csrf_token

TEMPLATES_DIR = Path(__file__).parent / "templates"
THEME_COOKIE = "ut_theme"


def _json_script(value: Any) -> Markup:
    """JSON safe to place inside <script type="application/json">."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


@cache
def environment(lang: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["json_script"] = _json_script
    return env


def path_for(request: Request, name: str, /, **params: Any) -> str:
    """The path of route `name` with every parameter percent-encoded, so a stored id holding
    `/`, `?`, `#` or `%` still makes a working link (routes that take such ids use `:path`)."""
    quoted = {k: quote(str(v), safe="") for k, v in params.items()}
    return str(request.app.url_path_for(name, **quoted))


def url_builder(request: Request) -> Any:
    """`url_for` for templates (see `path_for`)."""

    def url_for(name: str, /, **params: Any) -> str:
        return path_for(request, name, **params)

    return url_for


def gettext_for(lang: str) -> Any:
    return translations(lang).gettext


def page_context(request: Request, viewer: Viewer | None) -> dict[str, Any]:
    lang = pick_language(request, viewer.locale if viewer else None)
    theme = (viewer.theme if viewer else None) or request.cookies.get(THEME_COOKIE) or "system"
    web = request.app.state.web_settings
    currency = (viewer.currency if viewer else None) or "USD"
    return {
        "request": request,
        "viewer": viewer,
        "lang": lang,
        "languages": LANGUAGES,
        "theme": theme if theme in ("light", "dark", "system") else "system",
        "fmt": Formatter(lang, currency, web.krw_per_usd),
        "krw_rate": web.krw_per_usd,
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token(request),
        "asset": request.app.state.assets.url,
        "url_for": url_builder(request),
        "path": request.url.path,
    }


def render(
    request: Request,
    template: str,
    viewer: Viewer | None,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    ctx = page_context(request, viewer)
    ctx.update(context or {})
    html = environment(ctx["lang"]).get_template(template).render(ctx)
    return HTMLResponse(html, status_code=status_code, headers={"cache-control": "no-store"})
