"""Fuzzing every parser: mutations of the committed provider responses and broker export.

Each example mutates one landing file (a JSON value replaced by any other JSON value, a key dropped or
doubled, the bytes cut or spliced) and parses its folder the way raw load does
(`raw_load.parse_folder`, Arrow conversion included). Nothing may escape: every file ends up loaded
(its offers typed into OFFER_SCHEMA) or failed with a reason. PARTRISK_FUZZ_EXAMPLES sets the runs per
parser (default 150; the closing note's figures were run with more).
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.feeds.records import OFFER_SCHEMA
from orchestration.warehouse import raw_load

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "feeds" / "landing"
DAY = date(2025, 10, 14)
EXAMPLES = int(os.environ.get("PARTRISK_FUZZ_EXAMPLES", "150"))
PARSERS = ["digikey", "mouser", "nexar", "tme", "lcsc", "acme_broker"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=40)
    | st.sampled_from(["10k", "1e3", "0x10", "-5", "N/A", "1.234,56 €", "", "¥", "9" * 40])
    | st.sampled_from([10**23, -(10**23), 2**63, 2**64, 1e308, -0.0]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


def _nodes(doc, path=()):
    """Every (path, node) of a JSON document."""
    yield path, doc
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _nodes(value, (*path, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            yield from _nodes(value, (*path, index))


def _replace(doc, path, value):
    if not path:
        return value
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return doc


@st.composite
def json_mutation(draw, text: str) -> bytes:
    doc = json.loads(text)
    kind = draw(st.sampled_from(["replace", "replace", "replace", "drop_key", "duplicate_key", "cut", "splice"]))
    if kind in ("cut", "splice"):
        data = text.encode()
        at = draw(st.integers(0, len(data)))
        insert = draw(st.binary(max_size=20)) if kind == "splice" else b""
        return data[:at] + insert + (data[at:] if kind == "splice" else b"")
    leaves = [p for p, node in _nodes(doc) if not isinstance(node, dict | list)]
    path = draw(st.sampled_from(leaves or [()]) | st.sampled_from([p for p, _ in _nodes(doc)]))
    if kind == "replace":
        return json.dumps(_replace(doc, path, draw(json_values))).encode()
    parent_paths = [p for p, node in _nodes(doc) if isinstance(node, dict) and node]
    if not parent_paths:
        return text.encode()
    parent_path = draw(st.sampled_from(parent_paths))
    parent = doc
    for step in parent_path:
        parent = parent[step]
    key = draw(st.sampled_from(sorted(parent)))
    if kind == "drop_key":
        del parent[key]
        return json.dumps(doc).encode()
    body = json.dumps(doc)
    needle = json.dumps({key: parent[key]})[1:-1]
    return body.replace(needle, f"{needle}, {json.dumps(key)}: {json.dumps(draw(json_values))}", 1).encode()


@st.composite
def csv_mutation(draw, text: str) -> bytes:
    lines = text.splitlines(keepends=True)
    kind = draw(st.sampled_from(["cell", "cell", "cut", "splice", "line"]))
    if kind in ("cut", "splice"):
        data = text.encode("cp1252")
        at = draw(st.integers(0, len(data)))
        return data[:at] + (draw(st.binary(max_size=20)) + data[at:] if kind == "splice" else b"")
    index = draw(st.integers(1, len(lines) - 1)) if len(lines) > 1 else 0
    if kind == "line":
        lines[index] = draw(st.text(max_size=80)) + "\n"
    else:
        cells = lines[index].rstrip("\r\n").split(";")
        cells[draw(st.integers(0, len(cells) - 1))] = draw(st.text(max_size=30) | st.sampled_from(
            ["10k", "1e3", "0x10", "-5", "9" * 30, '"', "=1+2", ";;;"]))
        lines[index] = ";".join(cells) + "\n"
    return "".join(lines).encode("cp1252", errors="replace")


def _fuzz_one(tmp_root: Path, source: str, name: str, data: bytes) -> list[str]:
    landing = tmp_root / "landing"
    shutil.rmtree(landing, ignore_errors=True)
    shutil.copytree(FIXTURES / "feeds" / source, landing / "feeds" / source)
    folder = landing / "feeds" / source / str(DAY)
    (folder / name).write_bytes(data)
    parsed = raw_load.parse_folder(source, DAY, folder, landing)  # must not raise
    assert parsed.offers.schema.equals(OFFER_SCHEMA)
    failed = {f.file_path for f in parsed.failed_files}
    assert all(f.reason for f in parsed.failed_files)
    loaded = set(parsed.offers.column("file_path").to_pylist())
    assert not (failed & loaded), "a failed file must leave no rows behind"
    return [f.reason for f in parsed.failed_files]


@pytest.mark.parametrize("source", PARSERS)
def test_no_input_escapes_a_parser(source, tmp_path_factory):
    folder = FIXTURES / "feeds" / source / str(DAY)
    files = sorted(p for p in folder.iterdir() if p.is_file())
    root = tmp_path_factory.mktemp(f"fuzz_{source}")
    broker = source.endswith("_broker")

    tally = {"runs": 0, "files_failed": 0, "unexpected_exceptions": 0}

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.data())
    def run(data):
        target = data.draw(st.sampled_from(files))
        text = target.read_text(encoding="cp1252" if broker else "utf-8")
        mutated = data.draw(csv_mutation(text) if broker else json_mutation(text))
        reasons = _fuzz_one(root, source, target.name, mutated)
        tally["runs"] += 1
        tally["files_failed"] += len(reasons)
        tally["unexpected_exceptions"] += sum(r.startswith("could not be read") for r in reasons)

    run()
    # Runs per parser, 0 escapes; files the parser could not read (each named with its reason), and how
    # many of those were exceptions no reader rule names (kept as failures, never raised).
    print(f"fuzz {source}: {tally}")
