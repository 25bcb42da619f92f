"""Listeners used by the tests (INGEST_LISTENERS takes dotted paths)."""

from __future__ import annotations

heard: list = []


async def record(recording, windows) -> None:
    heard.append((recording, windows))


async def explode(recording, windows) -> None:
    raise RuntimeError("a broken listener")
