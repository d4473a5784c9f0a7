"""Routes of the `agreements` tag: versions of agreements, posted as YAML and validated by the spec room."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path
from starlette.responses import Response

from guarantor.api.auth import Caller, Member, check_writer, members
from guarantor.api.bodies import StrictJSONRoute
from guarantor.api.schemas import AgreementWrite, WriteResult
from guarantor.api.state import State
from guarantor.api.writes import new_record, write
from guarantor.ledger import chain
from guarantor.ledger.records import Kind
from guarantor.ledger.scopes import ScopeView

router = APIRouter(tags=["agreements"], route_class=StrictJSONRoute)


def _versions(state: State) -> list[tuple[chain.StoredRecord, dict[str, Any]]]:
    out = []
    for rec in chain.iter_records(state.engine, [Kind.agreement_version]):
        data = rec.data()
        if isinstance(data, dict) and isinstance(data.get("agreement_id"), str):
            out.append((rec, data))
    return out


@router.get("/v1/agreements")
def agreements(c: Caller = members(ScopeView.agreements)) -> dict[str, Any]:
    """Agreements and their versions."""
    found: dict[str, list[dict[str, Any]]] = {}
    for rec, data in _versions(c.state):
        found.setdefault(str(data["agreement_id"]), []).append(
            {
                "version": data.get("version"),
                "seq": rec.seq,
                "title": data.get("title"),
                "party": rec.party,
            }
        )
    return {"agreements": [{"id": k, "versions": v} for k, v in sorted(found.items())]}


@router.get("/v1/agreements/{agreement_id}/versions/{version}")
def agreement_version(
    agreement_id: Annotated[str, Path(max_length=128)],
    version: Annotated[str, Path(max_length=64)],
    c: Caller = members(ScopeView.agreements),
) -> dict[str, Any]:
    """One version of an agreement, with its YAML text."""
    for rec, data in reversed(_versions(c.state)):
        if data.get("agreement_id") == agreement_id and data.get("version") == version:
            return {**data, "seq": rec.seq, "hash": rec.hash}
    raise HTTPException(404, f"no version {version!r} of agreement {agreement_id!r}")


@router.post("/v1/agreements", response_model=WriteResult, status_code=201)
def post_agreement(c: Member, body: AgreementWrite) -> Response:
    """Record a version of an agreement (commission), validated by the spec language."""
    body.party = check_writer(c.who, Kind.agreement_version, body.party)
    from guarantor.spec.load import load_spec_text

    parsed = load_spec_text(body.yaml, "agreement YAML", strict=True).agreement
    for name, given, actual in (
        ("agreement_id", body.agreement_id, parsed.id),
        ("version", body.version, parsed.version),
    ):
        if given is not None and given != actual:
            raise HTTPException(422, f"{name} {given!r} does not match the YAML's {actual!r}")
    payload = {
        "agreement_id": parsed.id,
        "version": parsed.version,
        "title": parsed.title,
        "yaml": body.yaml,
    }
    key = f"agreement/{parsed.id}/{parsed.version}"
    return write(c.state, new_record(Kind.agreement_version, body, payload, key=key))
