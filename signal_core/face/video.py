"""Measures over the frames of a video: time series, peak excursion per expression, and ocular
synkinesis (the eye narrowing while the mouth corner moves).

Input is the landmarks of every frame, (F, 478, 3), NaN where no face was found, with their times.
The video is assumed to start at rest (the protocol asks for a neutral face first): the first
half-second (or tenth of the video, whichever is longer) gives each measure's baseline.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from signal_core.face import geometry as g
from signal_core.face import indices as ix

MAX_GAP_S = 0.25  # missed frames shorter than this are interpolated
SMOOTH_FRAMES = 5  # running median over frames against landmark jitter
SERIES = ("brow_height", "palpebral_fissure", "commissure_excursion", "commissure_height", "dental_show")
# An expression episode: the face moves this far from rest (sum over the tracked distances, mm).
EPISODE_MM = 2.0
EPISODE_MIN_S = 0.2
EPISODE_MERGE_S = 0.3


@dataclass(frozen=True)
class Episode:
    start: float
    end: float
    peak: float

    def as_dict(self) -> dict:
        return {"start": round(self.start, 3), "end": round(self.end, 3), "peak": round(self.peak, 3)}


@dataclass
class VideoAnalysis:
    times: np.ndarray  # (F,)
    found: np.ndarray  # (F,) bool: a face in this frame (after filling short gaps)
    mm_per_px: np.ndarray  # (F,)
    scale_method: str
    series: dict[str, np.ndarray]  # per-side measures (F, 2), smoothed
    baseline: dict[str, np.ndarray]  # (2,)
    episodes: list[Episode]
    peaks: list[dict]
    synkinesis: dict[str, dict]
    notes: list[str] = field(default_factory=list)


def _fill_gaps(landmarks: np.ndarray, times: np.ndarray, found: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Interpolate landmarks through short runs of missed frames; longer runs stay NaN."""
    filled = landmarks.copy()
    found = found.copy()
    if found.all() or not found.any():
        return filled, found
    index = np.flatnonzero(found)
    missing = np.flatnonzero(~found)
    after = np.searchsorted(index, missing)
    ok = (after > 0) & (after < index.size)
    prev_i = index[np.clip(after - 1, 0, index.size - 1)]
    next_i = index[np.clip(after, 0, index.size - 1)]
    gap = times[next_i] - times[prev_i]
    ok &= gap <= MAX_GAP_S
    for frame, a, b in zip(missing[ok], prev_i[ok], next_i[ok], strict=True):
        t = (times[frame] - times[a]) / (times[b] - times[a])
        filled[frame] = (1 - t) * landmarks[a] + t * landmarks[b]
    found[missing[ok]] = True
    return filled, found


def _running_median(values: np.ndarray, width: int) -> np.ndarray:
    """Running median along axis 0, ignoring NaN; same shape."""
    if values.shape[0] < 2 or width < 2:
        return values
    half = width // 2
    padded = np.concatenate([np.repeat(values[:1], half, 0), values, np.repeat(values[-1:], half, 0)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, width, axis=0)
    with np.errstate(all="ignore"), _quiet():
        return np.nanmedian(windows, axis=-1)


class _quiet:
    def __enter__(self):
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc):
        self._ctx.__exit__(*exc)


def _frame_scale(landmarks: np.ndarray, found: np.ndarray, times: np.ndarray, reference) -> tuple[np.ndarray, str]:
    """mm per pixel of each frame: the iris where both eyes are open, smoothed over ~0.5 s and
    carried through blinks and eye closures; else the rest photo's scale via the temple width."""
    scale = np.full(landmarks.shape[0], np.nan)
    if found.any():
        scale[found] = g.iris_scale(landmarks[found])
    if np.isfinite(scale).sum() >= max(3, 0.2 * found.sum()):
        fps = (times.size - 1) / max(times[-1] - times[0], 1e-6) if times.size > 1 else 30.0
        smoothed = _running_median(scale, max(3, int(round(fps * 0.5)) | 1))
        valid = np.isfinite(smoothed)
        scale = np.interp(times, times[valid], smoothed[valid])
        scale[~found] = np.nan
        return scale, "iris"
    if reference is not None:
        reference_mm, reference_landmarks = reference
        out = np.full(landmarks.shape[0], np.nan)
        if found.any():
            out[found] = g.transfer_scale(reference_mm, reference_landmarks, landmarks[found])
        return out, "rest_photo"
    raise ValueError("the eyes are closed throughout the video and there is no rest photo to calibrate it")


def analyse_landmarks(
    landmarks: np.ndarray,
    times: np.ndarray,
    found: np.ndarray,
    *,
    reference: tuple[float, np.ndarray] | None = None,
) -> VideoAnalysis:
    """``reference``: (mm per pixel, landmarks) of the visit's rest photo, used when the eyes stay
    closed. Raises ValueError when the video cannot be measured, with the reason."""
    landmarks = np.asarray(landmarks, dtype=np.float64)
    times = np.asarray(times, dtype=np.float64)
    found = np.asarray(found, dtype=bool)
    if landmarks.ndim != 3 or landmarks.shape[1:] != (ix.N_LANDMARKS, 3) or landmarks.shape[0] != times.size:
        raise ValueError("landmarks must be (frames, 478, 3) with one time per frame")
    if found.sum() < 3:
        raise ValueError("a face was found in fewer than 3 frames of the video")
    landmarks, found = _fill_gaps(landmarks, times, found)
    scale, method = _frame_scale(landmarks, found, times, reference)
    measured = g.measure(landmarks[found], scale[found])
    series = {}
    for name in SERIES:
        values = np.full((times.size, 2), np.nan)
        values[found] = measured.per_side[name]
        series[name] = _running_median(values, SMOOTH_FRAMES)
    rest_until = times[0] + max(0.5, 0.1 * (times[-1] - times[0]))
    rest = (times <= rest_until) & found
    if rest.sum() < 2:
        rest = found
    with np.errstate(all="ignore"), _quiet():
        baseline = {name: np.nanmedian(values[rest], axis=0) for name, values in series.items()}
    episodes = _episodes(series, baseline, times)
    peaks = [_peaks(series, baseline, times, episode) for episode in episodes]
    notes = []
    if not episodes:
        notes.append("No movement away from rest was found (nothing moved more than 2 mm).")
    return VideoAnalysis(
        times=times,
        found=found,
        mm_per_px=scale,
        scale_method=method,
        series=series,
        baseline=baseline,
        episodes=episodes,
        peaks=peaks,
        synkinesis=ocular_synkinesis(series, baseline),
        notes=notes,
    )


def _motion(series, baseline) -> np.ndarray:
    parts = [
        np.abs(series[name] - baseline[name]).sum(axis=1)
        for name in ("brow_height", "palpebral_fissure", "commissure_excursion")
    ]
    return np.nan_to_num(np.sum(parts, axis=0), nan=0.0)


def _episodes(series, baseline, times) -> list[Episode]:
    motion = _motion(series, baseline)
    active = motion > EPISODE_MM
    if not active.any():
        return []
    edges = np.diff(np.concatenate([[0], active.astype(int), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    runs: list[list[int]] = []
    for s, e in zip(starts, ends, strict=True):
        if runs and times[s] - times[runs[-1][1]] < EPISODE_MERGE_S:
            runs[-1][1] = e
        else:
            runs.append([s, e])
    out = []
    for s, e in runs:
        if times[e] - times[s] < EPISODE_MIN_S:
            continue
        peak = s + int(np.argmax(motion[s : e + 1]))
        out.append(Episode(float(times[s]), float(times[e]), float(times[peak])))
    return out


def _peaks(series, baseline, times, episode: Episode) -> dict:
    window = (times >= episode.start) & (times <= episode.end)
    out: dict = {"episode": episode.as_dict(), "measures": {}}
    for name, values in series.items():
        change = values[window] - baseline[name]
        entry = {}
        for side, label in enumerate(ix.SIDES):
            column = change[:, side]
            if np.all(np.isnan(column)):
                entry[label] = None
                continue
            k = int(np.nanargmax(np.abs(column)))
            entry[label] = {
                "change": round(float(column[k]), 2),
                "value": round(float(values[window][k, side]), 2),
                "time": round(float(times[window][k]), 3),
            }
        out["measures"][name] = entry
    return out


def ocular_synkinesis(series: dict[str, np.ndarray], baseline: dict[str, np.ndarray]) -> dict[str, dict]:
    """Per side: how much the eye narrows while the mouth corner moves.

    ``narrowing_pct``: fissure narrowing (% of its rest height) at the frame where the commissure
    excursion gain peaks; ``correlation``: Pearson r between excursion gain and fissure height over
    the frames (strongly negative when the eye closes as the mouth moves); ``eface``: the fissure at
    the commissure peak as % of rest, the photo formula's counterpart (100 = no synkinesis).
    """
    out: dict[str, dict] = {}
    gain = series["commissure_excursion"] - baseline["commissure_excursion"]
    fissure = series["palpebral_fissure"]
    for side, label in enumerate(ix.SIDES):
        g_col, f_col = gain[:, side], fissure[:, side]
        valid = np.isfinite(g_col) & np.isfinite(f_col)
        rest_fissure = float(baseline["palpebral_fissure"][side])
        if valid.sum() < 3 or not np.isfinite(rest_fissure) or rest_fissure <= 0:
            out[label] = {"narrowing_pct": None, "commissure_gain_mm": None, "correlation": None, "eface": None}
            continue
        peak = np.flatnonzero(valid)[int(np.argmax(g_col[valid]))]
        peak_gain = float(g_col[peak])
        ratio = float(f_col[peak] / rest_fissure)
        g_valid, f_valid = g_col[valid], f_col[valid]
        corr = None
        if g_valid.std() > 1e-6 and f_valid.std() > 1e-6:
            corr = round(float(np.corrcoef(g_valid, f_valid)[0, 1]), 3)
        out[label] = {
            "narrowing_pct": round((1.0 - ratio) * 100.0, 1),
            "commissure_gain_mm": round(peak_gain, 2),
            "correlation": corr,
            "eface": round(float(np.clip(ratio * 100.0, 0.0, 100.0)), 1),
            "peak_frame": int(peak),
        }
    return out
