"""The skills map's radar: well-formed SVG, a point per area, every text escaped."""

import xml.etree.ElementTree as ET

from interview.content.radar import SVG_NS, Spoke, radar_svg

AREAS = ["Core Python", "Web Development", "Database Management", "Soft Skills"]
NS = {"svg": SVG_NS}


def parsed(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises on text that is not well-formed XML


def test_a_radar_is_an_svg_with_a_point_per_area():
    spokes = [Spoke(area, mean) for area, mean in zip(AREAS, (8, 4.5, None, 10), strict=True)]
    root = parsed(radar_svg(spokes, title="Skills map of Ann", element_id="skills-7"))
    assert root.tag == f"{{{SVG_NS}}}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "skills-7-title skills-7-desc"
    points = root.findall(".//svg:circle", NS)
    assert [point.get("data-area") for point in points] == AREAS
    assert [point.get("class") for point in points].count("radar-point unscored") == 1
    desc = root.find("svg:desc", NS).text
    assert desc == (
        "Core Python: 8 of 10; Web Development: 4.5 of 10; Database Management: not scored;"
        " Soft Skills: 10 of 10"
    )
    (area,) = root.findall("svg:polygon[@class='radar-area']", NS)
    assert len(area.get("points").split()) == len(AREAS)


def test_a_full_score_reaches_the_outer_ring_and_none_sits_at_the_centre():
    root = parsed(radar_svg([Spoke("A", 10), Spoke("B", None), Spoke("C", 0)], title="t"))
    top, middle, centre = root.findall(".//svg:circle", NS)
    assert (float(top.get("cx")), float(top.get("cy"))) == (320, 70)  # the first axis is up
    assert (middle.get("cx"), middle.get("cy")) == ("320", "210")
    assert (centre.get("cx"), centre.get("cy")) == ("320", "210")


def test_names_and_areas_are_text_not_markup():
    hostile = '</title><script>alert(1)</script><text onload="x">'
    svg = radar_svg([Spoke(hostile, 5), Spoke("B & C", 3), Spoke("D", 1)], title=hostile)
    root = parsed(svg)
    assert "<script>" not in svg
    assert root.find("svg:title", NS).text == hostile
    assert root.findall(".//svg:script", NS) == []
    assert not [el for el in root.iter() if any(key.startswith("on") for key in el.attrib)]
    labels = ["".join(text.itertext()) for text in root.findall(".//svg:g/svg:text", NS)]
    assert "B & C" in labels


def test_no_style_attribute_or_element_that_the_csp_would_block():
    svg = radar_svg([Spoke(area, 5) for area in AREAS], title="t")
    assert "style" not in svg


def test_a_radar_without_areas_is_still_an_svg():
    root = parsed(radar_svg([], title="Nothing yet"))
    assert root.findall(".//svg:circle", NS) == []
