import numpy as np
import pytest
from emg_synthetic import Burst, synthetic_emg
from hypothesis import given, settings
from hypothesis import strategies as st

from signal_core.emg import (
    Calibration,
    EmgConfig,
    StreamingEngine,
    StreamingPool,
    filter_emg,
    moving_rms,
)

FS = 2000.0


DEFAULT = EmgConfig()


def batch_causal(x: np.ndarray, fs: float = FS, config: EmgConfig = DEFAULT):
    filtered = filter_emg(x, fs, config=config, causal=True)
    return filtered, moving_rms(filtered, fs, config.rms_window, causal=True)


def feed_in_chunks(engine: StreamingEngine, x: np.ndarray, sizes: list[int], **kwargs):
    filtered, envelope, position = [], [], 0
    for size in sizes:
        out = engine.feed(x[..., position : position + size], **kwargs)
        filtered.append(out.filtered)
        envelope.append(out.envelope)
        position += size
    return np.concatenate(filtered, axis=-1), np.concatenate(envelope, axis=-1)


@st.composite
def chunked_signals(draw):
    streams = draw(st.integers(1, 4))
    length = draw(st.integers(1, 1500))
    cuts = sorted(draw(st.lists(st.integers(0, length), max_size=12)))
    sizes = np.diff([0, *cuts, length]).tolist()  # zero-length chunks included
    seed = draw(st.integers(0, 2**32 - 1))
    offset = draw(st.floats(-500, 500))
    notch = draw(st.sampled_from([None, 50]))
    return streams, length, sizes, seed, offset, notch


@settings(max_examples=60, deadline=None)
@given(chunked_signals())
def test_streaming_in_any_chunking_equals_one_causal_pass(case):
    streams, length, sizes, seed, offset, notch = case
    config = EmgConfig(notch=notch, rms_window=0.05)
    x = np.random.default_rng(seed).standard_normal((streams, 2, length)) * 30 + offset
    engine = StreamingEngine(FS, 2, config=config, out_dtype=np.float64)
    for key in range(streams):
        engine.add(key)
    filtered, envelope = feed_in_chunks(engine, x, sizes)
    expected_filtered = filter_emg(x, FS, config=config, causal=True)
    np.testing.assert_allclose(filtered, expected_filtered, rtol=1e-9, atol=1e-9)
    if length >= 100:
        expected_envelope = moving_rms(expected_filtered, FS, 0.05, causal=True)
        np.testing.assert_array_equal(np.isnan(envelope), np.isnan(expected_envelope))
        np.testing.assert_allclose(envelope, expected_envelope, rtol=1e-7, atol=1e-9)
    else:
        assert np.isnan(envelope).all()  # no full RMS window yet


def test_float32_output_and_end_of_chunk_values_agree_with_full_precision():
    x = synthetic_emg([Burst(0, 0.5, 1.5, 10.0)], duration=2.0, seed=1)[None] * 1e-4  # volts
    full = StreamingEngine(FS, 2, out_dtype=np.float64)
    light = StreamingEngine(FS, 2)
    cheap = StreamingEngine(FS, 2)
    for engine in (full, light, cheap):
        engine.add("chair")
    filtered = []
    for start in range(0, x.shape[-1], 100):  # 50 ms windows, as the live path sends them
        window = x[..., start : start + 100]
        a, b, c = full.feed(window), light.feed(window), cheap.feed(window, full=False)
        filtered.append(a.filtered)
        assert b.filtered.dtype == np.float32 and c.filtered is None and c.envelope is None
        np.testing.assert_allclose(b.filtered, a.filtered, rtol=1e-5, atol=1e-6 * np.abs(x).max())
        np.testing.assert_allclose(c.last, a.last, rtol=1e-9)
        np.testing.assert_array_equal(c.valid, a.valid)
    np.testing.assert_array_equal(full.last(), a.last)
    # The end-of-chunk value is the RMS of the last 100 ms (200 samples) of filtered signal.
    tail = np.concatenate(filtered, axis=-1)[0, :, -200:]
    np.testing.assert_allclose(a.last[0], np.sqrt(np.mean(tail**2, axis=-1)), rtol=1e-9)


def test_streams_joining_and_leaving_do_not_disturb_the_others():
    rng = np.random.default_rng(2)
    signals = {key: rng.standard_normal((1, 2, 3000)) for key in "abcd"}
    engine = StreamingEngine(FS, 2, out_dtype=np.float64, capacity=1)
    engine.add("a")
    engine.add("b")
    engine.add("c")
    outputs = {key: [] for key in "abcd"}
    for step in range(30):
        if step == 10:
            engine.remove("b")
        if step == 15:
            engine.add("d")
        keys = engine.keys
        chunk = np.concatenate([signals[k][..., step * 100 : (step + 1) * 100] for k in keys])
        out = engine.feed(chunk)
        assert out.keys == keys
        for row, key in enumerate(keys):
            outputs[key].append(out.filtered[row])
    assert engine.keys == ("a", "c", "d")
    for key in "ac":
        expected, _ = batch_causal(signals[key][0])
        np.testing.assert_allclose(np.concatenate(outputs[key], axis=-1), expected, atol=1e-12)
    joined_late, _ = batch_causal(signals["d"][0, :, 1500:])
    np.testing.assert_allclose(np.concatenate(outputs["d"], axis=-1), joined_late, atol=1e-12)


def test_feeding_a_subset_of_streams_by_key_matches_feeding_them_alone():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 2, 1000))
    engine = StreamingEngine(FS, 2, out_dtype=np.float64)
    for key in ("x", "y", "z"):
        engine.add(key)
    first = engine.feed(x[[2, 0], :, :500], keys=["z", "x"])
    second = engine.feed(x[[0, 2], :, 500:], keys=["x", "z"])
    for row, key in ((0, 0), (2, 1)):
        expected, _ = batch_causal(x[row])
        got = np.concatenate([first.filtered[1 - key], second.filtered[key]], axis=-1)
        np.testing.assert_allclose(got, expected, atol=1e-12)
    assert np.isnan(engine.last(["y"])).all()  # never fed


def test_lost_samples_blank_one_chair_which_then_restarts_cleanly():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 2, 4000))
    engine = StreamingEngine(FS, 2, out_dtype=np.float64)
    engine.add(1)
    engine.add(2)
    outs = []
    for step in range(40):
        chunk = x[..., step * 100 : (step + 1) * 100].copy()
        if step == 20:
            chunk[0, :, 37] = np.nan  # one lost sample on chair 1, both channels
        outs.append(engine.feed(chunk))
    dropped = outs[20]
    assert np.isnan(dropped.filtered[0]).all() and np.isnan(dropped.envelope[0]).all()
    assert not dropped.valid[0].any() and dropped.valid[1].all()
    # Chair 2 never noticed.
    expected, expected_envelope = batch_causal(x[1])
    np.testing.assert_allclose(np.concatenate([o.filtered[1] for o in outs], axis=-1), expected, atol=1e-12)
    # Chair 1 restarts as a fresh stream on the next chunk: invalid until a full RMS window.
    restarted, restarted_envelope = batch_causal(x[0, :, 2100:])
    np.testing.assert_allclose(np.concatenate([o.filtered[0] for o in outs[21:]], axis=-1), restarted, atol=1e-12)
    assert not outs[21].valid[0].any() and outs[22].valid[0].all()  # 200-sample window at 2 kHz
    np.testing.assert_allclose(
        np.concatenate([o.envelope[0] for o in outs[21:]], axis=-1), restarted_envelope, rtol=1e-9
    )


def test_int16_counts_with_a_scale_equal_the_same_signal_in_volts():
    counts = (np.random.default_rng(5).standard_normal((2, 2, 800)) * 3000).astype(np.int16)
    scale = np.array([[1e-6, 2e-6], [1e-6, 1e-6]])
    by_counts = StreamingEngine(FS, 2, out_dtype=np.float64)
    by_volts = StreamingEngine(FS, 2, out_dtype=np.float64)
    for engine in (by_counts, by_volts):
        engine.add("p")
        engine.add("q")
    a = by_counts.feed(counts, scale=scale)
    b = by_volts.feed(counts * scale[..., None])
    np.testing.assert_allclose(a.filtered, b.filtered, rtol=1e-12, atol=1e-18)


def test_percent_of_calibration_comes_with_the_end_of_chunk_values():
    t = np.arange(2000) / FS
    x = np.stack([np.sin(2 * np.pi * 100 * t), 3 * np.sin(2 * np.pi * 100 * t)])[None]
    engine = StreamingEngine(FS, 2)
    engine.add("chair", calibration=Calibration(rest=(0.0, 0.0), maximum=(np.sqrt(2), np.sqrt(2))))
    out = engine.feed(x, full=False)
    np.testing.assert_allclose(out.percent[0], [50.0, 150.0], rtol=1e-3)
    engine.set_calibration("chair", None)
    assert np.isnan(engine.feed(x, full=False).percent).all()


def test_pool_routes_chairs_at_different_rates_to_their_own_filters():
    rng = np.random.default_rng(6)
    fast, slow = rng.standard_normal((2, 2000)), rng.standard_normal((2, 1000))
    pool = StreamingPool(2, config=EmgConfig(rms_window=0.05))
    pool.add("fast", 2000)
    pool.add("slow", 1000)
    for step in range(20):
        values = pool.feed(
            {"fast": fast[:, step * 100 : (step + 1) * 100], "slow": slow[:, step * 50 : (step + 1) * 50]}
        )
    config = EmgConfig(rms_window=0.05)
    _, fast_env = batch_causal(fast, 2000, config)
    _, slow_env = batch_causal(slow, 1000, config)
    np.testing.assert_allclose(values["fast"].envelope, fast_env[:, -1], rtol=1e-9)
    np.testing.assert_allclose(values["slow"].envelope, slow_env[:, -1], rtol=1e-9)
    pool.remove("fast")
    assert "fast" not in pool and len(pool) == 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda e: e.feed(np.zeros((2, 2, 10))), r"shaped \(streams=1, channels=2, n\)"),
        (lambda e: e.feed(np.zeros((1, 3, 10))), "channels=2"),
        (lambda e: e.feed(np.zeros((1, 2, 10), dtype=complex)), "real numeric"),
        (lambda e: e.feed(np.zeros((1, 2, 10)), keys=["nobody"]), "unknown stream"),
        (lambda e: e.feed(np.zeros((2, 2, 10)), keys=["a", "a"]), "must not repeat"),
        (lambda e: e.feed(np.zeros((1, 2, 10)), scale=np.ones(3)), "scale"),
        (lambda e: e.add("a"), "already"),
        (lambda e: e.remove("nobody"), "unknown stream"),
        (lambda e: e.set_calibration("a", Calibration((0.0,), (1.0,))), "calibration has 1"),
    ],
)
def test_engine_refuses_bad_calls_with_a_reason(call, message):
    engine = StreamingEngine(FS, 2)
    engine.add("a")
    with pytest.raises(ValueError, match=message):
        call(engine)


def test_engine_is_per_rate_and_checks_its_band():
    with pytest.raises(ValueError, match="too low"):
        StreamingEngine(500.0, 2)
    assert StreamingEngine(1000.0, 2).window == 100  # 100 ms RMS window at 1 kHz
