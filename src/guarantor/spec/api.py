"""The spec room for Python: load an agreement file."""

from __future__ import annotations

from guarantor.spec.load import load_agreement

__all__ = ["load_agreement"]
