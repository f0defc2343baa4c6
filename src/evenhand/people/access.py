"""Who may see and change which person records.

One place for the rules, used by selectors, services, views and the API alike:

* practitioners, senior probation officers and heads of PDU see the people managed in their own PDU and anyone
  allocated to them wherever they are managed;
* analysts, inspectors and administrators work across the service;
* a record with a restriction list is visible only to the staff on it, and a record never shows to staff on its
  exclusion list, for every role including administrators;
* ethnicity, religion, disability and gender identity are shown only to roles whose work needs them;
* analysts never see names, dates of birth or CRNs: they see a stable keyed pseudonym instead.
"""

import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet

from evenhand.org.models import Role, StaffMember

from .models import Exclusion, Person, Restriction

PDU_SCOPED_ROLES = (Role.PRACTITIONER, Role.SPO, Role.HEAD_OF_PDU)
SERVICE_WIDE_ROLES = (Role.ANALYST, Role.INSPECTOR, Role.ADMIN)
# Special-category data: practitioners and managers discuss it in assessment and planning; analysts measure
# disparity with it; inspectors audit both. Administrators support the system and do not need it.
DIVERSITY_ROLES = (Role.PRACTITIONER, Role.SPO, Role.HEAD_OF_PDU, Role.ANALYST, Role.INSPECTOR)
CASEWORK_ROLES = (Role.PRACTITIONER, Role.SPO, Role.HEAD_OF_PDU)


def can_see_diversity(staff: StaffMember) -> bool:
    return staff.role in DIVERSITY_ROLES


def can_see_identity(staff: StaffMember) -> bool:
    """Whether names, dates of birth and CRNs may be shown (not to analysts)."""
    return staff.role != Role.ANALYST


def can_record_casework(staff: StaffMember) -> bool:
    return staff.role in CASEWORK_ROLES


def visible_people(staff: StaffMember) -> QuerySet[Person]:
    """Every person record this member of staff may open, as one indexed query."""
    from evenhand.cases.models import Allocation  # cases depends on people, not the other way round

    people = Person.objects.all()
    if staff.role in PDU_SCOPED_ROLES:
        allocated_to_me = Allocation.objects.filter(
            sentence__person=OuterRef("pk"), practitioner=staff, end_date__isnull=True
        )
        people = people.filter(Q(pdu_id=staff.pdu_id) | Exists(allocated_to_me))
    elif staff.role not in SERVICE_WIDE_ROLES:
        return people.none()
    excluded = Exclusion.objects.filter(person=OuterRef("pk"), staff=staff)
    restricted = Restriction.objects.filter(person=OuterRef("pk"))
    listed = Restriction.objects.filter(person=OuterRef("pk"), staff=staff)
    return people.filter(~Exists(excluded)).filter(~Exists(restricted) | Exists(listed))


def can_view_person(staff: StaffMember, person: Person) -> bool:
    return visible_people(staff).filter(pk=person.pk).exists()


def ensure_can_view(staff: StaffMember, person: Person) -> None:
    if not can_view_person(staff, person):
        raise PermissionDenied("You do not have access to this record.")


def ensure_can_record(staff: StaffMember, person: Person) -> None:
    """Casework writes need a casework role and access to the record."""
    if not can_record_casework(staff):
        raise PermissionDenied("Your role cannot record casework.")
    ensure_can_view(staff, person)


def pseudonym(person_id: int) -> str:
    """A stable pseudonym for analysts: a keyed hash, so it cannot be reversed without the key."""
    digest = hmac.new(settings.PSEUDONYM_KEY.encode(), f"person:{person_id}".encode(), hashlib.sha256)
    return "P-" + digest.hexdigest()[:10].upper()
