"""Where hsqual's bundled data lives.

The codebooks (``codebooks/``) and study data (``transcripts/``) sit at the top of a clone; an
installed wheel carries them inside the package as ``hsqual/bundled/``. These functions find
them in either case.

Example
-------
>>> bundled_path("codebooks").name
'codebooks'
>>> study_dir("kurusu2015").name
'kurusu2015'
"""

from __future__ import annotations

from pathlib import Path

from .errors import ArgumentError, StudyError
from .params import validate_params

__all__ = ["bundled_path", "bundled_codebooks", "study_dir"]

_PACKAGE = Path(__file__).resolve().parent
_KINDS = ("codebooks", "transcripts")


def bundled_path(kind: str) -> Path:
    """The folder of bundled ``codebooks`` or ``transcripts``.

    Inside an installed wheel it is ``hsqual/bundled/<kind>``; in a clone (or an editable
    install) it is ``<repo>/<kind>``.

    Example
    -------
    >>> (bundled_path("codebooks") / "three_freedoms.yaml").is_file()
    True
    """
    if kind not in _KINDS:
        raise ArgumentError(f"bundled_path: kind must be one of {_KINDS}, not {kind!r}")
    for candidate in (_PACKAGE / "bundled" / kind, _PACKAGE.parent / kind):
        if candidate.is_dir():
            return candidate
    raise StudyError(
        f"the bundled {kind!r} folder is missing (looked in {_PACKAGE / 'bundled'} and "
        f"{_PACKAGE.parent}); reinstall hsqual"
    )


@validate_params()
def bundled_codebooks() -> list[Path]:
    """The bundled codebook files, sorted by name.

    Example
    -------
    >>> [p.name for p in bundled_codebooks()]  # doctest: +NORMALIZE_WHITESPACE
    ['added_value.yaml', 'kurusu2015_themes.yaml', 'protection_empowerment.yaml',
     'three_freedoms.yaml']
    """
    return sorted(bundled_path("codebooks").glob("*.yaml"))


@validate_params()
def study_dir(name: str) -> Path:
    """The data folder of a bundled study, e.g. ``study_dir("kurusu2015")``.

    Example
    -------
    >>> (study_dir("kurusu2015") / "excerpts.csv").is_file()
    True
    """
    path = bundled_path("transcripts") / name
    if not path.is_dir():
        raise StudyError(f"no bundled study {name!r} (looked for {path})")
    return path
