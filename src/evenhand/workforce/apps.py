from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "evenhand.workforce"
    label = "workforce"

    def ready(self) -> None:
        from evenhand.equality.registry import register_report

        from . import jobs  # noqa: F401  # publishing the workforce report, a kind of job, registered
        from .catalogue import register_measures
        from .report_command import publish_report

        register_measures()
        # ``evenhand equality report --workforce``: equality cannot import this app, so it is told the run.
        register_report("workforce", publish_report)
