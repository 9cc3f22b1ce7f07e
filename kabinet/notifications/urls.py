from django.urls import path

from kabinet.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/export.xlsx", views.notification_list_xlsx, name="list_xlsx"),
    path("notifications/<int:pk>/", views.notification_open, name="open"),
    path("notifications/read-all/", views.notification_read_all, name="read_all"),
    path("notifications/settings/", views.notification_settings, name="settings"),
    path("notifications/unsubscribe/<str:token>/", views.email_unsubscribe, name="unsubscribe"),
    path("profile/channels/", views.notice_channels_save, name="channels_save"),
    path("profile/telegram/connect/", views.telegram_connect, name="telegram_connect"),
    path("profile/telegram/disconnect/", views.telegram_disconnect, name="telegram_disconnect"),
    path("telegram/webhook/", views.telegram_webhook, name="telegram_webhook"),
    path("s/<str:code>", views.short_link, name="short"),
]
