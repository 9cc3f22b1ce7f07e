from django.urls import path

from kabinet.signatures import qualified_views, views

app_name = "signatures"

urlpatterns = [
    path("signatures/verify/<str:public_id>/", views.verify, name="verify"),
    path("signatures/to-sign/", views.to_sign, name="to_sign"),
    path("signatures/<int:pk>/", views.sign_page, name="sign"),
    path("signatures/<int:pk>/pages/<int:number>.png", views.page_image, name="page_image"),
    path("signatures/<int:pk>/code/", views.send_code, name="send_code"),
    path("signatures/<int:pk>/sign/", views.sign, name="sign_confirm"),
    path("signatures/<int:pk>/refuse/", views.refuse, name="refuse"),
    path("signatures/<int:pk>/signed-copy.pdf", views.signed_copy, name="signed_copy"),
    path("signatures/documents/<int:pk>/qualified/", qualified_views.qualified, name="qualified"),
    path("signatures/qualified/<int:pk>/file/", qualified_views.qualified_file, name="qualified_file"),
    path("settings/signature/", views.settings_page, name="settings"),
    path("settings/signature/agreements/<int:pk>/accept/", views.agreement_accept, name="agreement_accept"),
    path("settings/signature/employees/<int:pk>/", views.signing_right, name="signing_right"),
]
