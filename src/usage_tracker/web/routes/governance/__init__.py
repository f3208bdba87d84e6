"""Rate limits, templates, operations, API keys, projects, the audit log."""
