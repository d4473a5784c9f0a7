"""Standing obligations: what holds from entry into force, not in answer to an attack.

A reassurance force stationed after a ceasefire, training, financing over years, a ceiling on
the beneficiary's army, regular reports: each is owed from a start (entry into force, a date,
a milestone of the accession track) for as long as the agreement runs, and each names the
monitoring arrangement that checks it is met (is the force there? is the army under the cap?).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field, model_validator

from guarantor.model.common import Clause, Duration, Id, Strict
from guarantor.model.obligations import Modality
from guarantor.model.pledges import Caveat
from guarantor.model.response import CapabilityNeed, LadderStep, Where


class StandingKind(StrEnum):
    """What a standing obligation is about."""

    presence = "presence"  # forces stationed: where, how many, from when, rotation
    training = "training"  # training the beneficiary's forces
    financing = "financing"  # money over years
    cap = "cap"  # a ceiling a party must stay under (an army-size cap)
    reporting = "reporting"  # reports at a cadence
    cooperation = "cooperation"  # long-term defence cooperation, industrial or political


class StartKind(StrEnum):
    """What a standing obligation runs from."""

    entry_into_force = "entry_into_force"
    signature = "signature"
    date = "date"
    milestone = "milestone"
    always = "always"


class Start(Strict):
    """When a standing obligation starts to be owed, and how long the party has to fulfil it."""

    upon: StartKind = StartKind.entry_into_force
    day: dt.date | None = Field(default=None, description="For `upon: date`: the day.")
    milestone: Id | None = Field(default=None, description="For `upon: milestone`: its id.")
    within: Duration | None = Field(
        default=None, description="In place (deployed, paid, enacted) this long after the start."
    )

    @model_validator(mode="after")
    def _complete(self) -> Start:
        """A dated start names its day; a milestone start names its milestone."""
        if self.upon is StartKind.date and self.day is None:
            raise ValueError("a start `upon: date` needs `day: YYYY-MM-DD`")
        if self.upon is StartKind.milestone and self.milestone is None:
            raise ValueError("a start `upon: milestone` needs `milestone: <milestone id>`")
        return self


class Presence(Strict):
    """A force stationed: where, how many, rotating how often."""

    where: Where
    area: str | None = Field(
        default=None, description="Where within that place, e.g. 'away from the front line'."
    )
    personnel: int | None = Field(default=None, ge=0, description="Troops present at any time.")
    rotation: Duration | None = Field(
        default=None, description="How long one unit stays before it is relieved."
    )


class Ceiling(Strict):
    """A ceiling: `measure` must not exceed `limit` (in `unit`)."""

    measure: str = Field(description="e.g. 'peacetime strength of the Armed Forces of Ukraine'.")
    limit: float = Field(ge=0)
    unit: str = Field(description="e.g. 'personnel'.")


class FinancingInstrument(StrEnum):
    """How money is raised and given."""

    budget_grant = "budget_grant"  # national or EU budget, given
    loan = "loan"  # lent, to be repaid by the beneficiary
    eu_borrowing = "eu_borrowing"  # raised on the markets by the EU, lent or given on
    reparations_loan = (
        "reparations_loan"  # lent against immobilised assets, repaid from reparations
    )
    immobilised_assets_proceeds = "immobilised_assets_proceeds"  # windfall profits of frozen assets
    guarantee = "guarantee"  # a guarantee of other lenders' loans
    other = "other"


class Funding(Strict):
    """Money owed: how much, in which currency, per year or in all, by which instrument."""

    amount: float = Field(ge=0)
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    per_year: bool = Field(default=False, description="The amount is owed each year (else in all).")
    years: list[int] = Field(
        default_factory=list, description="The (fiscal) years it covers, when the text says."
    )
    instrument: FinancingInstrument = FinancingInstrument.budget_grant
    procedure: Id | None = Field(
        default=None, description="The decision procedure that releases it (e.g. EU Council QMV)."
    )
    repaid_from: str | None = Field(
        default=None, description="For loans: what repays them (e.g. 'reparations by Russia')."
    )


class Reporting(Strict):
    """Reports owed at a cadence, to whom."""

    every: Duration
    to: list[Id] = Field(min_length=1)


class StandingObligation(Clause):
    """A duty owed from a start for the life of the agreement, checked by its own monitoring."""

    party: list[Id] = Field(min_length=1, description="Parties bound (ids, or groups).")
    modality: Modality = Modality.must
    kind: StandingKind
    what: str = Field(description="The duty in plain words.")
    start: Start = Field(default_factory=Start)
    lasts: Duration | None = Field(
        default=None, description="How long it is owed; the agreement's term when absent."
    )
    presence: Presence | None = None
    ceiling: Ceiling | None = None
    funding: list[Funding] = Field(default_factory=list)
    reporting: Reporting | None = None
    needs: list[CapabilityNeed] = Field(
        default_factory=list, description="Capabilities it takes (what contributors must supply)."
    )
    caveats: list[Caveat] = Field(default_factory=list)
    monitored_by: Id | None = Field(
        default=None,
        description=(
            "The monitoring arrangement that checks it is met. Required (a reference error "
            "when absent): a standing duty nobody checks cannot be held to account."
        ),
    )

    def as_step(self, order: int) -> LadderStep:
        """This duty as a step to plan (who supplies its needs, by when after its start)."""
        fields = set(LadderStep.model_fields)
        return LadderStep(
            id=self.id,
            order=order,
            title=self.title,
            text=self.text,
            source=self.source,
            assumed={k: v for k, v in self.assumed.items() if k in fields},
            version=self.version,
            action=self.what,
            must=list(self.party),
            needs=list(self.needs),
            within=self.start.within,
        )

    @model_validator(mode="after")
    def _what_it_needs(self) -> StandingObligation:
        """Each kind carries its own facts: a presence its posture, a cap its ceiling, ..."""
        wanted = {
            StandingKind.presence: ("presence", self.presence is not None),
            StandingKind.cap: ("ceiling", self.ceiling is not None),
            StandingKind.financing: ("funding", bool(self.funding)),
            StandingKind.reporting: ("reporting", self.reporting is not None),
        }
        if self.kind in wanted:
            key, present = wanted[self.kind]
            if not present:
                raise ValueError(f"a standing obligation of kind {self.kind.value} needs `{key}`")
        if self.kind is StandingKind.cap and self.modality is not Modality.must_not:
            raise ValueError("a cap is a duty not to exceed a ceiling: write `modality: must_not`")
        return self
