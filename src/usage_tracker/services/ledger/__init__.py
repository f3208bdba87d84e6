"""The ledger: writing buckets (`writer`), importing files (`imports`), choosing the record set
that answers a question (`record_sets`), names for ids (`names`) and the demo organization."""
