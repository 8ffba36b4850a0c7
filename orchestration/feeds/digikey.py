"""DigiKey Product Information API: v4 KeywordSearch / ProductDetails and v3 KeywordSearch.

Shapes:
- v4 KeywordSearch `{"Products": [...]}` (plus `ExactMatches`, deduplicated by SKU);
- v4 ProductDetails `{"Product": {...}}`;
- v3 KeywordSearch `{"Parts": [...]}` (also `ExactParts`).

v4: one offer per `ProductVariations[]` entry (sku `DigiKeyProductNumber`). Stock is the product-level
`QuantityAvailable`, shared by every variation, so all variations of one product get the same
`stock_pool` (the smallest variation SKU) and the same `stock`. MOQ is per variation;
`order_multiple` is the variation's `StandardPackage`. Lead time `ManufacturerLeadWeeks` is a string
with bare weeks ("6" -> 42 days). Lifecycle is `ProductStatus.Status`. Currency is
`SearchLocaleUsed.Currency`, else USD.

v3: each Part is one SKU (`DigiKeyPartNumber`). The TR / CT / Digi-Reel SKUs of one MPN list each
other under `AlternatePackaging`; their `stock_pool` is the smallest SKU among the part and its
same-MPN alternates, so every member computes the same pool. The pool's stock is the largest
`QuantityOnHand` seen for the pool (the part itself and its same-MPN alternates): the reel SKU only
counts full reels (22500 where cut tape shows 24316), while the pool really holds the larger figure,
like v4's product-level `QuantityAvailable`. `stock_raw` keeps the SKU's own `QuantityOnHand`.

A folder of v4 KeywordSearch files is read by DuckDB `read_json` with the columns below (`V4_COLUMNS`),
every value as text; any other folder, or one DuckDB refuses (a duplicate key among the keys read, bad
JSON, another shape), is decoded file by file and walked in Python. Both hand the same raw columns to
`rules.apply`.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import duckdb
import polars as pl

from . import rules, text
from .records import FeedFileError
from .rules import RawRecords, as_dict, as_list

DISTRIBUTOR = "DigiKey"
READING = rules.Reading(lead_time_unit="weeks")
SHAPE = rules.Shape(unique_sku_per_file=True)
_VARIATIONS = 1 << 16  # a product's variations take the record orders after its own


def records(payload: dict, raw: RawRecords) -> None:
    """Walk one decoded file into `raw`."""
    file_path = raw.file_path
    if not isinstance(payload, dict):
        raise FeedFileError(file_path, f"unknown DigiKey shape: top level is {type(payload).__name__}")
    if isinstance(payload.get("Products"), list) or isinstance(payload.get("Product"), dict):
        currency = text.clean_str(as_dict(payload.get("SearchLocaleUsed")).get("Currency")) or "USD"
        products: list[tuple[str, object]] = []
        if isinstance(payload.get("Product"), dict):
            products.append(("$.Product", payload["Product"]))
        products += [(f"$.Products[{i}]", p) for i, p in enumerate(as_list(payload.get("Products")))]
        products += [(f"$.ExactMatches[{i}]", p) for i, p in enumerate(as_list(payload.get("ExactMatches")))]
        for order, (path, product) in enumerate(products):
            _v4_product(as_dict(product), path, order * _VARIATIONS, currency, raw)
        return
    if isinstance(payload.get("Parts"), list) or isinstance(payload.get("ExactParts"), list):
        parts = [(f"$.Parts[{i}]", as_dict(p)) for i, p in enumerate(as_list(payload.get("Parts")))]
        parts += [(f"$.ExactParts[{i}]", as_dict(p)) for i, p in enumerate(as_list(payload.get("ExactParts")))]
        _v3_parts(parts, raw)
        return
    if "ErrorMessage" in payload or "ErrorResponseVersion" in payload or "detail" in payload:
        msg = payload.get("ErrorMessage") or payload.get("detail") or payload.get("title")
        raise FeedFileError(file_path, f"DigiKey API error payload: {msg}")
    keys = ", ".join(sorted(payload)[:8])
    raise FeedFileError(file_path, f"unknown DigiKey shape (top-level keys: {keys})")


def category_path(cat: dict) -> str | None:
    names = []
    node = cat
    while isinstance(node, dict) and node:
        name = text.clean_str(node.get("Name") or node.get("Text") or node.get("Value"))
        if name:
            names.append(name)
        children = as_list(node.get("ChildCategories"))
        node = children[0] if len(children) == 1 else None
    return " > ".join(names) or None


def _description(description: dict) -> str | None:
    return text.clean_str(description.get("ProductDescription") or description.get("DetailedDescription"))


def _v4_lifecycle(status: object, end_of_life: object, discontinued: object) -> str | None:
    lifecycle = text.clean_str(status)
    if lifecycle is None:
        if end_of_life is True:
            return "End of Life"
        if discontinued is True:
            return "Discontinued"
    return lifecycle


def _v4_product(product: dict, path: str, order: int, currency: str, raw: RawRecords) -> None:
    mpn = product.get("ManufacturerProductNumber")
    variations = as_list(product.get("ProductVariations"))
    if text.clean_str(mpn) is None:
        raw.quarantine(order, rules.STAGE_RECORD, path, "empty_mpn", "")
        return
    if not variations:
        raw.quarantine(order, rules.STAGE_RECORD, path, "empty_sku", mpn)
        return
    common = {
        "mpn": mpn, "distributor": DISTRIBUTOR,
        "manufacturer_raw": text.clean_str(as_dict(product.get("Manufacturer")).get("Name")),
        "description": _description(as_dict(product.get("Description"))),
        "category_raw": category_path(as_dict(product.get("Category"))),
        "lifecycle_raw": _v4_lifecycle(as_dict(product.get("ProductStatus")).get("Status"),
                                       product.get("EndOfLife"), product.get("Discontinued")),
        "lead_time": product.get("ManufacturerLeadWeeks"),
        "last_buy_date": product.get("DateLastBuyChance"), "date_location": path, "date_seq": raw.seq(order),
        "stock": product.get("QuantityAvailable"), "stock_location": path, "stock_seq": raw.seq(order),
        "stock_pool": min((s for s in (text.clean_str(as_dict(v).get("DigiKeyProductNumber")) for v in variations)
                           if s), default=None),
        "currency_declared": currency,
    }
    for j, var in enumerate(variations):
        var = as_dict(var)
        vpath = f"{path}.ProductVariations[{j}]"
        raw.offer(order + 1 + j, vpath, **common, sku=var.get("DigiKeyProductNumber"),
                  moq=var.get("MinimumOrderQuantity"), order_multiple=var.get("StandardPackage"),
                  packaging=text.clean_str(as_dict(var.get("PackageType")).get("Name")))
        raw.price_breaks(order + 1 + j, f"{vpath}.StandardPricing", var.get("StandardPricing"), "BreakQuantity",
                         "UnitPrice", default_currency=currency)


def _v3_lifecycle(part: dict) -> str | None:
    for param in as_list(part.get("Parameters")):
        param = as_dict(param)
        if param.get("Parameter") == "Part Status":
            value = text.clean_str(param.get("Value"))
            if value:
                return value
    status = part.get("ProductStatus")
    if isinstance(status, dict):
        status = status.get("Status")
    return text.clean_str(part.get("PartStatus") or status)


def _v3_parts(parts: list[tuple[str, dict]], raw: RawRecords) -> None:
    # pool = smallest SKU among the part and its same-MPN alternate packagings
    pools: list[str | None] = []
    pool_stock: dict[str, int] = {}
    for _, part in parts:
        sku = text.clean_str(part.get("DigiKeyPartNumber"))
        mpn = text.clean_str(part.get("ManufacturerPartNumber"))
        members = {sku} if sku else set()
        quantities = [part.get("QuantityOnHand", part.get("QuantityAvailable"))]
        for alt in as_list(part.get("AlternatePackaging")):
            alt = as_dict(alt)
            alt_sku = text.clean_str(alt.get("DigiKeyPartNumber"))
            if alt_sku and mpn and text.clean_str(alt.get("ManufacturerPartNumber")) == mpn:
                members.add(alt_sku)
                quantities.append(alt.get("QuantityOnHand"))
        pool = min(members) if members else None
        pools.append(pool)
        if pool:
            for q in quantities:
                n = text.parse_quantity(q)
                if n is not None and n >= 0:
                    pool_stock[pool] = max(pool_stock.get(pool, 0), n)

    # A repeated SKU is skipped before its rules run (v3 lists a part again under ExactParts).
    seen: set[str] = set()
    for order, ((path, part), pool) in enumerate(zip(parts, pools, strict=True)):
        sku = text.clean_str(part.get("DigiKeyPartNumber"))
        if sku is not None and sku.upper() not in ("N/A", "NA", "-") and text.clean_str(
                part.get("ManufacturerPartNumber")) is not None:
            if sku in seen:
                continue
            seen.add(sku)
        manufacturer = part.get("ManufacturerName", part.get("Manufacturer"))
        if isinstance(manufacturer, dict):
            manufacturer = manufacturer.get("Text") or manufacturer.get("Name") or manufacturer.get("Value")
        packaging = part.get("Packaging")
        if isinstance(packaging, dict):
            packaging = packaging.get("Value")
        category = " > ".join(
            n for n in (text.clean_str(as_dict(part.get(k)).get("Text")) for k in ("Category", "Family")) if n
        )
        own = part.get("QuantityOnHand", part.get("QuantityAvailable"))
        own_count = text.parse_quantity(own)
        own_stock = own_count if own_count is not None and own_count >= 0 else None
        raw.offer(
            order, path, mpn=part.get("ManufacturerPartNumber"), sku=part.get("DigiKeyPartNumber"),
            distributor=DISTRIBUTOR, stock_pool=pool, stock=own,
            stock_value=None if own_stock is None else pool_stock.get(pool, own_stock),
            manufacturer_raw=text.clean_str(manufacturer), category_raw=category or None,
            description=text.clean_str(part.get("ProductDescription") or part.get("DetailedDescription")),
            moq=part.get("MinimumOrderQuantity"), packaging=text.clean_str(packaging),
            lead_time=part.get("ManufacturerLeadWeeks"), lifecycle_raw=_v3_lifecycle(part), currency_declared="USD",
        )
        raw.price_breaks(order, f"{path}.StandardPricing", part.get("StandardPricing"), "BreakQuantity", "UnitPrice",
                         default_currency="USD")


# ---------------------------------------------------------------- v4 KeywordSearch folders, read by DuckDB

_PRICING = "STRUCT(BreakQuantity VARCHAR, UnitPrice VARCHAR)[]"
_VARIATION = (f'STRUCT(DigiKeyProductNumber VARCHAR, PackageType STRUCT("Name" VARCHAR), MinimumOrderQuantity VARCHAR, '
              f"StandardPackage VARCHAR, StandardPricing {_PRICING})")
_PRODUCT = (
    'STRUCT(ManufacturerProductNumber VARCHAR, Manufacturer STRUCT("Name" VARCHAR), '
    "Description STRUCT(ProductDescription VARCHAR, DetailedDescription VARCHAR), Category JSON, "
    "ProductStatus STRUCT(Status VARCHAR), EndOfLife JSON, Discontinued JSON, ManufacturerLeadWeeks VARCHAR, "
    f"DateLastBuyChance VARCHAR, QuantityAvailable VARCHAR, ProductVariations {_VARIATION}[])"
)
# The keys the parser reads, as DuckDB column types: every leaf is text, as the rules expect.
V4_COLUMNS = {"Products": f"{_PRODUCT}[]", "ExactMatches": f"{_PRODUCT}[]", "Product": "JSON", "Parts": "JSON",
              "ExactParts": "JSON", "SearchLocaleUsed": 'STRUCT(Currency VARCHAR)'}
_V4_SQL = """
with docs as materialized (
    select filename, Products, ExactMatches, len(Products) as listed,
           Product is not null or Parts is not null or ExactParts is not null as other_shape,
           coalesce(nullif(trim(SearchLocaleUsed.Currency), ''), 'USD') as currency
    from read_json(?, columns = ?, filename = true, format = 'unstructured', maximum_object_size = ?)
),
shape as (
    select count(*) as documents, count(distinct filename) as files, bool_or(other_shape) as other_shape,
           count(*) filter (where Products is null) as unlisted
    from docs
),
products as (
    select filename, currency, 'Products' as list, unnest(Products) as p, unnest(range(len(Products))) as i,
           unnest(range(len(Products))) as rank
    from docs
    union all
    select filename, currency, 'ExactMatches', unnest(ExactMatches), unnest(range(len(ExactMatches))),
           unnest(range(listed, listed + len(ExactMatches)))
    from docs
)
select shape.*, filename, currency, list, i, rank,
       p.ManufacturerProductNumber as mpn, p.Manufacturer."Name" as manufacturer_raw,
       p.Description.ProductDescription as product_description,
       p.Description.DetailedDescription as detailed_description, p.Category::varchar as category,
       p.ProductStatus.Status as status, p.EndOfLife::varchar as end_of_life,
       p.Discontinued::varchar as discontinued, p.ManufacturerLeadWeeks as lead_time,
       p.DateLastBuyChance as last_buy_date, p.QuantityAvailable as stock,
       coalesce(len(p.ProductVariations), 0) as variations,
       unnest(if(len(p.ProductVariations) > 0, p.ProductVariations, [null])) as v,
       unnest(if(len(p.ProductVariations) > 0, range(len(p.ProductVariations)), [null])) as j
from shape left join products on true
"""


def read_folder(paths: list[Path], file_paths: list[str], max_bytes: int, snapshot_dates: list | None = None
                ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame] | None:
    """(records, breaks, quarantined) of files that are all v4 KeywordSearch responses, read by DuckDB in
    one query (one date folder, or several with each file's `snapshot_dates`) and unnested down to the
    variations there; None when DuckDB refuses a file or a file has another shape (the caller walks them
    in Python)."""
    if not paths or any(p.name.endswith(".gz") or p.stat().st_size > max_bytes for p in paths):
        return None
    cursor = _reader().cursor()
    try:
        rows = pl.from_arrow(cursor.sql(_V4_SQL, params=[[str(p) for p in paths], V4_COLUMNS, max_bytes + 1])
                             .to_arrow_table())
    except duckdb.Error:
        return None
    finally:
        cursor.close()
    if (rows["documents"][0] != len(paths) or rows["files"][0] != len(paths) or rows["other_shape"][0]
            or rows["unlisted"][0]):
        return None
    rows = rows.drop_nulls("filename")
    where = {str(p): (i, f, d) for i, (p, f, d) in enumerate(
        zip(paths, file_paths, snapshot_dates or [None] * len(paths), strict=True))}
    rows = rows.with_columns(
        file_index=pl.col("filename").replace_strict({k: v[0] for k, v in where.items()}, return_dtype=pl.Int64),
        file_path=pl.col("filename").replace_strict({k: v[1] for k, v in where.items()}, return_dtype=pl.String),
        snapshot_date=pl.col("filename").replace_strict({k: v[2] for k, v in where.items()}, return_dtype=pl.Date),
        location=pl.format("$.{}[{}]", "list", "i"),
    ).with_columns(
        product_seq=pl.col("file_index") * rules.FILE_STRIDE + pl.col("rank") * _VARIATIONS,
    ).sort("product_seq", "j", maintain_order=True)
    mpn = rules.stripped(rows["mpn"])
    q = pl.concat([
        rows.filter(mpn.is_null()).select("file_path", "location", pl.lit("empty_mpn").alias("rule"),
                                          pl.lit("").alias("raw_value"), pl.col("product_seq").alias("seq")),
        rows.filter(mpn.is_not_null() & (pl.col("variations") == 0)).select(
            "file_path", "location", pl.lit("empty_sku").alias("rule"), pl.col("mpn").alias("raw_value"),
            pl.col("product_seq").alias("seq")),
    ]).with_columns(stage=pl.lit(rules.STAGE_RECORD, dtype=pl.Int64), sub=pl.lit(0, dtype=pl.Int64))
    variations = rows.filter(mpn.is_not_null() & (pl.col("variations") > 0)).unnest("v").with_columns(
        pl.lit(DISTRIBUTOR).alias("distributor"),
        pl.format("{}.ProductVariations[{}]", "location", "j").alias("variation_location"),
        (pl.col("product_seq") + 1 + pl.col("j")).alias("seq"),
        pl.col("DigiKeyProductNumber").str.strip_chars().replace("", None).min()
        .over("product_seq").alias("stock_pool"),
        _distinct(pl.col("category"), lambda v: category_path(as_dict(json.loads(v)))).alias("category_raw"),
        _distinct(pl.when(pl.col("product_description").is_not_null() & (pl.col("product_description") != ""))
                  .then("product_description").otherwise("detailed_description"), text.clean_str).alias("description"),
        pl.coalesce(
            pl.col("status").str.strip_chars().replace("", None),
            pl.when(pl.col("end_of_life") == "true").then(pl.lit("End of Life")),
            pl.when(pl.col("discontinued") == "true").then(pl.lit("Discontinued")),
        ).alias("lifecycle_raw"),
        pl.col("manufacturer_raw").str.strip_chars().replace("", None),
        pl.col("PackageType").struct.field("Name").str.strip_chars().replace("", None).alias("packaging"),
    )
    breaks = variations.select(
        "file_path", "seq", "variation_location", "currency", pl.col("StandardPricing").alias("b"),
        pl.int_ranges(0, pl.col("StandardPricing").list.len()).alias("sub"),
    ).explode("b", "sub").drop_nulls("sub").unnest("b").select(
        "file_path", pl.format("{}.StandardPricing[{}]", "variation_location", "sub").alias("location"), "seq",
        pl.col("sub").cast(pl.Int64), pl.col("BreakQuantity").alias("quantity"), pl.col("UnitPrice").alias("price"),
        pl.lit(None, dtype=pl.String).alias("currency"), pl.col("currency").alias("currency_default"),
    )
    records = variations.select(
        "file_path", "snapshot_date", pl.col("variation_location").alias("location"), "seq", "mpn",
        pl.col("DigiKeyProductNumber").alias("sku"), "distributor", "manufacturer_raw", "category_raw",
        "description", "lifecycle_raw", "lead_time", "last_buy_date",
        pl.col("location").alias("date_location"), pl.col("product_seq").alias("date_seq"),
        "stock", pl.col("location").alias("stock_location"), pl.col("product_seq").alias("stock_seq"),
        "stock_pool", pl.col("MinimumOrderQuantity").alias("moq"), pl.col("StandardPackage").alias("order_multiple"),
        "packaging", pl.col("currency").alias("currency_declared"),
    )
    return records, breaks, q


@functools.cache
def _reader() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB per process for reading JSON (opening one costs tens of milliseconds)."""
    return duckdb.connect(config={"enable_external_access": True})


def _distinct(expr: pl.Expr, fn) -> pl.Expr:
    """`fn` over the distinct values of a text column, once each."""
    return expr.map_batches(lambda s: rules.by_value(s, fn, pl.String) if s.len() else s.cast(pl.String),
                            return_dtype=pl.String)

