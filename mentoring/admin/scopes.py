"""The mentoring models join the admin's branch scoping: every choice of a programme, request,
offer or pairing in any admin form offers (and accepts on POST) only the user's branch's rows."""

from circles.admin.scoping import register_scope

from ..models import Feedback, Mentor, MentorRequest, Offer, Pairing, PairingLink, Programme, Session

register_scope(Programme, "branch")
register_scope(Mentor, "person__branch")
register_scope(MentorRequest, "programme__branch")
register_scope(Offer, "request__programme__branch")
register_scope(Pairing, "programme__branch")
register_scope(PairingLink, "pairing__programme__branch")
register_scope(Session, "pairing__programme__branch")
register_scope(Feedback, "pairing__programme__branch")
