"""A small reader of the HTML hsqual writes: the coded spans and the text, as a browser reads them."""

from __future__ import annotations

from html.parser import HTMLParser

VOID = {"meta", "link", "input", "br", "img", "hr"}


class Page(HTMLParser):
    """Parses a page; checks that elements nest; collects coded fragments and texts.

    ``codings``: ``data-coding`` -> list of (attrs, text) fragments in document order.
    ``texts``: the text content of each ``.hsq-text`` element.
    ``speakers``: the text of each ``.hsq-spk`` element.
    ``ids``: every ``id`` attribute; ``links``: every ``href`` and ``src``.
    """

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict]] = []
        self.codings: dict[str, list[list]] = {}
        self.order: list[str] = []
        self.texts: list[str] = []
        self.speakers: list[str] = []
        self.ids: list[str] = []
        self.links: list[str] = []
        self.scripts: list[str] = []
        self._open_texts: list[list[str]] = []
        self.feed(html)
        self.close()
        assert not [t for t, _ in self.stack if t not in ("html", "body")], f"unclosed: {self.stack}"

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        for k in ("href", "src"):
            if k in a:
                self.links.append(a[k])
        if tag in VOID:
            return
        self.stack.append((tag, a))
        classes = (a.get("class") or "").split()
        if "hsq-c" in classes:
            key = a["data-coding"]
            if key not in self.codings:
                self.codings[key] = []
                self.order.append(key)
            self.codings[key].append([a, ""])
        if "hsq-text" in classes or "hsq-spk" in classes:
            self._open_texts.append([])

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        assert self.stack, f"</{tag}> closes nothing"
        open_tag, a = self.stack.pop()
        assert open_tag == tag, f"</{tag}> closes <{open_tag}>"
        classes = (a.get("class") or "").split()
        if "hsq-text" in classes:
            self.texts.append("".join(self._open_texts.pop()))
        elif "hsq-spk" in classes:
            self.speakers.append("".join(self._open_texts.pop()))

    def handle_data(self, data):
        if self.stack and self.stack[-1][0] == "script":
            self.scripts.append(data)
            return
        for buf in self._open_texts:
            buf.append(data)
        for tag, a in self.stack:
            if "hsq-c" in (a.get("class") or "").split():
                self.codings[a["data-coding"]][-1][1] += data

    def quote_of(self, key: str) -> str:
        """The words of one coding: its fragments joined."""
        return "".join(text for _, text in self.codings[key])
