"""`guarantor ledger …`: import the Kiel tracker, summarise, verify the chain, manage parties and tokens."""

from __future__ import annotations

import json
import os
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from guarantor.cliparams import input_file_argument, input_file_option, month_option
from guarantor.errors import UserError
from guarantor.jsonout import Format, TableOrJson, emit

ledger_app = typer.Typer(
    help="The ledger: pledges → allocations → deliveries, hash-chained.", no_args_is_help=True
)
party_app = typer.Typer(help="Parties and their signing keys.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens (stored hashed) with a role.", no_args_is_help=True)
ledger_app.add_typer(party_app, name="party")
ledger_app.add_typer(token_app, name="token")

err = Console(stderr=True, highlight=False)
out = Console(highlight=False)

DATABASE_HELP = "SQLite file or database URL (default: $GUARANTOR_DATABASE_URL, else ./guarantor-ledger.sqlite)."


Database = Annotated[str | None, typer.Option("--database", help=DATABASE_HELP)]
OutputFormat = Annotated[Format, typer.Option("--format")]
TableOrJsonFormat = Annotated[TableOrJson, typer.Option("--format")]


RECORD_FIELDS = ("seq", "kind", "party", "key", "payload", "refs", "signature", "recorded_at", "prev_hash", "hash")  # fmt: skip


class GroupBy(StrEnum):
    """Summary grouping."""

    donor = "donor"
    group = "group"


class PeriodChoice(StrEnum):
    """Split period."""

    month = "month"
    quarter = "quarter"
    year = "year"


def register(app: typer.Typer) -> None:
    """Add `guarantor ledger` to the root CLI."""
    app.add_typer(ledger_app, name="ledger")


def _engine(database: str | None, *, create: bool = False) -> Any:
    """The ledger's engine; only the commands that write a ledger (`create=True`) may start one."""
    from guarantor.ledger.database import open_engine

    return open_engine(database, create=create)


def _csv(rows: list[dict[str, Any]]) -> None:
    """CSV on stdout through the output layer (control characters in text written as escapes)."""
    from guarantor.output import write_csv

    if rows:
        write_csv(rows, list(rows[0]))


def _num(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


@ledger_app.command("import-kiel")
def import_kiel_command(
    path: Path = input_file_argument(help="The tracker's data_explorer.csv."),
    database: Database = None,
    fmt: OutputFormat = Format.table,
) -> None:
    """Import the Kiel Ukraine Support Tracker; re-importing the same file changes nothing."""
    from guarantor.ledger.kiel import import_kiel

    engine = _engine(database, create=True)
    with err.status("importing the Kiel tracker…"):
        report = import_kiel(engine, path)
    if fmt == Format.json:
        emit(report.as_dict())
        return
    from guarantor.cleantext import visible_text

    for bad in report.quarantined:
        err.print(
            Text.assemble(
                ("quarantined", "yellow"), visible_text(f" {path}: row {bad.row}: {bad.reason}")
            )
        )
    data = report.as_dict()
    data["quarantined"] = len(report.quarantined)
    if fmt == Format.csv:
        _csv([data])
        return
    table = Table(title="Kiel tracker import", show_header=False)
    for k, v in data.items():
        table.add_row(k, Text(visible_text(str(v))))
    out.print(table)


@ledger_app.command("summary")
def summary_command(
    by: GroupBy = typer.Option(
        GroupBy.donor, "--by", help="Per donor, or per group (US, Europe, other, all)."
    ),
    period_from: str | None = month_option(None, "--from", help="First month."),
    period_to: str | None = month_option(None, "--to", help="Last month."),
    per: PeriodChoice | None = typer.Option(
        None, "--per", help="One row per period and donor or group: month, quarter or year."
    ),
    party: str | None = typer.Option(
        None, "--party", help="One donor only, by name or ISO code (France, FRA or FR)."
    ),
    database: Database = None,
    fmt: OutputFormat = Format.table,
) -> None:
    """Committed vs allocated vs delivered (EUR bn), delivery ratio and share of GDP."""
    from guarantor.ledger.access import resolve_party
    from guarantor.ledger.summary import read_flows, summarise

    engine = _engine(database)
    rows = summarise(
        read_flows(engine),
        by=by.value,
        period_from=period_from,
        period_to=period_to,
        per=per.value if per else None,
        party=resolve_party(engine, party) if party else None,
    )
    if fmt == Format.json:
        emit(
            {
                "by": by.value,
                "from": period_from,
                "to": period_to,
                "per": per.value if per else None,
                "unit": "EUR bn",
                "rows": rows,
            }
        )
        return
    if fmt == Format.csv:
        _csv(rows)
        return
    key = "donor" if by == GroupBy.donor else "group"
    table = Table(title=f"Ledger summary by {key}{f' per {per.value}' if per else ''} (EUR bn)")
    cols = [
        *(["period"] if per else []),
        key,
        "total",
        "military",
        "financial",
        "humanitarian",
        "commitments",
        "delivered",
        "delivery_ratio",
        "pct_gdp",
    ]
    heads = cols  # the same names as the CSV, the JSON and the API
    cells = [[_num(row[c]) for c in cols] for row in rows]
    for i, (c, h) in enumerate(zip(cols, heads, strict=True)):
        # numbers are never cut: a column is at least as wide as its widest value (headers wrap)
        widest = max((len(r[i]) for r in cells), default=1)
        if c in (key, "period"):
            widest = max(widest, len(h))
        table.add_column(
            h, justify="left" if c in (key, "period") else "right", min_width=min(widest, 12)
        )
    for r in cells:
        table.add_row(*r)
    # never crop a column off the right edge: print at least as wide as the table needs
    out.print(table, width=max(out.width, out.measure(table).minimum), crop=False)
    err.print("source: records in the ledger; Europe = EU27 + EU institutions + UK, NO, CH, IS")


@ledger_app.command("split")
def split_command(
    per: PeriodChoice = typer.Option(
        PeriodChoice.year, "--per", help="One row per month, quarter or year."
    ),
    plot: Path | None = typer.Option(None, "--plot", help="Write a PNG plot of the split here."),
    database: Database = None,
    fmt: OutputFormat = Format.table,
) -> None:
    """US vs Europe allocations over time (EUR bn), as a table and optionally a PNG plot."""
    from guarantor.ledger.summary import plot_split, read_flows, split

    data = read_flows(_engine(database))
    rows = split(data, period=per.value)
    if plot is not None:
        monthly = split(data, period="month") if per != PeriodChoice.month else rows
        plot_split(
            monthly, plot, title="Allocations to Ukraine: US vs Europe (Kiel tracker, EUR bn)"
        )
        err.print(f"plot written to {plot}")
    if fmt == Format.json:
        emit({"per": per.value, "unit": "EUR bn", "rows": rows})
        return
    if fmt == Format.csv:
        _csv(rows)
        return
    out.print(split_table(rows, per.value))


SPLIT_COLUMNS = ("period", "US", "Europe", "other", "all", "europe_share_of_us_plus_europe", "cumulative_US", "cumulative_Europe")  # fmt: skip


def split_table(rows: list[dict[str, Any]], period: str) -> Table:
    """A Rich table of the US/Europe split."""
    table = Table(title=f"US vs Europe allocations per {period} (EUR bn)")
    for c in SPLIT_COLUMNS:  # the same names as the CSV, the JSON and the API
        table.add_column(c, justify="left" if c == "period" else "right")
    for r in rows:
        share = r["europe_share_of_us_plus_europe"]
        table.add_row(
            r["period"],
            _num(r["US"], 2),
            _num(r["Europe"], 2),
            _num(r["other"], 2),
            _num(r["all"], 2),
            "–" if share is None else f"{share:.0%}",
            _num(r["cumulative_US"], 2),
            _num(r["cumulative_Europe"], 2),
        )
    return table


@ledger_app.command("verify")
def verify_command(
    expect_head: str | None = typer.Option(
        None, "--expect-head", help="Head hash published earlier (anchoring)."
    ),
    checkpoint: list[Path] = input_file_option(
        [],
        "--checkpoint",
        help="File of signed checkpoints held elsewhere (repeatable): the chain must still match them.",
    ),
    operator_key: str | None = typer.Option(
        None,
        "--operator-key",
        help="The operator's public key (base64): only checkpoints it signed are trusted.",
    ),
    database: Database = None,
    fmt: OutputFormat = Format.table,
) -> None:
    """Recompute every hash, link and signature (against the key the chain held at each record)
    and check signed checkpoints; exit 1 naming the first bad record if any."""
    from guarantor.cleantext import visible_text
    from guarantor.ledger.chain import verify
    from guarantor.ledger.checkpoints import read_checkpoints

    checkpoints = [cp for path in checkpoint for cp in read_checkpoints(path)]
    report = verify(
        _engine(database),
        expect_head=expect_head,
        checkpoints=checkpoints,
        operator_key=operator_key,
    )
    if fmt == Format.json:
        emit(report.as_dict())
    elif fmt == Format.csv:
        _csv([p.as_dict() for p in report.problems] or [{"seq": "", "what": "ok", "message": ""}])
    elif report.ok:
        anchored = f", {report.checkpoints_checked} checkpoint(s) matched" if checkpoints else ""
        out.print(
            f"[green]chain intact[/]: {report.records} records, head {report.head_seq} "
            f"{report.head_hash}, {report.signatures_checked} signatures checked{anchored}",
            soft_wrap=True,  # a hash broken over two lines cannot be copied
        )
    else:
        first = report.first_bad
        assert first is not None
        out.print(
            Text.assemble(
                ("chain broken", "bold red"),
                f" at record {first.seq} ({first.what}): {visible_text(first.message)}",
            )
        )
        for p in report.problems[1:10]:
            out.print(Text(f"  also: record {p.seq} ({p.what}): {visible_text(p.message)}"))
    if not report.ok:
        raise typer.Exit(1)


@ledger_app.command("checkpoint")
def checkpoint_command(
    key_file: Path = input_file_option(
        ..., "--key-file", help="The operator's Ed25519 private key (PEM) that signs the head."
    ),
    out_path: Path = typer.Option(
        ...,
        "--out",
        help="Checkpoint file (JSON lines) to add the checkpoint to; created when absent.",
    ),
    database: Database = None,
    fmt: TableOrJsonFormat = TableOrJson.table,
) -> None:
    """Sign the chain head with the operator's key and add it to a checkpoint file; give copies of
    the file to the parties, who check the chain against them with `verify --checkpoint`."""
    from guarantor.ledger import signing
    from guarantor.ledger.chain import head, utc_now_text
    from guarantor.ledger.checkpoints import add_checkpoint, sign_checkpoint

    private = signing.load_private_key(key_file.read_bytes())
    seq, digest = head(_engine(database))
    cp = sign_checkpoint(seq, digest, utc_now_text(), private)
    every = add_checkpoint(out_path, cp)
    if fmt == TableOrJson.json:
        emit({"checkpoint": cp.as_dict(), "file": str(out_path), "checkpoints": len(every)})
        return
    out.print(
        f"checkpoint of record {seq} ({digest}) signed by {cp.public_key}; "
        f"{out_path} holds {len(every)} checkpoint(s)",
        soft_wrap=True,
    )


@ledger_app.command("doctor")
def doctor_command(
    database: Database = None,
    fmt: OutputFormat = Format.table,
) -> None:
    """List records already written that break today's rules on names and payloads (nothing is
    rewritten: the chain is append-only; exit 1 when any is found)."""
    from guarantor.ledger.chain import iter_stored
    from guarantor.ledger.doctor import diagnose

    count, findings = diagnose(iter_stored(_engine(database)))
    rows = [f.as_dict() for f in findings]
    if fmt == Format.json:
        emit({"records": count, "findings": rows})
    elif fmt == Format.csv:
        _csv(rows or [{"seq": "", "kind": "", "party": "", "part": "", "problem": ""}])
    elif not findings:
        out.print(f"[green]no findings[/]: {count} records keep every rule")
    else:
        from guarantor.output import Tabular, render

        title = f"Records that break the rules ({len(findings)} of {count} records)"
        columns = ("seq", "kind", "party", "part", "problem")
        render(Tabular(title, columns, tuple(rows)), fmt, out)
    if findings:
        raise typer.Exit(1)


@ledger_app.command("records")
def records_command(
    kind: str | None = typer.Option(None, "--kind"),
    party: str | None = typer.Option(None, "--party"),
    after: int = typer.Option(0, "--after", help="Show records after this seq (pagination)."),
    limit: int = typer.Option(20, "--limit", min=1, max=10_000),
    database: Database = None,
    fmt: OutputFormat = Format.table,
) -> None:
    """List records in chain order."""
    from guarantor.ledger.access import resolve_party
    from guarantor.ledger.chain import list_records

    engine = _engine(database)
    if party is not None:  # by name or ISO code: "FRA" and "fr" list France's records
        party = resolve_party(engine, party)
    recs = list_records(engine, kind=kind, party=party, after=after, limit=limit)
    rows = [r.as_dict() for r in recs]
    if fmt == Format.json:
        emit({"records": rows, "next_after": rows[-1]["seq"] if len(rows) == limit else None})
        return
    if fmt == Format.csv:
        _csv(
            [
                {
                    **{k: r[k] for k in RECORD_FIELDS},
                    "payload": _payload_text(r),
                    "refs": json.dumps(r["refs"]),
                }
                for r in rows
            ]
        )
        return
    from guarantor.cleantext import visible_text

    table = Table(title="Ledger records")
    for c in ("seq", "kind", "party", "payload", "refs", "hash"):
        table.add_column(c)
    for r in rows:
        payload = _payload_text(r)
        table.add_row(
            str(r["seq"]), Text(visible_text(r["kind"])), Text(visible_text(r["party"])),
            Text(visible_text(payload[:60] + ("…" if len(payload) > 60 else ""))),
            ",".join(map(str, r["refs"])), r["hash"][:12],
        )  # fmt: skip
    out.print(table)


def _payload_text(row: dict[str, Any]) -> str:
    """A record's payload as one line of JSON; a payload that breaks the rules, as stored."""
    if "payload_problem" in row:
        return f"(breaks the rules: {row['payload_problem']}) {row['payload_text']}"
    return json.dumps(row["payload"], sort_keys=True, ensure_ascii=False)


@ledger_app.command("append")
def append_command(
    kind: str = typer.Argument(..., help="Record kind, e.g. commitment, act, determination."),
    party: str = typer.Option(..., "--party"),
    payload: str = typer.Option(..., "--payload", help="JSON object."),
    ref: list[int] = typer.Option(
        [], "--ref", help="Seq of a record this one refers to (repeatable)."
    ),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
    sign_with: Path | None = input_file_option(
        None, "--sign-with", help="Ed25519 private key (PEM) of the party."
    ),
    database: Database = None,
    fmt: TableOrJsonFormat = TableOrJson.table,
) -> None:
    """Append one record (flows are checked against the typed schema)."""
    from pydantic import ValidationError

    from guarantor.ledger import signing
    from guarantor.ledger.access import writing_party
    from guarantor.ledger.chain import NewRecord, append
    from guarantor.ledger.records import FLOW_KINDS, Flow

    try:
        data = json.loads(payload)
    except json.JSONDecodeError as exc:
        raise UserError(f"--payload is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise UserError("--payload must be a JSON object")
    if kind in {str(k) for k in FLOW_KINDS}:
        try:
            data = Flow.model_validate(data).payload()
        except ValidationError as exc:
            raise UserError(f"--payload is not a valid {kind}", details=_errors(exc)) from None
    engine = _engine(database, create=True)
    party = writing_party(engine, party)  # "FRA" is written as the ledger's "France"
    rec = NewRecord(kind=kind, party=party, payload=data, refs=tuple(ref), key=key)
    if sign_with is not None:
        private = signing.load_private_key(sign_with.read_bytes())
        rec = NewRecord(**{**rec.__dict__, "signature": signing.sign(private, rec.signing_bytes())})
    result = append(engine, [rec])
    stored = (result.appended or result.existing)[0]
    if fmt == TableOrJson.json:
        emit({"record": stored.as_dict(), "created": bool(result.appended)})
    else:
        out.print(
            f"record {stored.seq} {'appended' if result.appended else 'already present'}: {stored.hash}",
            soft_wrap=True,
        )


def _errors(exc: Any) -> list[str]:
    return [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]


@ledger_app.command("keygen")
def keygen_command(
    out_path: Path = typer.Option(..., "--out", help="Where to write the private key (PEM)."),
) -> None:
    """Create an Ed25519 key pair for a party; prints the public key to register."""
    from guarantor.ledger import signing

    if out_path.exists():
        raise UserError(f"{out_path} exists; refusing to overwrite a key")
    key = signing.generate_key()
    # mkstemp creates the file 0600, so the private key is never readable by others, not even briefly
    fd, tmp = tempfile.mkstemp(dir=out_path.parent, prefix=f".{out_path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(signing.private_key_pem(key))
        os.replace(tmp, out_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    typer.echo(signing.public_key_b64(key))


@party_app.command("add")
def party_add_command(
    name: str = typer.Argument(...),
    key_file: Path | None = input_file_option(
        None,
        "--key-file",
        help="Register the party's Ed25519 key (PEM): the chained registration is signed with it.",
    ),
    database: Database = None,
) -> None:
    """Register a party, optionally with its signing key (from then on its records must be signed)."""
    from guarantor.ledger import signing
    from guarantor.ledger.access import add_party, register_key, resolve_party

    engine = _engine(database, create=True)
    added = add_party(engine, name)
    known = resolve_party(engine, name, registered_only=True)  # "FRA" may be "France"
    alias = f" as {known!r}" if known != name.strip() else ""
    err.print(
        Text(f"party {name.strip()!r} {'registered' if added else 'already registered'}{alias}")
    )
    if key_file is not None:
        rec = register_key(engine, known, signing.load_private_key(key_file.read_bytes()))
        err.print(f"key registered in record {rec.seq}")


@party_app.command("rotate-key")
def party_rotate_key_command(
    name: str = typer.Argument(...),
    key_file: Path = input_file_option(..., "--key-file", help="The party's current key (PEM)."),
    new_key_file: Path = input_file_option(..., "--new-key-file", help="The new key (PEM)."),
    database: Database = None,
) -> None:
    """Replace a party's key: a chained record signed by the current key, with the new key's proof."""
    from guarantor.ledger import signing
    from guarantor.ledger.access import rotate_key

    rec = rotate_key(
        _engine(database),
        name,
        signing.load_private_key(key_file.read_bytes()),
        signing.load_private_key(new_key_file.read_bytes()),
    )
    err.print(f"key rotated in record {rec.seq}")


@party_app.command("revoke-key")
def party_revoke_key_command(
    name: str = typer.Argument(...),
    key_file: Path = input_file_option(..., "--key-file", help="The party's current key (PEM)."),
    database: Database = None,
) -> None:
    """Give up a party's key: a chained record signed by that key; the party writes unsigned again."""
    from guarantor.ledger import signing
    from guarantor.ledger.access import revoke_key

    rec = revoke_key(_engine(database), name, signing.load_private_key(key_file.read_bytes()))
    err.print(f"key revoked in record {rec.seq}")


@party_app.command("list")
def party_list_command(
    database: Database = None,
    fmt: OutputFormat = Format.table,
) -> None:
    """List registered parties."""
    from guarantor.ledger.access import list_parties

    rows = list_parties(_engine(database))
    if fmt == Format.json:
        emit({"parties": rows})
    elif fmt == Format.csv:
        _csv(rows)
    else:
        from guarantor.output import Tabular, render

        shown = tuple({k: "–" if v is None else v for k, v in r.items()} for r in rows)
        render(Tabular("Parties", ("name", "public_key", "key_since"), shown), fmt, out)


@token_app.command("issue")
def token_issue_command(
    party: str = typer.Argument(...),
    role: str = typer.Option(
        ..., "--role", help="guarantor, beneficiary, monitor, commission or observer."
    ),
    label: str = typer.Option("", "--label"),
    database: Database = None,
) -> None:
    """Issue an API token; the secret is printed once and stored only as a hash."""
    from guarantor.ledger.access import issue_token

    typer.echo(issue_token(_engine(database), party, role, label=label))


@token_app.command("revoke")
def token_revoke_command(
    party: str = typer.Argument(...),
    database: Database = None,
) -> None:
    """Revoke every token of a party."""
    from guarantor.ledger.access import revoke_tokens

    err.print(f"{revoke_tokens(_engine(database), party)} token(s) revoked")
