"""Shell: an apply's progress bar, one line of a terminal's stderr that redraws itself.

Only for a terminal: a log (CI, a file, a pipe) gets plain lines instead, since a
carriage return there is noise. It uses no escape code at all, so it is the same
with NO_COLOR, and it never writes to stdout, which holds results.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

FEW = 5  # applies of up to this many changes print one line per incident instead
WIDTH = 30
REDRAW_EVERY = 0.1  # seconds: a fast apply must not spend its time drawing


def is_terminal(stream: TextIO) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)())


class Bar:
    """`Applying [#########.....]  45/100  (2 failed)`, redrawn in place."""

    def __init__(
        self, total: int, stream: TextIO, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.total, self.stream, self.clock = total, stream, clock
        self.last = -REDRAW_EVERY
        self.drawn = 0

    def update(self, done: int, failed: int) -> None:
        now = self.clock()
        if done < self.total and now - self.last < REDRAW_EVERY:
            return
        self.last = now
        filled = WIDTH * done // max(1, self.total)
        bar = "#" * filled + "." * (WIDTH - filled)
        note = f"  ({failed} failed)" if failed else ""
        text = f"Applying [{bar}] {done:>{len(str(self.total))}}/{self.total}{note}"
        self.stream.write("\r" + text.ljust(self.drawn))
        self.drawn = len(text)
        if done >= self.total:
            self.stream.write("\n")
            self.drawn = 0
        self.stream.flush()

    def clear(self) -> None:
        """Blank the bar's line, so that a message can be printed on it."""
        if self.drawn:
            self.stream.write("\r" + " " * self.drawn + "\r")
            self.stream.flush()
            self.drawn = 0
            self.last = -REDRAW_EVERY  # redraw at the next update, below the message
