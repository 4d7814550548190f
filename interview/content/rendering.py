"""The bank's Markdown as safe HTML: question prompts, model answers and key points.

Bank texts are CommonMark with fenced code. Interviewers write them through the API, so they
are untrusted: markdown-it-py renders them with raw HTML off (it shows as text), Pygments
highlights code blocks with CSS classes (the CSP allows no inline styles), and nh3 keeps an
allow-list of tags, Pygments' classes and http(s) links of whatever comes out. Candidates'
answers and feedback are never rendered here: they stay text.

Rendering is pure, so its results are cached in the process, keyed by the text itself (its
hash, then equality): an edited question is a new key and nothing needs invalidating. The
cache lives in the process rather than in Django's cache: a lookup there costs a round trip
and pickling to save a few milliseconds, once per text per process, and a change of renderer
(a new release) starts new processes with empty caches.
"""

import contextvars
import functools
import html
import re

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.token import STANDARD_TYPES, Token
from pygments.util import ClassNotFound

# The language of a code block whose fence names none: the bank is about Python.
DEFAULT_LANGUAGE = "python"
# Pygments' light theme for code, chosen for its contrast: every token colour reaches WCAG AA
# (4.5:1) on the code background (``CODE_BACKGROUND``). ``code_stylesheet()`` makes its CSS.
CODE_STYLE = "xcode"
CODE_BACKGROUND = "#f6f8fa"
# Distinct texts kept rendered per process: a bank's worth of questions, a few MB at most.
CACHE_SIZE = 512

# What a text may ask of the renderer. markdown-it's inline rules cost time per delimiter
# ("[" and "![" most, then "*" and "_"): a text with more than this many of them, or of block
# lines below, shows as plain text, escaped, its lines kept (``rendered_plain``). Pygments'
# cost grows with each character of code: past this many characters of code in one text, the
# rest of its code blocks show unhighlighted. So the worst text the bank's bounds allow
# (serializers.MAX_MODEL_ANSWER_CHARS) stays cheap to render, once per process.
MAX_MARKUP = 2_000
MAX_HIGHLIGHTED_CHARS = 5_000
_MARKUP = re.compile(r"[\[\]*_<>|`!&]")
# Lines that open a block (heading, list item, quote) cost time each, the same way.
MAX_BLOCKS = 1_000
_BLOCKS = re.compile(r"^[ \t]*(?:#|[-+*>] |\d+[.)])", re.MULTILINE)
_highlight_left: contextvars.ContextVar[int] = contextvars.ContextVar("highlight_left", default=0)

# Pygments' token classes: the only classes rendered HTML may carry.
TOKEN_CLASSES = frozenset(name for name in STANDARD_TYPES.values() if name)
ALLOWED_TAGS = frozenset(
    {
        *("p", "br", "hr", "blockquote", "pre", "code", "span"),
        *("em", "strong", "s", "a", "ul", "ol", "li"),
        *("h3", "h4", "h5", "h6"),
        *("table", "thead", "tbody", "tr", "th", "td"),
    }
)
_SANITISER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={"a": {"href"}, "ol": {"start"}},
    allowed_classes={"span": set(TOKEN_CLASSES)},
    url_schemes={"http", "https"},
    url_relative="deny",
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)
# Spans with Pygments' short classes and nothing else; markdown-it wraps them in pre > code.
_CODE_FORMATTER = HtmlFormatter(nowrap=True)
# Headings sit under the page's own h1 and h2: Markdown's "#" becomes h3, "##" h4, and so on.
_HEADING_SHIFT = 2


def _lexer(language: str) -> Lexer:
    try:
        return get_lexer_by_name(language or DEFAULT_LANGUAGE)
    except ClassNotFound:
        return TextLexer()


def _highlighted(code: str, language: str, _attributes: str) -> str:
    """A code block's inside, highlighted: the ``highlight`` option of markdown-it; escaped
    only once the text's ``MAX_HIGHLIGHTED_CHARS`` are spent."""
    left = _highlight_left.get() - len(code)
    _highlight_left.set(left)
    if left < 0:
        return html.escape(code, quote=False)
    return highlight(code, _lexer(language.strip().lower()), _CODE_FORMATTER)


def _code_block(self, tokens, idx, options, env) -> str:
    """An indented code block, highlighted as a fence without a language would be."""
    return f"<pre><code>{_highlighted(tokens[idx].content, '', '')}</code></pre>\n"


def _headings_shifted(state: StateCore) -> None:
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + _HEADING_SHIFT, 6)}"


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "highlight": _highlighted})
    md.enable(["table", "strikethrough"])
    md.add_render_rule("code_block", _code_block)
    md.core.ruler.push("headings_shifted", _headings_shifted)
    return md


_MARKDOWN = _markdown()


@functools.lru_cache(maxsize=CACHE_SIZE)
def markdown_html(source: str) -> str:
    """A block of Markdown (a prompt, a model answer) as sanitised HTML; plain text, its
    lines kept, when it holds more than ``MAX_MARKUP`` delimiters."""
    if rendered_plain(source):
        return _plain_html(source)
    _highlight_left.set(MAX_HIGHLIGHTED_CHARS)
    return html_sanitised(_MARKDOWN.render(source))


@functools.lru_cache(maxsize=CACHE_SIZE)
def markdown_inline_html(source: str) -> str:
    """One line of Markdown (a key point) as sanitised inline HTML: no paragraph around it."""
    if rendered_plain(source):
        return html.escape(source, quote=False)
    _highlight_left.set(MAX_HIGHLIGHTED_CHARS)
    return html_sanitised(_MARKDOWN.renderInline(source))


def rendered_plain(source: str) -> bool:
    """Whether a text asks more of the renderer than a text may: then it shows as text."""
    return len(_MARKUP.findall(source)) > MAX_MARKUP or len(_BLOCKS.findall(source)) > MAX_BLOCKS


def _plain_html(source: str) -> str:
    """A text as plain HTML: its paragraphs (between blank lines), their lines kept."""
    paragraphs = re.split(r"\n\s*\n", source.strip())
    return "".join(
        "<p>"
        + "<br>\n".join(html.escape(line, quote=False) for line in part.splitlines())
        + "</p>\n"
        for part in paragraphs
        if part.strip()
    )


def html_sanitised(html: str) -> str:
    """Only the allowed tags, Pygments' classes on spans, and http(s) links with a rel."""
    return _SANITISER.clean(html)


def key_points_html(points: list[str]) -> list[str]:
    """Each key point as inline HTML, in order."""
    return [markdown_inline_html(point) for point in points]


# The answer editor (CodeMirror, static/interview/js/code.js) marks tokens with its
# ``classHighlighter``'s classes. They take the colours Pygments gives the matching tokens,
# so an answer reads like the model answer beside it.
EDITOR_TOKENS: dict[str, object] = {
    "tok-keyword": Token.Keyword,
    "tok-bool": Token.Keyword.Constant,
    "tok-atom": Token.Keyword.Constant,
    "tok-string": Token.Literal.String,
    "tok-string2": Token.Literal.String.Escape,
    "tok-number": Token.Literal.Number,
    "tok-comment": Token.Comment,
    "tok-meta": Token.Name.Decorator,
    "tok-className": Token.Name.Class,
    "tok-typeName": Token.Name.Builtin,
    "tok-propertyName": Token.Name.Attribute,
    "tok-variableName2": Token.Name.Builtin.Pseudo,
    "tok-definition": Token.Name.Function,
    "tok-operator": Token.Operator,
    "tok-invalid": Token.Error,
}


def code_stylesheet() -> str:
    """The CSS of highlighted code: Pygments' classes inside rendered Markdown (``.md pre``)
    and the editor's token classes, in one theme. ``make vendor`` writes it to
    ``frontend/static/interview/css/code.css``; a test checks that file is current."""
    formatter = HtmlFormatter(style=CODE_STYLE)
    style = formatter.style
    rules = [
        "/* Highlighted code: generated by `make vendor` from interview/content/rendering.py"
        f" (Pygments style {CODE_STYLE!r}). Do not edit. */",
        f".md pre, .code-view, .code-editor .cm-editor {{ background: {CODE_BACKGROUND}; }}",
        *formatter.get_token_style_defs(".md pre"),
    ]
    for css_class, token in EDITOR_TOKENS.items():
        rules.append(f".{css_class} {{ {_declarations(style.style_for_token(token))} }}")
    return "\n".join(rules) + "\n"


def _declarations(token_style: dict) -> str:
    parts = []
    if token_style["color"]:
        parts.append(f"color: #{token_style['color']};")
    if token_style["bold"]:
        parts.append("font-weight: bold;")
    if token_style["italic"]:
        parts.append("font-style: italic;")
    return " ".join(parts)


if __name__ == "__main__":  # make vendor: python -m interview.content.rendering > code.css
    print(code_stylesheet(), end="")
