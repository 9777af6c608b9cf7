"""Re-deriving the names' word digests (recall.services.verification.name_digests, manage.py derive_name_digests)."""

import io

from django.core.management import call_command

from recall import crypto
from recall.models import Signature, Voter
from recall.services import verification
from recall.services.verification import name_digests
from tests.factories import SignatureFactory


def test_it_derives_the_word_digests_of_the_register_and_the_signatures(collecting, voters):
    signature = SignatureFactory(petition=collecting, voter_row=voters[10], full_name="Number Voter")
    Voter.objects.update(name_surname=[], name_given=[], name_patronymic=[], name_patronymic_near=[])
    Signature.objects.update(name_tokens=[], name_near=[])
    out = io.StringIO()
    call_command("derive_name_digests", "--batch", "7", "--no-progress", stdout=out)
    assert "voters: name digests derived for 100 rows" in out.getvalue()
    assert "signatures: name digests derived for 1 rows" in out.getvalue()
    voter = Voter.objects.get(pk=voters[10].pk)
    words = crypto.register_name_digests(voter.personal["full_name"], voter.personal["iin"])
    assert (voter.name_surname, voter.name_given) == (list(words.surname), list(words.given))
    typed = crypto.typed_name_digests("Number Voter", voter.personal["iin"])
    assert Signature.objects.get(pk=signature.pk).name_tokens == list(typed.tokens)


def test_running_it_again_writes_the_same_digests(voters):
    name_digests.derive("recall_voter")
    before = list(Voter.objects.order_by("pk").values_list("name_surname", "name_given", "name_patronymic_near"))
    assert name_digests.derive("recall_voter", batch=30) == 100
    assert (
        list(Voter.objects.order_by("pk").values_list("name_surname", "name_given", "name_patronymic_near")) == before
    )


def test_it_reports_progress_batch_by_batch(voters):
    seen = []
    name_digests.derive("recall_voter", batch=40, progress=seen.append)
    assert seen == [40, 40, 20]


def test_signatures_re_derived_are_verified_by_the_word_rule(collecting, voters):
    signature = SignatureFactory(petition=collecting, voter_row=voters[10], full_name="Number Voter")
    Signature.objects.filter(pk=signature.pk).update(name_tokens=[], name_near=[])
    name_digests.derive("recall_signature")
    verification.verify_all()
    assert Signature.objects.get(pk=signature.pk).state == "valid"
