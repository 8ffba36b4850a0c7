"""Trend features per part and day (`features.part_trends_daily`), in lazy Polars.

`compute_part_trends` is pure; `io.read_inputs` / `io.write_features` are the DuckDB edge.
"""

from orchestration.features.part_trends import (
    PART_TRENDS_SCHEMA,
    compute_part_trends,
    required_input_window,
)

__all__ = ["PART_TRENDS_SCHEMA", "compute_part_trends", "required_input_window"]
