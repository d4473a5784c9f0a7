"""The typed domain model of a guarantee (no I/O, imports nothing else of guarantor)."""

from guarantor.model.agreement import SCHEMA_VERSION, Agreement
from guarantor.model.common import Clause, Clock, Document, Duration, SourceRef, TimeUnit
from guarantor.model.decisions import (
    ApprovalGate,
    Consensus,
    DecisionProcedure,
    EachParty,
    QualifiedMajority,
    Silence,
    UnilateralAfterConsultation,
)
from guarantor.model.determination import Determination
from guarantor.model.forfeiture import Forfeiture
from guarantor.model.lifecycle import BindingNature, EntryIntoForce, Lifecycle, Status, Term
from guarantor.model.line import AgreedLine
from guarantor.model.monitoring import MonitoringArrangement
from guarantor.model.obligations import ActionKind, Deadline, Modality, Obligation, Opening
from guarantor.model.parties import Body, Party, PartyKind, Role, RoleKind
from guarantor.model.pledges import Caveat, Pledge
from guarantor.model.response import CapabilityNeed, LadderStep, ResponseLadder, Where
from guarantor.model.triggers import (
    AirspaceViolation,
    ArmedAttack,
    Intensity,
    Level,
    Location,
    Predicate,
    TerritorialSeizure,
    Threat,
    Trigger,
    TriggerLevel,
)

__all__ = [
    "SCHEMA_VERSION",
    "ActionKind",
    "AgreedLine",
    "Agreement",
    "AirspaceViolation",
    "ApprovalGate",
    "ArmedAttack",
    "BindingNature",
    "Body",
    "CapabilityNeed",
    "Caveat",
    "Clause",
    "Clock",
    "Consensus",
    "Deadline",
    "DecisionProcedure",
    "Determination",
    "Document",
    "Duration",
    "EachParty",
    "EntryIntoForce",
    "Forfeiture",
    "Intensity",
    "LadderStep",
    "Level",
    "Lifecycle",
    "Location",
    "Modality",
    "MonitoringArrangement",
    "Obligation",
    "Opening",
    "Party",
    "PartyKind",
    "Pledge",
    "Predicate",
    "QualifiedMajority",
    "ResponseLadder",
    "Role",
    "RoleKind",
    "Silence",
    "SourceRef",
    "Status",
    "Term",
    "TerritorialSeizure",
    "Threat",
    "TimeUnit",
    "Trigger",
    "TriggerLevel",
    "UnilateralAfterConsultation",
    "Where",
]
