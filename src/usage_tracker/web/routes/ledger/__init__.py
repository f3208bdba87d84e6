"""The Data page: uploads, sync now, import history."""
