from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "evenhand.imports"
    verbose_name = "Imports from other systems"

    def ready(self) -> None:
        from . import jobs  # noqa: F401  # the import kind of job, registered
