from django.urls import path

from certify.site import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
]
