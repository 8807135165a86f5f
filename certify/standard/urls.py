from django.urls import path

from certify.standard import api, views

urlpatterns = [
    path("standard/", views.StandardView.as_view(), name="standard"),
]

api_urlpatterns = [
    path("standard/", api.StandardCurrentApi.as_view(), name="api-standard-current"),
    path("standard/versions/", api.StandardVersionListApi.as_view(), name="api-standard-versions"),
    path("standard/versions/<int:number>/", api.StandardVersionDetailApi.as_view(), name="api-standard-version"),
]
