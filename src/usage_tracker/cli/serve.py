"""`usage-tracker serve`: the web dashboard."""

from __future__ import annotations

import typer
import uvicorn

from usage_tracker.cli.context import console, get_context


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
    from usage_tracker.web import create_app

    ctx = get_context()
    ctx.session_factory  # noqa: B018  (brings the database up to date before the app reads it)
    app = create_app(ctx.settings)
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
    uvicorn.run(
        app,
        host=host,
        port=port,
        proxy_headers=True,
        forwarded_allow_ips=proxy_ips,
        log_level="info",
        server_header=False,
    )


if __name__ == "__main__":
    typer.run(serve_command)
