from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "evenhand.workforce"
    label = "workforce"

    def ready(self) -> None:
        from .catalogue import register_measures

        register_measures()
