from django.urls import path

import evenhand.core.converters  # noqa: F401  (registers the "ref" path converter)

from . import views

urlpatterns = [
    path("workload/", views.my_workload, name="my-workload"),
    path("workload/staff/<int:staff_id>/", views.staff_workload, name="staff-workload"),
    path("workload/staff/<int:staff_id>/reductions/new/", views.record_reduction, name="record-reduction"),
    path(
        "workload/staff/<int:staff_id>/reductions/schedule/",
        views.record_training_reduction,
        name="record-training-reduction",
    ),
    path("workload/reductions/<int:reduction_id>/end/", views.end_reduction, name="end-reduction"),
    path("workload/staff/<int:staff_id>/tasks/new/", views.record_task, name="record-task"),
    path("workload/tasks/<int:task_id>/complete/", views.complete_task, name="complete-task"),
    path("workload/team/", views.team_workload, name="team-workload"),
    path("workload/team/forecast/", views.team_forecast, name="team-forecast"),
    path("workload/pdu/", views.pdu_workload, name="pdu-workload"),
    path("workload/region/", views.region_workload, name="region-workload"),
    path("workload/weightings/", views.weightings, name="weightings"),
    path("workload/sensitivities/", views.my_sensitivities, name="my-sensitivities"),
    path(
        "workload/sensitivities/<int:sensitivity_id>/remove/",
        views.remove_sensitivity,
        name="remove-sensitivity",
    ),
    path(
        "workload/consultations/<ref:consultation_id>/", views.answer_consultation, name="answer-consultation"
    ),
    path("allocations/", views.allocation_queue, name="allocation-queue"),
    path("allocations/fairness/", views.allocation_fairness, name="allocation-fairness"),
    path("allocations/<ref:sentence_id>/", views.allocate, name="allocate-case"),
    path("allocations/<ref:sentence_id>/history/", views.allocation_history, name="allocation-history"),
    path("allocations/<ref:sentence_id>/transfer/", views.transfer, name="transfer-case"),
    path("allocations/<ref:sentence_id>/correct/", views.correct_allocation, name="correct-allocation"),
    path(
        "allocations/<ref:sentence_id>/consultations/new/",
        views.record_consultation,
        name="record-consultation",
    ),
]
