"""``evenhand issue_api_token STAFF_CODE --name NAME``: print a new bearer token, once."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from evenhand.api.services import issue_api_token
from evenhand.org.models import StaffMember


class Command(BaseCommand):
    help = (
        "Issue an API bearer token that acts as a member of staff. The token is printed once; keep it safe."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("staff_code", help="The staff code of the member of staff the token acts as")
        parser.add_argument("--name", required=True, help="What the token is for, e.g. 'case import'")

    def handle(self, *args: Any, staff_code: str, name: str, **options: Any) -> None:
        staff = StaffMember.objects.filter(staff_code=staff_code).first()
        if staff is None:
            raise CommandError(f"No member of staff has the staff code {staff_code!r}")
        try:
            issued = issue_api_token(staff=staff, name=name)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stderr.write(
            f"Token {issued.token.prefix}… issued to {staff.full_name} ({staff.staff_code}, "
            f"{staff.get_grade_display()}). It will not be shown again."
        )
        self.stdout.write(issued.raw)
