from django.apps import AppConfig


class WorkloadConfig(AppConfig):
    name = "evenhand.workload"
    label = "workload"

    def ready(self) -> None:
        from evenhand.cases.agenda import register_todo_source

        from .todo import consultations_waiting

        register_todo_source(consultations_waiting)

        # A pre-sentence report in progress is its author's report task (assessment may not import workload).
        from evenhand.assessment.signals import report_written

        from .services.reports import on_report_written

        report_written.connect(on_report_written, dispatch_uid="workload-count-report")
