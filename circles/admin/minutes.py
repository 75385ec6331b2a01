"""Admin for meetings and minutes: the office's review queue and the network year overview."""
