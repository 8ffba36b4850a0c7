"""Great Tables HTML for the report's tables: one number format, one date format, band-coloured cells.

Sparklines are small inline SVG polylines (about 1 KB each); Great Tables' own nanoplots carry hover
layers of some 30 KB per cell, too heavy for a page of them.
"""

from __future__ import annotations

import html
import math

import polars as pl
from great_tables import GT, loc, style

from orchestration.report.figures import BAND_COLORS, SERIES_COLORS
from orchestration.report.views import part_slug

BAND_TEXT = {"Low": "#ffffff", "Medium": "#333333", "High": "#333333", "Critical": "#ffffff"}
MISSING = "—"


def sparkline_svg(values: list | None, color: str, label: str, width: int = 90, height: int = 22) -> str:
    """A polyline of the non-missing values, scaled to its own min and max; '—' when there are none."""
    points = [(i, float(v)) for i, v in enumerate(values or []) if v is not None and not math.isnan(v)]
    if len(points) < 2:
        return MISSING
    low, high = min(v for _, v in points), max(v for _, v in points)
    span_x, span_y = max(len(values) - 1, 1), (high - low) or 1.0
    path = " ".join(f"{i * (width - 2) / span_x + 1:.1f},{height - 1 - (v - low) * (height - 2) / span_y:.1f}"
                    for i, v in points)
    title = html.escape(f"{label}: {points[0][1]:,.4g} → {points[-1][1]:,.4g} (min {low:,.4g}, max {high:,.4g})")
    return (f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">'
            f'<title>{title}</title><polyline fill="none" stroke="{color}" stroke-width="1.5" points="{path}"/></svg>')


def part_link(mpn: str, manufacturer: str, linked: set[str] | None = None) -> str:
    slug = part_slug(mpn, manufacturer)
    text = html.escape(mpn)
    if linked is not None and slug not in linked:
        return text
    return f'<a href="#part/{slug}">{text}</a>'


def _band_styles(table: GT, frame: pl.DataFrame, columns: list[str]) -> GT:
    for column in columns:
        if column not in frame.columns:
            continue
        for band, color in BAND_COLORS.items():
            rows = [i for i, value in enumerate(frame[column].to_list()) if value == band]
            if rows:
                table = table.tab_style(style=[style.fill(color=color), style.text(color=BAND_TEXT[band])],
                                        locations=loc.body(columns=column, rows=rows))
    return table


def render(frame: pl.DataFrame, *, labels: dict[str, str], money: list[str] = (), units: list[str] = (),
           scores: list[str] = (), percent: list[str] = (), html_columns: list[str] = (), bands: list[str] = (),
           dates: list[str] = (), table_id: str | None = None, caption: str | None = None) -> str:
    """One table in the house format: USD with no cents, units with thousands separators, ISO dates."""
    frame = frame.select([c for c in labels if c in frame.columns])
    # "table-" keeps a table's id from matching a page route such as #act.
    table = GT(frame, id=f"table-{table_id}" if table_id else None).cols_label(**{c: labels[c] for c in frame.columns})
    # (columns, GT format method, its options), applied in this order to the columns the frame has
    formats = [(money, "fmt_currency", {"currency": "USD", "decimals": 0}), (units, "fmt_integer", {}),
               (scores, "fmt_number", {"decimals": 1}), (percent, "fmt_percent", {"decimals": 0}),
               (dates, "fmt_date", {"date_style": "iso"}), (html_columns, "fmt", {"fns": lambda value: value})]
    for wanted, method, options in formats:
        present = [c for c in wanted if c in frame.columns]
        if present:
            table = getattr(table, method)(columns=present, **options)
    text_columns = [c for c, dtype in frame.schema.items() if dtype == pl.String and c not in html_columns]
    if text_columns:
        table = table.fmt(lambda value: html.escape(str(value)), columns=text_columns)
    table = _band_styles(table, frame, list(bands))
    table = (table.sub_missing(missing_text=MISSING)
             .tab_options(table_font_size="13px", data_row_padding="3px", column_labels_font_weight="600",
                          table_width="100%"))
    if caption:
        table = table.tab_source_note(caption)
    return table.as_raw_html()


def spark_cells(frame: pl.DataFrame) -> pl.DataFrame:
    """The three sparkline columns as SVG strings."""
    series = (("stock_series", "stock_spark", SERIES_COLORS[0], "market stock, units"),
              ("price_series", "price_spark", SERIES_COLORS[1], "lowest authorized price at 100, USD"),
              ("lead_time_series", "lead_spark", SERIES_COLORS[2], "lead time, days"))
    return frame.with_columns(
        pl.Series(target, [sparkline_svg(values, color, label) for values in frame[source].to_list()], pl.String)
        for source, target, color, label in series)
