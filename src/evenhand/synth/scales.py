"""The sizes the generator can build, from a test fixture to the national service."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    regions: int
    pdus: int
    people: int
    # Practitioners (PSOs and POs) per team; teams are sized so that caseloads come out near CASELOAD.
    team_size: tuple[int, int] = (8, 15)


# People per case-holding practitioner that the organisation is sized for. With teams of 8 to 15 and an SPO
# each, the national service comes to about 20,000 staff for 222,000 people.
CASELOAD = 12.5

SCALES = {
    "tiny": Scale("tiny", regions=1, pdus=2, people=240),
    "pdu": Scale("pdu", regions=1, pdus=1, people=2_200),
    "region": Scale("region", regions=1, pdus=9, people=18_500),
    "national": Scale("national", regions=12, pdus=108, people=222_000),
}
MAX_SEED = 2**32 - 1
