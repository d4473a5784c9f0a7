"""Typer's help renderer without the two rich modules it imports and guarantor never uses.

`typer.rich_utils` imports `rich.markdown` (markdown-it, about 50 ms of CPU) and
`rich.traceback` (about 25 ms) at its top, for markdown help text and pretty tracebacks; guarantor
writes its help in rich markup and turns pretty tracebacks off, so every `--help` paid a third of
its start-up for neither. While rich_utils is first imported, the two names are stand-ins that
import the real class if they are ever called; the real modules load normally afterwards.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any


def _stand_in(module: str, name: str) -> type:
    """A class that becomes the real `module.name` when instantiated or asked for an attribute."""

    def real() -> Any:
        return getattr(importlib.import_module(module), name)

    class Meta(type):
        def __getattr__(cls, attr: str) -> Any:
            return getattr(real(), attr)

    class StandIn(metaclass=Meta):
        def __new__(cls, *args: Any, **kwargs: Any) -> Any:
            return real()(*args, **kwargs)

    StandIn.__name__ = StandIn.__qualname__ = name
    return StandIn


def import_rich_utils() -> None:
    """Import typer.rich_utils with stand-ins for rich.markdown and rich.traceback (once)."""
    if "typer.rich_utils" in sys.modules:
        return
    stubbed = []
    for module, name in (("rich.markdown", "Markdown"), ("rich.traceback", "Traceback")):
        if module not in sys.modules:
            stub = types.ModuleType(module)
            setattr(stub, name, _stand_in(module, name))
            sys.modules[module] = stub
            stubbed.append(module)
    try:
        importlib.import_module("typer.rich_utils")
    finally:
        for module in stubbed:  # later imports get the real modules
            del sys.modules[module]
