"""The workload app's part of the to-do list: consultations waiting for a practitioner's answer.

Registered with :mod:`evenhand.cases.agenda` when the app starts (the cases app cannot read this app's tables:
it sits below it), so My cases counts them with everything else, in one more query.
"""

import datetime as dt

from evenhand.cases.agenda import People, TodoItem
from evenhand.cases.todo import TodoKind
from evenhand.core.formatting import date_text
from evenhand.org.models import Role, StaffMember

from .models import Consultation, ConsultationResponse


def _whose(viewer: StaffMember, first: str, last: str) -> str:
    return "your" if viewer.role == Role.PRACTITIONER else f"{first} {last}'s"


def consultations_waiting(people: People, viewer: StaffMember, today: dt.date) -> list[TodoItem]:
    """Consultations about ``people`` still waiting for an answer: for a practitioner, those with them; for a
    manager, those with anyone."""
    rows = Consultation.objects.filter(
        sentence__person_id__among=people, response=ConsultationResponse.PENDING
    )
    if viewer.role == Role.PRACTITIONER:
        rows = rows.filter(practitioner=viewer)
    return [
        TodoItem(
            kind=TodoKind.CONSULTATION,
            person_id=person_id,
            due=consulted_on,
            overdue=False,
            text=f"Consultation of {date_text(consulted_on)} is waiting for {_whose(viewer, first, last)} answer",
            record_id=pk,
        )
        for pk, person_id, consulted_on, first, last in rows.order_by("consulted_on", "pk").values_list(
            "pk", "sentence__person_id", "consulted_on", "practitioner__first_name", "practitioner__last_name"
        )
    ]
