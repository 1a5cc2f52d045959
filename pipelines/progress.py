"""How a running batch tells its caller about each finished document (the CLI's progress bar)."""

from __future__ import annotations

from collections.abc import Callable

Listener = Callable[[str, str], None]  # (source, status)

_listener: Listener | None = None


def set_listener(listener: Listener | None) -> None:
    global _listener
    _listener = listener


def document_done(source: str, status: str) -> None:
    if _listener is not None:
        _listener(source, status)
