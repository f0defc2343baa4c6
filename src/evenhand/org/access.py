"""Whether a member of staff may act in Evenhand at all, today.

Every page and every API operation starts here: a leaver (a staff record whose end date has passed), someone
who has not started yet, or a log-in that has been switched off is refused before any record is read.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone

from .models import StaffMember


class NotCurrentStaff(PermissionDenied):
    """The staff record has ended, has not started, or its log-in is switched off."""


def is_current(staff: StaffMember, on: dt.date | None = None) -> bool:
    """Employed on ``on`` (today by default), with a log-in that is still active if it has one."""
    on = on or timezone.localdate()
    if staff.start_date > on or (staff.end_date is not None and staff.end_date < on):
        return False
    return staff.user is None or staff.user.is_active


def ensure_current(staff: StaffMember) -> None:
    if not is_current(staff):
        raise NotCurrentStaff("Your staff record is not current, so you cannot use Evenhand.")


def staff_of(request: HttpRequest, *, opening_record: bool = False) -> StaffMember:
    """The signed-in member of staff, if their staff record is current; 403 otherwise.

    A user with no staff record may not use Evenhand, and neither may a leaver whose session outlives them.
    ``opening_record`` is for a page that opens one person's record through the door, and nothing else: the
    door refuses a leaver itself, after finding the record, so that the attempt is logged against it.
    """
    staff = getattr(request.user, "staff", None)
    if staff is None:
        raise PermissionDenied("Your account is not linked to a member of staff.")
    if not opening_record:
        ensure_current(staff)
    return staff
