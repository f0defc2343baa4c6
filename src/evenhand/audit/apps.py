from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "evenhand.audit"
    label = "audit"
