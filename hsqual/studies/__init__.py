"""Studies whose tables hsqual rebuilds from bundled data (``hsqual.studies.kurusu2015``)."""

from __future__ import annotations

import importlib

__all__ = ["kurusu2015"]


def __getattr__(name: str):
    if name in __all__:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'hsqual.studies' has no attribute {name!r}")
