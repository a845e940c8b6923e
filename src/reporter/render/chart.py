"""Coverage at a glance: items per section, and the change from the last period, as inline SVG."""

from __future__ import annotations

from markupsafe import Markup, escape

from reporter.render.clean import plain

_WIDTH = 640
_ROW = 20
_LABEL_W = 200
_BAR_X = _LABEL_W + 8
_BAR_MAX = 300
_TOP = 22
_FONT = "'Noto Sans', 'Noto Sans CJK JP', sans-serif"


def change_label(items: int, last: int | None) -> str:
    """How an item count moved since the last period: '+3', '–2', 'no change', or 'new'."""
    if last is None:
        return "–"
    diff = items - last
    if diff == 0:
        return "no change"
    return f"+{diff}" if diff > 0 else f"\u2013{-diff}"


def coverage_svg(
    coverage: tuple[tuple[str, int, int | None], ...], *, title: str = "Items per section"
) -> Markup:
    """A horizontal bar chart of items per section; a tick marks last period's count."""
    if not coverage:
        return Markup("")
    top = max(max(items, last or 0) for _, items, last in coverage) or 1
    scale = _BAR_MAX / top
    height = _TOP + _ROW * len(coverage) + 6
    has_last = any(last is not None for _, _, last in coverage)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="coverage-chart" viewBox="0 0 {_WIDTH} {height}" '
        f'width="{_WIDTH}" height="{height}" role="img" aria-label="{escape(title)}" '
        f'font-family="{_FONT}" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<text x="{_BAR_X}" y="12" fill="#555" font-size="10">items this period</text>',
    ]
    if has_last:
        parts.append(
            f'<text x="{_WIDTH - 4}" y="12" fill="#555" font-size="10" text-anchor="end">'
            "change from last period</text>"
        )
    for row, (name, items, last) in enumerate(coverage):
        y = _TOP + row * _ROW
        label = escape(_shorten(plain(name), 30))
        width = max(items * scale, 0.0)
        parts.append(f'<text x="{_LABEL_W}" y="{y + 13}" text-anchor="end" fill="#222">{label}</text>')
        if items:
            parts.append(f'<rect x="{_BAR_X}" y="{y + 3}" width="{width:.1f}" height="13" fill="#1f4e79"/>')
        parts.append(f'<text x="{_BAR_X + width + 5:.1f}" y="{y + 13}" fill="#222">{items}</text>')
        if last is not None:
            tick = _BAR_X + last * scale
            parts.append(
                f'<line x1="{tick:.1f}" y1="{y + 1}" x2="{tick:.1f}" y2="{y + 18}" '
                'stroke="#c0504d" stroke-width="2"/>'
            )
            colour = "#2e7d32" if items > last else "#b23b3b" if items < last else "#555"
            parts.append(
                f'<text x="{_WIDTH - 4}" y="{y + 13}" text-anchor="end" fill="{colour}">'
                f"{escape(change_label(items, last))}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
