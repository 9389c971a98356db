"""Exports: tables to CSV / XLSX / Parquet, and codebooks as documents and YAML.

* :func:`export_tables` writes several tables (codings, co-occurrence, the study's tables ...)
  at once; :func:`write_workbook` puts them in one XLSX workbook, a sheet per table, with
  the settings that made each table (its ``df.attrs``) on a ``settings`` sheet.
* :func:`codebook_to_markdown` / :func:`codebook_to_html` / :func:`write_codebook_document`
  print a codebook for coder training: per code its labels, id, definition, when to use and
  when not to use, examples with their sources and rules, the hierarchy as headings.
* :func:`write_codebook_yaml` writes a codebook back as a YAML file that
  :func:`hsqual.load_codebook` reads (used after importing a REFI-QDA codebook).

Every file is written atomically (:mod:`hsqual.writers`): a failure leaves the old file.

Example
-------
>>> from hsqual.codebook import Code, Codebook, Example
>>> cb = Codebook("demo", [Code(id="fear", label={"en": "Freedom from fear", "ja": "恐怖からの自由"},
...                             definition={"en": "Violent threats to people.", "ja": "人々への暴力的な脅威。"},
...                             examples=(Example("fear of violence", "Kurusu 2015, §7"),))],
...               version="1", title={"en": "Demo", "ja": "デモ"}, source="Kurusu 2015")
>>> print(codebook_to_markdown(cb, lang="ja").splitlines()[0])
# デモ
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .codebook import Code, Codebook
from .errors import ArgumentError, CodebookError
from .params import validate_params
from .writers import FileState, atomic_write, keeps_index, write_sheets, write_table, write_text

__all__ = [
    "TABLE_FORMATS",
    "export_tables",
    "write_workbook",
    "codebook_to_markdown",
    "codebook_to_html",
    "write_codebook_document",
    "write_codebook_yaml",
    "write_codebooks_yaml",
]

TABLE_FORMATS = ("csv", "xlsx", "parquet")
_NAME = re.compile(r"^\w[\w.-]{0,99}$")  # letters of any script (主題表), digits, _ . -
_LANGS = ("en", "ja", "both")

_WORDS = {
    "en": {"definition": "Definition", "when_to_use": "When to use", "when_not_to_use": "When not to use",
           "examples": "Examples", "rules": "Rules", "parent": "parent", "colour": "colour", "version": "version",
           "source": "source", "id": "id", "contents": "Contents", "codes": "codes"},
    "ja": {"definition": "定義", "when_to_use": "使う場合", "when_not_to_use": "使わない場合",
           "examples": "例", "rules": "ルール", "parent": "親コード", "colour": "色", "version": "版",
           "source": "出典", "id": "ID", "contents": "目次", "codes": "コード"},
}
_FIELDS = ("definition", "when_to_use", "when_not_to_use")


# ---------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------


def _check_tables(tables: Mapping[str, pd.DataFrame]) -> None:
    if not isinstance(tables, Mapping) or not tables:
        raise ArgumentError("tables must be a non-empty mapping of name to DataFrame")
    for name, df in tables.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise ArgumentError(f"table name {name!r} must be letters, digits, '_', '.', '-' (it names a file)")
        if not isinstance(df, pd.DataFrame):
            raise ArgumentError(f"table {name!r} must be a DataFrame, not {type(df).__name__}")


@validate_params()
def export_tables(tables: Mapping[str, pd.DataFrame], out_dir: str | os.PathLike, *,
                  formats: Sequence[str] = ("csv",)) -> list[Path]:
    """Write each table as ``out_dir/<name>.csv`` / ``.parquet``, and all as ``out_dir/tables.xlsx``.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Name (used as file and sheet name) to table.
    out_dir : str or PathLike
        Created if missing.
    formats : sequence of {"csv", "xlsx", "parquet"}, keyword-only
        ``"xlsx"`` writes one workbook with a sheet per table (see :func:`write_workbook`).

    Returns
    -------
    list of Path
        The files written.

    Example
    -------
    >>> import tempfile, pathlib
    >>> freq = pd.DataFrame({"code": ["freedoms.fear", "freedoms.want"], "n": [7, 4]})
    >>> out = export_tables({"frequencies": freq}, tempfile.mkdtemp(), formats=("csv", "xlsx"))
    >>> [p.name for p in out]
    ['frequencies.csv', 'tables.xlsx']
    >>> pd.read_excel(out[1], sheet_name="frequencies")["n"].sum()
    np.int64(11)
    """
    _check_tables(tables)
    if isinstance(formats, str):
        formats = (formats,)
    bad = [f for f in formats if f not in TABLE_FORMATS]
    if bad or not formats:
        raise ArgumentError(f"formats must be some of {', '.join(TABLE_FORMATS)}, not {list(formats)!r}")
    out = Path(out_dir)
    written: list[Path] = []
    for fmt in ("csv", "parquet"):
        if fmt in formats:
            for name, df in tables.items():
                written.append(write_table(df, out / f"{name}.{fmt}"))
    if "xlsx" in formats:
        written.append(write_workbook(tables, out / "tables.xlsx"))
    return written


def _sheet_names(names: Sequence[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        base = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "sheet"
        cand, n = base, 2
        while cand.lower() in {o.lower() for o in out} or cand.lower() == "settings":
            suffix = f"_{n}"
            cand, n = base[: 31 - len(suffix)] + suffix, n + 1
        out.append(cand)
    return out


def _excel_value(v: Any) -> Any:
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return repr(v) if not isinstance(v, (list, tuple, dict)) else str(v)


@validate_params()
def write_workbook(tables: Mapping[str, pd.DataFrame], path: str | os.PathLike, *, index: bool | None = None,
                   replace: bool | FileState = True) -> Path:
    """Write tables to one XLSX workbook, one sheet per table, plus a ``settings`` sheet.

    The ``settings`` sheet lists each table's ``df.attrs`` (the settings that made it), so a
    workbook sent to a colleague says how its numbers were computed. Every text is a text
    cell, never a formula (see :func:`hsqual.writers.write_sheets`); ``replace`` is as for
    :func:`hsqual.writers.atomic_write`.

    Example
    -------
    >>> import tempfile, pathlib
    >>> co = pd.DataFrame({"code": ["fear"], "want": [3]})
    >>> co.attrs["measure"] = "count"
    >>> p = write_workbook({"cooccurrence": co}, pathlib.Path(tempfile.mkdtemp()) / "out.xlsx")
    >>> pd.read_excel(p, sheet_name=None).keys()
    dict_keys(['cooccurrence', 'settings'])
    """
    _check_tables(tables)
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise ArgumentError(f"{target}: a workbook must end in .xlsx")
    sheets = _sheet_names(list(tables))
    settings = [{"table": name, "setting": k, "value": _excel_value(v)}
                for name, df in tables.items() for k, v in df.attrs.items()]
    parts = [(sheet, df, keeps_index(df, index)) for sheet, df in zip(sheets, tables.values())]
    parts.append(("settings", pd.DataFrame(settings, columns=["table", "setting", "value"]), False))
    with atomic_write(target, "wb", replace=replace) as fh:
        write_sheets(fh, parts)  # texts as text cells, never formulas
    return target


# ---------------------------------------------------------------------------------------
# Codebook documents
# ---------------------------------------------------------------------------------------


def _check_lang(lang: str) -> None:
    if lang not in _LANGS:
        raise ArgumentError(f"lang must be one of {', '.join(_LANGS)}, not {lang!r}")


def _langs(lang: str) -> tuple[str, ...]:
    return ("en", "ja") if lang == "both" else (lang,)


def _word(key: str, lang: str) -> str:
    if lang == "both":
        return f"{_WORDS['en'][key]} / {_WORDS['ja'][key]}"
    return _WORDS[lang][key]


def _text_in(values: Mapping[str, str], lang: str) -> list[tuple[str, str]]:
    """(language, text) pairs to show for ``lang`` (English when the language is missing)."""
    out = [(x, values[x]) for x in _langs(lang) if values.get(x)]
    if not out and values:
        first = "en" if "en" in values else next(iter(values))
        out = [(first, values[first])]
    return out


def _label(code: Code, lang: str) -> str:
    if lang == "both":
        parts = [code.label.get("en"), code.label.get("ja")]
        parts = [p for p in parts if p]
        return " — ".join(dict.fromkeys(parts)) or code.id
    return code.label_for(lang)


def _title(cb: Codebook, lang: str) -> str:
    if lang == "both":
        parts = [p for p in (cb.title.get("en"), cb.title.get("ja")) if p]
        return " — ".join(dict.fromkeys(parts)) or cb.id
    return cb.title.get(lang) or cb.title.get("en") or cb.id


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def _md(text: str) -> str:
    """Escape Markdown so user text shows as written (no accidental emphasis, links, headings)."""
    out = []
    for line in str(text).split("\n"):
        line = _MD_SPECIAL.sub(r"\\\1", line)
        line = re.sub(r"^(\s*)([#+-])", r"\1\\\2", line)
        line = re.sub(r"^(\s*\d+)([.)])(\s|$)", r"\1\\\2\3", line)
        out.append(line)
    return "  \n".join(out)


def _md_code(text: str) -> str:
    ticks = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _ordered(codebook: Codebook) -> list[Code]:
    """Codes in tree order (each code followed by its descendants), file order among siblings."""
    children: dict[str | None, list[Code]] = {}
    for c in codebook.codes:
        children.setdefault(c.parent, []).append(c)
    out: list[Code] = []
    stack = list(reversed(children.get(None, [])))  # iterative: a code tree may be thousands deep
    while stack:
        c = stack.pop()
        out.append(c)
        stack.extend(reversed(children.get(c.id, [])))
    return out


@dataclass(frozen=True)
class _CodeOutline:
    code: Code
    depth: int
    label: str
    fields: list[tuple[str, list[tuple[str, str]]]]  # (field, [(language, text)]) with text shown
    rules: list[tuple[str, str]]  # (language, rule)


@dataclass(frozen=True)
class _Outline:
    """What a printed codebook shows, in order: both renderers walk this one structure."""

    title: str
    meta: list[tuple[str, str, str, str]]  # (kind, word, separator, value); kind: code, text, count
    description: list[str]
    codes: list[_CodeOutline]


def _outline(codebook: Codebook, lang: str) -> _Outline:
    _check_lang(lang)
    meta = [("code", _word("id", lang), " ", codebook.id)]
    if codebook.version:
        meta.append(("text", _word("version", lang), " ", codebook.version))
    if codebook.source:
        meta.append(("text", _word("source", lang), ": ", codebook.source))
    meta.append(("count", _word("codes", lang), " ", str(len(codebook))))
    codes = []
    for code in _ordered(codebook):
        fields = [(fld, shown) for fld in _FIELDS if (shown := _text_in(getattr(code, fld), lang))]
        rules = [(x, r) for x in (_langs(lang) if lang != "both" else list(code.rules)) for r in code.rules.get(x, ())]
        codes.append(_CodeOutline(code, codebook.depth(code.id), _label(code, lang), fields, rules))
    return _Outline(_title(codebook, lang), meta, [text for _, text in _text_in(codebook.description, lang)], codes)


@validate_params(choices={"lang": ("en", "ja", "both")})
def codebook_to_markdown(codebook: Codebook, *, lang: str = "both") -> str:
    """A codebook as a Markdown document for coder training.

    One heading per code (nested codes one level deeper), then its id, parent and colour,
    definition, when to use, when not to use, examples with their sources and rules.

    Parameters
    ----------
    codebook : Codebook
    lang : {"en", "ja", "both"}, keyword-only
        Which language's text to show (``"both"``: English then Japanese). A text missing in
        the chosen language is shown in English, marked ``[en]``.

    Example
    -------
    >>> from hsqual.codebook import Code, Codebook, Example
    >>> cb = Codebook("demo", [Code(id="want", label={"en": "Freedom from want", "ja": "欠乏からの自由"}),
    ...                        Code(id="want.food", label={"en": "Food", "ja": "食料"}, parent="want",
    ...                             definition={"en": "Hunger and *food* insecurity."},
    ...                             examples=(Example("food shortages", "Kurusu 2015, §7"),))],
    ...               title={"en": "Demo"})
    >>> md = codebook_to_markdown(cb, lang="en")
    >>> [line for line in md.splitlines() if line.startswith("#")]
    ['# Demo', '## Freedom from want', '### Food']
    >>> "Hunger and \\\\*food\\\\* insecurity." in md
    True
    """
    doc = _outline(codebook, lang)
    lines = [f"# {_md(doc.title)}", ""]
    meta = [f"{value} {word}" if kind == "count" else
            f"{word}{sep}{_md_code(value) if kind == 'code' else _md(value)}" for kind, word, sep, value in doc.meta]
    lines += [" · ".join(meta), ""]
    for text in doc.description:
        lines += [_md(text), ""]
    for item in doc.codes:
        code = item.code
        lines += [f"{'#' * min(2 + item.depth, 6)} {_md(item.label)}", ""]
        info = [_md_code(code.id)]
        if code.parent:
            info.append(f"{_word('parent', lang)}: {_md_code(code.parent)}")
        if code.color:
            info.append(f"{_word('colour', lang)}: {code.color}")
        lines += [" · ".join(info), ""]
        for fld, shown in item.fields:
            lines.append(f"**{_word(fld, lang)}.**")
            for x, text in shown:
                marker = f" [{x}]" if x not in _langs(lang) else ""
                lines.append(f"{_md(text)}{marker}  " if lang == "both" else f"{_md(text)}{marker}")
            lines.append("")
        if code.examples:
            lines += [f"**{_word('examples', lang)}.**", ""]
            for ex in code.examples:
                lines += [f"> {_md(ex.quote)}  ", f"> — {_md(ex.source)}", ""]
        if item.rules:
            lines += [f"**{_word('rules', lang)}.**", ""]
            lines += [f"- {x}: {_md_code(r)}" for x, r in item.rules]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


_CSS = """body{font-family:system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;max-width:52em;margin:2em auto;
padding:0 1em;line-height:1.55;color:#222}code{background:#f3f3f3;padding:0 .25em;border-radius:3px}
.meta{color:#555;font-size:.92em}.swatch{display:inline-block;width:.9em;height:.9em;border:1px solid #999;
vertical-align:middle;margin-right:.3em}blockquote{border-left:3px solid #ccc;margin:.4em 0;padding:.1em .8em;
color:#333}blockquote footer{color:#666;font-size:.9em}dt{font-weight:600;margin-top:.6em}dd{margin-left:1.2em}
section.code{border-top:1px solid #e3e3e3;margin-top:1.2em}nav ul{padding-left:1.2em}"""


def _h(text: str) -> str:
    return html.escape(str(text), quote=True)


def _h_multiline(text: str) -> str:
    return "<br>\n".join(_h(line) for line in str(text).split("\n"))


def _anchor(code_id: str) -> str:
    return "code-" + re.sub(r"[^a-z0-9_.-]", "-", code_id)


@validate_params(choices={"lang": ("en", "ja", "both")})
def codebook_to_html(codebook: Codebook, *, lang: str = "both") -> str:
    """A codebook as a standalone HTML page for coder training (every text HTML-escaped).

    Parameters
    ----------
    codebook : Codebook
    lang : {"en", "ja", "both"}, keyword-only

    Example
    -------
    >>> from hsqual.codebook import Code, Codebook
    >>> cb = Codebook("demo", [Code(id="fear", label={"en": "Fear <violence>"},
    ...                             definition={"en": "Threats & attacks"})], title={"en": "Demo"})
    >>> page = codebook_to_html(cb, lang="en")
    >>> "Fear &lt;violence&gt;" in page, "Threats &amp; attacks" in page, "<violence>" in page
    (True, True, False)
    """
    doc = _outline(codebook, lang)
    html_lang = "ja" if lang == "ja" else "en"
    out = [f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">',
           f"<title>{_h(doc.title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>", f"<h1>{_h(doc.title)}</h1>"]
    meta = [f"{value} {_h(word)}" if kind == "count" else
            f"{_h(word)}{sep}" + (f"<code>{_h(value)}</code>" if kind == "code" else _h(value))
            for kind, word, sep, value in doc.meta]
    out.append(f'<p class="meta">{" · ".join(meta)}</p>')
    for text in doc.description:
        out.append(f"<p>{_h_multiline(text)}</p>")
    # contents
    out.append(f"<nav><h2>{_h(_word('contents', lang))}</h2>")
    depth_now = -1
    for item in doc.codes:
        while depth_now < item.depth:
            out.append("<ul>")
            depth_now += 1
        while depth_now > item.depth:
            out.append("</ul>")
            depth_now -= 1
        out.append(f'<li><a href="#{_anchor(item.code.id)}">{_h(item.label)}</a></li>')
    out.extend(["</ul>"] * (depth_now + 1))
    out.append("</nav>")
    for item in doc.codes:
        code = item.code
        level = min(2 + item.depth, 6)
        swatch = f'<span class="swatch" style="background:{_h(code.color)}"></span>' if code.color else ""
        out.append(f'<section class="code" id="{_anchor(code.id)}">')
        out.append(f"<h{level}>{swatch}{_h(item.label)}</h{level}>")
        info = [f"<code>{_h(code.id)}</code>"]
        if code.parent:
            info.append(f'{_h(_word("parent", lang))}: <a href="#{_anchor(code.parent)}"><code>{_h(code.parent)}</code></a>')
        if code.color:
            info.append(f"{_h(_word('colour', lang))}: {_h(code.color)}")
        out.append(f'<p class="meta">{" · ".join(info)}</p>\n<dl>')
        for fld, shown in item.fields:
            out.append(f"<dt>{_h(_word(fld, lang))}</dt>")
            for x, text in shown:
                out.append(f'<dd lang="{_h(x)}">{_h_multiline(text)}</dd>')
        if code.examples:
            out.append(f"<dt>{_h(_word('examples', lang))}</dt>\n<dd>")
            for ex in code.examples:
                out.append(f"<blockquote><p>{_h_multiline(ex.quote)}</p><footer>— {_h(ex.source)}</footer></blockquote>")
            out.append("</dd>")
        if item.rules:
            out.append(f"<dt>{_h(_word('rules', lang))}</dt>\n<dd><ul>")
            out.extend(f"<li>{_h(x)}: <code>{_h(r)}</code></li>" for x, r in item.rules)
            out.append("</ul></dd>")
        out.append("</dl>\n</section>")
    out.append("</body>\n</html>\n")
    return "\n".join(out)


@validate_params(choices={"lang": ("en", "ja", "both")})
def write_codebook_document(codebook: Codebook, path: str | os.PathLike, *, lang: str = "both") -> Path:
    """Write a codebook as a Markdown (``.md``) or HTML (``.html``) document, atomically.

    Example
    -------
    >>> import tempfile, pathlib
    >>> from hsqual.codebook import Code, Codebook
    >>> cb = Codebook("demo", [Code(id="fear", label={"en": "Fear", "ja": "恐怖"})], title={"en": "Demo"})
    >>> p = write_codebook_document(cb, pathlib.Path(tempfile.mkdtemp()) / "codebook.html")
    >>> "恐怖" in p.read_text(encoding="utf-8")
    True
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix in (".md", ".markdown"):
        text = codebook_to_markdown(codebook, lang=lang)
    elif suffix in (".html", ".htm"):
        text = codebook_to_html(codebook, lang=lang)
    else:
        raise ArgumentError(f"{target}: cannot tell the document format from suffix {suffix!r}; expected .md or .html")
    return write_text(text, target)


# ---------------------------------------------------------------------------------------
# Codebook YAML
# ---------------------------------------------------------------------------------------

_TODO = "TODO: not given in the imported file"


def _codebook_dict(codebook: Codebook, *, fill_missing: bool) -> dict[str, Any]:
    missing: list[str] = []
    langs = list(codebook.languages)
    top: dict[str, Any] = {"id": codebook.id, "version": codebook.version or None,
                           "title": {x: codebook.title[x] for x in langs if codebook.title.get(x)}}
    if codebook.languages != ("en", "ja"):
        top = {"id": codebook.id, "languages": langs, **{k: v for k, v in top.items() if k != "id"}}
    top["source"] = codebook.source or None
    if not top["version"]:
        missing.append("the codebook's version") if not fill_missing else None
        top["version"] = "1.0" if fill_missing else None
    for x in langs:
        if x not in top["title"]:
            if not fill_missing:
                missing.append(f"the codebook's title [{x}]")
            top["title"][x] = codebook.title.get("en") or codebook.id
    if not top["source"]:
        if not fill_missing:
            missing.append("the codebook's source")
        top["source"] = _TODO
    if codebook.description:
        top["description"] = {x: v for x, v in codebook.description.items() if v}
    codes = []
    for c in codebook.codes:
        item: dict[str, Any] = {"id": c.id}
        if c.parent:
            item["parent"] = c.parent
        item["label"] = {x: c.label[x] for x in [*langs, *c.label] if c.label.get(x)}
        for x in langs:
            if x not in item["label"]:
                if not fill_missing:
                    missing.append(f"code {c.id!r}: label [{x}]")
                item["label"][x] = c.label_for("en")
        for fld in _FIELDS:
            values = {x: v for x, v in getattr(c, fld).items() if v}
            if "en" not in values:
                if not fill_missing:
                    missing.append(f"code {c.id!r}: {fld} [en]")
                values = {"en": _TODO, **values}
            item[fld] = values
        if c.examples:
            item["examples"] = [{"quote": e.quote, "source": e.source} for e in c.examples]
        else:
            if not fill_missing:
                missing.append(f"code {c.id!r}: examples")
            item["examples"] = [{"quote": _TODO, "source": _TODO}]
        if any(c.rules.values()):
            item["rules"] = {x: list(r) for x, r in c.rules.items() if r}
        if c.color:
            item["color"] = c.color
        if c.groups:
            item["groups"] = list(c.groups)
        codes.append(item)
    if missing:
        shown = "; ".join(missing[:8]) + (f" (and {len(missing) - 8} more)" if len(missing) > 8 else "")
        raise CodebookError(f"cannot write codebook {codebook.id!r}: missing {shown}; "
                            "fill them in, or pass fill_missing=True to write TODO placeholders")
    top["codes"] = codes
    return top


@validate_params()
def write_codebook_yaml(codebook: Codebook, path: str | os.PathLike, *, fill_missing: bool = False) -> Path:
    """Write one codebook as a YAML file that :func:`hsqual.load_codebook` reads back equal.

    The codes' paraphrases go to ``paraphrases/<name>.tsv`` beside the file, where
    :func:`hsqual.load_codebook` finds them (:func:`hsqual.paraphrases.write_paraphrases`:
    a paraphrase file left there by an earlier version is removed when the codebook has none).

    Parameters
    ----------
    codebook : Codebook
        A single codebook (for several loaded together use :func:`write_codebooks_yaml`).
    path : str or PathLike
    fill_missing : bool, keyword-only
        A codebook file needs, per code, labels in every language, an English definition,
        when to use, when not to use and an example. Codes imported from another tool often
        lack them: ``True`` writes ``"TODO: not given in the imported file"`` there (the file
        loads, and the TODOs show what to fill in); ``False`` (default) raises
        :class:`~hsqual.errors.CodebookError` listing what is missing.

    Example
    -------
    >>> import tempfile, pathlib
    >>> from hsqual.codebook import Code, Codebook, Example, load_codebook
    >>> code = Code(id="fear", label={"en": "Freedom from fear", "ja": "恐怖からの自由"},
    ...             definition={"en": "Violent threats."}, when_to_use={"en": "Violence is named."},
    ...             when_not_to_use={"en": "Economic risk only."},
    ...             examples=(Example("fear of violence", "Kurusu 2015, §7"),), codebook="demo")
    >>> cb = Codebook("demo", [code], version="1.0", title={"en": "Demo", "ja": "デモ"}, source="Kurusu 2015")
    >>> p = write_codebook_yaml(cb, pathlib.Path(tempfile.mkdtemp()) / "demo.yaml")
    >>> load_codebook(p, check_rules=False)["fear"].label["ja"]
    '恐怖からの自由'
    """
    from .yamlio import dump_yaml

    if not isinstance(codebook, Codebook):
        raise ArgumentError(f"write_codebook_yaml: expected a Codebook, not {type(codebook).__name__}")
    if codebook.parts:
        raise CodebookError(f"codebook {codebook.id!r} joins {len(codebook.parts)} codebooks; "
                            "write them one a file with write_codebooks_yaml(codebook, folder)")
    if not re.fullmatch(r"[a-z0-9_]+", codebook.id):
        raise CodebookError(f"codebook id {codebook.id!r} must be lower-case letters, digits and _")
    data = _codebook_dict(codebook, fill_missing=fill_missing)
    text = dump_yaml(data, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)
    from .paraphrases import check_paraphrases, write_paraphrases

    check_paraphrases(codebook)  # before anything is written
    written = write_text(text, path)
    write_paraphrases(codebook, written)
    return written


def write_codebooks_yaml(codebook: Codebook, out_dir: str | os.PathLike, *, fill_missing: bool = False) -> list[Path]:
    """Write each codebook of a (possibly merged) codebook as ``out_dir/<id>.yaml``.

    Example
    -------
    >>> import tempfile
    >>> from hsqual.codebook import load_codebooks
    >>> from hsqual.resources import bundled_codebooks
    >>> paths = write_codebooks_yaml(load_codebooks(bundled_codebooks()), tempfile.mkdtemp())
    >>> sorted(p.name for p in paths) == sorted(p.name for p in bundled_codebooks())
    True
    """
    parts = codebook.parts or (codebook,)
    return [write_codebook_yaml(p, Path(out_dir) / f"{p.id}.yaml", fill_missing=fill_missing) for p in parts]
