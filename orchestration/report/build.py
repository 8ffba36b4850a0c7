"""The risk report: one self-contained HTML file (plotly.js embedded once), built from the serving copy.

Every page (Today, Parts to act on, each part, Concentration, Buffer plan, Backtest, Data quality) is a
section of `index.html`, shown by its `#route`; a section's figures are drawn the first time it is
shown, so a hundred part pages cost their data only. The page makes no request: a Content-Security-Policy
forbids any, and nothing it needs lives outside the file.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jinja2
import polars as pl
from plotly.offline import get_plotlyjs

from orchestration.report import figures, tables, views
from orchestration.report.data import BANDS, SUB_SCORES, ReportData, load_report_data

TEMPLATES = Path(__file__).parent / "templates"
REPORT_FILE = "index.html"
WORKBOOK_FILE = "partrisk.xlsx"
NOT_AVAILABLE = "not available"


@dataclass
class ReportResult:
    path: Path
    workbook: Path | None
    bytes: int
    seconds: float
    parts: int
    figures: int
    as_of: str


def report_dir(serving_path: Path) -> Path:
    """The report lives beside the serving copy: data/serving/report/ by default."""
    return Path(serving_path).resolve().parent / "report"


def _json_for_script(value) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(value, separators=(",", ":"), default=str).replace("</", "<\\/")


def _money(value) -> str:
    return NOT_AVAILABLE if value is None else f"${value:,.0f}"


def _csv_data_uri(frame: pl.DataFrame) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(frame.columns)
    writer.writerows(frame.iter_rows())
    return "data:text/csv;charset=utf-8," + urllib.parse.quote(buffer.getvalue())


class _Pages:
    """Collects each page's figures while the sections are rendered."""

    def __init__(self) -> None:
        self.figures: dict[str, dict] = {}

    def figure(self, figure_id: str, spec: dict) -> str:
        self.figures[figure_id] = spec
        return figure_id


def _today(data: ReportData, pages: _Pages, linked: set[str]) -> dict:
    history = data.table("part_risk_history")
    buffer_plan = data.table("buffer_plan")
    section: dict = {"bands_now": [], "changes": None, "budget": None, "products": None}
    part_risk = data.table("part_risk")
    counts = dict(part_risk.group_by("risk_band").len().iter_rows())
    section["bands_now"] = [(band, counts.get(band, 0), figures.BAND_COLORS[band]) for band in BANDS]
    if history is not None:
        section["bands_figure"] = pages.figure("bands", figures.bands_over_time(views.band_counts(history, data.as_of)))
    changes = data.table("daily_changes")
    if changes is not None:
        frame = changes.with_columns(pl.Series("part", [tables.part_link(m, f, linked) for m, f in
                                                        zip(changes["mpn"], changes["manufacturer"], strict=True)],
                                               pl.String))
        section["changes"] = tables.render(
            frame, table_id="changes", html_columns=["part"], bands=["risk_band"],
            labels={"change_kind": "Change", "part": "Part", "manufacturer": "Maker", "risk_band": "Band",
                    "detail": "What changed", "products": "Products"}) if frame.height else ""
    if buffer_plan is not None:
        used = views.budget_used(buffer_plan)
        section["budget"] = used
        section["budget_figure"] = pages.figure("budget", figures.budget_gauge(used["used_usd"], used["budget_usd"]))
    bom_risk = data.table("bom_risk")
    if bom_risk is not None:
        section["products"] = tables.render(
            bom_risk.sort("product"), table_id="products", bands=["risk_grade_actual", "risk_grade_potential"],
            money=["margin_at_risk_expected", "margin_at_risk_worst", "revenue_at_risk_expected",
                   "revenue_at_risk_worst"],
            labels={"product": "Product", "description": "Description", "risk_grade_actual": "Grade (actual)",
                    "risk_grade_potential": "Grade (potential)", "margin_at_risk_expected": "Margin at risk, expected",
                    "margin_at_risk_worst": "Margin at risk, worst",
                    "revenue_at_risk_expected": "Revenue at risk, expected",
                    "revenue_at_risk_worst": "Revenue at risk, worst", "limiting_mpn": "Limiting part"})
    return section


def _act(data: ReportData, linked: set[str], market: pl.DataFrame | None) -> dict:
    buffer_plan, part_risk = data.table("buffer_plan"), data.table("part_risk")
    if buffer_plan is None:
        return {"table": None, "first": None}
    ranked = views.parts_to_act(buffer_plan, part_risk)
    prices = views.market_price(market) if market is not None else None
    history = data.table("part_risk_history")
    with_series = tables.spark_cells(views.sparklines(ranked, history, prices, data.as_of))
    band_words = [band if band == planning or planning is None else f"{band} now, {planning} in 90 days"
                  for band, planning in zip(with_series["risk_band"], with_series["planning_band"], strict=True)]
    frame = with_series.with_columns(
        pl.Series("part", [tables.part_link(m, f, linked) for m, f in
                           zip(with_series["mpn"], with_series["manufacturer"], strict=True)], pl.String),
        pl.Series("band_words", band_words, pl.String),
        pl.Series("units_words", units_words(with_series), pl.String))
    html_table = tables.render(
        frame, table_id="act", html_columns=["part", "stock_spark", "price_spark", "lead_spark"],
        bands=["risk_band"], money=["funded_capital_usd", "capital_usd", "funded_cost_avoided", "net_benefit"],
        labels={"rank": "#", "part": "Part", "manufacturer": "Maker", "risk_band": "Band",
                "band_words": "Planning band", "risk_drivers": "Drivers", "strategy": "Strategy", "buy": "Buy",
                "units_words": "Units, funded / to buy", "funded_capital_usd": "Capital funded",
                "capital_usd": "Capital, whole buy", "funded_cost_avoided": "Avoided cost, funded",
                "net_benefit": "Net benefit, whole buy", "funding": "Budget", "stock_spark": "Stock, 90 d",
                "price_spark": "Price @100, 90 d", "lead_spark": "Lead time, 90 d"})
    first = ranked.row(0, named=True) if ranked.height else None
    return {"table": html_table, "first": first, "count": ranked.height}


def units_words(frame: pl.DataFrame) -> list[str]:
    """funded_units / buy_units as "20 / 40" (whole units, thousands separated)."""
    return [tables.MISSING if buy is None else f"{funded or 0:,.0f} / {buy:,.0f}"
            for funded, buy in zip(frame["funded_units"], frame["buy_units"], strict=True)]


def _part_pages(data: ReportData, pages: _Pages, market: pl.DataFrame | None) -> list[dict]:
    part_risk = data.table("part_risk").sort(["risk_score", "mpn"], descending=[True, False])
    history = data.table("part_risk_history")
    alternates = data.table("part_alternates")
    bom_lines = data.table("bom_lines")
    prices = views.market_price(market) if market is not None else None
    by_part, price_by_part, history_by_part = (
        frame.partition_by(["mpn", "manufacturer"], as_dict=True) if frame is not None else {}
        for frame in (market, prices, history.sort("snapshot_date", maintain_order=True) if history is not None else None))
    first = history["snapshot_date"].min() if history is not None else data.as_of
    span = (first, data.as_of)
    parts = []
    for row in part_risk.iter_rows(named=True):
        key = (row["mpn"], row["manufacturer"])
        slug = views.part_slug(*key)
        page = {"slug": slug, "row": row, "figures": [], "alternates": None, "used_in": None}
        if key in by_part:
            page["figures"].append(pages.figure(f"{slug}-stock", figures.part_market(
                by_part[key], "Market stock by distributor", *span)))
        if key in price_by_part:
            page["figures"].append(pages.figure(f"{slug}-price", figures.part_prices(
                price_by_part[key], "Lowest authorized price at the 100 and 1,000 breaks", *span)))
        if key in history_by_part:
            part_history = history_by_part[key]
            page["figures"].append(pages.figure(f"{slug}-lead", figures.part_lead_time(
                part_history, "Lead time (median authorized quote)", *span)))
            if all(c in part_history.columns for c in SUB_SCORES):
                page["figures"].append(pages.figure(f"{slug}-risk", figures.part_risk(
                    part_history, "Risk score, bands behind it, sub-scores underneath", *span)))
        if alternates is not None:
            rows = alternates.filter((pl.col("mpn") == key[0]) & (pl.col("manufacturer") == key[1])).sort("preference")
            page["alternates"] = tables.render(
                rows, labels={"preference": "#", "alt_mpn": "Alternate", "alt_manufacturer": "Maker", "fit": "Fit",
                              "alt_risk_band": "Band", "alt_market_stock": "Market stock",
                              "alt_top_assembly_country": "Assembly country"},
                units=["alt_market_stock"], bands=["alt_risk_band"]) if rows.height else ""
        if bom_lines is not None:
            rows = (bom_lines.filter((pl.col("mpn") == key[0]) & (pl.col("manufacturer") == key[1]))
                    .group_by("product").agg(pl.col("qty_per_unit").sum(), pl.col("refdes").drop_nulls().str.join(", "))
                    .sort("product"))
            page["used_in"] = tables.render(rows, labels={"product": "Product", "qty_per_unit": "Quantity per board",
                                                          "refdes": "Designators"},
                                            scores=["qty_per_unit"]) if rows.height else ""
        parts.append(page)
    return parts


def _concentration(data: ReportData, pages: _Pages) -> dict:
    concentration = data.table("supplier_concentration")
    if concentration is None or concentration.is_empty():
        return {}
    counts = views.concentration_counts(concentration)
    return {
        "hhi_figure": pages.figure("hhi", figures.concentration_hhi(concentration)),
        "shares_figure": pages.figure("shares", figures.top_shares(concentration)),
        "counts": tables.render(counts, table_id="single", units=["matched_lines", "single_sourced_lines",
                                                                  "single_distributor_lines", "single_country_lines"],
                                labels={"scope": "Scope", "matched_lines": "Matched lines",
                                        "single_sourced_lines": "Single-source lines",
                                        "single_distributor_lines": "Single-distributor lines",
                                        "single_country_lines": "Single-country lines"}),
        "thresholds": (concentration["hhi_thresholds_name"].max(), concentration["hhi_moderate_threshold"].max(),
                       concentration["hhi_high_threshold"].max()),
    }


def _buffer(data: ReportData, pages: _Pages, linked: set[str]) -> dict:
    buffer_plan = data.table("buffer_plan")
    if buffer_plan is None:
        return {}
    used = views.budget_used(buffer_plan)
    curve = views.budget_curve(buffer_plan)
    ordered = views.with_purchase_words(views.funding_order(buffer_plan))
    frame = ordered.with_columns(
        pl.Series("part", [tables.part_link(m, f, linked) for m, f in
                           zip(ordered["mpn"], ordered["manufacturer"], strict=True)], pl.String),
        pl.Series("units_words", units_words(ordered), pl.String))
    return {
        "budget": used,
        "curve_figure": pages.figure("curve", figures.budget_curve(curve, used["budget_usd"])) if curve.height else None,
        "table": tables.render(
            frame, table_id="buffer", html_columns=["part"], bands=["risk_band", "planning_band"],
            units=["safety_stock_units", "on_hand_units", "unmet_need_units", "funding_rank"],
            scores=["net_benefit_per_dollar"],
            money=["funded_capital_usd", "capital_usd", "holding_cost_horizon", "expected_stoppage_cost",
                   "funded_cost_avoided", "net_benefit"],
            percent=["stoppage_probability"],
            labels={"funding_rank": "#", "part": "Part", "manufacturer": "Maker", "strategy": "Strategy",
                    "risk_band": "Band", "planning_band": "Planning band", "on_hand_units": "On hand",
                    "safety_stock_units": "Safety stock", "buy": "Buy", "units_words": "Units, funded / to buy",
                    "unmet_need_units": "Unmet need", "funded_capital_usd": "Capital funded",
                    "capital_usd": "Capital, whole buy", "holding_cost_horizon": "Holding, horizon",
                    "stoppage_probability": "Stoppage probability", "expected_stoppage_cost": "Expected stoppage cost",
                    "funded_cost_avoided": "Avoided cost, funded", "net_benefit": "Net benefit, whole buy",
                    "net_benefit_per_dollar": "Net benefit per $", "funding": "Budget", "rationale": "Rationale"}),
        "csv": _csv_data_uri(views.plan_for_export(buffer_plan)),
    }


def _backtest(data: ReportData, pages: _Pages) -> dict:
    summary = data.table("backtest_summary")
    needed = ("policy", "line_down_days", "total_cost_usd")
    if summary is None or not all(c in summary.columns for c in needed) or summary.is_empty():
        return {}
    overall = summary.filter(pl.col("product") == "ALL") if "product" in summary.columns else summary
    matrix_columns = [c for c in ("lost_margin_usd", "holding_cost_usd", "purchase_premium_usd", "total_cost_usd",
                                  "line_down_days", "average_capital_usd", "peak_capital_usd") if c in overall.columns]
    return {
        "figure": pages.figure("backtest", figures.backtest_costs(summary)),
        "matrix": tables.render(
            overall.select("policy", *matrix_columns), table_id="backtest",
            money=[c for c in matrix_columns if c.endswith("_usd")], units=["line_down_days"],
            labels={"policy": "Policy", "lost_margin_usd": "Cost of stoppages (lost margin)",
                    "holding_cost_usd": "Cost of the buffer (holding)", "purchase_premium_usd": "Purchase premium",
                    "total_cost_usd": "Total cost", "line_down_days": "Line-down days",
                    "average_capital_usd": "Average capital", "peak_capital_usd": "Peak capital"}),
    }


def _quality(data: ReportData, out_dir: Path, quality_report: Path | None) -> dict:
    refresh = dict(data.refresh or {})
    if refresh.get("finished_at") is not None:
        refresh["finished_at"] = f"{refresh['finished_at']:%Y-%m-%d %H:%M} UTC"
    failed_inputs = [line for line in (refresh.get("failed_inputs") or "").split("\n") if line]
    failed_checks = [line for line in (refresh.get("failed_checks") or "").split("\n") if line]
    quarantine = None
    if data.quarantine is not None:
        quarantine = tables.render(data.quarantine, table_id="quarantine", units=["rows", "files"],
                                   labels={"source": "Source", "rule": "Rule", "rows": "Rows", "files": "Files"}) \
            if data.quarantine.height else ""
    docs_link = None
    if quality_report is not None and Path(quality_report).exists():
        docs_link = Path(os.path.relpath(Path(quality_report).resolve(), out_dir.resolve())).as_posix()
    return {"refresh": refresh, "failed_inputs": failed_inputs, "failed_checks": failed_checks,
            "quarantine": quarantine, "quarantine_note": data.quarantine_note, "docs_link": docs_link}


def render_report(data: ReportData, out_dir: Path, *, quality_report: Path | None = None,
                  workbook: Path | None = None) -> tuple[str, int, int]:
    """The page's HTML, the number of part pages and of figures."""
    pages = _Pages()
    part_keys = data.table("part_risk").select("mpn", "manufacturer").iter_rows()
    linked = {views.part_slug(m, f) for m, f in part_keys}
    market = data.table("part_market_history")
    market = views.carried_forward(market) if market is not None else None
    today = _today(data, pages, linked)
    act = _act(data, linked, market)
    parts = _part_pages(data, pages, market)
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                                     autoescape=jinja2.select_autoescape(["html", "j2"]),
                                     undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.filters["money"] = _money
    html = environment.get_template("report.html.j2").render(
        as_of=data.as_of.isoformat(), built_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        serving=str(data.serving_path), today=today, act=act, parts=parts,
        concentration=_concentration(data, pages), buffer=_buffer(data, pages, linked), backtest=_backtest(data, pages),
        quality=_quality(data, out_dir, quality_report), band_colors=figures.BAND_COLORS, bands=BANDS,
        workbook=workbook.name if workbook else None, not_available=NOT_AVAILABLE,
        style=(TEMPLATES / "report.css").read_text(encoding="utf-8"),
        script=(TEMPLATES / "report.js").read_text(encoding="utf-8"),
        figures_json=_json_for_script(pages.figures), plotly_js=get_plotlyjs())
    return html, len(parts), len(pages.figures)


def build_report(serving_path: Path, out_dir: Path | None = None, *, warehouse_path: Path | None = None,
                 quality_report: Path | None = None, with_workbook: bool = True) -> ReportResult:
    """Read the serving copy, write index.html (and the workbook) into out_dir, atomically each."""
    from orchestration.report.workbook import write_workbook

    started = time.perf_counter()
    out_dir = Path(out_dir or report_dir(serving_path)).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    data = load_report_data(serving_path, warehouse_path)
    workbook = write_workbook(data, out_dir / WORKBOOK_FILE) if with_workbook else None
    html, parts, figure_count = render_report(data, out_dir, quality_report=quality_report, workbook=workbook)
    target = out_dir / REPORT_FILE
    temp = target.with_name(f".{target.name}.tmp")
    temp.write_text(html, encoding="utf-8")
    os.replace(temp, target)
    return ReportResult(target, workbook, target.stat().st_size, time.perf_counter() - started, parts, figure_count,
                        data.as_of.isoformat())
