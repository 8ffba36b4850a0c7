"""The quality report: every suite's latest validation and its recent history, as one self-contained HTML page.

It is rendered from the validation results GX stores under the quality directory. GX's own Data Docs
pull Bootstrap, jQuery, Font Awesome and Vega from public CDNs and a logo from GX's servers, so offline
they are blank; this page has its style inline, no script and no external link, so it reads the same
with no network.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import jinja2

REPORT_NAME = "report.html"
SAMPLE_VALUES = 5  # unexpected values shown per failed expectation


@dataclass
class Failure:
    expectation: str
    column: str | None
    description: str | None
    severity: str
    unexpected_count: int | None
    sample: list
    observed: object


@dataclass
class SuiteRun:
    suite: str
    run_time: str
    evaluated: int
    failed: int
    failures: list[Failure] = field(default_factory=list)

    @property
    def status(self) -> str:
        if any(f.severity == "error" for f in self.failures):
            return "failed"
        return "warning" if self.failures else "passed"


def validations_dir(root: Path) -> Path:
    return root / "gx" / "uncommitted" / "validations"


def report_path(root: Path) -> Path:
    return root / REPORT_NAME


def _run_time(result: dict, path: Path) -> str:
    run_id = (result.get("meta") or {}).get("run_id") or {}
    stamp = run_id.get("run_time") if isinstance(run_id, dict) else None
    return str(stamp or (result.get("meta") or {}).get("validation_time")
               or datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat())


def read_run(path: Path) -> SuiteRun:
    result = json.loads(path.read_text(encoding="utf-8"))
    failures = []
    for item in result.get("results", []):
        if item.get("success"):
            continue
        config = item.get("expectation_config") or {}
        meta, kwargs, res = config.get("meta") or {}, config.get("kwargs") or {}, item.get("result") or {}
        failures.append(Failure(
            expectation=config.get("type", "?"),
            column=kwargs.get("column") or kwargs.get("column_A") or ", ".join(kwargs.get("column_list", [])) or None,
            description=meta.get("description"), severity=meta.get("severity", "error"),
            unexpected_count=res.get("unexpected_count"),
            sample=list(res.get("partial_unexpected_list") or [])[:SAMPLE_VALUES], observed=res.get("observed_value")))
    stats = result.get("statistics") or {}
    return SuiteRun(suite=result.get("suite_name") or path.stem, run_time=_run_time(result, path),
                    evaluated=stats.get("evaluated_expectations", 0),
                    failed=stats.get("unsuccessful_expectations", 0), failures=failures)


def read_runs(root: Path) -> dict[str, list[SuiteRun]]:
    """Every stored run, grouped by suite, newest first."""
    by_suite: dict[str, list[SuiteRun]] = {}
    folder = validations_dir(root)
    if folder.is_dir():
        for path in folder.rglob("*.json"):
            run = read_run(path)
            by_suite.setdefault(run.suite, []).append(run)
    for runs in by_suite.values():
        runs.sort(key=lambda run: run.run_time, reverse=True)
    return dict(sorted(by_suite.items()))


def render(by_suite: dict[str, list[SuiteRun]], generated_at: datetime) -> str:
    latest = [runs[0] for runs in by_suite.values()]
    counts = {status: sum(run.status == status for run in latest) for status in ("passed", "warning", "failed")}
    return _TEMPLATE.render(by_suite=by_suite, latest=latest, counts=counts,
                            generated_at=generated_at.strftime("%Y-%m-%d %H:%M:%S UTC"))


def build_report(root: Path) -> Path:
    """Write <quality dir>/report.html (atomically) and remove GX's CDN-bound Data Docs site if one was built."""
    html = render(read_runs(root), datetime.now(UTC))
    target = report_path(root)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    temp.write_text(html, encoding="utf-8")
    os.replace(temp, target)
    shutil.rmtree(root / "gx" / "uncommitted" / "data_docs", ignore_errors=True)
    return target


_TEMPLATE = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>partrisk quality report</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em; color: #1d1d1f; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
table { border-collapse: collapse; margin: .5em 0 1em; }
th, td { border: 1px solid #d0d0d5; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f2f2f5; }
.passed { color: #1a7f37; } .warning { color: #9a6700; } .failed { color: #cf222e; font-weight: 600; }
code { font-size: 12px; }
</style></head><body>
<h1>partrisk quality report</h1>
<p>Generated {{ generated_at }}. {{ latest|length }} suites: <span class="passed">{{ counts.passed }} passed</span>,
<span class="warning">{{ counts.warning }} with warnings</span>, <span class="failed">{{ counts.failed }} failed</span>.
A failed <em>error</em> expectation of a blocking check stops the publish; a <em>warn</em> one only reports
(docs/quality_and_bi.md).</p>
<table><tr><th>suite</th><th>latest run</th><th>status</th><th>expectations</th><th>not met</th></tr>
{% for run in latest %}<tr><td><a href="#{{ run.suite }}">{{ run.suite }}</a></td><td>{{ run.run_time }}</td>
<td class="{{ run.status }}">{{ run.status }}</td><td>{{ run.evaluated }}</td><td>{{ run.failed }}</td></tr>
{% endfor %}</table>
{% for suite, runs in by_suite.items() %}
<h2 id="{{ suite }}">{{ suite }}</h2>
{% set run = runs[0] %}
{% if run.failures %}
<table><tr><th>expectation</th><th>column</th><th>why it exists</th><th>severity</th><th>rows</th><th>sample</th>
<th>observed</th></tr>
{% for f in run.failures %}<tr><td><code>{{ f.expectation }}</code></td><td>{{ f.column or "" }}</td>
<td>{{ f.description or "" }}</td><td class="{{ 'failed' if f.severity == 'error' else 'warning' }}">{{ f.severity }}</td>
<td>{{ f.unexpected_count if f.unexpected_count is not none else "" }}</td><td>{{ f.sample|join(", ") }}</td>
<td>{{ f.observed if f.observed is not none else "" }}</td></tr>
{% endfor %}</table>
{% else %}<p class="passed">Every expectation met in the latest run ({{ run.evaluated }}).</p>{% endif %}
<p>Recent runs: {% for r in runs %}<span class="{{ r.status }}">{{ r.run_time }} {{ r.status }}</span>{{ "; " if not loop.last }}{% endfor %}</p>
{% endfor %}
</body></html>
""")
