"""The exams app's pages and API, gathered from its packages."""

from django.urls import include, path

from exams import api, views
from exams.papers import urls as papers
from exams.planning import urls as planning
from exams.practical import urls as practical
from exams.written import urls as written

# One endpoint per step of the status flow (exams.sittings.SITTING_ACTIONS).
sitting_api = [
    path(
        "sittings/<int:pk>/open-enrolment/",
        api.SittingTransitionApi.as_view(action_name="open"),
        name="api-sitting-open",
    ),
    path(
        "sittings/<int:pk>/schedule/",
        api.SittingTransitionApi.as_view(action_name="schedule"),
        name="api-sitting-schedule",
    ),
    path("sittings/<int:pk>/start/", api.SittingTransitionApi.as_view(action_name="start"), name="api-sitting-start"),
    path("sittings/<int:pk>/live/", api.SittingLiveApi.as_view(), name="api-sitting-live"),
    path("rooms/<int:room_id>/live/", api.RoomLiveApi.as_view(), name="api-room-live"),
    path(
        "sittings/<int:pk>/retry-assembly/",
        api.SittingTransitionApi.as_view(action_name="retry-assembly"),
        name="api-sitting-retry-assembly",
    ),
]

urlpatterns = [
    *planning.urlpatterns,
    path("sittings/<int:pk>/do/<str:action>/", views.SittingActionView.as_view(), name="sitting-action"),
    path("my/rooms/<int:room_id>/", views.RoomView.as_view(), name="my-room"),
    *written.urlpatterns,
    *practical.urlpatterns,
    path(
        "api/",
        include(
            [
                *planning.api_urlpatterns,
                *sitting_api,
                *papers.api_urlpatterns,
                *written.api_urlpatterns,
                *practical.api_urlpatterns,
            ]
        ),
    ),
]
