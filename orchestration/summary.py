"""The short summary `make demo` and `partrisk refresh` print: what loaded, what was found."""

from __future__ import annotations

from pathlib import Path

from orchestration.boms.reader import NO_PART_COLUMNS
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
    return "\n".join(lines)


def identity_headline(conn) -> str | None:
    """How many raw MPNs got more than one part key (marts.part_identity), with a few examples."""
    if not table_exists(conn, "marts", "part_identity"):
        return None
    splits = conn.execute(
        """select mpn_key, string_agg(distinct mpn || ' (' || coalesce(manufacturer, 'no maker') || ')', ', ')
           from marts.part_identity where is_suspected_split group by mpn_key order by mpn_key""").fetchall()
    line = f"suspected splits (one raw MPN under several part keys, see marts.part_identity): {len(splits)}"
    return line + "".join(f"\n  {mpn}: {keys}" for mpn, keys in splits[:5])


def completeness_lines(conn) -> list[str]:
    """How complete the inputs of the marts' last date are (marts.input_completeness), source by source."""
    if not table_exists(conn, "marts", "input_completeness"):
        return []
    rows = conn.execute(
        """select snapshot_date, source, input_status, failures from marts.input_completeness
           where is_latest_date order by source""").fetchall()
    if not rows:
        return []
    complete = sum(1 for _, _, status, _ in rows if status == "complete")
    lines = [f"inputs of the marts' last date {rows[0][0]}: {complete} of {len(rows)} sources complete"]
    lines += [f"  {source}: {status}" + (f" ({failures})" if failures else "")
              for _, source, status, failures in rows if status != "complete"]
    return lines


def bom_problem_lines(conn) -> list[str]:
    """BOMs that loaded but can match no part: named with the columns they have (raw.bom_files)."""
    if not table_exists(conn, "raw", "bom_files"):
        return []
    rows = conn.execute(
        "select product, file_path, reason from raw.bom_files where status = 'loaded' and contains(reason, ?) "
        "order by file_path", [NO_PART_COLUMNS]).fetchall()
    lines = [f"BOMs whose lines cannot match a part ({len(rows)}):"] if rows else []
    for product, path, reason in rows:
        detail = next(p for p in reason.split("; ") if p.startswith(NO_PART_COLUMNS))
        lines.append(f"  {path} (product {product}, grade Unknown): {detail}")
    return lines


def _marts_headlines(conn) -> list[str]:
    lines: list[str] = completeness_lines(conn) + bom_problem_lines(conn)
    identity = identity_headline(conn)
    if identity is not None:
        lines.append(identity)
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
                      plan.buffer_units,
                      plan.buffer_capital, plan.expected_stoppage_cost_avoided, risk.risk_drivers
               from marts.buffer_plan as plan
               left join marts.part_risk as risk on risk.mpn = plan.mpn and risk.manufacturer = plan.manufacturer
               where plan.in_budget and plan.strategy <> 'JIT'
               order by plan.cost_avoided_per_buffer_dollar desc nulls last limit 10"""
        ).fetchall()
        if rows:
            lines.append("top parts to buffer (in budget, by stoppage cost avoided per buffer dollar):")
            for mpn, maker, strategy, band, units, capital, avoided, drivers in rows:
                lines.append(f"  {mpn} ({maker}) {strategy} [{band}]: {units or 0:,.0f} units, "
                             f"${capital or 0:,.0f} capital, ${avoided or 0:,.0f} stoppage cost avoided; {drivers or ''}")
        budget = fetch_one(conn, """select sum(case when in_budget then buffer_capital else 0 end), max(budget_usd)
                                    from marts.buffer_plan""")
        if budget and budget[1]:
            lines.append(f"buffer budget used: ${budget[0] or 0:,.0f} of ${budget[1]:,.0f}")
    if table_exists(conn, "marts", "bom_risk"):
        rows = conn.execute(
            """select product, risk_grade_actual, risk_grade_potential, revenue_at_risk, weakest_mpn
               from marts.bom_risk order by revenue_at_risk desc nulls last""").fetchall()
        lines.append("products (grade actual -> potential, revenue at risk over the horizon, weakest part):")
        for product, actual, potential, revenue, weakest in rows:
            lines.append(f"  {product}: {actual} -> {potential}, ${revenue or 0:,.0f}, {weakest}")
    return lines
