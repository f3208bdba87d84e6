"""Use cases shared by the CLI, the JSON API and the pages (no FastAPI, no Typer here)."""
