"""A run on a Dask cluster that can report progress and be cancelled.

``Job(work, client)`` wraps ``work(job)``, a function that does its cluster work through the job:

- ``job.map_reduce({"reference": [delayed, ...], "current": [...]}, merge, empty)`` computes one
  delayed summary per partition and merges them pairwise on the workers as they complete (a
  tree reduction driven by ``distributed.as_completed``): a partition's summary is released as
  soon as it is merged, so neither the client nor a worker ever holds more than a few summaries,
  whatever the number of partitions. ``merge`` must be associative and commutative.
- ``job.compute(*collections)`` computes small Dask collections (a sample, a row count).

``job.stage`` names what is running and ``job.fraction`` how much of it is done (partitions
summarised over partitions); ``job.cancel()`` (from any thread) cancels the futures and makes the
run raise :class:`JobCancelled`. ``job.start()`` runs ``work`` in a thread (what the app does, to
poll progress); ``job.run()`` runs it in the caller's thread (the CLI). Either way the result is
all or nothing: a worker that dies is Dask's to reschedule; when it cannot (the task killed its
workers too often), the run raises a ``DataError`` saying so, never a partial result.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from robustness.errors import DataError, RobustnessError

__all__ = ["Job", "JobCancelled"]

DROP_WAIT_S = 5.0  # after a failure, how long to wait for the scheduler to forget the run's tasks


class JobCancelled(RobustnessError):
    """The user cancelled the run; nothing was kept."""


def translate(exc: BaseException) -> BaseException:
    """A user-facing error for what the cluster raised (others pass through unchanged)."""
    name = type(exc).__name__
    if name == "KilledWorker":
        return DataError(
            "Dask workers kept dying while working on a partition (most often: the partition needs "
            "more memory than a worker has). Give the workers more memory (--memory-limit), or write "
            "the Parquet files in smaller row groups. No partial result was kept."
        )
    if name in ("CancelledError", "FutureCancelledError"):
        return JobCancelled("The run was cancelled; no partial result was kept.")
    return exc


class Job:
    def __init__(self, work: Callable[[Job], Any], client=None, *, label: str = "Starting"):
        self.client = client
        self.stage = label
        self._work = work
        self._done = 0
        self._total = 0
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._futures: set = set()
        self._thread: threading.Thread | None = None
        self._result: Any = None
        self._error: BaseException | None = None

    # -- state ---------------------------------------------------------------------------------

    @property
    def fraction(self) -> float:
        """Share of the current stage done, in [0, 1]."""
        return self._done / self._total if self._total else 0.0

    @property
    def dashboard_link(self) -> str | None:
        return getattr(self.client, "dashboard_link", None) if self.client is not None else None

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def done(self) -> bool:
        return self._thread is not None and not self._thread.is_alive()

    # -- running -------------------------------------------------------------------------------

    def run(self) -> Any:
        """Run ``work`` here and return its result (raises what it raised, translated)."""
        try:
            return self._work(self)
        except BaseException as exc:  # noqa: BLE001 - translated, then re-raised
            raised = translate(exc)
            if raised is exc:
                raise
            raise raised from None

    def start(self) -> Job:
        def target():
            try:
                self._result = self.run()
            except BaseException as exc:  # noqa: BLE001 - kept for result()
                self._error = exc

        self._thread = threading.Thread(target=target, name="robustness-job", daemon=True)
        self._thread.start()
        return self

    def result(self, timeout: float | None = None) -> Any:
        """The result of a started job (waits up to ``timeout`` seconds; TimeoutError when still running)."""
        if self._thread is None:
            raise RuntimeError("Job.result() needs Job.start() first; use Job.run() to run in this thread.")
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError("The job is still running.")
        if self._error is not None:
            raise self._error
        return self._result

    def cancel(self) -> None:
        self._cancel.set()
        with self._lock:
            futures = list(self._futures)
        if futures and self.client is not None:
            try:
                self.client.cancel(futures)
            except Exception:  # noqa: BLE001 - the client may already be closed
                pass

    def check(self) -> None:
        if self._cancel.is_set():
            raise JobCancelled("The run was cancelled; no partial result was kept.")

    def set_stage(self, label: str, total: int = 0) -> None:
        self.stage, self._done, self._total = label, 0, total

    def _track(self, futures) -> None:
        with self._lock:
            self._futures.update(futures)

    def _untrack(self, *futures) -> None:
        with self._lock:
            for f in futures:
                self._futures.discard(f)

    def _drop(self) -> None:
        """After a failure or a cancellation: cancel every future of the job still held, then wait (a
        few seconds at most) until the scheduler has forgotten them. The cancellation travels on the
        client's message stream; a task that erred stays erred on the scheduler while anything holds
        it, and Dask hands that error to whoever asks for the same key, so a run of the same data
        started right after would fail at once with this run's error."""
        with self._lock:
            futures = list(self._futures)
            self._futures.clear()
        if not futures or self.client is None:
            return
        keys = [f.key for f in futures]
        try:
            self.client.cancel(futures)
        except Exception:  # noqa: BLE001 - the client may already be closed
            return
        del futures
        deadline = time.monotonic() + DROP_WAIT_S
        while time.monotonic() < deadline:
            try:  # a lambda travels by value: the scheduler needs nothing of this package
                held = self.client.run_on_scheduler(
                    lambda keys, dask_scheduler=None: [k for k in keys if k in dask_scheduler.tasks], keys
                )
            except Exception:  # noqa: BLE001 - a scheduler that refuses run_on_scheduler: nothing to wait for
                return
            if not held:
                return
            time.sleep(0.05)

    # -- cluster work --------------------------------------------------------------------------

    def compute(self, *collections, label: str | None = None) -> tuple:
        """Compute Dask collections (bounded in size: they come to the client)."""
        self.check()
        if label:
            self.set_stage(label, len(collections))
        if self.client is None:
            import dask

            out = dask.compute(*collections)
            self._done = self._total
            return out
        futures = self.client.compute(list(collections))
        self._track(futures)
        try:
            # Poll rather than distributed.wait(timeout=): its TimeoutError (every quarter second)
            # kept these futures alive in reference cycles until the garbage collector ran, so the
            # sample stayed in a worker's memory through the whole run, and, lost with a killed worker,
            # was recomputed (or failed again) for nothing.
            while not all(f.done() for f in futures):
                self.check()
                time.sleep(0.05)
            self.check()
            out = tuple(self.client.gather(futures))
        except BaseException:
            futures.clear()  # the traceback keeps this frame: hold no future in it
            self._drop()
            raise
        self._untrack(*futures)
        return out

    def map_reduce(
        self,
        groups: Mapping[str, Sequence[Any]],
        merge: Callable[[Any, Any], Any],
        empty: Callable[[], Any],
        *,
        label: str = "Summarising partitions",
    ) -> dict[str, Any]:
        """Per group, the merge of its delayed objects' results (``empty()`` for a group with none)."""
        self.check()
        self.set_stage(label, sum(len(v) for v in groups.values()))
        if self.client is None:
            return self._map_reduce_here(groups, merge, empty)
        from distributed import as_completed

        tag: dict[str, tuple[str, bool]] = {}
        pending: dict[str, Any] = {g: None for g in groups}
        ac = as_completed()
        try:
            for group, items in groups.items():
                if not items:
                    continue
                futures = self.client.compute(list(items))
                self._track(futures)
                for f in futures:
                    tag[f.key] = (group, True)
                    ac.add(f)
            for f in ac:
                self.check()
                group, leaf = tag.pop(f.key)
                if f.status == "error":
                    raise f.exception()
                if f.status == "cancelled":
                    raise JobCancelled("The run was cancelled; no partial result was kept.")
                if leaf:
                    self._done += 1
                other, pending[group] = pending[group], None
                if other is None:
                    pending[group] = f
                    continue
                merged = self.client.submit(merge, other, f, pure=False)
                self._track([merged])
                self._untrack(other, f)
                tag[merged.key] = (group, False)
                ac.add(merged)
            self.check()
            return {g: (pending[g].result() if pending[g] is not None else empty()) for g in groups}
        except BaseException:
            futures, f, other, merged = [], None, None, None  # the traceback keeps this frame: no futures in it
            pending.clear()
            ac.clear()
            self._drop()
            raise
        finally:
            with self._lock:
                self._futures.clear()

    def _map_reduce_here(self, groups, merge, empty) -> dict[str, Any]:
        import dask

        out = {}
        for group, items in groups.items():
            total = empty()
            for item in items:
                self.check()
                (value,) = dask.compute(item)
                total = merge(total, value)
                self._done += 1
            out[group] = total
        return out
