from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "evenhand.api"
    label = "api"
