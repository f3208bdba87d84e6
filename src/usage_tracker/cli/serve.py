"""`usage-tracker serve`: the web dashboard."""

from __future__ import annotations

from typing import Any

import typer

from usage_tracker.cli.context import console, fail, get_context


def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    proxy_ips: str = typer.Option(
        "127.0.0.1",
        "--forwarded-allow-ips",
        help="Proxies trusted to set X-Forwarded-Proto (cookies get Secure behind HTTPS).",
    ),
) -> None:
    """Start the web dashboard (migrates the database to the newest schema first)."""
    import uvicorn

    from usage_tracker.services.jobs.scheduler import start_scheduler
    from usage_tracker.services.jobs.sync_then_evaluate import sync_now
    from usage_tracker.services.sync.status import sync_status_rows
    from usage_tracker.web import create_app
    from usage_tracker.web.sync_hook import SyncHook

    ctx = get_context()
    settings, factory = ctx.settings, ctx.session_factory  # migrates before the app reads
    _check_secrets(factory, settings)
    hook = SyncHook(status=sync_status_rows, run=lambda sf, org: sync_now(sf, settings, org))
    app = create_app(settings, sync=hook)
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
    base = f"http://{shown}:{port}"
    console.print(f"Usage Tracker dashboard on [bold]{base}/[/]", highlight=False)
    if app.state.setup_token:
        console.print(
            "No account exists yet. Create the first admin, once, at:\n"
            f"  [bold]{base}/setup?token={app.state.setup_token}[/]",
            highlight=False,
            soft_wrap=True,
        )
    else:
        console.print("Sign in with your account (`usage-tracker users list` shows them).")
    stop = start_scheduler(settings, factory)
    try:
        uvicorn.run(
            app,
            host=host,
            port=port,
            proxy_headers=True,
            forwarded_allow_ips=proxy_ips,
            log_level="info",
            server_header=False,
        )
    finally:
        stop()


def _check_secrets(factory: Any, settings: Any) -> None:
    """Refuse to start when stored secrets cannot be read (the key file missing, corrupted or
    rotated): a message saying what to do, never a key silently replaced. Slack URLs stored in
    clear by an older version are sealed on the way."""
    from usage_tracker.services.orgs.credentials import CredentialError
    from usage_tracker.services.orgs.secret_key import check_key
    from usage_tracker.services.spend.channels import seal_slack_urls

    with factory() as session:
        check = check_key(session, settings)
        if check.problem:
            raise fail(f"cannot start: {check.problem}")
        try:
            if sealed := seal_slack_urls(session, settings):
                console.print(f"Sealed {sealed} Slack webhook URL(s) stored in clear.")
            session.commit()
        except CredentialError as exc:
            raise fail(f"cannot start: {exc}") from exc


if __name__ == "__main__":
    typer.run(serve_command)
