"""The live page's control messages (threshold drags, resync, pings): one strict parser, fuzzed."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessions.biofeedback.control import MAX_BYTES, MAX_RESYNC_WINDOWS, ControlError, parse_control

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
message_like = st.fixed_dictionaries(
    {"type": st.sampled_from(["threshold", "ceiling", "resync", "ping", "THRESHOLD", "", "end"])},
    optional={
        "threshold_pct": json_values,
        "ceiling_pct": json_values,
        "from_seq": json_values,
        "to_seq": json_values,
        "t": json_values,
        "extra": json_values,
    },
)


def _check(result: dict) -> None:
    kind = result["type"]
    if kind in ("threshold", "ceiling"):
        (value,) = [v for k, v in result.items() if k != "type"]
        assert isinstance(value, float) and 0 <= value <= 200
    elif kind == "resync":
        assert 0 <= result["from_seq"] <= result["to_seq"] < 2**32
        assert result["to_seq"] - result["from_seq"] < MAX_RESYNC_WINDOWS
    else:
        assert kind == "ping" and math.isfinite(result["t"])


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=300), st.binary(max_size=50), st.none()))
def test_any_text_is_parsed_or_refused_with_a_control_error(text):
    try:
        result = parse_control(text)
    except ControlError as exc:
        assert exc.code and exc.message
    else:
        _check(result)


@settings(max_examples=600, deadline=None)
@given(message_like)
def test_message_shaped_objects_are_parsed_or_refused_with_a_control_error(obj):
    try:
        text = json.dumps(obj)
    except (ValueError, TypeError):
        return
    try:
        result = parse_control(text)
    except ControlError as exc:
        assert exc.code in {"bad_field", "bad_message", "unknown_type", "too_large", "bad_json"}
    else:
        _check(result)


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0, max_value=200, allow_nan=False))
def test_a_threshold_drag_in_range_is_kept_to_a_tenth(value):
    assert parse_control(json.dumps({"type": "threshold", "threshold_pct": value})) == {
        "type": "threshold",
        "threshold_pct": round(value, 1),
    }


@pytest.mark.parametrize(
    "text,code",
    [
        ('{"type": "threshold", "threshold_pct": NaN}', "bad_field"),
        ('{"type": "threshold", "threshold_pct": 1e999}', "bad_field"),
        ('{"type": "threshold", "threshold_pct": true}', "bad_field"),
        ('{"type": "ceiling", "ceiling_pct": -1}', "bad_field"),
        ('{"type": "threshold", "threshold_pct": 40, "ceiling_pct": 20}', "bad_message"),
        ('{"type": "resync", "from_seq": 9, "to_seq": 3}', "bad_field"),
        ('{"type": "resync", "from_seq": 1.5, "to_seq": 3}', "bad_field"),
        ("[1, 2]", "bad_message"),
        ('{"type": "drop_tables"}', "unknown_type"),
        ("{" * 5000, "too_large"),
        ("[" * 900, "bad_json"),
        ("not json", "bad_json"),
    ],
)
def test_bad_messages_get_a_clear_code(text, code):
    with pytest.raises(ControlError) as caught:
        parse_control(text)
    assert caught.value.code == code
    assert len(text) <= MAX_BYTES or code == "too_large"


def test_a_huge_resync_is_cut_to_the_most_recent_windows():
    result = parse_control('{"type": "resync", "from_seq": 0, "to_seq": 100000}')
    assert result == {"type": "resync", "from_seq": 100000 - MAX_RESYNC_WINDOWS + 1, "to_seq": 100000}
