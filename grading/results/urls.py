from django.urls import path

from grading.results import api, views

urlpatterns = [
    path("sittings/<int:pk>/results/", views.SittingResultsView.as_view(), name="sitting-results"),
    path("results/<int:pk>/", views.ResultDetailView.as_view(), name="result"),
    path("my/results/<int:pk>/", views.MyResultView.as_view(), name="my-result"),
]

api_urlpatterns = [
    path("my/results/", api.MyResultsApi.as_view(), name="api-my-results"),
    path("my/results/<int:pk>/review/", api.ReviewRequestApi.as_view(), name="api-my-result-review"),
    path("sittings/<int:pk>/publication/", api.PublicationApi.as_view(), name="api-sitting-publication"),
    path("certificates/verify/", api.VerifyApi.as_view(), name="api-certificate-verify"),
]
