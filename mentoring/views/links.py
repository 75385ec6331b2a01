"""The mentor offer's page behind the e-mailed link (no password needed).

GET and HEAD only read: mail scanners open links. A POST of "Ja tak" or "Nej tak" answers, once
(see ``mentoring.services.offers``). An unknown, used, expired or withdrawn link gets a plain Danish
page saying what happened and whom to contact, never an error page.

The page asks the browser to send no referrer (the link's token must not travel to another site).
With that policy a browser sends ``Origin: null`` on the page's own form, which Django's CSRF check
refuses; so the view is exempt from it: the unguessable token in the address is what authorises the
answer, and a forged cross-site POST would have to know it already.
"""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ..models import Pairing
from ..services import offers

GONE = (offers.EXPIRED, offers.WITHDRAWN, offers.UNKNOWN)


def _page(request, link: offers.Link, *, error: str = "", reason: str = ""):
    context = {
        "link": link,
        "state": link.state,
        "error": error,
        "reason": reason,
        "reason_max": offers.DECLINE_REASON_MAX,
    }
    offer = link.offer
    if offer is not None:
        programme = offer.request.programme
        mentee = offer.request.mentee
        context.update(
            offer=offer,
            party=link.party,
            programme=programme,
            mentor=offer.mentor,
            mentee=mentee,
            # whom the page is about: the mentor for the new TR, the new TR for the mentor
            other=offer.mentor if link.party == offers.MENTEE else mentee,
            other_workplace=offers.current_workplace(offer.mentor if link.party == offers.MENTEE else mentee),
        )
        if link.state == offers.ACCEPTED:
            context["pairing"] = Pairing.objects.filter(offer=offer).only("started_on", "ends_on").first()
    status = 410 if link.state in GONE else 200
    response = render(request, "mentoring/links/offer.html", context, status=status)
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def offer_link(request, token):
    if request.method != "POST":
        return _page(request, offers.offer_state(token))
    answer = request.POST.get("svar")
    if answer == "ja":
        return _page(request, offers.offer_accept(token))
    if answer == "nej":
        reason = request.POST.get("begrundelse", "")
        try:
            return _page(request, offers.offer_decline(token, reason))
        except ValidationError as error:
            return _page(
                request,
                offers.offer_state(token),
                error=error.messages[0],
                reason=reason[: offers.DECLINE_REASON_MAX],
            )
    return _page(request, offers.offer_state(token), error=_("Vælg “Ja tak” eller “Nej tak”."))
