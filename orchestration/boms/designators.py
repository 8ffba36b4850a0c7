"""Reference-designator lists: "C1, C2, C5", "C1 C2 C5", "R1-R4", "R1–R4", "R1..R4", "R1-4", mixed."""

from __future__ import annotations

import re

__all__ = ["DESIGNATOR_RE", "MAX_RANGE", "expand_designators", "is_designator_list"]

# One designator: a letter, then letters/underscores/dashes, a number and an optional unit letter
# ("R1", "FID3", "USB-UART1", "BAT_SENS_E1", "U1A"). Whole-word names without a number ("CE", "Logo_OSHW")
# are accepted by expand_designators (they are real refdes in KiCad) but do not count as
# designator-shaped in the content test.
DESIGNATOR_RE = re.compile(r"^[A-Z][A-Z_\-]*\d+[A-Z]?$", re.IGNORECASE)
MAX_RANGE = 2000  # "R1-R99999" is a typo, not 99999 resistors

_RANGE_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212~"
# A range: prefix+number, a range mark, optional same prefix, number. The start must end in a digit.
_RANGE_RE = re.compile(
    rf"^(?P<prefix>[A-Z][A-Z_]*?)(?P<start>\d+)(?:\.\.\.?|[{_RANGE_DASHES}]|:)(?P<prefix2>[A-Z][A-Z_]*?)?(?P<end>\d+)$",
    re.IGNORECASE,
)
# Spaces around a range mark ("R1 - R4", "R1 .. R4") are closed up before splitting on whitespace; only
# when a digit precedes the mark and a designator/number follows, so "USB - UART1" is not touched.
_CLOSE_UP_RE = re.compile(rf"(?<=\d)\s*(\.\.\.?|[{_RANGE_DASHES}])\s*(?=[A-Za-z_]*\d)")
_SPLIT_RE = re.compile(r"[\s,;/+]+")


def _expand_token(token: str) -> list[str]:
    m = _RANGE_RE.match(token)
    if m:
        prefix, prefix2 = m.group("prefix"), m.group("prefix2")
        start_s, end_s = m.group("start"), m.group("end")
        start, end = int(start_s), int(end_s)
        if (prefix2 is None or prefix2.upper() == prefix.upper()) and start <= end <= start + MAX_RANGE:
            width = len(start_s) if start_s.startswith("0") and len(start_s) > 1 else 0
            return [f"{prefix}{n:0{width}d}" if width else f"{prefix}{n}" for n in range(start, end + 1)]
    return [token]


def expand_designators(text: str | None) -> list[str]:
    """Upper-cased designators in order of first appearance, ranges expanded, duplicates dropped."""
    if text is None:
        return []
    text = _CLOSE_UP_RE.sub(r"\1", str(text).strip())
    out: dict[str, None] = {}
    for token in _SPLIT_RE.split(text):
        token = token.strip().strip("\"'")
        if not token:
            continue
        for des in _expand_token(token):
            out.setdefault(des.upper(), None)
    return list(out)


def is_designator_list(text: str | None) -> bool:
    """True when every designator of `text` has the designator shape (content test for the column)."""
    des = expand_designators(text)
    return bool(des) and all(DESIGNATOR_RE.match(d) for d in des)
