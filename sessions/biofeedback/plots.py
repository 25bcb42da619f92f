"""Envelope plot of a session as SVG, drawn on the server like patients/progress charts (colours and
sizes are SVG attributes; no inline style, nothing the CSP forbids)."""

from __future__ import annotations

import warnings
from html import escape

import numpy as np

from patients.progress.charts import PALETTE, _nice_ticks

PIXELS = 900


def envelope_chart(
    envelope: np.ndarray,
    fs: float,
    *,
    labels: list[str],
    trials: list[tuple[int, float, float]],
    title: str,
    width: int = PIXELS,
    height: int = 280,
) -> str:
    """Envelopes ``(channels, n)`` in µV against seconds, trials shaded and numbered."""
    n = envelope.shape[-1]
    if n == 0:
        return ""
    left, right, top, bottom = 52, 16, 26, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    # Peak-preserving decimation to about one point per pixel.
    per = max(1, n // plot_w)
    usable = (n // per) * per
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a stretch with no signal (a gap) stays NaN
        reduced = np.nanmax(envelope[:, :usable].reshape(envelope.shape[0], -1, per), axis=-1) if usable else envelope
    finite = reduced[np.isfinite(reduced)]
    high = float(finite.max()) if finite.size else 1.0
    top_value = max(high, 1.0) * 1.08
    ticks = [t for t in _nice_ticks(0.0, top_value) if t <= top_value]
    duration = n / fs

    def x(seconds: float) -> float:
        return left + plot_w * seconds / duration

    def y(value: float) -> float:
        return top + plot_h * (1 - value / top_value)

    label = escape(title)
    parts = [
        f'<svg class="chart emg-chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{label}" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{label}</title>",
    ]
    for number, start, stop in trials:
        parts.append(
            f'<rect class="trial-band" x="{x(start):.1f}" y="{top}" width="{max(1.0, x(stop) - x(start)):.1f}" '
            f'height="{plot_h}" fill="#fef3c7" stroke="#f59e0b" stroke-width="1"/>'
        )
        parts.append(f'<text class="chart-tick" x="{x(start) + 4:.1f}" y="{top + 26}">Trial {int(number)}</text>')
    for tick in ticks:
        ty = y(tick)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="#e4e7eb"/>')
        parts.append(f'<text class="chart-tick" x="{left - 6}" y="{ty + 4:.1f}" text-anchor="end">{tick:g}</text>')
    for second in _nice_ticks(0.0, duration, 8):
        if second > duration:
            continue
        parts.append(
            f'<text class="chart-tick" x="{x(second):.1f}" y="{height - 12}" text-anchor="middle">{second:g} s</text>'
        )
    parts.append(f'<text class="chart-tick" x="{left}" y="{top - 6}">µV RMS</text>')
    # Legend: a swatch and the site of each channel, in the top margin after the unit.
    lx = left + 64
    for channel in range(envelope.shape[0]):
        name = labels[channel] if channel < len(labels) else f"Channel {channel + 1}"
        color = PALETTE[channel % len(PALETTE)]
        parts.append(
            f'<g class="chart-legend" data-series="ch{channel}">'
            f'<line x1="{lx}" x2="{lx + 18}" y1="{top - 10}" y2="{top - 10}" stroke="{color}" stroke-width="3"/>'
            f'<text class="chart-tick" x="{lx + 23}" y="{top - 6}">{escape(name)}</text></g>'
        )
        lx += 23 + int(6.4 * len(name)) + 18
    step_s = per / fs
    for channel in range(reduced.shape[0]):
        color = PALETTE[channel % len(PALETTE)]
        runs: list[list[str]] = [[]]
        for i, value in enumerate(reduced[channel]):
            if np.isfinite(value):
                runs[-1].append(f"{x(i * step_s):.1f},{y(float(value)):.1f}")
            elif runs[-1]:
                runs.append([])
        name = escape(labels[channel] if channel < len(labels) else f"Channel {channel + 1}")
        parts.append(f'<g class="chart-series" data-series="ch{channel}"><title>{name}</title>')
        for run in runs:
            if len(run) > 1:
                parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.6" points="{" ".join(run)}"/>')
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)
