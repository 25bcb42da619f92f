"""Control messages (JSON text frames) of the device protocol, shared by the agent and the server.

Samples travel as binary windows (``edge_agent.codec``); everything else is a small JSON object
with a ``type``. ``parse_agent_message`` and ``parse_server_message`` check shape and types and
raise ``ProtocolError`` with a stable ``code``. See docs/protocol.md for the full exchange.
"""

from __future__ import annotations

import json
import math
import uuid
from typing import Any

from edge_agent.codec import DTYPE_CODES, MAX_CHANNELS, MAX_SAMPLES_PER_WINDOW, PROTOCOL_VERSION

MAX_TEXT_BYTES = 16 * 1024
MUSCLES = (
    "frontalis",
    "corrugator",
    "orbicularis_oculi",
    "zygomaticus_major",
    "orbicularis_oris",
    "depressor_anguli_oris",
    "mentalis",
    "platysma",
    "other",
)
SIDES = ("left", "right")
SAMPLING_RATES = (250, 500, 1000, 2000, 4000)
GAP_REASONS = ("outbox_full", "device_fault")
END_REASONS = ("stopped", "interrupted", "driver_error")


class ProtocolError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def dumps(message: dict) -> str:
    return json.dumps(message, separators=(",", ":"), allow_nan=False)


def _int(obj: dict, key: str, lo: int, hi: int) -> int:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ProtocolError("bad_message", f"{key} must be an integer in {lo}..{hi}")
    return value


def _str(obj: dict, key: str, max_len: int, choices: tuple[str, ...] | None = None) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or len(value) > max_len or (choices is not None and value not in choices):
        allowed = f" (one of {', '.join(choices)})" if choices else ""
        raise ProtocolError("bad_message", f"{key} must be a string of at most {max_len} characters{allowed}")
    return value


def _uuid(obj: dict, key: str) -> str:
    value = obj.get(key)
    if isinstance(value, str) and len(value) <= 40:
        try:
            return str(uuid.UUID(value))
        except ValueError:
            pass
    raise ProtocolError("bad_message", f"{key} must be a UUID")


def _loads(text: str | bytes) -> dict:
    if len(text) > MAX_TEXT_BYTES:
        raise ProtocolError("too_large", f"control message exceeds {MAX_TEXT_BYTES} bytes")
    try:
        message = json.loads(text)
    except (ValueError, RecursionError):
        raise ProtocolError("bad_json", "control message is not valid JSON") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ProtocolError("bad_message", "control message must be a JSON object with a type")
    return message


def channel_spec(label: str, muscle: str, side: str) -> dict:
    return {"label": label, "muscle": muscle, "side": side}


def _recording(obj: Any) -> dict:
    if not isinstance(obj, dict):
        raise ProtocolError("bad_message", "recording must be an object")
    channels = obj.get("channels")
    if not isinstance(channels, list) or not 1 <= len(channels) <= MAX_CHANNELS:
        raise ProtocolError("bad_message", f"channels must list 1..{MAX_CHANNELS} channels")
    clean_channels = []
    for channel in channels:
        if not isinstance(channel, dict):
            raise ProtocolError("bad_message", "each channel must be an object")
        clean_channels.append(
            {
                "label": _str(channel, "label", 60),
                "muscle": _str(channel, "muscle", 40, MUSCLES),
                "side": _str(channel, "side", 8, SIDES),
            }
        )
    scale = obj.get("scale_uv")
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not math.isfinite(scale) or scale <= 0:
        raise ProtocolError("bad_message", "scale_uv must be a positive number")
    rate = _int(obj, "sampling_rate", 1, 100_000)
    if rate not in SAMPLING_RATES:
        raise ProtocolError("bad_rate", f"sampling rate {rate} Hz is not one of {SAMPLING_RATES}")
    return {
        "id": _uuid(obj, "id"),
        "sampling_rate": rate,
        "channels": clean_channels,
        "dtype": _str(obj, "dtype", 8, tuple(DTYPE_CODES)),
        "scale_uv": float(scale),
        "window_samples": _int(obj, "window_samples", 1, MAX_SAMPLES_PER_WINDOW),
        "started_at_us": _int(obj, "started_at_us", 0, 2**62),
        "driver": _str(obj, "driver", 40),
    }


def parse_agent_message(text: str | bytes) -> dict:
    """A checked message from the agent: hello, open, gap or end."""
    message = _loads(text)
    kind = message["type"]
    if kind == "hello":
        return {
            "type": "hello",
            "protocol": _int(message, "protocol", 0, 65535),
            "agent": _str(message, "agent", 80),
            "device_time_us": _int(message, "device_time_us", 0, 2**62),
        }
    if kind == "open":
        return {"type": "open", "recording": _recording(message.get("recording"))}
    if kind == "gap":
        first = _int(message, "from_seq", 0, 2**32 - 1)
        last = _int(message, "to_seq", first, 2**32 - 1)
        return {
            "type": "gap",
            "recording": _uuid(message, "recording"),
            "from_seq": first,
            "to_seq": last,
            "reason": _str(message, "reason", 32, GAP_REASONS),
        }
    if kind == "end":
        return {
            "type": "end",
            "recording": _uuid(message, "recording"),
            "windows": _int(message, "windows", 0, 2**32),
            "samples": _int(message, "samples", 0, 2**62),
            "reason": _str(message, "reason", 32, END_REASONS),
        }
    raise ProtocolError("unknown_type", f"unknown message type {kind[:40]!r}")


def parse_server_message(text: str | bytes) -> dict:
    """A message from the server; only the fields the agent relies on are checked."""
    message = _loads(text)
    kind = message["type"]
    if kind in ("ack", "opened", "ended"):
        message["recording"] = _uuid(message, "recording")
        key = "through" if kind != "opened" else "acked_through"
        _int(message, key, -1, 2**32)
    elif kind == "error":
        _str(message, "code", 64)
    elif kind != "welcome":
        raise ProtocolError("unknown_type", f"unknown message type {kind[:40]!r}")
    return message


__all__ = [
    "PROTOCOL_VERSION",
    "ProtocolError",
    "channel_spec",
    "dumps",
    "parse_agent_message",
    "parse_server_message",
]
