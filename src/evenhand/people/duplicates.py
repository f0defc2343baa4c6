"""The duplicate check before a person is registered: people already held who may be the same person.

A candidate has the same PNC number, or the same date of birth and a similar name. Candidates are narrowed in
the database (an indexed date of birth or PNC), so the fuzzy comparison (RapidFuzz, ADR 0007) runs over a
handful of rows. Names are folded first so that the ways one name is written in records compare equal:
accents, case and punctuation; hyphenated and double-barrelled surnames (either half, with or without the
hyphen); first and last name swapped; common transliterations (Mohammed, Muhammad, Mohamed …).
"""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.db.models import Q
from rapidfuzz import fuzz

from .models import Person

SIMILAR = 85  # a score out of 100 at or above which two names are shown as possibly one person

# Spellings of one name written differently in English (transliterations), folded to one key. Only names
# common in probation caseloads and spelt many ways; the phonetic folding below catches the rest.
_VARIANTS = {
    "muhammad": "mhmd",
    "mohammed": "mhmd",
    "mohammad": "mhmd",
    "mohamed": "mhmd",
    "mohamad": "mhmd",
    "muhammed": "mhmd",
    "muhamed": "mhmd",
    "mohd": "mhmd",
    "mohamud": "mhmd",
    "mahomed": "mhmd",
    "mehmet": "mhmd",
    "yusuf": "yusf",
    "yousef": "yusf",
    "youssef": "yusf",
    "yusef": "yusf",
    "joseph": "josef",
    "josef": "josef",
    "abdul": "abdl",
    "abdel": "abdl",
    "abdal": "abdl",
    "mustafa": "mstf",
    "mostafa": "mstf",
    "moustafa": "mstf",
    "ahmed": "ahmd",
    "ahmad": "ahmd",
    "hussain": "hsn",
    "hussein": "hsn",
    "husain": "hsn",
    "hossain": "hsn",
    "aleksandr": "alexandr",
    "aleksander": "alexandr",
    "alexander": "alexandr",
    "oleksandr": "alexandr",
    "mikhail": "mikl",
    "michael": "mikl",
    "mihail": "mikl",
    "sergei": "sergy",
    "sergey": "sergy",
    "sergiy": "sergy",
}


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _fold(word: str) -> str:
    """One word of a name folded to a key that spelling variants share."""
    if word in _VARIANTS:
        return _VARIANTS[word]
    word = word.replace("ph", "f").replace("ou", "u").replace("oo", "u").replace("ck", "k").replace("y", "i")
    # Doubled letters (Mohammed / Mohamed, Phillip / Philip) are one sound.
    return re.sub(r"(.)\1+", r"\1", word)


def name_words(*parts: str) -> list[str]:
    """The words of a name, folded: case, accents, hyphens and apostrophes do not matter."""
    words = []
    for part in parts:
        text = _ascii(part or "").lower().replace("'", "").replace("\u2019", "")
        words += [_fold(w) for w in re.split(r"[^a-z]+", text) if w]
    return words


def name_similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """How alike two names are, 0 to 100, whatever order their words are in and whether or not one has a
    middle name or half of a double-barrelled surname that the other lacks."""
    left, right = " ".join(name_words(*a)), " ".join(name_words(*b))
    if not left or not right:
        return 0.0
    # token_set_ratio: one name's words all in the other (a missing middle name, one half of a surname) score
    # 100; token_sort_ratio: order does not matter; WRatio catches a typing slip in a long name.
    return max(
        fuzz.token_set_ratio(left, right),
        fuzz.token_sort_ratio(left, right),
        fuzz.WRatio(left, right),
    )


@dataclass(frozen=True)
class Candidate:
    """A person already held who may be the one being registered, and why they are shown."""

    person: Person
    same_pnc: bool
    score: float

    @property
    def reason(self) -> str:
        if self.same_pnc:
            return "Same PNC number"
        return f"Same date of birth and a similar name ({self.score:.0f}% alike)"


def possible_duplicates(
    *,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date | None,
    middle_names: str = "",
    preferred_name: str = "",
    pnc: str = "",
) -> list[Candidate]:
    """People already held (anywhere in the service) who may be the person about to be registered: the same
    PNC number, or the same date of birth and a name alike by ``SIMILAR`` or more. Most alike first.

    A preferred name counts as a first name: someone registered once as Mohammed and once as "Mo" is found.
    """
    match = Q(pnc=pnc) if pnc else Q()
    if date_of_birth is not None:
        match = (match | Q(date_of_birth=date_of_birth)) if pnc else Q(date_of_birth=date_of_birth)
    if not match:
        return []
    rows = Person.objects.filter(match).select_related("pdu").order_by("pk")[:500]
    names = [(first_name, middle_names, last_name)]
    if preferred_name:
        names.append((preferred_name, middle_names, last_name))
    found = []
    for person in rows:
        theirs = [(person.first_name, person.middle_names, person.last_name)]
        if person.preferred_name:
            theirs.append((person.preferred_name, person.middle_names, person.last_name))
        score = max(name_similarity(mine, other) for mine in names for other in theirs)
        same_pnc = bool(pnc) and person.pnc == pnc
        same_birth = date_of_birth is not None and person.date_of_birth == date_of_birth
        if same_pnc or (same_birth and score >= SIMILAR):
            found.append(Candidate(person=person, same_pnc=same_pnc, score=score))
    return sorted(found, key=lambda c: (not c.same_pnc, -c.score, c.person.pk))
