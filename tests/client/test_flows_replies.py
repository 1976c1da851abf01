"""Numbers and times in server replies in words; hostile values keep the raw reply."""

from __future__ import annotations

import pytest

from tui_chat.client.replies import duration_words, user_counts, who_reply, whois_idle


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "0 seconds"),
        (1, "1 second"),
        (180, "3 minutes"),
        (125, "2 minutes 5 seconds"),
        (7500, "2 hours 5 minutes"),
        (90061, "1 day 1 hour"),
    ],
)
def test_durations_read_as_people_say_them(seconds, words):
    assert duration_words(seconds) == words


def test_whois_idle_has_words_and_a_date():
    text = whois_idle(("me", "bob", "44", "1795945637", "seconds idle, signon time"))
    assert text is not None and text.startswith("bob: 44 seconds idle, signed on 20")
    assert "1795945637" not in text


@pytest.mark.parametrize(
    "params",
    [
        ("me", "bob", "x" * 400, "1", "seconds idle"),
        ("me", "bob", "9" * 400, "1", "seconds idle"),
        ("me", "bob", "-5", "1", "seconds idle"),
        ("me", "bob"),
    ],
)
def test_a_reply_without_sane_numbers_is_left_as_it_came(params):
    assert whois_idle(params) is None


def test_a_huge_signon_time_is_left_out():
    assert whois_idle(("me", "bob", "5", "9" * 13, "seconds idle")) == "bob: 5 seconds idle"


def test_who_and_user_counts():
    assert who_reply(("me", "#a", "u", "h", "s", "bob", "G@", "0 Bob")) == "#a @bob (u@h) away: Bob"
    assert user_counts(("me", "3", "5", "Current local users 3, max 5"), "Local") == (
        "Local users: 3 now, 5 at most"
    )
    assert user_counts(("me", "Current local users: 3"), "Local") == "Current local users: 3"
