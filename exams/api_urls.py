from django.urls import path

from exams.api import attempts, practical, views

urlpatterns = [
    path("sittings/", views.SittingListApi.as_view(), name="api-sittings"),
    path("sittings/<int:pk>/", views.SittingDetailApi.as_view(), name="api-sitting"),
    path(
        "sittings/<int:pk>/open-enrolment/",
        views.SittingTransitionApi.as_view(action_name="open"),
        name="api-sitting-open",
    ),
    path(
        "sittings/<int:pk>/schedule/",
        views.SittingTransitionApi.as_view(action_name="schedule"),
        name="api-sitting-schedule",
    ),
    path("sittings/<int:pk>/start/", views.SittingTransitionApi.as_view(action_name="start"), name="api-sitting-start"),
    path("sittings/<int:pk>/progress/", views.ProgressApi.as_view(), name="api-sitting-progress"),
    path("sittings/<int:pk>/rooms/", views.RoomAddApi.as_view(), name="api-sitting-rooms"),
    path("sittings/<int:pk>/rooms/<int:room_id>/examiners/", views.AssignApi.as_view(), name="api-room-examiners"),
    path("sittings/<int:pk>/roster/", views.RosterApi.as_view(), name="api-sitting-roster"),
    path("my/rooms/", views.MyRoomsApi.as_view(), name="api-my-rooms"),
    path("my/enrollments/", views.MyEnrollmentsApi.as_view(), name="api-my-enrollments"),
    path("enrollments/<int:enrollment_id>/attempt/", attempts.AttemptStartApi.as_view(), name="api-attempt-start"),
    path("attempts/<int:pk>/", attempts.AttemptApi.as_view(), name="api-attempt"),
    path("attempts/<int:pk>/clock/", attempts.ClockApi.as_view(), name="api-attempt-clock"),
    path("attempts/<int:pk>/answers/<int:position>/", attempts.AnswerApi.as_view(), name="api-attempt-answer"),
    path("attempts/<int:pk>/submit/", attempts.SubmitApi.as_view(), name="api-attempt-submit"),
    path("attempts/<int:pk>/events/", attempts.EventApi.as_view(), name="api-attempt-events"),
    path("enrollments/<int:enrollment_id>/typing/", practical.TypingStartApi.as_view(), name="api-typing-start"),
    path("practical/typing/<int:pk>/", practical.TypingApi.as_view(), name="api-typing"),
    path("practical/typing/<int:pk>/submit/", practical.TypingSubmitApi.as_view(), name="api-typing-submit"),
    path("practical/typing/<int:pk>/events/", practical.TypingEventApi.as_view(), name="api-typing-events"),
    path("enrollments/<int:enrollment_id>/business/", practical.BusinessStartApi.as_view(), name="api-business-start"),
    path("practical/business/<int:pk>/", practical.BusinessApi.as_view(), name="api-business"),
    path("practical/business/tasks/<int:pk>/", practical.BusinessTaskApi.as_view(), name="api-business-task"),
    path("practical/customers/", practical.CustomerSearchApi.as_view(), name="api-customers"),
    path("practical/catalogue/", practical.CatalogueApi.as_view(), name="api-catalogue"),
    path("practical/fees/", practical.FeesApi.as_view(), name="api-fees"),
]
