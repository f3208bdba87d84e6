"""The `usage-tracker` command: a thin Typer shell over the services."""
