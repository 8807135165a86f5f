from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token

from certify.api import people, standard

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("me/", people.MeApi.as_view(), name="api-me"),
    path("standard/", standard.StandardCurrentApi.as_view(), name="api-standard-current"),
    path("standard/versions/", standard.StandardVersionListApi.as_view(), name="api-standard-versions"),
    path(
        "standard/versions/<int:number>/",
        standard.StandardVersionDetailApi.as_view(),
        name="api-standard-version",
    ),
    path("candidates/", people.CandidateListApi.as_view(), name="api-candidates"),
    path("candidates/<int:pk>/", people.CandidateDetailApi.as_view(), name="api-candidate"),
    path("organisation/", people.OrganisationApi.as_view(), name="api-organisation"),
]
