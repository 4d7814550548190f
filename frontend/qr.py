"""The QR code of a session's candidate link, drawn on the server as SVG (segno).

No image service and no script: the spectator's big screen embeds the SVG in its page, under
the page's strict policy (``frontend/csp.py``), since segno's SVG is paths with presentation
attributes and no style. Medium error correction (15%), so a projector's glare or a phone's
angle still reads it; a four-module quiet zone, as the standard asks.
"""

import io

import segno


def qr_svg(text: str) -> str:
    """A QR code of ``text`` as one ``<svg>`` element that scales to its box (a viewBox, no
    size): dark modules on a white square."""
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,
        svgclass="qr-code",
        lineclass=None,
        omitsize=True,
        border=4,
        dark="#000",
        light="#fff",
    )
    return out.getvalue().decode("utf-8")
