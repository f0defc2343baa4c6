"""``evenhand voice_group NAME --kinds racism,bullying [--regions CODE,…] --lead STAFF_CODE``: create a handler
group. A lead without a handling key yet is asked for a passphrase (typed twice, not echoed) at the terminal,
which only they should do. ``--custodian STAFF_CODE`` appoints a custodian instead."""

import getpass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from evenhand.org.models import Region, StaffMember
from evenhand.voice.models import ConcernKind, HandlerKey
from evenhand.voice.services import appoint_custodian, create_handler_group, set_up_handler_key


class Command(BaseCommand):
    help = "Create a safe voice handler group, or appoint a custodian."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", default="")
        parser.add_argument("--kinds", default="")
        parser.add_argument("--regions", default="")
        parser.add_argument("--lead", default="")
        parser.add_argument("--custodian", default="")

    def handle(
        self, *args: Any, name: str, kinds: str, regions: str, lead: str, custodian: str, **o: Any
    ) -> None:
        if custodian:
            staff = StaffMember.objects.filter(staff_code=custodian.upper()).first()
            if staff is None:
                raise CommandError(f"No member of staff {custodian}")
            appoint_custodian(staff=staff)
            self.stdout.write(f"{staff.full_name} is a custodian")
            return
        codes = [c.strip() for c in kinds.split(",") if c.strip()]
        chosen = list(ConcernKind.objects.filter(code__in=codes))
        if len(chosen) != len(codes):
            raise CommandError(
                f"Unknown kinds; known: {', '.join(ConcernKind.objects.values_list('code', flat=True))}"
            )
        region_codes = [c.strip() for c in regions.split(",") if c.strip()]
        in_regions = list(Region.objects.filter(code__in=region_codes))
        if len(in_regions) != len(region_codes):
            raise CommandError("Unknown region code")
        leader = StaffMember.objects.filter(staff_code=lead.upper()).first()
        if leader is None:
            raise CommandError(f"No member of staff {lead!r}")
        if not HandlerKey.objects.filter(staff=leader).exists():
            self.stdout.write(f"{leader.full_name} has no handling key yet: they choose its passphrase now.")
            try:
                set_up_handler_key(
                    staff=leader,
                    passphrase=getpass.getpass("Handling passphrase: "),
                    confirmation=getpass.getpass("Type it again: "),
                )
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from error
        try:
            group = create_handler_group(name=name, kinds=chosen, regions=in_regions, lead=leader)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(f"Created {group.name}, led by {leader.full_name}")
