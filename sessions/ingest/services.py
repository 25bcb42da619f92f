"""Ingest writes: device handshakes, recordings, and the batch commit. One transaction each.

The batch commit is the hot path (every ~25 ms, windows of every connected chair at once): it is
plain SQL with ``ON CONFLICT DO NOTHING`` so a replayed window is never stored twice, and the
recording and device counters are updated in the same transaction, so an ack always refers to
data that is durably stored.
"""

from __future__ import annotations

import logging
import uuid
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from clinic import services as clinic_services
from clinic import tokens
from clinic.audit import audit_client, audit_record
from clinic.errors import DomainError
from clinic.models import AuditEvent, EdgeDevice
from sessions.models import Recording, RecordingGap, RecordingWindow

log = logging.getLogger("retrain.ingest")


# --- Handshake ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeviceIdentity:
    device_id: int
    name: str
    clinic_id: int
    chair_id: int | None
    chair_name: str
    token_digest: str


@dataclass(frozen=True)
class HandshakeRefusal:
    reason: str  # no_token | unknown_token | revoked | browser_origin | throttled


def _fail_key(ip: str | None) -> str:
    return f"ingest:authfail:{ip or 'unknown'}"


def _note_failure(ip: str | None) -> int:
    key = _fail_key(ip)
    try:
        cache.add(key, 0, timeout=60)
        return cache.incr(key)
    except Exception:  # noqa: BLE001 - a cache outage must not open or break the door
        log.warning("ingest.auth_throttle_unavailable")
        return 0


def _throttled(ip: str | None) -> bool:
    try:
        return (cache.get(_fail_key(ip)) or 0) >= settings.INGEST_AUTH_FAILURES_PER_MINUTE
    except Exception:  # noqa: BLE001
        return False


def device_connect(
    *, authorization: str | None, origin: str | None, ip: str | None
) -> DeviceIdentity | HandshakeRefusal:
    """Authenticate a device handshake; audit it either way (no token or patient data is logged)."""
    with audit_client(ip):
        if origin is not None:
            # Browsers always send Origin; devices never do. A page must not open a device stream.
            return _refuse("browser_origin", ip)
        if _throttled(ip):
            count = _note_failure(ip)
            # Audit the first throttled attempt of a burst, not every one of a flood.
            if count == settings.INGEST_AUTH_FAILURES_PER_MINUTE + 1:
                _audit_refusal("throttled", ip, None)
            return HandshakeRefusal("throttled")
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return _refuse("no_token", ip)
        device = clinic_services.device_authenticate(token)
        if device is None:
            prefix = tokens.token_prefix(token, tokens.DEVICE)
            known = EdgeDevice.objects.filter(token_prefix=prefix).first() if prefix else None
            reason = "revoked" if known is not None and known.is_revoked else "unknown_token"
            return _refuse(reason, ip, known, prefix)
        return _accept(device, ip)


@transaction.atomic
def _accept(device: EdgeDevice, ip: str | None) -> DeviceIdentity:
    EdgeDevice.objects.filter(pk=device.pk).update(
        connections=F("connections") + 1, last_seen_at=timezone.now(), last_ip=ip
    )
    audit_record(
        actor=None,
        actor_label=f"device {device.name}",
        action="device.connect",
        obj=device,
        clinic=device.clinic,
        extra={"chair": device.chair_id},
    )
    return DeviceIdentity(
        device_id=device.pk,
        name=device.name,
        clinic_id=device.clinic_id,
        chair_id=device.chair_id,
        chair_name=device.chair.name if device.chair else "",
        token_digest=device.token_digest,
    )


def _refuse(reason: str, ip: str | None, device: EdgeDevice | None = None, prefix: str | None = None):
    if _note_failure(ip) <= settings.INGEST_AUTH_FAILURES_PER_MINUTE:
        _audit_refusal(reason, ip, device, prefix)
    return HandshakeRefusal(reason)


def _audit_refusal(reason: str, ip: str | None, device: EdgeDevice | None, prefix: str | None = None) -> None:
    with audit_client(ip):
        audit_record(
            actor=None,
            actor_label=f"device {device.name}" if device else (f"device rtd_{prefix}_…" if prefix else "device"),
            action="device.connect",
            outcome=AuditEvent.Outcome.DENIED,
            obj=device,
            clinic=device.clinic if device else None,
            extra={"reason": reason},
        )


def device_still_authorised(*, device_id: int, token_digest: str) -> bool:
    """False once the device was revoked or its token rotated: the live stream must end."""
    return EdgeDevice.objects.filter(pk=device_id, revoked_at__isnull=True, token_digest=token_digest).exists()


def device_disconnect(*, device_id: int, ip: str | None, stats: dict) -> None:
    with audit_client(ip), transaction.atomic():
        device = EdgeDevice.objects.select_related("clinic").filter(pk=device_id).first()
        if device is None:
            return
        # Written late (the database was down when the device left): it was last seen then, not now.
        seen = stats.get("disconnected_at")
        seen_at = datetime.fromtimestamp(seen, tz=UTC) if seen else timezone.now()
        EdgeDevice.objects.filter(pk=device_id).filter(
            Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=seen_at)
        ).update(last_seen_at=seen_at)
        audit_record(
            actor=None, actor_label=f"device {device.name}", action="device.disconnect", obj=device, extra=stats
        )


def device_frames_rejected(*, device_id: int, count: int) -> None:
    if count:
        EdgeDevice.objects.filter(pk=device_id).update(frames_rejected=F("frames_rejected") + count)


# --- Recordings -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OpenedRecording:
    id: uuid.UUID
    clinic_id: int
    chair_id: int | None
    device_id: int
    sampling_rate: int
    channels: tuple[dict, ...]
    dtype: str
    scale_uv: float
    window_samples: int
    acked_through: int
    stored_above: tuple[int, ...]  # stored seqs beyond acked_through (out-of-order arrivals)
    declared_gaps: tuple[tuple[int, int], ...]
    windows_expected: int | None


_SPEC_FIELDS = {
    "sampling_rate": "sampling_rate_hz",
    "dtype": "sample_dtype",
    "window_samples": "window_samples",
}


@transaction.atomic
def recording_open(*, device: DeviceIdentity, spec: dict, agent: str = "") -> OpenedRecording:
    """Create the recording the device announces, or find it again after a reconnect or restart."""
    recording_id = uuid.UUID(spec["id"])
    started_at = datetime.fromtimestamp(spec["started_at_us"] / 1e6, tz=UTC)
    recording, created = Recording.objects.select_for_update().get_or_create(
        id=recording_id,
        defaults={
            "clinic_id": device.clinic_id,
            "device_id": device.device_id,
            "chair_id": device.chair_id,
            "sampling_rate_hz": spec["sampling_rate"],
            "channel_count": len(spec["channels"]),
            "channels": spec["channels"],
            "sample_dtype": spec["dtype"],
            "scale_uv": spec["scale_uv"],
            "window_samples": spec["window_samples"],
            "driver": spec["driver"],
            "agent": agent[:80],
            "started_at": started_at,
        },
    )
    if not created:
        if recording.device_id != device.device_id:
            raise DomainError("This recording id belongs to another device.", code="recording_conflict")
        mismatched = [key for key, attr in _SPEC_FIELDS.items() if getattr(recording, attr) != spec[key]] + (
            ["channels"] if recording.channels != spec["channels"] else []
        )
        if abs(recording.scale_uv - spec["scale_uv"]) > 1e-6 * abs(recording.scale_uv):
            mismatched.append("scale_uv")
        if mismatched:
            raise DomainError(
                f"Recording {recording_id} was opened before with other {', '.join(mismatched)}.",
                code="recording_conflict",
            )
    stored_above = tuple(
        RecordingWindow.objects.filter(recording=recording, seq__gt=recording.acked_through)
        .order_by("seq")
        .values_list("seq", flat=True)[: settings.INGEST_MAX_SEQ_AHEAD]
    )
    gaps = tuple(
        RecordingGap.objects.filter(recording=recording, to_seq__gt=recording.acked_through).values_list(
            "from_seq", "to_seq"
        )
    )
    return OpenedRecording(
        id=recording.id,
        clinic_id=recording.clinic_id,
        chair_id=recording.chair_id,
        device_id=device.device_id,
        sampling_rate=recording.sampling_rate_hz,
        channels=tuple(recording.channels),
        dtype=recording.sample_dtype,
        scale_uv=recording.scale_uv,
        window_samples=recording.window_samples,
        acked_through=recording.acked_through,
        stored_above=stored_above,
        declared_gaps=gaps,
        windows_expected=recording.windows_expected,
    )


# --- The batch commit ------------------------------------------------------------------------------
@dataclass(slots=True)
class WindowRow:
    recording_id: uuid.UUID
    seq: int
    sample_start: int
    n_samples: int
    device_time_us: int
    lead_off: int
    flags: int
    encoding: int
    payload: bytes
    wire_bytes: int
    device_id: int


@dataclass(slots=True)
class GapRow:
    recording_id: uuid.UUID
    from_seq: int
    to_seq: int
    reason: str


@dataclass(slots=True)
class EndRow:
    recording_id: uuid.UUID
    windows: int
    samples: int
    reason: str


@dataclass(slots=True)
class RecordingProgress:
    acked_through: int
    max_seq: int


@dataclass
class BatchResult:
    inserted: set[tuple[uuid.UUID, int]] = field(default_factory=set)
    committed_at: datetime | None = None


def _now() -> datetime:
    return timezone.now()


def ingest_commit(
    *,
    windows: list[WindowRow],
    gaps: list[GapRow],
    ends: list[EndRow],
    progress: dict[uuid.UUID, RecordingProgress],
) -> BatchResult:
    """Store a batch of windows from many connections in one transaction.

    ``progress`` holds the acked-through and highest seq the batcher computed for every recording
    the batch touches, assuming the batch commits; they are written here in the same transaction.
    """
    result = BatchResult()
    now = _now()
    level = settings.INGEST_COMPRESSION_LEVEL
    if level:
        # Here, on the database thread, not on the event loop (zlib releases the GIL while it works).
        for row in windows:
            packed = zlib.compress(row.payload, level)
            if len(packed) < len(row.payload):
                row.payload, row.encoding = packed, RecordingWindow.Encoding.ZLIB
    with transaction.atomic():
        if windows:
            result.inserted = _insert_windows(windows, now)
        if gaps:
            RecordingGap.objects.bulk_create(
                [
                    RecordingGap(recording_id=g.recording_id, from_seq=g.from_seq, to_seq=g.to_seq, reason=g.reason)
                    for g in gaps
                ],
                ignore_conflicts=True,
            )
        per_recording: dict[uuid.UUID, list[int]] = defaultdict(lambda: [0, 0, 0])
        per_device: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for row in windows:
            per_device[row.device_id][1] += row.wire_bytes
            if (row.recording_id, row.seq) in result.inserted:
                counts = per_recording[row.recording_id]
                counts[0] += 1
                counts[1] += row.n_samples
                counts[2] += len(row.payload)
                per_device[row.device_id][0] += 1
        _update_recordings(progress, per_recording, now)
        for end in ends:
            Recording.objects.filter(id=end.recording_id, windows_expected__isnull=True).update(
                ended_at=now, end_reason=end.reason, windows_expected=end.windows, samples_expected=end.samples
            )
        _update_devices(per_device, now)
    result.committed_at = now
    return result


_WINDOW_COLUMNS = (
    "recording_id, seq, sample_start, n_samples, device_time_us, lead_off, flags, encoding, payload, received_at"
)


def _insert_windows(rows: list[WindowRow], now: datetime) -> set[tuple[uuid.UUID, int]]:
    """Insert the batch's windows; returns the (recording, seq) pairs that were new (a replayed
    window is skipped by the unique constraint and not counted twice)."""
    if connection.vendor != "postgresql":
        return _insert_windows_one_by_one(rows, now)
    table = RecordingWindow._meta.db_table
    # One statement of fixed text for any batch size: ten arrays, unnested on the server. A VALUES
    # list of 10 placeholders per row made psycopg parse a new query text for every batch size,
    # about a fifth of the server's CPU at 150 chairs (docs/performance.md).
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({_WINDOW_COLUMNS}) "  # noqa: S608 - fixed identifiers
            "SELECT w.*, %s FROM unnest(%s::uuid[], %s::bigint[], %s::bigint[], %s::integer[], %s::bigint[], "
            "%s::smallint[], %s::smallint[], %s::smallint[], %s::bytea[]) AS w "
            "ON CONFLICT (recording_id, seq) DO NOTHING RETURNING recording_id, seq",
            [
                now,
                [r.recording_id for r in rows],
                [r.seq for r in rows],
                [r.sample_start for r in rows],
                [r.n_samples for r in rows],
                [r.device_time_us for r in rows],
                [r.lead_off for r in rows],
                [r.flags for r in rows],
                [r.encoding for r in rows],
                [bytes(r.payload) for r in rows],
            ],
        )
        return {(rec if isinstance(rec, uuid.UUID) else uuid.UUID(str(rec)), seq) for rec, seq in cursor.fetchall()}


def _insert_windows_one_by_one(rows: list[WindowRow], now: datetime) -> set[tuple[uuid.UUID, int]]:
    """SQLite (the embedded demo): one row per statement."""
    table = RecordingWindow._meta.db_table
    inserted: set[tuple[uuid.UUID, int]] = set()
    with connection.cursor() as cursor:
        for r in rows:
            cursor.execute(
                f"INSERT INTO {table} ({_WINDOW_COLUMNS}) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) "  # noqa: S608
                "ON CONFLICT (recording_id, seq) DO NOTHING RETURNING recording_id, seq",
                [r.recording_id.hex, r.seq, r.sample_start, r.n_samples, r.device_time_us, r.lead_off, r.flags]
                + [r.encoding, r.payload, now],
            )
            inserted.update((uuid.UUID(str(rec)), seq) for rec, seq in cursor.fetchall())
    return inserted


def _update_recordings(progress: dict[uuid.UUID, RecordingProgress], counts: dict, now: datetime) -> None:
    if not progress:
        return
    table = Recording._meta.db_table
    rows = []
    for rec_id, mark in progress.items():
        stored, samples, size = counts.get(rec_id, (0, 0, 0))
        rows.append((rec_id, stored, samples, size, mark.max_seq, mark.acked_through))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Arrays, not a VALUES list: the statement's text is the same for any number of rows.
            cursor.execute(
                f"UPDATE {table} AS r SET windows_stored = r.windows_stored + v.w, "  # noqa: S608
                "samples_stored = r.samples_stored + v.s, bytes_stored = r.bytes_stored + v.b, "
                "max_seq = GREATEST(r.max_seq, v.m), acked_through = GREATEST(r.acked_through, v.a), "
                "last_window_at = CASE WHEN v.w > 0 THEN %s ELSE r.last_window_at END "
                "FROM unnest(%s::uuid[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[]) "
                "AS v(id, w, s, b, m, a) WHERE r.id = v.id",
                [now, *(list(column) for column in zip(*rows, strict=True))],
            )
        else:  # SQLite (the demo): one statement per recording is plenty
            for rec_id, stored, samples, size, max_seq, through in rows:
                cursor.execute(
                    f"UPDATE {table} SET windows_stored = windows_stored + %s, "  # noqa: S608
                    "samples_stored = samples_stored + %s, bytes_stored = bytes_stored + %s, "
                    "max_seq = MAX(max_seq, %s), acked_through = MAX(acked_through, %s), "
                    "last_window_at = CASE WHEN %s > 0 THEN %s ELSE last_window_at END WHERE id = %s",
                    [stored, samples, size, max_seq, through, stored, now, rec_id.hex],
                )


def _update_devices(per_device: dict[int, list[int]], now: datetime) -> None:
    if not per_device:
        return
    table = EdgeDevice._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            devices = list(per_device)
            cursor.execute(
                f"UPDATE {table} AS d SET windows_received = d.windows_received + v.w, "  # noqa: S608
                "bytes_received = d.bytes_received + v.b, last_seen_at = %s "
                "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS v(id, w, b) WHERE d.id = v.id",
                [now, devices, [per_device[d][0] for d in devices], [per_device[d][1] for d in devices]],
            )
        else:
            for dev, (w, b) in per_device.items():
                cursor.execute(
                    f"UPDATE {table} SET windows_received = windows_received + %s, "  # noqa: S608
                    "bytes_received = bytes_received + %s, last_seen_at = %s WHERE id = %s",
                    [w, b, now, dev],
                )
