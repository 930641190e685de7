"""Worker processes of the local engine (`--n-process N`, N > 1).

Not `nlp.pipe(n_process=N)`, for three reasons measured on it:

- It hangs when its consumer stops early (an interrupt, a full disk). A
  worker blocked sending docs into a full pipe never sees the parent close
  its end, because every worker inherited that end at fork; the parent
  then waits in `proc.join()` forever.
- Its workers outlive a parent that is killed (SIGKILL, the OOM killer).
- Docs travel back as bytes that the parent deserializes, one at a time,
  before it can write them: on 2 cores the parent's share was the
  bottleneck.

Here each worker turns a batch of input lines into finished output lines
(`records.annotate_lines`, as the Ray actors do), the parent only writes
them in input order, the workers die with their parent, and closing the
pool ends them whatever state they are in.
"""

import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
import traceback
from collections import deque
from typing import Deque, Iterable, Iterator, List, Tuple

from spacy.language import Language

from .lines import InputLine
from .options import RunOptions
from .records import annotate_lines

# Batches given to each worker ahead of the one it works on: it never waits
# for the parent, and memory stays bounded by the batch size.
BATCHES_AHEAD = 2
# How often a waiting parent checks that its workers are alive, and a
# worker without PR_SET_PDEATHSIG that its parent is (seconds).
POLL_SECONDS = 1.0
# Linux prctl option: the signal a process gets when its parent dies.
PR_SET_PDEATHSIG = 1


def usable_cpus() -> int:
    """The CPUs this process may run on: the default number of processes of
    the command, measured fastest (docs/annotation.md)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


class WorkerError(RuntimeError):
    """A worker process failed: the pipeline raised on a valid text (with the
    worker's traceback), or the process died (e.g. killed for memory)."""


class WorkerPool:
    """Processes that annotate batches of input lines, results in input order.

    nlp (Language): The pipeline (inherited by the forked workers).
    options (RunOptions): The run's options.
    batch_size (int): `nlp.pipe` batch size in a worker.
    n_process (int): Number of worker processes.
    """

    def __init__(self, nlp: Language, options: RunOptions, batch_size: int, n_process: int):
        # fork: the workers share the loaded pipeline instead of loading it again.
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        self._tasks = [context.Queue() for _ in range(n_process)]
        self._results = [context.Queue() for _ in range(n_process)]
        self._procs = [
            context.Process(
                target=_work,
                args=(nlp, options, batch_size, tasks, results, os.getpid()),
                daemon=True,
                name=f"spacy-coord-annotate-{i}",
            )
            for i, (tasks, results) in enumerate(zip(self._tasks, self._results))
        ]
        for proc in self._procs:
            proc.start()

    def map(self, batches: Iterable[Tuple[List[InputLine], int]]) -> Iterator[Tuple[List[str], int]]:
        """Annotate batches of valid input lines in the workers.

        batches (Iterable[Tuple[List[InputLine], int]]): (valid lines, a
            number passed through), read lazily.
        YIELDS (Tuple[List[str], int]): (output lines, that number), in the
            order of `batches`.
        """
        batches = iter(batches)
        in_flight: Deque[Tuple[int, int]] = deque()

        def send(worker: int) -> None:
            for items, tag in batches:
                # Only what a worker needs: not the raw line a second time.
                self._tasks[worker].put([InputLine(item.line_no, 0, item.record, item.text) for item in items])
                in_flight.append((worker, tag))
                return

        for _ in range(BATCHES_AHEAD):
            for worker in range(len(self._procs)):
                send(worker)
        while in_flight:
            worker, tag = in_flight.popleft()
            lines = self._receive(worker)
            send(worker)
            yield lines, tag

    def _receive(self, worker: int) -> List[str]:
        while True:
            try:
                ok, payload = self._results[worker].get(timeout=POLL_SECONDS)
            except queue.Empty:
                proc = self._procs[worker]
                if not proc.is_alive():
                    raise WorkerError(f"Worker process {proc.pid} died (exit status {proc.exitcode}).") from None
                continue
            if not ok:
                raise WorkerError(f"The pipeline failed in worker process {self._procs[worker].pid}:\n{payload}")
            return payload

    def close(self) -> None:
        """End the workers, whatever they are doing (their work is either
        done or no longer wanted)."""
        for tasks in self._tasks:
            tasks.cancel_join_thread()  # a batch no worker will read must not block our exit
        for proc in self._procs:
            if proc.is_alive():
                proc.terminate()
        for proc in self._procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join()
        for channel in self._tasks + self._results:
            channel.close()

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def die_with_parent(parent_pid: int) -> None:
    """End this process when the process `parent_pid` ends, however it
    ends (a SIGKILL included): by PR_SET_PDEATHSIG on Linux, elsewhere by a
    thread that watches the parent."""
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
            if os.getppid() != parent_pid:  # the parent died before prctl
                os._exit(1)
            return

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _work(
    nlp: Language,
    options: RunOptions,
    batch_size: int,
    tasks: multiprocessing.Queue,
    results: multiprocessing.Queue,
    parent_pid: int,
) -> None:
    die_with_parent(parent_pid)
    # Ctrl-C reaches the whole process group: the parent decides, and ends
    # us with SIGTERM, whatever handler of it we inherited.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    while True:
        items = tasks.get()
        try:
            results.put((True, annotate_lines(nlp, items, options, batch_size)))
        except Exception:
            results.put((False, traceback.format_exc()))
