"""The project's URLs. Each app (and each concept package in it) lists its own pages and API;
apps above the base are included by name, so this module imports none of them."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from certify.health import healthz
from certify.people import urls as people
from certify.people.auth import ThrottledLoginView
from certify.standard import urls as standard

urlpatterns = [
    path("", include("certify.site.urls")),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    *standard.urlpatterns,
    *people.urlpatterns,
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("bank/", include("question_bank.urls")),
    path("api/bank/", include("question_bank.api.urls")),
    path("", include("exams.urls")),
    path("", include("grading.urls")),
    path("api/", include([*standard.api_urlpatterns, *people.api_urlpatterns])),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (the CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

# A FieldProblem (certify.bad_input) names the field; every other 400 gets the generic page.
handler400 = "certify.bad_input.bad_request"

admin.site.site_header = "certify 后台管理"
admin.site.site_title = "certify"
admin.site.index_title = "营业员岗位技能认证平台"
