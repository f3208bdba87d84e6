"""Syncing an organization from the Admin API: costs and usage streams, metadata, OpenAI's
audit log, the lease that keeps one process per organization, and the run history."""
