"""The typed domain model of a guarantee (no I/O, imports nothing else of guarantor)."""

from guarantor.model.agreement import SCHEMA_VERSION, Agreement
from guarantor.model.common import Clause, Clock, Document, Duration, SourceRef, TimeUnit
from guarantor.model.deadline import Deadline
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
from guarantor.model.enactment import Enactment, EnactmentKind, EnactmentStep
from guarantor.model.forfeiture import Forfeiture
from guarantor.model.lifecycle import BindingNature, EntryIntoForce, Lifecycle, Status, Term
from guarantor.model.line import AgreedLine
from guarantor.model.milestones import Milestone, MilestoneStatus
from guarantor.model.monitoring import MonitoringArrangement
from guarantor.model.obligations import ActionKind, Modality, Obligation, Opening
from guarantor.model.parties import Body, Party, PartyKind, Role, RoleKind
from guarantor.model.party_names import PartyEntry, PartyNames, UnknownParty
from guarantor.model.pledges import Caveat, Pledge
from guarantor.model.response import (
    CapabilityNeed,
    LadderStep,
    ResponseLadder,
    Sanctions,
    SanctionsMode,
    Where,
)
from guarantor.model.standing import (
    Ceiling,
    FinancingInstrument,
    Funding,
    Presence,
    Reporting,
    StandingKind,
    StandingObligation,
    Start,
    StartKind,
)
from guarantor.model.triggers import (
    ActObserved,
    AirspaceViolation,
    ArmedAttack,
    Intensity,
    Level,
    Location,
    NotEnacted,
    Predicate,
    TerritorialSeizure,
    Threat,
    Trigger,
    TriggerLevel,
)

__all__ = [
    "SCHEMA_VERSION",
    "ActObserved",
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
    "Ceiling",
    "Clause",
    "Clock",
    "Consensus",
    "Deadline",
    "DecisionProcedure",
    "Determination",
    "Document",
    "Duration",
    "EachParty",
    "Enactment",
    "EnactmentKind",
    "EnactmentStep",
    "EntryIntoForce",
    "FinancingInstrument",
    "Forfeiture",
    "Funding",
    "Intensity",
    "LadderStep",
    "Level",
    "Lifecycle",
    "Location",
    "Milestone",
    "MilestoneStatus",
    "Modality",
    "MonitoringArrangement",
    "NotEnacted",
    "Obligation",
    "Opening",
    "Party",
    "PartyEntry",
    "PartyKind",
    "PartyNames",
    "Pledge",
    "Predicate",
    "Presence",
    "QualifiedMajority",
    "Reporting",
    "ResponseLadder",
    "Role",
    "RoleKind",
    "Sanctions",
    "SanctionsMode",
    "Silence",
    "SourceRef",
    "StandingKind",
    "StandingObligation",
    "Start",
    "StartKind",
    "Status",
    "Term",
    "TerritorialSeizure",
    "Threat",
    "TimeUnit",
    "Trigger",
    "TriggerLevel",
    "UnilateralAfterConsultation",
    "UnknownParty",
    "Where",
]
