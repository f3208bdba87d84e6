"""The `usage-tracker` command: the quick path first (`cli/quick/`), else the Typer app.

The quick path prints only answers it is sure of and declines everything else before printing
anything, so options, help, errors and every other command are the Typer app's own.
"""

from __future__ import annotations

import sys


def main() -> None:
    from usage_tracker.cli.quick.args import summary_args

    args = summary_args(sys.argv[1:])  # cheap: other commands go straight to the Typer app
    if args is not None:
        from usage_tracker.cli.quick.summary import answer_summary

        if answer_summary(args):
            return
    from usage_tracker.cli.main import app

    app()
