"""Importing files from another system: every row checked by the services' rules, all or nothing, idempotent on a
re-run, and the bad files refused naming the row and the column."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from evenhand.cases.models import (
    Contact,
    ContactOutcome,
    Offence,
    Requirement,
    RiskSummary,
    Sentence,
    SentenceType,
    TierSource,
)
from evenhand.cases.signals import tier_inputs_changed
from evenhand.imports import kinds
from evenhand.imports.models import ImportedRow, ImportRun
from evenhand.imports.services import ImportRefused, import_csv, import_rows, rejects_csv
from evenhand.org.models import Grade
from evenhand.people.models import Address, DiversityProfile, Person
from evenhand.people.selectors import entries_in_force
from tests.factories import PDUFactory, PersonFactory, StaffMemberFactory, today

from .conftest import PEOPLE_HEADER, csv_bytes, person_row

pytestmark = pytest.mark.django_db


def people(head, rows, **options):
    return import_csv(by=head, kind="people", data=csv_bytes(PEOPLE_HEADER, rows), **options)


def refused(head, rows, **options) -> list[tuple[int, str, str]]:
    with pytest.raises(ImportRefused) as caught:
        people(head, rows, **options)
    return [(r.row, r.column, r.reason) for r in caught.value.rejects]


def nothing_written():
    assert Person.objects.count() == 0
    assert ImportedRow.objects.count() == 0
    assert ImportRun.objects.count() == 0


class TestPeople:
    def test_a_file_registers_each_person_with_a_profile_and_the_run(self, head, pdu):
        result = people(head, [person_row(1), person_row(2, crn="", pnc="98/1234567L")])
        assert (result.rows, result.created, result.rejected) == (2, 2, 0)
        first = Person.objects.get(crn="X000001")
        assert (first.last_name, first.date_of_birth, first.pdu) == ("Osei1", dt.date(1990, 4, 1), pdu)
        given = Person.objects.exclude(pk=first.pk).get()
        # A person without a CRN gets the next one Evenhand gives.
        assert given.crn.startswith("E") and given.pnc == "98/1234567L"
        assert DiversityProfile.objects.filter(person__in=[first, given]).count() == 2
        run = ImportRun.objects.get()
        assert (run.by, run.kind, run.created, run.partial) == (head, "people", 2, False)
        assert set(ImportedRow.objects.values_list("source_id", "record_id")) == {
            ("P1", first.pk),
            ("P2", given.pk),
        }

    def test_an_address_needs_its_date_and_a_real_postcode(self, head):
        assert refused(head, [person_row(1, postcode="NOT A CODE")]) == [
            (2, "address_from", "Enter the date they have lived there from")
        ]
        header = [*PEOPLE_HEADER, "address_line_1", "town", "address_from"]
        data = csv_bytes(header, [[*person_row(1, postcode="LS14AP"), "1 High St", "Leeds", "01/02/2020"]])
        import_csv(by=head, kind="people", data=data)
        address = Address.objects.get()
        assert (address.postcode, address.start_date, address.recorded_by) == (
            "LS14AP",
            dt.date(2020, 2, 1),
            head,
        )

    @pytest.mark.parametrize(
        ("values", "column", "reason"),
        [
            ({"crn": "123"}, "crn", "Enter a CRN as one capital letter and six digits, like X123456"),
            ({"date_of_birth": "31/02/1990"}, "date_of_birth", "real date"),
            ({"date_of_birth": today().isoformat()}, "date_of_birth", "must give an age of 10 to 110"),
            ({"sex": "Q"}, "sex", "Enter the sex"),
            ({"first_name": " "}, "first_name", "Enter the first name"),
            ({"pnc": "98/1234567A"}, "pnc", "check letter"),
            ({"source_id": ""}, "source_id", "Enter the source id"),
        ],
    )
    def test_each_rule_names_its_column(self, head, values, column, reason):
        [(row, found_column, found_reason)] = refused(head, [person_row(1), person_row(2, **values)])
        assert (row, found_column) == (3, column)
        assert reason in found_reason
        nothing_written()

    def test_a_bad_row_late_in_the_file_leaves_nothing_written(self, head, monkeypatch):
        monkeypatch.setattr("evenhand.imports.services.CHUNK", 2)
        rows = [person_row(n) for n in range(1, 8)] + [person_row(8, sex="X")]
        assert refused(head, rows) == [
            (9, "sex", "Enter the sex (M, F or N for not known) as one of M, F, N (not 'X')")
        ]
        nothing_written()

    def test_every_bad_row_is_reported(self, head):
        problems = refused(head, [person_row(1, sex="X"), person_row(2), person_row(3, date_of_birth="")])
        assert [(row, column) for row, column, _ in problems] == [(2, "sex"), (4, "date_of_birth")]

    def test_killed_mid_file_nothing_is_written(self, head, monkeypatch):
        """An import that stops part way (here the second chunk's write fails, as a killed process or a lost
        connection would stop it) leaves nothing, the chunk already written included."""
        monkeypatch.setattr("evenhand.imports.services.CHUNK", 2)
        writes = []
        real_write = kinds.PeopleKind.write

        def write_then_die(self, checked, context):
            if writes:
                raise RuntimeError("killed")
            writes.append(len(checked))
            return real_write(self, checked, context)

        monkeypatch.setattr(kinds.PeopleKind, "write", write_then_die)
        with pytest.raises(RuntimeError, match="killed"):
            people(head, [person_row(n) for n in range(1, 6)])
        assert writes == [2]
        nothing_written()

    def test_partial_loads_the_good_rows_and_returns_the_bad_with_their_row(self, head):
        result = people(
            head,
            [person_row(1), person_row(2, sex="X"), person_row(3), person_row(4, crn="X1")],
            partial=True,
        )
        assert (result.rows, result.created, result.rejected) == (4, 2, 2)
        assert sorted(Person.objects.values_list("crn", flat=True)) == ["X000001", "X000003"]
        text = rejects_csv(result.rejects, result.columns)
        lines = text.splitlines()
        assert lines[0] == "row,column,reason," + ",".join(PEOPLE_HEADER)
        assert lines[1].startswith("3,sex,")
        assert lines[1].endswith(",P2,X000002,Amal,Osei2,1990-04-01,X,,")
        assert lines[2].startswith('5,crn,"Enter a CRN')
        assert ImportRun.objects.get().rejected == 2

    def test_the_same_file_twice_loads_nothing_twice(self, head):
        rows = [person_row(1), person_row(2, crn="")]
        people(head, rows)
        again = people(head, rows)
        assert (again.rows, again.created, again.unchanged, again.rejected) == (2, 0, 2, 0)
        assert Person.objects.count() == 2
        assert ImportedRow.objects.count() == 2
        assert ImportRun.objects.count() == 2

    def test_a_row_changed_since_it_was_imported_is_refused_not_overwritten(self, head):
        people(head, [person_row(1)])
        [(row, column, reason)] = refused(head, [person_row(1, last_name="Mensah")])
        assert (row, column) == (2, "source_id")
        assert "imported before" in reason and "correct the record in Evenhand" in reason
        assert Person.objects.get().last_name == "Osei1"

    def test_another_source_matches_a_person_already_held_by_crn(self, head, pdu):
        held = PersonFactory(crn="X000001", pdu=pdu, date_of_birth=dt.date(1990, 4, 1))
        result = people(head, [person_row(1)], source="oasys")
        assert (result.created, result.matched) == (0, 1)
        assert Person.objects.count() == 1
        assert ImportedRow.objects.get().record_id == held.pk

    def test_an_id_is_never_one_given_before(self, head, pdu):
        """The access log keeps a person's id after the record is gone: an import must not give it again."""
        gone = PersonFactory(pdu=pdu)
        gone_id = gone.pk
        DiversityProfile.objects.filter(person=gone).delete()
        gone.delete()
        people(head, [person_row(1)])
        assert Person.objects.get().pk > gone_id

    def test_a_crn_evenhand_gives_is_not_one_entered_on_another_row(self, head):
        people(head, [person_row(1, crn=""), person_row(2, crn="E000001")])
        assert sorted(Person.objects.values_list("crn", flat=True)) == ["E000001", "E000002"]

    def test_a_crn_written_with_spaces_is_the_crn_held(self, head, pdu):
        held = PersonFactory(crn="X000001", pdu=pdu, date_of_birth=dt.date(1990, 4, 1))
        result = people(head, [person_row(1, crn=" x 000001")])
        assert (result.matched, ImportedRow.objects.get().record_id) == (1, held.pk)

    def test_the_source_is_named_in_at_most_40_characters(self, head):
        with pytest.raises(ImportRefused) as caught:
            people(head, [person_row(1)], source="n" * 41)
        assert caught.value.rejects[0].column == "source"
        nothing_written()

    def test_a_crn_held_by_someone_else_is_refused(self, head, pdu):
        PersonFactory(crn="X000001", pdu=pdu, date_of_birth=dt.date(1970, 1, 1))
        PersonFactory(crn="X000002", pdu=PDUFactory(), date_of_birth=dt.date(1990, 4, 1))
        problems = refused(head, [person_row(1), person_row(2)])
        assert problems == [
            (2, "crn", "CRN X000001 is already used by another person"),
            (3, "crn", "CRN X000002 is already used by another person"),
        ]

    def test_duplicates_within_the_file_are_refused_naming_the_first_row(self, head):
        problems = refused(
            head,
            [
                person_row(1),
                person_row(1, crn="X000009"),
                person_row(2),
                person_row(3, crn="X000002"),
                person_row(4, pnc="98/1234567L"),
                person_row(5, pnc="98/1234567L"),
            ],
        )
        assert problems == [
            (3, "source_id", "Source id P1 is also on row 2: each row has its own"),
            (5, "crn", "CRN X000002 is also on row 4: a person is on one row"),
            (7, "pnc", "PNC number 98/1234567L is also on row 6"),
        ]

    def test_only_into_the_head_of_pdus_own_pdu(self, head):
        other = PDUFactory(code="B01BRD")
        header = [*PEOPLE_HEADER, "pdu"]
        with pytest.raises(ImportRefused) as caught:
            import_csv(
                by=head,
                kind="people",
                data=csv_bytes(header, [[*person_row(1), "b01brd"], [*person_row(2), "NOPE"]]),
            )
        assert [(r.row, r.column, r.reason) for r in caught.value.rejects] == [
            (2, "pdu", "You can register people only in your own PDU"),
            (3, "pdu", "There is no PDU with the code NOPE"),
        ]
        assert other.people.count() == 0

    @pytest.mark.parametrize("grade", [Grade.PO, Grade.SPO, Grade.ANALYST, Grade.ADMIN, Grade.INSPECTOR])
    def test_only_a_head_of_pdu_imports(self, pdu, grade):
        staff = StaffMemberFactory(grade=grade, pdu=pdu)
        with pytest.raises(PermissionDenied):
            people(staff, [person_row(1)])
        nothing_written()

    def test_a_leaver_does_not_import(self, head):
        head.end_date = today() - dt.timedelta(days=1)
        head.save()
        with pytest.raises(PermissionDenied):
            people(head, [person_row(1)])


DIVERSITY_HEADER = [
    *PEOPLE_HEADER,
    "ethnicity",
    "religion",
    "disability",
    "diversity_identified_by",
    "diversity_identified_on",
]


class TestDiversity:
    def import_(self, head, *extra):
        rows = [[*person_row(n + 1), *values] for n, values in enumerate(extra)]
        return import_csv(by=head, kind="people", data=csv_bytes(DIVERSITY_HEADER, rows))

    def test_the_profile_and_its_history_with_who_identified_it(self, head):
        self.import_(head, ["B2", "christian", "", "self", "2024-05-01"], ["", "", "", "", ""])
        first = Person.objects.get(crn="X000001")
        profile = first.diversity
        assert (profile.ethnicity, profile.ethnic_group, profile.religion, profile.disability) == (
            "B2",
            "black",
            "christian",
            "not_recorded",
        )
        assert (profile.ethnicity_identified_by, profile.ethnicity_identified_on) == (
            "self",
            dt.date(2024, 5, 1),
        )
        history = entries_in_force(first, today())
        assert {c: (e.value, e.identified_by, e.recorded_by) for c, e in history.items()} == {
            "ethnicity": ("B2", "self", head),
            "religion": ("christian", "self", head),
        }
        # Before it was identified, nothing was in force (the equality engine reads the history by date).
        assert entries_in_force(first, dt.date(2024, 4, 30)) == {}
        second = Person.objects.get(crn="X000002").diversity
        assert (second.ethnicity, second.ethnicity_identified_by) == ("NR", "")

    @pytest.mark.parametrize(
        ("values", "column", "reason"),
        [
            (
                ["W1", "muslim", "", "staff", "2024-05-01"],
                "diversity_identified_by",
                "A religion or belief is recorded only as",
            ),
            (
                ["PNS", "", "", "staff", "2024-05-01"],
                "diversity_identified_by",
                "Only the person can prefer not to say",
            ),
            (["W1", "", "", "", "2024-05-01"], "diversity_identified_by", "Select who identified it"),
            (["W1", "", "", "self", ""], "diversity_identified_on", "Enter the date they were identified"),
            (["W1", "", "", "self", "1980-01-01"], "diversity_identified_on", "after the date of birth"),
            (["Z9", "", "", "self", "2024-05-01"], "ethnicity", "Enter the ethnicity as one of"),
        ],
    )
    def test_the_profile_rules(self, head, values, column, reason):
        with pytest.raises(ImportRefused) as caught:
            self.import_(head, values)
        [reject] = caught.value.rejects
        assert reject.column == column and reason in reject.reason
        nothing_written()


class TestBadFiles:
    def test_not_utf8_is_refused_naming_the_row_and_column(self, head):
        data = csv_bytes(PEOPLE_HEADER, [person_row(1)]) + "P2,X000002,Zoë,Brontë,1990-04-01,F,,\n".encode(
            "latin-1"
        )
        with pytest.raises(ImportRefused) as caught:
            import_csv(by=head, kind="people", data=data)
        [reject] = caught.value.rejects
        assert (reject.row, reject.column) == (3, "first_name")
        assert "not UTF-8" in reject.reason and "CSV UTF-8" in reject.reason
        nothing_written()

    def test_utf8_with_a_byte_order_mark_is_read(self, head):
        data = csv_bytes(PEOPLE_HEADER, [person_row(1, first_name="Zoë")], bom=True)
        assert import_csv(by=head, kind="people", data=data).created == 1
        assert Person.objects.get().first_name == "Zoë"

    def test_a_missing_column_and_an_unknown_one(self, head):
        header = [c for c in PEOPLE_HEADER if c != "last_name"] + ["shoe_size"]
        with pytest.raises(ImportRefused) as caught:
            import_csv(by=head, kind="people", data=csv_bytes(header, [["x"] * len(header)]))
        problems = [(r.row, r.column) for r in caught.value.rejects]
        assert problems == [(1, "shoe_size"), (1, "last_name")]
        assert "There is no column 'shoe_size'" in caught.value.rejects[0].reason
        assert "must have it" in caught.value.rejects[1].reason

    def test_a_column_twice(self, head):
        with pytest.raises(ImportRefused) as caught:
            import_csv(by=head, kind="people", data=csv_bytes([*PEOPLE_HEADER, "CRN "], []))
        assert [(r.row, r.column) for r in caught.value.rejects] == [(1, "crn")]

    def test_an_empty_file(self, head):
        with pytest.raises(ImportRefused) as caught:
            import_csv(by=head, kind="people", data=b"\n")
        assert "empty" in caught.value.rejects[0].reason

    def test_a_row_with_the_wrong_number_of_fields(self, head):
        data = csv_bytes(PEOPLE_HEADER, [person_row(1), person_row(2)[:5], [*person_row(3), "extra"]])
        with pytest.raises(ImportRefused) as caught:
            import_csv(by=head, kind="people", data=data)
        rejects = caught.value.rejects
        assert [(r.row, r.column) for r in rejects] == [(3, "sex"), (4, "")]
        assert "has 5 fields but the header has 8 columns" in rejects[0].reason
        nothing_written()
        result = import_csv(by=head, kind="people", data=data, partial=True)
        assert (result.created, result.rejected) == (1, 2)
        # The row as it was split, for whoever corrects it.
        assert (
            rejects_csv(result.rejects, result.columns)
            .splitlines()[1]
            .endswith(",P2,X000002,Amal,Osei2,1990-04-01")
        )

    def test_an_unclosed_quote(self, head):
        data = csv_bytes(PEOPLE_HEADER, [person_row(1)]) + b'P2,X000002,"Amal,Osei,1990-04-01,M,,\n'
        with pytest.raises(ImportRefused) as caught:
            import_csv(by=head, kind="people", data=data)
        assert caught.value.rejects[0].row == 3


@pytest.fixture
def held(head, pdu):
    return PersonFactory(crn="X000001", pdu=pdu, date_of_birth=dt.date(1990, 4, 1))


SENTENCE_HEADER = [
    "source_id",
    "crn",
    "type",
    "court",
    "start_date",
    "expected_end_date",
    "length",
    "length_unit",
    "offence_category",
    "offence_date",
    "offence_flags",
    "requirements",
]


def sentence_row(n, **values):
    row = {
        "source_id": f"S{n}",
        "crn": "X000001",
        "type": "CO",
        "court": "Leeds Magistrates' Court",
        "start_date": (today() - dt.timedelta(days=30)).isoformat(),
        "expected_end_date": "",
        "length": "12",
        "length_unit": "months",
        "offence_category": "theft",
        "offence_date": "",
        "offence_flags": "",
        "requirements": "unpaid_work:120; rar:20",
    } | values
    return [row[c] for c in SENTENCE_HEADER]


class TestSentences:
    def test_sentences_with_their_offence_and_requirements(self, head, held):
        result = import_csv(
            by=head,
            kind="sentences",
            data=csv_bytes(
                SENTENCE_HEADER,
                [
                    sentence_row(1, offence_flags="racially_or_religiously_aggravated;Hate crime"),
                    sentence_row(
                        2,
                        type="Custody (before release)",
                        requirements="",
                        offence_date="2024-01-02",
                        expected_end_date=(today() + dt.timedelta(days=150)).isoformat(),
                    ),
                ],
            ),
        )
        assert result.created == 2
        order = Sentence.objects.get(type=SentenceType.COMMUNITY_ORDER)
        assert order.person == held and order.expected_end_date > order.start_date
        offence = Offence.objects.get(sentence=order)
        assert offence.is_main and offence.racially_or_religiously_aggravated and offence.hate_crime
        assert sorted(
            Requirement.objects.filter(sentence=order).values_list("type", "unpaid_work_hours", "rar_days")
        ) == [
            ("rar", None, 20),
            ("unpaid_work", 120, None),
        ]
        custody = Sentence.objects.get(type=SentenceType.CUSTODY)
        assert custody.expected_end_date == today() + dt.timedelta(days=150) < custody.expiry_date

    @pytest.mark.parametrize(
        ("values", "column", "reason"),
        [
            (
                {"requirements": "unpaid_work:20"},
                "requirements",
                "Unpaid work must be between 40 and 300 hours",
            ),
            ({"requirements": "rar:500"}, "requirements", "A RAR must be between 1 and 400 days"),
            (
                {"type": "LIC", "requirements": ""},
                "custody_source_id",
                "A licence follows a custody sentence",
            ),
            ({"type": "CO", "requirements": ""}, "requirements", "A community order must have at least one"),
            (
                {"type": "CUS", "requirements": "", "expected_end_date": "2027-01-01"},
                "offence_date",
                "Give the date of each offence",
            ),
            (
                {"crn": "X999999"},
                "crn",
                "There is no person with CRN X999999 whose record you have access to",
            ),
            (
                {"offence_category": "jaywalking"},
                "offence_category",
                "Enter the main offence's category as one of",
            ),
            ({"start_date": "1890-01-01"}, "start_date", "The start date must be between"),
        ],
    )
    def test_the_sentence_rules(self, head, held, values, column, reason):
        with pytest.raises(ImportRefused) as caught:
            import_csv(
                by=head, kind="sentences", data=csv_bytes(SENTENCE_HEADER, [sentence_row(1, **values)])
            )
        [reject] = caught.value.rejects
        assert (reject.row, reject.column) == (2, column)
        assert reason in reject.reason
        assert Sentence.objects.count() == 0

    def test_under_18_at_sentence(self, head, pdu):
        PersonFactory(crn="X000001", pdu=pdu, date_of_birth=today() - dt.timedelta(days=17 * 365))
        with pytest.raises(ImportRefused) as caught:
            import_csv(by=head, kind="sentences", data=csv_bytes(SENTENCE_HEADER, [sentence_row(1)]))
        assert "probation supervises people sentenced at 18 or over" in caught.value.rejects[0].reason

    def test_a_person_the_head_may_not_see_is_no_person(self, head):
        PersonFactory(crn="X000001", pdu=PDUFactory())
        with pytest.raises(ImportRefused) as caught:
            import_csv(by=head, kind="sentences", data=csv_bytes(SENTENCE_HEADER, [sentence_row(1)]))
        assert caught.value.rejects[0].column == "crn"

    def test_a_licence_after_its_custody_imported_earlier(self, head, held):
        import_csv(
            by=head,
            kind="sentences",
            data=csv_bytes(
                SENTENCE_HEADER,
                [
                    sentence_row(
                        1,
                        type="CUS",
                        expected_end_date="2025-04-06",
                        requirements="",
                        offence_date="2024-01-02",
                        start_date="2025-01-06",
                        length="6",
                    )
                ],
            ),
        )
        header = [*SENTENCE_HEADER, "custody_source_id"]
        release = (today() - dt.timedelta(days=3)).isoformat()
        data = csv_bytes(
            header,
            [
                [
                    *sentence_row(
                        2, type="LIC", requirements="curfew:3", start_date=release, offence_date="2024-01-02"
                    ),
                    "S1",
                ]
            ],
        )
        import_csv(by=head, kind="sentences", data=data)
        licence = Sentence.objects.get(type=SentenceType.LICENCE)
        assert licence.custody == Sentence.objects.get(type=SentenceType.CUSTODY)


RISK_HEADER = [
    "source_id",
    "crn",
    "assessed_on",
    "rosh_children",
    "rosh_public",
    "rosh_known_adult",
    "rosh_staff",
    "next_review_due",
    "review_reason",
    "tier",
    "mappa_category",
    "mappa_level",
]


def risk_row(n, **values):
    assessed = today() - dt.timedelta(days=10)
    row = {
        "source_id": f"R{n}",
        "crn": "X000001",
        "assessed_on": assessed.isoformat(),
        "rosh_children": "L",
        "rosh_public": "high",
        "rosh_known_adult": "M",
        "rosh_staff": "L",
        "next_review_due": (assessed + dt.timedelta(days=90)).isoformat(),
        "review_reason": "initial",
        "tier": "B2",
        "mappa_category": "",
        "mappa_level": "",
    } | values
    return [row[c] for c in RISK_HEADER]


class TestRisk:
    def test_a_review_with_the_overall_level_worked_out_and_its_source(self, head, held):
        import_csv(by=head, kind="risk", data=csv_bytes(RISK_HEADER, [risk_row(1)]))
        summary = RiskSummary.objects.get()
        assert (summary.rosh, summary.tier, summary.tier_source, summary.recorded_by) == (
            "H",
            "B2",
            TierSource.IMPORTED,
            head,
        )

    def test_the_tier_calculation_hears_of_each_person_once_the_import_commits(
        self, head, held, django_capture_on_commit_callbacks
    ):
        heard = []

        def receiver(sender, *, person_id, trigger, **kwargs):
            heard.append((person_id, trigger))

        tier_inputs_changed.connect(receiver, dispatch_uid="test-import-tier")
        try:
            with django_capture_on_commit_callbacks(execute=True):
                import_csv(by=head, kind="risk", data=csv_bytes(RISK_HEADER, [risk_row(1), risk_row(2)]))
            assert (held.pk, "risk_review") in heard
            assert len([h for h in heard if h[0] == held.pk]) == 1
            heard.clear()
            with django_capture_on_commit_callbacks(execute=True), pytest.raises(ImportRefused):
                import_csv(
                    by=head, kind="risk", data=csv_bytes(RISK_HEADER, [risk_row(3), risk_row(4, tier="Z")])
                )
            assert heard == []
        finally:
            tier_inputs_changed.disconnect(dispatch_uid="test-import-tier")

    @pytest.mark.parametrize(
        ("values", "column", "reason"),
        [
            (
                {"next_review_due": (today() + dt.timedelta(days=400)).isoformat()},
                "next_review_due",
                "within 6 months",
            ),
            ({"mappa_category": "2"}, "mappa_level", "Give both a MAPPA category and a MAPPA level"),
            ({"rosh_staff": "Z"}, "rosh_staff", "Enter the rosh staff level as one of L, M, H, V"),
            ({"tier": "E9"}, "tier", "Enter the tier as one of"),
        ],
    )
    def test_the_risk_rules(self, head, held, values, column, reason):
        with pytest.raises(ImportRefused) as caught:
            import_csv(by=head, kind="risk", data=csv_bytes(RISK_HEADER, [risk_row(1, **values)]))
        [reject] = caught.value.rejects
        assert (reject.column, reason in reject.reason) == (column, True)


CONTACT_HEADER = ["source_id", "crn", "sentence_source_id", "type", "starts_at", "outcome", "notes"]


class TestContacts:
    @pytest.fixture
    def sentence(self, head, held):
        import_csv(by=head, kind="sentences", data=csv_bytes(SENTENCE_HEADER, [sentence_row(1)]))
        return Sentence.objects.get()

    def test_contacts_on_an_imported_sentence(self, head, sentence):
        when = (today() - dt.timedelta(days=5)).strftime("%d/%m/%Y") + " 14:30"
        rows = [["C1", "X000001", "S1", "office", when, "attended_complied", "Talked about work"]]
        import_csv(by=head, kind="contacts", data=csv_bytes(CONTACT_HEADER, rows))
        contact = Contact.objects.get()
        assert (contact.sentence, contact.person, contact.recorded_by) == (sentence, sentence.person, head)
        assert (contact.outcome, contact.outcome_recorded_by) == (ContactOutcome.ATTENDED_COMPLIED, head)
        assert contact.starts_at.hour == 14

    def test_the_contact_rules(self, head, sentence):
        before = (sentence.start_date - dt.timedelta(days=3)).isoformat() + " 10:00"
        future = (today() + dt.timedelta(days=3)).isoformat() + "T10:00"
        rows = [
            ["C1", "X000001", "S1", "office", before, "", ""],
            ["C2", "X000001", "S1", "office", future, "attended_complied", ""],
            ["C3", "X000001", "S9", "office", future, "", ""],
            ["C4", "X000001", "S1", "office", "yesterday", "", ""],
        ]
        with pytest.raises(ImportRefused) as caught:
            import_csv(by=head, kind="contacts", data=csv_bytes(CONTACT_HEADER, rows))
        assert [(r.row, r.column) for r in caught.value.rejects] == [
            (2, "starts_at"),
            (3, "outcome"),
            (4, "sentence_source_id"),
            (5, "starts_at"),
        ]
        assert "must fall within the sentence" in caught.value.rejects[0].reason
        assert Contact.objects.count() == 0


class TestRowsThroughTheApi:
    def test_rows_are_numbered_from_0_and_missing_columns_are_empty(self, head):
        rows = [
            {
                "source_id": "P1",
                "first_name": "Amal",
                "last_name": "Osei",
                "date_of_birth": "1990-04-01",
                "sex": "M",
            },
            {"source_id": "P2", "first_name": "Amal", "date_of_birth": "1990-04-01", "sex": "M"},
        ]
        result = import_rows(by=head, kind="people", rows=rows, partial=True)
        assert (result.created, [(r.row, r.column) for r in result.rejects]) == (1, [(1, "last_name")])

    def test_an_unknown_column_refuses_the_rows(self, head):
        with pytest.raises(ImportRefused) as caught:
            import_rows(by=head, kind="people", rows=[{"source_id": "P1", "shoe": "9"}])
        assert caught.value.rejects[0].column == "shoe"


class TestPlannerStatistics:
    """A big import is followed by ANALYZE of the tables it wrote, once it has committed (PostgreSQL)."""

    def analysed(self, head, monkeypatch, rows: int) -> list[str]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from evenhand.imports import services

        monkeypatch.setattr(services, "ANALYSE_AFTER_ROWS", 3)
        with (
            CaptureQueriesContext(connection) as queries,
            self.capture(execute=True),
        ):
            people(head, [person_row(n) for n in range(1, rows + 1)])
        return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]

    @pytest.fixture(autouse=True)
    def _capture(self, django_capture_on_commit_callbacks):
        self.capture = django_capture_on_commit_callbacks

    def test_a_big_import_analyses_the_tables_it_wrote(self, head, monkeypatch):
        from django.db import connection

        analysed = self.analysed(head, monkeypatch, rows=3)
        if connection.vendor == "postgresql":
            assert len(analysed) == 1
            for table in ("people_person", "people_diversityprofile", "imports_importedrow"):
                assert f'"{table}"' in analysed[0]
        else:
            assert analysed == []

    def test_a_small_import_leaves_it_to_autovacuum(self, head, monkeypatch):
        assert self.analysed(head, monkeypatch, rows=2) == []
