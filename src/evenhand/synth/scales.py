"""The sizes the generator can build, from a test fixture to the national service."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    regions: int
    pdus: int
    people: int
    # Practitioners (PSOs and POs) per team; a PDU has the practitioners its workload calls for
    # (params.TARGET_CAPACITY), in as many teams of this size as that makes.
    team_size: tuple[int, int] = (8, 15)


SCALES = {
    "tiny": Scale("tiny", regions=1, pdus=2, people=240),
    "pdu": Scale("pdu", regions=1, pdus=1, people=2_200),
    "region": Scale("region", regions=1, pdus=9, people=18_500),
    "national": Scale("national", regions=12, pdus=108, people=222_000),
}
MAX_SEED = 2**32 - 1
