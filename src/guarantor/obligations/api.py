"""The obligations room for Python: replay history against an agreement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guarantor.territory.export import Exportable, ExportTable

if TYPE_CHECKING:
    from guarantor.model import Agreement
    from guarantor.obligations.replay import ReplayResult

__all__ = ["Replay", "replay"]

PathLike = str | Path


@dataclass(frozen=True)
class Replay(Exportable):
    """A replay: activations (with the towns of their evidence), undetermined levels, what was
    owed by whom and by when, territorial incidents as polygons, events as points."""

    result: ReplayResult = field(repr=False)

    @property
    def activations(self) -> list[Any]:
        """The levels established, in time order."""
        return list(self.result.monitor.activations)

    @property
    def obligations(self) -> list[Any]:
        """What was owed: party, action, due, status."""
        return list(self.result.timeline.owed)

    def to_json(self) -> dict[str, Any]:
        """The same document as `guarantor replay --format json`."""
        return self.result.to_json()

    def tables(self) -> list[ExportTable]:
        """Activations, undetermined, obligations, incidents, events (those that have rows)."""
        from guarantor.obligations.export import replay_tables

        return replay_tables(self.result)

    def to_frame(self, table: str | None = None) -> Any:
        """A table as a DataFrame: the obligations by default."""
        return super().to_frame(table or "obligations")


def _date(value: date | str) -> date:
    from guarantor.monitor.cli import parse_date

    return value if isinstance(value, date) else parse_date(value)


def replay(
    agreement: Agreement | PathLike,
    start: date | str,
    end: date | str,
    *,
    events: Sequence[PathLike] = (),
    territory: PathLike | None = None,
    actors: PathLike | None = None,
    border: PathLike | None = None,
    agreed_line: PathLike | None = None,
    acts: PathLike | None = None,
    attacks_from_territory: bool = False,
) -> Replay:
    """Replay history (event files, territory snapshots) against an agreement as if in force."""
    from guarantor.model import Agreement
    from guarantor.monitor.cli import geography, load, load_actors
    from guarantor.obligations.replay import replay as run
    from guarantor.sources.acts import load_acts

    loaded = agreement if isinstance(agreement, Agreement) else load(Path(agreement))
    result = run(
        loaded,
        _date(start),
        _date(end),
        [Path(e) for e in events],
        load_actors(Path(actors) if actors else None),
        geography(
            Path(border) if border else None, Path(agreed_line) if agreed_line else None, None
        ),
        Path(territory) if territory else None,
        load_acts(Path(acts)) if acts else None,
        attacks_from_territory=attacks_from_territory,
    )
    return Replay(result)
