"""The risk report in a real browser: Debian's headless Chromium driven by Playwright (no download).

For the overview, one part page and the concentration page: the page loads from file:// with no
request leaving the file and no console error, every Plotly figure drew non-empty SVG, the ranked table
starts with marts.buffer_plan's first row, and a non-blank screenshot is written beside the report.
"""

from __future__ import annotations

import shutil
import struct
import zlib
from pathlib import Path

import duckdb
import pytest

from orchestration.report.views import part_slug

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                                  reason="Debian's chromium is not installed (.ci/run installs it)")]


def png_pixels_vary(png: bytes) -> bool:
    """True when the decoded image has more than a handful of distinct byte values (not one flat colour)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, data = 8, b""
    while position < len(png):
        length, kind = struct.unpack(">I4s", png[position:position + 8])
        if kind == b"IDAT":
            data += png[position + 8:position + 8 + length]
        position += 12 + length
    return len(set(zlib.decompress(data))) > 16


def test_png_check_tells_a_flat_image_from_a_drawn_one():
    def png(rows: list[bytes], width: int) -> bytes:
        raw = b"".join(b"\x00" + row for row in rows)
        header = struct.pack(">IIBBBBB", width, len(rows), 8, 0, 0, 0, 0)
        chunk = lambda kind, body: struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))  # noqa: E731
        return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    assert not png_pixels_vary(png([b"\xff" * 64] * 8, 64))
    assert png_pixels_vary(png([bytes(range(i, i + 64)) for i in range(8)], 64))


@pytest.fixture(scope="module")
def report(built_warehouse) -> Path:
    path = built_warehouse.warehouse.parent / "serving" / "report" / "index.html"
    assert path.exists(), "the refresh did not build the risk report"
    return path


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def first_ranked(built_warehouse) -> tuple[str, str, float]:
    serving = built_warehouse.warehouse.parent / "serving" / "partrisk.duckdb"
    with duckdb.connect(str(serving), read_only=True) as conn:
        return conn.execute("""select mpn, manufacturer, funded_capital_usd from marts.buffer_plan where strategy <> 'JIT'
                               order by funding_rank nulls last, mpn, manufacturer limit 1""").fetchall()[0]


def open_route(browser, report: Path, route: str) -> tuple:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{report.as_uri()}#{route}", wait_until="load")
    page.wait_for_function("""() => Array.from(document.querySelectorAll('section.page:not([hidden]) div.figure'))
                                        .every(node => node.dataset.drawn === '1')""", timeout=30_000)
    return page, requests, errors


def figures_drawn(page) -> list[dict]:
    """Per figure of the visible page: its traces and the length of the longest SVG path it drew."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('section.page:not([hidden]) div.figure'))
        .map(node => ({id: node.dataset.figure,
                       traces: node.querySelectorAll('svg.main-svg g.trace').length,
                       longest: Math.max(0, ...Array.from(node.querySelectorAll('svg.main-svg g.trace path'))
                                              .map(p => (p.getAttribute('d') || '').length))}))""")


@pytest.mark.slow
@pytest.mark.parametrize("route", ["today", "part", "concentration"])
def test_page_loads_offline_draws_every_figure_and_writes_a_screenshot(browser, report, built_warehouse, route):
    mpn, manufacturer, _capital = first_ranked(built_warehouse)
    target = f"part/{part_slug(mpn, manufacturer)}" if route == "part" else route
    page, requests, errors = open_route(browser, report, target)
    try:
        assert page.evaluate("document.body.dataset.page") == ("page-" + target.replace("/", "-"))
        assert {url.split("#")[0] for url in requests} == {report.as_uri()}, requests
        assert errors == []
        drawn = figures_drawn(page)
        assert drawn, f"no figure on {target}"
        for figure in drawn:
            assert figure["traces"] > 0 and figure["longest"] > 10, figure
        shots = report.parent / "screenshots"
        shots.mkdir(exist_ok=True)
        shot = shots / f"{route}.png"
        page.screenshot(path=str(shot))
        assert png_pixels_vary(shot.read_bytes())
    finally:
        page.close()


@pytest.mark.slow
def test_the_ranked_table_first_row_matches_the_buffer_plan(browser, report, built_warehouse):
    mpn, manufacturer, capital = first_ranked(built_warehouse)
    page, requests, errors = open_route(browser, report, "act")
    try:
        cells = page.evaluate("""() => Array.from(document.querySelectorAll('#page-act tbody tr')[0].cells)
                                        .map(cell => cell.innerText.trim())""")
        assert cells[0] == "1" and cells[1] == mpn and cells[2] == manufacturer
        assert f"${capital:,.0f}" in cells
        link = page.locator("#page-act tbody tr").first.locator("a").get_attribute("href")
        assert link == f"#part/{part_slug(mpn, manufacturer)}"
        assert errors == [] and {url.split("#")[0] for url in requests} == {report.as_uri()}
    finally:
        page.close()
