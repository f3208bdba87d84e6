"""Reports over the ledger: totals and breakdowns (`totals`), the rows they read (`sources`),
what the data covers (`coverage`), estimated cost (`estimates`, `prices`) and reconciliation."""
