"""The risk report as a Dagster asset: rebuilt after each publish of the serving copy.

It reads the serving copy only (the warehouse read-only, for quarantine counts) and writes
index.html and the workbook beside the serving copy (data/serving/report/ by default).
"""

import dagster as dg

from orchestration import settings
from orchestration.defs.resources import DUCKDB_POOL
from orchestration.defs.serving import SERVING_KEY

REPORT_KEY = dg.AssetKey(["reports", "risk_report"])


def report_markdown(result) -> str:
    return (f"**Risk report** as of {result.as_of}: [{result.path.name}](file://{result.path}) · "
            f"{result.bytes / 1e6:.1f} MB · {result.parts} part pages · {result.figures} figures · "
            f"built in {result.seconds:.1f}s" + (f"\n\nWorkbook: `{result.workbook}`" if result.workbook else ""))


# In the duckdb pool: it opens the warehouse read-only for the quarantine counts.
@dg.asset(key=REPORT_KEY, deps=[SERVING_KEY], group_name="reports", pool=DUCKDB_POOL, kinds={"html", "excel"},
          description="The buyer's risk report (one self-contained HTML file: Today, parts to act on, part pages, "
                      "concentration, buffer plan, backtest, data quality) and the workbook, written beside the "
                      "serving copy (data/serving/report/index.html by default) from the published serving copy.")
def risk_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    from orchestration.quality import quality_report_path
    from orchestration.report import build_report

    result = build_report(settings.serving_path(), warehouse_path=settings.warehouse_path(),
                          quality_report=quality_report_path(settings.quality_dir()))
    context.log.info(f"risk report {result.path} ({result.bytes:,} bytes, {result.parts} part pages) "
                     f"in {result.seconds:.1f}s")
    return dg.MaterializeResult(metadata={
        "summary": dg.MetadataValue.md(report_markdown(result)),
        "path": dg.MetadataValue.path(str(result.path)),
        "workbook": dg.MetadataValue.path(str(result.workbook)) if result.workbook else "not written",
        "bytes": result.bytes, "part_pages": result.parts, "figures": result.figures,
        "seconds": round(result.seconds, 2), "as_of": result.as_of,
    })
