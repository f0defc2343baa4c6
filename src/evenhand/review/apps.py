from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "evenhand.review"
    label = "review"
    verbose_name = "Case audit and decision review"

    def ready(self) -> None:
        # Equality sits below review and reads none of its tables: the rounds' estimates reach the equality
        # catalogue by registration (ADR 13).
        from evenhand.equality.sampled import register_sampled

        from .estimates import CASE_REVIEW

        register_sampled(CASE_REVIEW)
