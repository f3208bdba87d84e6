"""SQL that more than one service needs, kept out of route handlers and CLI commands."""
