"""Concise progress for the command line: one line per finished step, errors as they happen.

The full Dagster event log and dbt's output go to a log file under DAGSTER_HOME/logs; the terminal
gets what a person watching a refresh needs.
"""

from __future__ import annotations

import logging
import sys
import time

import dagster as dg

STEP_EVENTS = {"STEP_SUCCESS": "done", "STEP_FAILURE": "FAILED", "STEP_SKIPPED": "skipped"}


class StepProgressHandler(logging.Handler):
    def __init__(self, stream=None):
        super().__init__(level=logging.DEBUG)
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_event", None)
        elapsed = time.perf_counter() - self.started
        if event is not None and event.event_type_value in STEP_EVENTS:
            self.stream.write(f"  [{elapsed:6.1f}s] {event.step_key}: {STEP_EVENTS[event.event_type_value]}\n")
        elif event is None and record.levelno >= logging.ERROR:
            self.stream.write(f"  [{elapsed:6.1f}s] error: {record.getMessage().splitlines()[0][:300]}\n")
        else:
            return
        self.stream.flush()


@dg.logger(description="One line per finished step and every error, for the partrisk CLI.")
def step_progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    return _logger("partrisk.progress", StepProgressHandler())


@dg.logger(config_schema={"path": dg.Field(str)}, description="The full event log of a CLI refresh, written to a file.")
def file_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    handler = logging.FileHandler(init_context.logger_config["path"], encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    return _logger("partrisk.file", handler)


def _logger(name: str, handler: logging.Handler) -> logging.Logger:
    logger = logging.getLogger(name)
    logger.setLevel(logging.DEBUG)
    logger.handlers = [handler]
    logger.propagate = False
    return logger
