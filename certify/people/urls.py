from django.urls import path

from certify.people import api, auth, views

urlpatterns = [
    path("candidates/", views.CandidateListView.as_view(), name="candidates"),
    path("organisation/", views.OrganisationView.as_view(), name="organisation"),
    path("me/", views.MyProfileView.as_view(), name="my-profile"),
    path("accounts/password/", auth.password_set, name="password-set"),
]

api_urlpatterns = [
    path("auth/token/", auth.TokenObtainApi.as_view(), name="api-token"),
    path("auth/token/revoke/", auth.TokenRevokeApi.as_view(), name="api-token-revoke"),
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("candidates/", api.CandidateListApi.as_view(), name="api-candidates"),
    path("candidates/<int:pk>/", api.CandidateDetailApi.as_view(), name="api-candidate"),
    path("organisation/", api.OrganisationApi.as_view(), name="api-organisation"),
]
