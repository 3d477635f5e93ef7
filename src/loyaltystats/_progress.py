"""A text progress bar for long command-line steps (scoring files, running the report)."""

from __future__ import annotations

from typing import IO


def draw_bar(label: str, fraction: float, detail: str, stream: IO[str], width: int = 30) -> None:
    """Redraw one progress line in place (``\\r``); the caller ends it with a newline."""
    fraction = min(max(fraction, 0.0), 1.0)
    bar = "#" * int(fraction * width)
    stream.write(f"\r{label} [{bar:<{width}}] {100 * fraction:5.1f}%  {detail}\x1b[K")
    stream.flush()
