"""Points for the board, supervision requests, key-message deliveries and leave letters in the admin."""
