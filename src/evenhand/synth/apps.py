from django.apps import AppConfig


class SynthConfig(AppConfig):
    name = "evenhand.synth"
    label = "synth"

    def ready(self) -> None:
        from . import jobs  # noqa: F401  # the generation kind of job, registered
