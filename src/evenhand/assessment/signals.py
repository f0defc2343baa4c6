"""What the assessment app tells the layers above it, which it may not import (ADR 4).

``report_written`` is sent (``report=`` the ``PreSentenceReport``) inside the transaction that starts or
delivers a pre-sentence report, so the workload app counts the report as its author's report task from the
day it is started to the day it is delivered, or neither happens.
"""

from django.dispatch import Signal

report_written = Signal()
