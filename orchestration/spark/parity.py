"""Whether two builds of the marts agree: same tables, same columns, same rows, numbers within a tolerance.

Used by `make test-spark` to prove the Spark build equals the DuckDB build of the same landing tree.
Rows are matched after sorting on every column (text, dates and integers first, then the floats), so
tables without a key compare too; floats agree within `rel_tol` relative (or 1e-12 absolute near 0).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

ABS_TOL = 1e-12


SERVING_STAMP = "refresh_id"


def read_schema(path: Path, schema: str = "marts") -> dict[str, pl.DataFrame]:
    """Every table and view of `schema` in the DuckDB file `path`, read whole."""
    with duckdb.connect(str(path), read_only=True) as conn:
        names = [n for (n,) in conn.execute(
            "select table_name from information_schema.tables where table_schema = ? order by table_name",
            [schema]).fetchall()]
        return {name: conn.sql(f'select * from {schema}."{name}"').pl() for name in names}


def _normalised(df: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Same column order; every number as Float64 (engines differ in integer widths and decimal types)."""
    return df.select([pl.col(c).cast(pl.Float64) if df.schema[c].is_numeric() else pl.col(c) for c in columns])


def compare_table(expected: pl.DataFrame, actual: pl.DataFrame, rel_tol: float) -> str | None:
    """None when the tables agree, else why not (one line)."""
    if set(expected.columns) != set(actual.columns):
        return f"columns differ: {sorted(set(expected.columns) ^ set(actual.columns))}"
    if expected.height != actual.height:
        return f"{expected.height} rows expected, {actual.height} found"
    columns = expected.columns
    left, right = _normalised(expected, columns), _normalised(actual, columns)
    for column in columns:
        if left.schema[column] != right.schema[column]:
            if left.schema[column].is_temporal() and right.schema[column].is_temporal():
                right = right.with_columns(pl.col(column).cast(left.schema[column]))
            else:
                return f"{column}: {left.schema[column]} expected, {right.schema[column]} found"
    floats = [c for c in columns if left.schema[c] == pl.Float64]
    order = [c for c in columns if c not in floats and not left.schema[c].is_nested()] + floats
    left, right = left.sort(order, nulls_last=True), right.sort(order, nulls_last=True)
    for column in columns:
        a, b = left[column], right[column]
        if column in floats:
            pair = pl.DataFrame({"a": a, "b": b})
            bad = pair.select(~(
                (pl.col("a").is_null() & pl.col("b").is_null())
                | ((pl.col("a") - pl.col("b")).abs()
                   <= pl.max_horizontal(pl.col("a").abs(), pl.col("b").abs()) * rel_tol + ABS_TOL).fill_null(False)
                | (pl.col("a").is_nan() & pl.col("b").is_nan()).fill_null(False)
            )).to_series()
        else:
            bad = ~(a.eq_missing(b))
        if bad.any():
            row = int(bad.arg_max())
            return f"{column}: {int(bad.sum())} rows differ, e.g. {a[row]!r} expected, {b[row]!r} found"
    return None


def compare_builds(expected: dict[str, pl.DataFrame], actual: dict[str, pl.DataFrame],
                   rel_tol: float = 1e-9) -> dict[str, str]:
    """Each table that differs (or exists on one side only) with the reason; empty when the builds agree."""
    problems = {}
    for name in sorted(set(expected) | set(actual)):
        if name not in actual or name not in expected:
            problems[name] = "only in the " + ("expected" if name in expected else "actual") + " build"
            continue
        reason = compare_table(expected[name], actual[name], rel_tol)
        if reason:
            problems[name] = reason
    return problems


def main(argv: list[str] | None = None) -> int:
    """python -m orchestration.spark.parity EXPECTED.duckdb ACTUAL.duckdb [--schema marts] [--rel-tol 1e-9]

    Either file may be a warehouse or a serving copy (its refresh_id stamp is left out of the comparison).
    One line per table of `schema`; exit code 1 when a table both files hold differs. Tables on one side
    only are listed (the DuckDB warehouse also holds the backtest's marts, which Spark does not build).
    """
    import argparse

    parser = argparse.ArgumentParser(description="Compare the tables of one schema in two DuckDB files.")
    parser.add_argument("expected", type=Path)
    parser.add_argument("actual", type=Path)
    parser.add_argument("--schema", default="marts")
    parser.add_argument("--rel-tol", type=float, default=1e-9)
    args = parser.parse_args(argv)
    # A serving file stamps each row with the refresh that published it; a warehouse has no such column.
    expected, actual = ({name: df.drop(SERVING_STAMP, strict=False) for name, df in read_schema(path, args.schema).items()}
                        for path in (args.expected, args.actual))
    problems = compare_builds(expected, actual, args.rel_tol)
    for name in sorted(set(expected) | set(actual)):
        rows = expected[name].height if name in expected else actual[name].height
        print(f"{name}: {problems.get(name, f'equal ({rows} rows)')}")
    differ = [name for name in problems if name in expected and name in actual]
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
