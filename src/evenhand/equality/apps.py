from django.apps import AppConfig


class EqualityConfig(AppConfig):
    name = "evenhand.equality"
    label = "equality"

    def ready(self) -> None:
        from . import jobs, signals  # noqa: F401  # the equality kinds of job, registered

        signals.connect()
