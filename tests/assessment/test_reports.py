"""The pre-sentence report: offences from the record, the diversity section prefilled from the conversation,
a proposal never without its rationale, sign-off (the SPO named for dangerousness, never one's own),
immutable once delivered, a correction a new version, the report task counted in the workload figure, the
pages and the PDF through the door, analysts pseudonymised and restricted records hidden."""

import datetime as dt
import html
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from pypdf import PdfReader

from evenhand.assessment.models import (
    DiversityFactor,
    ImmutableReportError,
    PreSentenceReport,
    ReportStatus,
    TopicStatus,
)
from evenhand.assessment.services import TopicAnswer, save_conversation, start_assessment
from evenhand.assessment.services.reports import (
    correct_report,
    return_report,
    save_report_section,
    sign_off_report,
    start_report,
    submit_report,
)
from evenhand.audit.models import AccessLogEntry, Action
from evenhand.cases.models import RoshLevel, SentenceType
from evenhand.org.models import Grade
from evenhand.people.access import record_token
from evenhand.people.models import Characteristic, Ethnicity, IdentifiedBy
from evenhand.people.services import record_diversity_value, restrict_to_staff
from evenhand.workload.models import CountedTask, TaskType
from evenhand.workload.selectors.figures import figure_of
from evenhand.workload.services import ensure_published_weightings, record_task
from tests.factories import (
    AllocationFactory,
    RiskSummaryFactory,
    SentenceFactory,
    StaffMemberFactory,
    names,
    today,
)

pytestmark = pytest.mark.django_db

COURT = "Leeds Magistrates' Court"
RATIONALE = "A rehabilitation activity requirement addresses the thinking skills behind the thefts."


def client_for(staff):
    client = Client()
    client.force_login(staff.user)
    return client


def text(response):
    return html.unescape(response.content.decode())


@pytest.fixture
def case():
    """A person with an earlier order and the order whose offence the court is dealing with, held by a PO."""
    sentence = SentenceFactory()
    person = sentence.person
    SentenceFactory(
        person=person,
        type=SentenceType.COMMUNITY_ORDER,
        start_date=today() - dt.timedelta(days=1500),
        expected_end_date=today() - dt.timedelta(days=1000),
    )
    po = StaffMemberFactory(grade=Grade.PO, pdu=person.pdu, with_user=True)
    AllocationFactory(sentence=sentence, practitioner=po)
    return person, po, sentence.offences.get(is_main=True)


def started(by, person, offence, **changes):
    arguments = {
        "court": COURT,
        "hearing_date": today() + dt.timedelta(days=14),
        "format": "standard",
        "main_offence": offence.pk,
    }
    arguments.update(changes)
    return start_report(by=by, person=person, **arguments)


SECTIONS = {
    "sources": {"sources": ["interview", "cps", "previous_convictions"]},
    "offence": {"offence_analysis": "Took food and baby formula after his benefits were sanctioned."},
    "circumstances": {"circumstances": "Lives with his partner and two children; work ended in March."},
    "diversity": {"diversity": {f.value: f"What {f.value} means here" for f in DiversityFactor}},
    "risk": {
        "risk_analysis": "Low risk of serious harm; the thefts are acquisitive.",
        "protective_factors": "",
    },
    "proposal": {
        "proposal": "community",
        "requirements": ["rar"],
        "rationale": RATIONALE,
        "alternatives": "A fine would add to the debt behind the offending.",
    },
}


def written(by, person, offence, *, proposal=None, **changes):
    report = started(by, person, offence, **changes)
    for section, data in SECTIONS.items():
        if section == "proposal" and proposal is not None:
            data = {**data, **proposal}
        save_report_section(by=by, report=report, section=section, data=data, complete=True)
    report.refresh_from_db()
    return report


# --- writing -------------------------------------------------------------------------------------------


def test_the_diversity_section_is_prefilled_from_the_conversation_and_the_profile(case):
    person, po, offence = case
    record_diversity_value(
        by=po,
        person=person,
        characteristic=Characteristic.ETHNICITY,
        value=Ethnicity.BLACK_CARIBBEAN,
        identified_by=IdentifiedBy.SELF,
        identified_on=today() - dt.timedelta(days=10),
    )
    assessment = start_assessment(by=po, person=person)
    save_conversation(
        by=po,
        assessment=assessment,
        answers={
            "discrimination": TopicAnswer(
                status=TopicStatus.DISCUSSED,
                in_their_words="Stopped and searched most weeks since he was fourteen",
                bearing_on_plan="Distrusts the police; meet at the community centre",
            ),
            "religion": TopicAnswer(status=TopicStatus.DECLINED),
            "caring": TopicAnswer(status=TopicStatus.NOT_YET, not_yet_reason="Interview cut short"),
        },
    )
    report = started(po, person, offence)
    assert report.assessment_id == assessment.pk
    discrimination = report.diversity["discrimination"]
    assert "Stopped and searched most weeks since he was fourteen" in discrimination
    assert "Distrusts the police" in discrimination
    assert "declined" in report.diversity["religion"]
    assert "Interview cut short" in report.diversity["caring"]
    assert "Black: Caribbean" in report.diversity["ethnicity"]
    assert "English" in report.diversity["language"]
    # Aged 30 at the hearing: no maturity prompt from the record.
    assert "maturity" not in report.diversity
    # Record once, measured: what was prefilled counts as prefilled, not typed.
    assert report.prefilled_fields >= len(report.diversity) and report.typed_fields == 2
    # Kept as prefilled and completed: still prefilled. Changed: typed.
    kept = dict(report.diversity)
    kept["maturity"] = "Mature for his age; no bearing"
    save_report_section(by=po, report=report, section="diversity", data={"diversity": kept})
    report.refresh_from_db()
    assert report.typed_fields == 3  # the court, the hearing date and the maturity text
    # Complete, every factor is addressed: culture was not discussed, so it needs the author's words.
    with pytest.raises(ValidationError) as refused:
        save_report_section(
            by=po, report=report, section="diversity", data={"diversity": kept}, complete=True
        )
    assert list(refused.value.message_dict) == ["diversity_culture", "diversity_neurodiversity"][:1]


def test_a_young_adults_maturity_is_prompted_from_the_date_of_birth(case):
    person, po, offence = case
    person.date_of_birth = today() - dt.timedelta(days=20 * 365 + 30)
    person.save()
    report = started(po, person, offence)
    assert "Aged 20" in report.diversity["maturity"]


def test_offences_come_from_the_record_and_bad_input_is_named(case):
    person, po, offence = case
    someone_else = SentenceFactory().offences.get()
    with pytest.raises(ValidationError) as refused:
        started(
            po,
            person,
            someone_else,
            court="",
            hearing_date=today() + dt.timedelta(days=800),
            format="weekly",
        )
    assert set(refused.value.message_dict) == {"court", "hearing_date", "format", "main_offence"}
    assert not PreSentenceReport.objects.exists()
    report = started(po, person, offence)
    assert report.main_offence == offence and report.court == COURT


def test_a_proposal_without_rationale_is_refused_and_nothing_is_written(case):
    person, po, offence = case
    report = started(po, person, offence)
    with pytest.raises(ValidationError) as refused:
        save_report_section(
            by=po,
            report=report,
            section="proposal",
            data={"proposal": "custody", "requirements": [], "rationale": "   ", "alternatives": "A fine"},
        )
    assert list(refused.value.message_dict) == ["rationale"]
    report.refresh_from_db()
    assert (report.proposal, report.alternatives) == ("", "")
    # A community order needs a requirement; custody has none.
    with pytest.raises(ValidationError) as refused:
        save_report_section(
            by=po,
            report=report,
            section="proposal",
            data={"proposal": "community", "rationale": RATIONALE, "alternatives": "A fine"},
            complete=True,
        )
    assert list(refused.value.message_dict) == ["requirements"]
    with pytest.raises(ValidationError) as refused:
        save_report_section(
            by=po,
            report=report,
            section="proposal",
            data={"proposal": "custody", "requirements": ["rar"], "rationale": RATIONALE},
        )
    assert list(refused.value.message_dict) == ["requirements"]


def test_a_report_cannot_be_submitted_until_every_section_is_complete(case):
    person, po, offence = case
    report = started(po, person, offence)
    save_report_section(by=po, report=report, section="sources", data=SECTIONS["sources"], complete=True)
    with pytest.raises(ValidationError) as refused:
        submit_report(by=po, report=report)
    assert set(refused.value.message_dict) == {"offence", "circumstances", "diversity", "risk", "proposal"}
    # A fast report may leave the person's circumstances out; a standard one may not.
    with pytest.raises(ValidationError) as refused:
        save_report_section(by=po, report=report, section="circumstances", data={}, complete=True)
    assert list(refused.value.message_dict) == ["circumstances"]
    fast = started(po, person, offence, format="fast_short")
    save_report_section(by=po, report=fast, section="circumstances", data={}, complete=True)


# --- sign-off ------------------------------------------------------------------------------------------


def test_a_po_delivers_their_own_report_when_no_sign_off_is_needed(case):
    person, po, offence = case
    report = written(po, person, offence)
    delivered = submit_report(by=po, report=report)
    assert delivered.status == ReportStatus.DELIVERED and delivered.signed_off_by is None
    assert delivered.delivered_on == today()
    # The earlier order is a previous conviction; the order the offence is recorded on is not.
    assert delivered.previous_convictions == 1


def test_a_psos_report_on_a_high_risk_case_is_signed_off_by_an_spo(case):
    person, po, offence = case
    pso = StaffMemberFactory(grade=Grade.PSO, pdu=person.pdu)
    RiskSummaryFactory(person=person, rosh=RoshLevel.HIGH)
    report = written(pso, person, offence)
    assert submit_report(by=pso, report=report).status == ReportStatus.AWAITING_SIGN_OFF
    with pytest.raises(PermissionDenied):
        sign_off_report(by=po, report=report)  # a PO is not an SPO
    spo = StaffMemberFactory(grade=Grade.SPO, pdu=person.pdu)
    signed = sign_off_report(by=spo, report=report)
    assert (signed.status, signed.signed_off_by) == (ReportStatus.DELIVERED, spo)


def test_a_report_that_addresses_dangerousness_is_signed_off_by_the_spo_it_names(case):
    person, po, offence = case
    named = StaffMemberFactory(grade=Grade.SPO, pdu=person.pdu)
    other = StaffMemberFactory(grade=Grade.SPO, pdu=person.pdu)
    report = written(po, person, offence)
    with pytest.raises(ValidationError) as refused:
        submit_report(by=po, report=report, dangerousness=True)
    assert list(refused.value.message_dict) == ["named_spo"]
    with pytest.raises(ValidationError) as refused:
        submit_report(by=po, report=report, dangerousness=True, named_spo=po.pk)  # not an SPO
    assert list(refused.value.message_dict) == ["named_spo"]
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT
    submitted = submit_report(by=po, report=report, dangerousness=True, named_spo=named.pk)
    assert (submitted.status, submitted.named_spo) == (ReportStatus.AWAITING_SIGN_OFF, named)
    with pytest.raises(ValidationError) as refused:
        sign_off_report(by=other, report=report)
    assert "only" in refused.value.messages[0]
    report.refresh_from_db()
    assert report.status == ReportStatus.AWAITING_SIGN_OFF
    assert sign_off_report(by=named, report=report).signed_off_by == named


def test_no_one_signs_off_their_own_report(case):
    person, _, offence = case
    spo = StaffMemberFactory(grade=Grade.SPO, pdu=person.pdu)
    colleague = StaffMemberFactory(grade=Grade.SPO, pdu=person.pdu)
    report = written(spo, person, offence)
    with pytest.raises(ValidationError) as refused:
        submit_report(by=spo, report=report, dangerousness=True, named_spo=spo.pk)
    assert "another" in refused.value.message_dict["named_spo"][0]
    submit_report(by=spo, report=report, dangerousness=True, named_spo=colleague.pk)
    with pytest.raises(ValidationError) as refused:
        sign_off_report(by=spo, report=report)
    assert refused.value.messages == ["You cannot sign off your own report"]
    # The database refuses it too.
    report.refresh_from_db()
    assert PreSentenceReport.objects.filter(pk=report.pk, status=ReportStatus.AWAITING_SIGN_OFF).exists()
    # Returned to draft, it can be changed again.
    assert return_report(by=spo, report=report).status == ReportStatus.DRAFT


# --- immutability and corrections ----------------------------------------------------------------------


def test_a_delivered_report_is_immutable_and_a_correction_is_a_new_version(case):
    person, po, offence = case
    report = submit_report(by=po, report=written(po, person, offence))
    with pytest.raises(ValidationError):
        save_report_section(by=po, report=report, section="proposal", data={"proposal": "custody"})
    stale = PreSentenceReport.objects.get(pk=report.pk)
    stale.rationale = "Rewritten after the hearing"
    with pytest.raises(ImmutableReportError):
        stale.save()
    with pytest.raises(ImmutableReportError):
        stale.delete()
    version = correct_report(by=po, report=report)
    assert (version.version, version.corrects_id, version.status) == (2, report.pk, ReportStatus.DRAFT)
    assert version.rationale == RATIONALE and version.typed_fields == 0 and version.prefilled_fields > 10
    with pytest.raises(ValidationError):
        correct_report(by=po, report=report)  # one correction at a time
    save_report_section(
        by=po,
        report=version,
        section="offence",
        data={"offence_analysis": "Took food and formula; the CPS papers say £40, not £400."},
        complete=True,
    )
    version.refresh_from_db()
    assert version.typed_fields == 1
    submit_report(by=po, report=version)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUPERSEDED
    assert report.offence_analysis == SECTIONS["offence"]["offence_analysis"]  # as it was delivered


# --- workload ------------------------------------------------------------------------------------------


def test_the_report_is_its_authors_report_task_in_the_workload_figure(case):
    person, po, offence = case
    ensure_published_weightings()
    before = figure_of(po)
    report = written(po, person, offence)
    task = CountedTask.objects.get(pk=report.counted_task_id)
    assert (task.practitioner, task.person, task.task_type) == (po, person, TaskType.STANDARD_COURT_REPORT)
    assert (task.assigned_on, task.due_date, task.completed_on) == (today(), report.hearing_date, None)
    during = figure_of(po)
    assert during.tasks == before.tasks + 1
    assert during.task_points == before.task_points + during.weighting.task_points(
        TaskType.STANDARD_COURT_REPORT
    )
    submit_report(by=po, report=report)
    task.refresh_from_db()
    assert task.completed_on == today()
    # A correction is not counted again.
    version = correct_report(by=po, report=report)
    assert version.counted_task_id is None
    assert CountedTask.objects.filter(practitioner=po).count() == 1


def test_a_court_report_task_already_recorded_is_used_not_counted_twice(case):
    person, po, offence = case
    ensure_published_weightings()
    recorded = record_task(
        by=po,
        practitioner=po,
        task_type=TaskType.FAST_COURT_REPORT,
        assigned_on=today() - dt.timedelta(days=2),
        due_date=today() + dt.timedelta(days=5),
        person=person,
    )
    report = started(po, person, offence, format="fast_oral")
    assert report.counted_task_id == recorded.pk
    assert CountedTask.objects.filter(practitioner=po).count() == 1
    # A second report for the same person is a second task.
    second = started(po, person, offence)
    assert second.counted_task_id not in (None, recorded.pk)


def test_an_spo_author_has_no_report_task(case):
    person, _, offence = case
    spo = StaffMemberFactory(grade=Grade.SPO, pdu=person.pdu)
    report = started(spo, person, offence)
    assert report.counted_task_id is None and not CountedTask.objects.exists()


# --- pages, the PDF and who may see them ---------------------------------------------------------------


def test_write_a_report_from_the_person_page_section_by_section(case):
    person, po, offence = case
    client = client_for(po)
    record = text(client.get(f"/people/{person.pk}/"))
    assert "Write a pre-sentence report" in record and f"/people/{person.pk}/reports/new/" in record
    start = text(client.get(f"/people/{person.pk}/reports/new/"))
    assert "Theft from a shop" in start  # the offences are chosen from the record
    response = client.post(
        f"/people/{person.pk}/reports/new/",
        {
            "court": COURT,
            "hearing_date-day": str((today() + dt.timedelta(days=7)).day),
            "hearing_date-month": str((today() + dt.timedelta(days=7)).month),
            "hearing_date-year": str((today() + dt.timedelta(days=7)).year),
            "format": "standard",
            "main_offence": str(offence.pk),
        },
    )
    report = PreSentenceReport.objects.get(person=person)
    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
    page = text(client.get(f"/reports/{report.pk}/"))
    assert "Diversity: how it bears on the offence and the proposal" in page and COURT in page
    # A proposal without its rationale: the error names the field, what was typed is kept, nothing saved.
    url = f"/reports/{report.pk}/sections/proposal/"
    response = client.post(
        url,
        {
            "proposal": "suspended",
            "alternatives": "Considered custody; his children need him",
            "action": "save",
        },
    )
    assert response.status_code == 200
    page = text(response)
    assert "Enter the rationale for the proposal" in page
    assert "Considered custody; his children need him" in page
    report.refresh_from_db()
    assert report.proposal == ""
    response = client.post(
        url,
        {
            "proposal": "suspended",
            "requirements": ["unpaid_work"],
            "rationale": RATIONALE,
            "alternatives": "Considered custody",
            "action": "complete",
        },
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.proposal, report.requirements, report.sections_done) == (
        "suspended",
        ["unpaid_work"],
        ["proposal"],
    )
    diversity = text(client.get(f"/reports/{report.pk}/sections/diversity/"))
    assert "Has the person experienced discrimination or racism" in diversity
    assert client.get(f"/reports/{report.pk}/sections/nonsense/").status_code == 404


def test_the_pdf_holds_the_diversity_section_and_its_download_is_logged(case):
    person, po, offence = case
    report = written(po, person, offence)
    save_report_section(
        by=po,
        report=report,
        section="diversity",
        data={
            "diversity": {
                **SECTIONS["diversity"]["diversity"],
                "discrimination": "Racially abused at work before he lost the job",
            }
        },
        complete=True,
    )
    submit_report(by=po, report=report)
    client = client_for(po)
    response = client.get(f"/reports/{report.pk}/report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    flat = " ".join(content.split())
    assert "Diversity: how it bears on the offence and the proposal" in flat
    assert "Racially abused at work before he lost the job" in flat
    assert RATIONALE in flat and person.crn in flat
    assert AccessLogEntry.objects.filter(
        staff=po, person_id=person.pk, action=Action.EXPORT, detail__contains="PDF"
    ).exists()
    document = text(client.get(f"/reports/{report.pk}/document/"))
    assert '<html lang="en-GB">' in document and "Racially abused at work" in document


def test_other_pdus_analysts_and_restricted_records(case):
    person, po, offence = case
    report = submit_report(by=po, report=written(po, person, offence))
    outsider = StaffMemberFactory(grade=Grade.PO, with_user=True)  # another PDU
    assert client_for(outsider).get(f"/reports/{report.pk}/").status_code == 403
    assert client_for(outsider).get(f"/reports/{report.pk}/report.pdf").status_code == 403
    assert AccessLogEntry.objects.filter(staff=outsider, person_id=person.pk, action=Action.REFUSED).exists()
    with pytest.raises(PermissionDenied):
        start_report(
            by=outsider,
            person=person,
            court=COURT,
            hearing_date=today(),
            format="standard",
            main_offence=offence.pk,
        )

    analyst = StaffMemberFactory(grade=Grade.ANALYST, with_user=True)
    client = client_for(analyst)
    assert client.get(f"/reports/{report.pk}/").status_code == 404  # a plain id is no record
    token = record_token("report", report.pk)
    response = client.get(f"/reports/{token}/")
    assert response.status_code == 200
    page = text(response)
    assert not names(page, person)
    assert COURT not in page and RATIONALE not in page and "What culture means here" not in page
    assert "Community order" in page  # the proposal is what is measured
    assert client.get(f"/reports/{token}/report.pdf").status_code == 403
    assert client.get(f"/reports/{token}/correct/").status_code == 403

    head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=person.pdu, with_user=True)
    restrict_to_staff(by=head, person=person, staff=head, reason="High profile")
    assert client_for(po).get(f"/reports/{report.pk}/").status_code == 403
    assert client_for(po).get(f"/people/{person.pk}/reports/").status_code == 403
    assert client_for(head).get(f"/reports/{report.pk}/").status_code == 200
