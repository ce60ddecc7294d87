"""``robustness report --notify URL``: a short JSON summary posted to a webhook when the verdict is warn or
fail. The ``text`` field is one link-free line, which chat webhooks (Slack, Mattermost, Teams' incoming
webhooks, ...) accept as a message; the other fields are for programs."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from robustness.history.store import HistoryError

__all__ = ["NOTIFY_VERDICTS", "notification", "post_notification"]

NOTIFY_VERDICTS = ("warn", "fail")
TEXT_LIMIT = 600


def notification(report, *, project: str | None = None, run_id: int | None = None) -> dict:
    """The summary of a ``TrustReport``: verdict, its worst checks and one line of text."""
    from robustness.report.story import worst_first

    worst = [c for c in worst_first(report.checks) if c.status in NOTIFY_VERDICTS][:3]
    where = f"{project} " if project else ""
    run = f" (run {run_id})" if run_id is not None else ""
    text = f"Trust report {where}{report.verdict.upper()}{run}: " + "; ".join(
        f"{c.name} {c.status}s: {c.plain_summary}" for c in worst
    )
    text = " ".join(text.replace("http://", "").replace("https://", "").split())
    if len(text) > TEXT_LIMIT:
        text = text[: TEXT_LIMIT - 1].rstrip() + "…"
    return {
        "text": text,
        "verdict": report.verdict,
        "title": report.title,
        "project": project,
        "run_id": run_id,
        "worst": [{"check": c.name, "status": c.status, "summary": c.plain_summary} for c in worst],
    }


def _host(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"


def post_notification(url: str, payload: dict, *, timeout: float = 10) -> None:
    """POST ``payload`` as JSON; HistoryError naming the host (never the URL's path: webhook URLs carry tokens)."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise HistoryError(f"--notify needs an http:// or https:// URL, not {url.split(':')[0]!r}.")
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", "User-Agent": "robustness"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read(1024)
    except urllib.error.HTTPError as exc:
        raise HistoryError(f"The notification to {_host(url)} was refused: HTTP {exc.code} {exc.reason}.") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise HistoryError(f"The notification to {_host(url)} could not be sent: {reason}.") from None
