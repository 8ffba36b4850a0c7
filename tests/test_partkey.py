"""orchestration.partkey: MPN normalisation, manufacturer keys/aliases, distributor SKU shapes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.partkey import (
    BUILTIN_MANUFACTURER_ALIASES,
    PACKAGING_SUFFIX_RULES,
    AliasCycleError,
    alias_table,
    canonical_manufacturer,
    distributor_sku_kind,
    manufacturer_key,
    normalize_mpn,
    resolve_aliases,
)


@pytest.mark.parametrize(
    ("raw", "maker", "expected"),
    [
        ("grm155r71c104ka88d", "Murata", "GRM155R71C104KA88D"),
        ("  LY L29K-H1K2-26-Z ", "OSRAM", "LYL29K-H1K2-26-Z"),
        ("A-DS 09 PP/Z", None, "A-DS09PP/Z"),
        ("MCP98243-BE/ST    ", None, "MCP98243-BE/ST"),
        ("LM358\u2013BAIPWR", None, "LM358-BAIPWR"),  # en dash
        ("LM358\u2212BAIPWR", None, "LM358-BAIPWR"),  # minus sign
        ("LM358\u2011BAIPWR", None, "LM358-BAIPWR"),  # non-breaking hyphen
        ("ＬＭ３５８", None, "LM358"),  # full width
        ("9551667812741", None, "9551667812741"),  # all digits stay text
        ("0022232061", None, "0022232061"),  # leading zero kept
        ("LTC3807EFE#PBF", "Linear Technology", "LTC3807EFE"),
        ("LTC3807EFE#TRPBF", "Analog Devices Inc.", "LTC3807EFE"),
        ("LTC3807EFE#TRPBF", None, "LTC3807EFE"),  # distinctive: applies without a maker
        ("MAX6034BEXR25+T", "Maxim Integrated", "MAX6034BEXR25+"),
        ("LM4040DIX3-5.0+T", None, "LM4040DIX3-5.0+T"),  # Maxim rule is not distinctive
        ("BC856AT,115", "NXP", "BC856AT"),
        ("2N7002P,215", "Nexperia USA Inc.", "2N7002P"),
        ("2N7002P,215", None, "2N7002P"),  # distinctive 12NC code
        ("SMAJ18A-TR", "STMicroelectronics", "SMAJ18A"),
        ("SMAJ18A-TR", None, "SMAJ18A-TR"),  # -TR only where the maker is known to mean reel
        ("ATMEGA328P-AUR", "Atmel", "ATMEGA328P-AU"),
        ("SML-LX0603SRW-TR", "Lumex", "SML-LX0603SRW-TR"),
        ("GRM1555C1H102JA01#", "Murata", "GRM1555C1H102JA01#"),
        ("#PBF", None, "#PBF"),  # never strip to nothing
        ("", None, None),
        ("   ", "TI", None),
        (None, "TI", None),
    ],
)
def test_normalize_mpn(raw, maker, expected):
    assert normalize_mpn(raw, maker) == expected


def test_packaging_rules_are_keyed_by_canonical_key():
    for key in PACKAGING_SUFFIX_RULES:
        assert manufacturer_key(key) == key
    assert {"ANALOG DEVICES", "NXP", "NEXPERIA", "STMICROELECTRONICS"} <= set(PACKAGING_SUFFIX_RULES)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("YAGEO (VA)", "YAGEO"),
        ("Texas Instruments Incorporated", "TEXAS INSTRUMENTS"),
        ("TEXAS INSTRUMENTS", "TEXAS INSTRUMENTS"),
        ("Nexperia USA Inc.", "NEXPERIA"),
        ("Murata Electronics", "MURATA"),
        ("MURATA ELECTRONICS (VA)", "MURATA"),
        ("KINGBRIGHT COMPANY LLC (VA)", "KINGBRIGHT"),
        ("Würth Elektronik", "WURTH"),
        ("Wurth Electronics Inc", "WURTH"),
        ("STMicroelectronics N.V.", "STMICROELECTRONICS"),
        ("Samsung Electro-Mechanics", "SAMSUNG ELECTRO MECHANICS"),
        ("Samsung Electronics", "SAMSUNG"),
        ("ON Semiconductor", "ON"),
        ("Vishay/Dale", "VISHAY DALE"),
        ("Co., Ltd.", "CO"),  # never strips to nothing
        ("", None),
        (None, None),
    ],
)
def test_manufacturer_key(name, key):
    assert manufacturer_key(name) == key


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("TI", "Texas Instruments"),
        ("Texas Instruments Incorporated", "Texas Instruments"),
        ("Nexperia USA Inc.", "Nexperia"),
        ("Murata Electronics", "Murata"),
        ("onsemi", "onsemi"),
        ("ON Semiconductor", "onsemi"),
        ("STMICRO", "STMicroelectronics"),
        ("Linear Technology", "Analog Devices"),
        ("ADI", "Analog Devices"),
        ("Vishay Siliconix", "Vishay"),
        ("Vishay/Dale", "Vishay"),
        ("International Rectifier", "Infineon Technologies"),
        ("Samsung Electro-Mechanics", "Samsung Electro-Mechanics"),
        ("SAMSUNG", "Samsung Semiconductor"),
        ("AVX CORPORATION (VA)", "KYOCERA AVX"),
        ("SILICON LABORATORIES INC", "Silicon Labs"),
        ("PANASONIC ELECTRONIC COMPONENTS (VA)", "Panasonic"),
        ("Wuerth", "Würth Elektronik"),
        ("Diodes Inc", "Diodes Incorporated"),
    ],
)
def test_canonical_manufacturer_known(name, canonical):
    assert canonical_manufacturer(name) == (canonical, True)


def test_canonical_manufacturer_unknown_and_blank():
    assert canonical_manufacturer("  Acme Widgets ") == ("Acme Widgets", False)
    assert canonical_manufacturer(None) == (None, False)
    assert canonical_manufacturer("") == (None, False)


def test_builtin_aliases_have_no_conflicting_keys():
    seen: dict[str, str] = {}
    for alias, canonical in BUILTIN_MANUFACTURER_ALIASES:
        key = manufacturer_key(alias)
        assert seen.setdefault(key, canonical) == canonical, alias
    assert len({c for _, c in BUILTIN_MANUFACTURER_ALIASES}) >= 40


def test_alias_table_extra_overrides_builtin():
    rows = alias_table([("TI", "TI Custom"), ("Acme Corp.", "Acme")])
    by_key = {row.alias_key: (row.alias, row.manufacturer) for row in rows}
    assert by_key["TI"] == ("TI", "TI Custom")
    assert by_key["ACME"] == ("Acme Corp.", "Acme")
    assert len(by_key) == len(rows)  # one row per key
    assert canonical_manufacturer("acme corporation", rows) == ("Acme", True)
    assert canonical_manufacturer("Texas Instruments", rows) == ("Texas Instruments", True)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("311-15LRCT-ND", "digikey"),
        ("490-2436-1-ND", "digikey"),
        ("MCP4922-E/P-ND", "digikey"),
        ("YAG3180CT-ND", "digikey"),
        (" 296-1234-1-nd ", "digikey"),
        ("595-LM358BAIPWR", "mouser"),
        ("771-PMV45EN2R", "mouser"),
        ("78-MSS2P2HM3_A/H", "mouser"),
        ("538-53398-0871", "mouser"),
        ("2N7002P,215", None),
        ("74LVC1G14GW,125", None),
        ("08-50-0114", None),
        ("5-1814400-1", None),
        ("3020-14-0100-00", None),
        ("110-44-308-41-001000", None),
        ("1N4007-TP", None),
        ("LM358", None),
        ("", None),
        (None, None),
    ],
)
def test_distributor_sku_kind(text, kind):
    assert distributor_sku_kind(text) == kind


# ---------------------------------------------------------------------------------------- properties
_MAKERS = [None, "TI", "NXP", "Nexperia", "Linear Technology", "Maxim", "ST", "Atmel", "Murata", "Acme"]
_DASH_CHARS = ["-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30), st.sampled_from(_MAKERS))
def test_normalize_mpn_idempotent(text, maker):
    once = normalize_mpn(text, maker)
    assert normalize_mpn(once, maker) == once


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="ABCDEFGHJKLMNPRSTUVWXYZ0123456789-/.#+,", min_size=1, max_size=20),
    st.sampled_from(_MAKERS),
    st.data(),
)
def test_normalize_mpn_case_space_dash_invariance(mpn, maker, data):
    variant = "".join(
        (data.draw(st.sampled_from(_DASH_CHARS)) if ch == "-" else ch.lower() if data.draw(st.booleans()) else ch)
        + data.draw(st.sampled_from(["", "", " ", "\t", "\u00a0"]))
        for ch in mpn
    )
    assert normalize_mpn(" " + variant + " ", maker) == normalize_mpn(mpn, maker)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_manufacturer_key_idempotent(text):
    once = manufacturer_key(text)
    assert manufacturer_key(once) == once


# ------------------------------------------------------------------------------------ one resolution
# The reproduced case: the user's file maps two spellings to "Maxim Integrated", which the built-in table
# maps to "Analog Devices"; a third spelling is known only through the user's file.
USER_ALIASES = [
    ("MAXIM INTEGRATED PRODUCTS INC", "Maxim Integrated", "reference/manufacturer_aliases.csv line 2"),
    ("Maxim Integ.", "Maxim Integrated", "reference/manufacturer_aliases.csv line 3"),
    ("Acme Semi", "Acme Semiconductor Works", "reference/manufacturer_aliases.csv line 4"),
    ("ACME SW", "Acme Semi", "reference/manufacturer_aliases.csv line 5"),
]


def test_chains_resolve_transitively_and_the_users_file_wins():
    table = resolve_aliases(USER_ALIASES)
    by_key = {row.alias_key: row for row in table}
    row = by_key[manufacturer_key("MAXIM INTEGRATED PRODUCTS INC")]
    assert (row.manufacturer, row.origin) == ("Analog Devices", "landing")
    assert row.resolution == ("MAXIM INTEGRATED PRODUCTS INC (reference/manufacturer_aliases.csv line 2) "
                              "-> Maxim Integrated (built-in) -> Analog Devices")
    assert by_key["ACME SW"].manufacturer == "Acme Semiconductor Works"  # A -> B -> C gives A -> C
    assert canonical_manufacturer("Acme Semiconductor Works", table) == ("Acme Semiconductor Works", True)
    overridden = resolve_aliases([("TI", "TI Custom", "line 2")])
    assert {r.alias_key: r.manufacturer for r in overridden}["TI"] == "TI Custom"


def test_the_three_keys_of_one_part_become_one():
    table = resolve_aliases(USER_ALIASES)
    spellings = ["Maxim Integrated", "MAXIM INTEGRATED PRODUCTS INC", "Maxim Integ."]
    keys = {(normalize_mpn("MAX6034BEXR25+T", maker, table), canonical_manufacturer(maker, table)[0])
            for maker in spellings}
    assert keys == {("MAX6034BEXR25+", "Analog Devices")}


def test_an_alias_cycle_names_its_rows():
    with pytest.raises(AliasCycleError) as error:
        resolve_aliases([("Foo Corp", "Bar", "line 2"), ("Bar", "Baz", "line 3"), ("Baz", "Foo", "line 4")])
    assert str(error.value) == ("manufacturer aliases form a cycle: Foo Corp -> Bar (line 2); "
                                "Bar -> Baz (line 3); Baz -> Foo (line 4)")


_RESOLVED = resolve_aliases(USER_ALIASES)
_SUFFIXED_MPNS = ["MAX6034BEXR25+T", "LTC3807EFE#TRPBF", "BC856AT,115", "SMAJ18A-TR", "ATMEGA328P-AUR",
                  "GRM155R71C104KA88D", "LM358BAIPWR"]


_SPELLINGS_BY_MAKER: dict[str, list[str]] = {}
for _row in _RESOLVED:
    _SPELLINGS_BY_MAKER.setdefault(_row.manufacturer, [_row.manufacturer]).append(_row.alias)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(_SPELLINGS_BY_MAKER)),
       st.one_of(st.sampled_from(_SUFFIXED_MPNS), st.text(alphabet="ABCDEFGHJKLMNPRSTUVWXYZ0123456789-/.#+,", max_size=16)))
def test_keys_do_not_depend_on_the_spelling(maker, mpn):
    """Every spelling that resolves to one maker (built-in or the user's file) gives the same key."""
    keys = {(normalize_mpn(mpn, spelling, _RESOLVED), canonical_manufacturer(spelling, _RESOLVED))
            for spelling in _SPELLINGS_BY_MAKER[maker]}
    assert keys == {(normalize_mpn(mpn, maker, _RESOLVED), (maker, True))}, keys
