"""The stability concepts of the graph model, by kind (and horizon, for limited-move stability)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from guarantor.errors import UserError


class ConceptKind(StrEnum):
    """A kind of stability: what the focal decision maker assumes about the others' replies."""

    nash = "nash"
    gmr = "gmr"
    smr = "smr"
    seq = "seq"
    sim = "sim"
    seq_sim = "seq+sim"
    limited_move = "l"
    non_myopic = "nm"


@dataclass(frozen=True)
class Concept:
    """A stability concept; `horizon` is the number of anticipated moves of L_h (else 0)."""

    kind: ConceptKind
    horizon: int = 0

    def __str__(self) -> str:
        if self.kind is ConceptKind.limited_move:
            return f"l{self.horizon}"
        return self.kind.value

    @property
    def needs_options(self) -> bool:
        """Whether the concept is defined only for models written with options (joint moves)."""
        return self.kind in (ConceptKind.sim, ConceptKind.seq_sim)

    @property
    def two_dms_only(self) -> bool:
        """Whether the concept is defined here only for two decision makers."""
        return self.kind in (ConceptKind.limited_move, ConceptKind.non_myopic)

    @property
    def sanctioned(self) -> bool:
        """Whether a unilateral improvement can be deterred by the others' replies (not Nash)."""
        return self.kind is not ConceptKind.nash and not self.two_dms_only

    @staticmethod
    def parse(text: str) -> Concept:
        """A concept from its name: nash, gmr, smr, seq, sim, seq+sim, l<h> (e.g. l2) or nm."""
        word = text.strip().lower()
        if word.startswith("l") and word[1:].isdigit():
            horizon = int(word[1:])
            if horizon < 1:
                raise UserError("the horizon of limited-move stability must be at least 1")
            return Concept(ConceptKind.limited_move, horizon)
        if word != "l" and word in {k.value for k in ConceptKind}:
            return Concept(ConceptKind(word))
        raise UserError(
            f"unknown stability concept {text!r}; use {', '.join(str(c) for c in CONCEPTS)}, "
            "l<h> (e.g. l2), nm or all"
        )


NASH = Concept(ConceptKind.nash)
GMR = Concept(ConceptKind.gmr)
SMR = Concept(ConceptKind.smr)
SEQ = Concept(ConceptKind.seq)
SIM = Concept(ConceptKind.sim)
SEQ_SIM = Concept(ConceptKind.seq_sim)
NON_MYOPIC = Concept(ConceptKind.non_myopic)
CONCEPTS: tuple[Concept, ...] = (NASH, GMR, SMR, SEQ, SIM, SEQ_SIM)
"""The concepts computed by default: the ones defined for any number of decision makers."""


def parse_concepts(text: str, n_dms: int) -> tuple[Concept, ...]:
    """A comma list of concepts; `all` is the default six plus L2 and NM for two DMs."""
    if text.strip().lower() == "all":
        extra = (Concept(ConceptKind.limited_move, 2), NON_MYOPIC) if n_dms == 2 else ()
        return (*CONCEPTS, *extra)
    items = tuple(Concept.parse(c) for c in text.split(",") if c.strip())
    if not items:
        raise UserError("name at least one stability concept")
    return tuple(dict.fromkeys(items))
