"""File formats → domain records: detect what a file is, then stream it."""
