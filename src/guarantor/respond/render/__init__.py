"""Words for the respond room's typed results: reasons, notes, Rich tables, CSV and JSON shapes.

Every sentence the room shows is made in this package, from the typed results of the planner
(`plan.py`, `guarantee.py`, `removal.py`); no other module of the room writes prose, and no code
reads it back. `words` holds the sentences, `tables` the Rich tables, `shapes` the JSON shapes,
`rows` the CSV rows and `catalogue` the views of the capability catalogue.
"""

from guarantor.respond.render.catalogue import (
    capabilities_csv,
    capabilities_table,
    capability_rows,
)
from guarantor.respond.render.rows import contributions_csv, plan_csv
from guarantor.respond.render.shapes import (
    comparison_json,
    contributions_json,
    guarantee_comparison_json,
    guarantee_json,
    plan_json,
    removal_json,
)
from guarantor.respond.render.tables import (
    comparison_table,
    contributions_table,
    fair_share_line,
    guarantee_tables,
    plan_tables,
    removal_tables,
)
from guarantor.respond.render.words import (
    BAND_WORDS,
    HEADLINE,
    amount,
    format_by,
    gap_reason,
    loss_reason,
    money,
    plan_notes,
    removal_text,
    unavailable_reason,
)

__all__ = [
    "BAND_WORDS",
    "HEADLINE",
    "amount",
    "capabilities_csv",
    "capabilities_table",
    "capability_rows",
    "comparison_json",
    "comparison_table",
    "contributions_csv",
    "contributions_json",
    "contributions_table",
    "fair_share_line",
    "format_by",
    "gap_reason",
    "guarantee_comparison_json",
    "guarantee_json",
    "guarantee_tables",
    "loss_reason",
    "money",
    "plan_csv",
    "plan_json",
    "plan_notes",
    "plan_tables",
    "removal_json",
    "removal_tables",
    "removal_text",
    "unavailable_reason",
]
