"""The trust report: a pass/warn/fail scorecard over every area, with HTML, PDF and JSON exports."""

from robustness.report.scorecard import AREAS, Check, ReportConfig, TrustReport, build_report

__all__ = ["AREAS", "Check", "ReportConfig", "TrustReport", "build_report"]
