from django.urls import path

from grading.exports import api, views

urlpatterns = [
    path("exports/", views.ExportListView.as_view(), name="exports"),
    path("exports/<int:pk>/", views.ExportJobView.as_view(), name="export-job"),
    path("exports/<int:pk>/file/", views.ExportDownloadView.as_view(), name="export-file"),
]

api_urlpatterns = [
    path("exports/", api.ExportRequestApi.as_view(), name="api-exports"),
    path("exports/<int:pk>/", api.ExportJobApi.as_view(), name="api-export"),
    path("exports/<int:pk>/file/", api.ExportFileApi.as_view(), name="api-export-file"),
]
