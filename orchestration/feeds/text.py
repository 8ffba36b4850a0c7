"""Pure helpers for the messy strings providers publish (quantities, prices, currencies, lead times).

Every function returns None for "cannot read this", never raises on bad text; callers decide whether a
None is worth a quarantine row.

Rules (also asserted in tests/test_feeds_text.py):

Quantities (`parse_quantity`) are whole units. The first number in the text is read ("6,178 In Stock",
"6178 在庫", "In stock: 1 234", full-width digits are normalised). A separator (`,` `.` space `'`)
followed by *exactly three* digits is a thousands separator in every locale: "6.178" is 6178 both in
de-DE (where `.` groups thousands) and en-US, because a stock count of 6.178 units cannot exist. A
decimal part is accepted only if it is all zeros ("12.0", "1.234,00"); anything else ("6.5", "1,2")
is unreadable (None). A leading minus is kept ("-5" -> -5) so that callers can quarantine it.
A number written in another notation is not a plain count and is unreadable, never read in part:
an SI multiplier glued to it ("10k", "2M"), an exponent ("1e3") or hex ("0x10") gives None, not 10, 1
or 0. So does a count beyond a 64-bit integer (10^23), which no stock can be.

Prices (`parse_price`) keep the decimal part. The currency comes from a symbol or an ISO code
anywhere in the text ("$0.10", "0,10 €", "¥32.8", "EUR 1,20", "12.5 USD"). The decimal separator is:
1. the last of `.`/`,` when both appear ("1.234,56 €" -> 1234.56, "1,234.56" -> 1234.56);
2. a separator repeated more than once is grouping ("1.234.567" -> 1234567);
3. a single separator not followed by exactly three digits is decimal ("0,10 €", "¥32.8", "2,5");
4. a single separator followed by exactly three digits ("1,234", "1.234") is ambiguous. With integer
   part 0 it is decimal ("0,123" -> 0.123). Otherwise the `decimal` argument decides
   ("comma" / "point"); without it, the currency position decides: a symbol or code written *after*
   the number means European formatting (comma decimal, dot grouping: "1,234 €" -> 1.234,
   "1.234 €" -> 1234) and anything else means English formatting (dot decimal, comma grouping:
   "$1,234" -> 1234, "¥1.234" -> 1.234).

Currency symbols: `$` is USD, `¥` is JPY (Mouser JP writes "¥32.8" for JPY), full-width `￥`, `元`,
`RMB` and `CN¥` are CNY, `円` is JPY. An explicit currency field in the feed always wins over a symbol.
Ambiguous `kr` is not mapped.

Lead times (`parse_lead_time_days`) are returned in days. Units: days (days, d, Tage, jours, 日, 天...),
weeks (weeks, wk, Wochen, semaines, 週, 週間, 周...) x7, months (months, Monate, mois, ヶ月, 个月...) x30.
A bare number uses `bare_unit` (default "weeks": DigiKey v4 `ManufacturerLeadWeeks: "6"`). A range
("6-8 weeks") gives its upper end, the conservative figure for supply risk.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime
from typing import NamedTuple

# ISO 4217 active codes (plus a few funds/precious-metal codes providers never use are left out).
ISO_CURRENCIES: frozenset[str] = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
    CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD
    GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT
    LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR
    NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD
    SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD
    XCG XOF XPF YER ZAR ZMW ZWG
    """.split()
)

# Longest first so that "US$" wins over "$".
_CURRENCY_SYMBOLS: dict[str, str] = {
    "US$": "USD",
    "HK$": "HKD",
    "NT$": "TWD",
    "CA$": "CAD",
    "AU$": "AUD",
    "NZ$": "NZD",
    "MX$": "MXN",
    "CN¥": "CNY",
    "JP¥": "JPY",
    "RMB": "CNY",
    "S$": "SGD",
    "C$": "CAD",
    "A$": "AUD",
    "R$": "BRL",
    "zł": "PLN",
    "Kč": "CZK",
    "Ft": "HUF",
    "Rp": "IDR",
    "RM": "MYR",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "￥": "CNY",
    "元": "CNY",
    "円": "JPY",
    "₹": "INR",
    "₩": "KRW",
    "₽": "RUB",
    "₺": "TRY",
    "฿": "THB",
    "₫": "VND",
    "₱": "PHP",
    "₪": "ILS",
}
_SYMBOL_RE = re.compile("|".join(re.escape(s) for s in sorted(_CURRENCY_SYMBOLS, key=len, reverse=True)))
_CODE_RE = re.compile(r"(?<![A-Za-z])([A-Z]{3})(?![A-Za-z])")
_CURRENCY_ALIASES = {"RMB": "CNY", "YEN": "JPY", "EURO": "EUR", "US$": "USD"}

_MINUS = "-\u2212\u2013"  # ascii, minus sign, en dash
_QTY_TOKEN = re.compile(rf"[{_MINUS}]?\d[\d.,' ]*")
_PRICE_TOKEN = re.compile(rf"[{_MINUS}]?(?:\d|[.,]\d)[\d.,' ]*")


class Money(NamedTuple):
    amount: float | None
    currency: str | None  # ISO code read from the text (symbol or code), None if none


def clean_str(value: object) -> str | None:
    """Strip a value to a string; None for None/empty/whitespace."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = repr(value)
    else:
        text = str(value)
    text = text.strip()
    return text or None


def _nfkc(text: str) -> str:
    # NFKC: full-width digits -> ASCII, NBSP / narrow NBSP -> space.
    return unicodedata.normalize("NFKC", text)


def _is_group_tail(groups: list[str]) -> bool:
    return (
        all(len(g) == 3 and g.isdigit() for g in groups[1:])
        and 1 <= len(groups[0]) <= 3
        and groups[0].isdigit()
    )


MAX_COUNT = 2**63 - 1  # what a BIGINT column holds
# Glued right after the digits, these make the number something other than a plain count.
_OTHER_NOTATION = re.compile(r"(?:[kKMG](?![A-Za-z])|[eE][+\-]?\d|[xX][0-9A-Fa-f])")


def _count(number: int) -> int | None:
    return number if -MAX_COUNT <= number <= MAX_COUNT else None


def parse_quantity(value: object) -> int | None:
    """Whole units from a quantity text or number; see the module docstring for the rules."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _count(value)
    if isinstance(value, float):
        return _count(int(value)) if math.isfinite(value) and value.is_integer() else None
    text = _nfkc(str(value)).replace("\u00a0", " ")
    m = _QTY_TOKEN.search(text)
    if not m:
        return None
    token = m.group(0).rstrip(".,' ")
    if _OTHER_NOTATION.match(text, m.start() + len(token)):
        return None
    negative = token[0] in _MINUS
    if negative:
        token = token[1:]
    token = token.strip()
    if not token:
        return None
    number = _integer_from_token(token)
    if number is None:
        return None
    return _count(-number if negative else number)


def _integer_from_token(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    # A zero decimal part after the last '.' or ',' ("12.0", "1.234,00") is dropped.
    last = max(token.rfind("."), token.rfind(","))
    tail = token[last + 1 :]
    if last >= 0 and 1 <= len(tail) <= 2 and set(tail) == {"0"}:
        token = token[:last]
        if token.isdigit():
            return int(token)
    seps = {c for c in token if not c.isdigit()}
    if len(seps) != 1 or not seps <= set(".,' "):
        return None
    groups = token.split(seps.pop())
    if _is_group_tail(groups):
        return int("".join(groups))
    return None


def normalize_currency(code: object) -> str | None:
    """Upper-cased ISO 4217 code of a code or symbol ("eur" -> EUR, "RMB" -> CNY, "€" -> EUR), else None."""
    text = clean_str(code)
    if text is None:
        return None
    up = text.upper()
    up = _CURRENCY_ALIASES.get(up, up)
    if up in ISO_CURRENCIES:
        return up
    if text in _CURRENCY_SYMBOLS:
        return _CURRENCY_SYMBOLS[text]
    return None


def _find_currency(text: str) -> tuple[str | None, str | None, int]:
    """(iso, matched text, position) of the first currency symbol/code in `text`."""
    best: tuple[str | None, str | None, int] = (None, None, -1)
    m = _SYMBOL_RE.search(text)
    if m:
        best = (_CURRENCY_SYMBOLS[m.group(0)], m.group(0), m.start())
    for cm in _CODE_RE.finditer(text):
        code = cm.group(1)
        iso = _CURRENCY_ALIASES.get(code, code)
        if best[0] is None or cm.start() < best[2]:
            # an unknown 3-letter code is reported as is, so callers can quarantine it
            best = (iso, code, cm.start())
        break
    return best


def parse_price(value: object, *, decimal: str | None = None) -> Money:
    """Amount and currency from a published price ("$0.10", "0,10 €", "1.234,56 €", 0.1).

    `decimal` ("comma" or "point") settles the ambiguous "1,234" / "1.234" case; see module docstring.
    """
    if value is None or isinstance(value, bool):
        return Money(None, None)
    if isinstance(value, int | float):
        f = float(value)
        return Money(f if math.isfinite(f) else None, None)
    text = str(value).strip()
    if not text:
        return Money(None, None)
    currency, matched, pos = _find_currency(text)
    rest = text
    if matched is not None:
        rest = text[:pos] + " " + text[pos + len(matched) :]
    rest = _nfkc(rest)
    m = _PRICE_TOKEN.search(rest)
    if not m:
        return Money(None, currency)
    # letters left around the number (other than the currency) make it unreadable: "N/A", "call"
    leftover = (rest[: m.start()] + " " + rest[m.end() :]).strip()
    if any(ch.isalnum() for ch in leftover):
        return Money(None, currency)
    token = m.group(0).rstrip(".,' ")
    negative = token[0] in _MINUS
    if negative:
        token = token[1:]
    token = token.replace(" ", "").replace("'", "")
    if not token:
        return Money(None, currency)
    symbol_after = matched is not None and pos > m.start()
    amount = _decimal_from_token(token, decimal=decimal, european=symbol_after)
    if amount is None:
        return Money(None, currency)
    return Money(-amount if negative else amount, currency)


def _decimal_from_token(token: str, *, decimal: str | None, european: bool) -> float | None:
    if token.startswith((".", ",")):
        token = "0" + token
    has_dot, has_comma = "." in token, "," in token
    if has_dot and has_comma:
        dec = "." if token.rfind(".") > token.rfind(",") else ","
        grp = "," if dec == "." else "."
        int_part, _, frac = token.rpartition(dec)
        if dec in int_part or not frac.isdigit():
            return None
        groups = int_part.split(grp)
        if not _is_group_tail(groups):
            return None
        return float("".join(groups) + "." + frac)
    if not has_dot and not has_comma:
        return float(token) if token.isdigit() else None
    sep = "." if has_dot else ","
    parts = token.split(sep)
    if not all(p.isdigit() for p in parts):
        return None
    if len(parts) > 2:
        return float("".join(parts)) if _is_group_tail(parts) else None
    int_part, frac = parts
    if len(frac) != 3 or int_part.strip("0") == "":
        return float(int_part + "." + frac)
    # ambiguous: one separator followed by exactly three digits
    if decimal == "comma":
        decimal_sep = ","
    elif decimal == "point":
        decimal_sep = "."
    else:
        decimal_sep = "," if european else "."
    if sep == decimal_sep:
        return float(int_part + "." + frac)
    return float(int_part + frac) if len(int_part) <= 3 else None


_UNIT_DAYS: dict[str, int] = {}
for _words, _days in (
    (
        "d day days dy dys tag tage tagen j jour jours dia dias día días giorno giorni dzien dzień dni dag "
        "dagen dagar dage den dny dní 日 日間 天 일 päivä päivää bd bdays",
        1,
    ),
    (
        "w wk wks week weeks wo woche wochen sem semaine semaines semana semanas settimana settimane "
        "tydzien tydzień tygodnie tygodni tyg weken vecka veckor uge uger týden týdny týdnů 週 週間 周 주",
        7,
    ),
    (
        "m mo mos mth mths month months monat monate monaten mois mes meses mese mesi miesiac miesiąc "
        "miesiące miesięcy maand maanden månad månader 月 ヶ月 か月 ケ月 个月 個月 개월",
        30,
    ),
):
    for _w in _words.split():
        _UNIT_DAYS[_w] = _days

_LEAD_RANGE = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:-|–|~|〜|to|bis|à|a|do)\s*(\d+(?:[.,]\d+)?)", re.IGNORECASE)
_LEAD_NUM = re.compile(r"(\d+(?:[.,]\d+)?)")
_UNIT_WORD = re.compile(r"\s*([^\W\d_]+)")


def parse_lead_time_days(value: object, *, bare_unit: str | None = "weeks") -> int | None:
    """Lead time in days: "6 weeks" -> 42, "6" -> 42 (bare weeks), "42 Days" / "42 日" -> 42."""
    bare_days = {"weeks": 7, "days": 1, "months": 30, None: None}[bare_unit]
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if not math.isfinite(value) or bare_days is None or abs(value) > 1e9:
            return None
        return int(round(value * bare_days))
    text = _nfkc(str(value)).strip().lower()
    if not text:
        return None
    m = _LEAD_RANGE.search(text)
    if m:
        number = max(float(m.group(1).replace(",", ".")), float(m.group(2).replace(",", ".")))
        end = m.end()
    else:
        m = _LEAD_NUM.search(text)
        if not m:
            return None
        number = float(m.group(1).replace(",", "."))
        end = m.end()
    if number > 1e9:
        return None
    um = _UNIT_WORD.match(text, end)
    if um:
        word = um.group(1).rstrip(".")
        factor = _UNIT_DAYS.get(word)
        if factor is None:
            # CJK units are written without a space and may be followed by more text: "6週間程度"
            for unit, f in sorted(_UNIT_DAYS.items(), key=lambda kv: -len(kv[0])):
                if not unit.isascii() and word.startswith(unit):
                    factor = f
                    break
        if factor is None:
            return None
    else:
        if text[end:].strip(" .+"):
            return None
        factor = bare_days
        if factor is None:
            return None
    return int(round(number * factor))


_TRUE = {"true", "yes", "y", "1", "t", "ja", "oui", "si", "sí"}
_FALSE = {"false", "no", "n", "0", "f", "nein", "non"}
_BOOLS = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}


def parse_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    text = clean_str(value)
    return None if text is None else _BOOLS.get(text.lower())


def parse_date(value: object) -> date | None:
    """ISO date or datetime ("2024-12-31", "2024-12-31T00:00:00Z"); None if unreadable."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = clean_str(value)
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None
