from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "evenhand.core"
    label = "core"
