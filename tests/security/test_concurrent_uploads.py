"""Eight browser sessions upload at once: each ends with its own three files loaded, or says why not.

One server, one Chromium, eight contexts (eight Streamlit sessions) driven concurrently with
Playwright's async API. Every session uploads the demo's model and its own reference and current
data (the demo's rows subsampled to row counts no other session has), picking the files one after
the other as a person does, each as soon as the previous one shows its chip. Then it waits for the
app to settle and checks the three chips and the captions "✔ <name>: N rows" with its own counts (or
a visible error), clicks "Load these files" and checks its own counts in the sidebar. Sessions never
see each other's data.

What this guards against (found under load, 8 sessions on 2 busy cores): the browser asks the
server for upload URLs before it shows a file's chip; Streamlit queued the answer, and a script run
that started before the queue was sent (the rerun of the previous upload) cleared it, so the file
was never uploaded and the uploader showed nothing at all. The failure message names each
unanswered upload-URL request, read from the websocket.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

SESSIONS = 8
FIRST_LOAD_MS = 240_000  # eight first sessions at once on a loaded machine, the demo built once for all
WAIT_MS = 120_000  # any other single wait: generous, bounded
CHIP_MS = 60_000  # a picked file shows its chip once the server answers with an upload URL
NOT_RUNNING = "[data-testid=stApp][data-test-script-state=notRunning]"
ERROR = "[data-testid=stAlertContentError], [data-testid=stFileChipIconError]"
LABELS = ("Model file", "Reference data", "Current data")


@dataclass(frozen=True)
class Files:
    model: Path
    reference: Path
    current: Path
    n_reference: int
    n_current: int


@dataclass
class Outcome:
    session: int
    loaded: bool = False
    visible_error: str | None = None
    problems: list[str] = field(default_factory=list)
    wire: list[str] = field(default_factory=list)  # upload-URL requests and answers, from the websocket
    unanswered: dict[str, list[str]] = field(default_factory=dict)  # request id -> file names
    seconds: float = 0.0


@pytest.fixture(scope="module")
def session_files(demo_files: dict[str, Path], tmp_path_factory) -> list[Files]:
    """Per session: the demo's model, and its reference and current rows subsampled to counts that
    differ between sessions (same file names everywhere, so only the counts tell whose data it is)."""
    reference = pd.read_csv(demo_files["reference.csv"])
    current = pd.read_csv(demo_files["current.csv"])
    out = []
    for i in range(SESSIONS):
        folder = tmp_path_factory.mktemp(f"session{i}")
        n_ref, n_cur = 1_200 + 137 * i, 900 + 151 * i
        assert n_ref <= len(reference) and n_cur <= len(current)
        reference.sample(n=n_ref, random_state=i).to_csv(folder / "reference.csv", index=False)
        current.sample(n=n_cur, random_state=100 + i).to_csv(folder / "current.csv", index=False)
        out.append(Files(demo_files["model.skops"], folder / "reference.csv", folder / "current.csv", n_ref, n_cur))
    return out


def _watch_upload_urls(page, outcome: Outcome, t0: float) -> None:
    """Record the file_urls_request/response pairs of this session's websocket."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    def sent(payload) -> None:
        if isinstance(payload, (bytes, bytearray)):
            msg = BackMsg.FromString(bytes(payload))
            if msg.WhichOneof("type") == "file_urls_request":
                req = msg.file_urls_request
                outcome.unanswered[req.request_id] = list(req.file_names)
                outcome.wire.append(f"{time.monotonic() - t0:7.2f}s asked upload URLs for {list(req.file_names)}")
            elif msg.WhichOneof("type") == "rerun_script":
                outcome.wire.append(f"{time.monotonic() - t0:7.2f}s rerun requested")

    def received(payload) -> None:
        if isinstance(payload, (bytes, bytearray)):
            msg = ForwardMsg.FromString(bytes(payload))
            kind = msg.WhichOneof("type")
            if kind == "file_urls_response":
                names = outcome.unanswered.pop(msg.file_urls_response.response_id, ["?"])
                outcome.wire.append(f"{time.monotonic() - t0:7.2f}s got upload URLs for {names}")
            elif kind == "new_session":
                outcome.wire.append(f"{time.monotonic() - t0:7.2f}s script run started")
            elif kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
                outcome.wire.append(f"{time.monotonic() - t0:7.2f}s script run ended: {status}")

    page.on("websocket", lambda ws: (ws.on("framesent", sent), ws.on("framereceived", received)))


def _uploader(page, label: str):
    return page.locator("[data-testid=stFileUploader]").filter(
        has=page.locator("[data-testid=stWidgetLabel]").get_by_text(label, exact=True)
    )


def _column(page, label: str):
    return page.locator("[data-testid=stColumn]").filter(has=_uploader(page, label))


async def _settle(page) -> None:
    """The run started by the last action (if any) has finished: 'running' may come a moment after
    the action, so look for it briefly first."""
    from playwright.async_api import Error as PlaywrightError

    try:
        await page.wait_for_selector("[data-testid=stApp][data-test-script-state=running]", timeout=1_500)
    except PlaywrightError:
        pass
    await page.wait_for_selector(NOT_RUNNING, timeout=WAIT_MS)


async def _session(
    i: int, browser, base: str, files: Files, ready: list[int], go: asyncio.Event, artifacts: Path
) -> Outcome:
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import expect

    outcome = Outcome(i)
    context = await browser.new_context(viewport={"width": 1440, "height": 1000})
    page = await context.new_page()
    page.set_default_timeout(WAIT_MS)
    t0 = time.monotonic()
    _watch_upload_urls(page, outcome, t0)
    try:
        await page.goto(base)
        await expect(page.get_by_role("heading", name="Model robustness overview")).to_be_visible(timeout=FIRST_LOAD_MS)
        await page.wait_for_selector(NOT_RUNNING, timeout=FIRST_LOAD_MS)
        await page.locator("[data-testid=stSidebarNav] a").filter(has_text="Model & data").click()
        await expect(page.get_by_role("heading", name="Model & data")).to_be_visible(timeout=WAIT_MS)
        await page.wait_for_selector(NOT_RUNNING, timeout=WAIT_MS)
    finally:
        ready.append(i)  # a session that failed to open must not hold the others back
    await go.wait()
    t0 = time.monotonic()
    try:
        # one file after the other, each as soon as the previous one shows its chip (as a person does)
        picked = dict(zip(LABELS, (files.model, files.reference, files.current)))
        chipless = set()
        for label, path in picked.items():
            box = _uploader(page, label)
            await box.locator("input[type=file]").set_input_files(str(path))
            try:
                await expect(box.locator("[data-testid=stFileChip]")).to_have_count(1, timeout=CHIP_MS)
            except AssertionError:
                chipless.add(label)
                outcome.problems.append(f"{label}: no file chip {CHIP_MS // 1000} s after picking {path.name}")

        # the app has taken each file in: its caption ("✔ ...", with this session's row counts for the
        # data) in the uploader's column, or an error
        captions = {
            "Model file": "✔ ",
            "Reference data": f"✔ {files.reference.name}: {files.n_reference:,} rows",
            "Current data": f"✔ {files.current.name}: {files.n_current:,} rows",
        }
        for label, caption in captions.items():
            if label in chipless:
                continue
            column = _column(page, label)
            try:
                await expect(column.get_by_text(caption).or_(page.locator(ERROR)).first).to_be_visible(timeout=WAIT_MS)
            except AssertionError:
                outcome.problems.append(f"{label}: neither {caption!r} nor an error is shown")
        await _settle(page)

        errors = []
        in_columns = 0
        for label in picked:
            in_columns += await _column(page, label).locator("[data-testid=stAlertContentError]").count()
        if await page.locator("[data-testid=stAlertContentError]").count() > in_columns:  # the page's own
            texts = await page.locator("[data-testid=stAlertContentError]").all_inner_texts()
            errors.append("page: " + " | ".join(t.strip() for t in texts))
            outcome.problems = [p for p in outcome.problems if "nor an error" not in p]
        for label, path in picked.items():
            column = _column(page, label)
            if await column.locator(ERROR).count():
                texts = await column.locator("[data-testid=stAlertContentError]").all_inner_texts()
                errors.append(f"{label}: " + (" | ".join(t.strip() for t in texts) or "the upload failed"))
                continue  # said, not silent: the visitor knows what to do
            chips = await _uploader(page, label).locator("[data-testid=stFileChipName]").all_inner_texts()
            if chips != [path.name] and label not in chipless:
                outcome.problems.append(f"{label}: file chips {chips}, expected [{path.name!r}]")
        if errors:
            outcome.visible_error = "; ".join(errors)
        if outcome.problems or errors:
            return outcome

        # load them: this session's own counts, never another session's
        button = page.get_by_role("button", name="Load these files")
        await expect(button).to_be_enabled(timeout=WAIT_MS)
        await button.click()
        await expect(page.locator("[data-testid=stAlertContentSuccess]")).to_contain_text(
            f"Loaded {files.reference.name} ({files.n_reference:,} rows) and "
            f"{files.current.name} ({files.n_current:,} rows) with model {files.model.name}.",
            timeout=WAIT_MS,
        )
        await _settle(page)
        await expect(page.locator("[data-testid=stSidebar]")).to_contain_text(
            f"Loaded: your files · {files.n_reference:,} reference rows · {files.n_current:,} current rows",
            timeout=WAIT_MS,
        )
        outcome.loaded = True
    except (AssertionError, PlaywrightError) as exc:
        outcome.problems.append(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
    finally:
        outcome.seconds = time.monotonic() - t0
        if outcome.problems:
            try:
                state = await page.locator("[data-testid=stApp]").get_attribute("data-test-script-state")
                columns = (
                    await page.locator("[data-testid=stColumn]")
                    .filter(has=page.locator("[data-testid=stFileUploader]"))
                    .all_inner_texts()
                )
                shown = " || ".join(" ".join(c.split()) for c in columns)
                outcome.problems.append(f"script state {state!r}; the uploaders' columns show: {shown}")
                if await page.locator("[data-testid=stException]").count():
                    outcome.problems.append("the page shows an exception")
                await page.screenshot(path=str(artifacts / f"FAILED-concurrent-upload-session{i}.png"), full_page=True)
            except PlaywrightError:
                pass
        await context.close()
    return outcome


async def _run_all(base: str, files: list[Files], artifacts: Path) -> list[Outcome]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            ready: list[int] = []
            go = asyncio.Event()
            tasks = [
                asyncio.create_task(_session(i, browser, base, files[i], ready, go, artifacts)) for i in range(SESSIONS)
            ]
            # every session is on Model & data (or failed to get there)
            while any(i not in ready and not t.done() for i, t in enumerate(tasks)):
                await asyncio.sleep(0.1)
            go.set()  # then all of them upload at once
            results = await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            await browser.close()
    outcomes = []
    for i, result in enumerate(results):
        if isinstance(result, BaseException):
            outcome = Outcome(
                i,
                problems=[
                    f"could not open the app: {type(result).__name__}: "
                    f"{str(result).splitlines()[0] if str(result) else ''}"
                ],
            )
            result = outcome
        outcomes.append(result)
    return outcomes


def _report(outcome: Outcome, files: Files) -> str:
    lines = [
        f"session {outcome.session} (reference {files.n_reference:,} rows, current {files.n_current:,} rows,"
        f" {outcome.seconds:.0f} s):"
    ]
    lines += [f"    {p}" for p in outcome.problems]
    for names in outcome.unanswered.values():
        lines.append(f"    the server never answered the request for upload URLs for {names}")
    if outcome.problems:
        lines += [f"      {w}" for w in outcome.wire]
    return "\n".join(lines)


@pytest.mark.e2e
def test_eight_sessions_upload_at_once(app_server: str, session_files: list[Files], artifacts_dir: Path):
    started = time.monotonic()
    outcomes = asyncio.run(_run_all(app_server, session_files, artifacts_dir))
    failed = [o for o in outcomes if o.problems or o.unanswered]
    summary = (
        f"{sum(o.loaded for o in outcomes)} of {SESSIONS} sessions loaded their own files, "
        f"{sum(o.visible_error is not None for o in outcomes)} showed an error, {len(failed)} failed "
        f"({time.monotonic() - started:.0f} s)"
    )
    print(summary)
    for o in outcomes:
        if o.visible_error is not None:
            print(f"session {o.session} showed an error: {o.visible_error}")
    if failed:
        pytest.fail(summary + "\n" + "\n".join(_report(o, session_files[o.session]) for o in failed), pytrace=False)
    assert any(o.loaded for o in outcomes), summary  # errors everywhere would pass vacuously otherwise


def test_an_upload_url_answer_survives_a_script_start(app):
    """The cause of the lost files, in one queue: once the app has run, the clear at a script's
    start still drops the previous run's output but keeps an unsent answer to an upload-URL request."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.forward_msg_queue import ForwardMsgQueue

    app.switch_page("pages/model_data.py").run()
    assert not app.exception, [e.value for e in app.exception]
    old_output, answer, finished = ForwardMsg(), ForwardMsg(), ForwardMsg()
    old_output.metadata.delta_path[:] = [0, 0]
    old_output.delta.new_element.markdown.body = "output of the run being replaced"
    answer.file_urls_response.response_id = "request-1"
    finished.script_finished = ForwardMsg.FINISHED_SUCCESSFULLY
    queue = ForwardMsgQueue()
    for msg in (old_output, answer, finished):
        queue.enqueue(msg)
    queue.clear(retain_lifecycle_msgs=True)  # what AppSession does when a script run starts
    sent = queue.flush()
    assert [m.WhichOneof("type") for m in sent] == ["file_urls_response", "script_finished"]
    assert sent[0].file_urls_response.response_id == "request-1"
    assert queue.flush() == []
