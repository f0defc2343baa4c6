"""Shared base models."""

from typing import Any, ClassVar

from django.db import models


class TimeStampedModel(models.Model):
    """Rows that say when they were created and last changed."""

    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    modified_at = models.DateTimeField(auto_now=True, editable=False)

    class Meta:
        abstract = True


class RecordChangeError(Exception):
    """Code tried to change or delete a record that is kept as it was written."""


class ImmutableModel(models.Model):
    """A row written once and then kept as it is: ``save()`` refuses to change it and ``delete()`` to remove
    it, raising ``refusal_error`` with ``"<record_name> cannot be changed; <instead>"`` (or deleted), where
    ``record_name`` is "A <verbose name>" unless the model says better. The database's triggers refuse a
    QuerySet's or raw SQL's UPDATE and DELETE too, where a migration made them (``evenhand.core.triggers``)."""

    refusal_error: ClassVar[type[Exception]] = RecordChangeError
    record_name: ClassVar[str] = ""
    instead: ClassVar[str] = "record a new one instead."

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise self.refusal_error(self.refusal("changed"))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise self.refusal_error(self.refusal("deleted"))

    def refusal(self, verb: str) -> str:
        record = self.record_name or f"A {self._meta.verbose_name}"
        return f"{record} cannot be {verb}; {self.instead}"
