"""The file plan as records management needs it: per unit its retention rule, title and the
pattern of its Akten's Aktenzeichen (`archive` never reads the file plan itself)."""

from __future__ import annotations

from archive.records.rules import FilingPlan, Rule
from classifiers.fileplan import FilePlan


def filing_plan(plan: FilePlan) -> FilingPlan:
    return FilingPlan(
        version=f"{plan.name} {plan.version}",
        rules={u.id: Rule.of(u.retention.model_dump()) for u in plan.units},
        patterns={u.id: u.aktenzeichen_pattern for u in plan.units if u.aktenzeichen_pattern},
        titles={u.id: u.title for u in plan.units},
    )
