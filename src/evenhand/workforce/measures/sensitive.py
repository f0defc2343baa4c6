"""Sensitive allocations: which groups of practitioners are given racially or religiously aggravated and
hate-crime cases, and how often the sensitive-case protocol's consultation cleared the allocation."""

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd
from django.db.models import Exists, OuterRef, Q

from evenhand.cases.models import Allocation
from evenhand.org.models import Grade
from evenhand.workload.models import Consultation
from evenhand.workload.rules import PROTOCOL_FLAGS

from .common import MeasureTable, _proportion

# The practitioners a case can be allocated to: those eligible for a sensitive case.
PRACTITIONER_GRADES = (Grade.PSO, Grade.PO)


def sensitive_allocations(staff_ids: Iterable[int], *, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The allocations made in the period to these staff of a case whose offences include one the
    sensitive-case protocol always covers (racially or religiously aggravated, hate crime): one row each,
    with the practitioner and whether a consultation the practitioner agreed to cleared it."""
    flagged = Q()
    for offence_flag in PROTOCOL_FLAGS:
        flagged |= Q(**{f"sentence__offences__{offence_flag.value}": True})
    rows = list(
        Allocation.objects.filter(
            flagged, practitioner_id__in=list(staff_ids), start_date__gte=start, start_date__lte=end
        )
        .distinct()
        .annotate(consulted=Exists(Consultation.objects.filter(allocation=OuterRef("pk"))))
        .values_list("pk", "practitioner_id", "consulted")
    )
    return pd.DataFrame(rows, columns=["allocation_id", "staff_id", "consulted"])


def _sensitive(
    rows: pd.DataFrame, allocations: pd.DataFrame, context: dict[str, object], withheld: str
) -> list[MeasureTable]:
    """Which groups of the unit's practitioners are given racially or religiously aggravated and hate-crime
    cases (the share of each group's practitioners given one, and each group's share of the allocations
    against its share of the practitioners), and how often the consultation protocol cleared the allocation."""
    declared = rows[(rows["group"] != "") & rows["grade"].isin(PRACTITIONER_GRADES)]
    groups = sorted(set(declared["group"]))
    mine = allocations[allocations["staff_id"].isin(declared.index)].assign(
        group=lambda a: a["staff_id"].map(declared["group"])
    )
    practitioners = declared.groupby("group").size().reindex(groups, fill_value=0)
    given = _proportion(
        ("sensitive_given", "Practitioners given a racially or religiously aggravated or hate-crime case"),
        practitioners,
        mine.groupby("group")["staff_id"].nunique(),
        context=context,
        withheld=withheld,
        counted="Practitioners",
        with_event="Given one",
        section="Sensitive allocations",
    )
    if given.table is not None:
        count = mine.groupby("group").size().reindex(groups, fill_value=0)
        given.table["allocations"] = count
        given.table["share_of_allocations"] = count / count.sum() if count.sum() else np.nan
        given.table["share_of_practitioners"] = practitioners / practitioners.sum()
    consulted = _proportion(
        ("sensitive_consulted", "Sensitive allocations cleared by a consultation first"),
        mine.groupby("group").size().reindex(groups, fill_value=0),
        mine[mine["consulted"].astype(bool)].groupby("group").size(),
        context=context,
        withheld=withheld,
        counted="Allocations",
        with_event="Consulted and agreed",
        section="Sensitive allocations",
    )
    return [given, consulted]
