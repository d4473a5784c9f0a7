"""The one compiled meaning of an agreement: typed predicate plan, three-valued logic, traces.

`compile_agreement` is the only walker of the YAML predicate tree; every other room reads the
`RulePlan` it returns.
"""

from guarantor.rules.compile import compile_agreement
from guarantor.rules.logic import Truth, evaluate, evaluate_arrays
from guarantor.rules.plan import (
    Attribute,
    Beyond,
    CompiledLevel,
    CompiledTrigger,
    EventType,
    Inside,
    Leaf,
    LeafKind,
    Link,
    LinkKind,
    Measure,
    Node,
    NodeKind,
    Place,
    Provenance,
    RequestBy,
    Requirement,
    Resolver,
    RulePlan,
    StandingLink,
)
from guarantor.rules.trace import (
    TRACE_VERSION,
    Comparison,
    LeafTrace,
    LevelTrace,
    TraceKind,
    Unknown,
    UnknownReason,
)

__all__ = [
    "TRACE_VERSION",
    "Attribute",
    "Beyond",
    "Comparison",
    "CompiledLevel",
    "CompiledTrigger",
    "EventType",
    "Inside",
    "Leaf",
    "LeafKind",
    "LeafTrace",
    "LevelTrace",
    "Link",
    "LinkKind",
    "Measure",
    "Node",
    "NodeKind",
    "Place",
    "Provenance",
    "RequestBy",
    "Requirement",
    "Resolver",
    "RulePlan",
    "StandingLink",
    "TraceKind",
    "Truth",
    "Unknown",
    "UnknownReason",
    "compile_agreement",
    "evaluate",
    "evaluate_arrays",
]
