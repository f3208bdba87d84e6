"""`usage-tracker channels ...`: where alerts go (e-mail, Slack, signed webhooks)."""

from __future__ import annotations

import typer
from rich.table import Table

from usage_tracker.cli.context import console, fail, get_context
from usage_tracker.cli.render import FORMAT, Format, emit, print_table
from usage_tracker.services.spend.channels import (
    ChannelError,
    add_channel,
    channel_json,
    list_channels,
    remove_channel,
    send_test,
)

app = typer.Typer(help="Alert channels: e-mail, Slack and generic webhooks.", no_args_is_help=True)
add_app = typer.Typer(help="Add a channel.", no_args_is_help=True)
app.add_typer(add_app, name="add")


def _add(kind: str, targets: list[str], secret: str | None = None) -> None:
    ctx = get_context()
    with ctx.session_factory() as session:
        try:
            row = add_channel(session, ctx.settings, kind, targets, secret)
        except ChannelError as exc:
            raise fail(str(exc)) from exc
        session.commit()
        console.print(f"Added {kind} channel {row.id}.", highlight=False)


@add_app.command("webhook")
def add_webhook(
    url: str = typer.Argument(..., help="Where the JSON alert is POSTed."),
    secret: str | None = typer.Option(None, "--secret", help="HMAC-SHA256 signing secret."),
) -> None:
    """A generic webhook (signed with --secret: X-Usage-Tracker-Signature/-Timestamp)."""
    _add("webhook", [url], secret)


@add_app.command("slack")
def add_slack(url: str = typer.Argument(..., help="A Slack incoming-webhook URL.")) -> None:
    """A Slack incoming webhook."""
    _add("slack", [url])


@add_app.command("email")
def add_email(addresses: list[str] = typer.Argument(..., help="Recipients.")) -> None:
    """E-mail recipients (sent through USAGE_TRACKER_SMTP_HOST)."""
    _add("email", addresses)


@app.command("list")
def list_command(fmt: Format = FORMAT) -> None:
    """Every channel."""
    with get_context().session_factory() as session:
        data = [channel_json(c) for c in list_channels(session)]

    def table() -> None:
        t = Table(title="Alert channels", title_justify="left", header_style="bold")
        for name in ("Id", "Kind", "Target", "Signed", "Enabled"):
            t.add_column(name)
        for d in data:
            t.add_row(str(d["id"]), d["kind"], d["target"], "yes" if d["signed"] else "no",
                      "yes" if d["enabled"] else "no")  # fmt: skip
        print_table(t)

    emit(fmt, data, table=table, columns=("id", "kind", "target", "signed", "enabled"))


@app.command("test")
def test_command(channel_id: int = typer.Argument(..., help="Channel id (see list).")) -> None:
    """Send a test alert on one channel."""
    ctx = get_context()
    with ctx.session_factory() as session:
        try:
            result = send_test(session, ctx.settings, channel_id)
        except ChannelError as exc:
            raise fail(str(exc)) from exc
    if not result.ok:
        raise fail(f"channel {channel_id} ({result.kind}): {result.detail}")
    console.print(f"Sent a test alert on channel {channel_id}: {result.detail}", highlight=False)


@app.command("remove")
def remove_command(channel_id: int = typer.Argument(..., help="Channel id (see list).")) -> None:
    """Remove a channel."""
    with get_context().session_factory() as session:
        try:
            remove_channel(session, channel_id)
        except ChannelError as exc:
            raise fail(str(exc)) from exc
        session.commit()
    console.print(f"Removed channel {channel_id}.", highlight=False)
