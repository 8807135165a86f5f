from django.urls import path

from grading.statistics import views

urlpatterns = [
    path("statistics/", views.StatisticsView.as_view(), name="statistics"),
    path("statistics/items/", views.ItemsAcrossSittingsView.as_view(), name="statistics-items"),
    path("statistics/sittings/<int:pk>/", views.SittingStatisticsView.as_view(), name="statistics-sitting"),
]

api_urlpatterns: list = []
