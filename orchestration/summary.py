"""The short report `make demo`, `partrisk refresh` and `partrisk summary` print.

What changed, what to do today, what is unfunded, what could not be read. Each part is one small
section function (connection -> lines); SECTIONS lists them in print order, so a new part of the
report is one function and one entry. The detail stays in the marts, the report and the run's log.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from orchestration.backtest.report import stored_backtest_lines
from orchestration.boms.reader import NO_PART_COLUMNS
from orchestration.warehouse.connection import fetch_one, table_exists, warehouse

Section = Callable[[duckdb.DuckDBPyConnection], list[str]]
LIST_LIMIT = 8  # rows a section lists before it points at the mart for the rest


def _money(value: float | None) -> str:
    return f"${value or 0:,.0f}"


def _part(mpn: str, manufacturer: str | None) -> str:
    return f"{mpn} ({manufacturer})" if manufacturer else mpn


def _more(total: int, shown: int, where: str) -> list[str]:
    return [f"  … and {total - shown} more in {where}"] if total > shown else []


def market_date(conn: duckdb.DuckDBPyConnection):
    if not table_exists(conn, "marts", "part_risk"):
        return None
    return fetch_one(conn, "select max(snapshot_date) from marts.part_risk")[0]


def what_changed(conn: duckdb.DuckDBPyConnection) -> list[str]:
    if not table_exists(conn, "marts", "daily_changes"):
        return []
    rows = conn.execute(
        """select change_kind, mpn, manufacturer, risk_band, previous_risk_band, detail, previous_snapshot_date
           from marts.daily_changes order by change_kind, risk_score desc nulls last, mpn""").fetchall()
    latest = market_date(conn)
    previous = next((r[6] for r in rows if r[6] is not None), None)
    since = f" (since {previous})" if previous else ""
    lines = [f"What changed on {latest}{since}:"]
    if not rows:
        return [*lines, "  nothing: no part became High or Critical, no lifecycle downgrade, no deadline, no lost source"]
    new_high = [r for r in rows if r[0] == "new_high_risk"]
    for _kind, mpn, maker, band, before, _detail, _prev in new_high[:LIST_LIMIT]:
        lines.append(f"  now {band}, was {before or 'not scored'}: {_part(mpn, maker)}")
    lines += _more(len(new_high), min(len(new_high), LIST_LIMIT), "marts.daily_changes")
    words = {"lifecycle_downgrade": "lifecycle downgrade(s)", "last_time_buy_due": "last-time-buy deadline(s) ahead",
             "lost_last_authorized_source": "part(s) lost their last authorized source in stock"}
    others = [f"{sum(r[0] == kind for r in rows)} {text}" for kind, text in words.items()
              if any(r[0] == kind for r in rows)]
    if others:
        lines.append("  also " + ", ".join(others) + " (marts.daily_changes)")
    return lines


def what_to_do_today(conn: duckdb.DuckDBPyConnection) -> list[str]:
    if not table_exists(conn, "marts", "buffer_plan"):
        return []
    budget = fetch_one(conn, """select sum(funded_capital_usd), max(budget_usd), count(*) filter (where strategy = 'JIT')
                                from marts.buffer_plan""")
    rows = conn.execute(
        """select mpn, manufacturer, strategy, buy_mpn, buy_manufacturer, funded_units, funded_capital_usd,
                  funded_cost_avoided, last_buy_date
           from marts.buffer_plan where is_funded
           order by funding_rank, mpn""").fetchall()
    lines = [f"What to do today (the {_money(budget[1])} buffer budget, most net benefit per dollar first):",
             "  A buffer is stock held Just-in-Case (JIC) against a shortage; other parts stay Just-in-Time (JIT), "
             "bought as needed."]
    for mpn, maker, strategy, buy_mpn, buy_maker, units, capital, avoided, last_buy in rows[:LIST_LIMIT]:
        buffer = f"{units or 0:,.0f} units for {_money(capital)} (avoids {_money(avoided)})"
        if buy_mpn and buy_mpn != mpn:
            lines.append(f"  {_part(mpn, maker)}: qualify {_part(buy_mpn, buy_maker)}; buy {buffer}")
        elif strategy == "LAST_TIME_BUY":
            lines.append(f"  {_part(mpn, maker)}: last-time buy of {buffer}, before {last_buy}")
        else:
            lines.append(f"  {_part(mpn, maker)}: buffer {buffer}")
    lines += _more(len(rows), min(len(rows), LIST_LIMIT), "marts.buffer_plan (is_funded)")
    lines.append(f"  funded: {_money(budget[0])} of {_money(budget[1])}; {budget[2]} parts stay Just-in-Time")
    return lines


def what_is_unfunded(conn: duckdb.DuckDBPyConnection) -> list[str]:
    if not table_exists(conn, "marts", "buffer_plan"):
        return []
    latest = market_date(conn)
    rows = conn.execute(
        """select mpn, manufacturer, strategy, capital_usd - funded_capital_usd, risk_band, lifecycle_status,
                  last_buy_date, unmet_need_units
           from marts.buffer_plan
           where strategy <> 'JIT' and (capital_usd - funded_capital_usd > 0.005 or unmet_need_units > 0)
           order by strategy <> 'LAST_TIME_BUY', capital_usd - funded_capital_usd desc, mpn""").fetchall()
    lines = ["What is unfunded (needed, but over the budget or beyond what the market holds):"]
    if not rows:
        return [*lines, "  nothing: the budget and the market cover every purchase the plan asks for"]
    last_time = [r for r in rows if r[2] == "LAST_TIME_BUY"]
    if last_time:
        critical_ending = sum(r[4] == "Critical" and r[5] == "Obsolete" for r in last_time)
        lines.append(f"  last-time buys: {_money(sum(r[3] for r in last_time))} unfunded for {len(last_time)} part(s), "
                     f"{critical_ending} of them Obsolete and Critical:")
        for mpn, maker, _strategy, capital, band, lifecycle, last_buy, unmet in last_time[:LIST_LIMIT]:
            deadline = (f"last buy date {last_buy} has passed" if last_buy and latest and last_buy < latest
                        else f"last buy by {last_buy}")
            short = f"; {unmet:,.0f} units no market can supply" if unmet else ""
            lines.append(f"    {_part(mpn, maker)}: {_money(capital)}, {lifecycle}, {band}; {deadline}{short}")
    others = [r for r in rows if r[2] != "LAST_TIME_BUY"]
    if others:
        lines.append(f"  other purchases: {_money(sum(r[3] for r in others))} unfunded for {len(others)} part(s); "
                     f"{sum(r[7] or 0 for r in others):,.0f} units no market can supply (marts.buffer_plan)")
    return lines


def products_at_risk(conn: duckdb.DuckDBPyConnection) -> list[str]:
    if not table_exists(conn, "marts", "bom_risk"):
        return []
    rows = conn.execute(
        """select product, risk_grade_actual, risk_grade_potential, margin_at_risk_expected, margin_at_risk_worst,
                  limiting_mpn
           from marts.bom_risk order by margin_at_risk_expected desc nulls last, product""").fetchall()
    lines = ["Products (risk grade now -> grade once the suggested alternates are qualified; margin at risk):",
             "  margin at risk over the horizon: expected (weighted by the chance of a stoppage) / worst case;",
             "  the limiting part is the one that runs out first"]
    for product, actual, potential, expected, worst, limiting in rows[:LIST_LIMIT]:
        lines.append(f"  {product}: {actual} -> {potential}, {_money(expected)} expected / {_money(worst)} worst, "
                     f"limited by {limiting or 'no part'}")
    return lines + _more(len(rows), min(len(rows), LIST_LIMIT), "marts.bom_risk")


def what_could_not_be_read(conn: duckdb.DuckDBPyConnection) -> list[str]:
    lines = ["What could not be read:"]
    if table_exists(conn, "raw", "load_log"):
        failed = fetch_one(conn, "select count(*) from raw.load_log where status = 'failed'")[0]
        lines.append(f"  landing files that failed: {failed}" + (" (raw.load_log, reasons below)" if failed else ""))
    if table_exists(conn, "quarantine", "rows"):
        quarantined = fetch_one(conn, "select count(*) from quarantine.rows")[0]
        lines.append(f"  rows set aside in quarantine: {quarantined:,}" + (" (quarantine.rows)" if quarantined else ""))
    if table_exists(conn, "marts", "bom_lines"):
        total, unmatched = fetch_one(conn, "select count(*), count(*) filter (where mpn is null) from marts.bom_lines")
        lines.append(f"  BOM lines not matched to a part in the feeds: {unmatched} of {total}")
        rows = conn.execute(
            """select product, line_number, coalesce(mpn_raw, refdes, ''), unmatched_reason from marts.bom_lines
               where mpn is null order by product, line_number limit ?""", [LIST_LIMIT]).fetchall()
        lines += [f"    {product} line {line} {written}: {reason}" for product, line, written, reason in rows]
        lines += _more(unmatched, len(rows), "marts.bom_lines (mpn is null)")
    return lines


def data_loaded(conn: duckdb.DuckDBPyConnection) -> list[str]:
    if not table_exists(conn, "staging", "stg_feeds__offers"):
        return []
    sources = conn.execute(
        """select source, count(distinct snapshot_date) from staging.stg_feeds__offers
           group by source order by source""").fetchall()
    span = fetch_one(conn, "select min(snapshot_date), max(snapshot_date), count(*) from staging.stg_feeds__offers")
    listed = ", ".join(f"{source} {days}" for source, days in sources)
    return [f"Feeds read: {span[2]:,} offers, {span[0]}..{span[1]}", f"  days per source: {listed}"]


def suspected_splits(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """How many raw MPNs got more than one part key (marts.part_identity), with a few examples."""
    if not table_exists(conn, "marts", "part_identity"):
        return []
    splits = conn.execute(
        """select mpn_key, string_agg(distinct mpn || ' (' || coalesce(manufacturer, 'no maker') || ')', ', ')
           from marts.part_identity where is_suspected_split group by mpn_key order by mpn_key""").fetchall()
    line = f"suspected splits (one raw MPN under several part keys, see marts.part_identity): {len(splits)}"
    return [line, *(f"  {mpn}: {keys}" for mpn, keys in splits[:5])]


def completeness_lines(conn: duckdb.DuckDBPyConnection) -> list[str]:
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


def bom_problem_lines(conn: duckdb.DuckDBPyConnection) -> list[str]:
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


SECTIONS: list[Section] = [
    what_changed,
    what_to_do_today,
    what_is_unfunded,
    products_at_risk,
    what_could_not_be_read,
    completeness_lines,
    bom_problem_lines,
    suspected_splits,
    data_loaded,
    stored_backtest_lines,  # each buying policy replayed over the history, and the cost-benefit matrix
]


def render_summary(path: Path) -> str:
    """The report, read-only; a missing or unreadable warehouse is a WarehouseUnreadable error."""
    with warehouse(path, read_only=True) as conn:
        sections = [section(conn) for section in SECTIONS]
    head = [f"warehouse: {path}"]
    return "\n".join(head + [line for lines in sections for line in lines])
