"""guarantor: multilateral security guarantees as code."""

__version__ = "0.1.0"

# The rooms, upstream first: each imports only rooms before it (tests/test_architecture.py).
FLOW: tuple[str, ...] = (
    "model",
    "rules",
    "spec",
    "sources",
    "territory",
    "monitor",
    "obligations",
    "respond",
    "ledger",
    "watch",
    "negotiate",
    "simulate",
    "report",
    "api",
)

# The Python API (docs/python.md): `import guarantor as g; g.area_on("2025-06-01")`. Each name is
# imported from its room when first used, so `import guarantor` (and `guarantor --help`) stays light.
_PUBLIC: dict[str, str] = {
    "load_agreement": "guarantor.spec.api",
    "read_snapshots": "guarantor.territory.api",
    "area_on": "guarantor.territory.api",
    "changes_between": "guarantor.territory.api",
    "area_series": "guarantor.territory.api",
    "violations": "guarantor.territory.api",
    "places": "guarantor.territory.api",
    "gazetteer": "guarantor.territory.api",
    "write_export": "guarantor.territory.api",
    "replay": "guarantor.obligations.api",
    "plan_response": "guarantor.respond.api",
    "read_ledger": "guarantor.ledger.api",
    "import_kiel_tracker": "guarantor.ledger.api",
}

__all__ = ["FLOW", "__version__", *_PUBLIC]


def __getattr__(name: str) -> object:
    """Import a public name from its room on first use."""
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'guarantor' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})
