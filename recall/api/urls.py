from django.urls import path

from ..services.public import public_cache
from . import ledger, open_data, schema, views  # noqa: F401 - schema registers the Api-Key scheme

app_name = "api"

urlpatterns = [
    path("districts/", views.DistrictList.as_view(), name="districts"),
    path("deputies/", views.DeputyList.as_view(), name="deputies"),
    path("petitions/", views.PetitionList.as_view(), name="petitions"),
    path(
        "petitions/<id:pk>/",
        public_cache.cached_view(views.PetitionDetail.as_view(), query=public_cache.API_QUERY),
        name="petition",
    ),
    path("petitions/<id:pk>/signatures/", views.SignatureCreate.as_view(), name="sign"),
    path("petitions/<id:pk>/eds-statements/", views.EdsStatementCreate.as_view(), name="eds_statements"),
    path("petitions/<id:pk>/eds-signatures/", views.EdsSignatureCreate.as_view(), name="eds_sign"),
    path("petitions/<id:pk>/ledger/", ledger.LedgerLatest.as_view(), name="ledger"),
    path("petitions/<id:pk>/ledger/checkpoints/", ledger.LedgerCheckpoints.as_view(), name="ledger-checkpoints"),
    path("petitions/<id:pk>/ledger/entries/", ledger.LedgerEntries.as_view(), name="ledger-entries"),
    path("petitions/<id:pk>/ledger/proof/inclusion/", ledger.LedgerInclusionProof.as_view(), name="ledger-inclusion"),
    path(
        "petitions/<id:pk>/ledger/proof/consistency/",
        ledger.LedgerConsistencyProof.as_view(),
        name="ledger-consistency",
    ),
    path("petitions/<id:pk>/ledger/cosignatures/", ledger.LedgerCosignatures.as_view(), name="ledger-cosignatures"),
    path("petitions/<id:pk>/sample/", ledger.SampleSeed.as_view(), name="sample-seed"),
    path("petitions/<id:pk>/sample/commitments/", ledger.SampleCommitments.as_view(), name="sample-commitments"),
    path("petitions/<id:pk>/sample/reveals/", ledger.SampleReveals.as_view(), name="sample-reveals"),
    *(
        path(
            f"open-data/{table}.{fmt}",
            public_cache.cached_view(view.as_view(), query=public_cache.API_QUERY),
            name=f"open-{table}-{fmt}",
        )
        for table, fmt, view in [
            ("petitions", "json", open_data.PetitionsJson),
            ("petitions", "csv", open_data.PetitionsCsv),
            ("daily", "json", open_data.DailyJson),
            ("daily", "csv", open_data.DailyCsv),
            ("districts", "json", open_data.DistrictsJson),
            ("districts", "csv", open_data.DistrictsCsv),
        ]
    ),
    *(
        path(
            f"open-data/petitions/<id:pk>/{table}.{fmt}",
            public_cache.cached_view(view.as_view()),
            name=f"open-petition-{table}-{fmt}",
        )
        for table, fmt, view in [
            ("daily", "json", open_data.PetitionDailyJson),
            ("daily", "csv", open_data.PetitionDailyCsv),
            ("stations", "json", open_data.PetitionStationsJson),
            ("stations", "csv", open_data.PetitionStationsCsv),
        ]
    ),
    path("ledger/key/", ledger.LedgerKey.as_view(), name="ledger-key"),
    path("ledger/witnesses/", ledger.LedgerWitnesses.as_view(), name="ledger-witnesses"),
    path("ledger/beacon/", ledger.LedgerBeacon.as_view(), name="ledger-beacon"),
    path("signatures/<str:receipt>/", views.SignatureDetail.as_view(), name="signature"),
    path("signatures/<str:receipt>/withdraw/", views.SignatureWithdraw.as_view(), name="signature-withdraw"),
    path("webhooks/", views.WebhookList.as_view(), name="webhooks"),
    path("webhooks/<id:pk>/", views.WebhookDetail.as_view(), name="webhook"),
]
