from django.urls import path

from kabinet.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/export.xlsx", views.notification_list_xlsx, name="list_xlsx"),
    path("notifications/<int:pk>/", views.notification_open, name="open"),
    path("notifications/read-all/", views.notification_read_all, name="read_all"),
    path("notifications/settings/", views.notification_settings, name="settings"),
]
