"""The workforce measures through the equality engine (:mod:`.catalogue`), for the one who may see them: an
HR analyst at any unit, a head of PDU at their own PDU only. The door the comparison pages go through: it
checks the viewer before anything is read. Aggregates only: counts and rates of groups, never a person.

The figures are computed ahead by jobs (:mod:`.services`, :mod:`.jobs`: nightly, after a staff-events import,
and when the page finds none) and stored; the page only reads them (ADR 11)."""

import datetime as dt
from dataclasses import dataclass

from evenhand.equality.engine import Settings
from evenhand.equality.measures import Period
from evenhand.equality.selectors import NATIONAL, PopulationFigures, population_figures
from evenhand.org.models import Role, StaffMember

from .access import can_see_aggregates, ensure_can_see_pdu_figures


@dataclass(frozen=True)
class Scope:
    """The units a viewer may open: ``None`` for every unit, else the one PDU's code."""

    own_pdu: str | None

    def allows(self, code: str) -> bool:
        return self.own_pdu is None or code == self.own_pdu

    @property
    def start(self) -> str:
        return self.own_pdu or NATIONAL


def scope_of(viewer: StaffMember) -> Scope:
    """An HR analyst sees every unit; a head of PDU their own PDU; anyone else is refused (PermissionDenied)."""
    if can_see_aggregates(viewer):
        return Scope(None)
    ensure_can_see_pdu_figures(viewer)
    return Scope(StaffMember.objects.filter(pk=viewer.pk).values_list("team__pdu__code", flat=True).get())


def last_twelve_months(today: dt.date) -> Period:
    """The period the workforce pages show: the 365 days to today, as the workforce figures."""
    return Period(today - dt.timedelta(days=365), today)


def staff_comparison(viewer: StaffMember, *, period: Period, characteristic: str) -> PopulationFigures | None:
    """Every registered workforce measure of the period split by ``characteristic``, with the declaration
    rule per unit, as stored (None when nothing is stored: a job computes it, ``services.request_comparison``);
    for HR analysts and heads of PDU (``scope_of`` refuses anyone else). A head of PDU's page shows their PDU
    only (the caller holds it to :func:`scope_of`). Computes nothing."""
    scope_of(viewer)
    return population_figures("staff", period, Settings(characteristic=characteristic))


def suppresses_small_groups(viewer: StaffMember) -> bool:
    """Nobody who may open the page sees the count of a group under the smallest group compared: a head of PDU
    (ADR 14), nor an HR analyst, whose own workforce page hides them too (a handful of colleagues who declared
    something, with what happened to them beside it)."""
    return viewer.role in (Role.HEAD_OF_PDU, Role.HR_ANALYST)
