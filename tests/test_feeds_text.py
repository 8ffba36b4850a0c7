"""orchestration.feeds.text: quantities, prices, currencies, lead times."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.feeds import text


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("6,178 In Stock", 6178),
        ("6178 在庫", 6178),
        ("6178", 6178),
        ("6.178", 6178),  # de-DE grouping; a count cannot be 6.178 units in any locale
        ("1.500 auf Lager", 1500),
        ("1 234 pcs", 1234),
        ("In stock: 1\u00a0234", 1234),
        ("１２３", 123),  # full-width digits
        ("1,000+", 1000),
        ("12.0", 12),
        ("1.234,00", 1234),
        ("-5", -5),
        ("\u22125", None),  # U+2212 is not in the accepted minus set? -> see next test
        ("6.5", None),
        ("1,2", None),
        ("On Order", None),
        ("", None),
        ("   ", None),
        (None, None),
        (True, None),
        (6178, 6178),
        (12.0, 12),
        (12.5, None),
    ],
)
def test_parse_quantity(raw, expected):
    if raw == "\u22125":
        assert text.parse_quantity(raw) == -5  # the Unicode minus sign is a minus too
    else:
        assert text.parse_quantity(raw) == expected


@pytest.mark.parametrize(
    "raw, amount, currency",
    [
        ("$0.10", 0.10, "USD"),
        ("0,10 €", 0.10, "EUR"),
        ("¥32.8", 32.8, "JPY"),
        ("¥48", 48.0, "JPY"),
        ("1.234,56 €", 1234.56, "EUR"),
        ("1,234.56", 1234.56, None),
        ("1.234.567", 1234567.0, None),
        ("$1,234", 1234.0, "USD"),  # English formatting before the number
        ("1,234 €", 1.234, "EUR"),  # symbol after the number: European decimal comma
        ("1.234 €", 1234.0, "EUR"),
        ("0,123 €", 0.123, "EUR"),  # integer part 0: always decimal
        ("EUR 1,20", 1.20, "EUR"),
        ("12.5 USD", 12.5, "USD"),
        ("￥3.2", 3.2, "CNY"),
        ("£1 234,50", 1234.5, "GBP"),
        ("CHF 3.10", 3.10, "CHF"),
        ("$.5", 0.5, "USD"),
        ("€-0.5", -0.5, "EUR"),
        ("N/A", None, None),
        ("call", None, None),
        ("", None, None),
        (0.12562, 0.12562, None),
        (3, 3.0, None),
        (None, None, None),
    ],
)
def test_parse_price(raw, amount, currency):
    money = text.parse_price(raw)
    if amount is None:
        assert money.amount is None
    else:
        assert money.amount == pytest.approx(amount)
    assert money.currency == currency


def test_parse_price_decimal_hint_settles_ambiguity():
    assert text.parse_price("1,234", decimal="comma").amount == pytest.approx(1.234)
    assert text.parse_price("1.234", decimal="comma").amount == pytest.approx(1234.0)
    assert text.parse_price("1.234", decimal="point").amount == pytest.approx(1.234)
    assert text.parse_price("1,234 €", decimal="point").amount == pytest.approx(1234.0)
    # a hint never overrides an unambiguous value
    assert text.parse_price("0.10 €", decimal="comma").amount == pytest.approx(0.10)


def test_unknown_currency_code_is_reported_not_dropped():
    money = text.parse_price("12.5 XYZ")
    assert money == text.Money(12.5, "XYZ")
    assert text.normalize_currency("XYZ") is None


@pytest.mark.parametrize(
    "symbol, iso",
    [
        ("$", "USD"),
        ("€", "EUR"),
        ("£", "GBP"),
        ("¥", "JPY"),
        ("￥", "CNY"),
        ("円", "JPY"),
        ("元", "CNY"),
        ("US$", "USD"),
        ("HK$", "HKD"),
        ("zł", "PLN"),
        ("eur", "EUR"),
        ("RMB", "CNY"),
        ("kr", None),
        ("", None),
        (None, None),
        ("ABC", None),
    ],
)
def test_normalize_currency_reads_codes_and_symbols(symbol, iso):
    assert text.normalize_currency(symbol) == iso


def test_iso_currencies():
    assert {
        "USD",
        "EUR",
        "JPY",
        "CNY",
        "GBP",
        "CHF",
        "PLN",
        "CZK",
        "TWD",
        "KRW",
        "HKD",
    } <= text.ISO_CURRENCIES
    assert "XYZ" not in text.ISO_CURRENCIES and "RMB" not in text.ISO_CURRENCIES
    assert all(len(c) == 3 and c.isupper() for c in text.ISO_CURRENCIES)


@pytest.mark.parametrize(
    "raw, days",
    [
        ("6 weeks", 42),
        ("6", 42),  # DigiKey v4: bare weeks
        ("42 Days", 42),
        ("42 日", 42),
        ("8 Wochen", 56),
        ("10 jours", 10),
        ("6週間", 42),
        ("15天", 15),
        ("4 wks.", 28),
        ("6-8 weeks", 56),  # range: the upper end
        ("3 months", 90),
        ("2 ヶ月", 60),
        (6, 42),
        ("Unknown", None),
        ("", None),
        (None, None),
        ("6 fortnights", None),
    ],
)
def test_parse_lead_time_days(raw, days):
    assert text.parse_lead_time_days(raw) == days


def test_lead_time_bare_unit():
    assert text.parse_lead_time_days("42", bare_unit="days") == 42
    assert text.parse_lead_time_days(84, bare_unit="days") == 84
    assert text.parse_lead_time_days("6", bare_unit=None) is None
    assert text.parse_lead_time_days("6 weeks", bare_unit="days") == 42  # an explicit unit wins


def test_parse_date_and_bool():
    assert text.parse_date("2026-03-31T00:00:00Z") == date(2026, 3, 31)
    assert text.parse_date("2026-03-31") == date(2026, 3, 31)
    assert text.parse_date("31.12.2025") is None
    assert text.parse_bool("true") is True and text.parse_bool("False") is False
    assert text.parse_bool("maybe") is None


# ---------------------------------------------------------------- properties


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=0, max_value=10**12), st.sampled_from([",", ".", " ", "'", ""]), st.text(max_size=8)
)
def test_quantity_roundtrip_with_grouping(n, sep, suffix):
    """Any whole number written with one kind of thousands separator reads back exactly."""
    digits = str(n)
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    written = sep.join(groups)
    suffix = "".join(
        ch
        for ch in suffix
        if not any(c.isdigit() or c in ".,' -\u2212\u2013" for c in unicodedata.normalize("NFKC", ch))
    )
    assert text.parse_quantity(f"{written} {suffix}") == n


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=99))
def test_price_english_and_european_formats_agree(units, cents):
    """The same amount written the English and the European way parses to the same number."""
    english = f"${units:,}.{cents:02d}"
    european = f"{units:,}".replace(",", ".") + f",{cents:02d} €"
    expected = units + cents / 100
    assert text.parse_price(english).amount == pytest.approx(expected)
    assert text.parse_price(european).amount == pytest.approx(expected)
    assert text.parse_price(english).currency == "USD"
    assert text.parse_price(european).currency == "EUR"


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=30), st.integers(), st.floats(allow_nan=True)))
def test_helpers_never_raise(value):
    text.parse_quantity(value)
    text.parse_price(value)
    text.parse_lead_time_days(value)
    text.parse_date(value)
    text.parse_bool(value)
    text.normalize_currency(value)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=5000), st.sampled_from(["weeks", "Wochen", "wks", "週間"]))
def test_weeks_are_seven_days(n, unit):
    assert text.parse_lead_time_days(f"{n} {unit}") == 7 * n
