from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from certify import views
from certify.health import healthz

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("standard/", views.StandardView.as_view(), name="standard"),
    path("candidates/", views.CandidateListView.as_view(), name="candidates"),
    path("organisation/", views.OrganisationView.as_view(), name="organisation"),
    path("me/", views.MyProfileView.as_view(), name="my-profile"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("bank/", include("question_bank.urls")),
    path("", include("exams.urls")),
    path("api/", include("exams.api.urls")),
    path("api/bank/", include("question_bank.api.urls")),
    path("api/", include("certify.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

admin.site.site_header = "certify 后台管理"
admin.site.site_title = "certify"
admin.site.index_title = "营业员岗位技能认证平台"
