"""Offers, pairings, sessions, feedback and the evaluation export in the admin."""
