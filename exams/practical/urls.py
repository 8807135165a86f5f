from django.urls import path

from exams.practical import api, views

urlpatterns = [
    path("practical/<int:enrollment_id>/", views.PracticalView.as_view(), name="practical"),
    path("practical/<int:enrollment_id>/typing/", views.TypingView.as_view(), name="typing"),
    path("practical/<int:enrollment_id>/business/", views.BusinessView.as_view(), name="business"),
    path("my/rooms/<int:room_id>/practical/", views.PracticalRoomActionView.as_view(), name="practical-action"),
    path("scenes/<int:run_id>/", views.SceneView.as_view(), name="scene"),
]

api_urlpatterns = [
    path("enrollments/<int:enrollment_id>/typing/", api.TypingStartApi.as_view(), name="api-typing-start"),
    path("practical/typing/<int:pk>/", api.TypingApi.as_view(), name="api-typing"),
    path("practical/typing/<int:pk>/submit/", api.TypingSubmitApi.as_view(), name="api-typing-submit"),
    path("practical/typing/<int:pk>/events/", api.TypingEventApi.as_view(), name="api-typing-events"),
    path("enrollments/<int:enrollment_id>/business/", api.BusinessStartApi.as_view(), name="api-business-start"),
    path("practical/business/<int:pk>/", api.BusinessApi.as_view(), name="api-business"),
    path("practical/business/tasks/<int:pk>/", api.BusinessTaskApi.as_view(), name="api-business-task"),
    path("practical/customers/", api.CustomerSearchApi.as_view(), name="api-customers"),
    path("practical/catalogue/", api.CatalogueApi.as_view(), name="api-catalogue"),
    path("practical/fees/", api.FeesApi.as_view(), name="api-fees"),
]
