"""Why a state is or is not stable for a decision maker: each improvement and what deters it."""

from __future__ import annotations

import itertools
from collections import deque
from typing import Any

from guarantor.negotiate.graph import Graph
from guarantor.negotiate.stability import Engine


def _sanction_path(
    g: Graph, movers: list[int], start: int, improving: bool, ok: Any
) -> list[tuple[int, int, int]] | None:
    """Shortest legal sequence from `start` by `movers` ending in a state where ok(state) holds."""
    ups = {d: g.ui(d) for d in movers} if improving else {}
    prev: dict[tuple[int, int], tuple[tuple[int, int], int]] = {}
    queue: deque[tuple[int, int]] = deque([(start, -1)])
    seen = {(start, -1)}
    while queue:
        state, last = queue.popleft()
        for d in movers:
            if d == last:
                continue
            targets = ups[d].of(state) if improving else g.moves[d].of(state)
            here = int(g.codes[state])
            # smallest changes first, so the sanction shown is the plainest one
            targets = sorted(
                targets, key=lambda x: (bin(here ^ int(g.codes[x])).count("1"), int(g.codes[x]))
            )
            for t in targets:
                node = (t, d)
                if node in seen:
                    continue
                seen.add(node)
                prev[node] = ((state, last), d)
                if ok(t):
                    path = []
                    cur = node
                    while cur[1] != -1:
                        (ps, pl), who = prev[cur]
                        path.append((who, ps, cur[0]))
                        cur = (ps, pl)
                    return list(reversed(path))
                queue.append(node)
    return None


def _sim_response(g: Graph, dm: int, s: int, s1: int) -> list[tuple[int, int]] | None:
    info = g.options
    if info is None:
        return None
    others = [d for d in range(len(g.dms)) if d != dm]
    choices = [[None, *g.ui(d).of(s)] for d in others]
    p = g.payoff[dm]
    for combo in itertools.product(*choices):
        if all(c is None for c in combo):
            continue
        code = int(g.codes[s1])
        for d, t in zip(others, combo, strict=True):
            if t is not None:
                mask = info.mask(d)
                code = (code & ~mask) | (int(g.codes[t]) & mask)
        k = g.index_of(code)
        if k >= 0 and p[k] <= p[s]:
            return [(d, t) for d, t in zip(others, combo, strict=True) if t is not None] + [(-1, k)]
    return None


def explain(g: Graph, dm: int, s: int, concept: str) -> dict[str, Any]:
    """A structured explanation with `lines` in words, for one decision maker, state and concept."""
    eng = Engine(g)
    p = g.payoff[dm]
    others = [d for d in range(len(g.dms)) if d != dm]
    name = g.dms[dm]

    def st(i: int) -> str:
        label = g.labels[i] if g.labels else ""
        return f"{int(g.codes[i])}" + (
            f" ({label})" if label and label != str(int(g.codes[i])) else ""
        )

    def mv(a: int, b: int) -> str:
        """A move described by the options it changes (option models) and where it ends."""
        if g.options is None:
            return f"to {st(b)}"
        ca, cb = int(g.codes[a]), int(g.codes[b])
        names = g.options.names
        on = [n for k, n in enumerate(names) if (cb >> k) & 1 and not (ca >> k) & 1]
        off = [n for k, n in enumerate(names) if (ca >> k) & 1 and not (cb >> k) & 1]
        parts = ([f"takes {', '.join(on)}"] if on else []) + (
            [f"drops {', '.join(off)}"] if off else []
        )
        return f"{' and '.join(parts)} (→ {cb})"

    stable = bool(eng.stable(concept, dm)[s])
    ups = eng.ui(dm).of(s)
    items = []
    lines = [
        f"State {st(s)} is {'stable' if stable else 'unstable'} for {name} under {concept.upper()}."
    ]
    if concept.startswith("l") or concept == "nm":
        lines.append(
            "Limited-move and non-myopic stability anticipate alternating optimal replies; "
            "see the anticipated outcome in `reach`."
        )
        return {
            "dm": name,
            "state": int(g.codes[s]),
            "concept": concept,
            "stable": stable,
            "improvements": [],
            "lines": lines,
        }
    if not ups:
        lines.append(
            f"{name} has no unilateral improvement from here: nothing it can do alone is better."
        )
    for t in sorted(ups, key=lambda x: -int(p[x])):
        entry: dict[str, Any] = {"to": int(g.codes[t]), "sanction": None, "kind": None}
        path = None
        if concept in ("gmr", "seq", "seq+sim"):
            path = _sanction_path(g, others, t, concept != "gmr", lambda x: p[x] <= p[s])
            entry["kind"] = "sequential" if path else None
        elif concept == "smr":

            def ok(x: int) -> bool:
                return bool(p[x] <= p[s] and all(p[y] <= p[s] for y in g.moves[dm].of(x)))

            path = _sanction_path(g, others, t, False, ok)
            entry["kind"] = "sequential, no escape" if path else None
        if path:
            entry["sanction"] = [
                {"dm": g.dms[d], "from": int(g.codes[a]), "to": int(g.codes[b])} for d, a, b in path
            ]
            seq = ", then ".join(f"{g.dms[d]} {mv(a, b)}" for d, a, b in path)
            lines.append(
                f"- {name} could improve: it {mv(s, t)}; but {seq}: {name} ends no better off than at {int(g.codes[s])}."
            )
        elif concept in ("sim", "seq+sim") and (resp := _sim_response(g, dm, s, t)) is not None:
            entry["kind"] = "simultaneous"
            entry["sanction"] = [{"dm": g.dms[d], "to": int(g.codes[x])} for d, x in resp[:-1]]
            who = " and ".join(f"{g.dms[d]} ({mv(s, x)})" for d, x in resp[:-1])
            lines.append(
                f"- {name} could improve: it {mv(s, t)}; but if {who} act at the same time the result is {st(resp[-1][1])}, no better for {name}."
            )
        elif concept == "nash":
            lines.append(f"- {name} can improve: it {mv(s, t)}.")
        else:
            lines.append(
                f"- {name} can improve: it {mv(s, t)}, and nothing the others can do deters it."
            )
        items.append(entry)
    return {
        "dm": name,
        "state": int(g.codes[s]),
        "concept": concept,
        "stable": stable,
        "improvements": items,
        "lines": lines,
    }
