"""The grading app's pages and API, gathered from its packages (included by name from certify.urls)."""

from django.urls import include, path

from grading.certificates import urls as certificates
from grading.exports import urls as exports
from grading.marking import urls as marking
from grading.results import urls as results
from grading.statistics import urls as statistics

urlpatterns = [
    *marking.urlpatterns,
    *results.urlpatterns,
    *certificates.urlpatterns,
    *exports.urlpatterns,
    *statistics.urlpatterns,
    path(
        "api/",
        include(
            [
                *marking.api_urlpatterns,
                *results.api_urlpatterns,
                *exports.api_urlpatterns,
                *statistics.api_urlpatterns,
            ]
        ),
    ),
]
