"""Line charts as inline SVG, drawn on the server (no chart library, nothing inline the CSP forbids:
colours and sizes are SVG attributes, text styling comes from the stylesheet)."""

from __future__ import annotations

import math
from datetime import date, timedelta
from html import escape

from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#0f766e", "#db2777", "#2563eb", "#b45309", "#7c3aed", "#15803d", "#b91c1c", "#0e7490")
DASHES = ("", "6 4", "2 3", "8 3 2 3")


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    if high <= low:
        high = low + 1
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value <= high + step * 0.001:
        if value >= low - step * 0.001:
            ticks.append(round(value, 6))
        value += step
    return ticks


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _date_ticks(first: date, last: date) -> list[date]:
    days = (last - first).days
    if days <= 0:
        return [first]
    if days <= 150:
        step = max(1, math.ceil(days / 5))
        return [first + timedelta(days=d) for d in range(0, days + 1, step)]
    # Month starts, thinned to at most ~7 labels.
    months = []
    cursor = date(first.year, first.month, 1)
    while cursor <= last:
        if cursor >= first:
            months.append(cursor)
        cursor = date(cursor.year + (cursor.month // 12), cursor.month % 12 + 1, 1)
    stride = max(1, math.ceil(len(months) / 7))
    return months[::stride] or [first]


def line_chart(series: list[dict], *, title: str, width: int = 640, height: int = 260) -> SafeString:
    """One chart of ``series`` (each with ``points`` of ``date``/``value``) sharing a date axis."""
    points = [p for s in series for p in s["points"]]
    if not points:
        return mark_safe("")
    left, right, top, bottom = 48, 16, 14, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    first = min(p["date"] for p in points)
    last = max(p["date"] for p in points)
    if first == last:
        first, last = first - timedelta(days=7), last + timedelta(days=7)
    span = (last - first).days
    values = [p["value"] for p in points]
    minimums = [s["minimum"] for s in series if s.get("minimum") is not None]
    maximums = [s["maximum"] for s in series if s.get("maximum") is not None]
    low = min(minimums + values) if minimums else min(values)
    high = max(maximums + values) if maximums else max(values)
    if low == high:
        low, high = low - 1, high + 1
    # A series may name its ticks (House-Brackmann grades as I–VI) and ask for an axis with better
    # values at the top even when they are lower numbers.
    tick_labels = series[0].get("tick_labels") if all(s.get("tick_labels") for s in series) else None
    inverted = all(s.get("invert") for s in series)
    if tick_labels:
        y_ticks = sorted(float(k) for k in tick_labels)
        low, high = min(low, y_ticks[0]), max(high, y_ticks[-1])
    else:
        y_ticks = _nice_ticks(low, high)
        low, high = min(low, y_ticks[0]), max(high, y_ticks[-1])

    def x(day: date) -> float:
        return left + plot_w * (day - first).days / span

    def y(value: float) -> float:
        fraction = (value - low) / (high - low)
        return top + plot_h * (fraction if inverted else 1 - fraction)

    def tick_text(value: float) -> str:
        if tick_labels:
            return escape(str(tick_labels.get(int(value), tick_labels.get(str(int(value)), _fmt(value)))))
        return _fmt(value)

    label = escape(title)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{label}" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{label}</title>",
    ]
    for tick in y_ticks:
        ty = y(tick)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="#e4e7eb" stroke-width="1"/>'
        )
        parts.append(
            f'<text class="chart-tick" x="{left - 6}" y="{ty + 4:.1f}" text-anchor="end">{tick_text(tick)}</text>'
        )
    date_ticks = _date_ticks(min(p["date"] for p in points), max(p["date"] for p in points))
    for tick in date_ticks:
        tx = x(tick)
        # Labels at the edges lean inwards so they are not cut off.
        anchor = "end" if tx > width - right - 30 else ("start" if tx < left + 20 else "middle")
        parts.append(
            f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{top + plot_h}" y2="{top + plot_h + 4}" stroke="#9aa5b1"/>'
        )
        parts.append(
            f'<text class="chart-tick" x="{tx:.1f}" y="{height - 12}" text-anchor="{anchor}">{tick:%d %b %y}</text>'
        )
    parts.append(
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" '
        'stroke="#9aa5b1" stroke-width="1"/>'
    )
    for index, entry in enumerate(series):
        color = entry.get("color") or PALETTE[index % len(PALETTE)]
        dash = DASHES[(index // len(PALETTE) + (1 if entry.get("provisional") else 0)) % len(DASHES)]
        ordered = sorted(entry["points"], key=lambda p: p["date"])
        coords = " ".join(f"{x(p['date']):.1f},{y(p['value']):.1f}" for p in ordered)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        name = escape(entry["label"])
        parts.append(f'<g class="chart-series" data-series="{escape(entry["key"])}">')
        if len(ordered) > 1:
            parts.append(
                f'<polyline fill="none" stroke="{color}" stroke-width="2.5" stroke-linejoin="round"{dash_attr} '
                f'points="{coords}"/>'
            )
        for p in ordered:
            parts.append(
                f'<circle cx="{x(p["date"]):.1f}" cy="{y(p["value"]):.1f}" r="4" fill="#fff" stroke="{color}" '
                f'stroke-width="2"><title>{name}: {_fmt(p["value"])} on {p["date"]:%d %b %Y}</title></circle>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every dynamic text above is escaped


def legend(series: list[dict]) -> list[dict]:
    def label(entry: dict, value: float | None) -> str:
        names = entry.get("tick_labels") or {}
        if value is None:
            return "—"
        return str(names.get(int(value), _fmt(value))) if float(value).is_integer() else _fmt(value)

    return [
        {
            "latest_label": label(entry, sorted(entry["points"], key=lambda p: p["date"])[-1]["value"])
            if entry["points"]
            else "—",
            "label": entry["label"],
            "color": entry.get("color") or PALETTE[index % len(PALETTE)],
            "provisional": bool(entry.get("provisional")),
            "higher_is_better": entry.get("higher_is_better", True),
            "latest": sorted(entry["points"], key=lambda p: p["date"])[-1]["value"] if entry["points"] else None,
            "first": sorted(entry["points"], key=lambda p: p["date"])[0]["value"] if entry["points"] else None,
            "count": len(entry["points"]),
        }
        for index, entry in enumerate(series)
    ]


def swatch(color: str) -> SafeString:
    safe = escape(color)
    return mark_safe(  # noqa: S308 - escaped
        f'<svg width="18" height="10" aria-hidden="true"><rect width="18" height="10" rx="2" fill="{safe}"/></svg>'
    )
