from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "evenhand.org"
    label = "org"
