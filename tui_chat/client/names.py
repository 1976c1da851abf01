"""Names shared by the client and the UI, cheap enough to import before the first frame."""

SERVER_BUFFER = "*server*"  # the conversation for server messages (not a valid IRC name)
