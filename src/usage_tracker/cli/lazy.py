"""Command groups whose modules are imported when they are used, not when the CLI starts.

`usage-tracker --help`, `--version` and `usage-tracker report summary` import only what they
run: each lazy entry names its module and attribute (a Typer app, or a command function), and
its one-line help for listings, which therefore need no import (a test keeps them equal).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from typing import Any

import typer
from typer import _click as click  # the click Typer builds on (vendored)
from typer.core import TyperCommand, TyperGroup

# group name → command name → (module, attribute, help shown in listings)
LAZY: dict[str, dict[str, tuple[str, str, str]]] = {}


def _load(module: str, attr: str, name: str) -> click.Command:
    """The click command of a Typer app or command function, built as `add_typer` /
    `command` on a parent would build it."""
    target = getattr(importlib.import_module(module), attr)
    holder = typer.Typer(add_completion=False)
    holder.callback()(_nothing)
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
    else:
        holder.command(name)(target)
    parent = typer.main.get_command(holder)
    return parent.commands[name]  # type: ignore[attr-defined]


def _nothing() -> None:
    """(a callback, so that a single command is not collapsed into its parent)"""


class _Commands(MutableMapping[str, click.Command]):
    """A group's commands: the loaded ones, and the lazy ones, loaded on first access (while
    `listing`, a placeholder with the help text stands in)."""

    def __init__(self, loaded: MutableMapping[str, click.Command], lazy: dict[str, Any]) -> None:
        self.loaded = dict(loaded)
        self.lazy = dict(lazy)
        self.listing = False

    def __getitem__(self, name: str) -> click.Command:
        found = self.loaded.get(name)
        if found is not None:
            return found
        module, attr, help_text = self.lazy[name]
        if self.listing:
            return TyperCommand(name, help=help_text)
        command = self.loaded[name] = _load(module, attr, name)
        return command

    def __setitem__(self, name: str, command: click.Command) -> None:
        self.loaded[name] = command

    def __delitem__(self, name: str) -> None:
        self.loaded.pop(name, None)
        self.lazy.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        yield from self.loaded
        yield from (n for n in self.lazy if n not in self.loaded)

    def __len__(self) -> int:
        return len(set(self.loaded) | set(self.lazy))

    def __contains__(self, name: object) -> bool:
        return name in self.loaded or name in self.lazy


class LazyGroup(TyperGroup):
    """A Typer group that adds the `LAZY` entries of its name, imported on use."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.commands = _Commands(self.commands, LAZY.get(self.name or "", {}))

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        commands = self.commands
        listing = isinstance(commands, _Commands)
        if listing:
            commands.listing = True  # type: ignore[attr-defined]
        try:
            super().format_help(ctx, formatter)
        finally:
            if listing:
                commands.listing = False  # type: ignore[attr-defined]


def lazy(group: str, name: str, module: str, attr: str, help_text: str) -> None:
    LAZY.setdefault(group, {})[name] = (module, attr, help_text)
