"""Fixes for Streamlit behaviour that loses a visitor's work, applied once per server process.

Each patch checks the shape of what it patches and, when Streamlit has changed, does nothing and
logs a warning; tests/security/test_concurrent_uploads.py fails then unless Streamlit fixed it.
"""

from __future__ import annotations

import functools
import inspect
import logging

__all__ = ["apply"]


def apply() -> None:
    """Every fix; cheap and idempotent (app.py calls it on each run)."""
    keep_upload_url_answers()


def keep_upload_url_answers() -> None:
    """Deliver Streamlit's answer to the browser's request for upload URLs even if a script run
    starts before it is sent.

    Picking a file, the browser first asks the server for an upload URL (``file_urls_request``) and
    shows the file's chip and uploads it only when the answer comes. The server queues the answer for
    the session's websocket. When a script run starts, Streamlit clears the session's unsent messages
    (``ForwardMsgQueue.clear(retain_lifecycle_msgs=True)``), keeping only lifecycle messages and
    toasts, so an answer still queued then is dropped: the browser waits for it forever, with no chip
    and no error, and the file is never uploaded. Here the run is the rerun of the file picked just
    before (three uploaders side by side); on a loaded server the answer waits long enough to be
    caught (8 sessions uploading at once on 2 busy cores: the current-data file of 3 to 5 of them).
    The answer belongs to no script run, so it is kept as the lifecycle messages are. Done once per
    server process; a Streamlit whose queue looks different is left alone and a warning logged.
    """
    from streamlit.runtime.forward_msg_queue import ForwardMsgQueue

    original = ForwardMsgQueue.clear
    if getattr(original, "keeps_upload_url_answers", False):
        return
    params = list(inspect.signature(original).parameters)
    if params != ["self", "retain_lifecycle_msgs", "fragment_ids_this_run"] or "_queue" not in vars(ForwardMsgQueue()):
        logging.getLogger("robustness.app").warning(
            "Streamlit's ForwardMsgQueue changed (clear%s); upload-URL answers are not protected from "
            "script reruns: check whether this Streamlit still drops them.",
            params,
        )
        return

    @functools.wraps(original)
    def clear(self, retain_lifecycle_msgs: bool = False, fragment_ids_this_run=None) -> None:
        before = list(self._queue) if retain_lifecycle_msgs else []
        original(self, retain_lifecycle_msgs, fragment_ids_this_run)
        if any(m.WhichOneof("type") == "file_urls_response" for m in before):
            kept = {id(m) for m in self._queue}  # same objects, original order
            self._queue = [m for m in before if id(m) in kept or m.WhichOneof("type") == "file_urls_response"]

    clear.keeps_upload_url_answers = True
    ForwardMsgQueue.clear = clear
