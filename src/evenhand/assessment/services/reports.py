"""Write, submit, sign off and correct a pre-sentence report.

Each operation is one transaction: a refusal (a ``ValidationError`` naming the field) leaves nothing
half-written. What the record holds (the offences, the risk of serious harm review, the predictors, the
previous convictions, the diversity conversation) is referenced or prefilled, never typed; the counts of
prefilled and typed fields are kept as an assessment's are. A proposal always carries its rationale. Sign-off
follows the assessment's countersigning rule, and a report that addresses dangerousness is signed off by the
senior probation officer it names; no one signs off their own. Once delivered a report is never changed: a
correction is a new version.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from evenhand.cases.models import Offence, RequirementType, Sentence, SentenceType
from evenhand.cases.selectors import current_risk
from evenhand.core.dates import age_on
from evenhand.core.services import LINE, SHORT_TEXT, TEXT, plain_text
from evenhand.org.access import is_current
from evenhand.org.models import Grade, Role, StaffMember
from evenhand.people.access import ensure_can_record, visible_people
from evenhand.people.models import Characteristic, Person
from evenhand.people.records import entry_label
from evenhand.people.selectors import entries_in_force

from ..models import (
    COUNTERSIGN_ROSH,
    REPORT_FINISHED,
    TOPIC_OF_FACTOR,
    Assessment,
    DiversityFactor,
    DiversityTopic,
    InformationSource,
    PreSentenceReport,
    Proposal,
    ReportFormat,
    ReportSection,
    ReportStatus,
    TopicStatus,
)
from ..signals import report_written

# The fields the author writes, section by section (the diversity section's are ``diversity:<factor>``).
SECTION_FIELDS: dict[str, tuple[str, ...]] = {
    ReportSection.SOURCES: ("sources", "sources_other"),
    ReportSection.OFFENCE: ("offence_analysis",),
    ReportSection.CIRCUMSTANCES: ("circumstances",),
    ReportSection.DIVERSITY: tuple(f"diversity:{f}" for f in DiversityFactor.values),
    ReportSection.RISK: ("risk_analysis", "protective_factors"),
    ReportSection.PROPOSAL: ("proposal", "requirements", "rationale", "alternatives"),
}
# Sentences that are convictions (a licence or post-sentence supervision follows a custodial one).
CONVICTION_TYPES = (
    SentenceType.COMMUNITY_ORDER,
    SentenceType.SUSPENDED_SENTENCE_ORDER,
    SentenceType.CUSTODY,
)
# How far from today a hearing may be: a report is written for a hearing to come, or just held.
HEARING_PAST_DAYS = 90
HEARING_FUTURE_DAYS = 366
MATURITY_AGE = 25  # young adults under 25: maturity is considered


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


# --- what the record holds ------------------------------------------------------------------------------


def previous_convictions(person: Person | int, before: dt.date, *, excluding: int | None = None) -> int:
    """The person's convictions before ``before`` as the record holds them: sentences passed by a court
    (community and suspended sentence orders, custody), not counting the sentence ``excluding`` (the one the
    report's own offence is recorded on)."""
    pk = person if isinstance(person, int) else person.pk
    rows = Sentence.objects.filter(person_id=pk, type__in=CONVICTION_TYPES, start_date__lt=before)
    if excluding is not None:
        rows = rows.exclude(pk=excluding)
    return rows.count()


def conversation_assessment(person: Person) -> Assessment | None:
    """The person's latest assessment that holds a diversity conversation (the report is prefilled from it)."""
    return (
        Assessment.objects.filter(person=person, topics__isnull=False)
        .order_by("-started_on", "-id")
        .distinct()
        .first()
    )


def _topic_text(topic: DiversityTopic | None) -> str:
    if topic is None:
        return ""
    if topic.status == TopicStatus.DECLINED:
        return "The person declined to discuss this in the assessment."
    if topic.status == TopicStatus.NOT_YET:
        reason = f": {topic.not_yet_reason}" if topic.not_yet_reason else ""
        return f"Not yet discussed in the assessment{reason}."
    parts = [f"In the assessment the person said: {topic.in_their_words}"]
    if topic.bearing_on_plan:
        parts.append(f"How it bears on the plan: {topic.bearing_on_plan}")
    return "\n\n".join(parts)


def diversity_prefill(person: Person, assessment: Assessment | None, hearing_date: dt.date) -> dict[str, str]:
    """The diversity section as first written for the author: each factor from the diversity conversation
    (what the person said and how it bears on the plan), ethnicity and religion as the profile records them,
    language from the record, maturity from the person's age on the day of the hearing."""
    topics: dict[str, DiversityTopic] = (
        {t.topic: t for t in assessment.topics.all()} if assessment is not None else {}
    )
    in_force = entries_in_force(person, timezone.localdate())
    texts: dict[str, str] = {}
    for factor in DiversityFactor:
        parts = []
        if factor == DiversityFactor.ETHNICITY and Characteristic.ETHNICITY in in_force:
            parts.append(f"Recorded ethnicity: {entry_label(in_force[Characteristic.ETHNICITY])}.")
        if factor == DiversityFactor.RELIGION and Characteristic.RELIGION in in_force:
            parts.append(f"Recorded religion or belief: {entry_label(in_force[Characteristic.RELIGION])}.")
        if factor == DiversityFactor.LANGUAGE:
            interpreter = " and needs an interpreter" if person.interpreter_required else ""
            parts.append(f"First language {person.first_language}{interpreter}.")
        if factor == DiversityFactor.MATURITY:
            age = age_on(person.date_of_birth, hearing_date)
            if age < MATURITY_AGE:
                parts.append(f"Aged {age} on the day of the hearing: a young adult.")
        topic = TOPIC_OF_FACTOR.get(factor)
        said = _topic_text(topics.get(topic)) if topic is not None else ""
        if said:
            parts.append(said)
        text = "\n\n".join(parts)
        if text:
            texts[factor.value] = text[: TEXT.limit]
    return texts


# --- counts of prefilled and typed ----------------------------------------------------------------------


def _value(report: PreSentenceReport, name: str) -> Any:
    if name.startswith("diversity:"):
        return (report.diversity or {}).get(name.split(":", 1)[1], "")
    return getattr(report, name)


def _record_facts(report: PreSentenceReport) -> int:
    """Facts the report shows from the record, each a field no one typed: the offences, the four RoSH
    levels, the predictors, the previous convictions."""
    facts = 1 + report.other_offences.count() + 1  # the offences; the previous convictions
    review = report.risk_review
    if review is not None:
        levels = (review.rosh_children, review.rosh_public, review.rosh_known_adult, review.rosh_staff)
        facts += sum(1 for level in levels if level) or 1  # an older review has the overall level only
    if report.assessment is not None:
        facts += sum(1 for v in (report.assessment.ogrs, report.assessment.rsr) if v is not None)
    return facts


def _recount(report: PreSentenceReport) -> None:
    prefilled, typed = _record_facts(report), 2  # the court and the hearing date are typed at the start
    carried = report.carried or {}
    if report.corrects_id is not None:
        typed = 0  # a correction carries the court case from the version it corrects
        prefilled += 2
    for names in SECTION_FIELDS.values():
        for name in names:
            value = _value(report, name)
            if value in (None, "", [], {}):
                continue
            if name in carried and carried[name] == value:
                prefilled += 1
            else:
                typed += 1
    PreSentenceReport.objects.filter(pk=report.pk).update(prefilled_fields=prefilled, typed_fields=typed)
    report.prefilled_fields, report.typed_fields = prefilled, typed


# --- start ----------------------------------------------------------------------------------------------


def _offence_of(person: Person, offence_id: Any, field: str) -> Offence:
    try:
        pk = int(offence_id)
    except (TypeError, ValueError):
        raise ValidationError({field: "Choose an offence from the person's record"}) from None
    found = Offence.objects.filter(pk=pk, sentence__person=person).select_related("sentence").first()
    if found is None:
        raise ValidationError({field: "Choose an offence from the person's record"})
    return found


def _hearing_date(value: Any) -> dt.date:
    if not isinstance(value, dt.date):
        raise ValidationError({"hearing_date": "Enter the date of the hearing"})
    today = timezone.localdate()
    if value < today - dt.timedelta(days=HEARING_PAST_DAYS):
        raise ValidationError(
            {"hearing_date": f"The hearing must be within the last {HEARING_PAST_DAYS} days or to come"}
        )
    if value > today + dt.timedelta(days=HEARING_FUTURE_DAYS):
        raise ValidationError({"hearing_date": "The hearing must be within the next year"})
    return value


@transaction.atomic
def start_report(
    *,
    by: StaffMember,
    person: Person,
    court: str,
    hearing_date: dt.date,
    format: str,
    main_offence: Any,
    other_offences: Iterable[Any] = (),
) -> PreSentenceReport:
    """Start a pre-sentence report for a court case: the court, the hearing, the format and the offences,
    chosen from the person's record (never typed). The diversity section is prefilled from the person's
    latest diversity conversation and their profile; the report counts as its author's report task."""
    ensure_can_record(by, person)
    errors: dict[str, list[str]] = {}

    def check(field: str, action: Any) -> Any:
        try:
            return action()
        except ValidationError as error:
            errors.setdefault(field, []).extend(error.messages)
            return None

    court_text = check("court", lambda: plain_text(court, "court", "the court", kind=LINE, required=True))
    hearing = check("hearing_date", lambda: _hearing_date(hearing_date))
    if format not in ReportFormat.values:
        errors.setdefault("format", []).append("Select the format of the report")
    main = check("main_offence", lambda: _offence_of(person, main_offence, "main_offence"))
    others = []
    for given in other_offences or ():
        found = check("other_offences", lambda given=given: _offence_of(person, given, "other_offences"))
        if found is not None and (main is None or found.pk != main.pk) and found not in others:
            others.append(found)
    if errors:
        raise ValidationError(errors)
    assessment = conversation_assessment(person)
    diversity = diversity_prefill(person, assessment, hearing)
    report = PreSentenceReport(
        person=person,
        court=court_text,
        hearing_date=hearing,
        main_offence=main,
        format=format,
        author=by,
        started_on=timezone.localdate(),
        risk_review=current_risk(person),
        assessment=assessment,
        diversity=diversity,
        carried={f"diversity:{factor}": text for factor, text in diversity.items()},
    )
    report.save()
    if others:
        report.other_offences.set(others)
    _recount(report)
    report_written.send(sender=PreSentenceReport, report=report)
    return report


# --- sections -------------------------------------------------------------------------------------------


def _open(report: PreSentenceReport, by: StaffMember) -> PreSentenceReport:
    """The report, locked for this transaction; refused unless it is a draft and ``by`` is its author."""
    locked = (
        PreSentenceReport.objects.select_for_update(of=("self",))
        .select_related("person", "author", "main_offence", "risk_review", "assessment")
        .get(pk=report.pk)
    )
    ensure_can_record(by, locked.person)
    if locked.status in REPORT_FINISHED:
        raise ValidationError({"__all__": "This report has been delivered and cannot be changed: correct it"})
    if locked.status != ReportStatus.DRAFT:
        raise ValidationError({"__all__": "This report is waiting for sign-off and cannot be changed"})
    if locked.author_id != by.pk:
        raise ValidationError({"__all__": "Only the report's author can change it"})
    return locked


def _text(data: Mapping[str, Any], field: str, what: str, errors: dict[str, list[str]], kind=TEXT) -> str:  # type: ignore[no-untyped-def]
    try:
        return plain_text(data.get(field), field, what, kind=kind)
    except ValidationError as error:
        errors.setdefault(field, []).extend(error.messages)
        return ""


def _choices(
    values: Any, allowed: Iterable[str], field: str, what: str, errors: dict[str, list[str]]
) -> list:
    if values in (None, ""):
        return []
    if isinstance(values, str) or not isinstance(values, (list, tuple)):
        errors.setdefault(field, []).append(f"Select {what} from the list")
        return []
    allowed = list(allowed)
    if any(v not in allowed for v in values) or len(values) > len(allowed):
        errors.setdefault(field, []).append(f"Select {what} from the list")
        return []
    return [v for v in allowed if v in values]  # each once, in the list's order


def _checked_section(
    report: PreSentenceReport, section: str, data: Mapping[str, Any], complete: bool
) -> dict[str, Any]:
    """The section's fields cleaned, or a ValidationError naming each field at fault."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    if section == ReportSection.SOURCES:
        values["sources"] = _choices(
            data.get("sources"), InformationSource.values, "sources", "the sources of information", errors
        )
        values["sources_other"] = _text(data, "sources_other", "the other sources", errors, kind=SHORT_TEXT)
        if complete and not values["sources"] and "sources" not in errors:
            errors["sources"] = ["Select at least one source of information"]
    elif section == ReportSection.OFFENCE:
        values["offence_analysis"] = _text(data, "offence_analysis", "the offence analysis", errors)
        if complete and not values["offence_analysis"] and "offence_analysis" not in errors:
            errors["offence_analysis"] = ["Enter the offence analysis"]
    elif section == ReportSection.CIRCUMSTANCES:
        values["circumstances"] = _text(data, "circumstances", "the person's circumstances", errors)
        if complete and not report.is_fast and not values["circumstances"] and "circumstances" not in errors:
            errors["circumstances"] = ["Enter the person's circumstances (a standard report needs them)"]
    elif section == ReportSection.DIVERSITY:
        given = data.get("diversity") or {}
        if not isinstance(given, Mapping) or any(k not in DiversityFactor.values for k in given):
            raise ValidationError({"diversity": "Give the diversity section factor by factor"})
        texts = {}
        for factor in DiversityFactor:
            field = f"diversity_{factor.value}"
            text = _text(
                {field: given.get(factor.value)}, field, f"what you say of {_lower(factor.label)}", errors
            )
            if text:
                texts[factor.value] = text
            elif complete and field not in errors:
                errors[field] = [
                    f"Say how {_lower(factor.label)} bears on the offence and the proposal, or that it does not"
                ]
        values["diversity"] = texts
    elif section == ReportSection.RISK:
        values["risk_analysis"] = _text(data, "risk_analysis", "the risk analysis", errors)
        values["protective_factors"] = _text(data, "protective_factors", "the protective factors", errors)
        if complete and not values["risk_analysis"] and "risk_analysis" not in errors:
            errors["risk_analysis"] = ["Enter the risk analysis"]
    elif section == ReportSection.PROPOSAL:
        proposal = data.get("proposal") or ""
        if proposal not in ("", *Proposal.values):
            errors["proposal"] = ["Select community order, suspended sentence order or custody"]
            proposal = ""
        values["proposal"] = proposal
        values["requirements"] = _choices(
            data.get("requirements"), RequirementType.values, "requirements", "the requirements", errors
        )
        values["rationale"] = _text(data, "rationale", "the rationale for the proposal", errors)
        values["alternatives"] = _text(data, "alternatives", "the alternatives considered", errors)
        if proposal and not values["rationale"] and "rationale" not in errors:
            # A proposal is never saved without its rationale, not even as a draft.
            errors["rationale"] = ["Enter the rationale for the proposal: why this sentence, for this person"]
        if proposal == Proposal.CUSTODY and values["requirements"]:
            errors["requirements"] = [
                "A custodial sentence has no requirements: clear them, or propose an order"
            ]
        if complete:
            if not proposal and "proposal" not in errors:
                errors["proposal"] = [
                    "Select the proposal: community order, suspended sentence order or custody"
                ]
            if proposal == Proposal.COMMUNITY and not values["requirements"] and "requirements" not in errors:
                errors["requirements"] = ["Select at least one requirement for a community order"]
            if not values["alternatives"] and "alternatives" not in errors:
                errors["alternatives"] = [
                    "Enter the alternatives you considered, and why you did not propose them"
                ]
    else:
        raise ValidationError({"__all__": f"There is no section called {section!r}"})
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def save_report_section(
    *,
    by: StaffMember,
    report: PreSentenceReport,
    section: str,
    data: Mapping[str, Any],
    complete: bool = False,
) -> PreSentenceReport:
    """Save one section as far as it goes, or as complete (what the section needs, named by field). The
    risk section shows the record's current risk review and predictors: saving it brings them up to date."""
    report = _open(report, by)
    values = _checked_section(report, section, data, complete)
    for name, value in values.items():
        setattr(report, name, value)
    done = [s for s in report.sections_done if s != section]
    if complete:
        done.append(section)
    report.sections_done = [s for s in ReportSection.values if s in done]
    fields = [*values, "sections_done"]
    if section == ReportSection.RISK:
        report.risk_review = current_risk(report.person)
        report.assessment = conversation_assessment(report.person) or report.assessment
        fields += ["risk_review", "assessment"]
    report.save(update_fields=fields)
    _recount(report)
    return report


# --- submit, sign off, deliver --------------------------------------------------------------------------


def report_problems(report: PreSentenceReport) -> dict[str, list[str]]:
    """What stops the report being submitted: each section not yet complete (by its key)."""
    done = set(report.sections_done or [])
    return {
        section.value: [f"Complete the section: {_lower(section.label)}"]
        for section in ReportSection
        if section.value not in done
    }


def needs_sign_off(report: PreSentenceReport) -> bool:
    """A report that addresses dangerousness, and a PSO's report on a case at high or very high risk of
    serious harm (the assessment's countersigning rule), are signed off by an SPO; others are delivered by
    their author."""
    if report.dangerousness:
        return True
    if report.author.grade != Grade.PSO:
        return False
    risk = current_risk(report.person)
    return risk is not None and risk.rosh in COUNTERSIGN_ROSH


def spo_choices(report: PreSentenceReport) -> list[StaffMember]:
    """The SPOs a report may name: current SPOs of the person's PDU who may see the record, never its author."""
    spos = (
        StaffMember.objects.filter(grade=Grade.SPO, team__pdu_id=report.person.pdu_id)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=timezone.localdate()))
        .exclude(pk=report.author_id)
    )
    return [s for s in spos.order_by("last_name", "first_name")[:50] if _may_sign(s, report)]


def _may_sign(staff: StaffMember, report: PreSentenceReport) -> bool:
    return (
        staff.role == Role.SPO
        and is_current(staff)
        and visible_people(staff).filter(pk=report.person_id).exists()
    )


def _deliver(report: PreSentenceReport, signer: StaffMember | None, now: dt.datetime) -> None:
    report.previous_convictions = min(
        previous_convictions(
            report.person_id, report.hearing_date, excluding=report.main_offence.sentence_id
        ),
        32_767,
    )
    report.status = ReportStatus.DELIVERED
    report.delivered_on = max(timezone.localdate(now), report.started_on)
    report.delivered_at = now
    report.signed_off_by = signer
    report.risk_review = current_risk(report.person) if report.risk_review_id is None else report.risk_review
    report.save(
        update_fields=[
            "previous_convictions",
            "status",
            "delivered_on",
            "delivered_at",
            "signed_off_by",
            "risk_review",
        ]
    )
    if report.corrects_id is not None:
        # The version corrected stays as it was delivered; only its status says a later version replaced it.
        PreSentenceReport.objects.filter(pk=report.corrects_id).update(status=ReportStatus.SUPERSEDED)
    report_written.send(sender=PreSentenceReport, report=report)


@transaction.atomic
def submit_report(
    *,
    by: StaffMember,
    report: PreSentenceReport,
    dangerousness: bool = False,
    named_spo: StaffMember | int | None = None,
) -> PreSentenceReport:
    """Check the report is complete and send it for sign-off, or deliver it when no sign-off is needed. A
    report that addresses dangerousness names the SPO who signs it off (not its author)."""
    report = _open(report, by)
    problems = report_problems(report)
    spo = None
    if dangerousness:
        spo_id = named_spo.pk if isinstance(named_spo, StaffMember) else named_spo
        if spo_id in (None, ""):
            problems["named_spo"] = ["Name the senior probation officer who will sign off this report"]
        elif int(spo_id) == by.pk:
            problems["named_spo"] = [
                "Name another senior probation officer: no one signs off their own report"
            ]
        else:
            spo = StaffMember.objects.filter(pk=spo_id).first()
            if spo is None or not _may_sign(spo, report):
                problems["named_spo"] = ["Name a current senior probation officer who can see this record"]
    if problems:
        raise ValidationError(problems)
    report.dangerousness = dangerousness
    report.named_spo = spo
    now = timezone.now()
    report.risk_review = current_risk(report.person)
    if needs_sign_off(report):
        report.status = ReportStatus.AWAITING_SIGN_OFF
        report.submitted_at = now
        report.save(update_fields=["dangerousness", "named_spo", "status", "submitted_at", "risk_review"])
        return report
    report.save(update_fields=["dangerousness", "named_spo", "risk_review"])
    _deliver(report, None, now)
    return report


def can_sign_off(staff: StaffMember, report: PreSentenceReport) -> bool:
    """A current SPO who is not the author; the SPO named, where the report addresses dangerousness."""
    return (
        report.status == ReportStatus.AWAITING_SIGN_OFF
        and staff.role == Role.SPO
        and is_current(staff)
        and staff.pk != report.author_id
        and (not report.dangerousness or staff.pk == report.named_spo_id)
    )


@transaction.atomic
def sign_off_report(*, by: StaffMember, report: PreSentenceReport) -> PreSentenceReport:
    """An SPO signs off a report waiting for it (never their own), delivering it."""
    locked = (
        PreSentenceReport.objects.select_for_update(of=("self",))
        .select_related("person", "author", "main_offence", "named_spo")
        .get(pk=report.pk)
    )
    ensure_can_record(by, locked.person)
    if locked.status != ReportStatus.AWAITING_SIGN_OFF:
        raise ValidationError({"__all__": "This report is not waiting for sign-off"})
    if by.role != Role.SPO:
        raise PermissionDenied("Only a senior probation officer can sign off a pre-sentence report.")
    if by.pk == locked.author_id:
        raise ValidationError({"__all__": "You cannot sign off your own report"})
    if locked.dangerousness and by.pk != locked.named_spo_id:
        name = locked.named_spo.full_name if locked.named_spo is not None else "the SPO it names"
        raise ValidationError(
            {
                "__all__": f"This report addresses dangerousness: only {name}, the SPO it names, can sign it off"
            }
        )
    _deliver(locked, by, timezone.now())
    return locked


@transaction.atomic
def return_report(*, by: StaffMember, report: PreSentenceReport) -> PreSentenceReport:
    """Send a report waiting for sign-off back to draft (its author, to change it; or the SPO who would sign
    it off)."""
    locked = (
        PreSentenceReport.objects.select_for_update(of=("self",)).select_related("person").get(pk=report.pk)
    )
    ensure_can_record(by, locked.person)
    if locked.status != ReportStatus.AWAITING_SIGN_OFF:
        raise ValidationError({"__all__": "This report is not waiting for sign-off"})
    if by.pk != locked.author_id and not can_sign_off(by, locked):
        raise PermissionDenied("Only the author or the SPO who would sign it off can return it.")
    locked.status = ReportStatus.DRAFT
    locked.submitted_at = None
    locked.save(update_fields=["status", "submitted_at"])
    return locked


# --- correct --------------------------------------------------------------------------------------------

COPIED = (
    "court",
    "hearing_date",
    "main_offence",
    "format",
    "sources",
    "sources_other",
    "offence_analysis",
    "circumstances",
    "diversity",
    "risk_review",
    "assessment",
    "protective_factors",
    "risk_analysis",
    "proposal",
    "requirements",
    "rationale",
    "alternatives",
    "dangerousness",
    "named_spo",
)


@transaction.atomic
def correct_report(*, by: StaffMember, report: PreSentenceReport) -> PreSentenceReport:
    """Start a correction of a delivered report: a new version holding everything the delivered one said
    (prefilled), to change and sign off again. The delivered version is never changed."""
    original = (
        PreSentenceReport.objects.select_for_update(of=("self",)).select_related("person").get(pk=report.pk)
    )
    ensure_can_record(by, original.person)
    if original.status != ReportStatus.DELIVERED:
        raise ValidationError(
            {"__all__": "Only a delivered report that has not been corrected can be corrected"}
        )
    if PreSentenceReport.objects.filter(corrects=original).exists():
        raise ValidationError({"__all__": "This report already has a correction in progress: continue it"})
    version = PreSentenceReport(
        person=original.person,
        author=by,
        version=original.version + 1,
        corrects=original,
        started_on=max(timezone.localdate(), original.started_on),
        sections_done=list(ReportSection.values),
        **{name: getattr(original, name) for name in COPIED},
    )
    version.carried = {name: _value(version, name) for names in SECTION_FIELDS.values() for name in names}
    version.save()
    version.other_offences.set(original.other_offences.all())
    _recount(version)
    return version
