"""Who may see and change which person records.

One place for the rules, used by selectors, services, views and the API alike:

* practitioners, senior probation officers and heads of PDU see the people managed in their own PDU and anyone
  allocated to them wherever they are managed;
* analysts, inspectors and administrators work across the service;
* a record with a restriction list is visible only to the staff on it, and a record never shows to staff on its
  exclusion list, for every role including administrators;
* ethnicity, religion, disability and gender identity are shown only to roles whose work needs them;
* analysts never see names, dates of birth, CRNs or internal ids: they see a stable keyed pseudonym, and
  address records by an opaque token (``record_token``) that only the key turns back into an id.

Reading a record for display goes through the door (``evenhand.people.door`` and ``evenhand.cases.door``),
which applies these rules, writes the access log and shapes the record for the viewer's role.
"""

import base64
import binascii
import functools
import hashlib
import hmac
from typing import Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet

from evenhand.core.ids import MAX_ID
from evenhand.org.access import is_current
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


def visible_people(
    staff: StaffMember, *, within: Literal["", "mine", "team", "pdu"] = ""
) -> QuerySet[Person]:
    """Every person record this member of staff may open, as one indexed query; none for a leaver.

    ``within="mine"``: only those of them allocated to the viewer now; ``"team"``: allocated now to someone in
    the viewer's team; ``"pdu"``: of the viewer's PDU. The same people as narrowing the whole set afterwards,
    but read from the part of the scope that holds them (a practitioner's 150 cases, not their PDU's 3,300
    people as well)."""
    people = Person.objects.all()
    if not is_current(staff):
        return people.none()
    if within not in ("", "mine", "team", "pdu"):
        raise ValueError(f"Unknown part of a scope: {within!r}")
    if within and staff.role not in PDU_SCOPED_ROLES:
        return people.none()  # a caseload, a team and a PDU are scopes of PDU staff only
    if staff.role in PDU_SCOPED_ROLES:
        # Allocations belong to cases, which depends on people: reach them through the relation's name
        # (sentences → allocations) rather than importing the model, so the dependency runs one way. The PDU's
        # people and the viewer's own cases are a union of two indexed reads, so that the cost follows the
        # viewer's scope: "in the PDU OR allocated to me" made PostgreSQL test every person in the country.
        allocated_to_me = (
            Person.objects.filter(
                sentences__allocations__practitioner=staff, sentences__allocations__end_date__isnull=True
            )
            .order_by()
            .values("pk")
        )
        if within == "pdu":
            people = people.filter(pdu_id=staff.pdu_id) if staff.pdu_id is not None else people.none()
        elif within == "team":
            if staff.team_id is None or staff.pdu_id is None:
                return people.none()
            # The team's cases of people of the PDU, and the viewer's own (a member of the team) wherever the
            # person is: a union, as above (with an OR, PostgreSQL read every person in the country).
            in_team = Person.objects.filter(
                pdu_id=staff.pdu_id,
                sentences__allocations__practitioner__team_id=staff.team_id,
                sentences__allocations__end_date__isnull=True,
            )
            people = people.filter(pk__in=in_team.order_by().values("pk").union(allocated_to_me))
        elif staff.pdu_id is None or within == "mine":
            # No team: their own cases only (``pdu_id=None`` would match every person without a PDU).
            people = people.filter(pk__in=allocated_to_me)
        else:
            of_pdu = Person.objects.filter(pdu_id=staff.pdu_id).order_by().values("pk")
            people = people.filter(pk__in=of_pdu.union(allocated_to_me))
    elif staff.role not in SERVICE_WIDE_ROLES:
        return people.none()
    excluded = Exclusion.objects.filter(person=OuterRef("pk"), staff=staff)
    # Hidden: a restricted record whose list does not name the viewer. One anti-join (an OR of two correlated
    # tests was evaluated for every row in scope).
    listed = Restriction.objects.filter(staff=staff).values("person_id")
    restricted_from_me = Restriction.objects.filter(person=OuterRef("pk")).exclude(person_id__in=listed)
    return people.filter(~Exists(excluded)).filter(~Exists(restricted_from_me))


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


# --- opaque references for analysts -------------------------------------------------------------------------

# Kinds of record a token can stand for; the kind is sealed into the token, so a contact's token cannot be
# presented as a person's.
TOKEN_KINDS = (
    "person",
    "sentence",
    "contact",
    "decision",
    "referral",
    "consultation",
    "risk_review",
    "registration",
    "assessment",
    "risk_information",
    "report",  # a pre-sentence report
)


@functools.cache
def _token_cipher(key: str) -> AESSIV:
    # AES-SIV is deterministic authenticated encryption: one id always gives the same token, a token cannot be
    # turned back into the id without the key, and a forged or altered token fails to decrypt.
    material = HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=b"evenhand record token").derive(
        key.encode()
    )
    return AESSIV(material)


def record_token(kind: str, pk: int) -> str:
    """An analyst's opaque, stable reference to one record, derived with the pseudonym key."""
    if kind not in TOKEN_KINDS:
        raise ValueError(f"unknown record kind {kind!r}")
    sealed = _token_cipher(settings.PSEUDONYM_KEY).encrypt(pk.to_bytes(8, "big"), [kind.encode()])
    return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode()


def id_from_token(kind: str, token: str) -> int | None:
    """The id a token stands for, or None for anything that is not a genuine token of this kind."""
    if kind not in TOKEN_KINDS or not 20 <= len(token) <= 60:
        return None
    try:
        sealed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        plain = _token_cipher(settings.PSEUDONYM_KEY).decrypt(sealed, [kind.encode()])
    except (binascii.Error, ValueError, InvalidTag):
        return None
    pk = int.from_bytes(plain, "big")
    return pk if 1 <= pk <= MAX_ID else None
