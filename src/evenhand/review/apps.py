from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "evenhand.review"
    label = "review"
    verbose_name = "Case audit and decision review"
