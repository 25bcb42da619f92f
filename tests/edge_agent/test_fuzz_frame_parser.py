"""Fuzzing the binary frame parser and the control-message parser: anything malformed is a
FrameError/ProtocolError with a code, never another exception; valid frames round-trip."""

from __future__ import annotations

import json
import uuid

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from edge_agent import codec, messages
from edge_agent.drivers.serial_mcu import FrameParser

CODES = {
    "too_large", "truncated", "bad_magic", "unsupported_version", "unknown_kind", "crc_mismatch",
    "bad_dtype", "bad_shape", "bad_length", "bad_field", "bad_samples",
}  # fmt: skip


def _valid(seed: int, channels: int, n: int, dtype: int) -> bytes:
    rng = np.random.default_rng(seed)
    if dtype == codec.DTYPE_FLOAT32:
        samples = rng.normal(size=(channels, n)).astype(np.float32)
    else:
        top = 32767 if dtype == codec.DTYPE_INT16 else codec.INT24_MAX
        samples = rng.integers(-top, top, size=(channels, n))
    return codec.encode_window(
        recording_id=uuid.UUID(int=seed),
        seq=seed,
        sample_start=seed * n,
        device_time_us=seed,
        sampling_rate=2000,
        samples=samples.astype(np.int16) if dtype == codec.DTYPE_INT16 else samples,
        dtype=dtype,
        scale_uv=0.05,
    )


frames = st.builds(
    _valid,
    st.integers(0, 2**31),
    st.integers(1, 8),
    st.integers(1, 300),
    st.sampled_from([codec.DTYPE_INT16, codec.DTYPE_INT24, codec.DTYPE_FLOAT32]),
)


@given(st.binary(max_size=3000))
def test_random_bytes_are_rejected_with_a_code(data):
    try:
        codec.decode_window(data)
    except codec.FrameError as exc:
        assert exc.code in CODES
    else:  # a random frame with a valid CRC-32 and header: astronomically unlikely, but legal
        pass


@given(frames, st.data())
def test_mutated_and_truncated_frames_never_decode_to_something_else(frame, data):
    mutation = data.draw(st.sampled_from(["flip", "truncate", "extend", "splice"]))
    raw = bytearray(frame)
    if mutation == "flip":
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] ^= data.draw(st.integers(1, 255))
    elif mutation == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    elif mutation == "extend":
        raw += data.draw(st.binary(min_size=1, max_size=64))
    else:
        i = data.draw(st.integers(0, len(raw)))
        raw[i:i] = data.draw(st.binary(min_size=1, max_size=16))
    try:
        codec.decode_window(bytes(raw))
    except codec.FrameError as exc:
        assert exc.code in CODES
    else:
        raise AssertionError(f"a {mutation}d frame was accepted")


@settings(max_examples=200)
@given(frames)
def test_valid_frames_round_trip(frame):
    window = codec.decode_window(frame)
    again = codec.encode_window(
        recording_id=window.recording_id,
        seq=window.seq,
        sample_start=window.sample_start,
        device_time_us=window.device_time_us,
        sampling_rate=window.sampling_rate,
        samples=window.counts(),
        dtype=window.dtype,
        scale_uv=window.scale_uv,
    )
    assert again == frame


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


KEYS = ["type", "recording", "protocol", "from_seq", "to_seq", "windows", "samples", "reason", "agent"]
message_dicts = st.dictionaries(st.sampled_from(KEYS), json_values) | st.builds(
    lambda kind, rest: {"type": kind, **rest},
    st.sampled_from(["hello", "open", "gap", "end", "ack", "x"]),
    st.dictionaries(st.sampled_from(KEYS[1:]), json_values),
)


@given(st.one_of(st.text(max_size=200), message_dicts.map(json.dumps)))
def test_control_messages_either_parse_or_fail_with_a_protocol_error(text):
    try:
        messages.parse_agent_message(text)
    except messages.ProtocolError as exc:
        assert exc.code and exc.message


@given(st.lists(st.binary(max_size=200), max_size=20))
def test_the_serial_parser_survives_any_byte_stream(chunks):
    parser = FrameParser(channels=2)
    for chunk in chunks:
        for mcu_frame, lost in parser.feed(chunk):
            assert mcu_frame.samples.shape[0] == 2 and 0 <= lost < 65536
    assert len(parser.buffer) <= 2 * 64 * 3 + 10 + sum(len(c) for c in chunks)
