"""A skills chart as SVG text: a radar, one axis per skill area and a point at each area's
mean score; or, for fewer than ``RADAR_MIN_AREAS`` areas (a radar of two axes is a line, of
one a point), a labelled bar per area (``bars_svg``). ``skills_chart_svg`` picks.

Pure Python, built with ``xml.etree.ElementTree`` so every name and label is escaped as XML
text or attribute: a candidate called ``</text><script>`` is only ever text. The chart
carries its own presentation attributes (no ``style``, which the pages' CSP forbids), so it
reads the same inline in a page, saved as a file or opened alone; a page's CSS may restyle it
through the classes.
"""

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass

SVG_NS = "http://www.w3.org/2000/svg"
WIDTH, HEIGHT = 640, 420  # the view box; the labels sit in the margin around the web
RADIUS = 140
RINGS = (2, 4, 6, 8, 10)
LABEL_GAP = 18
LABEL_LINE_CHARS = 18  # a long area name wraps at about this many characters
RADAR_MIN_AREAS = 3
# The bar chart: a row per area, its label above a bar scaled to the maximum, its value after.
BAR_ROW = 56
BAR_LEFT, BAR_LENGTH = 16, 520


@dataclass(frozen=True)
class Spoke:
    """One axis of the radar: a skill area and its mean score, None when not scored."""

    area: str
    mean: float | None


def _number(value: float) -> str:
    """Coordinates to two decimals, without a trailing ``.0``: small, stable text."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _at(index: int, count: int, distance: float) -> tuple[float, float]:
    """The point ``distance`` from the centre on the axis ``index`` of ``count``, the first
    axis straight up, the others clockwise."""
    angle = -math.pi / 2 + 2 * math.pi * index / count
    return WIDTH / 2 + distance * math.cos(angle), HEIGHT / 2 + distance * math.sin(angle)


def _points(pairs: list[tuple[float, float]]) -> str:
    return " ".join(f"{_number(x)},{_number(y)}" for x, y in pairs)


def _label_lines(text: str) -> list[str]:
    """An area's name broken at spaces into lines of about ``LABEL_LINE_CHARS``."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= LABEL_LINE_CHARS:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: object) -> ET.Element:
    element = ET.SubElement(
        parent, tag, {key.replace("_", "-"): str(value) for key, value in attributes.items()}
    )
    if text is not None:
        element.text = text
    return element


def radar_svg(
    spokes: list[Spoke], *, title: str, element_id: str = "radar", maximum: float = 10
) -> str:
    """The radar of these spokes as a standalone SVG document's text.

    ``title`` names the chart for assistive technology (``role="img"`` labelled by its
    ``<title>`` and ``<desc>``, which lists every area's mean); ``element_id`` prefixes the ids
    inside, so several charts can share a page. An unscored area draws at the centre with a
    hollow point.
    """
    svg = _chart("radar", spokes, title, element_id, HEIGHT)
    if spokes:
        _radar_grid(svg, len(spokes), maximum)
        _radar_labels(svg, spokes)
        _radar_reach(svg, spokes, maximum)
    return ET.tostring(svg, encoding="unicode")


def _radar_grid(svg: ET.Element, count: int, maximum: float) -> None:
    """The web: a ring at each of ``RINGS`` (scaled to ``maximum``) and an axis per spoke."""
    grid = _sub(svg, "g", **{"class": "radar-grid", "fill": "none", "stroke": "#d3d9e0"})
    for ring in RINGS:
        distance = RADIUS * ring / maximum
        _sub(grid, "polygon", points=_points([_at(i, count, distance) for i in range(count)]))
    for index in range(count):
        x, y = _at(index, count, RADIUS)
        _sub(grid, "line", x1=WIDTH // 2, y1=HEIGHT // 2, x2=_number(x), y2=_number(y))


def _radar_labels(svg: ET.Element, spokes: list[Spoke]) -> None:
    """Each area's name past the end of its axis, wrapped (``_label_lines``), anchored away
    from the centre: labels above the centre grow upwards, those below downwards."""
    labels = _sub(
        svg,
        "g",
        **{
            "class": "radar-labels",
            "font-family": "system-ui, sans-serif",
            "font-size": "13",
            "fill": "#1b1f24",
        },
    )
    count = len(spokes)
    for index, spoke in enumerate(spokes):
        x, y = _at(index, count, RADIUS + LABEL_GAP)
        horizontal = x - WIDTH / 2
        anchor = "middle" if abs(horizontal) < 1 else ("start" if horizontal > 0 else "end")
        lines = _label_lines(spoke.area)
        first_dy = -(len(lines) - 1) * 1.1 if y < HEIGHT / 2 - 1 else 0.35
        text = _sub(labels, "text", x=_number(x), y=_number(y), text_anchor=anchor)
        for number, line in enumerate(lines):
            dy = f"{first_dy:g}em" if number == 0 else "1.1em"
            _sub(text, "tspan", line, x=_number(x), dy=dy)


def _radar_reach(svg: ET.Element, spokes: list[Spoke], maximum: float) -> None:
    """The area the means reach (each clamped to 0..``maximum``) and a point on each axis,
    filled when scored, hollow at the centre when not, titled with its area and mean."""
    count = len(spokes)
    reach = [
        _at(index, count, RADIUS * min(max(spoke.mean or 0, 0), maximum) / maximum)
        for index, spoke in enumerate(spokes)
    ]
    _sub(
        svg,
        "polygon",
        **{
            "class": "radar-area",
            "points": _points(reach),
            "fill": "#1c5bb8",
            "fill-opacity": "0.25",
            "stroke": "#1c5bb8",
            "stroke-width": "2",
        },
    )
    points = _sub(svg, "g", **{"class": "radar-points", "stroke": "#1c5bb8", "stroke-width": "2"})
    for (x, y), spoke in zip(reach, spokes, strict=True):
        scored = spoke.mean is not None
        point = _sub(
            points,
            "circle",
            **{
                "class": "radar-point" if scored else "radar-point unscored",
                "cx": _number(x),
                "cy": _number(y),
                "r": "4",
                "fill": "#1c5bb8" if scored else "#ffffff",
                "data-area": spoke.area,
            },
        )
        _sub(point, "title", f"{spoke.area}: {'not scored' if not scored else f'{spoke.mean:g}'}")


def _chart(kind: str, spokes: list[Spoke], title: str, element_id: str, height: int) -> ET.Element:
    """The chart's ``<svg>`` with its accessible name and description."""
    title_id, desc_id = f"{element_id}-title", f"{element_id}-desc"
    svg = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "id": element_id,
            "class": kind,
            "viewBox": f"0 0 {WIDTH} {height}",
            "width": str(WIDTH),
            "height": str(height),
            "role": "img",
            "aria-labelledby": f"{title_id} {desc_id}",
        },
    )
    _sub(svg, "title", title, id=title_id)
    description = "; ".join(
        f"{spoke.area}: {'not scored' if spoke.mean is None else f'{spoke.mean:g} of 10'}"
        for spoke in spokes
    )
    _sub(svg, "desc", description or "No skill area asked yet.", id=desc_id)
    return svg


def bars_svg(
    spokes: list[Spoke], *, title: str, element_id: str = "bars", maximum: float = 10
) -> str:
    """A labelled bar per spoke (area name, bar, "7.5 / 10" or "not scored"), as a
    standalone SVG document's text, named and described like ``radar_svg``'s; with no spoke,
    a line saying nothing was asked."""
    height = max(1, len(spokes)) * BAR_ROW + 8
    svg = _chart("bars", spokes, title, element_id, height)
    text_style = {"font-family": "system-ui, sans-serif", "font-size": "14", "fill": "#1b1f24"}
    if not spokes:
        _sub(svg, "text", "No skill area asked yet.", x=BAR_LEFT, y=32, **text_style)
    for index, spoke in enumerate(spokes):
        top = index * BAR_ROW + 8
        row = _sub(svg, "g", **{"class": "bar", "data-area": spoke.area})
        _sub(row, "text", spoke.area, x=BAR_LEFT, y=top + 14, **text_style)
        _sub(
            row,
            "rect",
            **{
                "class": "bar-track",
                "x": BAR_LEFT,
                "y": top + 22,
                "width": BAR_LENGTH,
                "height": 18,
                "fill": "#eef1f5",
            },
        )
        scored = spoke.mean is not None
        length = BAR_LENGTH * min(max(spoke.mean or 0, 0), maximum) / maximum
        _sub(
            row,
            "rect",
            **{
                "class": "bar-value" if scored else "bar-value unscored",
                "x": BAR_LEFT,
                "y": top + 22,
                "width": _number(length),
                "height": 18,
                "fill": "#1c5bb8",
            },
        )
        label = "not scored" if not scored else f"{spoke.mean:g} / {maximum:g}"
        _sub(
            row,
            "text",
            label,
            x=BAR_LEFT + BAR_LENGTH + 8,
            y=top + 36,
            **{"class": "bar-label", **text_style},
        )
    return ET.tostring(svg, encoding="unicode")


def skills_chart_svg(spokes: list[Spoke], *, title: str, element_id: str) -> str:
    """The chart of these areas: a radar from ``RADAR_MIN_AREAS`` of them, bars below."""
    if len(spokes) >= RADAR_MIN_AREAS:
        return radar_svg(spokes, title=title, element_id=element_id)
    return bars_svg(spokes, title=title, element_id=element_id)


def skills_svg(name: str, skills: list[dict], *, element_id: str) -> str:
    """A candidate's skills map, from their mean per skill area (``standings.skill_means``:
    ``area``, ``asked``, ``mean``): ``skills_chart_svg`` of the areas asked, titled with
    their name. Areas not asked are left out, so two areas asked do not draw a radar
    collapsed to a line."""
    return skills_chart_svg(
        [Spoke(area=skill["area"], mean=skill["mean"]) for skill in skills if skill["asked"]],
        title=f"Skills map of {name}",
        element_id=element_id,
    )
