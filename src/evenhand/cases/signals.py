"""Signals the case record sends for the apps that build on it (which cases may not import).

``tier_inputs_changed`` is sent after the transaction that changed an input of the tier calculation commits
(a risk of serious harm review, a registration added or ended), with ``person_id`` and ``trigger`` (one of
``risk_review``, ``registration_added``, ``registration_ended``). The assessment app recomputes the tier.
"""

from django.db import transaction
from django.dispatch import Signal

tier_inputs_changed = Signal()


def tier_inputs_changed_on_commit(*, person_id: int, trigger: str) -> None:
    """Send ``tier_inputs_changed`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(
        lambda: tier_inputs_changed.send(sender=Signal, person_id=person_id, trigger=trigger)
    )
