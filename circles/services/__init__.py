"""Business actions of the circles app, one module per domain. Each action is its own transaction."""
