"""The Great Expectations suites, one function per stage and guarded table.

Each function returns an `ExpectationSuite` for a *batch frame* (built in orchestration/quality/gates.py:
the run's rows, with a few derived columns such as `folder_date` or `min_unit_price`). Every
expectation carries `meta`:

- `severity`: "error" (the check fails; when the check is in the blocking set the pipeline stops and
  nothing is published) or "warn" (reported, never stops anything);
- `row_level` + `rule`: a failing row of a raw table is moved to quarantine.rows under that rule, with
  the value of `raw_column` (default: the expectation's column) as its raw value;
- `description`: why the expectation exists, in words (shown in Dagster and the Data Docs).
"""

from __future__ import annotations

from collections.abc import Iterable

import great_expectations as gx
import great_expectations.expectations as gxe

from orchestration.settings import env_number

SHRINK_WARN_ENV = "PARTRISK_ROWCOUNT_SHRINK_WARN"
DEFAULT_SHRINK_WARN = 0.5  # a day with fewer than half the trailing 7-day median rows is a warning
LIFECYCLE_STATUSES = ["Active", "NRND", "EOL", "Obsolete", "Unknown"]
SITE_KINDS = ["wafer_fab", "assembly_test"]
ALTERNATE_FITS = ["fff", "functional"]
FLOAT_TYPES = ["float32", "float64", "Float32", "Float64"]
DUCKDB_INTEGER_TYPES = ["TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"]
TYPED_FEED_COLUMNS = ("stock", "moq")  # counts whose warehouse type is part of the raw contract

REQUIRED_FEED_COLUMNS = ["source", "distributor", "sku", "stock_pool", "mpn_raw", "manufacturer_raw", "stock",
                         "stock_raw", "moq", "currency", "file_path", "record_path", "snapshot_date", "mpn_key",
                         "manufacturer_key", "loaded_at"]


def shrink_threshold() -> float:
    """How much a day may shrink against the trailing 7-day median before it is a warning (0.5 = 50%)."""
    return env_number(SHRINK_WARN_ENV, DEFAULT_SHRINK_WARN, "a fraction between 0 and 1", kind=float,
                      valid=lambda threshold: 0 < threshold < 1)


def _meta(severity: str, description: str, rule: str | None = None, raw_column: str | None = None) -> dict:
    meta = {"severity": severity, "description": description, "row_level": rule is not None}
    if rule is not None:
        meta["rule"] = rule
    if raw_column is not None:
        meta["raw_column"] = raw_column
    return meta


def _suite(name: str, expectations: Iterable) -> gx.ExpectationSuite:
    # Built detached from any GX context (runner.validate_batch adds it to the quality dir's context).
    return gx.ExpectationSuite(name=name, expectations=list(expectations))


def _not_empty(column: str, rule: str, severity: str = "error", what: str | None = None) -> list:
    what = what or column
    return [
        gxe.ExpectColumnValuesToNotBeNull(column=column, meta=_meta(severity, f"{what} is required", rule)),
        gxe.ExpectColumnValuesToNotMatchRegex(column=column, regex=r"^\s*$",
                                              meta=_meta(severity, f"{what} is not blank", rule)),
    ]


def _numeric_text(column: str, parsed: str, rule: str, description: str) -> gxe.Expectation:
    """`parsed` is try_cast(column): null where the text is present but not a number."""
    from great_expectations.expectations.row_conditions import Column

    return gxe.ExpectColumnValuesToNotBeNull(column=parsed, row_condition=Column(column).is_not_null(),
                                             meta=_meta("error", description, rule, raw_column=column))


# ----------------------------------------------------------------------------------------------- raw


def raw_feed_suite(source: str, known_currencies: Iterable[str], dates: Iterable[str]) -> gx.ExpectationSuite:
    """raw.offers_<source> rows of the run's snapshot dates (rows the parsers kept)."""
    return _suite(f"raw.offers_{source}", [
        gxe.ExpectTableColumnsToMatchSet(column_set=REQUIRED_FEED_COLUMNS, exact_match=False,
                                         meta=_meta("error", "every Offer field of the raw contract is present")),
        *[gxe.ExpectColumnValuesToBeInSet(column=f"{c}_column_type", value_set=DUCKDB_INTEGER_TYPES,
                                          meta=_meta("error", f"{c} is stored as an integer count (a null is allowed)"))
          for c in TYPED_FEED_COLUMNS],
        gxe.ExpectColumnValuesToBeInTypeList(column="min_unit_price", type_list=FLOAT_TYPES,
                                             meta=_meta("error", "unit prices are numbers")),
        *[gxe.ExpectColumnValuesToNotBeNull(column=c, meta=_meta("error", f"{c} is required", "missing_required_field"))
          for c in ("source", "distributor", "sku", "file_path", "record_path", "snapshot_date")],
        *_not_empty("mpn_raw", "empty_mpn", what="the MPN"),
        gxe.ExpectColumnValuesToNotBeNull(column="mpn_key", meta=_meta(
            "error", "the MPN normalizes to a part key", "empty_mpn", raw_column="mpn_raw")),
        gxe.ExpectColumnValuesToBeBetween(column="stock", min_value=0, meta=_meta(
            "error", "stock is never negative", "negative_stock", raw_column="stock_raw")),
        gxe.ExpectColumnValuesToBeBetween(column="min_unit_price", min_value=0, strict_min=True, meta=_meta(
            "error", "every price break is above zero", "non_positive_price", raw_column="prices_raw")),
        gxe.ExpectColumnValuesToBeInSet(column="currency", value_set=sorted(set(known_currencies)), meta=_meta(
            "error", "the currency has a USD rate (built-in seed or reference/fx_rates.csv)", "unknown_currency")),
        gxe.ExpectColumnValuesToBeInSet(column="break_currency", value_set=sorted(set(known_currencies)), meta=_meta(
            "error", "every price break's currency has a USD rate", "unknown_currency")),
        gxe.ExpectColumnPairValuesToBeEqual(column_A="snapshot_date", column_B="folder_date", meta=_meta(
            "error", "the snapshot date is the date folder the file came from", "snapshot_date_mismatch",
            raw_column="file_path")),
        gxe.ExpectColumnValuesToBeInSet(column="snapshot_date", value_set=sorted(set(dates)), meta=_meta(
            "error", "the snapshot date is one of the run's partitions", "snapshot_date_mismatch")),
    ])


def raw_volume_suite(threshold: float | None = None) -> gx.ExpectationSuite:
    """One row per (source, snapshot date) of the run: rows loaded against the trailing 7-day median."""
    threshold = shrink_threshold() if threshold is None else threshold
    return _suite("raw.volume", [
        gxe.ExpectColumnValuesToBeBetween(column="rows", min_value=0,
                                          meta=_meta("error", "row counts are counts")),
        gxe.ExpectColumnValuesToBeBetween(column="ratio_to_median", min_value=round(1 - threshold, 6), meta=_meta(
            "warn", f"a day with fewer than {1 - threshold:.0%} of the trailing 7-day median rows of its source "
                    f"(a shrink over {threshold:.0%}; {SHRINK_WARN_ENV})")),
    ])


def raw_boms_suite() -> gx.ExpectationSuite:
    return _suite("raw.bom_lines", [
        gxe.ExpectTableColumnsToMatchSet(column_set=["product", "line_number", "qty_per_unit", "designator_count",
                                                     "mpn_raw", "manufacturer_raw", "is_dnp", "file_path"],
                                         exact_match=False, meta=_meta("error", "the BOM line contract")),
        gxe.ExpectColumnValuesToNotBeNull(column="product", meta=_meta("error", "a line belongs to a product",
                                                                       "missing_required_field")),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["product", "line_number"],
                                            meta=_meta("error", "one row per BOM line")),
        gxe.ExpectColumnValuesToBeBetween(column="qty_per_unit", min_value=0, meta=_meta(
            "error", "a BOM quantity is never negative", "negative_quantity")),
        gxe.ExpectColumnValuesToBeBetween(column="designator_count", min_value=0,
                                          meta=_meta("error", "designators are counted")),
        # Lines without an MPN are kept (bom_ingest_report counts them as no_mpn); most lines of a BOM
        # lacking one means the MPN column was not found.
        gxe.ExpectColumnValuesToNotBeNull(column="mpn_raw", mostly=0.5, meta=_meta(
            "warn", "most lines of the BOMs name an MPN (otherwise the MPN column was probably not found)")),
    ])


def raw_products_suite() -> gx.ExpectationSuite:
    return _suite("raw.products", [
        *_not_empty("product", "missing_required_field", what="the product"),
        gxe.ExpectColumnValuesToBeUnique(column="product", meta=_meta("error", "one row per product")),
        _numeric_text("unit_price", "unit_price_num", "unparsable_price", "the unit price is a number"),
        gxe.ExpectColumnValuesToBeBetween(column="unit_price_num", min_value=0, strict_min=True, meta=_meta(
            "error", "the unit price is above zero", "non_positive_price", raw_column="unit_price")),
        _numeric_text("unit_margin", "unit_margin_num", "unparsable_price", "the unit margin is a number"),
    ])


def raw_demand_suite() -> gx.ExpectationSuite:
    return _suite("raw.demand", [
        *_not_empty("product", "missing_required_field", what="the product"),
        _numeric_text("week_start", "week_start_date", "unparsable_date", "week_start is a date"),
        gxe.ExpectColumnValuesToNotBeNull(column="week_start", meta=_meta("error", "week_start is required",
                                                                          "missing_required_field")),
        _numeric_text("units", "units_num", "unparsable_quantity", "units is a number"),
        gxe.ExpectColumnValuesToBeBetween(column="units_num", min_value=0, meta=_meta(
            "error", "planned units are never negative", "negative_quantity", raw_column="units")),
    ])


def raw_on_hand_suite() -> gx.ExpectationSuite:
    return _suite("raw.on_hand", [
        *_not_empty("mpn", "empty_mpn", what="the MPN"),
        _numeric_text("quantity", "quantity_num", "unparsable_stock", "the on-hand quantity is a number"),
        gxe.ExpectColumnValuesToBeBetween(column="quantity_num", min_value=0, meta=_meta(
            "error", "on-hand stock is never negative", "negative_stock", raw_column="quantity")),
    ])


def raw_open_orders_suite() -> gx.ExpectationSuite:
    return _suite("raw.open_orders", [
        *_not_empty("mpn", "empty_mpn", what="the MPN"),
        _numeric_text("quantity", "quantity_num", "unparsable_quantity", "the ordered quantity is a number"),
        gxe.ExpectColumnValuesToBeBetween(column="quantity_num", min_value=0, strict_min=True, meta=_meta(
            "error", "an open order is for more than zero units", "negative_quantity", raw_column="quantity")),
        _numeric_text("due_date", "due_date_date", "unparsable_date", "due_date is a date"),
        gxe.ExpectColumnValuesToNotBeNull(column="due_date", meta=_meta("error", "due_date is required",
                                                                        "missing_required_field")),
    ])


def raw_manufacturer_sites_suite() -> gx.ExpectationSuite:
    return _suite("raw.manufacturer_sites", [
        *_not_empty("manufacturer", "missing_required_field", what="the manufacturer"),
        gxe.ExpectColumnValuesToBeInSet(column="site_kind", value_set=SITE_KINDS, meta=_meta(
            "error", "site_kind is wafer_fab or assembly_test", "unknown_enum")),
        gxe.ExpectColumnValuesToMatchRegex(column="site_country", regex=r"^[A-Za-z]{2}$", meta=_meta(
            "error", "site_country is an ISO-2 code", "unknown_country")),
        _numeric_text("capacity_share", "capacity_share_num", "unparsable_number", "capacity_share is a number"),
        gxe.ExpectColumnValuesToBeBetween(column="capacity_share_num", min_value=0, max_value=1, meta=_meta(
            "error", "capacity_share is a fraction", "out_of_range", raw_column="capacity_share")),
    ])


def raw_part_sites_suite() -> gx.ExpectationSuite:
    return _suite("raw.part_sites", [
        *_not_empty("mpn", "empty_mpn", what="the MPN"),
        gxe.ExpectColumnValuesToBeInSet(column="site_kind", value_set=SITE_KINDS, meta=_meta(
            "error", "site_kind is wafer_fab or assembly_test", "unknown_enum")),
    ])


def raw_alternates_suite() -> gx.ExpectationSuite:
    return _suite("raw.alternates", [
        *_not_empty("mpn", "empty_mpn", what="the MPN"),
        *_not_empty("alt_mpn", "empty_mpn", what="the alternate MPN"),
        gxe.ExpectColumnValuesToBeInSet(column="fit", value_set=ALTERNATE_FITS, meta=_meta(
            "error", "fit is fff or functional", "unknown_enum")),
    ])


def raw_fx_rates_suite(iso_currencies: Iterable[str]) -> gx.ExpectationSuite:
    return _suite("raw.fx_rates", [
        gxe.ExpectColumnValuesToBeInSet(column="currency_upper", value_set=sorted(set(iso_currencies)), meta=_meta(
            "error", "the currency is an ISO 4217 code", "unknown_currency", raw_column="currency")),
        _numeric_text("rate_date", "rate_date_date", "unparsable_date", "rate_date is a date"),
        _numeric_text("usd_rate", "usd_rate_num", "unparsable_price", "usd_rate is a number"),
        gxe.ExpectColumnValuesToBeBetween(column="usd_rate_num", min_value=0, strict_min=True, meta=_meta(
            "error", "a rate is above zero", "non_positive_price", raw_column="usd_rate")),
    ])


# ------------------------------------------------------------------------------------------ features

FEATURE_NON_NEGATIVE = ["market_stock", "broker_stock", "distributors_listing", "distributors_in_stock",
                        "carried_forward_distributors", "history_days", "days_to_depletion", "lead_time_days",
                        "lead_time_volatility_30d", "sources_lost_30d", "sources_gained_30d",
                        "days_since_status_change", "daily_demand_units", "daily_demand_std"]
FEATURE_POSITIVE = ["price_spike_ratio", "lead_time_stretch_ratio",
                    *[f"price_{stat}_q{q}" for q in (1, 100, 1000) for stat in ("median", "min")]]
FEATURE_PERCENT_CHANGE = ["stock_change_7d_pct", "stock_change_30d_pct", "price_change_30d_pct"]


def features_suite(columns: Iterable[str]) -> gx.ExpectationSuite:
    present = set(columns)
    expectations = [
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["snapshot_date", "mpn", "manufacturer"], meta=_meta(
            "error", "one row per part and day")),
        gxe.ExpectColumnValuesToBeNull(column="nonfinite_columns", meta=_meta(
            "error", "no NaN or infinity in any numeric feature (the list names the columns that have one)")),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="distributors_listing", column_B="distributors_in_stock", or_equal=True,
            ignore_row_if="either_value_is_missing",
            meta=_meta("error", "distributors in stock are among those listing")),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="distributors_listing", column_B="carried_forward_distributors", or_equal=True,
            ignore_row_if="either_value_is_missing",
            meta=_meta("error", "carried-forward distributors are among those listing")),
    ]
    if "lifecycle_status" in present:
        expectations.append(gxe.ExpectColumnValuesToBeInSet(
            column="lifecycle_status", value_set=LIFECYCLE_STATUSES, meta=_meta("error", "lifecycle enum")))
    expectations += [gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, meta=_meta(
        "error", f"{c} is physically never negative")) for c in FEATURE_NON_NEGATIVE if c in present]
    expectations += [gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, strict_min=True, meta=_meta(
        "error", f"{c} is a ratio or price of positive quantities")) for c in FEATURE_POSITIVE if c in present]
    expectations += [gxe.ExpectColumnValuesToBeBetween(column=c, min_value=-100, meta=_meta(
        "error", f"{c} cannot fall by more than 100%")) for c in FEATURE_PERCENT_CHANGE if c in present]
    return _suite("features.part_trends_daily", expectations)


def features_coverage_suite() -> gx.ExpectationSuite:
    """One row per run date: the parts staging lists that day against the feature rows for them."""
    return _suite("features.coverage", [
        gxe.ExpectColumnPairValuesToBeEqual(column_A="parts_listed", column_B="feature_rows_for_listed_parts", meta=_meta(
            "error", "the feature rows of a day cover exactly the parts listed that day (one row each)")),
    ])


def build_suite(stage: str, name: str, **params) -> gx.ExpectationSuite:
    """Dispatch `stage`/`name` to its suite builder (params: known_currencies, dates, columns...)."""
    if stage == "raw":
        if name.startswith("offers_"):
            return raw_feed_suite(name.removeprefix("offers_"), params["known_currencies"], params["dates"])
        builders = {"volume": raw_volume_suite, "bom_lines": raw_boms_suite, "products": raw_products_suite,
                    "demand": raw_demand_suite, "on_hand": raw_on_hand_suite, "open_orders": raw_open_orders_suite,
                    "manufacturer_sites": raw_manufacturer_sites_suite, "part_sites": raw_part_sites_suite,
                    "alternates": raw_alternates_suite}
        if name == "fx_rates":
            return raw_fx_rates_suite(params["iso_currencies"])
        return builders[name]()
    if stage == "features":
        return features_coverage_suite() if name == "coverage" else features_suite(params["columns"])
    raise KeyError(f"no suite for {stage}.{name}")
