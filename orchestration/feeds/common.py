"""What every JSON source shares: its walk over the decoded files hands raw records to the one rule set
(`rules.apply`).

A source module defines `READING` and `SHAPE` (see rules.py) and either `records(payload, raw)` (one file
at a time) or `records_folder(payloads, raws)` (files joined with each other: TME).
"""

from __future__ import annotations

from datetime import date

import pyarrow as pa

from . import rules


def parse_with_rules(module, payloads: list[tuple[str, object]], *, source: str, snapshot_date: date | None
                     ) -> tuple[pa.Table, rules.Quarantine, list[tuple[str, Exception]]]:
    """Walk the decoded files (a file that raises fails alone), then run the rules over all of them at once:
    (OFFER_SCHEMA table, quarantine, [(file_path, error)])."""
    raws = [rules.RawRecords(file_path, index) for index, (file_path, _) in enumerate(payloads)]
    if hasattr(module, "records_folder"):
        failed = module.records_folder(payloads, raws)
    else:
        failed = []
        for raw, (file_path, payload) in zip(raws, payloads, strict=True):
            try:
                module.records(payload, raw)
            except Exception as error:  # noqa: BLE001 - whatever a file does, it fails alone
                failed.append((file_path, error))
    refused = {file_path for file_path, _ in failed}
    records, breaks, quarantined = rules.frames([raw for raw in raws if raw.file_path not in refused])
    table, q = apply_rules(module, records, breaks, quarantined, source=source, snapshot_date=snapshot_date)
    return table, q, failed


def apply_rules(module, records, breaks, quarantined, *, source: str, snapshot_date: date | None
                ) -> tuple[pa.Table, rules.Quarantine]:
    q = rules.Quarantine(source)
    q.extend(quarantined)
    table = rules.apply(records, breaks, q, source=source, snapshot_date=snapshot_date, reading=module.READING,
                        shape=module.SHAPE)
    return table, q
