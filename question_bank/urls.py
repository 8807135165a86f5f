from django.urls import path

from question_bank import views

urlpatterns = [
    path("", views.BankListView.as_view(), name="bank"),
    path("items/new/", views.ItemEditView.as_view(), name="bank-item-new"),
    path("items/<int:pk>/", views.ItemDetailView.as_view(), name="bank-item"),
    path("items/<int:pk>/edit/", views.ItemEditView.as_view(), name="bank-item-edit"),
    path("items/<int:pk>/status/", views.ItemStatusView.as_view(), name="bank-item-status"),
    path("import/", views.ImportView.as_view(), name="bank-import"),
    path("template.xlsx", views.TemplateDownloadView.as_view(), name="bank-template"),
    path("export.xlsx", views.ExportView.as_view(), name="bank-export"),
    path("health/", views.HealthView.as_view(), name="bank-health"),
    path("health/review/", views.HealthReviewView.as_view(), name="bank-health-review"),
    path("blueprints/", views.BlueprintListView.as_view(), name="bank-blueprints"),
    path("blueprints/<int:level>/", views.BlueprintDetailView.as_view(), name="bank-blueprint"),
]
