"""Small helpers every capability may use (one tabular export writer)."""
