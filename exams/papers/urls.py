from django.urls import path

from exams.papers import api

api_urlpatterns = [
    path("sittings/<int:pk>/progress/", api.ProgressApi.as_view(), name="api-sitting-progress"),
]
