"""The quick path of `usage-tracker`: answers that need neither Typer, SQLAlchemy nor pydantic.

`cli/entry.py` asks `summary.run_quick_summary` first; it answers `report summary` over an
empty ledger (nothing imported or synced yet) in a migrated SQLite database, and declines
everything else — other commands, `--help`, errors of any kind, PostgreSQL — before printing
anything, so the full Typer app then runs as it always has, with its own messages. What it
prints comes from the functions the Typer command uses (`services/reports/empty_ledger.py`,
`cli/summary_text.py`, `cli/output.py`), so the two paths print the same bytes (tests compare).
"""
