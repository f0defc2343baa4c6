"""Figures computed ahead of the dashboard: one analysis of a period and characteristic, stored.

The engine's run over the whole catalogue (every measure, unit and group), the quarterly trend of every
measure in every unit the dashboard opens at, and the data completeness, kept as one compressed pickle of
data frames: the dashboard slices it and never computes (ADR 11). Written only by the equality jobs
(:mod:`.services`); ``stale`` once a decision dated within the period is recorded after it was computed.

``population`` is empty for the catalogue's people on probation; a registered population's key (``staff``) for
its analysis (:func:`~.registry.analyse_population`), which the workforce pages read in the same way.
"""

from django.db import models


class StoredFigures(models.Model):
    population = models.CharField(
        max_length=40,
        blank=True,
        default="",
        help_text="Empty: people on probation; else a registered population",
    )
    period_start = models.DateField()
    period_end = models.DateField()
    characteristic = models.CharField(max_length=40)
    reference = models.CharField(max_length=40, blank=True, help_text="Empty: the characteristic's default")
    standard = models.CharField(
        max_length=40, blank=True, help_text="Which standard period it is, if it is one (precomputed nightly)"
    )
    computed_at = models.DateTimeField()
    seconds = models.FloatField(help_text="How long the computation took")
    stale_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a decision (or, for staff, an HR event) in the period was first recorded after computing",
    )
    data = models.BinaryField(help_text="The figures: a zlib-compressed pickle (evenhand.equality.services)")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["population", "period_start", "period_end", "characteristic", "reference"],
                name="one_stored_figures_of_a_population",
            )
        ]
        indexes = [models.Index(fields=["period_end", "period_start"])]

    def __str__(self) -> str:
        who = f"{self.population} figures" if self.population else "Figures"
        return f"{who} by {self.characteristic}, {self.period_start} to {self.period_end}"

    @property
    def stale(self) -> bool:
        return self.stale_since is not None
