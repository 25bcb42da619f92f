"""The durable outbox on the device: every window is on disk before it is sent, and leaves only
after the server acknowledged that it is stored.

SQLite in WAL mode. ``synchronous = full`` (default) makes each window survive a power cut the
moment ``append`` returns; ``normal`` survives a crash of the agent but may lose the last windows
of a power cut, for a fraction of the write cost.

Disk use is bounded (``max_mb``). The policy, chosen so a long outage never stops a session at the
chair: past 80 % of the bound the agent logs a warning; at the bound the OLDEST unacknowledged
windows are dropped (down to 95 %), and the dropped seq range is recorded as a gap notice that is
sent to the server, which stores it as a declared gap so nothing is silently missing.

Tables:
    recordings  one row per recording (its open spec, next seq/sample, end state, acked seq);
                a small permanent ledger of what this device produced
    windows     frames waiting for an ack, unique on (recording, seq)
    gaps        declared losses waiting for the server to acknowledge them
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("edge_agent.outbox")

SCHEMA = """
CREATE TABLE IF NOT EXISTS recordings (
    id TEXT PRIMARY KEY,
    spec TEXT NOT NULL,
    created_at REAL NOT NULL,
    next_seq INTEGER NOT NULL DEFAULT 0,
    next_sample INTEGER NOT NULL DEFAULT 0,
    acked_through INTEGER NOT NULL DEFAULT -1,
    ended INTEGER NOT NULL DEFAULT 0,
    end_reason TEXT,
    end_acked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS windows (
    -- AUTOINCREMENT: ids never come back after the table empties, so a send cursor never skips
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recording TEXT NOT NULL,
    seq INTEGER NOT NULL,
    end_time_us INTEGER NOT NULL,
    frame BLOB NOT NULL,
    UNIQUE (recording, seq)
);
CREATE TABLE IF NOT EXISTS gaps (
    recording TEXT NOT NULL,
    from_seq INTEGER NOT NULL,
    to_seq INTEGER NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (recording, from_seq)
);
"""


@dataclass(frozen=True)
class RecordingRow:
    id: str
    spec: dict
    next_seq: int
    next_sample: int
    acked_through: int
    ended: bool
    end_reason: str | None
    end_acked: bool


@dataclass(frozen=True)
class PendingWindow:
    row_id: int
    recording: str
    seq: int
    end_time_us: int
    frame: bytes


class Outbox:
    def __init__(self, path: Path | str, *, max_bytes: int, warn_fraction: float = 0.8, synchronous: str = "full"):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.warn_fraction = warn_fraction
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(f"PRAGMA synchronous={'FULL' if synchronous == 'full' else 'NORMAL'}")
        self.db.executescript(SCHEMA)
        self.bytes = self.db.execute("SELECT COALESCE(SUM(LENGTH(frame)), 0) FROM windows").fetchone()[0]
        self.dropped = 0
        self._warned = False
        self._has_gaps = bool(self.db.execute("SELECT EXISTS (SELECT 1 FROM gaps)").fetchone()[0])

    def close(self) -> None:
        self.db.close()

    # --- recordings --------------------------------------------------------------------------------------
    def begin_recording(self, spec: dict) -> None:
        self.db.execute(
            "INSERT INTO recordings (id, spec, created_at) VALUES (?, ?, ?)",
            (spec["id"], json.dumps(spec), time.time()),
        )

    def end_recording(self, recording: str, reason: str) -> None:
        self.db.execute(
            "UPDATE recordings SET ended = 1, end_reason = ? WHERE id = ? AND ended = 0", (reason, recording)
        )

    def interrupt_open_recordings(self) -> list[str]:
        """Recordings a previous run left open (killed, power cut): they end as interrupted."""
        ids = [r[0] for r in self.db.execute("SELECT id FROM recordings WHERE ended = 0")]
        for rec in ids:
            self.end_recording(rec, "interrupted")
        return ids

    def recording(self, recording: str) -> RecordingRow | None:
        row = self.db.execute(
            "SELECT id, spec, next_seq, next_sample, acked_through, ended, end_reason, end_acked "
            "FROM recordings WHERE id = ?",
            (recording,),
        ).fetchone()
        return _recording_row(row) if row else None

    def recordings(self) -> list[RecordingRow]:
        rows = self.db.execute(
            "SELECT id, spec, next_seq, next_sample, acked_through, ended, end_reason, end_acked "
            "FROM recordings ORDER BY created_at"
        )
        return [_recording_row(r) for r in rows]

    def unfinished(self) -> list[RecordingRow]:
        """Recordings the server still has to hear about: open, or ended without the end acknowledged."""
        return [r for r in self.recordings() if not r.end_acked]

    def mark_end_acked(self, recording: str) -> None:
        self.db.execute("UPDATE recordings SET end_acked = 1 WHERE id = ? AND ended = 1", (recording,))

    def prune_ledger(self, keep_days: float = 30) -> None:
        self.db.execute(
            "DELETE FROM recordings WHERE end_acked = 1 AND created_at < ?", (time.time() - keep_days * 86400,)
        )

    # --- windows ------------------------------------------------------------------------------------------
    def append(self, recording: str, seq: int, frame: bytes, *, end_time_us: int, next_sample: int) -> None:
        """Store one window durably (with the recording's next seq and sample) before it is sent."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                "INSERT INTO windows (recording, seq, end_time_us, frame) VALUES (?, ?, ?, ?)",
                (recording, seq, end_time_us, frame),
            )
            self.db.execute(
                "UPDATE recordings SET next_seq = ?, next_sample = ? WHERE id = ?", (seq + 1, next_sample, recording)
            )
        self.bytes += len(frame)
        self._enforce_bound()

    def pending(self, *, after_id: int = 0, limit: int = 64) -> list[PendingWindow]:
        rows = self.db.execute(
            "SELECT id, recording, seq, end_time_us, frame FROM windows WHERE id > ? ORDER BY id LIMIT ?",
            (after_id, limit),
        )
        return [PendingWindow(*r) for r in rows]

    def has_unsent(self, recording: str, *, after_id: int) -> bool:
        return (
            self.db.execute(
                "SELECT EXISTS (SELECT 1 FROM windows WHERE recording = ? AND id > ?)", (recording, after_id)
            ).fetchone()[0]
            == 1
        )

    def window(self, recording: str, seq: int) -> PendingWindow | None:
        row = self.db.execute(
            "SELECT id, recording, seq, end_time_us, frame FROM windows WHERE recording = ? AND seq = ?",
            (recording, seq),
        ).fetchone()
        return PendingWindow(*row) if row else None

    def ack(self, recording: str, through: int) -> list[tuple[int, int]]:
        """The server stored everything up to ``through``: forget it. Returns (seq, end_time_us) released."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            released = self.db.execute(
                "DELETE FROM windows WHERE recording = ? AND seq <= ? RETURNING seq, end_time_us, LENGTH(frame)",
                (recording, through),
            ).fetchall()
            if self._has_gaps:
                self.db.execute("DELETE FROM gaps WHERE recording = ? AND to_seq <= ?", (recording, through))
                self._has_gaps = self.db.execute("SELECT EXISTS (SELECT 1 FROM gaps)").fetchone()[0]
            self.db.execute(
                "UPDATE recordings SET acked_through = MAX(acked_through, ?) WHERE id = ?", (through, recording)
            )
        self.bytes -= sum(r[2] for r in released)
        return [(r[0], r[1]) for r in released]

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM windows").fetchone()[0]

    # --- declared losses ------------------------------------------------------------------------------------
    def declare_gap(self, recording: str, from_seq: int, to_seq: int, reason: str) -> None:
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self._declare(recording, from_seq, to_seq, reason)
            gone = self.db.execute(
                "SELECT COALESCE(SUM(LENGTH(frame)), 0) FROM windows WHERE recording = ? AND seq BETWEEN ? AND ?",
                (recording, from_seq, to_seq),
            ).fetchone()[0]
            self.db.execute(
                "DELETE FROM windows WHERE recording = ? AND seq BETWEEN ? AND ?", (recording, from_seq, to_seq)
            )
        self.bytes -= gone

    def _declare(self, recording: str, from_seq: int, to_seq: int, reason: str) -> None:
        self._has_gaps = True
        self.db.execute(
            "INSERT OR REPLACE INTO gaps (recording, from_seq, to_seq, reason) VALUES (?, ?, ?, ?)",
            (recording, from_seq, to_seq, reason),
        )

    def gaps(self, recording: str | None = None) -> list[tuple[str, int, int, str]]:
        query = "SELECT recording, from_seq, to_seq, reason FROM gaps"
        args: tuple = ()
        if recording is not None:
            query += " WHERE recording = ?"
            args = (recording,)
        return list(self.db.execute(query + " ORDER BY recording, from_seq", args))

    def _enforce_bound(self) -> None:
        if self.bytes >= self.warn_fraction * self.max_bytes and not self._warned:
            self._warned = True
            log.warning(
                "outbox at %.0f%% of its %.0f MB bound: the server has not acknowledged data for a while",
                100 * self.bytes / self.max_bytes,
                self.max_bytes / 2**20,
            )
        elif self.bytes < 0.5 * self.warn_fraction * self.max_bytes:
            self._warned = False
        if self.bytes <= self.max_bytes:
            return
        target = int(0.95 * self.max_bytes)
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            dropped: dict[str, list[int]] = {}
            freed = 0
            for row_id, recording, seq, size in self.db.execute(
                "SELECT id, recording, seq, LENGTH(frame) FROM windows ORDER BY id"
            ).fetchall():
                if self.bytes - freed <= target:
                    break
                freed += size
                dropped.setdefault(recording, []).append(seq)
                self.db.execute("DELETE FROM windows WHERE id = ?", (row_id,))
            for recording, seqs in dropped.items():
                for first, last in _runs(seqs):
                    self._declare(recording, first, last, "outbox_full")
        self.bytes -= freed
        count = sum(len(s) for s in dropped.values())
        self.dropped += count
        log.error("outbox full: dropped the %d oldest unacknowledged windows (declared to the server as a gap)", count)


def _runs(seqs: list[int]) -> list[tuple[int, int]]:
    seqs = sorted(seqs)
    runs = []
    start = prev = seqs[0]
    for s in seqs[1:]:
        if s != prev + 1:
            runs.append((start, prev))
            start = s
        prev = s
    runs.append((start, prev))
    return runs


def _recording_row(row) -> RecordingRow:
    return RecordingRow(
        id=row[0],
        spec=json.loads(row[1]),
        next_seq=row[2],
        next_sample=row[3],
        acked_through=row[4],
        ended=bool(row[5]),
        end_reason=row[6],
        end_acked=bool(row[7]),
    )
