"""Forms for registering a person, their diversity profile and who may see their record. They shape input
only; the services hold the rules and report what is wrong, by field."""

from typing import Any

from django import forms

from evenhand.core.forms import GovukDateField, GovukForm

from .models import VALUES_OF, Characteristic, GenderIdentity, IdentifiedBy, Sex

YES_NO = [("no", "No"), ("yes", "Yes")]


class RegisterForm(GovukForm):
    govuk_errors = {"distinct_reason": "Enter why this is a different person"}
    crn_source = forms.ChoiceField(
        error_messages={"required": "Select whether they already have a CRN"},
        choices=[("assign", "Give them a new CRN"), ("entered", "They already have a CRN")],
        initial="assign",
        widget=forms.RadioSelect,
        label="CRN",
        help_text="A person transferred from another area, or known to probation before, keeps their CRN.",
    )
    crn = forms.CharField(
        max_length=20,
        required=False,
        label="Their CRN",
        help_text="Only if they already have one, like X123456",
    )
    first_name = forms.CharField(
        error_messages={"required": "Enter the first name"}, max_length=200, label="First name"
    )
    middle_names = forms.CharField(max_length=200, required=False, label="Middle names")
    last_name = forms.CharField(
        error_messages={"required": "Enter the last name"}, max_length=200, label="Last name"
    )
    preferred_name = forms.CharField(
        max_length=200,
        required=False,
        label="Preferred name",
        help_text="What they ask to be called, if different",
    )
    date_of_birth = GovukDateField(label="Date of birth", help_text="For example, 27 3 1990")
    sex = forms.ChoiceField(
        error_messages={"required": "Select the person's sex"},
        choices=Sex.choices,
        widget=forms.RadioSelect,
        label="Sex",
    )
    gender_identity = forms.ChoiceField(
        choices=GenderIdentity.choices,
        required=False,
        widget=forms.RadioSelect,
        label="Is the gender they identify with the same as their sex registered at birth? (optional)",
        help_text="Only as the person tells you. Leave it blank if you have not asked.",
    )
    gender_identity_words = forms.CharField(
        max_length=200, required=False, label="Their gender identity in their own words (optional)"
    )
    pnc = forms.CharField(
        max_length=20, required=False, label="PNC number (optional)", help_text="Like 98/1234567L"
    )
    first_language = forms.CharField(
        max_length=100, required=False, initial="English", label="First language"
    )
    interpreter_required = forms.ChoiceField(
        error_messages={"required": "Select whether they need an interpreter"},
        choices=YES_NO,
        initial="no",
        widget=forms.RadioSelect,
        label="Do they need an interpreter?",
    )
    phone = forms.CharField(max_length=40, required=False, label="Phone number (optional)")
    email = forms.CharField(max_length=200, required=False, label="Email address (optional)")
    address_line_1 = forms.CharField(max_length=200, required=False, label="Address line 1")
    address_line_2 = forms.CharField(max_length=200, required=False, label="Address line 2 (optional)")
    address_town = forms.CharField(max_length=100, required=False, label="Town or city")
    address_postcode = forms.CharField(max_length=20, required=False, label="Postcode")
    address_from = GovukDateField(required=False, label="Lives there from", help_text="For example, 1 6 2024")
    distinct_reason = forms.CharField(
        widget=forms.Textarea,
        max_length=400,
        required=False,
        label="Why is this a different person?",
        help_text="Only if the people shown as possibly the same are not this person.",
    )


class DiversityForm(GovukForm):
    govuk_errors = {
        "identified_on": "Enter the date it was identified",
        "reason": "Enter why the value is being corrected",
    }
    value = forms.ChoiceField(
        error_messages={"required": "Select a value"}, choices=[], widget=forms.RadioSelect, label="Value"
    )
    identified_by = forms.ChoiceField(
        choices=IdentifiedBy.choices,
        required=False,
        widget=forms.RadioSelect,
        label="Who identified it?",
        help_text="Leave this blank only for 'not recorded'.",
    )
    identified_on = GovukDateField(label="When was it identified?", help_text="For example, 27 3 2026")
    detail = forms.CharField(max_length=400, required=False, label="Details (optional)")
    reason = forms.CharField(
        max_length=400,
        required=False,
        label="Why is the value being corrected?",
        help_text="For example, recorded against the wrong person",
    )

    def __init__(self, *args: Any, characteristic: str, correcting: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.characteristic = characteristic
        if not correcting:
            del self.fields["reason"]
        label = Characteristic(characteristic).label
        self.fields["value"].choices = VALUES_OF[characteristic].choices  # type: ignore[attr-defined]
        self.fields["value"].label = label
        if characteristic == Characteristic.DISABILITY:
            self.fields["detail"].label = "Reasonable adjustments they need (optional)"
        else:
            self.fields["detail"].label = "In the person's own words (optional)"


class AccessForm(GovukForm):
    action = forms.ChoiceField(
        choices=[("add", "Add"), ("remove", "Remove")], initial="add", widget=forms.HiddenInput
    )
    list_name = forms.ChoiceField(
        error_messages={"required": "Select the list"},
        choices=[
            ("exclusion", "Exclusion list: they must not see the record"),
            ("restriction", "Restriction list: only the staff on it may see the record"),
        ],
        widget=forms.RadioSelect,
        label="Which list?",
    )
    staff_code = forms.CharField(
        error_messages={"required": "Enter the staff code"},
        max_length=20,
        label="Staff code",
        help_text="As on their staff record",
    )
    reason = forms.CharField(error_messages={"required": "Enter the reason"}, max_length=400, label="Reason")
    review_on = GovukDateField(required=False, label="Review by", help_text="Not needed to remove someone")


class DetailsForm(GovukForm):
    """A person's details as they are, to change and say why."""

    govuk_errors = {
        "interpreter_required": "Select whether they need an interpreter",
    }

    first_name = forms.CharField(
        max_length=200, label="First name", error_messages={"required": "Enter the first name"}
    )
    middle_names = forms.CharField(max_length=200, required=False, label="Middle names")
    last_name = forms.CharField(
        max_length=200, label="Last name", error_messages={"required": "Enter the last name"}
    )
    preferred_name = forms.CharField(max_length=200, required=False, label="Preferred name")
    date_of_birth = GovukDateField(label="Date of birth", help_text="For example, 27 3 1990")
    sex = forms.ChoiceField(
        choices=Sex.choices,
        widget=forms.RadioSelect,
        label="Sex",
        error_messages={"required": "Select the sex"},
    )
    pnc = forms.CharField(max_length=20, required=False, label="PNC number", help_text="Like 98/1234567L")
    first_language = forms.CharField(max_length=100, required=False, label="First language")
    interpreter_required = forms.ChoiceField(
        choices=YES_NO, widget=forms.RadioSelect, label="Do they need an interpreter?"
    )
    phone = forms.CharField(max_length=40, required=False, label="Phone number")
    email = forms.CharField(max_length=200, required=False, label="Email address")
    reason = forms.CharField(
        max_length=400,
        label="Why are you changing this?",
        help_text="For example, a spelling corrected from their passport, or a new phone number",
        error_messages={"required": "Enter why you are changing this"},
    )


class AddressForm(GovukForm):
    govuk_errors = {
        "start_date": "Enter the date they started living there",
        "replaces_current": "Select whether this replaces the address they live at now",
    }
    line_1 = forms.CharField(
        max_length=200, label="Address line 1", error_messages={"required": "Enter address line 1"}
    )
    line_2 = forms.CharField(max_length=200, required=False, label="Address line 2 (optional)")
    town = forms.CharField(
        max_length=100, label="Town or city", error_messages={"required": "Enter the town or city"}
    )
    postcode = forms.CharField(
        max_length=20, label="Postcode", error_messages={"required": "Enter the postcode"}
    )
    start_date = GovukDateField(label="Lives there from", help_text="For example, 1 6 2024")
    end_date = GovukDateField(
        required=False, label="Lived there until (optional)", help_text="Leave blank if they live there now"
    )
    replaces_current = forms.ChoiceField(
        choices=[("yes", "Yes: they have moved here"), ("no", "No")],
        initial="yes",
        widget=forms.RadioSelect,
        label="Does this replace the address they live at now?",
    )


class AccessLogFilterForm(GovukForm):
    """The access log's filters: every one optional; dates as the GOV.UK date pattern."""

    crn = forms.CharField(max_length=7, required=False, label="CRN")
    name = forms.CharField(max_length=100, required=False, label="Name of the person")
    staff = forms.CharField(max_length=20, required=False, label="Staff code")
    date_from = GovukDateField(required=False, label="From", help_text="For example, 27 3 2026")
    date_to = GovukDateField(required=False, label="To", help_text="For example, 27 3 2026")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The date to must be the same as or after the date from")
        return data
