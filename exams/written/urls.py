from django.urls import path

from exams.written import api, views

urlpatterns = [
    path("exam/<int:enrollment_id>/", views.ExamView.as_view(), name="exam"),
]

api_urlpatterns = [
    path("enrollments/<int:enrollment_id>/attempt/", api.AttemptStartApi.as_view(), name="api-attempt-start"),
    path("attempts/<int:pk>/", api.AttemptApi.as_view(), name="api-attempt"),
    path("attempts/<int:pk>/clock/", api.ClockApi.as_view(), name="api-attempt-clock"),
    path("attempts/<int:pk>/answers/<int:position>/", api.AnswerApi.as_view(), name="api-attempt-answer"),
    path("attempts/<int:pk>/submit/", api.SubmitApi.as_view(), name="api-attempt-submit"),
    path("attempts/<int:pk>/events/", api.EventApi.as_view(), name="api-attempt-events"),
]
