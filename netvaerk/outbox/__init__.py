"""The outbox: every mail is recorded in the caller's transaction and sent after commit, once."""
