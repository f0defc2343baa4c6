from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "evenhand.imports"
    verbose_name = "Imports from other systems"
