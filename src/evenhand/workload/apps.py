from django.apps import AppConfig


class WorkloadConfig(AppConfig):
    name = "evenhand.workload"
    label = "workload"
