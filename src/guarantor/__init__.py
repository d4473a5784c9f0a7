"""guarantor: multilateral security guarantees as code."""

__version__ = "0.1.0"
