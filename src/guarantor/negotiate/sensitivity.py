"""Sensitivity analysis: equilibria across alternative preferences, irreversibility and concepts."""

from __future__ import annotations

import itertools
from typing import Any

from guarantor.errors import UserError
from guarantor.negotiate.conflict import Conflict
from guarantor.negotiate.stability import CONCEPTS, Engine

MAX_SCENARIOS = 4096


def scenarios(
    conflict: Conflict, flip: list[str]
) -> list[tuple[dict[str, str], tuple[str, ...], str]]:
    """Every combination of preference alternatives and direction assumptions, with a label."""
    if flip and conflict.options is None:
        raise UserError("--flip needs a model written with options")
    names = list(conflict.options.names) if conflict.options else []
    for f in flip:
        if f not in names:
            raise UserError(f"--flip names unknown option {f!r}")
    choices = [[("base", "")] + [(a, a) for a, _ in dm.alternatives] for dm in conflict.dms]
    out = []
    base_dirs = conflict.options.directions if conflict.options else ()
    for pref_combo in itertools.product(*choices):
        for flips in itertools.product([False, True], repeat=len(flip)):
            dirs = list(base_dirs)
            parts = [
                f"{dm.name}={label}"
                for dm, (label, _) in zip(conflict.dms, pref_combo, strict=True)
                if label != "base"
            ]
            for f, on in zip(flip, flips, strict=True):
                if on:
                    k = names.index(f)
                    dirs[k] = "both" if dirs[k] != "both" else "fwd"
                    parts.append(f"{f}:{dirs[k]}")
            choice = {
                dm.name: alt for dm, (_, alt) in zip(conflict.dms, pref_combo, strict=True) if alt
            }
            out.append((choice, tuple(dirs), ", ".join(parts) or "base"))
    if len(out) > MAX_SCENARIOS:
        raise UserError(f"{len(out)} scenarios: at most {MAX_SCENARIOS}")
    return out


def sensitivity(
    conflict: Conflict, concepts: tuple[str, ...] = CONCEPTS, flip: list[str] | None = None
) -> dict[str, Any]:
    """Equilibria per scenario and concept, and for each state how often it is an equilibrium."""
    runs = []
    counts: dict[int, dict[str, int]] = {}
    labels: dict[int, str] = {}
    for choice, dirs, label in scenarios(conflict, flip or []):
        c = conflict.with_directions(dirs) if conflict.options is not None else conflict
        g = c.compile(choice)
        eng = Engine(g)
        eq: dict[str, list[int]] = {}
        for concept in concepts:
            if concept in ("sim", "seq+sim") and g.options is None:
                continue
            idx = eng.equilibria(concept).tolist()
            codes = [int(g.codes[i]) for i in idx]
            eq[concept] = codes
            for i, code in zip(idx, codes, strict=True):
                counts.setdefault(code, {k: 0 for k in concepts})[concept] += 1
                labels[code] = g.labels[i] if g.labels else str(code)
        runs.append({"scenario": label, "equilibria": eq})
    n = len(runs)
    states = [
        {
            "state": code,
            "label": labels[code],
            "counts": counts[code],
            "robust": sorted(k for k, v in counts[code].items() if v == n),
        }
        for code in sorted(counts)
    ]
    return {"scenarios": n, "runs": runs, "states": states}
