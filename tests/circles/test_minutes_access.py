"""One rule for who reads minutes, and every mailed minutes link opens for the person it was mailed to.

Decision: the coordinator mails the minutes when submitting them, so those it was mailed to (the
participants, else the invited, else the members; the facilitating consultant) read *submitted*
minutes. Confidential minutes are mailed only inside the network's circle. While the office has them
back with the coordinator (returned) the same link shows a page saying so, not a 403. On approval,
recipients who were never mailed a link are told; nobody is mailed twice.
"""

import re
from datetime import timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from circles.models import Attendance, Invitation, Meeting, Minutes
from circles.permissions import can_read_minutes, readable_minutes
from circles.services import minutes as services
from tests import factories

pytestmark = pytest.mark.django_db
SECRET = "Lene fortalte om konflikten med lederen på Hedebo"


def _login(branch, username, name):
    user = factories.UserFactory(username=username)
    factories.PersonFactory(branch=branch, name=name, email=user.email, user=user)
    return user


@pytest.fixture
def guest(branch):
    """A TR of the branch who took part in the meeting without being a member of the network."""
    return _login(branch, "gaest", "Gitte Gæst")


@pytest.fixture
def late(network):
    """A member who was not registered as present when the minutes were submitted."""
    user = _login(network.branch, "senere", "Sofie Senere")
    factories.MembershipFactory(network=network, person=user.person)
    return user


@pytest.fixture
def superuser(db):
    return factories.UserFactory(username="super", is_staff=True, is_superuser=True)


@pytest.fixture
def held(network, coordinator, member, guest):
    meeting = factories.MeetingFactory(
        network=network, starts_at=timezone.now() - timedelta(days=2), status=Meeting.Status.HELD
    )
    for user in (coordinator, member, guest):
        Attendance.objects.create(meeting=meeting, person=user.person)
    return meeting


def write(meeting, by, text=SECRET, confidential=False):
    minutes = services.minutes_or_new(meeting)
    return services.minutes_save(
        meeting=meeting, by=by, text=text, confidential=confidential, revision=minutes.revision
    )


def links(mails, users_by_address):
    """(user, path) for every mail: the link as written in the plain-text part, and who got it."""
    opened = []
    for mail in mails:
        address = parseaddr(mail.to[0])[1]
        url = re.search(r"https?://\S+", mail.body).group(0)
        opened.append((users_by_address[address], urlsplit(url).path))
    return opened


def assert_every_link_opens(client, mails, users_by_address, expect=None):
    assert mails
    for user, path in links(mails, users_by_address):
        client.force_login(user)
        response = client.get(path)
        assert response.status_code == 200, (user.username, path, response.status_code)
        if expect and not path.startswith("/admin/"):
            assert expect in response.content.decode(), (user.username, path)


# the rule, in one place ---------------------------------------------------------------------------


def test_the_rule_and_its_queryset_agree_for_every_role_and_state(
    held, coordinator, member, guest, office, other_office, consultant, outsider, superuser, branch
):
    facilitator = factories.UserFactory(username="facilitator", is_staff=True, branch=branch)
    held.network.consultant = facilitator
    held.network.save()
    invited_user = factories.UserFactory(username="inviteret", is_staff=True, branch=branch)
    Invitation.objects.create(meeting=held, user=invited_user, token_hash="x" * 64)
    people = [coordinator, member, guest, office, other_office, consultant, outsider, superuser]
    people += [facilitator, invited_user]
    write(held, coordinator)
    minutes = Minutes.objects.select_related("meeting__network").get(meeting=held)
    expected = {
        # status: who reads (not confidential, confidential)
        "draft": ({"koordinator", "super", "facilitator"},) * 2,
        "submitted": (
            {"koordinator", "super", "facilitator", "kontor", "medlem", "gaest", "inviteret"},
            {"koordinator", "super", "facilitator", "kontor", "medlem"},
        ),
        "returned": ({"koordinator", "super", "facilitator", "kontor"},) * 2,
        "approved": (
            {"koordinator", "super", "facilitator", "kontor", "medlem", "gaest", "inviteret", "konsulent"},
            {"koordinator", "super", "facilitator", "kontor", "medlem"},
        ),
    }
    now = timezone.now()
    for status, readers in expected.items():
        for confidential in (False, True):
            Minutes.objects.filter(pk=minutes.pk).update(
                status=status, confidential=confidential, submitted_at=now, decided_at=now
            )
            minutes.refresh_from_db()
            by_rule = {user.username for user in people if can_read_minutes(user, minutes)}
            by_query = {user.username for user in people if readable_minutes(user).filter(pk=minutes.pk)}
            assert by_rule == by_query == readers[confidential], (status, confidential)


# mailed links -------------------------------------------------------------------------------------


def test_every_link_mailed_at_submission_opens_for_its_recipient(
    client, held, coordinator, member, guest, office, django_capture_on_commit_callbacks, mailoutbox
):
    write(held, coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        services.minutes_submit(meeting=held, by=coordinator)
    users = {user.email: user for user in (coordinator, member, guest)}
    users[held.network.branch.office_email] = office
    assert sorted(parseaddr(mail.to[0])[1] for mail in mailoutbox) == sorted(users)
    assert_every_link_opens(client, mailoutbox, users, expect=SECRET)


def test_the_office_is_mailed_a_link_to_its_review_page(
    client, held, coordinator, office, django_capture_on_commit_callbacks, mailoutbox
):
    write(held, coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        minutes = services.minutes_submit(meeting=held, by=coordinator)
    (mail,) = [m for m in mailoutbox if held.network.branch.office_email in m.to[0]]
    review = reverse("admin:circles_minutes_change", args=[minutes.pk])
    assert review in mail.body and review in mail.alternatives[0][0]
    assert SECRET not in mail.body
    client.force_login(office)
    page = client.get(review).content.decode()
    assert SECRET in page and "Godkend referatet" in page


def test_confidential_minutes_are_mailed_only_inside_the_network_and_each_link_opens(
    client, held, coordinator, member, guest, django_capture_on_commit_callbacks, mailoutbox
):
    write(held, coordinator, confidential=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.minutes_submit(meeting=held, by=coordinator)
    addresses = {parseaddr(mail.to[0])[1] for mail in mailoutbox}
    assert guest.email not in addresses and member.email in addresses
    member_mails = [m for m in mailoutbox if member.email in m.to[0]]
    assert_every_link_opens(client, member_mails, {member.email: member}, expect=SECRET)
    client.force_login(guest)
    assert client.get(reverse("circles:minutes_detail", args=[held.pk])).status_code == 403


def test_returned_minutes_show_the_recipients_a_page_saying_so_not_a_dead_link(
    client, held, coordinator, member, guest, office, django_capture_on_commit_callbacks, mailoutbox
):
    write(held, coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        minutes = services.minutes_submit(meeting=held, by=coordinator)
    mailed = [m for m in mailoutbox if member.email in m.to[0] or guest.email in m.to[0]]
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.minutes_return(minutes_id=minutes.pk, by=office, comment="Tilføj punktet om løn.")
    write(held, coordinator, text="Rettet udgave, ikke indsendt")
    assert_every_link_opens(client, mailoutbox, {coordinator.email: coordinator}, "Rettet udgave")
    for user, path in links(mailed, {member.email: member, guest.email: guest}):
        client.force_login(user)
        response = client.get(path)
        page = response.content.decode()
        assert response.status_code == 200
        assert "sendt retur til rettelser" in page
        assert SECRET not in page and "Rettet udgave" not in page and "Tilføj punktet" not in page


def test_on_approval_those_not_told_are_mailed_and_nobody_twice(
    client, held, coordinator, member, late, office, django_capture_on_commit_callbacks, mailoutbox
):
    write(held, coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        minutes = services.minutes_submit(meeting=held, by=coordinator)
    told_at_submission = {parseaddr(mail.to[0])[1] for mail in mailoutbox}
    assert late.email not in told_at_submission
    Attendance.objects.create(meeting=held, person=late.person)  # recorded after the submission
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.minutes_approve(minutes_id=minutes.pk, by=office)
    published = [m for m in mailoutbox if "er godkendt" not in m.subject]
    assert [parseaddr(m.to[0])[1] for m in published] == [late.email]
    assert [parseaddr(m.to[0])[1] for m in mailoutbox if m not in published] == [coordinator.email]
    assert SECRET not in published[0].body
    assert_every_link_opens(client, mailoutbox, {late.email: late, coordinator.email: coordinator}, SECRET)


def test_a_returned_and_resubmitted_version_is_mailed_again_but_approval_adds_nobody(
    held, coordinator, office, django_capture_on_commit_callbacks, mailoutbox
):
    write(held, coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        minutes = services.minutes_submit(meeting=held, by=coordinator)
        services.minutes_return(minutes_id=minutes.pk, by=office, comment="Ret datoen.")
    mailoutbox.clear()
    write(held, coordinator, text="Rettet")
    with django_capture_on_commit_callbacks(execute=True):
        services.minutes_submit(meeting=held, by=coordinator)
    resubmitted = len(mailoutbox)
    assert resubmitted == 4  # three participants and the office
    with django_capture_on_commit_callbacks(execute=True):
        services.minutes_approve(minutes_id=minutes.pk, by=office)
    assert len(mailoutbox) == resubmitted + 1  # the coordinator's "godkendt", no one else


def test_a_guest_who_took_part_reads_but_no_other_page_of_the_network(client, held, coordinator, guest):
    write(held, coordinator)
    services.minutes_submit(meeting=held, by=coordinator)
    client.force_login(guest)
    assert client.get(reverse("circles:minutes_detail", args=[held.pk])).status_code == 200
    assert client.get(held.network.get_absolute_url()).status_code == 404
    assert client.get(reverse("circles:minutes_edit", args=[held.pk])).status_code == 404


def test_strangers_still_get_404_and_a_member_403_on_a_draft(client, held, coordinator, member, outsider):
    write(held, coordinator)
    url = reverse("circles:minutes_detail", args=[held.pk])
    client.force_login(member)
    assert client.get(url).status_code == 403
    client.force_login(outsider)
    assert client.get(url).status_code == 404
