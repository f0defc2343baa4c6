from django.apps import AppConfig


class WorkloadConfig(AppConfig):
    name = "evenhand.workload"
    label = "workload"

    def ready(self) -> None:
        from evenhand.cases.agenda import register_todo_source

        from .todo import consultations_waiting

        register_todo_source(consultations_waiting)
