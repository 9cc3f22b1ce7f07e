from django.urls import path

from kabinet.support import views

app_name = "support"

urlpatterns = [
    path("support/", views.thread_list, name="list"),
    path("support/export.xlsx", views.thread_list_xlsx, name="list_xlsx"),
    path("support/new/", views.thread_new, name="new"),
    path("support/<int:pk>/", views.thread_detail, name="thread"),
    path("support/<int:pk>/read/", views.thread_read, name="read"),
    path("support/files/<int:pk>/", views.attachment_download, name="attachment"),
]
