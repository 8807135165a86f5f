from django.urls import path

from grading.marking import api, views

urlpatterns = [
    path("marking/", views.MarkingHomeView.as_view(), name="marking-home"),
    path("marking/items/<int:item_id>/next/", views.NextView.as_view(), name="marking-next"),
    path("marking/t/<str:code>/", views.TaskView.as_view(), name="marking-task"),
    path("marking/s/<str:code>/arbitrate/", views.ArbitrateView.as_view(), name="marking-arbitrate"),
    path("marking/sittings/<int:pk>/", views.SittingMarkingView.as_view(), name="marking-sitting"),
    path("marking/sittings/<int:pk>/dashboard/", views.DashboardView.as_view(), name="marking-dashboard"),
    path("marking/sittings/<int:pk>/controls/", views.ControlsView.as_view(), name="marking-controls"),
    path("marking/sittings/<int:pk>/markers/<int:user_id>/pause/", views.PauseView.as_view(), name="marking-pause"),
]

api_urlpatterns = [
    path("marking/work/", api.MyWorkApi.as_view(), name="api-marking-work"),
    path("marking/items/<int:item_id>/claim/", api.ClaimApi.as_view(), name="api-marking-claim"),
    path("marking/items/<int:item_id>/tolerance/", api.ItemToleranceApi.as_view(), name="api-marking-tolerance"),
    path("marking/tasks/<str:code>/", api.TaskApi.as_view(), name="api-marking-task"),
    path("marking/tasks/<str:code>/mark/", api.MarkApi.as_view(), name="api-marking-mark"),
    path("marking/scripts/<str:code>/arbitration/", api.ArbitrateApi.as_view(), name="api-marking-arbitrate"),
    path("marking/controls/<int:control_id>/", api.ControlApi.as_view(), name="api-marking-control"),
    path("marking/sittings/<int:pk>/progress/", api.ProgressApi.as_view(), name="api-marking-progress"),
    path("marking/sittings/<int:pk>/dashboard/", api.DashboardApi.as_view(), name="api-marking-dashboard"),
    path("marking/sittings/<int:pk>/arbitration/", api.ArbitrationQueueApi.as_view(), name="api-marking-arbitration"),
    path("marking/sittings/<int:pk>/controls/", api.ControlsApi.as_view(), name="api-marking-controls"),
    path("marking/sittings/<int:pk>/markers/<int:user_id>/pause/", api.PauseApi.as_view(), name="api-marking-pause"),
    path("marking/sittings/<int:pk>/team/", api.TeamApi.as_view(), name="api-marking-team"),
    path(
        "marking/sittings/<int:pk>/team/examiners/", api.TeamExaminersApi.as_view(), name="api-marking-team-examiners"
    ),
    path("marking/sittings/<int:pk>/team/<int:member_id>/", api.TeamMemberApi.as_view(), name="api-marking-member"),
    path("marking/sittings/<int:pk>/settings/", api.SettingsApi.as_view(), name="api-marking-settings"),
]
