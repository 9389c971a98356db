"""Checking REFI-QDA files against XML schemas: hsqual's own (``hsqual/schemas``) or the
official ones in a folder named by ``HSQUAL_REFIQDA_SCHEMAS``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..codebook import Code, Codebook, Example
from ..errors import ArgumentError, ExchangeError
from ..zipsafe import ZipLimits, open_zip_safely, read_zip_member
from .qdc import read_limited
from .xmltools import NS_CODEBOOK, NS_PROJECT, canonical_ns, parse_xml, split_tag

# ---------------------------------------------------------------------------------------
# Schema check
# ---------------------------------------------------------------------------------------

_SCHEMAS = {"qdc": "hsqual-qdc.xsd", "qde": "hsqual-qde.xsd"}


def schema_path(kind: str) -> Path:
    """The XML schema of what hsqual writes: ``"qdc"`` (codebook) or ``"qde"`` (project).

    Example
    -------
    >>> schema_path("qde").name
    'hsqual-qde.xsd'
    """
    if kind not in _SCHEMAS:
        raise ArgumentError(f"schema_path: kind must be 'qdc' or 'qde', not {kind!r}")
    return Path(__file__).resolve().parent.parent / "schemas" / _SCHEMAS[kind]


SCHEMA_DIR_VARIABLE = "HSQUAL_REFIQDA_SCHEMAS"
"""Environment variable naming a folder with the official REFI-QDA schemas (used by :func:`schema_errors`)."""


def schema_errors(path: str | os.PathLike, *, limits: ZipLimits | None = None,
                  schema_dir: str | os.PathLike | None = None) -> list[str]:
    """Check a ``.qdc`` or ``.qdpx`` file against a REFI-QDA schema.

    The file is parsed safely first (see :func:`import_qdpx`); returns one message per
    problem, empty when the file is valid. A vendor's namespace variant
    (``urn:QDA-XML:project:1:0``) is read as the standard's.

    Parameters
    ----------
    path : str or PathLike
    limits : ZipLimits, optional, keyword-only
    schema_dir : str or PathLike, optional, keyword-only
        A folder holding the official schemas (the standard's ``Project.xsd`` and
        ``Codebook.xsd``, recognised by their target namespace). Default: the folder in the
        ``HSQUAL_REFIQDA_SCHEMAS`` environment variable, else hsqual's own schemas
        (:func:`schema_path`), which accept everything the standard allows on the elements
        hsqual reads and leave pictures, PDF, audio, video, links and graphs unchecked.

    Raises
    ------
    ExchangeError
        The file cannot be read safely, or ``schema_dir`` holds no schema for its kind.

    Example
    -------
    >>> import tempfile, pathlib
    >>> from hsqual.codebook import Code, Codebook
    >>> from hsqual.refiqda import export_qdc
    >>> p = export_qdc(Codebook("demo", [Code(id="fear", label={"en": "Fear"})], title={"en": "Demo"}),
    ...                pathlib.Path(tempfile.mkdtemp()) / "demo.qdc")
    >>> schema_errors(p)
    []
    """
    p = Path(path)
    if p.suffix.lower() == ".qdpx":
        with open_zip_safely(p, path=p, limits=limits) as zf:
            data = read_zip_member(zf, "project.qde", path=p, budget=(limits or ZipLimits()).max_total_bytes)
        kind, root = "qde", parse_xml(data, path=p, what="project.qde")
    else:
        kind, root = "qdc", parse_xml(read_limited(p, 256 << 20), path=p, what="codebook")
    ns = split_tag(root.tag)[0]
    canonical = canonical_ns(ns)
    if canonical and canonical != ns:  # a vendor's variant: check it as the standard's namespace
        prefix, new = f"{{{ns}}}", f"{{{canonical}}}"
        for el in root.iter():
            if isinstance(el.tag, str) and el.tag.startswith(prefix):
                el.tag = new + el.tag[len(prefix):]
    if schema_dir is None:
        schema_dir = os.environ.get(SCHEMA_DIR_VARIABLE) or None
    schema = _schema(kind) if schema_dir is None else _official_schema(kind, Path(schema_dir))
    return [f"{e.path or '/'}: {e.reason}" for e in schema.iter_errors(root)]


_schema_cache: dict[Any, Any] = {}


def _schema(kind: str):
    import xmlschema

    if kind not in _schema_cache:
        _schema_cache[kind] = xmlschema.XMLSchema(str(schema_path(kind)))
    return _schema_cache[kind]


def _official_schema(kind: str, folder: Path):
    """The schema in ``folder`` whose target namespace is the standard's for ``kind``."""
    import xmlschema

    want = NS_PROJECT if kind == "qde" else NS_CODEBOOK
    if not folder.is_dir():
        raise ExchangeError(f"the schema folder does not exist; expected a folder with the REFI-QDA schemas "
                            f"(Project.xsd, Codebook.xsd)", path=folder)
    for xsd in sorted(folder.iterdir(), key=lambda f: (f.stem.lower() not in ("project", "codebook"), f.name)):
        if xsd.suffix.lower() != ".xsd" or not xsd.is_file():
            continue
        try:
            head = parse_xml(read_limited(xsd, 16 << 20), path=xsd, what="schema")
        except ExchangeError:
            continue
        if head.get("targetNamespace") != want:
            continue
        key = (str(xsd.resolve()), xsd.stat().st_mtime_ns)
        if key not in _schema_cache:
            try:
                _schema_cache[key] = xmlschema.XMLSchema(str(xsd), allow="local")
            except (xmlschema.XMLSchemaException, OSError) as exc:
                raise ExchangeError(f"not a usable XML schema ({str(exc).splitlines()[0]})", path=xsd) from None
        return _schema_cache[key]
    raise ExchangeError(f"no schema with target namespace {want!r} in this folder (expected the standard's "
                        f"{'Project' if kind == 'qde' else 'Codebook'}.xsd)", path=folder)
