"""The built-in Bot API stand-in, for the sandbox and the tests: the real bot talks HTTP to it; it never contacts
Telegram."""
