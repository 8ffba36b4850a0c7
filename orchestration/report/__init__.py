"""The risk report (one self-contained HTML file) and the workbook, built from the serving copy."""

from orchestration.report.build import REPORT_FILE, WORKBOOK_FILE, ReportResult, build_report, report_dir
from orchestration.report.data import load_report_data
from orchestration.report.workbook import write_workbook

__all__ = ["REPORT_FILE", "WORKBOOK_FILE", "ReportResult", "build_report", "load_report_data", "report_dir",
           "write_workbook"]
