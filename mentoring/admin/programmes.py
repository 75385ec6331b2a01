"""Programmes, mentors and requests in the admin."""
