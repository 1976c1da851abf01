"""Protocol limits and defaults, in one place. Byte counts are of the UTF-8 encoding."""

DEFAULT_PORT = 6667
DEFAULT_TLS_PORT = 6697
DEFAULT_ROOM = "#lobby"

# RFC 1459: a line is at most 512 bytes including CR LF, not counting IRCv3 tags.
MAX_LINE_BYTES = 512
# IRCv3 message-tags: the tag data (between the '@' and the space) a client may send, and the
# whole tag section of any message.
MAX_CLIENT_TAGS_BYTES = 4094
MAX_TAGS_BYTES = 8191
# A line can never legitimately exceed this; a peer that sends this much without a newline is
# broken or hostile.
MAX_RAW_LINE_BYTES = MAX_TAGS_BYTES + MAX_LINE_BYTES

NICKLEN = 30
CHANNELLEN = 50
TOPICLEN = 390
KICKLEN = 390
AWAYLEN = 200
USERLEN = 18
REALNAMELEN = 100  # characters; ISUPPORT NAMELEN (USER cuts to it, SETNAME refuses more)
MAX_TARGETS = 4
MAX_CHANNELS_PER_USER = 50
MAX_LIST_ENTRIES = 100  # bans per channel
MAX_MONITOR = 100  # nicks on one connection's MONITOR list (ISUPPORT MONITOR)
MAX_INVITES = 100  # pending invites per channel (the oldest goes first)
MAX_MODES = 4  # mode changes with a parameter per MODE command
CHANTYPES = "#&"
