"""Read queries over person records, always through what the viewer may see."""

import re

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from evenhand.org.models import StaffMember

from .access import can_see_identity, visible_people
from .models import CRN_PATTERN, Person


def search_people(staff: StaffMember, query: str) -> QuerySet[Person]:
    """People the viewer may see whose CRN or name matches.

    Analysts cannot search: a search by name or CRN would tell them who is on probation, which their
    pseudonymised view exists to prevent.
    """
    query = " ".join(query.split())
    people = visible_people(staff).select_related("pdu")
    if not query or not can_see_identity(staff):
        return people.none()
    if re.match(CRN_PATTERN, query.upper()):
        return people.filter(crn=query.upper())
    terms = query.split(" ")
    match = Q()
    for term in terms:
        match &= Q(first_name__istartswith=term) | Q(last_name__istartswith=term)
    return people.filter(match).order_by("last_name", "first_name", "pk")


def person_for(staff: StaffMember, person_id: int) -> Person:
    """The person record, if it exists and the viewer may open it; 404 if not found, 403 if not allowed."""
    try:
        person = Person.objects.select_related("pdu", "pdu__region").get(pk=person_id)
    except Person.DoesNotExist:
        raise Http404("No such person") from None
    if not visible_people(staff).filter(pk=person.pk).exists():
        raise PermissionDenied("You do not have access to this record.")
    return person
