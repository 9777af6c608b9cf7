from django.urls import path

from . import schema, views  # noqa: F401 - schema registers the Api-Key scheme

app_name = "api"

urlpatterns = [
    path("districts/", views.DistrictList.as_view(), name="districts"),
    path("deputies/", views.DeputyList.as_view(), name="deputies"),
    path("petitions/", views.PetitionList.as_view(), name="petitions"),
    path("petitions/<id:pk>/", views.PetitionDetail.as_view(), name="petition"),
    path("petitions/<id:pk>/signatures/", views.SignatureCreate.as_view(), name="sign"),
    path("petitions/<id:pk>/eds-statements/", views.EdsStatementCreate.as_view(), name="eds_statements"),
    path("petitions/<id:pk>/eds-signatures/", views.EdsSignatureCreate.as_view(), name="eds_sign"),
    path("signatures/<str:receipt>/", views.SignatureDetail.as_view(), name="signature"),
    path("webhooks/", views.WebhookList.as_view(), name="webhooks"),
    path("webhooks/<id:pk>/", views.WebhookDetail.as_view(), name="webhook"),
]
