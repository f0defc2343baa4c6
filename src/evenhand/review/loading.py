"""Loading the published question sets (``questions.py``) into their tables, once per version.

Takes the model classes as arguments so that the data migration runs it with the historical models and the
service with the current ones. A version already stored must match its published text exactly: a change to a
published set is a new version, never an edit (a review answered against version 1 keeps meaning what it did).
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from .questions import QUESTION_SETS, QuestionSetSpec


class PublishedSetChanged(Exception):
    """A stored version differs from the published text: publish a new version instead."""


def _stored_shape(question_set: Any) -> tuple:
    return (
        question_set.title,
        question_set.published_on.isoformat(),
        (float(question_set.outstanding_from), float(question_set.good_from)),
        float(question_set.requires_improvement_from),
        tuple(
            (
                k.number,
                k.stage,
                k.text,
                tuple((p.letter, p.text, p.diversity) for p in k.prompts.order_by("position")),
            )
            for k in question_set.key_questions.order_by("position")
        ),
    )


def _spec_shape(spec: QuestionSetSpec) -> tuple:
    return (
        spec.title,
        spec.published_on,
        (spec.bands.outstanding, spec.bands.good),
        spec.bands.requires_improvement,
        tuple(
            (k.number, k.stage, k.text, tuple((p.letter, p.text, p.diversity) for p in k.prompts))
            for k in spec.key_questions
        ),
    )


def load(question_set_model: Any, key_question_model: Any, prompt_model: Any) -> int:
    """Store every published version not yet stored; check the stored ones are unchanged. Returns how many
    versions it stored."""
    stored = 0
    for spec in QUESTION_SETS:
        existing = question_set_model.objects.filter(kind=spec.kind, version=spec.version).first()
        if existing is not None:
            if _stored_shape(existing) != _spec_shape(spec):
                raise PublishedSetChanged(
                    f"{spec.title} is already published with different text; publish version "
                    f"{spec.version + 1} instead of editing it."
                )
            continue
        question_set = question_set_model.objects.create(
            kind=spec.kind,
            version=spec.version,
            title=spec.title,
            published_on=dt.date.fromisoformat(spec.published_on),
            outstanding_from=Decimal(str(spec.bands.outstanding)),
            good_from=Decimal(str(spec.bands.good)),
            requires_improvement_from=Decimal(str(spec.bands.requires_improvement)),
        )
        for position, key in enumerate(spec.key_questions, start=1):
            key_question = key_question_model.objects.create(
                question_set=question_set,
                number=key.number,
                stage=key.stage,
                text=key.text,
                position=position,
            )
            prompt_model.objects.bulk_create(
                prompt_model(
                    key_question=key_question, letter=p.letter, text=p.text, diversity=p.diversity, position=i
                )
                for i, p in enumerate(key.prompts, start=1)
            )
        stored += 1
    return stored
