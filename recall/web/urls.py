from django.urls import path

from . import views

app_name = "recall"

urlpatterns = [
    path("", views.home, name="home"),
    path("petitions/", views.browse, name="browse"),
    path("petitions/<id:pk>/", views.petition_detail, name="petition"),
    path("petitions/<id:pk>/sign/", views.sign, name="sign"),
    path("petitions/<id:pk>/sign/eds/", views.sign_eds, name="sign_eds"),
    path("eds/<slug:challenge>/", views.eds, name="eds"),
    path("confirm/<slug:token>/", views.confirm, name="confirm"),
    path("receipt/", views.receipt, name="receipt"),
    path("check/", views.check, name="check"),
    path("withdraw/", views.withdraw, name="withdraw"),
    path("withdrawn/", views.withdrawn, name="withdrawn"),
]
