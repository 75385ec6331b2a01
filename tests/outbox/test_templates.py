"""What every mail looks like: plain text is plain, HTML is escaped, both parts sign off alike."""

import html
import re
from pathlib import Path

import pytest
from django.conf import settings

from netvaerk.outbox import services
from tests import factories

pytestmark = pytest.mark.django_db

EMAILS = Path(settings.BASE_DIR) / "templates" / "emails"
TEMPLATES = sorted(
    str(path.relative_to(EMAILS).with_suffix(""))
    for path in EMAILS.glob("*/*.txt")
    if not path.name.endswith("_subject.txt") and not path.name.startswith("_")  # partials are included
)


@pytest.fixture
def every_context(db):
    """One context that names whatever any mail template reads."""
    branch = factories.BranchFactory(name="Kreds Øst & Vest")
    network = factories.NetworkFactory(branch=branch, name="Tak & vh <script>")
    person = factories.PersonFactory(branch=branch, name="Åse <b>Ø</b>")
    user = factories.UserFactory(username="aase", first_name="Åse")
    return branch, {
        "network": network,
        "meeting": factories.MeetingFactory(network=network),
        "person": person,
        "user": user,
        "url": "/sti/",
        "valid_days": 3,
        "count": 2,
        "minutes": None,
    }


def _signoffs(row):
    text = row.body_text.rstrip().splitlines()[-2:]
    last = re.search(r"<p[^>]*>([^<]*)<br>([^<]*)</p>\s*</body>", row.body_html)
    return text, [html.unescape(part) for part in last.groups()]


def test_a_network_name_is_verbatim_in_text_and_subject_and_escaped_in_html(every_context):
    branch, context = every_context
    row = services.enqueue(
        "circles/minutes_submitted", to="tr@example.org", key="k", context=context, branch=branch
    )
    assert row.subject.endswith("– Tak & vh <script>")
    assert (
        "Tak & vh <script>" in row.body_text and "&amp;" not in row.body_text and "&lt;" not in row.body_text
    )
    assert "Tak &amp; vh &lt;script&gt;" in row.body_html and "<script>" not in row.body_html


# the leave letter to a manager is the branch's own letter (seed 002), signed as the branch writes it
OWN_SIGNATURE = {"circles/leave_letter"}


@pytest.mark.parametrize("template", [name for name in TEMPLATES if name not in OWN_SIGNATURE])
def test_both_parts_end_with_the_same_signoff_the_branch(every_context, template):
    branch, context = every_context
    row = services.enqueue(template, to="tr@example.org", key=template, context=context, branch=branch)
    text, html_part = _signoffs(row)
    assert text == html_part == ["Venlig hilsen", "Kreds Øst & Vest"]


def test_a_mail_from_no_branch_signs_off_as_netvaerk(every_context):
    _branch, context = every_context
    row = services.enqueue("accounts/password_reset", to="tr@example.org", key="k", context=context)
    text, html_part = _signoffs(row)
    assert text == html_part == ["Venlig hilsen", "Netværk"]
