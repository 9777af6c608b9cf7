from django.urls import path

from . import views

app_name = "recall"

urlpatterns = [
    path("", views.home, name="home"),
    path("petitions/<int:pk>/", views.petition_detail, name="petition"),
    path("petitions/<int:pk>/sign/", views.sign, name="sign"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("receipt/", views.receipt, name="receipt"),
    path("check/", views.check, name="check"),
    path("withdraw/", views.withdraw, name="withdraw"),
    path("withdrawn/", views.withdrawn, name="withdrawn"),
]
