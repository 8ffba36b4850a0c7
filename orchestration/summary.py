"""The short summary `make demo` and `partrisk refresh` print: what loaded, what was found."""

from __future__ import annotations

from pathlib import Path

from orchestration.warehouse.connection import fetch_one, table_exists, warehouse


def _count(conn, schema: str, table: str) -> int | None:
    if not table_exists(conn, schema, table):
        return None
    return fetch_one(conn, f"select count(*) from {schema}.{table}")[0]


def render_summary(path: Path) -> str:
    if not path.exists():
        return f"warehouse {path} does not exist"
    lines: list[str] = [f"warehouse: {path}"]
    with warehouse(path, read_only=True) as conn:
        raw_tables = [r[0] for r in conn.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' order by table_name").fetchall()]
        feed_counts = []
        for table in raw_tables:
            if table.startswith("offers_"):
                row = fetch_one(conn, f"select count(*), count(distinct snapshot_date) from raw.{table}")
                feed_counts.append(f"{table.removeprefix('offers_')}={row[0]:,} ({row[1]} days)")
        lines.append("raw offers loaded: " + (", ".join(feed_counts) or "none"))
        others = [f"{t}={_count(conn, 'raw', t):,}" for t in raw_tables if not t.startswith("offers_") and t != "load_log"]
        lines.append("raw present-state rows: " + ", ".join(others))
        if table_exists(conn, "raw", "load_log"):
            status = conn.execute("select status, count(*) from raw.load_log group by status order by status").fetchall()
            lines.append("landing files: " + ", ".join(f"{s}={n:,}" for s, n in status))
        for schema, table in [("staging", "stg_feeds__offers"), ("staging", "stg_feeds__price_breaks"),
                              ("staging", "stg_boms__bom_lines"), ("features", "part_trends_daily"),
                              ("quarantine", "rows")]:
            count = _count(conn, schema, table)
            if count is not None:
                lines.append(f"{schema}.{table}: {count:,} rows")
        lines.extend(_marts_headlines(conn))
        lines.extend(_backtest_section(conn))
    return "\n".join(lines)


def _marts_headlines(conn) -> list[str]:
    lines: list[str] = []
    if table_exists(conn, "marts", "part_risk"):
        latest = fetch_one(conn, "select max(snapshot_date) from marts.part_risk")[0]
        bands = conn.execute("select risk_band, count(*) from marts.part_risk group by 1 order by min(risk_band_rank)").fetchall()
        lines.append(f"parts by risk band on {latest}: " + ", ".join(f"{b}={n}" for b, n in bands))
    if table_exists(conn, "marts", "buffer_plan"):
        strategies = conn.execute("select strategy, count(*) from marts.buffer_plan group by 1 order by 1").fetchall()
        lines.append("buffer plan strategies: " + ", ".join(f"{s}={n}" for s, n in strategies))
        rows = conn.execute(
            """select plan.mpn, plan.manufacturer, plan.strategy,
                      case when plan.planning_band = plan.risk_band then plan.risk_band
                           else plan.risk_band || ' now, ' || plan.planning_band || ' in the last 90 days' end,
                      plan.buy_mpn, plan.funded_units, plan.funded_capital_usd, plan.funded_cost_avoided,
                      plan.net_benefit, risk.risk_drivers
               from marts.buffer_plan as plan
               left join marts.part_risk as risk on risk.mpn = plan.mpn and risk.manufacturer = plan.manufacturer
               where plan.is_funded
               order by plan.funding_rank limit 10"""
        ).fetchall()
        if rows:
            lines.append("top purchases (funded, by net benefit per dollar):")
            for mpn, maker, strategy, band, buy_mpn, units, capital, avoided, net, drivers in rows:
                bought = "" if buy_mpn == mpn else f" buys alternate {buy_mpn}:"
                lines.append(f"  {mpn} ({maker}) {strategy} [{band}]:{bought} {units or 0:,.0f} units, "
                             f"${capital or 0:,.0f} capital, ${avoided or 0:,.0f} stoppage cost avoided "
                             f"(net ${net or 0:,.0f}); {drivers or ''}")
        budget = fetch_one(conn, """select sum(funded_capital_usd), max(budget_usd) from marts.buffer_plan""")
        if budget and budget[1]:
            lines.append(f"buffer budget used: ${budget[0] or 0:,.0f} of ${budget[1]:,.0f}")
    if table_exists(conn, "marts", "bom_risk"):
        rows = conn.execute(
            """select product, risk_grade_actual, risk_grade_potential, margin_at_risk_expected, margin_at_risk_worst,
                      margin_horizon, weakest_mpn, limiting_mpn
               from marts.bom_risk order by margin_at_risk_expected desc nulls last""").fetchall()
        lines.append("products (grade actual -> potential; margin at risk over the horizon expected / worst case "
                     "of its margin; weakest part; part that limits builds):")
        for product, actual, potential, expected, worst, margin, weakest, limiting in rows:
            lines.append(f"  {product}: {actual} -> {potential}; ${expected or 0:,.0f} / ${worst or 0:,.0f} "
                         f"of ${margin or 0:,.0f}; {weakest}; {limiting}")
    return lines


def _backtest_section(conn) -> list[str]:
    """The backtest's summary and cost-benefit matrix (orchestration/backtest/report.py)."""
    from orchestration.backtest.report import stored_backtest_lines

    return stored_backtest_lines(conn)
