"""Reading YAML safely: codebooks and the front matter of transcripts.

Every YAML text hsqual reads goes through :func:`compose_yaml`, which builds the node tree
(each node keeps its line and column, for messages) from the parser's events, one event at
a time and without recursion, and refuses:

* **aliases** (``*name``): an anchor referred to again and again lets a file of a few hundred
  bytes stand for gigabytes (an "alias bomb"); hsqual's files never need them;
* **nesting** deeper than :data:`MAX_DEPTH` lists and mappings;
* **texts** longer than a limit (``max_chars``).

The events come from libyaml (``yaml.CSafeLoader``'s parser) where PyYAML was built with it,
which reads a large codebook several times faster than the pure-Python parser, with the same
line and column numbers; otherwise from the pure-Python parser.

Example
-------
>>> node = compose_yaml("id: demo\\ncodes: [a, b]\\n", path="demo.yaml")
>>> node.value[1][1].start_mark.line + 1, [n.value for n in node.value[1][1].value]
(2, ['a', 'b'])
>>> compose_yaml("a: &x [1, 2]\\nb: *x\\n", path="bomb.yaml")
Traceback (most recent call last):
...
hsqual.errors.CodebookError: bomb.yaml:2:4: the YAML refers to an anchor with the alias '*x'; aliases are not read (they can make a small file expand to gigabytes): write the value out
"""

from __future__ import annotations

import contextlib
import gc
import os

import yaml

from .errors import CodebookError, HsqualError

__all__ = ["MAX_DEPTH", "MAX_CHARS", "LIBYAML", "Mark", "compose_yaml", "construct_yaml", "load_yaml", "dump_yaml",
           "collection_paused"]

#: How deep lists and mappings may nest.
MAX_DEPTH = 64
#: The longest YAML text read by default (characters): a codebook of 100 MB.
MAX_CHARS = 100_000_000
#: Whether libyaml's parser is used.
LIBYAML = bool(getattr(yaml, "__with_libyaml__", False))

_Parser = yaml.CSafeLoader if LIBYAML else yaml.SafeLoader


class Mark:
    """Where a node starts: 0-based ``line`` and ``column`` (as PyYAML's marks count), and
    nothing else, so that the node tree of a large file stays small.

    Example
    -------
    >>> compose_yaml("a: 1\\nb: [x]").value[1][1].start_mark
    Mark(line=1, column=3)
    """

    __slots__ = ("line", "column")
    name = "<yaml>"

    def __init__(self, line: int, column: int) -> None:
        self.line = line
        self.column = column

    def __repr__(self) -> str:
        return f"Mark(line={self.line}, column={self.column})"

    def __str__(self) -> str:
        return f"line {self.line + 1}, column {self.column + 1}"

    def get_snippet(self) -> None:
        return None


class _Constructor(yaml.constructor.SafeConstructor):
    """Python values from a node tree hsqual composed (no aliases, depth bounded)."""


@contextlib.contextmanager
def collection_paused():
    """Pause Python's cycle collector while a large tree of nodes and records is built.

    A YAML tree and the records read from it hold no reference cycles, but the collector
    scans the growing heap again and again: it took most of the time of reading a 50 MB
    codebook. Reference counting still frees everything as usual.

    Example
    -------
    >>> import gc
    >>> with collection_paused():
    ...     gc.isenabled()
    False
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def compose_yaml(text: str, *, path: str | os.PathLike | None = None, error: type[HsqualError] = CodebookError,
                 line_offset: int = 0, max_chars: int = MAX_CHARS, max_depth: int = MAX_DEPTH,
                 invalid: str = "not valid YAML") -> yaml.Node | None:
    """The YAML node tree of ``text`` (``None`` for an empty document), read safely.

    Parameters
    ----------
    text : str
    path : str or PathLike, optional
        Named in errors.
    error : HsqualError subclass, keyword-only
        Raised for every problem, with the path, line and column.
    line_offset : int, keyword-only
        Added to line numbers in messages (front matter starts on line 2 of its file).
    max_chars, max_depth : int, keyword-only
        Limits (see :data:`MAX_CHARS`, :data:`MAX_DEPTH`).
    invalid : str, keyword-only
        How a syntax error's message starts.

    Example
    -------
    >>> compose_yaml("[" * 100 + "]" * 100, path="deep.yaml", max_depth=64)
    Traceback (most recent call last):
    ...
    hsqual.errors.CodebookError: deep.yaml:1:65: lists and mappings nest 65 deep here, more than the limit of 64
    """
    if len(text) > max_chars:
        raise error(f"the YAML holds {len(text):,} characters, more than the limit of {max_chars:,}", path=path)

    def fail(message: str, mark) -> HsqualError:
        line = mark.line + 1 + line_offset if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        return error(message, path=path, line=line, column=column)

    loader = _Parser(text)
    resolver = yaml.resolver.Resolver()
    resolve = resolver.resolve
    root = None
    docs = 0
    stack: list[list] = []  # [node, pending key] of each open list or mapping
    get_event = loader.get_event
    Scalar, Sequence, Mapping = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode
    kinds = {yaml.SequenceStartEvent: Sequence, yaml.MappingStartEvent: Mapping}
    ends = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    skip = (yaml.StreamStartEvent, yaml.DocumentEndEvent)
    gc_was_on = gc.isenabled()
    gc.disable()  # a node tree holds no cycles; collecting while it grows only costs time
    try:
        while True:
            event = get_event()
            kind = type(event)
            if kind is yaml.ScalarEvent:
                tag = event.tag
                if tag is None or tag == "!":
                    tag = resolve(Scalar, event.value, event.implicit)
                m = event.start_mark
                node = Scalar(tag, event.value, Mark(m.line, m.column), None, event.style)
            elif kind in ends:
                node = stack.pop()[0]
            elif kind in kinds:
                if len(stack) >= max_depth:
                    raise fail(f"lists and mappings nest {len(stack) + 1} deep here, more than the limit of "
                               f"{max_depth}", event.start_mark)
                node_kind = kinds[kind]
                tag = event.tag
                if tag is None or tag == "!":
                    tag = resolve(node_kind, None, event.implicit)
                m = event.start_mark
                stack.append([node_kind(tag, [], Mark(m.line, m.column), None, event.flow_style), None])
                continue
            elif kind is yaml.AliasEvent:
                raise fail(f"the YAML refers to an anchor with the alias '*{event.anchor}'; aliases are not read "
                           "(they can make a small file expand to gigabytes): write the value out", event.start_mark)
            elif kind is yaml.StreamEndEvent:
                break
            elif kind is yaml.DocumentStartEvent:
                docs += 1
                if docs > 1:
                    raise fail("expected one YAML document, found a second one ('---')", event.start_mark)
                continue
            elif kind in skip:
                continue
            else:  # pragma: no cover - PyYAML has no other events
                raise fail(f"unexpected YAML event {kind.__name__}", event.start_mark)
            if not stack:
                root = node
                continue
            top = stack[-1]
            parent = top[0]
            if type(parent) is Sequence:
                parent.value.append(node)
            elif top[1] is None:
                top[1] = node
            else:
                parent.value.append((top[1], node))
                top[1] = None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or str(exc)
        if exc.context and exc.context_mark is not None and exc.context_mark is not mark:
            problem = f"{problem} ({exc.context} on line {exc.context_mark.line + 1 + line_offset})"
        raise fail(f"{invalid}: {problem}", mark) from None
    except yaml.YAMLError as exc:
        raise error(f"{invalid}: {exc}", path=path) from None
    finally:
        if gc_was_on:
            gc.enable()
        dispose = getattr(loader, "dispose", None)
        if dispose is not None:
            dispose()
    return root


def construct_yaml(node: yaml.Node, *, path: str | os.PathLike | None = None,
                   error: type[HsqualError] = CodebookError, line_offset: int = 0):
    """Python values (dicts, lists, strings, numbers, dates) from a node tree of :func:`compose_yaml`.

    A value that cannot be read (an impossible date, an unknown ``!tag``, a list as a key)
    raises ``error`` with the path and the line of the value.

    Example
    -------
    >>> construct_yaml(compose_yaml("speakers: [Interviewer, 聞き手]"))
    {'speakers': ['Interviewer', '聞き手']}
    >>> construct_yaml(compose_yaml("id: int01\\ndate: 2013-02-30"), path="int01.md", line_offset=1)
    Traceback (most recent call last):
    ...
    hsqual.errors.CodebookError: int01.md:3:7: cannot read the value: day is out of range for month
    """
    failures = (yaml.YAMLError, ValueError, TypeError, OverflowError)
    try:
        return _Constructor().construct_document(node)
    except failures as exc:
        problem = exc
    culprit = node
    descend = True
    while descend:  # down to the innermost value that cannot be read, to name its line
        descend = False
        children = ([v for kv in culprit.value for v in kv] if isinstance(culprit, yaml.MappingNode)
                    else list(culprit.value) if isinstance(culprit, yaml.SequenceNode) else [])
        for child in children:
            try:
                _Constructor().construct_document(child)
            except failures as exc:
                culprit, problem, descend = child, exc, True
                break
    mark = culprit.start_mark
    reason = getattr(problem, "problem", None) or str(problem)
    raise error(f"cannot read the value: {reason}", path=path, line=mark.line + 1 + line_offset,
                column=mark.column + 1) from None


def load_yaml(text: str, **options):
    """Python values from YAML text, read as :func:`compose_yaml` reads it (same options).

    Example
    -------
    >>> load_yaml("id: int04\\ndate: 2013-09-12\\nspeakers: [Interviewer, Interviewee 4]\\n")
    {'id': 'int04', 'date': datetime.date(2013, 9, 12), 'speakers': ['Interviewer', 'Interviewee 4']}
    """
    node = compose_yaml(text, **options)
    return None if node is None else construct_yaml(node)


class _NoAliasDumper(yaml.SafeDumper):
    """Writes a value shared by two places twice, never as an anchor and alias (which
    :func:`compose_yaml` refuses to read)."""

    def ignore_aliases(self, data) -> bool:
        return True


def dump_yaml(data, **options) -> str:
    """YAML text of plain Python values, as ``yaml.safe_dump`` writes it but without aliases.

    Example
    -------
    >>> speakers = ["Interviewer", "Interviewee 4"]
    >>> text = dump_yaml({"speakers": speakers, "cited": speakers}, default_flow_style=True)
    >>> text.strip(), load_yaml(text)["cited"]
    ('{speakers: [Interviewer, Interviewee 4], cited: [Interviewer, Interviewee 4]}', ['Interviewer', 'Interviewee 4'])
    """
    options.setdefault("sort_keys", False)
    return yaml.dump(data, Dumper=_NoAliasDumper, **options)
