from django.urls import path

from grading.certificates import views

urlpatterns = [
    path("verify/", views.VerifyView.as_view(), name="verify"),
    path("verify/<str:number>/<str:code>/", views.VerifyLinkView.as_view(), name="verify-link"),
    path("certificates/", views.RegisterView.as_view(), name="certificates"),
    path("certificates/<str:number>.pdf", views.CertificatePdfView.as_view(), name="certificate-pdf"),
    path("sittings/<int:pk>/certificates/", views.SittingCertificatesView.as_view(), name="sitting-certificates"),
    path(
        "sittings/<int:pk>/certificates/<int:bundle_id>/progress/",
        views.BundleProgressView.as_view(),
        name="sitting-certificates-progress",
    ),
    path(
        "sittings/<int:pk>/certificates/<int:bundle_id>/download/",
        views.BundleDownloadView.as_view(),
        name="sitting-certificates-download",
    ),
]
