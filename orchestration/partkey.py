"""The part key: pure functions shared by the feed parsers, the BOM reader and the re-key step.

A part's key is (`mpn`, `manufacturer`), computed in two stages so that an alias change never needs a
feed file parsed again:

1. at raw load, from the spelling alone: ``basic_mpn(mpn_raw)`` (case, width, dashes, spaces) and
   ``manufacturer_key(manufacturer_raw)`` (accents, legal forms, punctuation);
2. in the re-key step (orchestration/warehouse/part_keys.py), from the resolved alias table:
   ``resolve_aliases()`` (the built-in table plus reference/manufacturer_aliases.csv, chains followed)
   gives the canonical maker, and ``key_part()`` applies that maker's packaging-suffix rules.

``normalize_mpn(mpn_raw, manufacturer_raw, table)`` is both stages in one call. Everything here is
data-driven: the packaging-suffix rules and the manufacturer aliases are tables, not branches, so
adding a maker is one row.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "BUILTIN_MANUFACTURER_ALIASES",
    "PACKAGING_SUFFIX_RULES",
    "Alias",
    "AliasCycleError",
    "SuffixRule",
    "alias_table",
    "basic_mpn",
    "canonical_manufacturer",
    "distributor_sku_kind",
    "key_part",
    "manufacturer_key",
    "normalize_mpn",
    "resolve_aliases",
]

# --------------------------------------------------------------------------------------------------
# MPN normalisation
# --------------------------------------------------------------------------------------------------

# Every Unicode dash / minus that engineers' tools (Word, Excel autocorrect, PDFs) put into part numbers.
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\uff0d\u00ad\u02d7\u2e3a\u2e3b"
_DASH_RE = re.compile(f"[{_DASHES}]")
_SPACE_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class SuffixRule:
    """Strip `pattern` (a regex anchored at the end) from an MPN, replacing it with `replacement`.

    `distinctive` rules are specific enough to apply even when the manufacturer is missing or unknown
    (a bare MPN list): no other maker writes `#TRPBF` or an NXP 12NC `,115` packaging code.
    """

    pattern: str
    replacement: str = ""
    distinctive: bool = False
    note: str = ""


# Keyed (below, in PACKAGING_SUFFIX_RULES) by the manufacturer_key of the *canonical* name (see
# BUILTIN_MANUFACTURER_ALIASES), so every
# alias of a maker (ADI, Linear Technology, Maxim…) shares its rules. Only suffixes that denote packaging
# (reel/tube/tray) of the very same die and ordering code are stripped: the base MPN then matches
# whichever packaging a distributor stocks. Suffixes that change the part (TI `/NOPB`, Vishay `-E3`,
# TI's R/T reel letters that are glued to the package code) are deliberately left alone.
_NXP_12NC = SuffixRule(r",\d{3}$", "", True, "NXP/Nexperia 12NC packaging code: BC856AT,115 -> BC856AT")
_RULES_BY_CANONICAL: dict[str, tuple[SuffixRule, ...]] = {
    "Analog Devices": (
        # Linear Technology heritage: LTC3807EFE#PBF (tube), LTC3807EFE#TRPBF (reel), #TR, #WTRPBF.
        SuffixRule(r"#(?:W?TR|TRM)?PBF$", "", True, "LTC lead-free packaging: #PBF/#TRPBF/#TRMPBF"),
        SuffixRule(r"#W?TRM?$", "", True, "LTC tape & reel (leaded): #TR"),
        # Maxim heritage: MAX6034BEXR25+T -> MAX6034BEXR25+ (the '+' = lead-free stays, 'T' = reel goes).
        SuffixRule(r"\+T(?:10|W)?$", "+", False, "Maxim tape & reel after the lead-free '+'"),
        SuffixRule(r"-T$", "", False, "Maxim leaded tape & reel"),
    ),
    "NXP Semiconductors": (_NXP_12NC,),
    "Nexperia": (_NXP_12NC,),
    "STMicroelectronics": (
        SuffixRule(r"-TR$", "", False, "ST tape & reel ordering option: SMAJ18A-TR -> SMAJ18A"),
    ),
    "Microchip Technology": (
        # Microchip/Atmel reel option: ATMEGA328P-AUR is the reel of ATMEGA328P-AU; only "-xxR" after
        # a 2-letter Atmel package code is safe, Microchip's own "T-" infix is not a suffix.
        SuffixRule(r"(?<=-[A-Z]{2})R$", "", False, "Atmel -AUR/-MUR reel of -AU/-MU"),
    ),
}

# Built once: every rule flagged `distinctive`, applied when the manufacturer is missing or unknown.
_DISTINCTIVE_RULES: tuple[SuffixRule, ...] = tuple(
    dict.fromkeys(r for rules in _RULES_BY_CANONICAL.values() for r in rules if r.distinctive)
)


def _strip_suffixes(mpn: str, rules: Iterable[SuffixRule]) -> tuple[str, list[str]]:
    """The MPN without its packaging suffixes, and the notes of the rules that stripped one."""
    rules = tuple(rules)
    applied: list[str] = []
    changed = True
    while changed:  # fixpoint, so the result is idempotent even for stacked suffixes
        changed = False
        for rule in rules:
            new = re.sub(rule.pattern, rule.replacement, mpn)
            if new != mpn and new.strip("+-#,/") != "":
                mpn, changed = new, True
                applied.append(rule.note or rule.pattern)
    return mpn, applied


def _basic_mpn(text: str) -> str:
    for _ in range(4):  # fixpoint: removing a space can let NFKC compose again ("A ́" -> "Á")
        new = _SPACE_RE.sub("", _DASH_RE.sub("-", unicodedata.normalize("NFKC", text))).upper()
        if new == text:
            break
        text = new
    return text


def basic_mpn(mpn_raw: str | None) -> str | None:
    """The MPN as spelled, cleaned: upper-case, NFKC (full-width -> ASCII), every Unicode dash -> "-",
    whitespace removed; None for a missing/blank one. It does not depend on the maker, so raw load
    stores it (`mpn_key`) and an alias change never needs a file parsed again."""
    if mpn_raw is None:
        return None
    return _basic_mpn(str(mpn_raw)) or None


def key_part(mpn: str | None, canonical: str | None, known: bool) -> tuple[str | None, str]:
    """(the part's MPN, why): `mpn` (a ``basic_mpn``) without the packaging suffixes of the canonical
    maker's rules; when the maker is unknown or missing, only the *distinctive* rules apply."""
    if mpn is None:
        return None, "no MPN"
    if known and canonical is not None:
        rules = PACKAGING_SUFFIX_RULES.get(manufacturer_key(canonical) or "", ())
        scope = f"{canonical} suffix rules"
    else:
        rules = _DISTINCTIVE_RULES
        scope = "distinctive suffix rules (maker unknown)"
    stripped, applied = _strip_suffixes(mpn, rules) if rules else (mpn, [])
    if applied:
        return stripped, f"{scope}: {'; '.join(applied)}"
    return stripped, "MPN as written (no packaging suffix)"


def normalize_mpn(
    mpn_raw: str | None, manufacturer_raw: str | None = None, table: Iterable[Alias] | None = None
) -> str | None:
    """Matching key of an MPN; None for a missing/blank one.

    ``basic_mpn``, then the packaging suffixes of PACKAGING_SUFFIX_RULES for the manufacturer's canonical
    name in `table` (an ``alias_table()``, default the built-in one); when the manufacturer is missing or
    unknown only the *distinctive* rules apply. Always a string (an all-digit MPN stays text, leading
    zeros included). Idempotent.
    """
    return key_part(basic_mpn(mpn_raw), *canonical_manufacturer(manufacturer_raw, table))[0]


# --------------------------------------------------------------------------------------------------
# Manufacturer key
# --------------------------------------------------------------------------------------------------

# Legal-form tokens (after dots are removed and punctuation becomes spaces), stripped from the END only.
_LEGAL_SUFFIXES = frozenset(
    """INC INCORPORATED CORP CORPORATION CO COMPANY LTD LIMITED LLC LLP LP GMBH AG KG NV BV SA SAS SARL
    SPA SRL PLC PTE PTY KK OY AB ASA SE ULC""".split()
)
# Descriptive tails that distributors add or drop at will ("Murata Electronics", "Nexperia USA",
# "Rohm Semiconductor", "Infineon Technologies"). Stripped from the end only and never the last token, so
# "Samsung Electro-Mechanics" (→ SAMSUNG ELECTRO MECHANICS) stays distinct from "Samsung Electronics"
# (→ SAMSUNG) and "ON Semiconductor" becomes ON.
_NOISE_SUFFIXES = frozenset(
    """ELECTRONICS ELECTRONIC ELEKTRONIK SEMICONDUCTOR SEMICONDUCTORS TECHNOLOGY TECHNOLOGIES COMPONENTS
    INTERNATIONAL AMERICA AMERICAS USA US EUROPE GROUP HOLDINGS""".split()
)
_MULTI_TOKEN_TAILS = (("NORTH", "AMERICA"), ("CO", "KG"), ("AND", "CO"))
_PAREN_RE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_NON_WORD_RE = re.compile(r"[\W_]+")


def _manufacturer_tokens(name: str) -> list[str]:
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold()
    prev = None
    while prev != text:  # nested / several parenthetical tails: "YAGEO (VA)", "Amphenol (FCI)"
        prev, text = text, _PAREN_RE.sub(" ", text)
    text = text.replace(".", "").replace("'", "").replace("\u2019", "")
    text = text.replace("&", " and ")
    tokens = _NON_WORD_RE.sub(" ", text).upper().split()
    changed = True
    while changed and len(tokens) > 1:
        changed = False
        for tail in _MULTI_TOKEN_TAILS:
            if len(tokens) > len(tail) and tuple(tokens[-len(tail):]) == tail:
                del tokens[-len(tail):]
                changed = True
        if len(tokens) > 1 and (tokens[-1] in _LEGAL_SUFFIXES or tokens[-1] in _NOISE_SUFFIXES):
            tokens.pop()
            changed = True
        if len(tokens) > 1 and tokens[-1] == "AND":
            tokens.pop()
            changed = True
    return tokens


def manufacturer_key(name: str | None) -> str | None:
    """Cleaning key for alias lookup: accents dropped, casefolded, parenthetical tails and legal forms
    removed, punctuation → spaces, upper-case. ``"YAGEO (VA)" → "YAGEO"``,
    ``"Texas Instruments Incorporated" → "TEXAS INSTRUMENTS"``, ``"Würth Elektronik" → "WURTH"``.
    None for a blank name. Idempotent."""
    if name is None:
        return None
    key = " ".join(_manufacturer_tokens(str(name)))
    # The token pipeline is a fixpoint for ordinary text; iterate for exotic Unicode (case mappings that
    # are not round-trips) so idempotence holds for every input.
    for _ in range(3):
        again = " ".join(_manufacturer_tokens(key))
        if again == key:
            break
        key = again
    return key or None


# --------------------------------------------------------------------------------------------------
# Manufacturer aliases
# --------------------------------------------------------------------------------------------------

# (alias, canonical). The canonical names are written the way the big distributors write them. Acquired
# brands map to the current owner, as distributors list them (Linear/Maxim → Analog Devices, Atmel/Micrel
# → Microchip, IR/Cypress → Infineon, Fairchild → onsemi, Intersil/IDT/Dialog → Renesas).
_ALIASES_BY_CANONICAL: dict[str, tuple[str, ...]] = {
    "Texas Instruments": ("TI", "Texas Instruments Incorporated", "TEXAS INSTRUMENTS", "Texas Instr",
                          "National Semiconductor", "Burr-Brown"),
    "Analog Devices": ("ADI", "Analog Devices Inc.", "Analog Devices Inc./Maxim Integrated",
                       "Linear Technology", "Linear Technology Corporation", "Linear Tech", "LTC",
                       "Maxim Integrated", "Maxim", "Maxim Integrated Products", "Hittite"),
    "STMicroelectronics": ("ST", "STM", "STMICRO", "ST Micro", "ST Microelectronics", "SGS-Thomson"),
    "onsemi": ("ON Semiconductor", "ON Semi", "ONSEMI", "ON", "Semiconductor Components Industries",
               "Fairchild Semiconductor", "Fairchild"),
    "Microchip Technology": ("Microchip", "Microchip Technology Inc.", "MCHP", "Atmel", "Atmel Corporation",
                             "Micrel", "Microsemi", "Silicon Storage Technology", "SST"),
    "NXP Semiconductors": ("NXP", "NXP USA Inc.", "NXP B.V.", "Freescale", "Freescale Semiconductor",
                           "Philips Semiconductors"),
    "Nexperia": ("Nexperia USA Inc.", "Nexperia B.V.", "NEXPERIA"),
    "Infineon Technologies": ("Infineon", "IFX", "International Rectifier", "IR", "Infineon/IR",
                              "Cypress Semiconductor", "Cypress", "Cypress Semiconductor Corp"),
    "Murata": ("Murata Electronics", "Murata Manufacturing", "Murata Electronics North America",
               "MURATA ELECTRONICS (VA)", "Murata Power Solutions"),
    "TDK": ("TDK Corporation", "TDK Corp", "TDK-Lambda", "TDK Electronics", "EPCOS", "TDK-EPC",
            "TDK EPCOS", "InvenSense"),
    "YAGEO": ("Yageo", "YAGEO (VA)", "Yageo Corporation", "Phycomp"),
    "KEMET": ("Kemet", "KEMET Corporation", "Kemet Electronics"),
    "Vishay": ("Vishay Intertechnology", "Vishay Intertech", "Vishay Dale", "Vishay/Dale", "Dale", "Vishay Siliconix",
               "Siliconix", "Vishay Semiconductors", "Vishay General Semiconductor", "Vishay Sprague",
               "Vishay BC Components", "BC Components", "Vishay Beyschlag", "Vishay Draloric"),
    "Samsung Electro-Mechanics": ("Samsung Electro Mechanics", "SEMCO", "Samsung EM"),
    "Samsung Semiconductor": ("Samsung Electronics", "Samsung"),
    "Micron Technology": ("Micron", "Micron Technology Inc."),
    "Diodes Incorporated": ("Diodes", "Diodes Inc.", "Diodes Inc", "Diodes Zetex", "Zetex"),
    "ROHM Semiconductor": ("Rohm", "ROHM", "ROHM Co., Ltd."),
    "Toshiba": ("Toshiba Semiconductor and Storage", "Toshiba Electronic Devices & Storage",
                "Toshiba America Electronic Components", "TOSHIBA"),
    "Renesas Electronics": ("Renesas", "Intersil", "IDT", "Integrated Device Technology",
                            "Dialog Semiconductor"),
    "Amphenol": ("Amphenol ICC", "Amphenol ICC (FCI)", "Amphenol FCI", "FCI", "Amphenol RF",
                 "Amphenol Commercial Products"),
    "Molex": ("Molex Inc.", "Molex LLC", "MOLEX"),
    "TE Connectivity": ("TE", "Tyco Electronics", "TE Connectivity AMP Connectors", "AMP",
                        "TE Connectivity Ltd."),
    "Samtec": ("Samtec Inc.", "SAMTEC"),
    "Würth Elektronik": ("Wurth Elektronik", "Würth", "Wurth", "Wuerth", "Wurth Electronics",
                         "Würth Electronics Inc.", "WE"),
    "Bourns": ("Bourns Inc.", "BOURNS"),
    "Panasonic": ("Panasonic Electronic Components", "PANASONIC ELECTRONIC COMPONENTS (VA)",
                  "Panasonic Industry", "Matsushita"),
    "Taiyo Yuden": ("TAIYO YUDEN", "Taiyo Yuden Co., Ltd."),
    "KYOCERA AVX": ("AVX", "AVX Corporation", "AVX CORPORATION (VA)", "Kyocera", "Kyocera AVX Components"),
    "Littelfuse": ("Littelfuse Inc.", "Littlefuse"),
    "Espressif Systems": ("Espressif", "ESPRESSIF"),
    "Winbond Electronics": ("Winbond",),
    "Macronix": ("Macronix International",),
    "Kingbright": ("KINGBRIGHT COMPANY LLC (VA)", "Kingbright Electronic"),
    "Silicon Labs": ("Silicon Laboratories", "SILICON LABORATORIES INC", "SiLabs"),
    "KOA Speer": ("KOA", "KOA Speer Electronics"),
    "ams OSRAM": ("OSRAM", "OSRAM Opto Semiconductors", "Osram Opto", "ams", "ams AG"),
    "Abracon": ("Abracon LLC", "ABRACON"),
    "Nordic Semiconductor": ("Nordic", "Nordic Semiconductor ASA"),
    "Lite-On": ("Liteon", "Lite-On Inc.", "LITE-ON Technology"),
    "Everlight Electronics": ("Everlight",),
    "Hirose Electric": ("Hirose", "HRS"),
    "JST": ("JST Sales America", "J.S.T. Mfg", "JST Mfg. Co."),
    "Omron": ("Omron Electronics", "OMRON Electronic Components"),
    "Coilcraft": ("COILCRAFT",),
    "Stackpole Electronics": ("Stackpole", "SEI"),
    "Susumu": ("SUSUMU",),
    "Nichicon": ("NICHICON",),
    "Rubycon": ("RUBYCON",),
    "Sunlord": ("Shenzhen Sunlord Electronics",),
    "UNI-ROYAL": ("Uniroyal", "Uniroyal Electronics"),
    "Keystone Electronics": ("Keystone",),
    "C&K": ("C&K Components", "CK", "C & K Components"),
    "Broadcom": ("Avago", "Avago Technologies", "Broadcom Limited"),
    "Qorvo": ("RFMD", "TriQuint"),
    "Skyworks Solutions": ("Skyworks",),
    "Lattice Semiconductor": ("Lattice",),
    "AMD": ("Xilinx", "Advanced Micro Devices"),
    "Monolithic Power Systems": ("MPS",),
    "Alpha & Omega Semiconductor": ("AOS", "Alpha and Omega Semiconductor"),
    "WCH": ("Nanjing Qinheng Microelectronics", "WCH(Jiangsu Qin Heng)"),
    "GigaDevice": ("GigaDevice Semiconductor", "GD"),
    "Walsin": ("Walsin Technology",),
    "Harwin": ("HARWIN",),
    "Phoenix Contact": ("PHOENIX CONTACT",),
    "CUI Devices": ("CUI", "CUI Inc."),
    "Ohmite": ("OHMITE",),
    "Eaton": ("Eaton Bussmann", "Bussmann", "Cooper Bussmann"),
    "Pulse Electronics": ("Pulse",),
    "Connector City": (),
}

BUILTIN_MANUFACTURER_ALIASES: list[tuple[str, str]] = [
    (alias, canonical)
    for canonical, aliases in _ALIASES_BY_CANONICAL.items()
    for alias in (canonical, *aliases)
]


@dataclass(frozen=True)
class Alias:
    """One spelling key and the canonical maker it resolves to, with how it got there."""

    alias: str
    alias_key: str
    manufacturer: str
    origin: str  # builtin | landing (the user's file decided the first hop)
    resolution: str  # "Maxim Integrated Products (reference/manufacturer_aliases.csv line 3) -> ..."


class AliasCycleError(ValueError):
    """Alias rows that lead back to where they started; the message names every row of the loop."""


BUILTIN_ORIGIN = "built-in"


def resolve_aliases(extra: Iterable[tuple[str, str, str]] = ()) -> list[Alias]:
    """One resolution of manufacturer names, used by every key.

    The built-in table, then `extra` rows (alias, manufacturer, where: the user's file and line), which
    win over a built-in row with the same key. Chains resolve transitively: A -> B and B -> C give
    A -> C. A name that maps to itself (by key) ends a chain; a loop is an AliasCycleError naming its
    rows. Every canonical name is also its own alias, so it resolves to itself.
    """
    direct: dict[str, tuple[str, str, str]] = {}  # key -> (alias, target, where)
    for alias, canonical in BUILTIN_MANUFACTURER_ALIASES:
        direct[str(manufacturer_key(alias))] = (alias, canonical, BUILTIN_ORIGIN)
    for alias, target, where in extra:
        key = manufacturer_key(alias)
        if key is None or not str(target or "").strip():
            continue
        direct[key] = (str(alias).strip(), str(target).strip(), where)
    resolved: dict[str, Alias] = {}
    for key, (alias, _target, where) in direct.items():
        resolved[key] = _follow(key, direct, alias, where)
    for row in list(resolved.values()):  # a canonical name nobody spelled as an alias still resolves
        own = manufacturer_key(row.manufacturer)
        if own is not None and own not in resolved:
            resolved[own] = Alias(row.manufacturer, own, row.manufacturer, row.origin, row.manufacturer)
    return sorted(resolved.values(), key=lambda a: a.alias_key)


def _follow(key: str, direct: dict[str, tuple[str, str, str]], alias: str, where: str) -> Alias:
    path = [key]
    hops = [f"{alias} ({where})"]
    name = direct[key][1]
    while True:
        next_key = manufacturer_key(name)
        if next_key is None or next_key == path[-1] or next_key not in direct:
            break
        target = direct[next_key][1]
        if manufacturer_key(target) == next_key:  # a canonical name: it maps to itself
            name = target
            break
        if next_key in path:
            loop = path[path.index(next_key):]
            rows = "; ".join(f"{direct[k][0]} -> {direct[k][1]} ({direct[k][2]})" for k in loop)
            raise AliasCycleError(f"manufacturer aliases form a cycle: {rows}")
        path.append(next_key)
        hops.append(f"{name} ({direct[next_key][2]})")
        name = target
    origin = "landing" if where != BUILTIN_ORIGIN else "builtin"
    return Alias(alias, key, name, origin, " -> ".join([*hops, name]))


def alias_table(extra: Iterable[tuple[str, str]] = ()) -> list[Alias]:
    """``resolve_aliases`` for (alias, manufacturer) pairs without a location (tests, the BOM reader)."""
    return resolve_aliases((alias, target, f"extra row {n}") for n, (alias, target) in enumerate(extra, 1))


@lru_cache(maxsize=1)
def _builtin_lookup() -> dict[str, str]:
    return {a.alias_key: a.manufacturer for a in alias_table()}


def canonical_manufacturer(
    name: str | None, table: Iterable[Alias] | None = None
) -> tuple[str | None, bool]:
    """(canonical name, is_known) for Python callers; the re-key step writes the same into raw.part_keys.

    An unknown maker comes back as its stripped raw name with is_known False; a blank one as (None, False).
    `table` is an ``alias_table()`` / ``resolve_aliases()`` result (defaults to the built-in one).
    """
    key = manufacturer_key(name)
    if key is None:
        return None, False
    lookup = _builtin_lookup() if table is None else {a.alias_key: a.manufacturer for a in table}
    canonical = lookup.get(key)
    if canonical is None:
        return str(name).strip(), False
    return canonical, True


# --------------------------------------------------------------------------------------------------
# Distributor SKUs
# --------------------------------------------------------------------------------------------------

# DigiKey: every DigiKey part number ends in "-ND" ("311-15LRCT-ND", "490-2436-1-ND", "MCP4922-E/P-ND",
# "YAG3180CT-ND"). No manufacturer uses that tail.
_DIGIKEY_RE = re.compile(r"^[A-Z0-9][A-Z0-9\-/.#+_,()]*-ND$")
# Mouser: a 2-3 digit manufacturer prefix, a dash, then the maker's MPN ("595-LM358BAIPWR",
# "771-PMV45EN2R", "78-MSS2P2HM3_A/H"). To keep real MPNs that start with digits and a dash
# ("08-50-0114", "5-1814400-1", "3020-14-0100-00", "110-44-308-41-001000") the MPN part must hold a
# letter and be at least 4 characters, or be one long digit run ("538-53398-0871"). MPNs with commas
# ("2N7002P,215", "74LVC1G14GW,125") never match: no digit-only prefix followed by a dash.
_MOUSER_RE = re.compile(r"^\d{2,3}-(?:(?=[A-Z0-9\-/.#+_]*[A-Z])[A-Z0-9][A-Z0-9\-/.#+_]{3,}|\d{5,}(?:-\d+)?)$")


def distributor_sku_kind(text: str | None) -> str | None:
    """"digikey" / "mouser" when `text` has that distributor's part-number shape, else None."""
    if text is None:
        return None
    t = _SPACE_RE.sub("", _DASH_RE.sub("-", unicodedata.normalize("NFKC", str(text)))).upper()
    if len(t) < 5:
        return None
    if _DIGIKEY_RE.match(t):
        return "digikey"
    if _MOUSER_RE.match(t):
        return "mouser"
    return None


# The rule table keyed by manufacturer_key(canonical name): {"ANALOG DEVICES": (...), "NXP": (...), ...}.
PACKAGING_SUFFIX_RULES: dict[str, tuple[SuffixRule, ...]] = {
    str(manufacturer_key(canonical)): rules for canonical, rules in _RULES_BY_CANONICAL.items()
}
