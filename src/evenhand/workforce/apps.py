from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "evenhand.workforce"
    label = "workforce"

    def ready(self) -> None:
        from . import jobs  # noqa: F401  # publishing the workforce report, a kind of job, registered
        from .catalogue import register_measures

        register_measures()
