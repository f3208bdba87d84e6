"""Every command and every setting is documented (docs are part of the product)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
from pydantic_settings import BaseSettings

from usage_tracker.cli.main import app
from usage_tracker.settings import Settings
from usage_tracker.web.config import WebSettings

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _commands(group: Any, prefix: str) -> list[str]:
    out = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if hasattr(command, "commands"):
            out += _commands(command, path)
        else:
            out.append(path)
    return out


def test_every_command_is_in_the_cli_docs() -> None:
    text = (DOCS / "cli.md").read_text()
    root = typer.main.get_command(app)
    assert hasattr(root, "commands")
    missing = []
    for path in _commands(root, "usage-tracker"):
        *parents, leaf = path.split(" ")
        # "usage-tracker report daily" may be documented as "usage-tracker report daily|weekly…"
        if path not in text and not any(
            line.strip().startswith(" ".join(parents)) and leaf in line
            for line in text.splitlines()
        ):
            missing.append(path)
    assert not missing, f"undocumented commands: {missing}"


@pytest.mark.parametrize("model", [Settings, WebSettings])
def test_every_setting_is_in_the_settings_docs(model: type[BaseSettings]) -> None:
    text = (DOCS / "settings.md").read_text()
    for name, field in model.model_fields.items():
        env = f"USAGE_TRACKER_{name.upper()}"
        aliases = getattr(field.validation_alias, "choices", None) or []
        assert env in text or any(str(a) in text for a in aliases), f"{name} is not documented"
