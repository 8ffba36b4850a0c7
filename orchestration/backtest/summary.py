"""What each policy cost over the replay: marts.backtest_summary and the cost-benefit matrix.

Per policy and product, and per policy over ALL products (product = 'ALL'):
- line_down_days: days the product could not build (ALL: product-days);
- lost_margin_usd = sum over down days of planned units x unit margin;
- average_capital_usd / peak_capital_usd: stock on hand and on order at cost, mean and max over days;
- holding_cost_usd = sum over days of capital x holding_rate / 365;
- purchase_premium_usd = sum over purchases of units x max(0, price paid - pre-window median price);
- total_cost_usd = lost margin + holding + premium.
"""

from __future__ import annotations

import polars as pl

from orchestration.policy import PlanPolicy

ALL_PRODUCTS = "ALL"
SUMMARY_COLUMNS = ["policy", "product", "days", "line_down_days", "lost_margin_usd", "holding_cost_usd",
                   "average_capital_usd", "peak_capital_usd", "average_buffer_capital_usd",
                   "peak_buffer_capital_usd", "purchase_premium_usd", "total_cost_usd"]


def summarize(daily: pl.LazyFrame, orders: pl.LazyFrame, capital: pl.LazyFrame, products: pl.LazyFrame,
              policy: PlanPolicy) -> pl.DataFrame:
    """marts.backtest_summary from marts.backtest_daily, backtest_orders and backtest_capital.

    A product's capital is its share of its parts' (by planned use); ALL is the policy's whole stock.
    """
    margin = products.select("product", "unit_margin")
    product_days = (
        daily.group_by(["policy", "snapshot_date", "product"])
        .agg(pl.col("line_down").any(), pl.col("planned_units").first(), pl.col("capital_usd").sum(),
             pl.col("buffer_capital_usd").sum())
        .join(margin, on="product", how="left")
        .with_columns(pl.when(pl.col("line_down"))
                      .then(pl.col("planned_units") * pl.col("unit_margin").fill_null(0.0))
                      .otherwise(0.0).alias("lost_margin_usd"))
    )
    # A purchase's premium is shared among the products that use its part, by their planned use.
    use_share = (
        daily.group_by(["policy", "product", "mpn", "manufacturer"]).agg(pl.col("planned_units").sum().alias("use"))
        .with_columns((pl.col("use") / pl.col("use").sum().over(["policy", "mpn", "manufacturer"])).alias("share"))
    )
    premium = (
        orders.join(use_share, left_on=["policy", "for_mpn", "for_manufacturer"],
                    right_on=["policy", "mpn", "manufacturer"], how="inner")
        .group_by(["policy", "product"]).agg((pl.col("premium_usd") * pl.col("share")).sum().alias("purchase_premium_usd"))
    )
    total_premium = orders.group_by("policy").agg(pl.col("premium_usd").sum().alias("purchase_premium_usd"))
    per_product = _measures(product_days, ["policy", "product"], policy).join(
        premium, on=["policy", "product"], how="left")
    policy_days = product_days.group_by(["policy", "snapshot_date"]).agg(
        pl.col("line_down").sum().alias("down_products"), pl.col("lost_margin_usd").sum(),
    ).join(capital.select("policy", "snapshot_date", "capital_usd", "buffer_capital_usd"),
           on=["policy", "snapshot_date"], how="left")
    overall = (
        _measures(policy_days.with_columns(pl.col("down_products").alias("line_down")), ["policy"], policy)
        .with_columns(pl.lit(ALL_PRODUCTS).alias("product"))
        .join(total_premium, on="policy", how="left")
    )
    return (
        pl.concat([per_product.select(SUMMARY_COLUMNS[:-1]), overall.select(SUMMARY_COLUMNS[:-1])])
        .with_columns(pl.col("purchase_premium_usd").fill_null(0.0))
        .with_columns((pl.col("lost_margin_usd") + pl.col("holding_cost_usd") + pl.col("purchase_premium_usd"))
                      .alias("total_cost_usd"))
        .sort(["policy", pl.col("product") == ALL_PRODUCTS, "product"])
        .collect()
    )


def _measures(days: pl.LazyFrame, keys: list[str], policy: PlanPolicy) -> pl.LazyFrame:
    return days.group_by(keys).agg(
        pl.len().cast(pl.Int64).alias("days"),
        pl.col("line_down").cast(pl.Int64).sum().alias("line_down_days"),
        pl.col("lost_margin_usd").sum(),
        (pl.col("capital_usd").sum() * policy.holding_rate / 365.0).alias("holding_cost_usd"),
        pl.col("capital_usd").mean().alias("average_capital_usd"),
        pl.col("capital_usd").max().alias("peak_capital_usd"),
        pl.col("buffer_capital_usd").mean().alias("average_buffer_capital_usd"),
        pl.col("buffer_capital_usd").max().alias("peak_buffer_capital_usd"),
    )


MATRIX_ROWS = [
    ("line-down days (product-days)", "line_down_days", "{:,.0f}"),
    ("cost of stoppages: lost margin", "lost_margin_usd", "${:,.0f}"),
    ("cost of the buffer: holding", "holding_cost_usd", "${:,.0f}"),
    ("cost of the buffer: purchase premium", "purchase_premium_usd", "${:,.0f}"),
    ("average capital tied up", "average_capital_usd", "${:,.0f}"),
    ("peak buffer capital", "peak_buffer_capital_usd", "${:,.0f}"),
    ("total cost", "total_cost_usd", "${:,.0f}"),
]
MATRIX_POLICIES = [("JIT", "JIT"), ("smart JIC", "PARTRISK"), ("blanket JIC", "JIC_BLANKET")]


def cost_benefit_matrix(summary: pl.DataFrame) -> list[str]:
    """The article's matrix, filled in: JIT vs smart JIC vs blanket JIC, stoppage cost vs buffer cost."""
    overall = {row["policy"]: row for row in summary.filter(pl.col("product") == ALL_PRODUCTS).iter_rows(named=True)}
    columns = [(label, name) for label, name in MATRIX_POLICIES if name in overall]
    if not columns:
        return []
    width = max(len(label) for label, _, _ in MATRIX_ROWS)
    lines = [" " * width + "".join(f"{label:>16}" for label, _ in columns)]
    for label, column, fmt in MATRIX_ROWS:
        lines.append(f"{label:<{width}}" + "".join(f"{fmt.format(overall[name][column] or 0):>16}" for _, name in columns))
    return lines


def render_summary(summary: pl.DataFrame, *, all_only: bool = False) -> list[str]:
    """The summary table as text: one line per policy (and product unless all_only)."""
    rows = summary.filter(pl.col("product") == ALL_PRODUCTS) if all_only else summary
    header = (f"{'policy':<12} {'product':<14} {'down days':>9} {'lost margin':>13} {'holding':>10} "
              f"{'premium':>10} {'avg capital':>12} {'peak capital':>13} {'total cost':>13}")
    lines = [header]
    for row in rows.iter_rows(named=True):
        lines.append(f"{row['policy']:<12} {row['product']:<14} {row['line_down_days']:>9,} "
                     f"{row['lost_margin_usd']:>13,.0f} {row['holding_cost_usd']:>10,.0f} "
                     f"{row['purchase_premium_usd']:>10,.0f} {row['average_capital_usd']:>12,.0f} "
                     f"{row['peak_capital_usd']:>13,.0f} {row['total_cost_usd']:>13,.0f}")
    return lines


# The policies the budget frontier compares PARTRISK with; neither reads the budget.
FRONTIER_BASELINES = ("JIT", "JIC_BLANKET")
# The backtest's target: PARTRISK is down at most this share of JIT's line-down product-days.
TARGET_SHARE_OF_JIT_DAYS = 0.20
# A cent of float noise is not a budget overrun.
BUDGET_TOLERANCE_USD = 1e-6


def frontier_table(points: pl.DataFrame, baselines: pl.DataFrame) -> pl.DataFrame:
    """One row per budget: PARTRISK's ALL row of backtest_summary at that budget, and each target met or not.

    `points` holds PARTRISK's ALL rows with a budget_usd column; `baselines` the ALL rows of JIT and
    JIC_BLANKET. A target compared with a policy that was not replayed is null.
    """
    overall = {row["policy"]: row for row in baselines.iter_rows(named=True)}
    jit, blanket = overall.get("JIT"), overall.get("JIC_BLANKET")
    jit_days = jit["line_down_days"] if jit else None
    return points.sort("budget_usd").select(
        "budget_usd", "line_down_days",
        (pl.col("line_down_days") / jit_days if jit_days else pl.lit(None, pl.Float64)).alias("share_of_jit_days"),
        "lost_margin_usd", "holding_cost_usd", "purchase_premium_usd", "total_cost_usd", "average_capital_usd",
        "peak_capital_usd", "peak_buffer_capital_usd",
        (pl.col("peak_buffer_capital_usd") <= pl.col("budget_usd") + BUDGET_TOLERANCE_USD).alias("within_budget"),
        (pl.col("line_down_days") <= TARGET_SHARE_OF_JIT_DAYS * jit_days if jit_days else pl.lit(None, pl.Boolean))
        .alias("days_target_met"),
        (pl.col("total_cost_usd") < jit["total_cost_usd"] if jit else pl.lit(None, pl.Boolean)).alias("cost_below_jit"),
        (pl.col("total_cost_usd") < blanket["total_cost_usd"] if blanket else pl.lit(None, pl.Boolean))
        .alias("cost_below_blanket"),
        (pl.col("average_capital_usd") < blanket["average_capital_usd"] if blanket else pl.lit(None, pl.Boolean))
        .alias("capital_below_blanket"),
    )


def render_frontier(frontier: pl.DataFrame, baselines: pl.DataFrame) -> list[str]:
    """The budget frontier as text: the baselines' lines, then one line per budget with its targets."""

    def met(value: bool | None) -> str:
        return "-" if value is None else "yes" if value else "no"

    def measures(policy: str, budget: str, row: dict, share: float | None) -> str:
        return (f"{policy:<12} {budget:>10} {row['line_down_days']:>9,} "
                f"{'-' if share is None else f'{share:.0%}':>8} {row['lost_margin_usd']:>13,.0f} "
                f"{row['total_cost_usd']:>13,.0f} {row['average_capital_usd']:>12,.0f} "
                f"{row['peak_capital_usd']:>13,.0f} {row['peak_buffer_capital_usd']:>12,.0f}")

    lines = [f"{'policy':<12} {'budget':>10} {'down days':>9} {'% of JIT':>8} {'lost margin':>13} "
             f"{'total cost':>13} {'avg capital':>12} {'peak capital':>13} {'peak buffer':>12}   "
             f"{'<=20% JIT':>9} {'in budget':>9} {'< JIT cost':>10} {'< blanket cost':>14} {'< blanket capital':>17}"]
    jit_days = next((row["line_down_days"] for row in baselines.iter_rows(named=True) if row["policy"] == "JIT"), None)
    lines += [measures(row["policy"], "-", row, row["line_down_days"] / jit_days if jit_days else None)
              for row in baselines.iter_rows(named=True)]
    lines += [measures("PARTRISK", f"{row['budget_usd']:,.0f}", row, row["share_of_jit_days"])
              + f"   {met(row['days_target_met']):>9} {met(row['within_budget']):>9} {met(row['cost_below_jit']):>10} "
              f"{met(row['cost_below_blanket']):>14} {met(row['capital_below_blanket']):>17}"
              for row in frontier.iter_rows(named=True)]
    return lines
