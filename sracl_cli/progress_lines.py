"""Progress as plain lines, for output that is not a terminal (a log file, a pipe, CI).

Rich's live bars draw nothing there until they stop, so a long epoch or embedding pass is silent.
`ProgressLines` prints one line whenever another tenth of the work is done or half a minute has passed
since the last line, whichever comes first, with the rate and the time left, and a last line at 100 %.
Used as a context manager it also prints from a background thread when one step (a batch of long texts on
a loaded machine) takes longer than that, so a log never goes a minute without a line.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import Progress

if TYPE_CHECKING:
    from typing import Self

EVERY_FRACTION = 0.1
EVERY_S = 30.0


class ProgressLines:
    def __init__(self, console: Console, description: str, total: int, unit: str,
                 clock: Callable[[], float] = time.monotonic):
        self._console = console
        self._description = description
        self._total = total
        self._unit = unit
        self._clock = clock
        self._started = self._last_time = clock()
        self._next_done = self._step()
        self.done = 0
        self._printed_at = -1  # `done` when the last line was printed
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None

    def __enter__(self) -> ProgressLines:
        self._heartbeat = threading.Thread(target=self._beat, daemon=True)
        self._heartbeat.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join()

    def _beat(self) -> None:
        while not self._stop.wait(EVERY_S / 6):
            with self._lock:
                now = self._clock()
                if now - self._last_time >= EVERY_S:
                    self._print(now, None, "")
                    self._last_time = now

    def advance(self, amount: int = 1, rate: str | None = None, details: str = "") -> None:
        """`amount` more units done; `rate` replaces the default "<units>/s" and `details` ends the line."""
        self.update(self.done + amount, rate, details)

    def update(self, done: int, rate: str | None = None, details: str = "") -> None:
        with self._lock:
            self.done = done
            now = self._clock()
            finished = done >= self._total > self._printed_at
            if finished or done >= self._next_done or now - self._last_time >= EVERY_S:
                self._print(now, rate, details)
                self._last_time, self._printed_at = now, done
                while self._next_done <= done:
                    self._next_done += self._step()

    def line(self, now: float, rate: str | None = None, details: str = "") -> str:
        elapsed = now - self._started
        share = self.done / self._total if self._total else 1.0
        speed = self.done / elapsed if elapsed > 0 else 0.0
        rate = rate if rate is not None else f"{speed:,.1f} {self._unit}/s"
        left = (self._total - self.done) / speed if speed > 0 else None
        eta = "done" if self.done >= self._total else f"ETA {duration(left)}" if left is not None else "ETA -"
        parts = [f"{self._description}: {self.done:,}/{self._total:,} {self._unit} ({share:.0%})", rate,
                 f"{duration(elapsed)} elapsed", eta, details]
        return "  ".join(part for part in parts if part)

    def _print(self, now: float, rate: str | None, details: str) -> None:
        self._console.print(self.line(now, rate, details), markup=False, highlight=False, soft_wrap=True)

    def _step(self) -> int:
        return max(1, round(self._total * EVERY_FRACTION))


def duration(seconds: float | None) -> str:
    """`42 s`, `3m05s`, `1h02m`."""
    if seconds is None:
        return "-"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class BarOrLines:
    """What the progress displays share: a rich bar on a terminal (`_bar`), else plain lines (`_lines`)."""

    _bar: Progress | None = None
    _lines: ProgressLines | None = None

    def __enter__(self) -> Self:
        if self._bar is not None:
            self._bar.__enter__()
        if self._lines is not None:
            self._lines.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
        if self._lines is not None:
            self._lines.__exit__(*exc)
