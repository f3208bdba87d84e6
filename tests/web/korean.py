"""Find English left in a page rendered in Korean.

The English UI vocabulary is every word of the catalog's message ids that no Korean translation
keeps (so "API", "JSON", "OpenAI" and command names, which translations keep, are not English
here). A text node (or aria-label, title, placeholder) with two such words, or that is one such
word alone, is English left in the page. Code-like text (`<code>`, identifiers with `_`, `.`,
`/`, `:`, `@`), commands (`usage-tracker teams add`) and values the person typed
(`<textarea>`) are data. An `<option>`'s text is read: a form's own words (scopes, periods,
outcomes) are UI, and the names a list offers (projects, slugs) are no English words.
"""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po

PO = Path(__file__).resolve().parents[2] / "src/usage_tracker/web/locale/ko/LC_MESSAGES/messages.po"
WORD = re.compile(r"[A-Za-z]{3,}")
PLACEHOLDER = re.compile(r"%\(\w+\)s")
# A command a translation keeps as it is ("usage-tracker users"): its words are not kept English.
COMMAND = re.compile(r"usage-tracker(?:\s+[a-z][a-z-]*)*")
CODE_LIKE = re.compile(r"\S*(?:[_./:@=]|,\S)\S*|\S*[a-z][A-Z]\S*")
SKIP = {"script", "style", "code", "pre", "textarea", "kbd", "samp", "svg"}
VOID = {"br", "input", "img", "meta", "link", "hr", "wbr", "source", "col", "area"}
ATTRS = ("aria-label", "title", "placeholder")


def _text(value: object) -> str:
    return str(value[0] if isinstance(value, tuple | list) else value or "")


@cache
def vocabulary() -> frozenset[str]:
    with PO.open("rb") as fh:
        catalog = read_po(fh)
    english: set[str] = set()
    kept: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        english |= {w.lower() for w in WORD.findall(PLACEHOLDER.sub("", _text(message.id)))}
        string = COMMAND.sub("", PLACEHOLDER.sub("", _text(message.string)))
        kept |= {w.lower() for w in WORD.findall(string)}
    return frozenset(english - kept)


def _is_english(text: str) -> bool:
    words = [w.lower() for w in WORD.findall(CODE_LIKE.sub(" ", COMMAND.sub(" ", text)))]
    hits = [w for w in words if w in vocabulary()]
    return len(hits) >= 2 or (len(words) == 1 and bool(hits) and len(text.split()) == 1)


class _Texts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ATTRS and value and _is_english(value):
                self.found.append(f"{tag}[{name}]={value}")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not SKIP & set(self.stack) and _is_english(text):
            self.found.append(text)


def english_left(html: str) -> list[str]:
    """The English strings of a Korean page, each once."""
    parser = _Texts()
    parser.feed(html)
    return list(dict.fromkeys(parser.found))
