"""Fixtures of the report room: a SYNTHETIC scenario the project generates, and a ledger with tokens."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
AGREEMENT = REPO / "examples" / "agreements" / "aug2025_article5_like.yaml"
NEGOTIATION = REPO / "examples" / "negotiation" / "ukraine-2025.yaml"


@dataclass(frozen=True)
class Synthetic:
    snapshots: Path
    border: Path
    agreement: Path
    negotiation: Path


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Synthetic:
    """Thirty days of Synthland snapshots (an advance beyond the line from day 10) and a border."""
    from guarantor.territory.synthetic import write_synthetic

    scenario = write_synthetic(tmp_path_factory.mktemp("synthland"), days=30)
    return Synthetic(scenario.snapshots, scenario.border, AGREEMENT, NEGOTIATION)
