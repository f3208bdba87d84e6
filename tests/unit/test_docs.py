"""Every command and every setting is documented (docs are part of the product)."""

from __future__ import annotations

import itertools
import re
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


_COMMAND_WORD = re.compile(r"[a-z][a-z-]*(\|[a-z][a-z-]*)*")
_BLOCK = re.compile(r"```console\n(.*?)```", re.DOTALL)


def _leaves(group: Any, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    out: dict[tuple[str, ...], Any] = {}
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            out |= _leaves(command, (*path, name))
        else:
            out[(*path, name)] = command
    return out


def _synopses(text: str) -> dict[tuple[str, ...], str]:
    """Command path → its usage lines in docs/cli.md's console blocks (a line starting with
    `usage-tracker`, with the indented lines that continue it; comments left out).
    `report daily|weekly` names two commands."""
    out: dict[tuple[str, ...], str] = {}
    entries: list[list[str]] = []
    for block in _BLOCK.findall(text):
        for line in block.splitlines():
            line = re.sub(r"\s+#\s.*$", "", line)
            if line.startswith("usage-tracker "):
                entries.append([line])
            elif line[:1].isspace() and entries and line.strip():
                entries[-1].append(line)
    for lines in entries:
        words = []
        for token in lines[0].split()[1:]:
            if not _COMMAND_WORD.fullmatch(token):
                break
            words.append(token.split("|"))
        for path in itertools.product(*words):
            out[path] = out.get(path, "") + " " + " ".join(lines)
    return out


def _has(text: str, word: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


def _choices_shown(text: str, option: str) -> set[str]:
    """The values written after `option` in a synopsis: `--format table|json` → both."""
    shown: set[str] = set()
    for value in re.findall(rf"(?<![\w-]){re.escape(option)}[ =]([^\s]+)", text):
        shown |= {v.strip("[](){}.,") for v in value.split("|")}
    return shown


def _options(command: Any) -> list[Any]:
    return [p for p in command.params if p.param_type_name == "option" and not p.hidden]


def _choices(option: Any) -> list[str]:
    descriptor = getattr(option, "type_descriptor", None)
    choices = getattr(descriptor, "choices", None)
    return [str(getattr(c, "value", c)) for c in choices or ()]


def test_every_option_and_choice_is_in_its_commands_usage_line() -> None:
    """docs/cli.md agrees with `--help`: each command's usage line names each of its options
    (every long name) and, after a choice option, every choice."""
    synopses = _synopses((DOCS / "cli.md").read_text())
    problems = []
    for path, command in _leaves(typer.main.get_command(app)).items():
        name = " ".join(("usage-tracker", *path))
        text = synopses.get(path)
        if text is None:
            problems.append(f"{name}: no usage line")
            continue
        for option in _options(command):
            longs = [o for o in (*option.opts, *option.secondary_opts) if o.startswith("--")]
            problems += [f"{name}: {o} is not documented" for o in longs if not _has(text, o)]
            if choices := _choices(option):
                shown = set().union(*(_choices_shown(text, o) for o in longs))
                missing = [c for c in choices if c not in shown]
                if missing:
                    problems.append(f"{name}: {longs[0]} lacks {'|'.join(missing)}")
    assert not problems, "\n".join(problems)


def test_the_cli_docs_name_only_options_that_exist() -> None:
    synopses = _synopses((DOCS / "cli.md").read_text())
    commands = _leaves(typer.main.get_command(app))
    problems = []
    for path, text in synopses.items():
        command = commands.get(path)
        if command is None:
            problems.append(f"usage-tracker {' '.join(path)}: no such command")
            continue
        real = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
        for word in set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", text)) - real:
            problems.append(f"usage-tracker {' '.join(path)}: {word} is not an option")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("model", [Settings, WebSettings])
def test_every_setting_is_in_the_settings_docs(model: type[BaseSettings]) -> None:
    text = (DOCS / "settings.md").read_text()
    for name, field in model.model_fields.items():
        env = f"USAGE_TRACKER_{name.upper()}"
        aliases = getattr(field.validation_alias, "choices", None) or []
        assert env in text or any(str(a) in text for a in aliases), f"{name} is not documented"
