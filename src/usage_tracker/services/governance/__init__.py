"""Governance through the Admin API: the rate-limit matrix and its store, templates, drift,
project disable/restore, the API-key inventory and revocation, and the bulk-operation engine
that carries changes out (`bulk`, `bulk_operations`, `bulk_progress`, `bulk_runner`)."""
