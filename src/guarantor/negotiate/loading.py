"""Open a conflict file: our YAML format or a GMCR+ `.gmcr` save file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from guarantor.errors import Position, UserError
from guarantor.negotiate.conflict import Conflict

if TYPE_CHECKING:
    from guarantor.negotiate.graph import Graph


def load_conflict(path: Path) -> Conflict:
    """Read a conflict from a `.yaml`/`.yml` or `.gmcr`/`.json` file."""
    if not path.exists():
        raise UserError("no such file", Position(str(path)))
    if path.is_dir():
        raise UserError("is a folder, expected a model file (.yaml or .gmcr)", Position(str(path)))
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        from guarantor.negotiate.yamlformat import read_yaml

        return read_yaml(path)
    if suffix in (".gmcr", ".json"):
        from guarantor.negotiate.gmcr import read_gmcr

        return read_gmcr(path)
    raise UserError(
        "unknown file type: use .yaml/.yml (guarantor) or .gmcr (GMCR+)", Position(str(path))
    )


def alternatives(conflict: Conflict, values: list[str]) -> dict[str, str]:
    """The alternative preferences chosen with `--alt DM=NAME`, checked against the model."""
    out = {}
    for v in values:
        dm, sep, alt = v.partition("=")
        if not sep:
            raise UserError(f"--alt {v!r}: write DECISION_MAKER=ALTERNATIVE")
        if dm not in conflict.dm_names:
            raise UserError(f"--alt names unknown decision maker {dm!r}")
        out[dm] = alt
    return out


def resolve_state(conflict: Conflict, g: Graph, text: str) -> int:
    """State index from a decimal code, a Y/N string or the id of a named outcome of the model."""
    from guarantor.negotiate.graph import yn_code

    t = text.strip()
    named = conflict.outcome(t)
    if named is not None:
        code = named.code
    elif g.options is not None and t and set(t) <= {"Y", "N"}:
        try:
            code = yn_code(t, len(g.options.names))
        except ValueError as exc:
            raise UserError(str(exc)) from None
    else:
        try:
            code = int(t)
        except ValueError:
            known = ", ".join(o.id for o in conflict.outcomes)
            raise UserError(
                f"state {text!r}: give a decimal state code, a Y/N string"
                + (f" or a named outcome ({known})" if known else "")
            ) from None
    idx = g.index_of(code)
    if idx < 0:
        raise UserError(f"state {text} is not a feasible state of this model")
    return idx
