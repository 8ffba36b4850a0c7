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
from orchestration.report.data import BANDS, SUB_SCORES, ReportData, check_columns
from orchestration.report.workbook import write_workbook

AS_OF = date(2025, 12, 31)


def plan(rows: list[dict]) -> pl.DataFrame:
    """A hand-made serving buffer_plan: each row a whole funded purchase of 10 units at $10 unless it says."""
    base = {"mpn": "", "manufacturer": "M", "strategy": "JIC", "risk_band": "High", "planning_band": "High",
            "buy_mpn": None, "buy_manufacturer": "M", "buy_units": 10.0, "unit_price_usd": 10.0, "capital_usd": 100.0,
            "expected_stoppage_cost_avoided": 1000.0, "net_benefit": 990.0, "net_benefit_per_dollar": 9.9,
            "funding_rank": 1, "is_funded": True, "funded_units": 10.0, "funded_capital_usd": 100.0,
            "funded_cost_avoided": 1000.0, "unmet_need_units": 0.0, "budget_usd": 500.0}
    frame = pl.DataFrame([{**base, **row} for row in rows], schema_overrides={"buy_mpn": pl.String})
    frame = frame.with_columns(pl.col("buy_mpn").fill_null(pl.col("mpn")))
    # The mart's aliases of the old plan, so a test can see the report never sums them.
    return frame.with_columns(pl.col("is_funded").alias("in_budget"), pl.col("capital_usd").alias("buffer_capital"),
                              pl.col("buy_units").alias("buffer_units"))


def unfunded(rank: int | None, **row) -> dict:
    return {"funding_rank": rank, "is_funded": False, "funded_units": 0.0, "funded_capital_usd": 0.0,
            "funded_cost_avoided": 0.0, **row}


def risk(mpns: list[str], drivers: str = "lead time 30 weeks") -> pl.DataFrame:
    return pl.DataFrame({"mpn": mpns, "manufacturer": ["M"] * len(mpns), "risk_drivers": [drivers] * len(mpns)})


def worked_example() -> pl.DataFrame:
    """Doc report_figures: budget $500, $10 a unit; A funded whole, B in part (20 of 40 units), C not, D no rank."""
    return plan([
        {"mpn": "C", "buy_units": 25.0, "capital_usd": 250.0, "expected_stoppage_cost_avoided": 750.0,
         **unfunded(3)},
        {"mpn": "A", "buy_units": 30.0, "capital_usd": 300.0, "expected_stoppage_cost_avoided": 1500.0,
         "funded_units": 30.0, "funded_capital_usd": 300.0, "funded_cost_avoided": 1500.0, "funding_rank": 1},
        {"mpn": "D", "buy_units": 10.0, "capital_usd": 100.0, "expected_stoppage_cost_avoided": 5.0,
         "net_benefit": -1.0, **unfunded(None)},
        {"mpn": "B", "buy_units": 40.0, "capital_usd": 400.0, "expected_stoppage_cost_avoided": 1200.0,
         "funded_units": 20.0, "funded_capital_usd": 200.0, "funded_cost_avoided": 600.0, "funding_rank": 2},
    ])


# ------------------------------------------------------------------------------------------- views


def test_parts_to_act_follow_the_funding_rank_with_non_candidates_last_and_leave_jit_out():
    buffer_plan = plan([
        {"mpn": "NO-RANK", **unfunded(None)},
        {"mpn": "SKIPPED", **unfunded(2)},
        {"mpn": "FUNDED-AFTER-SKIP", "funding_rank": 3},
        {"mpn": "FIRST", "funding_rank": 1},
        {"mpn": "JIT-PART", "strategy": "JIT", "buy_units": 0.0, **unfunded(None)},
    ])
    ranked = views.parts_to_act(buffer_plan, risk(["NO-RANK", "SKIPPED", "FUNDED-AFTER-SKIP", "FIRST", "JIT-PART"]))
    assert ranked["mpn"].to_list() == ["FIRST", "SKIPPED", "FUNDED-AFTER-SKIP", "NO-RANK"]
    assert ranked["rank"].to_list() == [1, 2, 3, 4]
    assert ranked["funding"].to_list() == ["funded", "not funded", "funded", "no net benefit"]
    assert ranked["risk_drivers"].to_list() == ["lead time 30 weeks"] * 4


def test_parts_to_act_name_the_alternate_to_qualify_and_show_funded_against_whole_units():
    buffer_plan = plan([
        {"mpn": "P", "strategy": "DUAL_SOURCE", "buy_mpn": "ALT-1", "buy_manufacturer": "N", "buy_units": 40.0,
         "funded_units": 20.0, "funded_capital_usd": 200.0, "capital_usd": 400.0},
        {"mpn": "Q", "buy_units": 0.0, "capital_usd": 0.0, **unfunded(None)},
    ])
    ranked = views.parts_to_act(buffer_plan, risk(["P", "Q"]))
    assert ranked["buy"].to_list() == ["qualify ALT-1 (N)", "the part"]
    assert ranked["funding"].to_list() == ["funded in part", "nothing to buy"]
    assert build.units_words(ranked) == ["20 / 40", "0 / 0"]


def test_budget_figures_are_the_funded_ones_of_the_worked_example():
    used = views.budget_used(worked_example())
    assert used == {"used_usd": 500.0, "budget_usd": 500.0, "funded_buffers": 2, "funded_in_part": 1,
                    "avoided_usd": 2100.0}
    assert used["used_usd"] <= used["budget_usd"]
    # The old sum, the aliases over the funded rows, would be 300 + 400 = $700: over the budget.
    assert worked_example().filter("in_budget")["buffer_capital"].sum() == 700.0


def test_budget_curve_runs_in_funding_order_over_the_candidates_with_the_funded_line():
    curve = views.budget_curve(worked_example())
    assert curve["mpn"].to_list() == ["A", "B", "C"]  # D has no rank: not a candidate
    assert curve["funding"].to_list() == ["funded", "funded in part", "not funded"]
    assert curve["cumulative_capital_usd"].to_list() == [300.0, 700.0, 950.0]
    assert curve["cumulative_avoided_usd"].to_list() == [1500.0, 2700.0, 3450.0]
    funded = curve.filter("is_funded")
    assert funded["cumulative_funded_capital_usd"].to_list() == [300.0, 500.0]
    assert funded["cumulative_funded_avoided_usd"].to_list() == [1500.0, 2100.0]


def test_a_serving_copy_from_an_older_partrisk_is_an_error_that_names_the_columns(tmp_path):
    old = worked_example().drop("funded_capital_usd", "funding_rank")
    with pytest.raises(ValueError, match="buffer_plan has no column funding_rank, funded_capital_usd"):
        check_columns(tmp_path / "serving.duckdb", {"buffer_plan": old, "bom_risk": None})
    check_columns(tmp_path / "serving.duckdb", {"buffer_plan": worked_example(), "bom_risk": None})


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
    curve = views.budget_curve(worked_example())
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
    bom_risk = pl.DataFrame({"product": ["=1+1"], "description": ["@evil"], "margin_at_risk_expected": [1234.5]})
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
    assert not {"in_budget", "buffer_capital", "buffer_units"} & set(header)  # each figure once, by its own name
    capital = sheet.cell(row=2, column=header.index("funded_capital_usd") + 1)
    assert capital.value == 100.0 and capital.number_format == "$#,##0"
    for column in ("funded_units", "funding_rank"):
        assert sheet.cell(row=2, column=header.index(column) + 1).number_format == "#,##0"
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
        parts = conn.execute("select count(*) from marts.part_risk").fetchall()[0][0]
    size = small_report.stat().st_size
    per_part = (size - len(get_plotlyjs())) / parts
    assert per_part < 45_000, f"{per_part:,.0f} bytes per part page"
    assert len(get_plotlyjs()) + 200 * 45_000 < 15e6


def test_the_ranked_table_and_workbook_start_with_the_buffer_plans_first_row(built_warehouse, tmp_path):
    serving = serving_copy(built_warehouse)
    with duckdb.connect(str(serving), read_only=True) as conn:
        expected = conn.execute("""select mpn, funded_capital_usd from marts.buffer_plan where strategy <> 'JIT'
                                   order by funding_rank nulls last, mpn, manufacturer limit 1""").fetchall()[0]
        funded, budget = conn.execute("select sum(funded_capital_usd), max(budget_usd) from marts.buffer_plan").fetchall()[0]
    result = build.build_report(serving, tmp_path / "report")
    sheet = openpyxl.load_workbook(result.workbook)["Parts to act on"]
    header = [cell.value for cell in sheet[1]]
    assert sheet.cell(row=2, column=header.index("mpn") + 1).value == expected[0]
    assert sheet.cell(row=2, column=header.index("funded_capital_usd") + 1).value == pytest.approx(expected[1])
    assert funded <= budget + 0.005
    html = result.path.read_text(encoding="utf-8")
    assert f"${funded:,.0f}</div><div class=\"label\">buffer capital funded, of ${budget:,.0f}" in html


def test_views_of_tables_the_copy_lacks_say_not_available_and_light_up_when_they_appear(built_warehouse, tmp_path):
    copy = tmp_path / "serving.duckdb"
    shutil.copy(serving_copy(built_warehouse), copy)
    with duckdb.connect(str(copy)) as conn:
        conn.execute("drop table marts.backtest_summary")
    html = build.build_report(copy, tmp_path / "before", with_workbook=False).path.read_text(encoding="utf-8")
    assert "Backtest not available" in html and 'data-figure="backtest"' not in html
    with duckdb.connect(str(copy)) as conn:
        conn.execute("""create table main.backtest_summary as select * from (values
            ('JIT', 'ALL', 41, 120000.0, 0.0, 0.0, 120000.0), ('PARTRISK', 'ALL', 3, 9000.0, 1500.0, 300.0, 10800.0))
            as t(policy, product, line_down_days, lost_margin_usd, holding_cost_usd, purchase_premium_usd,
                 total_cost_usd)""")
    html = build.build_report(copy, tmp_path / "after", with_workbook=False).path.read_text(encoding="utf-8")
    assert 'data-figure="backtest"' in html and "Backtest not available" not in html
    assert "Margin at risk, expected" in html
    with duckdb.connect(str(copy)) as conn:
        conn.execute("alter table marts.buffer_plan drop column funded_capital_usd")
    with pytest.raises(ValueError, match="buffer_plan has no column funded_capital_usd"):
        build.build_report(copy, tmp_path / "older", with_workbook=False)


def test_a_missing_serving_copy_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="serving copy .* does not exist"):
        build.build_report(tmp_path / "nope.duckdb", tmp_path / "report")
