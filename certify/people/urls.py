from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token

from certify.people import api, views

urlpatterns = [
    path("candidates/", views.CandidateListView.as_view(), name="candidates"),
    path("organisation/", views.OrganisationView.as_view(), name="organisation"),
    path("me/", views.MyProfileView.as_view(), name="my-profile"),
]

api_urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("candidates/", api.CandidateListApi.as_view(), name="api-candidates"),
    path("candidates/<int:pk>/", api.CandidateDetailApi.as_view(), name="api-candidate"),
    path("organisation/", api.OrganisationApi.as_view(), name="api-organisation"),
]
