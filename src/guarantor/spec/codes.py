"""Every finding code of `guarantor check`: severity, summary, why it matters, and its views.

One table for the reference checks (GT0xx), the lint of the text (GT1xx) and the lint of the
encoding's provenance (GT2xx); `docs/spec.md` lists the same codes (a test holds them equal).
"""

from __future__ import annotations

from dataclasses import dataclass

from guarantor.spec.findings import Finding, Severity, View

P = tuple[str | int, ...]

BOTH = frozenset(View)
WRITTEN = frozenset({View.as_written})
ENCODED = frozenset({View.as_encoded})


@dataclass(frozen=True)
class LintCode:
    """A stable finding code: how serious, what it finds, why it matters, in which views."""

    code: str
    severity: Severity
    summary: str
    explanation: str
    views: frozenset[View]


_E, _W, _I = Severity.error, Severity.warning, Severity.info

CODES: dict[str, LintCode] = {
    c.code: c
    for c in (
        LintCode("GT001", _E, "reference to something the file does not define", "", BOTH),
        LintCode("GT002", _E, "duplicate id", "", BOTH),
        LintCode("GT003", _E, "pledge dependency cycle", "", BOTH),
        LintCode("GT004", _W, "trigger level that opens nothing", "", BOTH),
        LintCode(
            "GT005",
            _E,
            "something waits on itself (determinations, triggers, step preconditions)",
            "A step that waits on its own outcome can never be taken.",
            BOTH,
        ),
        LintCode(
            "GT006",
            _E,
            "standing obligation that names no monitoring arrangement",
            "A standing duty (a force present, an army under its cap, money paid) is only worth "
            "what checks it: name the monitoring arrangement that does, or encode one graded "
            "`assumed` with the reason when the text names none.",
            ENCODED,
        ),
        LintCode(
            "GT101",
            _E,
            "trigger level with no measurable predicate",
            "Nothing observable decides whether it fired, so whoever wants to deny it can "
            "(Budapest 1994 para 6: consultations 'when a situation arises which raises a "
            "question'; in March 2014 Russia declined to take part).",
            BOTH,
        ),
        LintCode(
            "GT102",
            _E,
            "remedy or determination the obligor or attacker can block (veto)",
            "The party the remedy is aimed at can veto it (Budapest 1994: 'seek immediate UN "
            "Security Council action', where Russia vetoed the draft resolution on Crimea on "
            "15 Mar 2014).",
            BOTH,
        ),
        LintCode(
            "GT103",
            _E,
            "consultation without a deadline or a venue",
            "A consultation with no clock and no place can be evaded by not turning up (Paris, "
            "5 Mar 2014: Russia was invited under Budapest para 6 and did not attend).",
            BOTH,
        ),
        LintCode(
            "GT104",
            _E,
            "no body determines and attributes a breach",
            "Without an attribution body every breach can be disputed indefinitely (the 'little "
            "green men' in Crimea, Feb-Mar 2014, whom Russia disowned until April).",
            BOTH,
        ),
        LintCode(
            "GT105",
            _E,
            "no response ladder",
            "A guarantee needs ordered response options with who may or must act.",
            BOTH,
        ),
        LintCode(
            "GT106",
            _E,
            "ladder step that no party may or must take",
            "A response that nobody is entitled or bound to take will not be taken.",
            BOTH,
        ),
        LintCode(
            "GT107",
            _W,
            "ladder step needs a capability nobody pledged",
            "The step cannot be carried out from the agreement's own contributions.",
            BOTH,
        ),
        LintCode(
            "GT108",
            _W,
            "no contributions pledged",
            "Nothing the guarantors must supply is written down, so nothing can be planned, "
            "delivered or held to account.",
            BOTH,
        ),
        LintCode(
            "GT109",
            _E,
            "pledge forbidden by its own party's caveat",
            "The pledge contradicts the party's national caveat.",
            BOTH,
        ),
        LintCode(
            "GT110",
            _E,
            "dependency on a pledge that does not exist",
            "A dependency on nothing makes the pledge's availability undecidable.",
            BOTH,
        ),
        LintCode(
            "GT111",
            _I,
            "only politically binding",
            "Parties can walk away without breaching international law; successors may not feel "
            "bound.",
            BOTH,
        ),
        LintCode(
            "GT112",
            _E,
            "deadline or duration without a unit",
            "Write the unit ('24 hours', '7 days'): 24 what? Hours and days differ by 24x.",
            BOTH,
        ),
        LintCode(
            "GT113",
            _E,
            "no trigger covers a conventional armed attack or a seizure of territory",
            "The guarantee cannot fire against the most likely violation (Budapest 1994: the only "
            "action clause required nuclear weapons to be used).",
            BOTH,
        ),
        LintCode(
            "GT114",
            _W,
            "no monitoring arrangement",
            "Detection depends on whoever happens to notice; add a monitor, sensors and cadence.",
            BOTH,
        ),
        LintCode(
            "GT115",
            _W,
            "soft deadline ('where possible')",
            "A soft clock: missing it is not a breach. Track it, but do not rely on it.",
            BOTH,
        ),
        LintCode(
            "GT116",
            _E,
            "trigger level that can never be established",
            "No observation can establish it and no body is charged with determining it, so it "
            "never fires (Budapest 1994 para 4: aggression 'in which nuclear weapons are used', "
            "with nobody to find that they were).",
            BOTH,
        ),
        LintCode(
            "GT117",
            _W,
            "discretionary assistance: only 'may', or each party 'as it deems necessary'",
            "Each party decides what, if anything, it does (SEATO 1954, Art. IV: 'act to meet the "
            "common danger in accordance with its constitutional processes'; no collective action "
            "followed in Laos, 1961-62).",
            WRITTEN,
        ),
        LintCode(
            "GT118",
            _W,
            "hold-out veto: one member alone can block a remedy or a determination",
            "One member can stall the remedy for all (Feb 2003: France, Germany and Belgium "
            "blocked NATO's defensive planning for Turkey until it was moved to the Defence "
            "Planning Committee).",
            WRITTEN,
        ),
        LintCode(
            "GT119",
            _W,
            "self-enforcement: only the party bound verifies or enforces its commitment",
            "A promise that only its maker checks is kept only as long as the maker wishes "
            "(Budapest 1994: Russia's undertaking to respect Ukraine's borders had no verifier or "
            "enforcer but Russia).",
            WRITTEN,
        ),
        LintCode(
            "GT120",
            _W,
            "dependence on a non-signatory or on a proposed or assumed pledge",
            "A commitment that rests on someone who has not bound themselves falls with them "
            "(1938: the Soviet-Czechoslovak treaty of 1935 obliged the USSR to help only if "
            "France did first; France did not, and nobody helped).",
            WRITTEN,
        ),
        LintCode(
            "GT121",
            _W,
            "undefined or unpublished agreed line",
            "An advance cannot be measured against a line nobody can see (Minsk II, Feb 2015: "
            "the sides disputed whether Debaltseve lay behind the line of contact, and fighting "
            "for it went on after the ceasefire).",
            WRITTEN,
        ),
        LintCode(
            "GT122",
            _I,
            "share of the encoding that is assumed, not written",
            "What is assumed is not promised (Budapest 1994 was read as 'guarantees' in Kyiv and "
            "as 'assurances' in Washington and London): judge the guarantee on what is written.",
            WRITTEN,
        ),
        LintCode(
            "GT201",
            _E,
            "clause or graded part without a provenance grade",
            "An ungraded clause cannot be told apart from an invention: grade it text, official, "
            "reported or assumed.",
            ENCODED,
        ),
        LintCode(
            "GT202",
            _E,
            "assumed without a reason",
            "An assumption without its reason cannot be reviewed or challenged.",
            ENCODED,
        ),
        LintCode(
            "GT203",
            _E,
            "'text' grade without a quote",
            "The instrument's own words are the evidence of a 'text' grade: quote them.",
            ENCODED,
        ),
        LintCode(
            "GT204",
            _E,
            "grade without a cited document",
            "An official statement or a report is only evidence when it can be found: cite it.",
            ENCODED,
        ),
        LintCode(
            "GT205",
            _E,
            "quote not found in the cited document's recorded text",
            "A quote the document does not contain is not the document's word.",
            ENCODED,
        ),
        LintCode(
            "GT206",
            _E,
            "a document's recorded text cannot be read",
            "Quotes citing it cannot be checked.",
            ENCODED,
        ),
    )
}


def finding(code: str, path: P, message: str, explanation: str = "") -> Finding:
    """A finding of this code (its severity; its standing explanation unless one is given)."""
    c = CODES[code]
    return Finding(code, c.severity, path, message, explanation or c.explanation)
