"""Live surface-EMG processing for many recordings at once (one engine for all chairs).

:class:`StreamingEngine` keeps, per stream and channel, the band-pass filter state (float64)
and the last RMS window of squared samples. Chunks shaped ``(streams, channels, n)`` of any
``n`` come out exactly as one causal pass over the whole signal would give them
(:func:`~signal_core.emg.filters.filter_emg` with ``causal=True`` followed by
:func:`~signal_core.emg.amplitude.moving_rms` with ``causal=True``), to float rounding.

One engine serves one sampling rate (the filter differs per rate); :class:`StreamingPool`
keeps one engine per rate and routes chunks by stream key.

Lost samples: a chunk row (one stream, one channel) holding any non-finite value is dropped
as a whole. Its output is NaN, the row is reset (filter re-primed on the next finite chunk,
RMS window emptied) and it reports ``valid=False`` until a full RMS window of good samples has
passed again. Other rows are untouched, so one chair's dropout never reaches another's state.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from scipy import signal

from signal_core._validation import check_fs, seconds_to_samples
from signal_core.emg.amplitude import Calibration, normalise
from signal_core.emg.config import EmgConfig
from signal_core.emg.filters import DEFAULT_CONFIG, cached_filter


@dataclass(frozen=True)
class StreamChunk:
    """What one :meth:`StreamingEngine.feed` returns, rows in the order of ``keys``.

    filtered, envelope : ``(streams, channels, n)`` in the engine's ``out_dtype`` (float32 by
        default), or None when fed with ``full=False``. The envelope is the causal moving RMS,
        NaN until a full window has passed since the stream (re)started.
    last : ``(streams, channels)`` float64, the envelope at the end of the chunk.
    percent : ``(streams, channels)`` ``last`` in % of the stream's calibration (NaN without).
    valid : ``(streams, channels)`` bool, True where ``last`` is a number.
    """

    keys: tuple[Hashable, ...]
    filtered: np.ndarray | None
    envelope: np.ndarray | None
    last: np.ndarray
    percent: np.ndarray
    valid: np.ndarray


class StreamingEngine:
    """Causal band-pass + moving RMS for many streams of one sampling rate.

    Parameters
    ----------
    fs : sampling rate in Hz, shared by every stream of this engine.
    n_channels : channels per stream.
    config : filter band/order/notch and ``rms_window``.
    out_dtype : dtype of the full-rate outputs (float32 halves the memory traffic; the state
        and the end-of-chunk values stay float64).
    """

    def __init__(
        self,
        fs: float,
        n_channels: int = 2,
        *,
        config: EmgConfig = DEFAULT_CONFIG,
        out_dtype: Any = np.float32,
        capacity: int = 16,
    ) -> None:
        self.fs = check_fs(fs)
        if isinstance(n_channels, bool) or not isinstance(n_channels, int) or n_channels < 1:
            raise ValueError(f"n_channels must be a positive int, got {n_channels!r}")
        self.out_dtype = np.dtype(out_dtype)
        if self.out_dtype.kind != "f":
            raise ValueError(f"out_dtype must be a float dtype, got {self.out_dtype}")
        self.n_channels = n_channels
        self.config = config
        self._sos = cached_filter(self.fs, config)
        self._zi = signal.sosfilt_zi(self._sos)
        self.window = seconds_to_samples(config.rms_window, self.fs, name="rms_window", minimum=2)
        self._keys: list[Hashable] = []
        self._slots: dict[Hashable, int] = {}
        self._allocate(max(int(capacity), 1))

    # -- streams ------------------------------------------------------------------------------

    @property
    def keys(self) -> tuple[Hashable, ...]:
        """Stream keys in row order (insertion order; removal keeps the others' order)."""
        return tuple(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._slots

    def add(self, key: Hashable, *, calibration: Calibration | None = None) -> None:
        """Start a stream; its first finite chunk primes the filter."""
        if key in self._slots:
            raise ValueError(f"stream {key!r} is already in the engine")
        slot = len(self._keys)
        if slot == self._count.shape[0]:
            self._allocate(2 * slot)
        self._keys.append(key)
        self._slots[key] = slot
        self._clear(slot)
        self.set_calibration(key, calibration)

    def remove(self, key: Hashable) -> None:
        """Forget a stream; later streams move up one row, their state unchanged."""
        slot = self._slot(key)
        end = len(self._keys)
        for array, axis in self._arrays():
            moved = [slice(None)] * array.ndim
            source = list(moved)
            moved[axis] = slice(slot, end - 1)
            source[axis] = slice(slot + 1, end)
            array[tuple(moved)] = array[tuple(source)]
        del self._keys[slot]
        del self._slots[key]
        for later in self._keys[slot:]:  # bookkeeping per removal, not per sample
            self._slots[later] -= 1

    def reset(self, key: Hashable) -> None:
        """Restart a stream's state (e.g. after the device reconnected)."""
        self._clear(self._slot(key))

    def set_calibration(self, key: Hashable, calibration: Calibration | None) -> None:
        """Set (or clear, with None) the rest/maximum used for ``percent``."""
        slot = self._slot(key)
        if calibration is None:
            self._rest[slot] = np.nan
            self._maximum[slot] = np.nan
            return
        if calibration.n_channels != self.n_channels:
            raise ValueError(f"calibration has {calibration.n_channels} channel(s), the engine has {self.n_channels}")
        self._rest[slot] = calibration.rest
        self._maximum[slot] = calibration.maximum

    # -- processing ---------------------------------------------------------------------------

    def feed(
        self,
        chunk: Any,
        keys: Sequence[Hashable] | None = None,
        *,
        scale: Any = None,
        full: bool = True,
    ) -> StreamChunk:
        """Process the next ``n`` samples of some or all streams.

        chunk : ``(streams, channels, n)`` real array (int16 counts or floats); rows follow
            ``keys``, or :attr:`keys` when ``keys`` is None.
        scale : multiplier to signal units, scalar or broadcastable to ``(streams, channels)``.
        full : False skips the full-rate outputs and returns only the end-of-chunk values
            (what a 25 Hz live view needs), which saves the RMS pass and two output arrays.
        """
        rows, names = self._rows(keys)
        x = self._as_chunk(chunk, len(names), scale)
        n = x.shape[-1]
        if n == 0:
            last = self._last[rows].copy()
            empty = np.empty(x.shape, dtype=self.out_dtype) if full else None
            return self._result(names, rows, empty, empty, last)

        finite = np.isfinite(x).all(axis=-1)
        all_finite = bool(finite.all())
        if not all_finite:
            x[~finite] = 0.0
        state = self._state[:, rows]
        fresh = finite & ~self._primed[rows]
        if fresh.any():
            # Steady state for the first sample: a constant offset (DC) then passes as exactly 0.
            state[:, fresh] = self._zi[:, None, :] * x[fresh][:, 0][None, :, None]
        y, state = signal.sosfilt(self._sos, x, axis=-1, zi=state)
        if not all_finite:
            state[:, ~finite] = 0.0
            y[~finite] = np.nan
        self._state[:, rows] = state
        self._primed[rows] = finite

        width = self.window
        seen = self._count[rows]
        squares = np.square(y)
        if not all_finite:
            squares[~finite] = 0.0
        tail = self._tail[rows]
        envelope = None
        if full:
            joined = np.concatenate([tail, squares], axis=-1)
            sums = np.cumsum(joined, axis=-1)
            window_sums = sums[..., width : width + n] - sums[..., :n]
            np.maximum(window_sums, 0.0, out=window_sums)
            envelope = np.sqrt(window_sums * (1.0 / width))
            if (seen < width - 1).any():
                # Sample j of the chunk ends a full window only once seen + j + 1 >= width.
                envelope[np.arange(n) < (width - 1 - seen)[..., None]] = np.nan
            new_tail = joined[..., n:]
            last = envelope[..., -1].astype(np.float64)
        else:
            new_tail = squares[..., -width:] if n >= width else np.concatenate([tail[..., n:], squares], axis=-1)
            last = np.sqrt(np.maximum(new_tail.sum(axis=-1), 0.0) * (1.0 / width))
            last[seen + n < width] = np.nan
        count = np.where(finite, np.minimum(seen + n, width), 0)
        if not all_finite:
            new_tail[~finite] = 0.0
            last[~finite] = np.nan
            if envelope is not None:
                envelope[~finite] = np.nan
        self._tail[rows] = new_tail
        self._count[rows] = count
        self._last[rows] = last

        if full:
            filtered = y if self.out_dtype == np.float64 else y.astype(self.out_dtype)
            envelope = envelope if self.out_dtype == np.float64 else envelope.astype(self.out_dtype)  # type: ignore[union-attr]
            return self._result(names, rows, filtered, envelope, last)
        return self._result(names, rows, None, None, last)

    def last(self, keys: Sequence[Hashable] | None = None) -> np.ndarray:
        """Envelope ``(streams, channels)`` at the end of the last chunk fed (NaN if none)."""
        rows, _ = self._rows(keys)
        return self._last[rows].copy()

    # -- internals ----------------------------------------------------------------------------

    def _result(
        self,
        names: tuple[Hashable, ...],
        rows: Any,
        filtered: np.ndarray | None,
        envelope: np.ndarray | None,
        last: np.ndarray,
    ) -> StreamChunk:
        percent = normalise(last, self._rest[rows], self._maximum[rows])
        return StreamChunk(names, filtered, envelope, last, percent, ~np.isnan(last))

    def _rows(self, keys: Sequence[Hashable] | None) -> tuple[Any, tuple[Hashable, ...]]:
        if keys is None:
            return slice(0, len(self._keys)), tuple(self._keys)
        names = tuple(keys)
        if len(set(names)) != len(names):
            raise ValueError("keys must not repeat a stream within one chunk")
        return np.fromiter((self._slot(k) for k in names), dtype=np.intp, count=len(names)), names

    def _slot(self, key: Hashable) -> int:
        try:
            return self._slots[key]
        except KeyError:
            raise ValueError(f"unknown stream {key!r}; add() it first") from None
        except TypeError:
            raise ValueError(f"stream key {key!r} is not hashable") from None

    def _as_chunk(self, chunk: Any, streams: int, scale: Any) -> np.ndarray:
        arr = np.asarray(chunk)
        if arr.dtype == object or arr.dtype.kind not in "iuf":
            raise ValueError(f"chunk must be a real numeric array, got dtype {arr.dtype}")
        if arr.ndim != 3 or arr.shape[0] != streams or arr.shape[1] != self.n_channels:
            raise ValueError(
                f"chunk must be shaped (streams={streams}, channels={self.n_channels}, n), got {arr.shape}"
            )
        x = arr.astype(np.float64)  # always a copy: the caller's buffer is never written
        if scale is not None:
            factor = np.asarray(scale, dtype=np.float64)
            try:
                factor = np.broadcast_to(factor, (streams, self.n_channels))
            except ValueError:
                raise ValueError(f"scale of shape {factor.shape} does not broadcast to (streams, channels)") from None
            if not np.isfinite(factor).all():
                raise ValueError("scale must be finite")
            x *= factor[..., None]
        return x

    def _arrays(self) -> Iterable[tuple[np.ndarray, int]]:
        yield self._state, 1
        for array in (self._tail, self._count, self._primed, self._last, self._rest, self._maximum):
            yield array, 0

    def _allocate(self, capacity: int) -> None:
        old = getattr(self, "_count", None)
        sections = self._sos.shape[0]
        c = self.n_channels
        fresh = {
            "_state": np.zeros((sections, capacity, c, 2)),
            "_tail": np.zeros((capacity, c, self.window)),
            "_count": np.zeros((capacity, c), dtype=np.int64),
            "_primed": np.zeros((capacity, c), dtype=bool),
            "_last": np.full((capacity, c), np.nan),
            "_rest": np.full((capacity, c), np.nan),
            "_maximum": np.full((capacity, c), np.nan),
        }
        if old is not None:
            used = len(self._keys)
            for name, array in fresh.items():
                current = getattr(self, name)
                if name == "_state":
                    array[:, :used] = current[:, :used]
                else:
                    array[:used] = current[:used]
        for name, array in fresh.items():
            setattr(self, name, array)

    def _clear(self, slot: int) -> None:
        self._state[:, slot] = 0.0
        self._tail[slot] = 0.0
        self._count[slot] = 0
        self._primed[slot] = False
        self._last[slot] = np.nan


class LiveValues(NamedTuple):
    """End-of-chunk values of one stream: ``envelope``, ``percent`` and ``valid``, each (channels,)."""

    envelope: np.ndarray
    percent: np.ndarray
    valid: np.ndarray


class StreamingPool:
    """Streams at several sampling rates behind one key space: one engine per rate.

    The Channels consumer adds each chair with its rate and feeds whatever windows arrived in a
    tick as ``{key: (channels, n) array}``; chunks are grouped by (rate, n) and each group goes
    through its engine in one vectorised call.
    """

    def __init__(self, n_channels: int = 2, *, config: EmgConfig = DEFAULT_CONFIG, out_dtype: Any = np.float32):
        self.n_channels = n_channels
        self.config = config
        self.out_dtype = out_dtype
        self._engines: dict[float, StreamingEngine] = {}
        self._rate_of: dict[Hashable, float] = {}

    def __len__(self) -> int:
        return len(self._rate_of)

    def __contains__(self, key: object) -> bool:
        return key in self._rate_of

    def engine(self, fs: float) -> StreamingEngine:
        """The engine for one rate (created on first use)."""
        rate = check_fs(fs)
        if rate not in self._engines:
            self._engines[rate] = StreamingEngine(rate, self.n_channels, config=self.config, out_dtype=self.out_dtype)
        return self._engines[rate]

    def add(self, key: Hashable, fs: float, *, calibration: Calibration | None = None) -> None:
        if key in self._rate_of:
            raise ValueError(f"stream {key!r} is already in the pool")
        engine = self.engine(fs)
        engine.add(key, calibration=calibration)
        self._rate_of[key] = engine.fs

    def remove(self, key: Hashable) -> None:
        rate = self._rate(key)
        self._engines[rate].remove(key)
        del self._rate_of[key]

    def set_calibration(self, key: Hashable, calibration: Calibration | None) -> None:
        self._engines[self._rate(key)].set_calibration(key, calibration)

    def feed(
        self, chunks: Mapping[Hashable, Any], *, scales: Mapping[Hashable, Any] | None = None
    ) -> dict[Hashable, LiveValues]:
        """Feed one ``(channels, n)`` window per key; return each key's end-of-chunk values."""
        groups: dict[tuple[float, int], list[Hashable]] = {}
        arrays: dict[Hashable, np.ndarray] = {}
        for key, window in chunks.items():  # grouping is per message; the maths is per group
            arr = np.asarray(window)
            if arr.ndim != 2:
                raise ValueError(f"window of stream {key!r} must be (channels, n), got shape {arr.shape}")
            arrays[key] = arr
            groups.setdefault((self._rate(key), arr.shape[-1]), []).append(key)
        result: dict[Hashable, LiveValues] = {}
        for (rate, _), keys in groups.items():
            scale = None
            if scales is not None:
                scale = np.stack(
                    [
                        np.broadcast_to(np.asarray(scales.get(k, 1.0), dtype=np.float64), (self.n_channels,))
                        for k in keys
                    ]
                )
            out = self._engines[rate].feed(np.stack([arrays[k] for k in keys]), keys, scale=scale, full=False)
            for row, key in enumerate(keys):
                result[key] = LiveValues(out.last[row], out.percent[row], out.valid[row])
        return result

    def _rate(self, key: Hashable) -> float:
        try:
            return self._rate_of[key]
        except KeyError:
            raise ValueError(f"unknown stream {key!r}; add() it first") from None
