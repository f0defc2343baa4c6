from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "evenhand.workforce"
    label = "workforce"
