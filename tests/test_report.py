"""The risk report and the workbook: views on hand-made frames, formula injection, figure validity, and
the report the refresh built for the small market (its size, its first ranked row, the views that light
up when a table appears)."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import openpyxl
import plotly.graph_objects as go
import polars as pl
import pytest

from orchestration.report import build, figures, tables, views
from orchestration.report.data import BANDS, SUB_SCORES, ReportData
from orchestration.report.workbook import write_workbook

AS_OF = date(2025, 12, 31)


def plan(rows: list[dict]) -> pl.DataFrame:
    base = {"mpn": "", "manufacturer": "M", "strategy": "JIC", "in_budget": True, "risk_band": "High",
            "planning_band": "High", "buffer_units": 10.0, "buffer_capital": 100.0,
            "expected_stoppage_cost_avoided": 1000.0, "cost_avoided_per_buffer_dollar": 10.0, "budget_usd": 500.0}
    return pl.DataFrame([{**base, **row} for row in rows])


def risk(mpns: list[str], drivers: str = "lead time 30 weeks") -> pl.DataFrame:
    return pl.DataFrame({"mpn": mpns, "manufacturer": ["M"] * len(mpns), "risk_drivers": [drivers] * len(mpns)})


# ------------------------------------------------------------------------------------------- views


def test_parts_to_act_ranks_funded_first_then_by_avoided_cost_per_dollar_and_leaves_jit_out():
    buffer_plan = plan([
        {"mpn": "UNFUNDED-BEST", "in_budget": False, "cost_avoided_per_buffer_dollar": 99.0},
        {"mpn": "FUNDED-LOW", "cost_avoided_per_buffer_dollar": 2.0},
        {"mpn": "FUNDED-HIGH", "cost_avoided_per_buffer_dollar": 20.0},
        {"mpn": "JIT-PART", "strategy": "JIT", "cost_avoided_per_buffer_dollar": None},
    ])
    ranked = views.parts_to_act(buffer_plan, risk(["UNFUNDED-BEST", "FUNDED-LOW", "FUNDED-HIGH", "JIT-PART"]))
    assert ranked["mpn"].to_list() == ["FUNDED-HIGH", "FUNDED-LOW", "UNFUNDED-BEST"]
    assert ranked["rank"].to_list() == [1, 2, 3]
    assert ranked["risk_drivers"].to_list() == ["lead time 30 weeks"] * 3


def test_the_units_column_is_the_purchase_when_the_plan_says_it():
    assert views.units_column(plan([{"mpn": "A"}])) == ("buffer_units", "Buffer units")
    with_buy = plan([{"mpn": "A"}]).with_columns(pl.lit(5.0).alias("buy_units"))
    assert views.units_column(with_buy) == ("buy_units", "Buy units")
    assert views.parts_to_act(with_buy, risk(["A"]))["units"].to_list() == [5.0]


def test_budget_used_counts_funded_capital_only_and_stays_within_the_budget():
    used = views.budget_used(plan([{"mpn": "A", "buffer_capital": 300.0}, {"mpn": "B", "buffer_capital": 150.0},
                                   {"mpn": "C", "buffer_capital": 900.0, "in_budget": False}]))
    assert used == {"used_usd": 450.0, "budget_usd": 500.0, "funded_buffers": 2, "avoided_usd": 2000.0}
    assert used["used_usd"] <= used["budget_usd"]


def test_budget_curve_is_cumulative_in_funding_order():
    curve = views.budget_curve(plan([{"mpn": "A", "buffer_capital": 10.0, "cost_avoided_per_buffer_dollar": 1.0},
                                     {"mpn": "B", "buffer_capital": 30.0, "cost_avoided_per_buffer_dollar": 5.0},
                                     {"mpn": "Z", "buffer_capital": 0.0}]))
    assert curve["mpn"].to_list() == ["B", "A"]
    assert curve["cumulative_capital_usd"].to_list() == [30.0, 40.0]
    assert curve["cumulative_avoided_usd"].to_list() == [1000.0, 2000.0]


def test_band_counts_cover_the_last_90_days_only_with_every_band_a_column():
    days = [AS_OF - timedelta(days=n) for n in (0, 1, 89, 90)]
    history = pl.DataFrame({"snapshot_date": days, "mpn": ["A"] * 4, "risk_band": ["High", "Low", "Low", "Critical"]})
    counts = views.band_counts(history, AS_OF)
    assert counts.columns == ["snapshot_date", *BANDS]
    assert counts["snapshot_date"].to_list() == sorted(days[:3])
    assert counts.filter(pl.col("snapshot_date") == AS_OF).row(0)[1:] == (0, 0, 1, 0)
    assert counts["Critical"].sum() == 0  # day 90 back is outside the window


def test_a_missing_listing_is_carried_forward_three_days_then_dropped():
    days = [date(2025, 1, 1), date(2025, 1, 2), date(2025, 1, 7)]
    market = pl.DataFrame({"snapshot_date": days, "mpn": ["A"] * 3, "manufacturer": ["M"] * 3, "distributor": ["D"] * 3,
                           "is_authorized": [True] * 3, "stock": [10, 20, 70], "price_q100_usd": [1.0, 2.0, 7.0],
                           "price_q1000_usd": [0.5, 1.0, 3.5]})
    carried = views.carried_forward(market)
    assert carried["snapshot_date"].to_list() == [date(2025, 1, d) for d in (1, 2, 3, 4, 5, 7)]
    assert carried["stock"].to_list() == [10, 20, 20, 20, 20, 70]
    assert views.market_price(carried).sort("snapshot_date")["price_q100_usd"].to_list() == [1.0, 2.0, 2.0, 2.0, 2.0, 7.0]


def test_part_slugs_are_url_safe_and_distinct_for_distinct_parts():
    slugs = {views.part_slug("MT29F8G08ADADAH4-AIT:G", "Micron"), views.part_slug("PIC32MX250F128B-I/P", "Microchip"),
             views.part_slug("A#1", "X"), views.part_slug("A-1", "X"), views.part_slug("A-1", "Y")}
    assert len(slugs) == 5
    assert views.part_slug("PIC32MX250F128B-I/P", "Microchip").startswith("pic32mx250f128b-i-p-")
    assert all(slug.replace("-", "").isalnum() for slug in slugs)


def test_sparkline_draws_the_values_it_is_given_and_says_when_there_are_none():
    svg = tables.sparkline_svg([1.0, None, 3.0], "#000", "stock")
    assert 'points="1.0,21.0 89.0,1.0"' in svg and "1 → 3" in svg  # two points: first at the bottom, last at the top
    assert tables.sparkline_svg([None, None], "#000", "stock") == tables.MISSING
    assert tables.sparkline_svg(None, "#000", "stock") == tables.MISSING


def test_table_text_is_escaped_but_links_are_not():
    frame = pl.DataFrame({"part": [tables.part_link("A<B", "M")], "note": ["<script>x</script>"]})
    html = tables.render(frame, labels={"part": "Part", "note": "Note"}, html_columns=["part"])
    assert f'<a href="#part/{views.part_slug("A<B", "M")}">A&lt;B</a>' in html
    assert "<script>x" not in html and "&lt;script&gt;x" in html


# ------------------------------------------------------------------------------------------ figures


def test_every_kind_of_figure_is_valid_plotly():
    days = [AS_OF - timedelta(days=n) for n in range(5)]
    history = pl.DataFrame({"snapshot_date": days, "risk_score": [10.0, 35.0, 45.0, 80.0, 100.0],
                            "risk_band": ["Low", "Medium", "High", "Critical", "Critical"],
                            "lead_time_days": [70.0] * 5, **{s: [50.0] * 5 for s in SUB_SCORES}})
    market = pl.DataFrame({"snapshot_date": days * 2, "distributor": ["DigiKey"] * 5 + ["Broker"] * 5,
                           "is_authorized": [True] * 5 + [False] * 5, "stock": list(range(10))})
    prices = pl.DataFrame({"snapshot_date": days, "price_q100_usd": [0.1] * 5, "price_q1000_usd": [0.08] * 5})
    concentration = pl.DataFrame({"scope": ["ALL", "P1"], "dimension": ["country", "country"], "hhi": [2000.0, 9000.0],
                                  "top_entity": ["CN", "CN"], "top_share": [0.4, 0.9], "hhi_thresholds_name": ["x"] * 2,
                                  "hhi_moderate_threshold": [1000.0] * 2, "hhi_high_threshold": [1800.0] * 2})
    curve = views.budget_curve(plan([{"mpn": "A"}, {"mpn": "B", "in_budget": False}]))
    backtest = pl.DataFrame({"policy": ["JIT", "PARTRISK"], "product": ["ALL", "ALL"], "line_down_days": [30, 2],
                             "total_cost_usd": [90000.0, 12000.0]})
    first, last = min(days), max(days)
    specs = [figures.bands_over_time(views.band_counts(history.with_columns(pl.lit("A").alias("mpn")), AS_OF)),
             figures.budget_gauge(450.0, 500.0), figures.budget_curve(curve, 500.0),
             figures.concentration_hhi(concentration), figures.top_shares(concentration),
             figures.part_market(market, "stock", first, last), figures.part_prices(prices, "price", first, last),
             figures.part_lead_time(history, "lead", first, last), figures.part_risk(history, "risk", first, last),
             figures.backtest_costs(backtest)]
    for spec in specs:
        go.Figure(spec)  # plotly's validators raise on any invalid property
        assert spec["data"], spec["layout"]["title"]
        assert "template" not in spec["layout"]
    risk_spec = specs[8]
    assert risk_spec["data"][0]["y"] == [100, 80, 45, 35, 10]  # oldest first, whole numbers without '.0'
    assert risk_spec["data"][0]["x0"] == first.isoformat() and len(risk_spec["data"]) == 1 + len(SUB_SCORES)
    assert {shape["fillcolor"] for shape in risk_spec["layout"]["shapes"]} == set(figures.BAND_COLORS.values())


def test_a_part_series_sits_on_the_daily_grid_with_gaps_as_nulls():
    frame = pl.DataFrame({"snapshot_date": [date(2025, 1, 1), date(2025, 1, 3)], "stock": [5, 7]})
    assert figures.daily(frame, ["stock"], date(2025, 1, 1), date(2025, 1, 4))["stock"].to_list() == [5, None, 7, None]


# ----------------------------------------------------------------------------------------- workbook

HOSTILE = ["=HYPERLINK(\"http://x.invalid\",\"click\")", "+1+1", "-2+3", "@SUM(A1:A2)", "=cmd|' /C calc'!A0"]


def hostile_data(tmp_path: Path) -> ReportData:
    buffer_plan = plan([{"mpn": text, "manufacturer": "M", "rationale": text} for text in HOSTILE])
    part_risk = pl.DataFrame({"mpn": HOSTILE, "manufacturer": ["M"] * len(HOSTILE), "risk_drivers": HOSTILE,
                              "snapshot_date": [AS_OF] * len(HOSTILE)})
    bom_risk = pl.DataFrame({"product": ["=1+1"], "description": ["@evil"], "revenue_at_risk": [1234.5]})
    concentration = pl.DataFrame({"scope": ["ALL"], "dimension": ["manufacturer"], "top_entity": ["-cmd"],
                                  "hhi": [2000.0], "top_share": [0.5]})
    return ReportData(tmp_path / "serving.duckdb", AS_OF, None,
                      {"buffer_plan": buffer_plan, "part_risk": part_risk, "bom_risk": bom_risk,
                       "supplier_concentration": concentration})


def test_workbook_writes_formula_like_text_as_text_never_as_a_formula(tmp_path):
    path = write_workbook(hostile_data(tmp_path), tmp_path / "out.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Buffer plan", "Parts to act on", "BOM risk", "Concentration"]
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value}"
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    for text in [*HOSTILE, "=1+1", "@evil", "-cmd"]:
        assert text in texts, text  # kept exactly, as text
    with pytest.raises(KeyError):
        book.defined_names["_xlnm._FilterDatabase"]  # filters are per sheet (autofilter), not a defined name


def test_workbook_sheets_have_frozen_header_filters_number_formats_and_fitted_widths(tmp_path):
    path = write_workbook(hostile_data(tmp_path), tmp_path / "out.xlsx")
    sheet = openpyxl.load_workbook(path)["Buffer plan"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:")
    header = [cell.value for cell in sheet[1]]
    capital = sheet.cell(row=2, column=header.index("buffer_capital") + 1)
    assert capital.value == 100.0 and capital.number_format == "$#,##0"
    units = sheet.cell(row=2, column=header.index("buffer_units") + 1)
    assert units.number_format == "#,##0"
    rationale_width = sheet.column_dimensions[openpyxl.utils.get_column_letter(header.index("rationale") + 1)].width
    assert rationale_width >= max(len(t) for t in HOSTILE)


# --------------------------------------------------- the report of the small market (built by the refresh)


@pytest.fixture(scope="module")
def small_report(built_warehouse) -> Path:
    """The report the refresh's reports/risk_report asset wrote beside the session's serving copy."""
    path = built_warehouse.warehouse.parent / "serving" / "report" / "index.html"
    assert path.exists(), "the refresh did not build the risk report"
    return path


def serving_copy(built_warehouse) -> Path:
    return built_warehouse.warehouse.parent / "serving" / "partrisk.duckdb"


def test_the_refresh_builds_the_report_and_workbook_and_names_the_path(built_warehouse, small_report):
    assert (small_report.parent / build.WORKBOOK_FILE).exists()
    assert built_warehouse.outcome.render().splitlines()[-1] == f"risk report: {small_report}"


def test_the_report_is_one_self_contained_file_with_plotly_embedded_once(small_report):
    from plotly.offline import get_plotlyjs

    html = small_report.read_text(encoding="utf-8")
    plotly_js = get_plotlyjs()
    assert html.count(plotly_js) == 1 and html.count("<script>") == 2  # plotly.js once, the page's script once
    page = html.replace(plotly_js, "")  # the library's own strings name its website; the page must not
    for remote in ("src=\"http", "href=\"http", "cdn.plot.ly", "<link ", "url(http"):
        assert remote not in page
    assert "default-src 'none'" in html


def test_each_part_page_is_small_so_a_200_part_watchlist_stays_under_15_mb(built_warehouse, small_report):
    from plotly.offline import get_plotlyjs

    with duckdb.connect(str(serving_copy(built_warehouse)), read_only=True) as conn:
        parts = conn.execute("select count(*) from part_risk").fetchall()[0][0]
    size = small_report.stat().st_size
    per_part = (size - len(get_plotlyjs())) / parts
    assert per_part < 45_000, f"{per_part:,.0f} bytes per part page"
    assert len(get_plotlyjs()) + 200 * 45_000 < 15e6


def test_the_ranked_table_and_workbook_start_with_the_buffer_plans_first_row(built_warehouse, tmp_path):
    serving = serving_copy(built_warehouse)
    with duckdb.connect(str(serving), read_only=True) as conn:
        expected = conn.execute("""select mpn, buffer_capital from buffer_plan where strategy <> 'JIT'
                                   order by in_budget desc, cost_avoided_per_buffer_dollar desc nulls last, mpn
                                   limit 1""").fetchall()[0]
    result = build.build_report(serving, tmp_path / "report")
    sheet = openpyxl.load_workbook(result.workbook)["Parts to act on"]
    header = [cell.value for cell in sheet[1]]
    assert sheet.cell(row=2, column=header.index("mpn") + 1).value == expected[0]
    assert sheet.cell(row=2, column=header.index("buffer_capital") + 1).value == pytest.approx(expected[1])


def test_views_of_tables_the_copy_lacks_say_not_available_and_light_up_when_they_appear(built_warehouse, tmp_path):
    copy = tmp_path / "serving.duckdb"
    shutil.copy(serving_copy(built_warehouse), copy)
    html = build.build_report(copy, tmp_path / "before", with_workbook=False).path.read_text(encoding="utf-8")
    assert "Backtest not available" in html and 'data-figure="backtest"' not in html
    with duckdb.connect(str(copy)) as conn:
        conn.execute("""create table main.backtest_summary as select * from (values
            ('JIT', 'ALL', 41, 120000.0, 0.0, 0.0, 120000.0), ('PARTRISK', 'ALL', 3, 9000.0, 1500.0, 300.0, 10800.0))
            as t(policy, product, line_down_days, lost_margin_usd, holding_cost_usd, purchase_premium_usd,
                 total_cost_usd)""")
        conn.execute("alter table main.bom_risk add column margin_at_risk_expected double default 1.0")
        conn.execute("alter table main.bom_risk add column margin_at_risk_worst double default 2.0")
    html = build.build_report(copy, tmp_path / "after", with_workbook=False).path.read_text(encoding="utf-8")
    assert 'data-figure="backtest"' in html and "Backtest not available" not in html
    assert "Margin at risk, expected" in html and "Margin at risk (expected and worst) is not available" not in html


def test_a_missing_serving_copy_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="serving copy .* does not exist"):
        build.build_report(tmp_path / "nope.duckdb", tmp_path / "report")
