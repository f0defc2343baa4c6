"""The command line: daily escalation of missed deadlines, and setting up groups and custodians."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from evenhand.voice import services
from evenhand.voice.models import Custodian, Escalation, HandlerGroup

from .helpers import PASSPHRASE, raise_one


def test_voice_deadlines_escalates_late_concerns(world, monkeypatch):
    concern = raise_one(world).concern
    monkeypatch.setattr(services, "today", lambda: concern.received_on + dt.timedelta(days=8))
    out = io.StringIO()
    call_command("voice_deadlines", stdout=out)
    assert "1 escalation(s)" in out.getvalue()
    assert Escalation.objects.get().lead == world.lead


def test_voice_group_creates_a_group_and_appoints_a_custodian(world):
    services.set_up_handler_key(staff=world.outsider, passphrase=PASSPHRASE)
    call_command(
        "voice_group",
        "Regional unit",
        kinds="bullying,racism",
        regions=world.region.code,
        lead=world.outsider.staff_code,
        stdout=io.StringIO(),
    )
    group = HandlerGroup.objects.get(name="Regional unit")
    assert set(group.kinds.values_list("code", flat=True)) == {"bullying", "racism"}
    assert services.route(group.kinds.get(code="bullying"), world.region) == group
    call_command("voice_group", custodian=world.spo.staff_code, stdout=io.StringIO())
    assert Custodian.objects.filter(staff=world.spo).exists()
    with pytest.raises(CommandError):
        call_command("voice_group", "Another", kinds="no-such-kind", lead=world.outsider.staff_code)


def test_a_lead_without_a_key_chooses_a_passphrase_at_the_terminal(world, monkeypatch):
    typed = iter(["a passphrase for the lead", "a passphrase for the lead", "short", "short"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
    call_command("voice_group", "Keyed unit", kinds="other", lead=world.head.staff_code, stdout=io.StringIO())
    assert services.unlock(staff=world.head, passphrase="a passphrase for the lead")
    with pytest.raises(CommandError, match="at least 12"):
        call_command(
            "voice_group", "Another unit", kinds="other", lead=world.spo.staff_code, stdout=io.StringIO()
        )
