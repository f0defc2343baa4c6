"""Publishing the workforce report from the releases page as a job on the task queue: the HR analyst's POST
queues it (the tests' task backend runs it at once), it makes the one release the command would make, and the
job's page links to its files; a second publication of the unit's period, a period that does not parse or has
not ended, an unknown unit and every other role are refused with nothing queued or written."""

import datetime as dt

import pytest
from django.test import Client

from evenhand.jobs.models import Job, Status
from evenhand.jobs.services import start_job
from evenhand.org.models import Grade
from evenhand.workforce import publication
from evenhand.workforce.jobs import PUBLICATION_JOB
from evenhand.workforce.models import Declaration, EventKind, HrEvent, WorkforceRelease
from tests.factories import PDUFactory, StaffMemberFactory, TeamFactory

pytestmark = pytest.mark.django_db
PAGE = "/workforce/releases/"
JOINED = dt.date(2020, 1, 1)


def client_for(staff) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client


@pytest.fixture
def hr(db):
    """PDU PWJB: 30 White and 12 Black PSOs, 5 of the White and 2 of the Black promoted in 2025; its HR
    analyst."""
    team = TeamFactory(pdu=PDUFactory(code="PWJB"))
    for ethnicity, count, promoted in (("W1", 30, 5), ("B1", 12, 2)):
        people = StaffMemberFactory.create_batch(count, grade=Grade.PSO, team=team, start_date=JOINED)
        Declaration.objects.bulk_create(
            Declaration(
                staff=p,
                characteristic="ethnicity",
                value=ethnicity,
                declared_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
            )
            for p in people
        )
        HrEvent.objects.bulk_create(
            [
                HrEvent(staff=p, kind=EventKind.JOINED, occurred_on=JOINED, grade=Grade.PSO, route="direct")
                for p in people
            ]
            + [
                HrEvent(staff=p, kind=EventKind.PROMOTED, occurred_on=dt.date(2025, 5, 1), grade=Grade.PO)
                for p in people[:promoted]
            ]
        )
    return StaffMemberFactory(grade=Grade.HR_ANALYST, team=None, with_user=True, start_date=JOINED)


def test_the_page_queues_a_job_that_publishes_one_release(hr):
    client = client_for(hr)
    response = client.post(PAGE, {"period": "2025", "unit": "pwjb"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.kind == PUBLICATION_JOB and job.started_by == hr and job.status == Status.SUCCEEDED, job.error
    release = WorkforceRelease.objects.get()
    assert (release.period, release.unit, release.published_by) == ("2025", "PWJB", hr)
    assert job.result["release"] == release.pk
    # The same release as the command's: the figures of the period's publication for the unit.
    expected = publication.build(publication.PublicationPeriod.parse("2025"), by=hr, unit="PWJB").figures()
    assert release.figures == expected and release.audit["passed"]
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f"/workforce/releases/{release.pk}/ods/" in page and "Workforce report for PWJB, 2025" in page
    assert client.get(f"/workforce/releases/{release.pk}/html/").status_code == 200
    listed = client.get(PAGE).content.decode()
    assert 'id="releases"' in listed and "PWJB" in listed


def test_a_second_publication_of_the_period_is_refused_with_the_reason(hr):
    client = client_for(hr)
    client.post(PAGE, {"period": "2025", "unit": "PWJB"})
    again = client.post(PAGE, {"period": "2025", "unit": "PWJB"})
    assert again.status_code == 400
    html = again.content.decode()
    assert "The workforce report for PWJB, 2025 was published on" in html and "never changed" in html
    assert WorkforceRelease.objects.count() == 1 and Job.objects.count() == 1


def test_a_job_queued_before_another_published_the_period_fails_and_says_why(hr):
    """Two analysts asking at once: the checks pass for both before either has run; the later job fails."""
    publication.publish(period=publication.PublicationPeriod.parse("2025"), unit="PWJB", by=hr)
    job = start_job(kind=PUBLICATION_JOB, parameters={"period": "2025", "unit": "PWJB"}, by=hr)
    assert job.status == Status.FAILED and "was published on" in job.error
    assert WorkforceRelease.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"period": "2025-27", "unit": ""}, "is not a financial year"),
        ({"period": "last year", "unit": ""}, "is not a period: enter a year"),
        ({"period": "", "unit": ""}, "Enter the period to publish"),
        ({"period": "2025", "unit": "NOWHERE"}, "There is no region or PDU with the code"),
        ({"period": str(dt.date.today().year + 1), "unit": "PWJB"}, "can be published once it ends"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_queued(hr, data, message):
    response = client_for(hr).post(PAGE, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Job.objects.exists() and not WorkforceRelease.objects.exists()


@pytest.mark.parametrize("grade", [Grade.PO, Grade.HEAD_OF_PDU, Grade.ANALYST, Grade.ADMIN])
def test_every_other_role_is_refused_and_nothing_is_queued(hr, grade):
    other = StaffMemberFactory(grade=grade, with_user=True)
    client = client_for(other)
    assert client.post(PAGE, {"period": "2025", "unit": "PWJB"}).status_code == 403
    assert client.get(PAGE).status_code == 403
    assert not Job.objects.exists() and not WorkforceRelease.objects.exists()
    # Nor can they follow an HR analyst's publication.
    job = start_job(kind=PUBLICATION_JOB, parameters={"period": "2025", "unit": "PWJB"}, by=hr)
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
