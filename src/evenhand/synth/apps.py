from django.apps import AppConfig


class SynthConfig(AppConfig):
    name = "evenhand.synth"
    label = "synth"
