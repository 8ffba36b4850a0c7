"""Quality gates: Great Expectations suites per stage, run on each run's batch (see docs/quality_and_bi.md)."""

from orchestration.quality.runner import ValidationOutcome, build_data_docs, data_docs_index, validate_batch

__all__ = ["ValidationOutcome", "build_data_docs", "data_docs_index", "validate_batch"]
