"""Shared base models."""

from django.db import models


class TimeStampedModel(models.Model):
    """Rows that say when they were created and last changed."""

    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    modified_at = models.DateTimeField(auto_now=True, editable=False)

    class Meta:
        abstract = True
