"""The bank's Markdown as safe HTML: highlighted code, and nothing hostile gets through."""

import re

import pytest
from pygments.styles import get_style_by_name
from pygments.token import STANDARD_TYPES, Token

from interview.content.rendering import (
    CODE_BACKGROUND,
    CODE_STYLE,
    code_stylesheet,
    html_sanitised,
    key_points_html,
    markdown_html,
    markdown_inline_html,
)

from .servers import ROOT

CODE_CSS = ROOT / "frontend" / "static" / "interview" / "css" / "code.css"


def tags_of(html: str) -> set[str]:
    return set(re.findall(r"<([a-z][a-z0-9]*)", html))


def test_a_fence_without_a_language_is_highlighted_as_python():
    html = markdown_html("Like this:\n\n```\ndef f(x):\n    return x  # same\n```\n")
    assert '<pre><code><span class="k">def</span>' in html
    assert '<span class="c1"># same</span>' in html
    assert "```" not in html


def test_a_fence_that_names_its_language_is_highlighted_as_that_language():
    html = markdown_html("```bash\nexport NAME=value\n```")
    assert '<span class="nb">export</span>' in html


def test_a_fence_in_an_unknown_language_is_plain_escaped_code():
    html = markdown_html("```klingon\n<b>qapla'</b>\n```")
    assert html == "<pre><code>&lt;b&gt;qapla'&lt;/b&gt;\n</code></pre>\n"


def test_an_indented_code_block_is_highlighted_too():
    assert '<span class="mi">1</span>' in markdown_html("Code:\n\n    x = 1\n")


def test_prose_keeps_its_formatting():
    html = markdown_html("Use `functools.wraps` to keep **metadata**, *not* ~~lose~~ it.")
    assert html == (
        "<p>Use <code>functools.wraps</code> to keep <strong>metadata</strong>,"
        " <em>not</em> <s>lose</s> it.</p>\n"
    )


def test_headings_sit_below_the_pages_own():
    assert markdown_html("# One\n\n## Two\n\n#### Four") == (
        "<h3>One</h3>\n<h4>Two</h4>\n<h6>Four</h6>\n"
    )


def test_tables_render_without_inline_styles():
    html = markdown_html("| a | b |\n|--:|:-:|\n| 1 | 2 |")
    assert "<table>" in html
    assert "<td>1</td>" in html
    assert "style" not in html


def test_a_key_point_renders_inline():
    assert key_points_html(["Use `with`", "**always**"]) == [
        "Use <code>with</code>",
        "<strong>always</strong>",
    ]


# --- hostile questions: interviewers' Markdown is untrusted ---------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "Text <img src=x onerror=alert(1)> more",
        '<a href="javascript:alert(1)">click</a>',
        "<div onclick=alert(1)>raw block</div>",
        "<iframe src=https://example.com></iframe>",
        '<span class="banner" style="position:fixed">fake</span>',
        "<!-- a comment --><style>body{display:none}</style>",
    ],
)
def test_raw_html_in_markdown_is_shown_as_text(source):
    html = markdown_html(source)
    assert tags_of(html) == {"p"} or tags_of(html) == set()
    assert "&lt;" in html
    assert inline_html_is_inert(markdown_inline_html(source))


@pytest.mark.parametrize(
    "source",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](  javascript:alert(1) )",
        "[click](java&#x09;script:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[click](vbscript:msgbox(1))",
        "<javascript:alert(1)>",
        "[click][ref]\n\n[ref]: javascript:alert(1)",
        "[click](/dashboard/)",
        "![x](https://example.com/x.png)",
    ],
)
def test_links_go_to_http_or_https_only(source):
    html = markdown_html(source)
    assert not re.search(r'href="(?!https?://)', html), html
    assert "<img" not in html


def test_a_web_link_keeps_its_address_and_gets_a_rel():
    assert markdown_html("[docs](https://docs.python.org/3/)") == (
        '<p><a href="https://docs.python.org/3/" rel="noopener noreferrer nofollow">docs</a></p>\n'
    )


def test_code_cannot_close_its_block_early():
    html = markdown_html('```python\nx = "</code></pre><script>alert(1)</script>"\n```')
    assert "<script" not in html
    assert html.count("<pre>") == html.count("</pre>") == 1


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<script>alert(1)</script><p>ok</p>", "<p>ok</p>"),
        ('<img src="x" onerror="alert(1)">', ""),
        ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
        ('<p style="color:red" onclick="x()">x</p>', "<p>x</p>"),
        ('<span class="k banner">def</span>', '<span class="k">def</span>'),
        ('<code class="language-python">x</code>', "<code>x</code>"),
        ("<h1>big</h1><h2>page</h2>", "bigpage"),
        ("<svg><script>alert(1)</script></svg>", ""),
    ],
)
def test_the_sanitiser_keeps_only_its_allow_list(dirty, clean):
    assert html_sanitised(dirty) == clean


def inline_html_is_inert(html: str) -> bool:
    return "<" not in html.replace("&lt;", "")


# --- the cache ---------------------------------------------------------------------------------


def test_a_text_is_rendered_once_and_served_from_the_cache():
    markdown_html.cache_clear()
    text = "A model answer:\n\n```\nreturn 42\n```"
    first = markdown_html(text)
    assert markdown_html(text) is first
    assert markdown_html.cache_info().hits == 1
    assert markdown_html(text + "\n\nEdited.") != first  # an edited text is a new entry


# --- the theme ---------------------------------------------------------------------------------


def relative_luminance(hex_colour: str) -> float:
    channels = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_every_code_colour_reaches_wcag_aa_on_the_code_background():
    style = get_style_by_name(CODE_STYLE)
    colours = {
        token: style.style_for_token(token)["color"]
        for token in STANDARD_TYPES
        if token not in Token.Text.Whitespace
    }
    low = {
        str(token): colour
        for token, colour in colours.items()
        if colour and contrast(f"#{colour}", CODE_BACKGROUND) < 4.5
    }
    assert low == {}


def test_the_committed_code_stylesheet_is_current():
    assert CODE_CSS.read_text() == code_stylesheet(), "run `make vendor` and commit code.css"


def test_the_code_stylesheet_uses_only_scoped_classes():
    selectors = re.findall(r"^([^{/]+)\{", code_stylesheet(), re.MULTILINE)
    for selector in selectors:
        for part in selector.split(","):
            assert part.strip().startswith((".md pre", ".tok-", ".code-view", ".code-editor"))


# --- what a text may ask of the renderer ----------------------------------------------------


@pytest.mark.parametrize(
    "pathological",
    [
        "[" * 20_000,  # link openers: markdown-it matched each (about 10 us a "[")
        "![x" * 6_000,
        "*_" * 10_000,
        "- item\n" * 2_800,  # list items: a block each
        "# heading\n" * 2_000,
    ],
)
def test_a_text_asking_too_much_of_the_renderer_shows_as_plain_text(pathological):
    markdown_html.cache_clear()
    html = markdown_html("Intro <b>bold</b>\n\n" + pathological)
    assert html.startswith("<p>Intro &lt;b&gt;bold&lt;/b&gt;</p>")
    for tag in ("<a", "<li>", "<em>", "<h3>"):
        assert tag not in html


def test_a_text_within_the_bounds_is_still_markdown():
    html = markdown_html("# Title\n\n" + "[a link](https://example.com) " * 500)
    assert "<h3>Title</h3>" in html
    assert html.count("<a ") == 500


def test_past_the_highlighted_characters_code_shows_unhighlighted():
    markdown_html.cache_clear()
    code = "x = compute(1, 2, 3)\n" * 300  # 6,300 characters: past what a text highlights
    html = markdown_html(f"```python\ndef f(): pass\n```\n\n```python\n{code}```\n")
    first, second = html.split("</pre>")[:2]
    assert '<span class="k">def</span>' in first
    assert "<span" not in second
    assert "x = compute(1, 2, 3)" in second
