from django.apps import AppConfig


class EqualityConfig(AppConfig):
    name = "evenhand.equality"
    label = "equality"
