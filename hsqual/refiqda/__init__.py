"""REFI-QDA exchange: codebooks (``.qdc``) and projects (``.qdpx``) shared with other QDA tools.

The REFI-QDA standard (QDA-XML 1.0, www.qdasoftware.org) is read by ATLAS.ti, MAXQDA, NVivo,
QualCoder, Quirkos, Transana and others. Two files:

* **Codebook Exchange** ``.qdc``: an XML ``CodeBook`` (namespace ``urn:QDA-XML:codebook:1.0``)
  holding nested ``Code`` elements (name, colour, description) and ``Set`` elements.
* **Project Exchange** ``.qdpx``: a zip holding ``project.qde`` (an XML ``Project``, namespace
  ``urn:QDA-XML:project:1.0``) and ``sources/`` with the documents as UTF-8 plain text.
  Codings are ``PlainTextSelection`` elements with ``startPosition``/``endPosition`` in
  Unicode code points, each holding a ``Coding`` with a ``CodeRef``; coders are ``User``
  elements; document metadata becomes typed ``Variable`` values and ``Case`` elements.

How hsqual's records map onto the standard
------------------------------------------
* A code is a ``Code`` whose ``name`` is its English label (the first language's when there
  is no English one) and whose GUID is derived from the code id (UUID 5), so exporting the
  same codebook twice gives the same file. The parent/child hierarchy is the nesting.
* REFI-QDA gives a code one ``Description``. hsqual writes there, as labelled sections a
  person can read in any tool, everything else a code holds::

      ## Code id
      freedoms.fear
      ## Label (ja)
      恐怖からの自由
      ## Definition (en)
      ...
      ## When to use (en) / ## When not to use (en) / ## Example 1 / ## Example 1 source
      ## Rule 1 (en)
      ## Paraphrase 1 (ja) / ## Paraphrase 2 (ja, not)

  A line of the user's text starting ``## `` or ``\\`` is written with a ``\\`` in front, so
  the sections read back exactly. A description without sections (from another tool) becomes
  the English definition.
* A codebook is a ``Set`` (REFI-QDA's grouping of codes) whose description holds the
  codebook's id, version, title, source and languages, and whose members are its codes in
  file order; several codebooks loaded together become several sets.
* A coding is one ``PlainTextSelection`` (its ``name`` is the quoted text) with one
  ``Coding``; its segment, rule and extra columns go in the selection's description, its memo
  in a ``Note``.
* REFI-QDA has no element for segments (turns, paragraphs, ...). hsqual writes a document's
  segments in its ``TextSource``'s ``Description``, one segment a line as JSON
  ``[segment_id, kind, start, end, speaker]`` (offsets in code points) under a
  ``## Segments`` heading, so that segments and the codings' ``segment_id`` come back as they
  were. A source without that section (a file from another tool, or one whose text no longer
  fits the list) is cut again as :func:`hsqual.transcripts.load_corpus` does (speaker turns,
  else paragraphs) and each of its codings gets the segment its start offset lies in.

Importing is safe with files from anywhere: XML is parsed with defusedxml with DTDs refused
(no entity expansion, no external entities) and elements nested at most
:data:`MAX_XML_DEPTH` deep, JSON in variables at most :data:`MAX_JSON_DEPTH` deep; the zip
archive is checked by :mod:`hsqual.zipsafe` (entry names, count, total uncompressed size,
compression ratio per entry and for the whole archive). Sources are read from inside the
archive only, from ``sources/`` however the tool cased it (NVivo for Windows writes
``Sources/``). Selection positions must be whole numbers in ASCII digits within the text;
GUIDs used twice (codes: refused; sources, selections, users: reported) are named. Vendors'
namespace variants (``urn:QDA-XML:codebook:1:0`` from NVivo for Mac, draft ``0:4``) are read
as the standard's. Code groups (``Set`` elements that are not hsqual codebooks, as ATLAS.ti
and MAXQDA write them) become the codes' ``groups`` and are written back as sets.

Other tools count selection offsets differently (UTF-8 bytes, UTF-16 code units, or with
CRLF counted as one character; NVivo counts UTF-16 units and writes no quotes).
:func:`import_qdpx` converts explicitly (``offsets=``) or works out which convention the file
used, on the file's quotes, selections on word and line boundaries and the exporting tool,
and says which and why in ``codings.attrs["refiqda"]``; when nothing tells two readings
apart it lists them there and as a problem, never choosing silently.

Example
-------
>>> import tempfile, pathlib
>>> from hsqual.codebook import Code, Codebook, Example
>>> cb = Codebook("demo", [Code(id="fear", label={"en": "Freedom from fear", "ja": "恐怖からの自由"},
...                             definition={"en": "Violent threats to people."},
...                             examples=(Example("fear of violence", "Kurusu 2015, §7"),))],
...               version="1", title={"en": "Demo"}, source="Kurusu 2015")
>>> path = export_qdc(cb, pathlib.Path(tempfile.mkdtemp()) / "demo.qdc")
>>> back = import_qdc(path)
>>> back["fear"].label["ja"], back["fear"].examples[0].source
('恐怖からの自由', 'Kurusu 2015, §7')

Modules
-------
* :mod:`hsqual.refiqda.qdc`: codebooks, ``export_qdc`` / ``import_qdc``;
* :mod:`hsqual.refiqda.qdpx`: projects, ``export_qdpx`` / ``import_qdpx``;
* :mod:`hsqual.refiqda.offsets`: the offset conventions tools use and their detection;
* :mod:`hsqual.refiqda.schema`: checks against XML schemas;
* :mod:`hsqual.refiqda.xmltools`: the XML helpers they share.
"""

from __future__ import annotations

from .xmltools import NS_CODEBOOK, MAX_JSON_DEPTH, MAX_XML_DEPTH, NS_PROJECT, code_guid
from .offsets import OFFSET_CONVENTIONS
from .qdc import export_qdc, import_qdc
from .qdpx import export_qdpx, import_qdpx
from .schema import schema_errors, schema_path, SCHEMA_DIR_VARIABLE
from ..zipsafe import ZipLimits, open_zip_safely, read_zip_member

__all__ = [
    "NS_CODEBOOK",
    "MAX_JSON_DEPTH",
    "MAX_XML_DEPTH",
    "NS_PROJECT",
    "OFFSET_CONVENTIONS",
    "ZipLimits",
    "code_guid",
    "export_qdc",
    "import_qdc",
    "export_qdpx",
    "import_qdpx",
    "open_zip_safely",
    "read_zip_member",
    "schema_errors",
    "schema_path",
    "SCHEMA_DIR_VARIABLE",
]
