"""The Spark engine's Python steps, each in its own process: `python -m orchestration.spark.steps STEP ...`.

Dagster runs the refresh in one process; a SparkSession started there would hold the embedded Derby
metastore until the process ends, and the next dbt step (another process) could not open it. So each
step starts the project's session, does its work and exits. The last line of stdout is the step's
result as JSON.

- features START END CARRY_DAYS LOOKBACK_DAYS: features.part_trends_daily for START..END on Spark's
  workers (orchestration.spark.features), written by the workers to the lake split by snapshot_date;
- allocate START END: the budget allocation of those dates (orchestration.spark.allocation).
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

from orchestration.spark.lake import lake_dir

FEATURES_FOLDER = ("features", "part_trends_daily")


class SparkStepError(RuntimeError):
    pass


def features_step(start: date, end: date, carry_forward_days: int, lookback_days: int) -> dict:
    from orchestration.features.io import DEMAND_RELATION, OFFERS_RELATION, PRICE_BREAKS_RELATION
    from orchestration.spark.features import spark_part_trends, write_part_trends
    from orchestration.spark.session import local_spark_session

    trends = spark_part_trends(OFFERS_RELATION, PRICE_BREAKS_RELATION, start=start, end=end, demand=DEMAND_RELATION,
                               lookback_days=lookback_days, carry_forward_days=carry_forward_days,
                               spark=local_spark_session())
    folder = lake_dir() / "/".join(FEATURES_FOLDER)
    write_part_trends(trends, folder, (start, end))
    return {"folder": str(folder)}


def allocate_step(start: date, end: date) -> dict:
    from orchestration.spark.allocation import allocate_on_spark
    from orchestration.spark.session import local_spark_session

    return {"rows": allocate_on_spark(local_spark_session(), lake_dir(), (start, end))}


def run_step(*args: str) -> dict:
    """Run one step in a child process (this interpreter) and return its result; raises with its stderr."""
    done = subprocess.run([sys.executable, "-m", "orchestration.spark.steps", *args], capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise SparkStepError(f"spark step {' '.join(args)} failed (exit {done.returncode}): "
                             f"{done.stderr.strip()[-4000:] or done.stdout.strip()[-4000:]}")
    return json.loads(lines[-1])


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    step, rest = (args[0], args[1:]) if args else ("", [])
    if step == "features" and len(rest) == 4:
        result = features_step(date.fromisoformat(rest[0]), date.fromisoformat(rest[1]), int(rest[2]), int(rest[3]))
    elif step == "allocate" and len(rest) == 2:
        result = allocate_step(date.fromisoformat(rest[0]), date.fromisoformat(rest[1]))
    else:
        print(f"usage: python -m orchestration.spark.steps features START END CARRY_DAYS LOOKBACK_DAYS | "
              f"allocate START END (got {args})", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
