"""Small server-side SVG charts (no chart library, CSP-safe: attributes only, no inline style)."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def bars(
    values: list[float],
    labels: list[str],
    *,
    limit: float | None = None,
    height: int = 90,
    unit: str = "",
    title: str = "",
) -> SafeString:
    """Vertical bars, one per value, with an optional dashed limit line."""
    width = max(len(values), 1) * 34 + 10
    top = max([*values, limit or 0, 1]) * 1.15
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height + 30}" width="{width}" height="{height + 30}" '
        f'role="img" aria-label="{escape(title)}">'
    ]
    for i, (value, label) in enumerate(zip(values, labels, strict=True)):
        h = 0 if top == 0 else value / top * height
        x = 10 + i * 34
        over = limit is not None and value > limit
        parts.append(
            f'<rect x="{x}" y="{height - h:.1f}" width="24" height="{h:.1f}" rx="3" '
            f'class="bar{" bar-over" if over else ""}"><title>{escape(label)}: {value:g}{escape(unit)}</title></rect>'
        )
        parts.append(f'<text x="{x + 12}" y="{height + 14}" text-anchor="middle" class="axis">{escape(label)}</text>')
    if limit is not None:
        y = height - limit / top * height
        parts.append(f'<line x1="4" x2="{width - 4}" y1="{y:.1f}" y2="{y:.1f}" class="limit"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above


def line(
    points: list[dict], *, low: float, high: float, height: int = 80, width: int = 320, title: str = "", unit: str = ""
) -> SafeString:
    """A small line chart of {"date", "value"} points on a fixed [low, high] scale."""
    if not points:
        return mark_safe('<p class="muted small">No data yet.</p>')
    n = len(points)

    def y(v: float) -> float:
        return 8 + (high - v) / (high - low) * (height - 16)

    left = 30  # room for the scale labels
    step = (width - left - 10) / max(n - 1, 1)
    coords = [(left + i * step, y(p["value"])) for i, p in enumerate(points)]
    path = " ".join(f"{x:.1f},{yy:.1f}" for x, yy in coords)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height + 16}" width="100%" height="{height + 16}" '
        f'role="img" aria-label="{escape(title)}">',
        f'<line x1="{left}" x2="{width - 10}" y1="{y(high):.1f}" y2="{y(high):.1f}" class="grid"/>',
        f'<line x1="{left}" x2="{width - 10}" y1="{y(low):.1f}" y2="{y(low):.1f}" class="grid"/>',
        f'<text x="{left - 4}" y="{y(high) + 3:.1f}" text-anchor="end" class="axis">{high:g}</text>',
        f'<text x="{left - 4}" y="{y(low) + 3:.1f}" text-anchor="end" class="axis">{low:g}</text>',
        f'<polyline points="{path}" class="series"/>',
    ]
    for (x, yy), p in zip(coords, points, strict=True):
        parts.append(
            f'<circle cx="{x:.1f}" cy="{yy:.1f}" r="3" class="dot"><title>{p["date"]:%d %b}: '
            f"{p['value']:g}{escape(unit)}</title></circle>"
        )
    parts.append(f'<text x="{left}" y="{height + 14}" class="axis">{points[0]["date"]:%d %b}</text>')
    parts.append(
        f'<text x="{width - 10}" y="{height + 14}" text-anchor="end" class="axis">{points[-1]["date"]:%d %b}</text>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308
