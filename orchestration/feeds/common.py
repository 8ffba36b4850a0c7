"""Row rules shared by the JSON parsers.

Rule -> what happens (the same in broker_csv):

| rule | effect |
|---|---|
| `empty_mpn` | row dropped (no part key without an MPN) |
| `empty_sku` | row dropped (Mouser writes "N/A" for parts it does not sell) |
| `negative_stock` | offer kept, `stock` nulled, `stock_raw` kept |
| `unparsable_stock` | offer kept, `stock` nulled (text with digits that is not a count) |
| `unparsable_price` | that price break dropped ("N/A", "call") |
| `non_positive_price` | that price break dropped |
| `unknown_currency` | that price break dropped (code not ISO 4217, or no currency at all) |
| `unparsable_break_quantity` / `non_positive_break_quantity` | that price break dropped |
| `unparsable_date` | offer kept, `last_buy_date` nulled |
| `negative_moq` | offer kept, `moq`/`order_multiple` nulled (value <= 0) |
| `extra_fields` | broker CSV with `ragged_lines: truncate` only: offer kept, the fields past the header quarantined |

`location` is the JSON path of the offending value's record (`$.SearchResults.Parts[3]`, and
`...PriceBreaks[1]` for a break) or `line N` for CSV.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from . import text
from .records import Offer, PriceBreak, QuarantinedRow


@dataclass
class RawBreak:
    location: str
    quantity: object
    price: object
    currency: object = None  # explicit currency field of the break, if any


@dataclass
class Collector:
    """The row rules of one file, and the quarantine rows they wrote."""

    source: str
    file_path: str
    snapshot_date: date
    quarantined: list[QuarantinedRow] = field(default_factory=list)

    def offer(self, record_path: str, breaks: list[PriceBreak], declared_currency: str | None, **fields) -> Offer:
        """One offer of this file: lineage, price breaks and the offer's currency are set the same way for
        every source (the first break's currency, else the declared one)."""
        return Offer(source=self.source, file_path=self.file_path, snapshot_date=self.snapshot_date,
                     record_path=record_path, price_breaks=breaks,
                     currency=offer_currency(breaks, declared_currency), **fields)

    def quarantine(self, location: str, rule: str, raw_value: object) -> None:
        raw = (
            None
            if raw_value is None
            else (raw_value if isinstance(raw_value, str) else text.clean_str(raw_value))
        )
        self.quarantined.append(QuarantinedRow(self.source, self.file_path, location, rule, raw))

    def require_id(self, location: str, mpn: object, sku: object) -> tuple[str, str] | None:
        """(mpn, sku) stripped, or None after quarantining the row (empty_mpn / empty_sku)."""
        mpn_s = text.clean_str(mpn)
        sku_s = text.clean_str(sku)
        if sku_s is not None and sku_s.upper() in {"N/A", "NA", "-"}:
            sku_s = None
        if mpn_s is None:
            self.quarantine(location, "empty_mpn", sku_s or "")
            return None
        if sku_s is None:
            self.quarantine(location, "empty_sku", mpn_s)
            return None
        return mpn_s, sku_s

    def stock(self, location: str, *candidates: object) -> tuple[int | None, str | None]:
        """Stock from the first candidate that reads as a count; rules negative/unparsable_stock."""
        first_raw = None
        for value in candidates:
            raw = text.clean_str(value)
            if raw is None:
                continue
            if first_raw is None:
                first_raw = raw
            qty = text.parse_quantity(value)
            if qty is None:
                continue
            if qty < 0:
                self.quarantine(location, "negative_stock", raw)
                return None, raw
            return qty, raw
        if first_raw is not None and text.has_digit(first_raw):
            self.quarantine(location, "unparsable_stock", first_raw)
        return None, first_raw

    def positive_int(self, location: str, value: object, rule: str = "negative_moq") -> int | None:
        qty = text.parse_quantity(value)
        if qty is None:
            return None
        if qty <= 0:
            self.quarantine(location, rule, value)
            return None
        return qty

    def date(self, location: str, value: object) -> date | None:
        if text.clean_str(value) is None:
            return None
        d = text.parse_date(value)
        if d is None:
            self.quarantine(location, "unparsable_date", value)
        return d

    def breaks(
        self,
        base: str,
        items: object,
        quantity_key: str,
        price_keys: str | tuple[str, ...],
        currency_key: str | None = None,
        *,
        default_currency: str | None,
    ) -> list[PriceBreak]:
        """The valid price breaks of the JSON list `items` at path `base`, sorted by quantity. Each item is
        an object with a quantity key, a price key (or several: the first that is set) and optionally an
        explicit currency key; a break that breaks a rule is quarantined and left out."""
        keys = (price_keys,) if isinstance(price_keys, str) else price_keys
        raw_breaks = [
            RawBreak(f"{base}[{k}]", b.get(quantity_key), next((b[key] for key in keys if b.get(key) is not None), None),
                     b.get(currency_key) if currency_key else None)
            for k, b in enumerate(as_dict(x) for x in as_list(items))
        ]
        out: list[PriceBreak] = []
        for rb in raw_breaks:
            qty = text.parse_quantity(rb.quantity)
            if qty is None:
                self.quarantine(rb.location, "unparsable_break_quantity", rb.quantity)
                continue
            if qty <= 0:
                self.quarantine(rb.location, "non_positive_break_quantity", rb.quantity)
                continue
            price_raw = text.clean_str(rb.price)
            money = text.parse_price(rb.price)
            if money.amount is None:
                self.quarantine(rb.location, "unparsable_price", price_raw)
                continue
            explicit = text.clean_str(rb.currency)
            if explicit is not None:
                currency = text.normalize_currency(explicit)
                bad_currency = explicit
            elif money.currency is not None:
                currency = text.normalize_currency(money.currency)
                bad_currency = money.currency
            else:
                currency = text.normalize_currency(default_currency)
                bad_currency = default_currency or ""
            if currency is None:
                self.quarantine(rb.location, "unknown_currency", bad_currency)
                continue
            if money.amount <= 0:
                self.quarantine(rb.location, "non_positive_price", price_raw)
                continue
            out.append(PriceBreak(qty, money.amount, currency, price_raw or ""))
        out.sort(key=lambda b: b.quantity)
        return out


def offer_currency(breaks: list[PriceBreak], declared: str | None) -> str | None:
    if breaks:
        return breaks[0].currency
    return text.normalize_currency(declared)


def jpath(base: str, key: str, index: int | None = None) -> str:
    """`$.Products` + `[3]` helpers: jpath("$", "Products", 3) -> "$.Products[3]"."""
    p = f"{base}.{key}"
    return p if index is None else f"{p}[{index}]"


def as_list(value: object) -> list:
    return value if isinstance(value, list) else []


def as_dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def parse_with_rules(module, payloads: list[tuple[str, object]], *, source: str, snapshot_date: date,
                     first_index: int = 0):
    """Walk each decoded file with `module.records` (a file that raises fails alone), then run the one rule
    set over all of them: (OFFER_SCHEMA table, Quarantine, [(file_path, FeedFileError or exception)])."""
    from . import rules

    walked: list[rules.RawRecords] = []
    failed: list[tuple[str, Exception]] = []
    for index, (file_path, payload) in enumerate(payloads, start=first_index):
        raw = rules.RawRecords(file_path, index)
        try:
            module.records(payload, raw)
        except Exception as error:  # noqa: BLE001 - whatever a file does, it fails alone
            failed.append((file_path, error))
            continue
        walked.append(raw)
    records, breaks, quarantined = rules.frames(walked)
    table, q = apply_rules(module, records, breaks, quarantined, source=source, snapshot_date=snapshot_date)
    return table, q, failed


def apply_rules(module, records, breaks, quarantined, *, source: str, snapshot_date: date):
    from . import rules

    q = rules.Quarantine(source)
    q.extend(quarantined)
    table = rules.apply(records, breaks, q, source=source, snapshot_date=snapshot_date, reading=module.READING,
                        shape=module.SHAPE)
    return table, q


def parse_one(module, payload: object, *, source: str, file_path: str, snapshot_date: date
              ) -> tuple[list[Offer], list[QuarantinedRow]]:
    """One decoded file -> (offers, quarantined rows); FeedFileError if the file cannot be read."""
    from .records import offers_from_arrow

    table, q, failed = parse_with_rules(module, [(file_path, payload)], source=source, snapshot_date=snapshot_date)
    if failed:
        raise failed[0][1]
    return offers_from_arrow(table), q.rows()
