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
    shapes: dict[tuple[str, tuple[str, ...]], str | None] = request.app.state.__dict__.setdefault(
        "path_shapes", {}
    )
    names = tuple(sorted(quoted))
    shape_key = (name, names)
    if shape_key not in shapes:
        shapes[shape_key] = _path_shape(request, name, names)
    shape = shapes[shape_key]
    if shape is None:  # a converter that checks its value (int): ask the router every time
        return str(request.app.url_path_for(name, **quoted))
    return shape.format_map(quoted)


def _path_shape(request: Request, name: str, names: tuple[str, ...]) -> str | None:
    """Route `name`'s path with `{param}` where each parameter goes: the router walks every
    route to build a path, and a table of 2,000 rows asks for thousands of them."""
    marks = {k: f"zq{i}markzq" for i, k in enumerate(names)}
    try:
        path = str(request.app.url_path_for(name, **marks))
    except (ValueError, TypeError):
        return None
    if any(path.count(mark) != 1 for mark in marks.values()):
        return None
    path = path.replace("{", "{{").replace("}", "}}")
    for k, mark in marks.items():
        path = path.replace(mark, "{" + k + "}")
    return path


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
