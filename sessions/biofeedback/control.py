"""Control messages a live page sends on its socket (threshold drags, resync, clock pings).

One parser, strict: a JSON object of at most ``MAX_BYTES`` with a known ``type`` and exactly the
fields of that type, each of the right kind and range. Anything else raises ``ControlError`` with
a code and a message the page can show; nothing else ever escapes (fuzzed in
tests/biofeedback/test_fuzz_control.py).

    {"type": "threshold", "threshold_pct": 42.5}        (therapist drags the target line)
    {"type": "ceiling", "ceiling_pct": 30}              (inhibition: the synkinetic ceiling)
    {"type": "resync", "from_seq": 120, "to_seq": 140}  (the page saw a gap in seq)
    {"type": "ping", "t": 1234.5}                       (page clock, echoed with the server time)
"""

from __future__ import annotations

import json
import math

MAX_BYTES = 1024
MAX_RESYNC_WINDOWS = 400  # 20 s of 50 ms windows: older holes are not worth redrawing


class ControlError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _number(obj: dict, name: str, low: float, high: float) -> float:
    value = obj.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ControlError("bad_field", f"{name} must be a number")
    value = float(value)
    if not math.isfinite(value) or not low <= value <= high:
        raise ControlError("bad_field", f"{name} must be between {low:g} and {high:g}")
    return value


def _int(obj: dict, name: str, low: int, high: int) -> int:
    value = obj.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ControlError("bad_field", f"{name} must be an integer")
    if not low <= value <= high:
        raise ControlError("bad_field", f"{name} must be between {low} and {high}")
    return value


FIELDS = {
    "threshold": {"threshold_pct"},
    "ceiling": {"ceiling_pct"},
    "resync": {"from_seq", "to_seq"},
    "ping": {"t"},
}


def parse_control(text: str | bytes | None) -> dict:
    if text is None:
        raise ControlError("bad_json", "send JSON text frames")
    if isinstance(text, bytes):
        raise ControlError("bad_json", "send JSON text frames, not binary")
    if len(text) > MAX_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise ControlError("too_large", f"control messages are at most {MAX_BYTES} bytes")
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        raise ControlError("bad_json", "not valid JSON") from None
    if not isinstance(obj, dict):
        raise ControlError("bad_message", "a control message is a JSON object")
    kind = obj.get("type")
    if not isinstance(kind, str) or kind not in FIELDS:
        raise ControlError("unknown_type", f"type must be one of {', '.join(sorted(FIELDS))}")
    extra = set(obj) - FIELDS[kind] - {"type"}
    if extra:
        raise ControlError("bad_message", f"unexpected field(s): {', '.join(sorted(map(str, extra)))[:80]}")
    if kind == "threshold":
        return {"type": kind, "threshold_pct": round(_number(obj, "threshold_pct", 0, 200), 1)}
    if kind == "ceiling":
        return {"type": kind, "ceiling_pct": round(_number(obj, "ceiling_pct", 0, 200), 1)}
    if kind == "resync":
        first = _int(obj, "from_seq", 0, 2**32 - 1)
        last = _int(obj, "to_seq", 0, 2**32 - 1)
        if last < first:
            raise ControlError("bad_field", "to_seq must not be before from_seq")
        if last - first >= MAX_RESYNC_WINDOWS:
            first = last - MAX_RESYNC_WINDOWS + 1
        return {"type": kind, "from_seq": first, "to_seq": last}
    return {"type": kind, "t": _number(obj, "t", -1e15, 1e15)}
