"""Statistical disclosure control for a whole publication: one linked set of cells, protected together.

Every publication of Evenhand (the equality report, the review rounds, the workforce report, the summary of
staff concerns) hands this package the counts it is about to release as one :class:`~.cells.Cells` system:
each count once, with every linear relation a reader can know between them. :func:`~.protect.protect`
chooses what to suppress (primary by the threshold rule, secondary by mixed-integer programming with
protection levels) and :func:`~.attack.audit` attacks the result by linear programming, as an intruder
with every published figure would, before anything is written. Nothing here knows what a count means.

Plain NumPy and SciPy (HiGHS), no Django: see ADR 0006.
"""

from .attack import Audit, AuditRefused, Finding, audit, ranges
from .cells import Cells, CellSystem, Key
from .protect import DisclosureError, Protection, Rules, protect

__all__ = [
    "Audit",
    "AuditRefused",
    "CellSystem",
    "Cells",
    "DisclosureError",
    "Finding",
    "Key",
    "Protection",
    "Rules",
    "audit",
    "protect",
    "ranges",
]
