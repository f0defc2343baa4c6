"""A safe voice world: a region with two PDUs, a national handler group with a lead and a member, a custodian,
and the line of management the conflict rules are tested against."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evenhand.org.models import PDU, Grade, Region, StaffMember, Team
from evenhand.voice import services
from evenhand.voice.models import ConcernKind, HandlerGroup
from tests.factories import PDUFactory, RegionFactory, StaffMemberFactory, TeamFactory

PASSPHRASE = "correct horse battery staple"


@dataclass
class VoiceWorld:
    region: Region
    leeds: PDU
    team: Team
    group: HandlerGroup
    lead: StaffMember
    handler: StaffMember
    custodian: StaffMember
    practitioner: StaffMember  # in the team, will be named
    spo: StaffMember  # the practitioner's manager
    head: StaffMember  # head of the practitioner's PDU
    outsider: StaffMember  # another PDU, no handler

    def key(self, staff: StaffMember) -> bytes:
        return services.unlock(staff=staff, passphrase=PASSPHRASE)


def kind(code: str = "racism") -> ConcernKind:
    return ConcernKind.objects.get(code=code)


def handler_with_key(**kwargs: Any) -> StaffMember:
    staff = StaffMemberFactory(with_user=True, **kwargs)
    return staff


def build() -> VoiceWorld:
    region = RegionFactory(code="RVOICE", name="Voice region")
    leeds = PDUFactory(code="PVLDS", name="Voice Leeds", region=region)
    other = PDUFactory(code="PVBRD", name="Voice Bradford", region=region)
    team = TeamFactory(code="TVLDS", name="Voice Leeds team", pdu=leeds)
    lead = StaffMemberFactory(
        with_user=True, grade=Grade.ADMIN, first_name="Lena", last_name="Lead", staff_code="VLEAD"
    )
    handler = StaffMemberFactory(
        with_user=True, grade=Grade.ADMIN, first_name="Hal", last_name="Handler", staff_code="VHANDLER"
    )
    custodian = StaffMemberFactory(
        with_user=True, grade=Grade.ADMIN, first_name="Cora", last_name="Custodian", staff_code="VCUST"
    )
    practitioner = StaffMemberFactory(
        with_user=True, grade=Grade.PO, team=team, first_name="Percy", last_name="Named", staff_code="VNAMED"
    )
    spo = StaffMemberFactory(
        with_user=True, grade=Grade.SPO, team=team, first_name="Sally", last_name="Manager", staff_code="VSPO"
    )
    head = StaffMemberFactory(
        with_user=True,
        grade=Grade.HEAD_OF_PDU,
        team=team,
        first_name="Hugh",
        last_name="Head",
        staff_code="VHEAD",
    )
    outsider = StaffMemberFactory(
        with_user=True, grade=Grade.PO, pdu=other, first_name="Olga", last_name="Outside", staff_code="VOUT"
    )
    for staff in (lead, handler):
        services.set_up_handler_key(staff=staff, passphrase=PASSPHRASE)
    group = services.create_handler_group(
        name="National unit", kinds=list(ConcernKind.objects.all()), regions=[], lead=lead
    )
    services.add_handler(
        group=group, staff=handler, by=lead, by_private_key=services.unlock(staff=lead, passphrase=PASSPHRASE)
    )
    services.appoint_custodian(staff=custodian)
    return VoiceWorld(region, leeds, team, group, lead, handler, custodian, practitioner, spo, head, outsider)


def answers(**overrides: str) -> dict[str, str]:
    base = {
        "what_happened": "My manager made remarks about my accent in team meetings.",
        "when": "Over the last few months",
        "where": "",
        "who": "",
        "witnesses": "Two colleagues",
        "outcome_wanted": "For it to stop",
    }
    return {**base, **overrides}


def raise_one(world: VoiceWorld, **kwargs: Any) -> services.Submitted:
    params: dict[str, Any] = {
        "kind": kind(),
        "region": world.region,
        "answers": answers(),
        "anonymous": True,
    }
    params.update(kwargs)
    return services.raise_concern(**params)
