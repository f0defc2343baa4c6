from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "evenhand.people"
    label = "people"
