from django.urls import path

from exams.planning import api, views

urlpatterns = [
    path("sittings/", views.SittingListView.as_view(), name="sittings"),
    path("sittings/roster-template.xlsx", views.RosterTemplateView.as_view(), name="roster-template"),
    path("sittings/<int:pk>/", views.SittingDetailView.as_view(), name="sitting"),
    path("sittings/<int:pk>/rooms/add/", views.RoomAddView.as_view(), name="room-add"),
    path("sittings/<int:pk>/rooms/<int:room_id>/assign/", views.AssignView.as_view(), name="room-assign"),
    path(
        "sittings/<int:pk>/assignments/<int:assignment_id>/remove/", views.UnassignView.as_view(), name="room-unassign"
    ),
    path("sittings/<int:pk>/roster/", views.RosterView.as_view(), name="sitting-roster"),
    path("sittings/<int:pk>/enrol/", views.EnrolView.as_view(), name="sitting-enrol"),
    path("my/rooms/", views.MyRoomsView.as_view(), name="my-rooms"),
    path("tickets/<int:enrollment_id>/", views.TicketView.as_view(), name="ticket"),
]

api_urlpatterns = [
    path("sittings/", api.SittingListApi.as_view(), name="api-sittings"),
    path("sittings/<int:pk>/", api.SittingDetailApi.as_view(), name="api-sitting"),
    path("sittings/<int:pk>/rooms/", api.RoomAddApi.as_view(), name="api-sitting-rooms"),
    path("sittings/<int:pk>/rooms/<int:room_id>/examiners/", api.AssignApi.as_view(), name="api-room-examiners"),
    path("sittings/<int:pk>/roster/", api.RosterApi.as_view(), name="api-sitting-roster"),
    path("sittings/<int:pk>/roster/imports/<int:job_id>/", api.RosterImportApi.as_view(), name="api-roster-import"),
    path(
        "sittings/<int:pk>/roster/imports/<int:job_id>/confirm/",
        api.RosterImportConfirmApi.as_view(),
        name="api-roster-import-confirm",
    ),
    path("my/rooms/", api.MyRoomsApi.as_view(), name="api-my-rooms"),
    path("my/enrollments/", api.MyEnrollmentsApi.as_view(), name="api-my-enrollments"),
]
