"""The one door to case records: sentences, contacts, enforcement decisions, referrals, and a person's whole
record page and caseload.

Built on ``evenhand.people.door``: every record is loaded with the person it belongs to checked against the
viewer (``admit``), the view or refusal logged, and the result shaped for the viewer's role
(``evenhand.cases.records``). Lists log one export row per person on each page served. Views and API
operations call these functions and hold no queries of their own.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.paginator import Page
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from evenhand.audit.models import Channel
from evenhand.audit.services import log_export
from evenhand.core.ids import parse_id
from evenhand.org.models import Role, StaffMember
from evenhand.people.access import visible_people
from evenhand.people.door import (
    RecordNotFound,
    admit,
    by_ref,
    open_person_and_model,
    person_for_casework,
    record_id,
    refuse,
    shaped_page,
    shaped_slice,
    sliced,
)
from evenhand.people.models import Person
from evenhand.people.records import Lens, PersonRecord

from . import selectors
from .models import (
    Contact,
    Decision,
    EnforcementDecision,
    Referral,
    Registration,
    RiskInformation,
    RiskSummary,
    Sentence,
)
from .records import (
    ContactRecord,
    DecisionRecord,
    ReferralRecord,
    RegistrationRecord,
    RiskInformationRecord,
    RiskRecord,
    SentenceRecord,
)
from .services import ENDORSING_ROLES, Proposal, propose_enforcement, proposed_recall

M = TypeVar("M", bound=Model)


# --- one record ---------------------------------------------------------------------------------------------


def _load(
    rows: QuerySet[M], kind: str, ref: str | int, lens: Lens, person_of: Callable[[M], int]
) -> tuple[M, int]:
    """A record of any kind by the viewer's reference, unchecked, and the id of the person it belongs to."""
    found = rows.filter(pk=record_id(lens, kind, ref)).first()
    if found is None:
        raise RecordNotFound(f"No such {kind}.")
    return found, person_of(found)


def _open(
    *,
    viewer: StaffMember,
    rows: QuerySet[M],
    kind: str,
    ref: str | int,
    person_of: Callable[[M], int],
    channel: Channel,
    purpose: str,
    casework: bool = False,
) -> M:
    lens = Lens.of(viewer)
    found, person_id = _load(rows, kind, ref, lens, person_of)
    admit(viewer=viewer, person_id=person_id, channel=channel, purpose=purpose, casework=casework)
    return found


def _sentences() -> QuerySet[Sentence]:
    return selectors.sentences_with_parts().select_related("person")


def _contacts() -> QuerySet[Contact]:
    return Contact.objects.select_related(
        "person", "sentence", "recorded_by", "outcome_recorded_by", "rescheduled_to", "rescheduled_from"
    )


def _decisions() -> QuerySet[EnforcementDecision]:
    return selectors.decisions_to_show(EnforcementDecision.objects.select_related("sentence__person"))


def _referrals() -> QuerySet[Referral]:
    return Referral.objects.select_related("person", "sentence", "made_by")


def _registrations() -> QuerySet[Registration]:
    return selectors.registrations_with_reviews().select_related("person")


def _risk_reviews() -> QuerySet[RiskSummary]:
    return RiskSummary.objects.select_related("person", "recorded_by")


# Each kind limited to what the viewer may see, for lists.


def sentences_in_view(viewer: StaffMember) -> QuerySet[Sentence]:
    return _sentences().filter(person__in=visible_people(viewer))


def contacts_in_view(viewer: StaffMember) -> QuerySet[Contact]:
    return _contacts().filter(person__in=visible_people(viewer))


def decisions_in_view(viewer: StaffMember) -> QuerySet[EnforcementDecision]:
    return _decisions().filter(sentence__person__in=visible_people(viewer))


def referrals_in_view(viewer: StaffMember) -> QuerySet[Referral]:
    return _referrals().filter(person__in=visible_people(viewer))


def registrations_in_view(viewer: StaffMember) -> QuerySet[Registration]:
    return _registrations().filter(person__in=visible_people(viewer))


def risk_reviews_in_view(viewer: StaffMember) -> QuerySet[RiskSummary]:
    return _risk_reviews().filter(person__in=visible_people(viewer))


def _person_of_sentence(s: Sentence) -> int:
    return s.person_id


def _person_of_contact(c: Contact) -> int:
    return c.person_id


def _person_of_decision(d: EnforcementDecision) -> int:
    return d.sentence.person_id


def _person_of_referral(r: Referral) -> int:
    return r.person_id


def _person_of_registration(r: Registration) -> int:
    return r.person_id


def _person_of_risk(r: RiskSummary) -> int:
    return r.person_id


def open_sentence(*, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str) -> SentenceRecord:
    sentence = _open(
        viewer=viewer,
        rows=_sentences(),
        kind="sentence",
        ref=ref,
        person_of=_person_of_sentence,
        channel=channel,
        purpose=purpose,
    )
    return SentenceRecord.shape(sentence, Lens.of(viewer))


def open_contact(*, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str) -> ContactRecord:
    contact = _open(
        viewer=viewer,
        rows=_contacts(),
        kind="contact",
        ref=ref,
        person_of=_person_of_contact,
        channel=channel,
        purpose=purpose,
    )
    return ContactRecord.shape(contact, Lens.of(viewer))


def open_decision(*, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str) -> DecisionRecord:
    decision = _open(
        viewer=viewer,
        rows=_decisions(),
        kind="decision",
        ref=ref,
        person_of=_person_of_decision,
        channel=channel,
        purpose=purpose,
    )
    return DecisionRecord.shape(decision, Lens.of(viewer))


def open_referral(*, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str) -> ReferralRecord:
    referral = _open(
        viewer=viewer,
        rows=_referrals(),
        kind="referral",
        ref=ref,
        person_of=_person_of_referral,
        channel=channel,
        purpose=purpose,
    )
    return ReferralRecord.shape(referral, Lens.of(viewer))


def open_risk_review(*, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str) -> RiskRecord:
    review = _open(
        viewer=viewer,
        rows=_risk_reviews(),
        kind="risk_review",
        ref=ref,
        person_of=_person_of_risk,
        channel=channel,
        purpose=purpose,
    )
    return RiskRecord.shape(review, Lens.of(viewer))


def open_registration(
    *, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str
) -> RegistrationRecord:
    registration = _open(
        viewer=viewer,
        rows=_registrations(),
        kind="registration",
        ref=ref,
        person_of=_person_of_registration,
        channel=channel,
        purpose=purpose,
    )
    return RegistrationRecord.shape(registration, Lens.of(viewer))


# --- models for casework: forms and write operations ----------------------------------------------------------


def sentence_for_casework(
    *, viewer: StaffMember, sentence_id: int | str, channel: Channel, purpose: str
) -> Sentence:
    """The sentence model for recording casework on it (a decision, a contact …); logged like a view."""
    return _open(
        viewer=viewer,
        rows=_sentences(),
        kind="sentence",
        ref=sentence_id,
        person_of=_person_of_sentence,
        channel=channel,
        purpose=purpose,
        casework=True,
    )


def contact_for_casework(
    *, viewer: StaffMember, contact_id: int | str, channel: Channel, purpose: str
) -> Contact:
    return _open(
        viewer=viewer,
        rows=_contacts(),
        kind="contact",
        ref=contact_id,
        person_of=_person_of_contact,
        channel=channel,
        purpose=purpose,
        casework=True,
    )


def referral_for_casework(
    *, viewer: StaffMember, referral_id: int | str, channel: Channel, purpose: str
) -> Referral:
    return _open(
        viewer=viewer,
        rows=_referrals(),
        kind="referral",
        ref=referral_id,
        person_of=_person_of_referral,
        channel=channel,
        purpose=purpose,
        casework=True,
    )


def registration_for_casework(
    *, viewer: StaffMember, registration_id: int | str, channel: Channel, purpose: str
) -> Registration:
    """The registration model, for reviewing or ending it (casework roles with access only); logged like a
    view."""
    return _open(
        viewer=viewer,
        rows=_registrations(),
        kind="registration",
        ref=registration_id,
        person_of=_person_of_registration,
        channel=channel,
        purpose=purpose,
        casework=True,
    )


def decision_on_sentence(*, sentence: Sentence, decision_id: int | str) -> EnforcementDecision:
    """A decision of a sentence already opened for casework (the one a correction corrects)."""
    pk = parse_id(decision_id)
    found = _decisions().filter(sentence=sentence, pk=pk).first() if pk is not None else None
    if found is None:
        raise RecordNotFound("No such decision.")
    return found


def casework_contacts(*, sentence: Sentence, ids: list[int]) -> list[Contact]:
    """Contacts of a sentence already opened for casework, by id (the failures a decision answers)."""
    return list(Contact.objects.filter(sentence=sentence, pk__in=ids).select_related("sentence"))


# --- casework pages: what a form that records casework shows, and the models its service takes --------------
#
# Each opens its record for casework (a casework role with access to the person, or a refusal logged and
# raised), logs the view, and returns the records the page shows, shaped, beside the models the form and the
# service call need. The page shows the person only through ``person`` (a PersonRecord).


@dataclass(frozen=True)
class PersonCasework:
    """A form that records casework on a person (a contact, a referral)."""

    person: PersonRecord
    model: Person
    sentences: QuerySet[Sentence]  # the running sentences the form offers
    has_sentences: bool


@dataclass(frozen=True)
class ContactCasework:
    """A form that records the outcome of a contact."""

    person: PersonRecord
    contact: ContactRecord
    model: Contact


@dataclass(frozen=True)
class DecisionCasework:
    """A form that records an enforcement decision on a sentence, or corrects one."""

    person: PersonRecord
    sentence: SentenceRecord
    model: Sentence
    corrects: DecisionRecord | None
    corrects_model: EnforcementDecision | None
    failures: QuerySet[Contact]  # the failures the form offers
    ticked: list[int]  # the failures ticked at first
    proposal: Proposal | None  # what the rules propose for the failure asked about, or the oldest


@dataclass(frozen=True)
class SentenceCasework:
    """A form that acts on a sentence: record a release, end it, extend it."""

    person: PersonRecord
    sentence: SentenceRecord
    model: Sentence


@dataclass(frozen=True)
class RegistrationCasework:
    """A form that reviews or ends one of a person's open registrations."""

    person: PersonRecord
    model: Person
    registrations: QuerySet[Registration]  # the open registrations the form offers
    listed: list[RegistrationRecord]


@dataclass(frozen=True)
class ReferralCasework:
    """A form that moves a referral on."""

    person: PersonRecord
    referral: ReferralRecord
    model: Referral


def person_casework(*, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str) -> PersonCasework:
    person = person_for_casework(
        viewer=viewer,
        person_id=ref,  # type: ignore[arg-type]  # an id or an analyst's token, as record_id takes
        channel=channel,
        purpose=purpose,
    )
    sentences = selectors.active_sentences(person)
    return PersonCasework(
        person=PersonRecord.shape(person, Lens.of(viewer)),
        model=person,
        sentences=sentences,
        has_sentences=sentences.exists(),
    )


def sentence_casework(
    *, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str
) -> SentenceCasework:
    """A sentence opened for casework on it (casework roles with access only; the view or refusal logged)."""
    sentence = _open(
        viewer=viewer,
        rows=_sentences().select_related("person__pdu__region"),
        kind="sentence",
        ref=ref,
        person_of=_person_of_sentence,
        channel=channel,
        purpose=purpose,
        casework=True,
    )
    lens = Lens.of(viewer)
    return SentenceCasework(
        person=PersonRecord.shape(sentence.person, lens),
        sentence=SentenceRecord.shape(sentence, lens),
        model=sentence,
    )


def registrations_casework(
    *, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str
) -> RegistrationCasework:
    """A person opened for reviewing or ending one of their open registrations (the form offers them)."""
    person = person_for_casework(
        viewer=viewer,
        person_id=ref,  # type: ignore[arg-type]  # an id or an analyst's token, as record_id takes
        channel=channel,
        purpose=purpose,
    )
    lens = Lens.of(viewer)
    open_ones = selectors.registrations_of(person).filter(end_date__isnull=True)
    return RegistrationCasework(
        person=PersonRecord.shape(person, lens),
        model=person,
        registrations=open_ones,
        listed=[RegistrationRecord.shape(r, lens) for r in open_ones],
    )


def contact_casework(
    *, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str
) -> ContactCasework:
    contact = _open(
        viewer=viewer,
        rows=_contacts().select_related("person__pdu__region"),
        kind="contact",
        ref=ref,
        person_of=_person_of_contact,
        channel=channel,
        purpose=purpose,
        casework=True,
    )
    lens = Lens.of(viewer)
    return ContactCasework(
        person=PersonRecord.shape(contact.person, lens),
        contact=ContactRecord.shape(contact, lens),
        model=contact,
    )


def decision_casework(
    *,
    viewer: StaffMember,
    sentence_ref: str | int,
    channel: Channel,
    corrects_ref: str | None = None,
    contact_ref: str | None = None,
) -> DecisionCasework:
    """The enforcement decision form of a sentence. With ``corrects_ref`` it corrects that decision (of the
    same sentence, or no such decision) and offers the failures it answered; otherwise it offers the
    failures still waiting for a decision. The proposal is for the failure ``contact_ref`` names, or else
    the oldest."""
    purpose = (
        "Correct an enforcement decision" if corrects_ref is not None else "Record an enforcement decision"
    )
    sentence = _open(
        viewer=viewer,
        rows=_sentences().select_related("person__pdu__region"),
        kind="sentence",
        ref=sentence_ref,
        person_of=_person_of_sentence,
        channel=channel,
        purpose=purpose,
        casework=True,
    )
    corrects = None
    if corrects_ref is not None:
        corrects = decision_on_sentence(sentence=sentence, decision_id=corrects_ref)
    failures = selectors.failures_to_decide(sentence, corrects=corrects)
    listed = list(failures)
    asked = [failure for failure in listed if str(failure.pk) == contact_ref]
    first = (asked or listed)[:1]
    lens = Lens.of(viewer)
    return DecisionCasework(
        person=PersonRecord.shape(sentence.person, lens),
        sentence=SentenceRecord.shape(sentence, lens),
        model=sentence,
        corrects=DecisionRecord.shape(corrects, lens) if corrects is not None else None,
        corrects_model=corrects,
        failures=failures,
        ticked=[failure.pk for failure in asked or listed],
        proposal=propose_enforcement(first[0]) if first else None,
    )


def referral_casework(
    *, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str
) -> ReferralCasework:
    referral = _open(
        viewer=viewer,
        rows=_referrals().select_related("person__pdu__region"),
        kind="referral",
        ref=ref,
        person_of=_person_of_referral,
        channel=channel,
        purpose=purpose,
        casework=True,
    )
    lens = Lens.of(viewer)
    return ReferralCasework(
        person=PersonRecord.shape(referral.person, lens),
        referral=ReferralRecord.shape(referral, lens),
        model=referral,
    )


# --- a person's whole record ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonPage:
    person: PersonRecord
    lens: Lens
    risk: RiskRecord | None
    risk_history: list[RiskRecord]  # earlier reviews, latest first
    registrations: list[RegistrationRecord]
    sentences: list[SentenceRecord]
    timeline: Page  # of ContactRecord
    decisions: list[DecisionRecord]
    referrals: list[ReferralRecord]
    outstanding: list[ContactRecord]
    risk_information: list[RiskInformationRecord]


def open_person_page(
    *, viewer: StaffMember, ref: str | int, channel: Channel, timeline_page: Any = None
) -> PersonPage:
    """Everything the person page shows, shaped for the viewer; one view row in the access log."""
    person, record = open_person_and_model(viewer=viewer, ref=ref, channel=channel, purpose="Person record")
    lens = Lens.of(viewer)
    reviews = list(selectors.risk_history(person)[:11])
    risk = reviews[0] if reviews else None
    timeline = selectors.timeline(person)
    page = shaped_page(
        viewer=viewer,
        rows=timeline,
        number=timeline_page,
        per_page=20,
        person_of=_person_of_contact,
        shape=lambda c: ContactRecord.shape(c, lens, with_decisions=True),
        channel=channel,
        purpose="Person record: contacts",
        log=False,
    )
    return PersonPage(
        person=record,
        lens=lens,
        risk=RiskRecord.shape(risk, lens) if risk is not None else None,
        risk_history=[RiskRecord.shape(r, lens) for r in reviews[1:]],
        registrations=[RegistrationRecord.shape(r, lens) for r in selectors.registrations_of(person)[:50]],
        sentences=[SentenceRecord.shape(s, lens) for s in selectors.sentences_of(person)],
        timeline=page,
        decisions=[DecisionRecord.shape(d, lens) for d in selectors.enforcement_history(person)[:50]],
        referrals=[ReferralRecord.shape(r, lens) for r in selectors.referrals_of(person)[:50]],
        outstanding=[
            ContactRecord.shape(c, lens)
            for c in selectors.outstanding_failures(person).select_related(
                "recorded_by", "outcome_recorded_by", "rescheduled_from"
            )[:20]
        ],
        risk_information=[
            RiskInformationRecord.shape(i, lens) for i in selectors.risk_information_of(person)[:20]
        ],
    )


# --- caseloads ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseloadRow:
    person: PersonRecord
    tier: str | None
    rosh: str | None
    next_appointment: Any
    outstanding_enforcement: int


def caseload_of(viewer: StaffMember) -> tuple[str, QuerySet[Person]]:
    """What "My cases" lists: a practitioner's own caseload, an SPO's team's, a head of PDU's PDU's, with each
    person's case summary, by name; nothing for other roles (their title is empty)."""
    title, people = caseload_scope(viewer)
    if not title:
        return title, people
    return title, selectors.with_case_summary(people.select_related("pdu", "pdu__region")).order_by(
        "last_name", "first_name", "pk"
    )


def caseload_scope(viewer: StaffMember) -> tuple[str, QuerySet[Person]]:
    """The people of the viewer's "My cases" (``caseload_of``), as a narrow query to filter by: no summary,
    no order."""
    # Read from the part of what the viewer may see that holds them (``visible_people(within=…)``): PostgreSQL
    # otherwise reads the whole PDU to keep a practitioner's 150.
    if viewer.role == Role.PRACTITIONER:
        title, people = "My cases", visible_people(viewer, within="mine")
    elif viewer.role == Role.SPO and viewer.team_id:
        title, people = f"Cases in {viewer.team}", visible_people(viewer, within="team")
    elif viewer.role == Role.HEAD_OF_PDU and viewer.pdu_id is not None:
        title, people = "Cases in the PDU", visible_people(viewer, within="pdu")
    else:
        return "", Person.objects.none()
    return title, people


def _caseload_row(person: Any, lens: Lens) -> CaseloadRow:
    return CaseloadRow(
        person=PersonRecord.shape(person, lens),
        tier=person.tier,
        rosh=person.rosh,
        next_appointment=lens.date(person.next_appointment),
        outstanding_enforcement=person.outstanding_enforcement or 0,
    )


def caseload_page(*, viewer: StaffMember, page: Any, channel: Channel) -> tuple[str, Page | None]:
    """One page of "My cases", shaped and logged."""
    title, people = caseload_of(viewer)
    if not title:
        return title, None
    lens = Lens.of(viewer)
    return title, shaped_page(
        viewer=viewer,
        rows=people,
        number=page,
        person_of=lambda p: p.pk,
        shape=lambda p: _caseload_row(p, lens),
        channel=channel,
        purpose=f"Caseload: {title}",
    )


def caseload_export(*, viewer: StaffMember, channel: Channel, limit: int) -> tuple[str, list[CaseloadRow]]:
    """The whole of "My cases" (up to ``limit`` people) for a download, logged as an export."""
    title, people = caseload_of(viewer)
    lens = Lens.of(viewer)
    _, rows = shaped_slice(
        viewer=viewer,
        rows=people,
        offset=0,
        limit=limit,
        person_of=lambda p: p.pk,
        shape=lambda p: _caseload_row(p, lens),
        channel=channel,
        purpose=f"Caseload CSV: {title}",
    )
    return title, rows


# --- lists for the API, and records just written --------------------------------------------------------------


def _month_at_or_after(value: dt.datetime) -> dt.datetime:
    """The first instant of a month (UTC, as analysts see dates) at or after ``value``."""
    utc = value.astimezone(dt.UTC)
    start = utc.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if start == utc:
        return start
    try:
        return (start + dt.timedelta(days=32)).replace(day=1)
    except OverflowError:
        return dt.datetime.max.replace(tzinfo=dt.UTC)


def list_sentences(
    *,
    viewer: StaffMember,
    person: str | None = None,
    type: str | None = None,
    active: bool | None = None,
    offset: int,
    limit: int,
    channel: Channel,
    purpose: str,
) -> tuple[int, list[SentenceRecord]]:
    """Sentences the viewer may see, newest first, shaped; the page is logged as an export.

    ``person`` is the viewer's reference to a person (an id, or an analyst's token); ``active`` keeps the
    sentences still running (true) or ended (false).
    """
    lens = Lens.of(viewer)
    rows = by_ref(sentences_in_view(viewer), "person_id", lens, "person", person)
    if type:
        rows = rows.filter(type=type)
    if active is not None:
        running = Q(termination_date__isnull=True) | Q(termination_date__gte=timezone.localdate())
        rows = rows.filter(running if active else ~running)
    return shaped_slice(
        viewer=viewer,
        rows=rows.order_by("-start_date", "-pk"),
        offset=offset,
        limit=limit,
        person_of=_person_of_sentence,
        shape=lambda s: SentenceRecord.shape(s, lens),
        channel=channel,
        purpose=purpose,
    )


def list_contacts(
    *,
    viewer: StaffMember,
    person: str | None = None,
    sentence: str | None = None,
    outcome: str | None = None,
    starts_from: dt.datetime | None = None,
    starts_to: dt.datetime | None = None,
    offset: int,
    limit: int,
    channel: Channel,
    purpose: str,
) -> tuple[int, list[ContactRecord]]:
    """Contacts the viewer may see, latest first, shaped; the page is logged as an export.

    An analyst sees a contact's time as the first of its month, and the time filters compare with that: a
    bound inside a month stands for the month after, so a filter cannot recover exact times.
    """
    lens = Lens.of(viewer)
    rows = by_ref(contacts_in_view(viewer), "person_id", lens, "person", person)
    rows = by_ref(rows, "sentence_id", lens, "sentence", sentence)
    if outcome:
        rows = rows.filter(outcome=outcome)
    if starts_from is not None:
        rows = rows.filter(starts_at__gte=starts_from if lens.identity else _month_at_or_after(starts_from))
    if starts_to is not None:
        rows = rows.filter(starts_at__lt=starts_to if lens.identity else _month_at_or_after(starts_to))
    return shaped_slice(
        viewer=viewer,
        rows=rows.order_by("-starts_at", "-pk"),
        offset=offset,
        limit=limit,
        person_of=_person_of_contact,
        shape=lambda c: ContactRecord.shape(c, lens),
        channel=channel,
        purpose=purpose,
    )


def list_decisions(
    *,
    viewer: StaffMember,
    person: str | None = None,
    sentence: str | None = None,
    decision: str | None = None,
    offset: int,
    limit: int,
    channel: Channel,
    purpose: str,
) -> tuple[int, list[DecisionRecord]]:
    """Enforcement decisions the viewer may see, latest first, corrected ones included; logged as an export."""
    lens = Lens.of(viewer)
    rows = by_ref(decisions_in_view(viewer), "sentence__person_id", lens, "person", person)
    rows = by_ref(rows, "sentence_id", lens, "sentence", sentence)
    if decision:
        rows = rows.filter(decision=decision)
    return shaped_slice(
        viewer=viewer,
        rows=rows.order_by("-decided_at", "-pk"),
        offset=offset,
        limit=limit,
        person_of=_person_of_decision,
        shape=lambda d: DecisionRecord.shape(d, lens),
        channel=channel,
        purpose=purpose,
    )


def list_referrals(
    *,
    viewer: StaffMember,
    person: str | None = None,
    service_area: str | None = None,
    status: str | None = None,
    offset: int,
    limit: int,
    channel: Channel,
    purpose: str,
) -> tuple[int, list[ReferralRecord]]:
    """Referrals the viewer may see, latest first, shaped; the page is logged as an export."""
    lens = Lens.of(viewer)
    rows = by_ref(referrals_in_view(viewer), "person_id", lens, "person", person)
    if service_area:
        rows = rows.filter(service_area=service_area)
    if status:
        rows = rows.filter(status=status)
    return shaped_slice(
        viewer=viewer,
        rows=rows.order_by("-made_on", "-pk"),
        offset=offset,
        limit=limit,
        person_of=_person_of_referral,
        shape=lambda r: ReferralRecord.shape(r, lens),
        channel=channel,
        purpose=purpose,
    )


def list_registrations(
    *,
    viewer: StaffMember,
    person: str | None = None,
    type: str | None = None,
    active: bool | None = None,
    offset: int,
    limit: int,
    channel: Channel,
    purpose: str,
) -> tuple[int, list[RegistrationRecord]]:
    """Registrations the viewer may see, latest start first, shaped; the page is logged as an export."""
    lens = Lens.of(viewer)
    rows = by_ref(registrations_in_view(viewer), "person_id", lens, "person", person)
    if type:
        rows = rows.filter(type=type)
    if active is not None:
        rows = rows.filter(end_date__isnull=active)
    return shaped_slice(
        viewer=viewer,
        rows=rows.order_by("-start_date", "-pk"),
        offset=offset,
        limit=limit,
        person_of=_person_of_registration,
        shape=lambda r: RegistrationRecord.shape(r, lens),
        channel=channel,
        purpose=purpose,
    )


def list_risk_reviews(
    *,
    viewer: StaffMember,
    person: str | None = None,
    offset: int,
    limit: int,
    channel: Channel,
    purpose: str,
) -> tuple[int, list[RiskRecord]]:
    """Risk of serious harm reviews the viewer may see, latest first (a person's first is their current one);
    the page is logged as an export."""
    lens = Lens.of(viewer)
    rows = by_ref(risk_reviews_in_view(viewer), "person_id", lens, "person", person)
    return shaped_slice(
        viewer=viewer,
        rows=rows.order_by("-assessed_on", "-pk"),
        offset=offset,
        limit=limit,
        person_of=_person_of_risk,
        shape=lambda r: RiskRecord.shape(r, lens),
        channel=channel,
        purpose=purpose,
    )


# --- risk information -----------------------------------------------------------------------------------------


def _risk_information() -> QuerySet[RiskInformation]:
    return selectors.risk_information_with_decisions().select_related("person")


def _person_of_information(i: RiskInformation) -> int:
    return i.person_id


def risk_information_in_view(viewer: StaffMember) -> QuerySet[RiskInformation]:
    return _risk_information().filter(person__in=visible_people(viewer))


def open_risk_information(
    *, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str
) -> RiskInformationRecord:
    information = _open(
        viewer=viewer,
        rows=_risk_information(),
        kind="risk_information",
        ref=ref,
        person_of=_person_of_information,
        channel=channel,
        purpose=purpose,
    )
    return RiskInformationRecord.shape(information, Lens.of(viewer))


def list_risk_information(
    *,
    viewer: StaffMember,
    person: str | None = None,
    sentence: str | None = None,
    waiting: bool | None = None,
    offset: int,
    limit: int,
    channel: Channel,
    purpose: str,
) -> tuple[int, list[RiskInformationRecord]]:
    """Risk information the viewer may see, latest received first (``waiting``: only information whose
    decision on recall is not settled, earliest deadline first); the page is logged as an export."""
    lens = Lens.of(viewer)
    rows = risk_information_in_view(viewer)
    if waiting:
        rows = selectors.risk_decisions_waiting(visible_people(viewer))
    else:
        rows = rows.order_by("-received_at", "-pk")
    rows = by_ref(rows, "person_id", lens, "person", person)
    rows = by_ref(rows, "sentence_id", lens, "sentence", sentence)
    return shaped_slice(
        viewer=viewer,
        rows=rows,
        offset=offset,
        limit=limit,
        person_of=_person_of_information,
        shape=lambda i: RiskInformationRecord.shape(i, lens),
        channel=channel,
        purpose=purpose,
    )


def risk_decisions_waiting_for(
    *, viewer: StaffMember, channel: Channel, limit: int = 50
) -> tuple[bool, list[RiskInformationRecord]]:
    """The decisions on risk information not yet settled in the viewer's "My cases" (their own caseload, an
    SPO's team, a head of PDU's PDU), most overdue first, and whether there are more than ``limit``. The people
    listed are logged as an export; an empty list costs one query and logs nothing."""
    title, people = caseload_scope(viewer)
    if not title:
        return False, []
    lens = Lens.of(viewer)
    # The ids first, then the rows (``sliced``): joined to what a row shows, the caseload was applied last,
    # after every piece of risk information in the country (0.6 s for a practitioner's My cases). The rows
    # by their ids alone: with the caseload again, a head of PDU's took 16 ms more.
    rows = sliced(
        selectors.risk_decisions_waiting(people),
        0,
        limit + 1,
        wide=selectors.risk_information_with_decisions().select_related("person"),
    )
    if rows:
        log_export(
            staff=viewer,
            channel=channel,
            detail=f"Decisions on risk information: {title}",
            person_ids=[r.person_id for r in rows[:limit]],
        )
    return len(rows) > limit, [RiskInformationRecord.shape(i, lens) for i in rows[:limit]]


@dataclass(frozen=True)
class InformationCasework:
    """The decision form of a piece of risk information."""

    person: PersonRecord
    information: RiskInformationRecord
    model: RiskInformation
    proposal: Decision | None


def risk_information_for_casework(
    *, viewer: StaffMember, information_id: int | str, channel: Channel, purpose: str
) -> RiskInformation:
    return _open(
        viewer=viewer,
        rows=_risk_information(),
        kind="risk_information",
        ref=information_id,
        person_of=_person_of_information,
        channel=channel,
        purpose=purpose,
        casework=True,
    )


def information_casework(
    *, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str
) -> InformationCasework:
    information = risk_information_for_casework(
        viewer=viewer, information_id=ref, channel=channel, purpose=purpose
    )
    lens = Lens.of(viewer)
    return InformationCasework(
        person=PersonRecord.shape(information.person, lens),
        information=RiskInformationRecord.shape(information, lens),
        model=information,
        proposal=proposed_recall(information),
    )


@dataclass(frozen=True)
class EndorsementCasework:
    """The endorsement form of a decision not to recall."""

    person: PersonRecord
    decision: DecisionRecord
    information: RiskInformationRecord | None
    model: EnforcementDecision


def decision_for_endorsement(
    *, viewer: StaffMember, decision_id: int | str, channel: Channel, purpose: str
) -> EnforcementDecision:
    """An enforcement decision opened to endorse it: a senior probation officer or head of PDU with access to
    the record; anyone else is refused, and the refusal logged, before the decision is shown."""
    lens = Lens.of(viewer)
    decision, person_id = _load(_decisions(), "decision", decision_id, lens, _person_of_decision)
    if viewer.role not in ENDORSING_ROLES:
        refuse(
            viewer=viewer,
            person_id=person_id,
            channel=channel,
            message="Only a senior probation officer or head of PDU can endorse a decision not to recall.",
            role_only=True,
        )
    admit(viewer=viewer, person_id=person_id, channel=channel, purpose=purpose, casework=True)
    return decision


def endorsement_casework(
    *, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str
) -> EndorsementCasework:
    decision = decision_for_endorsement(viewer=viewer, decision_id=ref, channel=channel, purpose=purpose)
    lens = Lens.of(viewer)
    information = (
        _risk_information().filter(pk=decision.risk_information_id).first()
        if decision.risk_information_id is not None
        else None
    )
    return EndorsementCasework(
        person=PersonRecord.shape(decision.sentence.person, lens),
        decision=DecisionRecord.shape(decision, lens),
        information=RiskInformationRecord.shape(information, lens) if information is not None else None,
        model=decision,
    )


def decision_for_casework(
    *, viewer: StaffMember, decision_id: int | str, channel: Channel, purpose: str
) -> EnforcementDecision:
    """An enforcement decision, for endorsing it (casework roles with access only); logged like a view."""
    return _open(
        viewer=viewer,
        rows=_decisions(),
        kind="decision",
        ref=decision_id,
        person_of=_person_of_decision,
        channel=channel,
        purpose=purpose,
        casework=True,
    )


def written_risk_information(*, viewer: StaffMember, information_id: int) -> RiskInformationRecord:
    """Risk information the viewer has just recorded (or decided on), shaped for them."""
    return RiskInformationRecord.shape(_risk_information().get(pk=information_id), Lens.of(viewer))


# A record just written is shown to its author without a second view in the access log: loading what the
# write acted on (``person_for_casework``, ``sentence_for_casework`` …) logged it.


def written_sentence(*, viewer: StaffMember, sentence_id: int) -> SentenceRecord:
    """A sentence the viewer has just recorded, shaped for them."""
    return SentenceRecord.shape(_sentences().get(pk=sentence_id), Lens.of(viewer))


def written_contact(*, viewer: StaffMember, contact_id: int) -> ContactRecord:
    """A contact the viewer has just recorded (or recorded the outcome of), shaped for them."""
    return ContactRecord.shape(_contacts().get(pk=contact_id), Lens.of(viewer))


def written_decision(*, viewer: StaffMember, decision_id: int) -> DecisionRecord:
    """An enforcement decision the viewer has just recorded, shaped for them."""
    return DecisionRecord.shape(_decisions().get(pk=decision_id), Lens.of(viewer))


def written_registration(*, viewer: StaffMember, registration_id: int) -> RegistrationRecord:
    """A registration the viewer has just added, reviewed or ended, shaped for them."""
    return RegistrationRecord.shape(_registrations().get(pk=registration_id), Lens.of(viewer))


def written_risk_review(*, viewer: StaffMember, review_id: int) -> RiskRecord:
    """A risk review the viewer has just recorded, shaped for them."""
    return RiskRecord.shape(_risk_reviews().get(pk=review_id), Lens.of(viewer))


def written_referral(*, viewer: StaffMember, referral_id: int) -> ReferralRecord:
    """A referral the viewer has just made or moved on, shaped for them."""
    return ReferralRecord.shape(_referrals().get(pk=referral_id), Lens.of(viewer))


__all__ = [
    "CaseloadRow",
    "ContactCasework",
    "DecisionCasework",
    "EndorsementCasework",
    "InformationCasework",
    "PersonCasework",
    "PersonPage",
    "ReferralCasework",
    "RegistrationCasework",
    "SentenceCasework",
    "caseload_export",
    "caseload_page",
    "contact_casework",
    "contact_for_casework",
    "contacts_in_view",
    "decision_casework",
    "decision_for_casework",
    "decision_for_endorsement",
    "decisions_in_view",
    "endorsement_casework",
    "information_casework",
    "list_contacts",
    "list_decisions",
    "list_referrals",
    "list_registrations",
    "list_risk_information",
    "list_risk_reviews",
    "list_sentences",
    "open_contact",
    "open_decision",
    "open_person_page",
    "open_referral",
    "open_registration",
    "open_risk_information",
    "open_risk_review",
    "open_sentence",
    "person_casework",
    "referral_casework",
    "referral_for_casework",
    "referrals_in_view",
    "registration_for_casework",
    "registrations_casework",
    "registrations_in_view",
    "risk_decisions_waiting_for",
    "risk_information_for_casework",
    "risk_information_in_view",
    "risk_reviews_in_view",
    "sentence_casework",
    "sentence_for_casework",
    "sentences_in_view",
    "written_contact",
    "written_decision",
    "written_referral",
    "written_registration",
    "written_risk_information",
    "written_risk_review",
    "written_sentence",
]
