"""Offset conventions of REFI-QDA selections and their detection.

The standard counts positions in Unicode code points; some tools count UTF-16 code units or
UTF-8 bytes, some after normalising line ends to LF. :data:`OFFSET_CONVENTIONS` names them;
:class:`OffsetMap` converts one document's positions; :func:`detect_offsets` chooses the
convention under which the selections land on word boundaries and match their quotes.
"""

from __future__ import annotations

import re
from typing import Any

OFFSET_CONVENTIONS = ("codepoints", "utf16", "utf8", "codepoints-lf", "utf16-lf", "utf8-lf")

# ---------------------------------------------------------------------------------------
# Offsets
# ---------------------------------------------------------------------------------------


class _OffsetMap:
    """Convert offsets counted in some unit (UTF-8 bytes, UTF-16 units, ...) to code points."""

    def __init__(self, text: str, convention: str) -> None:
        import numpy as np

        self.n = len(text)
        base, _, lf = convention.partition("-")
        if base == "codepoints" and not lf:
            self.units = None
            return
        cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        if base == "codepoints":
            widths = np.ones(len(cps), dtype=np.int64)
        elif base == "utf16":
            widths = 1 + (cps > 0xFFFF).astype(np.int64)
        else:
            widths = 1 + (cps >= 0x80).astype(np.int64) + (cps >= 0x800) + (cps >= 0x10000)
        if lf and len(cps) > 1:
            crlf = (cps[:-1] == 13) & (cps[1:] == 10)
            widths[:-1][crlf] = 0
        self.units = np.concatenate([[0], np.cumsum(widths)])
        self._np = np

    def to_codepoint(self, unit: int) -> int | None:
        if self.units is None:
            return unit if 0 <= unit <= self.n else None
        if unit < 0 or unit > int(self.units[-1]):
            return None
        k = int(self._np.searchsorted(self.units, unit, side="left"))
        return k if k <= self.n and int(self.units[k]) == unit else None

    def to_codepoints(self, units):
        """Many offsets at once: an int64 array of code points, -1 where an offset fits none."""
        import numpy as np

        v = np.asarray(units, dtype=np.int64)
        if self.units is None:
            return np.where((v >= 0) & (v <= self.n), v, -1)
        top = int(self.units[-1])
        k = np.searchsorted(self.units, np.clip(v, 0, top), side="left")
        ok = (v >= 0) & (v <= top) & (k <= self.n) & (self.units[np.minimum(k, self.n)] == v)
        return np.where(ok, k, -1)


def _same_text(a: str, b: str) -> bool:
    return a == b or a.replace("\r\n", "\n") == b.replace("\r\n", "\n") or " ".join(a.split()) == " ".join(b.split())



def _by_document(items: list[dict[str, Any]]):
    """Runs of consecutive selections of one document: ``(doc, [(index, item), ...])``."""
    run: list[tuple[int, dict[str, Any]]] = []
    for i, item in enumerate(items):
        if run and item["doc"] is not run[-1][1]["doc"]:
            yield run[-1][1]["doc"], run
            run = []
        run.append((i, item))
    if run:
        yield run[-1][1]["doc"], run


def _convert_run(omap: "_OffsetMap", run) -> list[tuple[int, int] | None]:
    """The code points of one document's selections (None where a selection fits no boundary)."""
    starts = omap.to_codepoints([item["raw"][0] for _, item in run]).tolist()
    ends = omap.to_codepoints([item["raw"][1] for _, item in run]).tolist()
    return [(s, e) if s >= 0 and e >= 0 and s <= e else None for s, e in zip(starts, ends)]


def convert_all(items: list[dict[str, Any]], convention: str) -> list[tuple[int, int] | None]:
    out: list[tuple[int, int] | None] = [None] * len(items)
    for doc, run in _by_document(items):
        for (i, _), pair in zip(run, _convert_run(_OffsetMap(doc.text, convention), run)):
            out[i] = pair
    return out


def _is_word_char(ch: str) -> bool:
    # letters and digits of scripts that separate words; CJK text has a boundary between any two
    return ch.isalnum() and ord(ch) < 0x2E80


def _on_boundary(text: str, k: int) -> bool:
    """Whether offset ``k`` lies between words or lines (not inside a word, not inside CRLF)."""
    if k <= 0 or k >= len(text):
        return True
    before, after = text[k - 1], text[k]
    if before == "\r" and after == "\n":
        return False
    return not (_is_word_char(before) and _is_word_char(after))


def detect_offsets(items: list[dict[str, Any]], *, origin: str = "") -> dict[str, Any]:
    """Decide the offset convention of a file's selections, on evidence, and say which.

    Evidence, in order: selections whose text equals the file's own quote (``name``);
    selections falling on character boundaries at all; the exporting tool (``origin``: hsqual
    counts code points, NVivo UTF-16 code units, CRLF included or not); selection ends on
    word and line boundaries. Conventions
    that give every selection the same code points are the same for this file (a text without
    characters outside the BMP reads alike in code points and UTF-16). When the evidence leaves
    several different readings tied, ``offsets_tied`` lists them and the standard's code points
    (or the first tied one) is used.
    """
    scores = {c: {"valid": 0, "matched_quotes": 0, "exact_quotes": 0, "boundaries": 0, "selections": len(items)}
              for c in OFFSET_CONVENTIONS}
    converted = {c: [None] * len(items) for c in OFFSET_CONVENTIONS}
    for doc, run in _by_document(items):  # one document's maps at a time
        seen: dict[tuple[int, int, int], tuple[int, int, int]] = {}  # readings shared by conventions
        for conv in OFFSET_CONVENTIONS:
            omap = _OffsetMap(doc.text, conv)
            sc, out = scores[conv], converted[conv]
            for (i, item), pair in zip(run, _convert_run(omap, run)):
                out[i] = pair
                if pair is None:
                    continue
                s, e = pair
                if (i, s, e) not in seen:
                    quote = item["sel"].get("name")
                    matched = bool(quote) and _same_text(doc.text[s:e], quote)
                    seen[i, s, e] = (_on_boundary(doc.text, s) + _on_boundary(doc.text, e), matched,
                                     matched and doc.text[s:e] == quote)
                ends, matched, exact = seen[i, s, e]
                sc["valid"] += 1
                sc["boundaries"] += ends
                sc["matched_quotes"] += matched
                sc["exact_quotes"] += exact
            del omap
    # conventions reading every selection alike are one reading
    readings: dict[tuple, list[str]] = {}
    for conv in OFFSET_CONVENTIONS:
        readings.setdefault(tuple(converted[conv]), []).append(conv)
    groups = list(readings.values())
    decision: dict[str, Any] = {"offset_scores": scores, "converted": converted, "offsets_tied": []}
    if len(groups) == 1:
        decision.update(offsets="codepoints", offset_evidence="every convention reads these selections alike")
        return decision
    candidates = groups
    evidence: list[str] = []

    def narrow(key: str, what: str) -> None:
        nonlocal candidates
        best = max(scores[g[0]][key] for g in candidates)
        kept = [g for g in candidates if scores[g[0]][key] == best]
        if len(kept) < len(candidates):
            others = max(scores[g[0]][key] for g in candidates if g not in kept)
            of = 2 * len(items) if key == "boundaries" else len(items)
            evidence.append(f"{what}: {best} of {of} under {', '.join(g[0] for g in kept)}, at most {others} otherwise")
        candidates = kept

    narrow("matched_quotes", "selections matching the file's quotes")
    if len(candidates) > 1:
        narrow("exact_quotes", "selections matching the file's quotes character for character")
    if len(candidates) > 1:
        narrow("valid", "selections on character boundaries")
    if len(candidates) > 1:  # the tool that wrote the file, where its counting is known
        known = [(r"^hsqual\b", ("codepoints",), "hsqual counts code points"),
                 (r"nvivo", ("utf16", "utf16-lf"), "NVivo counts UTF-16 code units")]
        for pattern, family, why in known:
            if re.search(pattern, origin, re.IGNORECASE):
                kept = [g for g in candidates if any(c in family for c in g)]
                if kept and len(kept) < len(candidates):
                    candidates = kept
                    evidence.append(f"the file comes from {origin!r}, and {why}")
                break
    if len(candidates) > 1:
        narrow("boundaries", "selection ends on word and line boundaries")
    if len(candidates) == 1:
        decision.update(offsets=candidates[0][0], offset_evidence="; ".join(evidence))
        return decision
    tied = [g[0] for g in candidates]
    chosen = "codepoints" if "codepoints" in tied else tied[0]
    decision.update(offsets=chosen, offsets_tied=tied,
                    offset_evidence="; ".join(evidence) or "no selection quotes or boundaries tell them apart")
    return decision
