from django.urls import path

from exams import practical_views, views

urlpatterns = [
    path("sittings/", views.SittingListView.as_view(), name="sittings"),
    path("sittings/roster-template.xlsx", views.RosterTemplateView.as_view(), name="roster-template"),
    path("sittings/<int:pk>/", views.SittingDetailView.as_view(), name="sitting"),
    path("sittings/<int:pk>/do/<str:action>/", views.SittingActionView.as_view(), name="sitting-action"),
    path("sittings/<int:pk>/rooms/add/", views.RoomAddView.as_view(), name="room-add"),
    path("sittings/<int:pk>/rooms/<int:room_id>/assign/", views.AssignView.as_view(), name="room-assign"),
    path(
        "sittings/<int:pk>/assignments/<int:assignment_id>/remove/", views.UnassignView.as_view(), name="room-unassign"
    ),
    path("sittings/<int:pk>/roster/", views.RosterView.as_view(), name="sitting-roster"),
    path("sittings/<int:pk>/enrol/", views.EnrolView.as_view(), name="sitting-enrol"),
    path("my/rooms/", views.MyRoomsView.as_view(), name="my-rooms"),
    path("my/rooms/<int:room_id>/", views.MyRoomDetailView.as_view(), name="my-room"),
    path("tickets/<int:enrollment_id>/", views.TicketView.as_view(), name="ticket"),
    path("exam/<int:enrollment_id>/", views.ExamView.as_view(), name="exam"),
    path("practical/<int:enrollment_id>/", practical_views.PracticalView.as_view(), name="practical"),
    path("practical/<int:enrollment_id>/typing/", practical_views.TypingView.as_view(), name="typing"),
    path("practical/<int:enrollment_id>/business/", practical_views.BusinessView.as_view(), name="business"),
    path(
        "my/rooms/<int:room_id>/practical/", practical_views.PracticalRoomActionView.as_view(), name="practical-action"
    ),
    path("scenes/<int:run_id>/", practical_views.SceneView.as_view(), name="scene"),
]
