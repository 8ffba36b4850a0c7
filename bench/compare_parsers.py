"""Do the current feed parsers and BOM reader give what a baseline commit's give, on the real fixtures?

The real provider responses and BOMs (`$PARTRISK_REAL_FIXTURES`, default ../shared/fixtures/real) are
parsed twice, in two processes: by the package as checked out, and by the package of `--baseline`
(a git commit, unpacked with `git archive`). Every JSON payload (a .json file, or each JSON object pasted
into a .md file) goes through every registry module's walk and the one rule set (`common.parse_with_rules`);
TME's Search and Prices files also go through it together; every BOM goes through `read_bom`. The offers
(as OFFER_SCHEMA rows), the quarantined rows, the BOM lines and report, and any exception are compared exactly.

    .venv/bin/python -m bench.compare_parsers --baseline 0397b92
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import re
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

DAY = date(2025, 10, 14)


def _payloads(path: Path) -> list[object]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return [json.loads(text)]
    decoder, blocks, pos = json.JSONDecoder(), [], 0
    for match in re.finditer(r"^\{", text, re.MULTILINE):
        if match.start() < pos:
            continue
        try:
            obj, pos = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError:
            continue
        blocks.append(obj)
    return blocks


def _outcome(fn):
    try:
        return fn()
    except Exception as error:  # noqa: BLE001 - an exception is an outcome to compare
        return ("raised", type(error).__name__, str(error))


def collect(fixtures: Path) -> dict:
    """Everything the package in sys.path makes of the real fixtures."""
    from orchestration.boms import bom_lines_to_arrow, read_bom
    from orchestration.feeds import common, tme
    from orchestration.feeds.registry import MODULES

    def feed(module, payload, name):
        table, quarantine, failed = common.parse_with_rules(module, [(name, payload)], source="real", snapshot_date=DAY)
        if failed:
            raise failed[0][1]
        return table.to_pylist(), [(q.source, q.file_path, q.location, q.rule, q.raw_value) for q in quarantine.rows()]

    out: dict = {}
    feeds = sorted((fixtures / "feeds").glob("*"))
    for path in feeds:
        for i, payload in enumerate(_payloads(path)):
            for source, module in MODULES.items():
                out[(path.name, i, source)] = _outcome(lambda m=module, x=payload, n=path.name: feed(m, x, n))
    tme_files = [(p.name, _payloads(p)[0]) for p in feeds if p.name.startswith("tme_")]

    def tme_pair():
        table, quarantine, failed = common.parse_with_rules(tme, tme_files, source="real", snapshot_date=DAY)
        return (table.to_pylist(), [(q.source, q.file_path, q.location, q.rule, q.raw_value) for q in quarantine.rows()],
                [(path, getattr(e, "reason", str(e))) for path, e in failed])

    out[("tme pair",)] = _outcome(tme_pair)
    for path in sorted((fixtures / "boms").glob("*")):
        def bom(p=path):
            parsed = read_bom(p)
            return bom_lines_to_arrow(parsed.lines).to_pylist(), json.dumps(parsed.report, sort_keys=True, default=str)

        out[("bom", path.name)] = _outcome(bom)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", required=True, help="git commit of the baseline code")
    ap.add_argument("--fixtures", type=Path,
                    default=Path(os.environ.get("PARTRISK_REAL_FIXTURES", "../shared/fixtures/real")))
    ap.add_argument("--collect-to", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.collect_to:
        args.collect_to.write_bytes(pickle.dumps(collect(args.fixtures)))
        return
    if not (args.fixtures / "feeds").is_dir():
        raise SystemExit(f"no real fixtures at {args.fixtures} (set PARTRISK_REAL_FIXTURES)")
    repo = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory(prefix="partrisk-baseline-") as tmp:
        old_tree = Path(tmp) / "baseline"
        old_tree.mkdir()
        archive = subprocess.run(["git", "-C", str(repo), "archive", args.baseline, "orchestration", "bench"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old_tree)], input=archive, check=True)
        (old_tree / "bench" / "compare_parsers.py").write_bytes(Path(__file__).read_bytes())
        results = {}
        for label, root in (("baseline", old_tree), ("current", repo)):
            dump = Path(tmp) / f"{label}.pickle"
            subprocess.run([sys.executable, "-m", "bench.compare_parsers", "--baseline", args.baseline,
                            "--fixtures", str(args.fixtures.resolve()), "--collect-to", str(dump)],
                           cwd=root, env={**os.environ, "PYTHONPATH": str(root)}, check=True)
            results[label] = pickle.loads(dump.read_bytes())
    base, current = results["baseline"], results["current"]
    differing = sorted(k for k in base.keys() | current.keys() if base.get(k) != current.get(k))
    print(f"{len(base)} parser runs on {args.fixtures}: {len(base) - len(differing)} identical, "
          f"{len(differing)} differ")
    for key in differing:
        print(f"  {key}:\n    baseline {str(base.get(key))[:300]}\n    current  {str(current.get(key))[:300]}")
    raise SystemExit(1 if differing else 0)


if __name__ == "__main__":
    main()
