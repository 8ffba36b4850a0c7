"""The workbook buyers forward (xlsxwriter): buffer plan, parts to act on, BOM risk, concentration.

Every sheet has a frozen header, filters, number formats and widths that fit. BOM and feed text comes
from outside, so every string is written as text: a cell starting with '=', '+', '-' or '@' is never a
formula (no formula injection), and no text becomes a number or a link.
"""

from __future__ import annotations

import math
import os
from datetime import date
from pathlib import Path

import polars as pl
import xlsxwriter

from orchestration.report import views
from orchestration.report.data import ReportData

MAX_WIDTH = 60
FORMATS = {"money": "$#,##0", "units": "#,##0", "score": "0.0", "ratio": "0.00", "percent": "0%",
           "date": "yyyy-mm-dd"}


def column_kind(name: str, dtype: pl.DataType) -> str | None:
    """The number format of a column, by what its name says it holds."""
    if dtype in (pl.Date, pl.Datetime):
        return "date"
    if not dtype.is_numeric():
        return None
    if name.endswith(("_usd", "_capital", "_cost", "_cost_avoided", "cost_avoided", "_at_risk", "net_benefit",
                      "unit_price", "margin_per_day", "spend_usd")) or "capital" in name or "at_risk" in name:
        return "money"
    if name.endswith(("_units", "_lines", "_stock", "lines", "units", "rank")) or name in ("order_moq",
                                                                                          "order_multiple"):
        return "units"
    if name.endswith(("probability", "_share")) or name == "top_share":
        return "percent"
    if "score" in name or name in ("hhi",):
        return "score"
    return "ratio"


def _display_width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, float):
        return len(f"{value:,.2f}")
    return len(str(value))


def write_sheet(workbook: xlsxwriter.Workbook, name: str, frame: pl.DataFrame, formats: dict) -> None:
    sheet = workbook.add_worksheet(name)
    header = formats["header"]
    kinds = [column_kind(column, dtype) for column, dtype in frame.schema.items()]
    for col, column in enumerate(frame.columns):
        sheet.write_string(0, col, column, header)
    for row_index, row in enumerate(frame.iter_rows(), start=1):
        for col, value in enumerate(row):
            kind = kinds[col]
            cell_format = formats.get(kind) if kind else None
            if value is None or (isinstance(value, float) and math.isnan(value)):
                sheet.write_blank(row_index, col, None, cell_format)
            elif isinstance(value, bool):
                sheet.write_boolean(row_index, col, value)
            elif isinstance(value, (int, float)):
                sheet.write_number(row_index, col, value, cell_format)
            elif isinstance(value, date):  # a datetime too
                sheet.write_datetime(row_index, col, value, cell_format)
            else:
                # Text is text: never a formula, a number or a link, whatever it starts with.
                sheet.write_string(row_index, col, value if isinstance(value, str) else str(value))
    for col, column in enumerate(frame.columns):
        width = max([len(column)] + [_display_width(v) for v in frame[column].to_list()])
        sheet.set_column(col, col, min(width + 2, MAX_WIDTH))
    sheet.freeze_panes(1, 0)
    if frame.width:
        sheet.autofilter(0, 0, max(frame.height, 1), frame.width - 1)


def workbook_sheets(data: ReportData) -> dict[str, pl.DataFrame]:
    """Sheet name -> frame; a table the serving copy lacks becomes a one-cell 'not available' sheet."""
    missing = pl.DataFrame({"note": ["not available in this serving copy"]})
    buffer_plan, part_risk = data.table("buffer_plan"), data.table("part_risk")
    return {
        "Buffer plan": views.plan_for_export(buffer_plan) if buffer_plan is not None else missing,
        "Parts to act on": views.parts_to_act(buffer_plan, part_risk) if buffer_plan is not None else missing,
        "BOM risk": data.table("bom_risk") if data.table("bom_risk") is not None else missing,
        "Concentration": data.table("supplier_concentration") if data.table("supplier_concentration") is not None
        else missing,
    }


def write_workbook(data: ReportData, path: Path) -> Path:
    """Write the four sheets to path (replaced atomically)."""
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp")
    workbook = xlsxwriter.Workbook(str(temp), {"strings_to_formulas": False, "strings_to_numbers": False,
                                               "strings_to_urls": False})
    formats = {kind: workbook.add_format({"num_format": pattern}) for kind, pattern in FORMATS.items()}
    formats["header"] = workbook.add_format({"bold": True, "bg_color": "#DDE3EA", "bottom": 1})
    for name, frame in workbook_sheets(data).items():
        write_sheet(workbook, name, frame, formats)
    workbook.close()
    os.replace(temp, path)
    return path
