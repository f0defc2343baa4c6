from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "evenhand.core"
    label = "core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from . import lookups
        from .metrics import count_queries

        lookups.register()  # field__among=ids (core/lookups.py)

        # Every query of every connection counted and timed for /metrics.
        connection_created.connect(count_queries, dispatch_uid="evenhand.core.metrics.count_queries")
