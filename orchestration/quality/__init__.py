"""Quality gates: Great Expectations suites per stage, run on each run's batch (see docs/quality_and_bi.md)."""

from orchestration.quality.runner import (
    ValidationOutcome,
    build_quality_report,
    quality_report_path,
    validate_batch,
)

__all__ = ["ValidationOutcome", "build_quality_report", "quality_report_path", "validate_batch"]
