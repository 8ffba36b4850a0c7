"""The DuckDB-path regression bench (bench/duckdb_vs_base.py): the right base, a clean export, honest ratios."""

from __future__ import annotations

import subprocess

from bench.duckdb_vs_base import ROOT, SPARK_CODE, default_base, export_tree, markdown


def test_base_is_the_commit_before_the_first_spark_change(tmp_path):
    base = default_base()
    assert subprocess.run(["git", "merge-base", "--is-ancestor", base, "HEAD"], cwd=ROOT).returncode == 0
    tree = export_tree(base, tmp_path / "base")
    assert (tree / "orchestration" / "features" / "part_trends.py").is_file()
    assert not (tree / SPARK_CODE).exists()
    assert not (tree / ".git").exists()
    assert (ROOT / SPARK_CODE).is_dir()


def test_markdown_reports_the_median_ratio_per_step():
    runs = [{"step": "features", "checkout": "this", "seconds": s} for s in (10.0, 12.0, 30.0)]
    runs += [{"step": "features", "checkout": "base", "seconds": s} for s in (8.0, 10.0, 11.0)]
    table = markdown(runs, "abc1234", "def5678")
    assert "| features | 12.0 | 10.0 | 1.20 | 3 |" in table
    assert table.startswith("this checkout def5678 vs base abc1234")
