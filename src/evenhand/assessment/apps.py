from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "evenhand.assessment"
    label = "assessment"

    def ready(self) -> None:
        # Cases may not import assessment: it says that a tier input changed (a risk review, a registration
        # added or ended) with a signal, and the tier is recomputed here.
        from evenhand.cases.signals import tier_inputs_changed

        from .services.tiers import on_tier_inputs_changed

        tier_inputs_changed.connect(on_tier_inputs_changed, dispatch_uid="assessment-recompute-tier")
        # The assessments due or overdue on the to-do list (cases.agenda reads no assessment itself).
        from evenhand.cases.agenda import register_todo_source

        from .todo import assessments_due

        register_todo_source(assessments_due)
