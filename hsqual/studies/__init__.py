"""Studies whose tables hsqual rebuilds from bundled data (``hsqual.studies.kurusu2015``)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__all__ = ["kurusu2015"]

if TYPE_CHECKING:  # what __getattr__ loads on first use, for type checkers and IDEs
    from . import kurusu2015 as kurusu2015
else:
    def __getattr__(name: str):
        if name in __all__:
            module = importlib.import_module(f".{name}", __name__)
            globals()[name] = module
            return module
        raise AttributeError(f"module 'hsqual.studies' has no attribute {name!r}")
