"""Late and repeated files: the landing sensor requests by content, and a late day brings its lookback."""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pytest

START = date(2025, 9, 1)


@pytest.fixture()
def landing(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "landing"
    for n in range(5):
        folder = root / "feeds" / "digikey" / str(START + timedelta(days=n))
        folder.mkdir(parents=True)
        (folder / "page.json").write_text(json.dumps({"Products": [], "day": n}))
    monkeypatch.setenv("PARTRISK_LANDING", str(root))
    return root


def evaluate(cursor: str | None):
    from orchestration.defs.automation import landing_sensor

    context = dg.build_sensor_context(cursor=cursor)
    requests = list(landing_sensor(context) or [])
    return requests, context.cursor


def test_first_evaluation_requests_the_whole_range(landing):
    [request], cursor = evaluate(None)
    assert request.tags["dagster/asset_partition_range_start"] == str(START)
    assert request.tags["dagster/asset_partition_range_end"] == str(START + timedelta(days=4))
    assert evaluate(cursor)[0] == [], "nothing changed: nothing requested"


def test_a_same_content_resend_requests_nothing(landing):
    _, cursor = evaluate(None)
    page = landing / "feeds" / "digikey" / str(START + timedelta(days=2)) / "page.json"
    content = page.read_bytes()
    time.sleep(0.01)
    page.unlink()
    page.write_bytes(content)  # re-sent: new mtime, same bytes
    os.utime(page, (time.time() + 5, time.time() + 5))
    requests, cursor2 = evaluate(cursor)
    assert requests == []
    assert evaluate(cursor2)[0] == []


def test_a_changed_past_file_requests_that_day_and_its_lookback(landing):
    from orchestration.defs.automation import changed_range

    _, cursor = evaluate(None)
    late_day = START + timedelta(days=1)
    (landing / "feeds" / "digikey" / str(late_day) / "page.json").write_text(json.dumps({"Products": [], "v": 2}))
    [request], _ = evaluate(cursor)
    # The landing ends 3 days later, so the range ends there (the lookback would reach 180 days).
    assert request.tags["dagster/asset_partition_range_start"] == str(late_day)
    assert request.tags["dagster/asset_partition_range_end"] == str(START + timedelta(days=4))
    many = [START + timedelta(days=n) for n in range(200)]
    assert changed_range([late_day], many) == (late_day, late_day + timedelta(days=180))
    assert changed_range([], many) is None


def test_a_new_day_and_a_new_file_are_noticed(landing):
    _, cursor = evaluate(None)
    new_day = START + timedelta(days=5)
    folder = landing / "feeds" / "digikey" / str(new_day)
    folder.mkdir()
    (folder / "page.json").write_text("{}")
    [request], cursor = evaluate(cursor)
    assert request.tags["dagster/asset_partition_range_start"] == str(new_day)
    assert request.tags["dagster/asset_partition_range_end"] == str(new_day)
    shutil.copy(folder / "page.json", landing / "feeds" / "digikey" / str(START) / "page2.json")
    [request], _ = evaluate(cursor)  # a new file in an old folder, not only a new folder
    assert request.tags["dagster/asset_partition_range_start"] == str(START)
