"""Dashboard latency in a real browser: time to the first page, every page cold and warm, idle CPU.

    .venv/bin/python benchmarks/app_latency.py [--port 8502] [--demos credit,machines] [--pages drift,Stress tests]
                                               [--idle-seconds 20] [--timeout 240]

The app is served as ``make run`` serves it (``.venv/bin/streamlit run app.py --server.port PORT
--server.address 127.0.0.1 --server.headless true`` from the project root, with the project's own
.streamlit/config.toml and nothing else), on a free port unless ``--port`` is given, and headless
Chromium (Debian's /usr/bin/chromium, through Playwright) opens it. The page list is read at run
time from ``dashboard.shared.available_pages()`` (``PAGES`` entries whose file exists), the demos
from ``robustness.demo.SCENARIOS``.

A page counts as *ready* when the run it started has finished (``stApp`` is ``notRunning`` and a
run was seen to start, or the URL moved to the page), the main area shows an ``h1`` or a metric,
no spinner and no stale element is visible, and every visible Plotly chart is drawn; this must
hold for 0.5 s (a page that reruns itself, like the stress suite, is not caught between runs), and
the time is taken when it first held.

- ``first_page_s``: from starting the server process to the first page (the Overview) ready in
  a browser that was launched beforehand: the server's start-up, the browser's load of the app and
  the first session's demo build.
- cold / warm, per demo and page: for each demo a fresh browser context (a new session) opens
  ``/?scenario=NAME``; that load is the first page's cold time. Every other page is then opened
  with its sidebar navigation link (cold: first visit in the session, which computes what the page
  needs: drift, stress suite, explanations, ...), then every page again (warm: a second visit,
  always coming from another page). Times are from the click to ready.
- ``idle_cpu_pct``: with only one tab open, on the first page, the server process tree's CPU time
  (user + system, its children included) over ``--idle-seconds`` with nothing happening, as a
  percentage of one core.

The last line is ``first_page_s=X cold_max_s=Y warm_max_s=Z idle_cpu_pct=W`` (cold/warm: the
largest over pages and demos). Goals: X <= 3, Y <= 3, Z <= 1, W <= 2. A page that does not
become ready within ``--timeout`` is reported by name (with what was missing and a screenshot in
test-artifacts/), counted at the timeout, and the script exits with status 1 after the last line.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlparse

import psutil
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"
ADDRESS = "127.0.0.1"
POLL_S = 0.05
SERVER_START_TIMEOUT_S = 120
CONFIRM_S = 0.5  # ready must hold this long (not counted in the time)
GOALS = {"first_page_s": 3.0, "cold_max_s": 3.0, "warm_max_s": 1.0, "idle_cpu_pct": 2.0}

# Counts the app's script runs as the browser sees them: every switch of stApp's
# data-test-script-state to "running" (installed in every document of a context).
OBSERVER_JS = """
(() => {
  window.__alRuns = 0;
  const start = () => new MutationObserver(records => {
    for (const r of records) {
      if (r.target.getAttribute('data-test-script-state') === 'running') window.__alRuns += 1;
    }
  }).observe(document.documentElement, {subtree: true, attributes: true,
                                        attributeFilter: ['data-test-script-state']});
  if (document.documentElement) start(); else document.addEventListener('DOMContentLoaded', start);
})();
"""

# What the page shows now, in one round trip.
STATE_JS = """
() => {
  const app = document.querySelector('[data-testid=stApp]');
  const main = document.querySelector('[data-testid=stMain]');
  const shown = el => el.checkVisibility ? el.checkVisibility() : el.getClientRects().length > 0;
  const all = sel => main ? Array.from(main.querySelectorAll(sel)) : [];
  const h1 = all('h1').find(shown);
  const charts = all('[data-testid=stPlotlyChart]').filter(shown);
  return {
    state: app ? app.getAttribute('data-test-script-state') : null,
    runs: window.__alRuns || 0,
    path: location.pathname,
    h1: h1 ? h1.innerText.trim() : null,
    metrics: all('[data-testid=stMetric]').filter(shown).length,
    spinners: Array.from(document.querySelectorAll('[data-testid=stSpinner]')).filter(shown)
                   .map(el => el.innerText.trim() || 'spinner'),
    stale: all('[data-stale=true]').length,
    charts: charts.length,
    undrawn: charts.filter(el => !el.querySelector('svg.main-svg')).length,
    exceptions: all('[data-testid=stException]').length,
    errors: all('[data-testid=stAlertContentError]').map(el => el.innerText.trim().slice(0, 160)),
    loaded: Array.from(document.querySelectorAll('[data-testid=stSidebar] [data-testid=stCaptionContainer]'))
                 .map(el => el.innerText).find(t => t.startsWith('Loaded:')) || null,
  };
}
"""


class PageTimeout(Exception):
    pass


@dataclass
class Visit:
    demo: str
    page: str
    cold: float | None = None
    warm: float | None = None
    notes: list[str] = field(default_factory=list)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((ADDRESS, 0))
        return s.getsockname()[1]


def tail(path: Path, chars: int = 3000) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no server output)"
    return text[-chars:] if text.strip() else "(no server output)"


class Server:
    """``streamlit run app.py`` as ``make run`` starts it; ``started`` is the monotonic time of the start."""

    def __init__(self, port: int, log_path: Path):
        self.port, self.log_path = port, log_path
        self.base = f"http://{ADDRESS}:{port}"
        self.proc: subprocess.Popen | None = None
        self.started = 0.0

    def start(self) -> None:
        streamlit = ROOT / ".venv" / "bin" / "streamlit"
        cmd = [
            str(streamlit) if streamlit.exists() else "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(self.port),
            "--server.address",
            ADDRESS,
            "--server.headless",
            "true",
        ]
        self._log = open(self.log_path, "w", encoding="utf-8")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_healthy(self, timeout: float) -> float:
        deadline = self.started + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"the Streamlit server exited with code {self.proc.returncode} before answering "
                    f"{self.base}/_stcore/health. Server output:\n{tail(self.log_path)}"
                )
            try:
                with urllib.request.urlopen(f"{self.base}/_stcore/health", timeout=1) as resp:
                    if resp.read().decode().strip() == "ok":
                        return time.monotonic() - self.started
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the Streamlit server did not answer {self.base}/_stcore/health within "
                    f"{timeout:.0f} s. Server output:\n{tail(self.log_path)}"
                )
            time.sleep(POLL_S)

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server and all its descendants (reaped children included)."""
        root = psutil.Process(self.proc.pid)
        total = 0.0
        for p in [root] + root.children(recursive=True):
            try:
                t = p.cpu_times()
                total += t.user + t.system + t.children_user + t.children_system
            except psutil.Error:
                pass
        return total

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            children = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.Error:
            children = []
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        for child in children:  # only what this server started
            try:
                child.kill()
            except psutil.Error:
                pass
        self._log.close()


def describe(s: dict | None) -> str:
    if s is None:
        return "the page never answered"
    missing = []
    if s["state"] != "notRunning":
        missing.append(f"the script is still {s['state'] or 'not started'}")
    if not (s["h1"] or s["metrics"]):
        missing.append("no title or metric in the main area")
    if s["spinners"]:
        missing.append("spinner visible: " + " | ".join(s["spinners"]))
    if s["stale"]:
        missing.append(f"{s['stale']} stale elements")
    if s["undrawn"]:
        missing.append(f"{s['undrawn']} of {s['charts']} charts not drawn")
    return "; ".join(missing) or f"the run was never seen to start (path {s['path']})"


def wait_ready(
    page: Page,
    t0: float,
    *,
    label: str,
    timeout: float,
    runs_before: int | None = None,
    path: str | None = None,
    path_before: str | None = None,
) -> tuple[float, dict]:
    """Seconds from ``t0`` until the page is ready (see the module's docstring) and its last state.

    ``runs_before``/``path_before``: the run counter and path before the click, so a finished state
    left over from the previous page is not taken for this one."""
    ready_at: float | None = None
    s = None
    while True:
        now = time.monotonic()
        try:
            s = page.evaluate(STATE_JS)
        except PlaywrightError:  # navigating: the document is being replaced
            s = None
        ok = (
            s is not None
            and s["state"] == "notRunning"
            and bool(s["h1"] or s["metrics"])
            and not s["spinners"]
            and not s["stale"]
            and not s["undrawn"]
        )
        if ok and path is not None and s["path"] != path:
            ok = False
        if ok and runs_before is not None:
            ok = s["runs"] > runs_before or (path_before is not None and path_before != s["path"])
        if ok:
            if ready_at is None:
                ready_at = now
            elif now - ready_at >= CONFIRM_S:
                return ready_at - t0, s
        else:
            ready_at = None
        if now - t0 > timeout:
            raise PageTimeout(f"{label}: not ready after {timeout:.0f} s ({describe(s)})")
        time.sleep(POLL_S)


def nav_link(page: Page, title: str):
    """The sidebar navigation link whose label is ``title``."""
    nav = page.locator("[data-testid=stSidebarNav]")
    label = title.replace("\\", "\\\\").replace('"', '\\"')
    link = nav.locator("a[data-testid=stSidebarNavLink]").filter(has=page.locator(f'span[label="{label}"]'))
    more = nav.locator("[data-testid=stSidebarNavViewButton]")
    if link.count() == 0 and more.count():  # a long navigation shows "View more" first
        more.first.click()
    if link.count() == 0:
        raise PageTimeout(
            f"no sidebar link labelled {title!r}: the navigation shows "
            f"{nav.locator('a[data-testid=stSidebarNavLink]').all_inner_texts()}"
        )
    return link.first


class Session:
    """One browser context (one Streamlit session) and where it is."""

    def __init__(self, browser, base: str, console: list[str], name: str):
        self.ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
        self.ctx.add_init_script(OBSERVER_JS)
        self.page = self.ctx.new_page()
        self.page.set_default_timeout(30_000)
        self.base, self.current, self.name = base, None, name
        self.page.on(
            "console",
            lambda m: (
                m.type == "error" and console.append(f"[{self.name} / {self.current}] console error: {m.text[:300]}")
            ),
        )
        self.page.on("pageerror", lambda e: console.append(f"[{self.name} / {self.current}] page error: {e}"[:400]))

    def open(self, query: str, first_title: str, timeout: float, t0: float | None = None) -> tuple[float, dict]:
        self.current = first_title
        t0 = time.monotonic() if t0 is None else t0
        self.page.goto(self.base + "/" + query, wait_until="commit")
        return wait_ready(self.page, t0, label=f"{first_title} (opening the app)", timeout=timeout, path="/")

    def visit(self, title: str, timeout: float) -> tuple[float, dict]:
        link = nav_link(self.page, title)
        href = link.get_attribute("href", timeout=10_000) or "/"
        path = urlparse(href).path or "/"
        before = self.page.evaluate("() => [window.__alRuns || 0, location.pathname]")
        self.current = title
        t0 = time.monotonic()
        link.click()
        return wait_ready(
            self.page, t0, label=title, timeout=timeout, runs_before=before[0], path=path, path_before=before[1]
        )

    def screenshot(self, what: str) -> str:
        ARTIFACTS.mkdir(exist_ok=True)
        out = ARTIFACTS / ("app-latency-FAILED-" + "".join(c if c.isalnum() else "-" for c in what) + ".png")
        try:
            self.page.screenshot(path=str(out))
            return str(out.relative_to(ROOT))
        except (PlaywrightError, OSError):
            return "(no screenshot)"

    def close(self) -> None:
        try:
            self.ctx.close()
        except PlaywrightError:
            pass


def notes_of(s: dict) -> list[str]:
    """Exceptions and the app's failure messages by their text; other st.error boxes (a page's own
    "fail" findings) only counted."""
    out = [f"{s['exceptions']} exception(s) shown"] if s["exceptions"] else []
    failed = [e for e in s["errors"] if "unexpected error" in e or "misconfigured" in e]
    out += ["page failed: " + " ".join(e.split())[:100] for e in failed]
    if len(s["errors"]) > len(failed):
        out.append(f"{len(s['errors']) - len(failed)} st.error finding(s)")
    return out


def run_demo(
    browser,
    base: str,
    demo: str,
    pages: list[tuple[str, str]],
    wanted: set[str],
    timeout: float,
    console: list[str],
    failures: list[str],
) -> list[Visit]:
    """Cold then warm visits of the wanted pages in one fresh session on ``demo``."""
    visits = {title: Visit(demo, title) for _, title in pages if title in wanted}
    first = pages[0][1]
    sess = Session(browser, base, console, demo)

    def timed(title: str, kind: str, how) -> None:
        try:
            seconds, s = how()
        except (PageTimeout, PlaywrightError) as err:
            msg = str(err).splitlines()[0]
            failures.append(f"{demo} / {title} ({kind}): {msg}; screenshot {sess.screenshot(f'{demo}-{title}-{kind}')}")
            if title in visits and kind != "hop":
                visits[title].notes.append(f"{kind} FAILED")
                setattr(visits[title], kind, timeout)
            return
        if title in visits and kind != "hop":
            setattr(visits[title], kind, seconds)
            for n in notes_of(s):
                if n not in visits[title].notes:
                    visits[title].notes.append(n)
        if kind == "cold" and title == first and s["loaded"] and f"'{demo}'" not in s["loaded"]:
            failures.append(f"{demo}: the session did not load the demo from ?scenario= (sidebar: {s['loaded']})")

    try:
        timed(first, "cold", lambda: sess.open(f"?scenario={quote(demo)}", first, timeout))
        for _, title in pages[1:]:
            if title in wanted:
                timed(title, "cold", lambda title=title: sess.visit(title, timeout))
        for _, title in pages:
            if title not in wanted:
                continue
            if sess.current == title:  # warm means coming back from another page
                other = next(t for _, t in pages if t != title)
                timed(other, "hop", lambda other=other: sess.visit(other, timeout))
            timed(title, "warm", lambda title=title: sess.visit(title, timeout))
    finally:
        sess.close()
    return list(visits.values())


def fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, help="serve on this port (default: a free one)")
    parser.add_argument("--demos", help="comma-separated demo scenarios (default: all)")
    parser.add_argument("--pages", help="comma-separated page titles or file names (default: all)")
    parser.add_argument("--idle-seconds", type=float, default=20.0)
    parser.add_argument(
        "--timeout", type=float, default=240.0, help="seconds a page may take before it counts as failed"
    )
    args = parser.parse_args()

    import streamlit.logger

    streamlit.logger.set_log_level("error")  # no "No runtime found" warnings from importing the page helpers here
    from dashboard.shared import available_pages
    from robustness.demo import SCENARIOS

    pages = [(file, title) for file, title, _icon in available_pages()]
    demos = [d.strip() for d in args.demos.split(",") if d.strip()] if args.demos else list(SCENARIOS)
    unknown = [d for d in demos if d not in SCENARIOS]
    if unknown:
        parser.error(f"unknown demo {', '.join(unknown)}; the demos are {', '.join(SCENARIOS)}")
    wanted = {t for _, t in pages}
    if args.pages:
        asked = [p.strip() for p in args.pages.split(",") if p.strip()]
        by_name = {k.lower(): t for f, t in pages for k in (t, f, f.removesuffix(".py"))}
        missing = [p for p in asked if p.lower() not in by_name]
        if missing:
            parser.error(f"unknown page {', '.join(missing)}; the pages are {', '.join(t for _, t in pages)}")
        wanted = {by_name[p.lower()] for p in asked}
    if not os.path.exists(CHROMIUM):
        parser.error(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the finally blocks stop the server

    begin = time.monotonic()
    load0 = os.getloadavg()
    log_dir = Path(tempfile.mkdtemp(prefix="app-latency-"))
    server = Server(args.port or free_port(), log_dir / "streamlit-server.log")
    console: list[str] = []
    failures: list[str] = []
    rows: list[Visit] = []
    first_s = idle_pct = None
    idle_runs = 0
    print(
        f"{len(pages)} pages ({', '.join(t for _, t in pages)}); demos {', '.join(demos)}; "
        f"{os.cpu_count()} cores, load average {load0[0]:.1f}",
        flush=True,
    )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            server.start()
            # 1. first page: server start -> the first page ready in the browser
            first = Session(browser, server.base, console, "first page")
            try:
                health_s = server.wait_healthy(timeout=SERVER_START_TIMEOUT_S)
                try:
                    first_s, _ = first.open("", pages[0][1], args.timeout, t0=server.started)
                except (PageTimeout, PlaywrightError) as err:
                    failures.append(
                        f"first page: {str(err).splitlines()[0]}; screenshot {first.screenshot('first-page')}"
                    )
                    first_s = args.timeout
            finally:
                first.close()
            print(
                f"first page: server answered /_stcore/health at {health_s:.2f} s, "
                f"{pages[0][1]} ready at {first_s:.2f} s",
                flush=True,
            )

            # 2. every page cold and warm on each demo, one fresh session per demo
            print(f"{'demo':<12} {'page':<24} {'cold_s':>7} {'warm_s':>7}  notes", flush=True)
            for demo in demos:
                for v in run_demo(browser, server.base, demo, pages, wanted, args.timeout, console, failures):
                    rows.append(v)
                    print(
                        f"{v.demo:<12} {v.page:<24} {fmt(v.cold):>7} {fmt(v.warm):>7}  {'; '.join(v.notes)}", flush=True
                    )

            # 3. idle CPU: one tab on the first page, nothing happening
            idle = Session(browser, server.base, console, "idle")
            try:
                idle.open("", pages[0][1], args.timeout)
                time.sleep(1.0)  # let the closed sessions' clean-up finish
                runs0 = idle.page.evaluate("() => window.__alRuns || 0")
                cpu0, t0 = server.cpu_seconds(), time.monotonic()
                time.sleep(args.idle_seconds)
                cpu1, t1 = server.cpu_seconds(), time.monotonic()
                idle_runs = idle.page.evaluate("() => window.__alRuns || 0") - runs0
                idle_pct = 100.0 * (cpu1 - cpu0) / (t1 - t0)
                print(
                    f"idle: server CPU {cpu1 - cpu0:.2f} s over {t1 - t0:.1f} s = {idle_pct:.2f}% of one core "
                    f"(script runs meanwhile: {idle_runs})",
                    flush=True,
                )
            except (PageTimeout, PlaywrightError) as err:
                failures.append(f"idle measurement: {str(err).splitlines()[0]}")
            finally:
                idle.close()
        finally:
            try:
                browser.close()
            finally:
                server.stop()
                if not failures and sys.exc_info()[0] is None:
                    shutil.rmtree(log_dir, ignore_errors=True)

    if console:
        print(f"browser console: {len(console)} error(s)")
        for line in console[:10]:
            print("  " + line)
    if failures:
        print(f"server log: {server.log_path}")
        for f in failures:
            print("FAILED: " + f)
    load1 = os.getloadavg()
    print(
        f"whole run: {time.monotonic() - begin:.0f} s; load average {load0[0]:.1f} at the start, "
        f"{load1[0]:.1f} at the end ({os.cpu_count()} cores)"
    )
    cold = max((v.cold for v in rows if v.cold is not None), default=float("nan"))
    warm = max((v.warm for v in rows if v.warm is not None), default=float("nan"))
    result = {"first_page_s": first_s, "cold_max_s": cold, "warm_max_s": warm, "idle_cpu_pct": idle_pct}
    print(
        "goals: "
        + ", ".join(
            f"{k} <= {g:g} ({'met' if result[k] is not None and result[k] <= g else 'MISSED'})"
            for k, g in GOALS.items()
        )
    )
    print(" ".join(f"{k}={float('nan') if v is None else v:.2f}" for k, v in result.items()))
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as err:  # the server did not start: no figures to give
        print(f"FAILED: {err}", file=sys.stderr)
        sys.exit(2)
