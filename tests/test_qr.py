"""The room's pages as the server renders them: the lobby's QR code of the candidate link
(frontend/qr.py), and a finished session's notice before any name is asked."""

import json
import re
import xml.etree.ElementTree as ET

import pytest
import segno

from frontend.qr import qr_svg
from interview.domain import services
from interview.models import InterviewSession

from .factories import owner_seat, session_for

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def page_config(html: str) -> dict:
    found = re.search(r'<script id="page-config" type="application/json">(.*?)</script>', html)
    return json.loads(found.group(1))


def finished(session: InterviewSession) -> InterviewSession:
    services.session_finish(session=session, participant=owner_seat(session))
    session.refresh_from_db()
    return session


def test_the_qr_code_is_one_svg_that_the_strict_policy_allows():
    svg = qr_svg("http://testserver/s/ABCD2345/")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 37 37"  # version 3, with a four-module quiet zone
    elements = list(root.iter())
    assert {element.tag for element in elements} == {f"{SVG}svg", f"{SVG}path"}
    assert not any(element.get("style") for element in elements)  # CSP: no style attributes
    assert "testserver" not in svg  # the link is in the modules, not in any text


def test_the_qr_code_is_segnos_symbol_of_the_link_and_of_nothing_else():
    link = "http://testserver/s/ABCD2345/"
    # At least medium error correction (segno raises it when the version has room to spare).
    symbol = segno.make(link, error="m", micro=False)
    assert qr_svg(link) != qr_svg("http://testserver/s/ABCD2346/")
    # Every dark module of the symbol, and only those, is drawn.
    drawn = set()
    path = ET.fromstring(qr_svg(link)).findall(f"{SVG}path")[-1].get("d")
    x = y = 0.0
    for command, a, b in re.findall(r"([Mmhv])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        elif command == "h":
            for step in range(int(float(a))):
                drawn.add((int(y - 0.5) - 4, int(x) + step - 4))
            x += float(a)
    dark = {
        (row, col)
        for row, line in enumerate(symbol.matrix)
        for col, module in enumerate(line)
        if module
    }
    assert drawn == dark


def test_the_lobby_shows_the_join_code_and_the_qr_code_of_the_candidate_link(client, interviewer):
    session = session_for(interviewer)
    response = client.get(f"/s/{session.code}/watch")
    html = response.content.decode()
    link = f"http://testserver/s/{session.code}/"
    assert qr_svg(link) in html
    assert f'<a href="{link}" id="join-url">{link}</a>' in html
    assert f'<p class="join-code-big code" id="join-code">{session.code}</p>' in html
    assert "img-src 'self' data:" in response["Content-Security-Policy"]


def test_after_the_first_push_the_page_has_no_lobby(client, interviewer):
    session = session_for(interviewer)
    InterviewSession.objects.filter(pk=session.pk).update(status=InterviewSession.Status.LIVE)
    html = client.get(f"/s/{session.code}/watch").content.decode()
    assert "<svg" not in html
    assert 'id="room-lobby"' not in html


@pytest.mark.parametrize("path", ["/s/{code}/", "/s/{code}/watch"])
def test_a_finished_session_says_so_at_once(client, interviewer, path):
    session = finished(session_for(interviewer))
    html = client.get(path.format(code=session.code)).content.decode()
    assert "This session has finished" in html
    assert page_config(html)["finished"] is True
    assert f'href="/s/{session.code}/results"' in html
    assert 'id="room-lobby"' not in html


@pytest.mark.parametrize("path", ["/s/{code}/", "/s/{code}/watch"])
def test_a_session_not_finished_has_no_notice(client, interviewer, path):
    session = session_for(interviewer)
    html = client.get(path.format(code=session.code)).content.decode()
    assert "This session has finished" not in html
    assert page_config(html)["finished"] is False
