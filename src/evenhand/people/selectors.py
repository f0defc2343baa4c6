"""Reading a person's diversity history: the value of each characteristic in force on a date.

The history is ``DiversityEntry`` rows, never edited; the value in force on a date is the one identified most
recently on or before it (of two identified on the same day, the one recorded later); a row corrected by
another (entered in error) is never in force. A person whose profile
was loaded without a history (the synthetic caseload, an import) has the profile's values throughout.
"""

import datetime as dt

from django.db.models import QuerySet

from evenhand.org.models import StaffMember

from .models import DiversityEntry, Person


def diversity_history(person: Person) -> QuerySet[DiversityEntry]:
    """Every row of the person's diversity history, newest first, with who recorded it."""
    return (
        DiversityEntry.objects.filter(person=person)
        .select_related("recorded_by", "corrects", "corrected_by")
        .order_by("-identified_on", "-recorded_at", "-id")
    )


def entries_in_force(person: Person, on: dt.date) -> dict[str, DiversityEntry]:
    """For each characteristic with a history, the row in force on ``on`` (none before its first row)."""
    rows = DiversityEntry.objects.filter(
        person=person, identified_on__lte=on, corrected_by__isnull=True
    ).order_by("identified_on", "recorded_at", "id")
    return {entry.characteristic: entry for entry in rows}


def value_in_force(person: Person, characteristic: str, on: dt.date) -> str | None:
    """The value of one characteristic in force on ``on``; None when its history has no row by then (the
    caller decides: "not recorded" for a person with a history, the profile's value for one without)."""
    entry = entries_in_force(person, on).get(characteristic)
    return entry.value if entry is not None else None


def histories_in_force(
    on: dt.date, characteristics: tuple[str, ...]
) -> tuple[list[tuple[int, str, str]], set[tuple[int, str]]]:
    """For every person with a history, in one query: the (person id, characteristic, value) rows in force on
    ``on``, and the (person id, characteristic) pairs that have a history at all (whose value before the
    first row is "not recorded"). What the equality engine reads for a period."""
    rows = (
        DiversityEntry.objects.filter(characteristic__in=characteristics, corrected_by__isnull=True)
        .order_by("person_id", "characteristic", "identified_on", "recorded_at", "id")
        .values_list("person_id", "characteristic", "value", "identified_on")
    )
    in_force: dict[tuple[int, str], str] = {}
    has_history: set[tuple[int, str]] = set()
    for person_id, characteristic, value, identified_on in rows.iterator(chunk_size=5000):
        key = (person_id, characteristic)
        has_history.add(key)
        if identified_on <= on:
            in_force[key] = value
    return [(p, c, v) for (p, c), v in in_force.items()], has_history


def staff_by_code(code: str) -> StaffMember | None:
    """The member of staff with this staff code (as typed: case and spaces do not matter), or None."""
    code = "".join((code or "").split()).upper()
    return StaffMember.objects.filter(staff_code=code).first() if code else None
