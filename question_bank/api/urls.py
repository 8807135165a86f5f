from django.urls import path

from question_bank.api import views

urlpatterns = [
    path("items/", views.ItemListApi.as_view(), name="api-bank-items"),
    path("items/<int:pk>/", views.ItemDetailApi.as_view(), name="api-bank-item"),
    path("import/", views.ImportApi.as_view(), name="api-bank-import"),
    path("export/", views.ExportApi.as_view(), name="api-bank-export"),
    path("template/", views.TemplateApi.as_view(), name="api-bank-template"),
    path("health/", views.HealthApi.as_view(), name="api-bank-health"),
    path("health/reviews/", views.HealthReviewApi.as_view(), name="api-bank-health-review"),
    path("blueprints/", views.BlueprintListApi.as_view(), name="api-blueprints"),
    path("blueprints/<int:level>/", views.BlueprintDetailApi.as_view(), name="api-blueprint"),
    path("blueprints/<int:level>/feasibility/", views.FeasibilityApi.as_view(), name="api-blueprint-feasibility"),
]
