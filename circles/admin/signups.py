"""AMR sign-ups in the admin."""
