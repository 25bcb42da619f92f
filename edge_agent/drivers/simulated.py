"""Simulated facial sEMG: band-limited noise shaped by a per-channel activation script.

The signal is a pure function of (seed, recording id, sample index), so a test or a bench can
regenerate exactly what the agent produced (``SimulatedDriver.generate``). It is built like real
surface EMG at the face:

* muscle activity: zero-mean noise band-limited to 20–450 Hz, amplitude following an activation
  envelope (rest ≈ 2–4 µV RMS, a strong facial contraction ≈ 100–200 µV RMS);
* amplifier noise (white, ≈ 1 µV RMS) and mains hum (50/60 Hz, a few µV);
* lead-off: the input drifts to the positive rail and the lead-off bit is set.

The script is a list of segments, each with a duration and a state, looped by default::

    [[driver.simulated.script]]
    seconds = 3
    state = "asymmetric"      # rest | symmetric | asymmetric | synkinesis | lead_off | custom
    levels = [0.25, 0.8]      # per channel, fraction of max_uv (asymmetric, custom)
    # symmetric: level = 0.6     synkinesis: target = 0, synkinetic = 1, ratio = 0.5, delay_ms = 40
    # any segment: noise_uv, hum_uv, lead_off = [false, true]
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import AsyncIterator

import numpy as np

from edge_agent.codec import DTYPE_INT16
from edge_agent.config import AgentConfig, ConfigError
from edge_agent.drivers.base import Block, Driver

STATES = ("rest", "symmetric", "asymmetric", "synkinesis", "lead_off", "custom")

# A short biofeedback practice for a left-sided palsy: weak left smile, synkinetic eye closure.
DEFAULT_SCRIPT = [
    {"seconds": 4, "state": "rest"},
    {"seconds": 3, "state": "asymmetric", "levels": [0.25, 0.8]},
    {"seconds": 3, "state": "rest"},
    {"seconds": 3, "state": "symmetric", "level": 0.5},
    {"seconds": 3, "state": "rest"},
    {"seconds": 3, "state": "synkinesis", "target": 0, "synkinetic": 1, "ratio": 0.6, "delay_ms": 40},
    {"seconds": 4, "state": "rest"},
]

_BANK_A = 65536
_BANK_B = 65521  # co-prime lengths: the summed noise repeats only after ~4e9 samples
_BANK_W = 32749


def _bandpass_fir(fs: int, low: float = 20.0, high: float = 450.0, taps: int = 101) -> np.ndarray:
    """Windowed-sinc band-pass (numpy only: the agent does not depend on scipy)."""
    m = np.arange(taps) - (taps - 1) / 2
    high = min(high, 0.45 * fs)

    def lowpass(fc: float) -> np.ndarray:
        return 2 * fc / fs * np.sinc(2 * fc / fs * m)

    h = (lowpass(high) - lowpass(low)) * np.hamming(taps)
    return h / np.sqrt(np.sum(h**2))  # unit noise gain


class SimulatedDriver(Driver):
    name = "simulated"

    def __init__(self, config: AgentConfig) -> None:
        super().__init__(config)
        opts = self.options
        self.dtype = DTYPE_INT16
        self.scale_uv = float(np.float32(opts.get("scale_uv", 0.05)))
        self.seed = int(opts.get("seed", 1))
        self.realtime = bool(opts.get("realtime", True))
        self.loop_script = bool(opts.get("loop", True))
        self.duration_s = opts.get("duration_s")
        self.max_uv = float(opts.get("max_uv", 160.0))
        self.rest_uv = float(opts.get("rest_uv", 3.0))
        self.noise_uv = float(opts.get("noise_uv", 1.0))
        self.hum_uv = float(opts.get("hum_uv", 3.0))
        self.mains_hz = float(opts.get("mains_hz", 50.0))
        self.window = config.window_samples
        self.script = list(opts.get("script") or DEFAULT_SCRIPT)
        self._build_tracks()
        self._build_banks()
        self._offsets = np.zeros(3, dtype=np.int64)

    # --- precomputation -------------------------------------------------------------------------------
    def _build_tracks(self) -> None:
        """Per-millisecond tracks of activation level, noise, hum and lead-off over one script period."""
        nch = self.channels
        periods_ms = [int(round(float(seg.get("seconds", 0)) * 1000)) for seg in self.script]
        if not self.script or min(periods_ms) <= 0:
            raise ConfigError("[driver.simulated] script segments need seconds > 0")
        total = sum(periods_ms)
        level = np.zeros((nch, total))
        noise = np.full((nch, total), self.noise_uv)
        hum = np.full((nch, total), self.hum_uv)
        lead_off = np.zeros((nch, total), dtype=bool)
        at = 0
        for seg, length in zip(self.script, periods_ms, strict=True):
            state = seg.get("state", "rest")
            if state not in STATES:
                raise ConfigError(f"[driver.simulated] state must be one of {', '.join(STATES)}")
            part = slice(at, at + length)
            if state == "symmetric":
                level[:, part] = float(seg.get("level", 0.5))
            elif state in ("asymmetric", "custom"):
                levels = list(seg.get("levels", [0.3, 0.8]))
                if len(levels) != nch:
                    raise ConfigError(f"[driver.simulated] levels needs one value per channel ({nch})")
                level[:, part] = np.asarray(levels, dtype=float)[:, None]
            elif state == "synkinesis":
                target, synk = int(seg.get("target", 0)), int(seg.get("synkinetic", 1 % nch))
                if not (0 <= target < nch and 0 <= synk < nch):
                    raise ConfigError("[driver.simulated] synkinesis channels out of range")
                voluntary = float(seg.get("level", 0.7))
                delay = int(seg.get("delay_ms", 40))
                level[target, part] = voluntary
                level[synk, at + delay : at + length] = voluntary * float(seg.get("ratio", 0.5))
            elif state == "lead_off":
                flags = seg.get("lead_off", [True] + [False] * (nch - 1))
                lead_off[:, part] = np.asarray(flags, dtype=bool)[:, None]
            if "lead_off" in seg and state != "lead_off":
                lead_off[:, part] = np.asarray(seg["lead_off"], dtype=bool)[:, None]
            if "noise_uv" in seg:
                noise[:, part] = float(seg["noise_uv"])
            if "hum_uv" in seg:
                hum[:, part] = float(seg["hum_uv"])
            at += length
        # Muscles do not switch on in a step: 150 ms raised-cosine ramps, with a slow 1.3 Hz wobble.
        ramp = np.hanning(151)
        ramp /= ramp.sum()
        padded = (
            np.concatenate([level[:, -75:], level, level[:, :75]], axis=1)
            if self.loop_script
            else np.pad(level, ((0, 0), (75, 75)), mode="edge")
        )
        smooth = np.stack([np.convolve(row, ramp, mode="valid") for row in padded])
        t = np.arange(total) / 1000
        wobble = 1 + 0.08 * np.sin(2 * np.pi * 1.3 * t)[None, :]
        self._envelope = self.rest_uv + smooth * wobble * self.max_uv
        self._noise = noise
        self._hum = hum
        self._lead_off = lead_off
        self.period_ms = total

    def _build_banks(self) -> None:
        rng = np.random.default_rng(self.seed)
        fir = _bandpass_fir(self.sampling_rate)
        self._bank_a = np.stack(
            [np.convolve(rng.standard_normal(_BANK_A), fir, mode="same") for _ in range(self.channels)]
        )
        self._bank_b = np.stack(
            [np.convolve(rng.standard_normal(_BANK_B), fir, mode="same") for _ in range(self.channels)]
        )
        self._bank_a = self._bank_a.astype(np.float32)
        self._bank_b = self._bank_b.astype(np.float32)
        self._bank_w = rng.standard_normal((self.channels, _BANK_W)).astype(np.float32)
        self._phase = rng.uniform(0, 2 * np.pi, size=(self.channels, 1))

    def start_recording(self, recording_id: uuid.UUID) -> None:
        digest = hashlib.sha256(recording_id.bytes + self.seed.to_bytes(8, "little", signed=True)).digest()
        self._offsets = np.frombuffer(digest[:24], dtype="<u8").astype(np.int64) % np.array([_BANK_A, _BANK_B, _BANK_W])

    # --- the signal -----------------------------------------------------------------------------------------
    def _sample_tracks(self) -> None:
        """Envelope, noise and hum per sample over one script period, so a window is only slices."""
        fs = self.sampling_rate
        period = self.period_ms * fs // 1000
        ms = (np.arange(period) * 1000) // fs
        self._env_s = self._envelope[:, ms].astype(np.float32)
        self._noise_s = self._noise[:, ms].astype(np.float32)
        self._hum_s = self._hum[:, ms].astype(np.float32)
        self._off_s = self._lead_off[:, ms]
        self._period = period
        # Mains hum repeats every second when the mains frequency is a whole number of hertz.
        t = np.arange(fs) / fs
        self._sine = np.sin(2 * np.pi * self.mains_hz * t[None, :] + self._phase).astype(np.float32)

    @staticmethod
    def _ring(table: np.ndarray, start: int, n: int) -> np.ndarray:
        length = table.shape[1]
        a = start % length
        if a + n <= length:
            return table[:, a : a + n]
        return table[:, (a + np.arange(n)) % length]

    def samples(self, start: int, n: int) -> tuple[np.ndarray, int]:
        """Counts (channels, n) int16 for samples [start, start + n) of the current recording, and lead-off bits."""
        if not hasattr(self, "_period"):
            self._sample_tracks()
        # Without looping, the last segment of the script goes on for ever.
        at = start if self.loop_script else min(start, max(0, self._period - n))
        env = self._ring(self._env_s, at, n)
        a = self._ring(self._bank_a, self._offsets[0] + start, n)
        b = self._ring(self._bank_b, self._offsets[1] + start, n)
        w = self._ring(self._bank_w, self._offsets[2] + start, n)
        muscle = (a + b) * np.float32(1 / np.sqrt(2)) * env
        uv = (
            muscle
            + w * self._ring(self._noise_s, at, n)
            + self._ring(self._hum_s, at, n) * self._ring(self._sine, start, n)
        )
        counts = np.clip(np.rint(uv * np.float32(1 / self.scale_uv)), -32768, 32767).astype(np.int16)
        off = self._ring(self._off_s, at, n)
        bits = 0
        if off.any():
            # A loose electrode drives the input towards the rail.
            idx = start + np.arange(n)
            for ch in range(self.channels):
                if off[ch].any():
                    counts[ch, off[ch]] = 32000 + (idx[off[ch]] % 700)
                    bits |= 1 << ch
        return counts, bits

    def generate(self, recording_id: uuid.UUID, start: int, n: int) -> np.ndarray:
        """What the agent streamed for ``recording_id``, samples [start, start + n), as int16 counts."""
        self.start_recording(recording_id)
        return self.samples(start, n)[0]

    async def blocks(self, stop: asyncio.Event) -> AsyncIterator[Block]:
        loop = asyncio.get_running_loop()
        started = loop.time()
        self.started_wall = time.time()
        index = 0
        limit = None if self.duration_s is None else int(float(self.duration_s) * self.sampling_rate)
        while (limit is None or index < limit) and not stop.is_set():
            n = self.window if limit is None else min(self.window, limit - index)
            if self.realtime:
                # Each block is handed over when its last sample would have been acquired.
                due = started + (index + n) / self.sampling_rate
                delay = due - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            else:
                await asyncio.sleep(0)
            counts, bits = self.samples(index, n)
            index += n
            yield Block(samples=counts, lead_off=bits)
