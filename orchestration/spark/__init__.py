"""Spark edge of partrisk: a local session and the feature runner on Spark's workers (needs the `spark` extra)."""
