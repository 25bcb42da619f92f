"""Server-side SVG plots of a video's measures (no script, no inline style: presentation attributes).

One plot per video: the mouth corners' excursion gain (mm) above, the eye fissures as % of their
rest height below, on the same time axis, with the expression episodes shaded. Ocular synkinesis
reads as the affected eye's line dipping while its mouth corner's line rises.
"""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe

RIGHT_COLOUR = "#db2777"
LEFT_COLOUR = "#2563eb"
WIDTH, PANEL_HEIGHT, PAD_LEFT, PAD_RIGHT, PAD_TOP, GAP = 640, 150, 46, 12, 18, 34


def _ticks(low: float, high: float, count: int = 4) -> list[float]:
    if high <= low:
        return [low]
    raw = (high - low) / count
    magnitude = 10 ** int(f"{raw:e}".split("e")[1])
    step = min((m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw), default=raw)
    first = (low // step) * step
    ticks = []
    value = first
    while value <= high + 1e-9:
        if value >= low - 1e-9:
            ticks.append(round(value, 6))
        value += step
    return ticks


def _path(times, values, x_of, y_of) -> str:
    parts, pen_down = [], False
    for t, v in zip(times, values, strict=False):
        if v is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{x_of(t):.1f},{y_of(v):.1f}")
        pen_down = True
    return " ".join(parts)


def video_plot(video: dict, *, affected_side: str | None = None) -> SafeString:
    times = video.get("times") or []
    series = video.get("series") or {}
    baseline = video.get("baseline") or {}
    if len(times) < 2 or "commissure_excursion" not in series or "palpebral_fissure" not in series:
        return mark_safe("")  # noqa: S308 - empty string
    t0, t1 = times[0], times[-1]
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT

    def x_of(t: float) -> float:
        return PAD_LEFT + (t - t0) / (t1 - t0) * plot_w

    panels = []
    gains, fissures = {}, {}
    for side in ("right", "left"):
        base = baseline.get("commissure_excursion", {}).get(side)
        values = series["commissure_excursion"][side]
        gains[side] = [None if v is None or base is None else v - base for v in values]
        rest = baseline.get("palpebral_fissure", {}).get(side)
        values = series["palpebral_fissure"][side]
        fissures[side] = [None if v is None or not rest else v / rest * 100 for v in values]
    panels.append(("Mouth corner excursion gain", "mm", gains))
    panels.append(("Eye fissure height, % of rest", "%", fissures))
    height = PAD_TOP + len(panels) * (PANEL_HEIGHT + GAP) + 10
    out = [
        f'<svg class="video-plot" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="Mouth corner movement and eye fissure height over time" xmlns="http://www.w3.org/2000/svg">'
    ]
    for index, (title, unit, data) in enumerate(panels):
        top = PAD_TOP + index * (PANEL_HEIGHT + GAP)
        values = [v for side in data.values() for v in side if v is not None]
        if not values:
            continue
        low, high = min(values), max(values)
        if unit == "%":
            low, high = min(low, 60.0), max(high, 110.0)
        else:
            low, high = min(low, -1.0), max(high, 3.0)
        pad = 0.06 * (high - low)  # a little room so the lines do not run along the frame
        low, high = low - pad, high + pad
        span = high - low

        def y_of(v: float, top=top, low=low, span=span) -> float:
            return top + PANEL_HEIGHT - (v - low) / span * PANEL_HEIGHT

        out.append(
            f'<text x="{PAD_LEFT}" y="{top - 5}" font-size="12" fill="#52606d">{escape(title)} ({escape(unit)})</text>'
        )
        for episode in video.get("episodes", []):
            x0, x1 = x_of(episode["start"]), x_of(episode["end"])
            out.append(
                f'<rect x="{x0:.1f}" y="{top}" width="{max(x1 - x0, 1):.1f}" height="{PANEL_HEIGHT}" fill="#f1f5f9"/>'
            )
        out.append(
            f'<rect x="{PAD_LEFT}" y="{top}" width="{plot_w}" height="{PANEL_HEIGHT}" fill="none" stroke="#d9e2ec"/>'
        )
        for tick in _ticks(low, high):
            y = y_of(tick)
            out.append(f'<line x1="{PAD_LEFT}" x2="{PAD_LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eef2f6"/>')
            out.append(
                f'<text x="{PAD_LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
                f'fill="#52606d">{tick:g}</text>'
            )
        reference = 100.0 if unit == "%" else 0.0
        y_ref = y_of(reference)
        out.append(
            f'<line x1="{PAD_LEFT}" x2="{PAD_LEFT + plot_w}" y1="{y_ref:.1f}" y2="{y_ref:.1f}" '
            f'stroke="#9fb3c8" stroke-dasharray="4 3"/>'
        )
        for side, colour in (("right", RIGHT_COLOUR), ("left", LEFT_COLOUR)):
            width = 2.6 if side == affected_side else 1.6
            path = _path(times, data[side], x_of, y_of)
            if path:
                out.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="{width}"/>')
    axis_y = PAD_TOP + len(panels) * (PANEL_HEIGHT + GAP) - GAP + 14
    for tick in _ticks(t0, t1, 6):
        out.append(
            f'<text x="{x_of(tick):.1f}" y="{axis_y:.1f}" font-size="11" text-anchor="middle" '
            f'fill="#52606d">{tick:g} s</text>'
        )
    legend_x = WIDTH - PAD_RIGHT - 190
    for i, (label, colour) in enumerate((("Patient's right", RIGHT_COLOUR), ("Patient's left", LEFT_COLOUR))):
        x = legend_x + i * 100
        out.append(f'<line x1="{x}" x2="{x + 16}" y1="9" y2="9" stroke="{colour}" stroke-width="3"/>')
        out.append(f'<text x="{x + 20}" y="13" font-size="11" fill="#1f2933">{label}</text>')
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text is escaped, numbers are formatted


def progress_sparkline(points: list[tuple[str, float]]) -> SafeString:
    """A tiny line of values across visits (used in the comparison header)."""
    if len(points) < 2:
        return mark_safe("")  # noqa: S308
    values = [v for _, v in points]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    w, h = 120, 28
    coords = [(i / (len(values) - 1) * (w - 4) + 2, h - 2 - (v - low) / span * (h - 4)) for i, v in enumerate(values)]
    path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(coords))
    return mark_safe(  # noqa: S308 - numbers only
        f'<svg viewBox="0 0 {w} {h}" width="{w}" height="{h}" aria-hidden="true">'
        f'<path d="{path}" fill="none" stroke="#0f766e" stroke-width="2"/></svg>'
    )
