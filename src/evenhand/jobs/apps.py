from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "evenhand.jobs"
    label = "jobs"
    verbose_name = "Jobs"

    def ready(self) -> None:
        from evenhand.core.metrics import register_collector

        from . import kinds  # noqa: F401  # the kinds of job this app runs itself
        from .metrics import QueueCollector

        register_collector(QueueCollector())
