"""The population a unit's staff are compared with: Census 2021 shares by ethnic group (``data/``, its source
and basis stated in the file), for England and Wales and for each probation region (the org app's region
codes, each mapped to the ONS region it lies in).

Representation by grade is the share of a grade's declared staff in each group, with the engine's Wilson
interval (``equality.stats.group_rates``); a group whose population share lies outside that interval is
flagged: the grade's staff differ from the population by more than chance in a unit of that size would
explain.
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evenhand.equality.stats.rates import group_rates
from evenhand.org.models import PDU

DATA = Path(__file__).parent / "data" / "census2021_ethnic_group.json"


@dataclass(frozen=True)
class Population:
    """One area's population shares by ethnic group (fractions adding up to about 1: rounded as
    published), what they are and where they come from."""

    area: str  # the ONS area's name
    code: str  # its ONS code
    shares: dict[str, float]
    description: str
    source: str
    note: str = ""


@cache
def _data() -> dict[str, Any]:
    with DATA.open(encoding="utf-8") as file:
        data: dict[str, Any] = json.load(file)
    return data


def _population(code: str, note: str = "") -> Population:
    data = _data()
    area = data["areas"][code]
    return Population(
        area=area["name"],
        code=code,
        shares={group: percent / 100 for group, percent in area["percent"].items()},
        description=data["population"],
        source=data["source"],
        note=note,
    )


def population_of_region(region_code: str | None) -> Population | None:
    """The population of a probation region (by its org code), or of England and Wales for None; None for a
    region the census file does not map."""
    data = _data()
    if region_code is None:
        return _population(data["national"])
    entry = data["regions"].get(region_code)
    return None if entry is None else _population(entry["area"], entry.get("note", ""))


def population_of_unit(unit: str, level: str) -> Population | None:
    """The population a unit's staff are compared with: nationally England and Wales's, a region's own, a
    PDU's region's (a PDU's own area is not in the file)."""
    if level == "national":
        return population_of_region(None)
    if level == "pdu":
        region = PDU.objects.filter(code=unit).values_list("region__code", flat=True).first()
        return population_of_region(region) if region else None
    return population_of_region(unit)


def compare_with_population(representation: pd.DataFrame, population: Population) -> pd.DataFrame:
    """Representation by grade (``measures.report._representation``: per grade and group, ``n`` the grade's
    declared staff, ``events`` those in the group) with every census group in every grade (a group with no
    staff in a grade is a share of 0, with its interval), each row's ``population_share`` and ``outside``:
    True where the population share lies outside the interval of the staff's share."""
    groups = list(population.shares)
    rows = []
    for grade, part in representation.groupby("grade", sort=True):
        counts = part.set_index("group")["events"]
        order = sorted({*groups, *counts.index})
        counts = counts.reindex(order, fill_value=0)
        total = int(counts.sum())
        rates = group_rates(
            np.full(len(order), total), counts.to_numpy(dtype=np.int64), groups=order
        ).reset_index()
        rates.insert(0, "grade", grade)
        rows.append(rates)
    frame = pd.concat(rows, ignore_index=True)
    frame["population_share"] = frame["group"].map(population.shares).astype(float)
    known = frame["population_share"].notna() & frame["rate_low"].notna()
    frame["outside"] = known & (
        (frame["population_share"] < frame["rate_low"]) | (frame["population_share"] > frame["rate_high"])
    )
    return frame
