"""A Jupyter widget for the review loop: units to read, Accept / Reject / Skip, progress.

:func:`review_widget` shows the next few units of a :class:`hsqual.review.ReviewSession`
with the units around them and the evidence words marked, three buttons under each, how
many units were found so far, the estimate of how many remain and the stopping advice. Each
click writes the decision to the session's log before anything else happens; when every unit
shown has a verdict, the session re-ranks and the next few are shown. "Undo last" withdraws
the reviewer's last verdict still standing (:meth:`hsqual.review.ReviewSession.undo`) and
shows that unit again, first.

Needs ``ipywidgets`` (``pip install "hsqual[review]"``).

Example
-------
>>> import tempfile, pathlib
>>> from hsqual.codebook import Code, Codebook
>>> from hsqual.corpus import Corpus, Document
>>> from hsqual.review import ReviewSession
>>> corpus = Corpus([Document("d", "Fear of war. Bread. Fear of mines.")])
>>> cb = Codebook("b", [Code(id="fear", label={"en": "Fear"}, rules={"en": ("fear",)})])
>>> session = ReviewSession(corpus, cb, log=pathlib.Path(tempfile.mkdtemp()) / "r.jsonl", reviewer="me", embedder="tfidf",
...                         batch_size=2)
>>> w = review_widget(session)
>>> w.buttons[0]["accept"].click()
>>> session.log[["verdict", "quote"]].values.tolist()
[['accept', 'Fear of war.']]
>>> w.undo_button.click()                        # a misclick: the unit is open again
>>> session.found(), w.items[0].quote, w.buttons[0]["accept"].disabled
(0, 'Fear of war.', False)
"""

from __future__ import annotations

import html

from .errors import ArgumentError, HsqualError
from .params import validate_params
from .review import VERDICT_NOUNS, ReviewItem, ReviewSession

__all__ = ["ReviewWidget", "review_widget"]

_VERDICT_TEXT = {"accept": "✔ accepted", "reject": "✘ rejected", "skip": "↷ skipped (comes back later)"}


class ReviewWidget:
    """The review widget; display it in a notebook cell (it shows its ``widget``).

    Attributes
    ----------
    session : ReviewSession
    widget : ipywidgets.VBox
        What is displayed.
    items : list of ReviewItem
        The units shown.
    buttons : list of dict
        Per unit shown, its ``"accept"``, ``"reject"`` and ``"skip"`` buttons.
    undo_button : ipywidgets.Button
        "Undo last": withdraws the reviewer's last verdict still standing and shows that unit
        again; disabled when there is none.
    status : ipywidgets.HTML
        Found so far, estimate of what remains, the stopping advice.
    message : ipywidgets.HTML
        What the last undo withdrew, or an error.

    Example
    -------
    >>> import tempfile, pathlib
    >>> from hsqual.codebook import Code, Codebook
    >>> from hsqual.corpus import Corpus, Document
    >>> from hsqual.review import ReviewSession
    >>> s = ReviewSession(Corpus([Document("d", "Fear. Bread.")]),
    ...                   Codebook("b", [Code(id="fear", label={"en": "Fear"}, rules={"en": ("fear",)})]),
    ...                   log=pathlib.Path(tempfile.mkdtemp()) / "r.jsonl", reviewer="me", embedder="tfidf", batch_size=1)
    >>> w = ReviewWidget(s)
    >>> w.items[0].quote
    'Fear.'
    >>> w.buttons[0]["reject"].click()          # the next unit comes
    >>> w.items[0].quote, s.found()
    ('Bread.', 0)
    """

    def __init__(self, session: ReviewSession, *, code: str | None = None, n: int | None = None) -> None:
        try:
            import ipywidgets as widgets
        except ImportError:
            raise ImportError("the review widget needs ipywidgets: pip install 'hsqual[review]' "
                              "(or review in a terminal with: hsqual review ...)") from None

        if not isinstance(session, ReviewSession):
            raise ArgumentError(f"review_widget: session must be a ReviewSession, not {type(session).__name__}")
        self._w = widgets
        self.session = session
        self.n = n or session.batch_size
        if code is not None and code not in session.codes:
            raise ArgumentError(f"review_widget: code {code!r} is not one of the review's codes: "
                                f"{', '.join(session.codes[:8])}" + (" ..." if len(session.codes) > 8 else ""))
        # "every code" is the empty string in the menu: a menu whose value is None shows no label
        options = [("every code", "")] + [(f"{session.codebook.label(c)} ({c})", c) for c in session.codes]
        self.code_picker = widgets.Dropdown(options=options, value=code or "", description="code")
        self.code_picker.observe(lambda change: self.refresh(), names="value")
        self.undo_button = widgets.Button(description="Undo last", icon="undo",
                                          tooltip="withdraw your last verdict and show that unit again")
        self.undo_button.on_click(lambda _b: self.undo())
        self.status = widgets.HTML()
        self.message = widgets.HTML()
        self.body = widgets.VBox()
        # the message (what an undo withdrew, an error) above the units, where it is seen without scrolling
        self.widget = widgets.VBox([widgets.HBox([self.code_picker, self.undo_button]), self.status, self.message,
                                    self.body])
        self.items: list[ReviewItem] = []
        self.buttons: list[dict] = []
        self._done: list[str | None] = []
        self.refresh()

    @property
    def code(self) -> str | None:
        """The code reviewed (``None``: every code of the session)."""
        return self.code_picker.value or None

    def refresh(self) -> None:
        """Re-rank and show the next units (called after the last unit shown gets its verdict)."""
        self.message.value = ""            # an error of an earlier refresh is no longer true
        try:
            items = self.session.next_units(self.n, code=self.code)
        except HsqualError as exc:
            items = []
            self._error(exc)
        self._show(items)

    def undo(self) -> None:
        """Withdraw the reviewer's last verdict still standing and show that unit again, first,
        then the units of the page still without a verdict, then the next in the ranking.

        What the "Undo last" button does. The message above the units says what was withdrawn
        (or why nothing was).

        Example
        -------
        >>> import tempfile, pathlib
        >>> from hsqual.codebook import Code, Codebook
        >>> from hsqual.corpus import Corpus, Document
        >>> from hsqual.review import ReviewSession
        >>> s = ReviewSession(Corpus([Document("d", "Fear. Bread.")]),
        ...                   Codebook("b", [Code(id="fear", label={"en": "Fear"}, rules={"en": ("fear",)})]),
        ...                   log=pathlib.Path(tempfile.mkdtemp()) / "r.jsonl", reviewer="me", embedder="tfidf", batch_size=1)
        >>> w = ReviewWidget(s)
        >>> w.buttons[0]["reject"].click()          # 'Fear.' rejected by mistake; 'Bread.' comes
        >>> w.undo()
        >>> w.items[0].quote, w.message.value.split(" (")[0]
        ('Fear.', '↶ withdrew the rejection of d 0-5 for <code>fear</code>')
        """
        try:
            record = self.session.undo()
        except HsqualError as exc:
            self._error(exc)
            self._update_status()
            return
        withdrawn = record["withdrawn"]
        said = (f"↶ withdrew the {VERDICT_NOUNS[withdrawn['verdict']]} of {html.escape(withdrawn['doc_id'])} "
                f"{withdrawn['start']}-{withdrawn['end']} for <code>{html.escape(withdrawn['code'])}</code> "
                f"(log line {withdrawn['line']}, undone on line {record['line']})")
        try:
            again = self.session.item((withdrawn["doc_id"], withdrawn["start"], withdrawn["end"], withdrawn["code"]))
            r = self.session.ranking
            still_open = set(zip(*(r.loc[r["verdict"] == "", c] for c in ("doc_id", "start", "end", "code"))))
            # the page's units without a verdict (here, or from another session on the log since)
            open_on_page = [i for i, done in zip(self.items, self._done) if done is None and i.key in still_open]
            shown = [again, *(i for i in open_on_page if i.key != again.key)]
            if len(shown) < self.n:
                keys = {i.key for i in shown}
                shown += [i for i in self.session.next_units(self.n, code=self.code) if i.key not in keys]
        except HsqualError as exc:       # withdrawn all the same; the log or ranking failed after it
            self._show([])
            self._error(exc, after=said)
            return
        self._show(shown[:self.n])
        self.message.value = f"{said}: “{html.escape(again.quote[:80])}” is shown again, first"

    def _error(self, exc: Exception, *, after: str = "") -> None:
        """Show an error as the message (under ``after``, HTML already, when given)."""
        said = f'<span style="color:#b00">{html.escape(str(exc))}</span>'
        self.message.value = f"{after}<br>{said}" if after else said

    def _show(self, items: list[ReviewItem]) -> None:
        w = self._w
        self.items = items
        self.buttons, self._done, boxes = [], [], []
        for i, item in enumerate(self.items):
            row = {v: w.Button(description=v.capitalize(), button_style=style, tooltip=f"{v} this unit for {item.code}")
                   for v, style in (("accept", "success"), ("reject", "danger"), ("skip", ""))}
            for verdict, button in row.items():
                button.on_click(lambda _b, i=i, verdict=verdict: self._decide(i, verdict))
            self.buttons.append(row)
            self._done.append(None)
            head = (f"<b>{html.escape(item.label)}</b> <code>{html.escape(item.code)}</code> · "
                    f"{html.escape(item.doc_id)} {item.start}-{item.end}")
            evidence = " · ".join(html.escape(line) for line in item.evidence_lines())
            card = w.HTML(f"<div style='margin-top:6px'>{head}</div>{item.to_html()}"
                          f"<div style='font-size:85%;color:#555'>{evidence}</div>")
            boxes.append(w.VBox([card, w.HBox(list(row.values()))]))
        if not self.items and not self.message.value:
            self.message.value = "<i>Every unit has a verdict.</i>"
        self.body.children = boxes
        self._update_status()

    def _update_status(self) -> None:
        s, code = self.session, self.code
        try:
            self.undo_button.disabled = s.last_verdict() is None
        except HsqualError:          # the log does not read (the message says why): nothing to undo from it
            self.undo_button.disabled = True
        try:
            advice = s.stop_advice(code)
            estimate = s.estimate_remaining(code)
            found = s.found(code)
        except HsqualError as exc:   # the log does not read: the counts would be of a log nobody wrote
            self.status.value = f"log: <code>{html.escape(str(s.log_path))}</code>"
            self._error(exc)
            return
        colour = "#060" if advice.stop else "#444"
        left = "— (after one accepted and one rejected unit)" if estimate != estimate else f"{estimate:.1f}"
        self.status.value = (f"found so far: <b>{found}</b> · estimated still to find: "
                             f"<b>{left}</b><br>"
                             f"<span style='color:{colour}'>{'stop? ' if advice.stop else ''}"
                             f"{html.escape(advice.reason)}</span><br>log: <code>{html.escape(str(s.log_path))}</code>")

    def _decide(self, i: int, verdict: str) -> None:
        if self._done[i] is not None:
            return
        try:
            self.session.decide(self.items[i], verdict)
        except HsqualError as exc:
            self._error(exc)
            return
        self._done[i] = verdict
        for button in self.buttons[i].values():
            button.disabled = True
        self.buttons[i][verdict].description = _VERDICT_TEXT[verdict]
        self.message.value = ""
        if all(d is not None for d in self._done):
            self.refresh()
        else:
            self._update_status()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


@validate_params(ranges={"n": (1, None)})
def review_widget(session: ReviewSession, *, code: str | None = None, n: int | None = None) -> ReviewWidget:
    """A review widget over a session (display it as a cell's last value).

    Parameters
    ----------
    session : ReviewSession
    code : str, optional
        Start with this code (default: every code of the session; a menu switches).
    n : int, optional
        Units shown at once (default: the session's ``batch_size``).

    Example
    -------
    >>> import tempfile, pathlib
    >>> from hsqual.codebook import Code, Codebook
    >>> from hsqual.corpus import Corpus, Document
    >>> from hsqual.review import ReviewSession
    >>> s = ReviewSession(Corpus([Document("d", "Fear. Bread.")]),
    ...                   Codebook("b", [Code(id="fear", label={"en": "Fear"}, rules={"en": ("fear",)})]),
    ...                   log=pathlib.Path(tempfile.mkdtemp()) / "r.jsonl", reviewer="me", embedder="tfidf")
    >>> w = review_widget(s, code="fear", n=1)
    >>> w.buttons[0]["skip"].click()
    >>> s.log["verdict"].tolist(), w.items[0].quote
    (['skip'], 'Bread.')
    """
    return ReviewWidget(session, code=code, n=n)
