"""Settling undetermined levels: the determining body's procedure runs from their onset."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from guarantor.model import Agreement
from guarantor.monitor.result import Resolution, Undetermined
from guarantor.obligations.decisions import DecisionStatus, decide, procedure_of
from guarantor.sources.acts import ActLog


def settle_undetermined(
    agreement: Agreement,
    undetermined: Sequence[Undetermined],
    acts: ActLog,
    as_of: datetime,
    assume_votes: bool = True,
) -> list[Resolution]:
    """Resolutions from the determinations the undetermined levels call for.

    Each undetermined run of a level whose trigger names a determination opens that body's
    procedure at its onset; a decision adopted (on recorded acts, or assumed when
    `assume_votes` and none were recorded) settles the run's unknowns from the decision on.
    Runs without a determining body stay undetermined: nobody can settle them.
    """
    by_id = {d.id: d for d in agreement.determinations}
    out: list[Resolution] = []
    for u in undetermined:
        if u.resolved_by is None:
            continue
        det = by_id.get(u.resolved_by.determination)
        if det is None:
            continue
        members = next((list(b.members) for b in agreement.bodies if b.id == det.body), [])
        proc = procedure_of(agreement, det)
        if proc is None:  # no procedure named: only a replay that assumes decisions takes it
            if not assume_votes:
                continue
            time, assumed = u.time, True
        else:
            decision = decide(agreement, proc, u.time, acts, as_of, members, assume_votes)
            if decision.status is not DecisionStatus.adopted or decision.time is None:
                continue
            time, assumed = decision.time, decision.assumed
        if u.ends is not None and time >= u.ends:
            continue  # decided only after the level had stopped holding
        out.append(Resolution(u.trigger, u.level, time, True, det.body, det.id, u.ends, assumed))
    return out
