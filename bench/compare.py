"""Largest difference per feature column between the Polars result and the pandas baseline."""

from __future__ import annotations

import polars as pl

KEY = ["snapshot_date", "mpn", "manufacturer"]


def compare_outputs(polars_path, pandas_path) -> dict[str, str]:
    left = pl.read_parquet(polars_path)
    right = pl.read_parquet(pandas_path).select(left.columns)
    right = right.with_columns(pl.col(c).cast(left.schema[c], strict=False) for c in left.columns)
    joined = left.join(right, on=KEY, how="full", suffix="_pd", coalesce=True)
    report = {"rows": f"{left.height} polars / {right.height} pandas / {joined.height} joined"}
    for col in left.columns:
        if col in KEY:
            continue
        a, b = pl.col(col), pl.col(f"{col}_pd")
        null_mismatch = joined.select((a.is_null() != b.is_null()).sum()).item()
        if left.schema[col].is_numeric():
            rel = ((a - b).abs() / pl.max_horizontal(a.abs(), pl.lit(1.0))).max()
            worst = joined.select(rel).item()
            report[col] = f"null mismatches {null_mismatch}, max rel diff {worst or 0:.2e}"
        else:
            differ = joined.select((a.cast(pl.String) != b.cast(pl.String)).sum()).item()
            report[col] = f"null mismatches {null_mismatch}, differing values {differ}"
    return report
