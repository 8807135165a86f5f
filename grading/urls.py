"""The grading app's pages and API, gathered from its packages (included by name from certify.urls)."""

from django.urls import include, path

from grading.marking import urls as marking

urlpatterns = [
    *marking.urlpatterns,
    path("api/", include(marking.api_urlpatterns)),
]
