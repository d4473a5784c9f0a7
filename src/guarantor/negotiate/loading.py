"""Open a conflict file: our YAML format or a GMCR+ `.gmcr` save file."""

from __future__ import annotations

from pathlib import Path

from guarantor.errors import Position, UserError
from guarantor.negotiate.conflict import Conflict


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
