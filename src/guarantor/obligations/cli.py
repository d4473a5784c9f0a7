"""`guarantor replay`: history against an agreement as if it had been in force."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from guarantor.cliparams import (
    add_alias,
    data_option,
    date_option,
    input_file_argument,
    input_file_option,
    input_path_option,
)
from guarantor.errors import UserError
from guarantor.jsonout import Format, emit
from guarantor.monitor.cli import (
    ForceOpt,
    OutOpt,
    check_out,
    geography,
    load,
    load_actors,
    parse_date,
    print_activations,
    print_not_reached,
    print_undetermined,
    write_csv,
)

if TYPE_CHECKING:
    from guarantor.obligations.replay import ReplayResult


def replay_command(
    agreement: Path | None = input_file_argument(None, help="Agreement YAML (or give --setup)."),
    events: list[Path] = input_path_option(
        [], "--events", help="Event files (UCDP, ACLED, guarantor .jsonl)."
    ),
    territory: Path | None = input_path_option(
        None, "--territory", help="Territory snapshots (folder or DeepState tar)."
    ),
    start: date | None = date_option(None, "--from", help="In force from."),
    end: date | None = date_option(None, "--to", help="Replay until."),
    actors: Path | None = input_file_option(None, "--actors", help="Actor map YAML."),
    proxy_confidence: float | None = typer.Option(
        None, "--proxy-confidence", min=0, max=1, help="Override every proxy attribution."
    ),
    acts: Path | None = input_path_option(
        None, "--acts", help="Recorded acts (YAML file or folder) to judge obligations against."
    ),
    border: Path | None = input_file_option(None, "--border", help="Beneficiary border GeoJSON."),
    agreed_line: Path | None = input_file_option(
        None,
        "--agreed-line",
        help="The agreed line instead of the snapshot of --from: GeoJSON (area held at entry "
        "into force, or `territory swap --out`) or a swap proposal YAML.",
    ),
    quiet_days: int = typer.Option(
        14,
        "--quiet-days",
        min=0,
        help="Days with no new advance after which the next is a new activation (0: off).",
    ),
    zones: Path | None = input_file_option(None, "--zones", help="Named zones GeoJSON."),
    plot_path: Path | None = typer.Option(None, "--plot", help="Write a PNG timeline here."),
    why_not: bool = typer.Option(False, "--why-not", help="Explain levels never reached."),
    attacks_from_territory: bool = typer.Option(
        False,
        "--attacks-from-territory",
        help="No event data: derive one attack per territorial advance (labelled as derived).",
    ),
    setup: Path | None = input_file_option(
        None, "--setup", help="A replay setup (examples/replay/*.yaml); options given win."
    ),
    data: Path | None = data_option(),
    fmt: Format = typer.Option(Format.table, "--format", help="table, json or csv (obligations)."),
    out: Path | None = OutOpt,
    force: bool = ForceOpt,
) -> None:
    """Replay history against an agreement: activations, what was owed, by when, and status."""
    check_out(out, force)
    err = Console(stderr=True, highlight=False)
    every = 1
    if setup is not None:
        from guarantor.obligations.setup import load_setup, resolve
        from guarantor.sources.locate import locate_data

        plan, shared = load_setup(setup), locate_data(data)
        missing = [
            t
            for t in [*plan.events, plan.territory or ""]
            if t and resolve(t, setup, shared) is None
        ]
        if missing:
            raise UserError(
                f"the setup needs {', '.join(missing)}, absent from the data folder "
                f"({shared.describe()})"
            )
        agreement = agreement or resolve(plan.agreement, setup, shared)
        start = start or plan.from_
        end = end or plan.to
        events = events or [p for t in plan.events if (p := resolve(t, setup, shared)) is not None]
        territory = territory or (
            resolve(plan.territory, setup, shared) if plan.territory else None
        )
        actors = actors or (resolve(plan.actors, setup, shared) if plan.actors else None)
        attacks_from_territory = attacks_from_territory or plan.attacks_from_territory
        every = plan.territory_every_days
        err.print(f"setup: {plan.title}")
    if agreement is None or start is None or end is None:
        raise UserError("give an AGREEMENT, --from and --to (or a --setup file that has them)")
    actor_map = load_actors(actors)
    if proxy_confidence is not None:
        actor_map = actor_map.with_confidence("proxy", proxy_confidence)
    from guarantor.obligations.replay import replay
    from guarantor.sources.acts import load_acts

    with err.status("replaying (territory snapshots can take a minute or two) ..."):
        result = replay(
            load(agreement),
            parse_date(start),
            parse_date(end),
            events,
            actor_map,
            geography(border, agreed_line, zones, data),
            territory,
            load_acts(acts) if acts else None,
            progress=lambda m: err.print(m),
            attacks_from_territory=attacks_from_territory,
            territory_every_days=every,
            line_file=agreed_line,
            quiet_days=quiet_days,
        )
    if out is not None:
        from guarantor.obligations.export import replay_tables
        from guarantor.territory.export import write_export

        err.print(escape(write_export(out, replay_tables(result), force).line()))
    _report(result, acts, plot_path, fmt, why_not, err)


def _report(
    result: ReplayResult,
    acts: Path | None,
    plot_path: Path | None,
    fmt: Format,
    why_not: bool,
    err: Console,
) -> None:
    from guarantor.obligations.render import record_text
    from guarantor.obligations.replay import plot

    for source in result.sources:
        err.print(source)
    if result.line is not None:
        err.print(f"agreed line: {result.line.describe()}")
    for cov in result.coverage:
        if cov.status.value != "ok":
            err.print(f"[bold]coverage ({cov.status.value})[/]: {escape(cov.stops())}")
    if acts is None:
        err.print(
            "no acts recorded (--acts): statuses show what would be overdue or breached if nobody acted"
        )
    for record in result.record:
        if record.missing():
            err.print(f"{record_text(record)}: {record.unrecorded} duty(ies) unrecorded")
    if plot_path is not None:
        plot(result, plot_path)
        err.print(f"plot written to {plot_path}")
    from guarantor.monitor.where import activations_where, with_places

    where = activations_where(
        result.monitor.activations, result.read.events if result.read is not None else []
    )
    if fmt is Format.json:
        doc = result.to_json()
        doc["activations"] = with_places(doc["activations"], where)
        emit(doc)
        return
    if fmt is Format.csv:
        columns = ("party", "action", "due", "status", "source", "trigger", "level", "opened")
        write_csv(columns, (o.to_json() for o in result.timeline.owed))
        return
    print_activations(result.monitor.activations, where=where)
    print_undetermined(result.monitor.undetermined)
    print_breach(result)
    print_obligations(result)
    if why_not:
        print_not_reached(result.monitor.not_reached)


def print_breach(result: ReplayResult, weeks: int = 8) -> None:
    """The breach week by week (all directions, the last `weeks`) and the shares by direction."""
    from guarantor.territory.breach import ALL, shares

    rows = [r for r in result.breach if r.direction == ALL]
    if not rows:
        return
    console = Console(highlight=False)
    table = Table(
        title=f"breach by week, all directions (last {min(weeks, len(rows))} of {len(rows)})"
    )
    for col in ("week of", "km² beyond", "new", "grew", "reversed", "persisted", "depth km"):
        table.add_column(col, justify="right")
    for r in rows[-weeks:]:
        table.add_row(
            f"{r.week:%Y-%m-%d}",
            f"{r.km2_beyond:,.1f}",
            str(r.new_incidents),
            str(r.grew),
            str(r.reversed),
            str(r.persisted),
            f"{r.depth_km:,.1f}",
        )
    console.print(table)
    share = shares(result.breach)
    if share:
        top = sorted(share.items(), key=lambda kv: -kv[1])
        console.print(
            "beyond the line in the last week, by direction: "
            + ", ".join(f"{d} {v:.0%}" for d, v in top)
        )
    renewed = sum(1 for a in result.monitor.activations if a.renewed)
    if renewed:
        console.print(
            f"{renewed} activation(s) are renewed escalations (a new advance in a direction "
            f"quiet for {result.quiet_days} days)"
        )


def print_obligations(result: ReplayResult, limit: int = 40) -> None:
    """A Rich table of what is owed: one row per duty and deadline, the parties that owe it."""
    from guarantor.obligations.render import assumption_text, note_text

    console = Console(highlight=False)
    rows: dict[tuple[str, str, str, str, str, str], list[str]] = {}
    for o in result.timeline.owed:
        key = (
            o.opened.strftime("%Y-%m-%d %H:%M") if o.opened else "-",
            o.due.strftime("%Y-%m-%d %H:%M") if o.due else "-",
            o.source,
            o.action[:40],
            o.status.value,
            "; ".join([*map(note_text, o.notes), *map(assumption_text, o.assumed)])[:160],
        )
        rows.setdefault(key, []).append(o.party)
    table = Table(title=f"obligations opened ({len(result.timeline.owed)} party-duties)")
    for col in ("opened", "due", "source", "action", "parties", "status", "notes"):
        table.add_column(col, overflow="fold")
    for (opened, due, source, action, status, notes), parties in list(rows.items())[:limit]:
        table.add_row(opened, due, source, action, ",".join(parties), status, escape(notes))
    console.print(table)
    if len(rows) > limit:
        console.print(f"... {len(rows) - limit} more rows (use --format json for all)")


def register(app: typer.Typer) -> None:
    """Add `guarantor obligations replay` and its documented top-level alias `replay`."""
    room = typer.Typer(
        help="History against an agreement: activations, obligations, deadlines.",
        no_args_is_help=True,
    )
    room.command("replay")(replay_command)
    app.add_typer(room, name="obligations")
    add_alias(app, "replay", replay_command)
