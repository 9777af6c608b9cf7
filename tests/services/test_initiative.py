"""An initiative group forms on the web: start, invite, join, submit (recall.services.groups.initiative)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from recall.calendar import add_days
from recall.errors import NotFound, PolicyViolation
from recall.models import GroupDraftMember, Mandate, PetitionState, VoterStatus
from recall.services import lifecycle
from recall.services.groups import initiative
from recall.services.signing.codes import CodeFailed

from ..factories import DeputyFactory, VoterFactory
from ..helpers import code_from_outbox

PHONE = "+77011234567"


_texting = None


@pytest.fixture(autouse=True)
def _codes_sent(django_capture_on_commit_callbacks):
    """The codes are texted after commit (which a test's transaction never reaches)."""
    global _texting
    _texting = django_capture_on_commit_callbacks
    yield
    _texting = None


def texted(fn, *args, **kwargs):
    """Call ``fn`` and run what it left for after commit (the code's text message)."""
    with _texting(execute=True):
        return fn(*args, **kwargs)


@pytest.fixture
def deputy(karaganda, voters):
    return DeputyFactory(district=karaganda)


def start(deputy, voter, **changes):
    data = {
        "deputy_id": deputy.pk,
        "grounds_category": "lost_trust",
        "grounds": {"kk": "Депутат сайлаушылармен кездеспейді.", "ru": "Депутат не встречается с избирателями."},
        "iin": voter.personal["iin"],
        "phone": PHONE,
    }
    data.update(changes)
    return texted(initiative.start_application, **data)


def initiator(deputy, voter) -> GroupDraftMember:
    started = start(deputy, voter)
    return initiative.confirm_application(started.token, code_from_outbox())


def join(leader, voter, phone="+77017654321") -> GroupDraftMember:
    invitation = initiative.invite(leader.draft)
    started = texted(initiative.start_joining, invitation.token, iin=voter.personal["iin"], phone=phone)
    return initiative.confirm_joining(started.token, code_from_outbox())


def test_it_starts_a_draft_with_the_initiator_as_leader_after_the_code(deputy, voters):
    leader = initiator(deputy, voters[0])
    assert leader.is_leader and leader.voter == voters[0]
    assert leader.draft.grounds["ru"].startswith("Депутат")


def _ineligible(karaganda, karaganda2):
    return {
        "not in the register": VoterFactory.build(),
        "another district": VoterFactory(district=karaganda2),
        "no right to vote": VoterFactory(district=karaganda, status=VoterStatus.IMPRISONED),
    }


def test_every_iin_gets_the_same_answer_before_and_after_the_code(deputy, voters, karaganda, karaganda2, settings):
    """A code proves a phone, not an identity: the register is not read out to whoever typed
    the IIN, neither before the code nor after it. The commission checks at registration."""
    settings.RECALL_OTP_PHONE_RATE_PER_ADDRESS = settings.RECALL_OTP_PHONE_RATE = "20/hour"
    eligible = start(deputy, voters[0])
    leader = initiative.confirm_application(eligible.token, code_from_outbox())
    for case, voter in _ineligible(karaganda, karaganda2).items():
        started = start(deputy, voter)
        assert (type(started), started.phone_masked) == (type(eligible), eligible.phone_masked), case
        other = initiative.confirm_application(started.token, code_from_outbox())
        assert type(other) is type(leader) and other.is_leader, case
        assert initiative.member_count(other.draft) == initiative.member_count(leader.draft) == 1, case
    assert GroupDraftMember.objects.count() == 4


def test_it_refuses_a_party_list_deputy(karaganda, voters):
    listed = DeputyFactory(district=None, mandate=Mandate.PARTY_LIST)
    with pytest.raises(PolicyViolation) as error:
        start(listed, voters[0])
    assert error.value.code == "not_recallable"


def test_it_refuses_a_deputy_in_the_moratorium_after_the_term_began(karaganda, voters):
    fresh = DeputyFactory(district=karaganda, term_start=timezone.localdate() - dt.timedelta(days=30))
    with pytest.raises(PolicyViolation) as error:
        start(fresh, voters[0])
    assert error.value.code == "moratorium"


def test_it_refuses_a_deputy_within_the_cooldown_after_a_failed_attempt(collecting, voters):
    with time_machine.travel(collecting.window_end + dt.timedelta(minutes=1), tick=False):
        lifecycle.close_due_windows()
    with pytest.raises(PolicyViolation) as error:
        start(collecting.deputy, voters[5])
    assert error.value.code == "cooldown"


def test_a_wrong_code_creates_nothing(deputy, voters):
    started = start(deputy, voters[0])
    with pytest.raises(CodeFailed):
        initiative.confirm_application(started.token, "000000" if code_from_outbox() != "000000" else "111111")
    assert not GroupDraftMember.objects.exists()


def test_a_member_joins_by_link_with_their_own_code(deputy, voters):
    leader = initiator(deputy, voters[0])
    member = join(leader, voters[1])
    assert member.draft == leader.draft and not member.is_leader


def test_an_expired_invitation_is_refused(deputy, voters):
    leader = initiator(deputy, voters[0])
    invitation = initiative.invite(leader.draft)
    with time_machine.travel(timezone.now() + dt.timedelta(days=4)):
        with pytest.raises(PolicyViolation) as error:
            initiative.start_joining(invitation.token, iin=voters[1].personal["iin"], phone=PHONE)
    assert error.value.code == "invitation_expired"


def test_a_member_the_register_does_not_admit_joins_like_any_other_and_the_commission_sees_it(
    deputy, voters, karaganda, karaganda2, policy
):
    leader = initiator(deputy, voters[0])
    before = initiative.member_count(leader.draft)
    outsider = VoterFactory(district=karaganda2)
    member = join(leader, outsider)
    # The group's count moves as for anyone: joining tells the group nothing about the register.
    assert initiative.member_count(leader.draft) == before + 1 and not member.is_leader
    unknown = VoterFactory.build()  # an IIN the register does not hold
    join(leader, unknown, phone="+77019998877")
    petition = initiative.submit(leader)
    assert petition.initiative_group.count() == 3
    assert petition.initiative_group.filter(voter__isnull=True).count() == 1
    # Registration is where the register decides: one eligible member of the three.
    problems = lifecycle.registration_problems(petition, window_start=timezone.now())
    assert any("1 eligible members" in str(p) for p in problems), problems


def test_the_initiator_cannot_submit_below_the_minimum(deputy, voters):
    leader = initiator(deputy, voters[0])
    join(leader, voters[1])
    with pytest.raises(PolicyViolation) as error:
        initiative.submit(leader)
    assert error.value.code == "group_too_small"


def test_submitting_at_the_minimum_reaches_the_commission_as_applied(deputy, voters, policy):
    leader = initiator(deputy, voters[0])
    join(leader, voters[1])
    join(leader, voters[2], phone="+77019998877")
    petition = initiative.submit(leader)
    assert petition.state == PetitionState.APPLIED
    assert petition.registration_due == add_days(timezone.localdate(), policy.registration_days, "calendar")
    assert petition.initiative_group.get(is_leader=True).voter == voters[0]
    assert petition.initiative_group.count() == 3
    assert "Депутат не встречается" in petition.grounds_text


def test_a_member_who_is_not_the_initiator_cannot_submit(deputy, voters):
    leader = initiator(deputy, voters[0])
    member = join(leader, voters[1])
    join(leader, voters[2])
    with pytest.raises(PolicyViolation) as error:
        initiative.submit(member)
    assert error.value.code == "not_leader"


def test_submitting_twice_creates_one_petition(deputy, voters):
    leader = initiator(deputy, voters[0])
    join(leader, voters[1])
    join(leader, voters[2])
    initiative.submit(leader)
    with pytest.raises(PolicyViolation):
        initiative.submit(leader)


def test_no_one_joins_after_submission(deputy, voters):
    leader = initiator(deputy, voters[0])
    join(leader, voters[1])
    invitation = initiative.invite(leader.draft)
    join(leader, voters[2])
    initiative.submit(leader)
    with pytest.raises(PolicyViolation) as error:
        initiative.start_joining(invitation.token, iin=voters[3].personal["iin"], phone=PHONE)
    assert error.value.code == "submitted"


def test_a_member_enters_the_dashboard_with_a_code_to_their_own_phone(deputy, voters):
    leader = initiator(deputy, voters[0])
    started = texted(initiative.start_entering, iin=voters[0].personal["iin"], phone=PHONE)
    assert initiative.confirm_entering(started.token, code_from_outbox()) == leader


def test_another_phone_cannot_enter_the_dashboard(deputy, voters):
    initiator(deputy, voters[0])
    with pytest.raises(NotFound):
        initiative.start_entering(iin=voters[0].personal["iin"], phone="+77000000000")


def test_a_stranger_with_the_iin_cannot_lock_the_voter_out_of_applying(deputy, voters, settings):
    settings.RECALL_OTP_PER_PAIR_PER_DAY = 2
    voter = voters[5]
    for _ in range(2):  # a stranger who knows the IIN, with a number of their own
        start(deputy, voter, phone="+77050000001")
    with pytest.raises(CodeFailed) as refused:
        start(deputy, voter, phone="+77050000001")
    assert refused.value.code == "too_many_requests"
    assert start(deputy, voter).token  # the voter's own number still gets a code
