"""Plotly figures of the report, as JSON-ready dicts; the page draws them with the one embedded plotly.js.

Traces and layouts are plain Plotly dicts, wrapped in `go.Figure` without re-validating each of the
several hundred figures (the tests validate every kind with plotly's validators). Part-page series sit
on a daily grid (`x0` and a one-day `dx`), so they carry no date strings.

One palette everywhere: the bands (Low, Medium, High, Critical) use ColorBrewer RdYlBu, colour-blind
safe and ordered by lightness; other series use the Okabe-Ito palette.
"""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import polars as pl

from orchestration.report.data import BANDS, SUB_SCORES

BAND_COLORS = {"Low": "#4575b4", "Medium": "#fee090", "High": "#fc8d59", "Critical": "#d73027"}
# Lower bound of each band on the 0-100 score (seed risk_bands).
BAND_FLOORS = {"Low": 0, "Medium": 30, "High": 40, "Critical": 70}
SERIES_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
DIMENSIONS = ("manufacturer", "distributor", "country")
FUNDED_COLOR, PART_FUNDED_COLOR, UNFUNDED_COLOR = "#0072B2", "#56B4E9", "#999999"
MONEY = "$,.0f"
GRID = "#e5e5e5"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
DAY_MS = 86_400_000


def _layout(title: str, *, height: int = 320, **extra) -> dict:
    layout = {"title": {"text": title, "x": 0, "font": {"size": 15}}, "height": height,
              "margin": {"l": 60, "r": 20, "t": 40, "b": 40}, "font": {"family": FONT, "size": 12},
              "plot_bgcolor": "#ffffff", "paper_bgcolor": "#ffffff", "hovermode": "x unified",
              "legend": {"orientation": "h", "y": -0.18},
              "xaxis": {"showgrid": False, "linecolor": "#888"}, "yaxis": {"gridcolor": GRID, "zeroline": False}}
    layout.update(extra)
    return layout


def _spec(data: list[dict], layout: dict) -> dict:
    spec = go.Figure(data=data, layout=layout, _validate=False).to_plotly_json()
    spec["layout"].pop("template", None)  # plotly's default template is ~9 KB per figure; the layout above styles it
    return spec


def _band_rect(y0: float, y1: float, color: str, opacity: float, yref: str = "y", label: str | None = None) -> dict:
    shape = {"type": "rect", "xref": "paper", "x0": 0, "x1": 1, "yref": yref, "y0": y0, "y1": y1,
             "fillcolor": color, "opacity": opacity, "line": {"width": 0}, "layer": "below"}
    if label:
        shape["label"] = {"text": label, "textposition": "top right", "font": {"size": 11, "color": "#555"}}
    return shape


def _mark_budget(layout: dict, budget: float | None) -> None:
    """Draw the budget as a dashed vertical line on `layout`, when there is one."""
    if not budget:
        return
    shape = {"type": "line", "xref": "x", "x0": budget, "x1": budget, "yref": "paper", "y0": 0, "y1": 1,
             "line": {"dash": "dash", "color": "#333", "width": 1.5}}
    note = {"xref": "x", "x": budget, "yref": "paper", "y": 1, "text": f"budget ${budget:,.0f}", "showarrow": False,
            "xanchor": "right", "yanchor": "bottom", "font": {"size": 11}}
    layout.update(shapes=[shape], annotations=[note])


def _dates(series: pl.Series) -> list[str]:
    return [d.isoformat() for d in series.to_list()]


def daily(frame: pl.DataFrame, columns: list[str], first: date, last: date) -> pl.DataFrame:
    """The columns on one row per day from first to last (null where the frame has no row)."""
    grid = pl.DataFrame({"snapshot_date": pl.date_range(first, last, "1d", eager=True)})
    return grid.join(frame.select("snapshot_date", *columns), on="snapshot_date", how="left").sort("snapshot_date")


def _on_grid(first: date) -> dict:
    return {"x0": first.isoformat(), "dx": DAY_MS}


def _rounded(series: pl.Series, digits: int) -> list:
    """Significant digits only, whole numbers without '.0': the JSON of a part page stays small."""
    return [int(v) if v is not None and v.is_integer() else v
            for v in series.cast(pl.Float64).round_sig_figs(digits).to_list()]


def bands_over_time(counts: pl.DataFrame) -> dict:
    x = _dates(counts["snapshot_date"])
    data = [{"type": "scatter", "x": x, "y": counts[band].to_list(), "name": band, "stackgroup": "bands",
             "mode": "lines", "line": {"width": 0.5, "color": BAND_COLORS[band]}, "fillcolor": BAND_COLORS[band]}
            for band in BANDS]
    return _spec(data, _layout("Parts by band, last 90 days", yaxis={"title": {"text": "parts"}, "gridcolor": GRID}))


def budget_gauge(used: float, budget: float | None) -> dict:
    data = [{"type": "bar", "x": [used], "y": ["funded"], "orientation": "h", "marker": {"color": FUNDED_COLOR},
             "hovertemplate": "%{x:$,.0f}<extra>funded capital</extra>"}]
    layout = _layout("Buffer budget used", height=150, hovermode="closest", showlegend=False,
                     margin={"l": 60, "r": 20, "t": 40, "b": 30},
                     xaxis={"tickformat": MONEY, "range": [0, max(budget or 0, used) * 1.05 or 1]})
    _mark_budget(layout, budget)
    return _spec(data, layout)


def budget_curve(curve: pl.DataFrame, budget: float | None) -> dict:
    """Cumulative avoided cost against cumulative capital of the candidates in funding order (whole purchases,
    marked funded, funded in part or not funded), and the line of what the budget funds."""
    data = [{"type": "scatter", "x": curve["cumulative_capital_usd"].to_list(),
             "y": curve["cumulative_avoided_usd"].to_list(), "mode": "lines", "line": {"color": "#bbbbbb"},
             "showlegend": False, "hoverinfo": "skip"}]
    for status, color in (("funded", FUNDED_COLOR), ("funded in part", PART_FUNDED_COLOR),
                          ("not funded", UNFUNDED_COLOR)):
        part = curve.filter(pl.col("funding") == status)
        if part.is_empty():
            continue
        data.append({
            "type": "scatter", "x": part["cumulative_capital_usd"].to_list(),
            "y": part["cumulative_avoided_usd"].to_list(), "mode": "markers", "name": status,
            "marker": {"color": color, "size": 8},
            "customdata": [list(row) for row in zip(part["funding_rank"].to_list(), part["mpn"].to_list(),
                                                    part["strategy"].to_list(), part["capital_usd"].round(0).to_list(),
                                                    part["funded_capital_usd"].round(0).to_list(), strict=True)],
            "hovertemplate": "#%{customdata[0]} %{customdata[1]} (%{customdata[2]}): capital %{customdata[3]:$,.0f}, "
                             "funded %{customdata[4]:$,.0f}<br>cumulative %{x:$,.0f} → avoided %{y:$,.0f}"
                             "<extra></extra>"})
    funded = curve.filter(pl.col("is_funded"))
    if funded.height:
        data.append({"type": "scatter", "x": funded["cumulative_funded_capital_usd"].to_list(),
                     "y": funded["cumulative_funded_avoided_usd"].to_list(), "mode": "lines",
                     "name": "what the budget funds", "line": {"color": FUNDED_COLOR, "dash": "dot"},
                     "hovertemplate": "funded %{x:$,.0f} → avoided %{y:$,.0f}<extra></extra>"})
    layout = _layout("Budget curve: expected stoppage cost avoided against capital, in funding order", height=380,
                     hovermode="closest", margin={"l": 100, "r": 20, "t": 40, "b": 50},
                     xaxis={"title": {"text": "cumulative capital (USD, log scale)"}, "tickformat": MONEY,
                            "type": "log"},
                     yaxis={"title": {"text": "cumulative stoppage cost avoided (USD)"}, "tickformat": MONEY,
                            "gridcolor": GRID})
    _mark_budget(layout, budget)
    return _spec(data, layout)


def concentration_hhi(concentration: pl.DataFrame) -> dict:
    """HHI per scope and dimension against the threshold bands (unconcentrated, moderately, highly)."""
    moderate = float(concentration["hhi_moderate_threshold"].max())
    high = float(concentration["hhi_high_threshold"].max())
    name = concentration["hhi_thresholds_name"].max()
    scopes = sorted(concentration["scope"].unique().to_list(), key=lambda s: (s != "ALL", s))
    data = []
    for index, dimension in enumerate(DIMENSIONS):
        rows = concentration.filter(pl.col("dimension") == dimension)
        by_scope = dict(zip(rows["scope"].to_list(), rows["hhi"].round(0).to_list(), strict=True))
        data.append({"type": "bar", "x": scopes, "y": [by_scope.get(s) for s in scopes], "name": dimension,
                     "marker": {"color": SERIES_COLORS[index]}, "hovertemplate": "%{x}: HHI %{y:,.0f}"})
    shapes = [_band_rect(0, moderate, BAND_COLORS["Low"], 0.12, label="unconcentrated"),
              _band_rect(moderate, high, BAND_COLORS["Medium"], 0.25, label="moderately concentrated"),
              _band_rect(high, 10000, BAND_COLORS["Critical"], 0.12, label="highly concentrated")]
    return _spec(data, _layout(f"HHI by manufacturer, distributor and country ({name})", height=380,
                               hovermode="closest", barmode="group", shapes=shapes,
                               yaxis={"title": {"text": "HHI (0-10,000)"}, "range": [0, 10000], "gridcolor": GRID}))


def top_shares(concentration: pl.DataFrame) -> dict:
    """The largest entity's share per scope and dimension, as horizontal bars."""
    rows = concentration.sort(["dimension", "top_share"], descending=[False, True])
    labels = [f"{s} · {d}" for s, d in zip(rows["scope"].to_list(), rows["dimension"].to_list(), strict=True)]
    colors = [SERIES_COLORS[DIMENSIONS.index(d)] if d in DIMENSIONS else "#777" for d in rows["dimension"].to_list()]
    data = [{"type": "bar", "x": (rows["top_share"] * 100).round(1).to_list(), "y": labels, "orientation": "h",
             "text": rows["top_entity"].to_list(), "textposition": "auto", "marker": {"color": colors},
             "hovertemplate": "%{y}: %{text} %{x:.1f}%<extra></extra>"}]
    return _spec(data, _layout("Top share per product and dimension", height=max(300, 22 * rows.height + 80),
                               hovermode="closest", showlegend=False,
                               xaxis={"title": {"text": "share of BOM spend (%)"}, "range": [0, 100], "gridcolor": GRID},
                               yaxis={"autorange": "reversed"}, margin={"l": 190, "r": 20, "t": 40, "b": 40}))


def part_market(market: pl.DataFrame, title: str, first: date, last: date) -> dict:
    """Stock by distributor (authorized stacked, brokers as dotted lines), units."""
    distributors = market.group_by("distributor").agg(pl.col("is_authorized").any()).sort(
        ["is_authorized", "distributor"], descending=[True, False])
    data = []
    for index, (name, authorized) in enumerate(distributors.iter_rows()):
        rows = daily(market.filter(pl.col("distributor") == name), ["stock"], first, last)
        trace = {"type": "scatter", **_on_grid(first), "y": rows["stock"].to_list(), "mode": "lines",
                 "name": name if authorized else f"{name} (broker)",
                 "line": {"color": SERIES_COLORS[index % len(SERIES_COLORS)], "width": 1}}
        if authorized:
            trace["stackgroup"] = "authorized"
        else:
            trace["line"]["dash"] = "dot"
        data.append(trace)
    return _spec(data, _layout(title, yaxis={"title": {"text": "units in stock"}, "gridcolor": GRID}))


def part_prices(prices: pl.DataFrame, title: str, first: date, last: date) -> dict:
    rows = daily(prices, ["price_q100_usd", "price_q1000_usd"], first, last)
    data = [{"type": "scatter", **_on_grid(first), "y": _rounded(rows[column], 4), "name": name, "mode": "lines",
             "line": {"color": SERIES_COLORS[index]}}
            for index, (column, name) in enumerate((("price_q100_usd", "at 100"), ("price_q1000_usd", "at 1,000")))]
    return _spec(data, _layout(title, yaxis={"title": {"text": "USD per unit"}, "tickformat": "$,.3f",
                                             "gridcolor": GRID}))


def part_lead_time(history: pl.DataFrame, title: str, first: date, last: date) -> dict:
    rows = daily(history, ["lead_time_days"], first, last)
    data = [{"type": "scatter", **_on_grid(first), "y": _rounded(rows["lead_time_days"], 3), "name": "lead time",
             "mode": "lines", "line": {"color": SERIES_COLORS[2]}}]
    return _spec(data, _layout(title, showlegend=False, yaxis={"title": {"text": "days"}, "gridcolor": GRID}))


def part_risk(history: pl.DataFrame, title: str, first: date, last: date) -> dict:
    """The risk score over its bands, with the seven sub-scores in a panel underneath."""
    rows = daily(history, ["risk_score", *SUB_SCORES], first, last)
    data = [{"type": "scatter", **_on_grid(first), "y": _rounded(rows["risk_score"], 3), "name": "risk score",
             "mode": "lines", "line": {"color": "#000000", "width": 2}}]
    for index, name in enumerate(SUB_SCORES):
        data.append({"type": "scatter", **_on_grid(first), "y": _rounded(rows[name], 3), "yaxis": "y2",
                     "name": name.replace("_", " "), "mode": "lines",
                     "line": {"color": SERIES_COLORS[index % len(SERIES_COLORS)], "width": 1}})
    ceilings = [*list(BAND_FLOORS.values())[1:], 100]
    shapes = [_band_rect(floor, ceiling, BAND_COLORS[band], 0.22)
              for band, floor, ceiling in zip(BANDS, BAND_FLOORS.values(), ceilings, strict=True)]
    return _spec(data, _layout(
        title, height=460, shapes=shapes, legend={"orientation": "h", "y": -0.12},
        xaxis={"anchor": "y2", "showgrid": False},
        yaxis={"title": {"text": "risk score"}, "range": [0, 100], "domain": [0.45, 1], "gridcolor": GRID},
        yaxis2={"title": {"text": "sub-scores"}, "range": [0, 100], "domain": [0, 0.38], "gridcolor": GRID}))


def backtest_costs(summary: pl.DataFrame) -> dict:
    """Line-down days and total cost by policy over all products."""
    rows = summary.filter(pl.col("product") == "ALL") if "product" in summary.columns else summary
    policies = rows["policy"].to_list()
    data = [{"type": "bar", "x": policies, "y": rows["line_down_days"].to_list(), "name": "line-down days",
             "marker": {"color": SERIES_COLORS[5]}, "offsetgroup": "days"},
            {"type": "bar", "x": policies, "y": rows["total_cost_usd"].round(0).to_list(), "name": "total cost",
             "yaxis": "y2", "marker": {"color": SERIES_COLORS[0]}, "offsetgroup": "cost"}]
    return _spec(data, _layout("Backtest: line-down days and total cost by policy", height=340, hovermode="closest",
                               margin={"l": 60, "r": 100, "t": 40, "b": 40},
                               barmode="group", yaxis={"title": {"text": "line-down days"}, "gridcolor": GRID},
                               yaxis2={"title": {"text": "total cost (USD)"}, "overlaying": "y", "side": "right",
                                       "tickformat": MONEY}))
