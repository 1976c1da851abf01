"""KeyFirst: network work waits for a keystroke's frame, and never for long."""

from __future__ import annotations

import pytest

from tui_chat.ui.key_first import KEY_HOLD, KeyFirst


def test_an_edit_holds_until_the_frame_after_it():
    keys = KeyFirst()
    assert not keys.holding(0.0)
    edit = keys.edited(10.0)
    assert keys.holding(10.0)
    keys.drawn(edit)
    assert not keys.holding(10.001)


def test_a_frame_after_an_older_edit_does_not_end_the_hold_of_a_newer_one():
    keys = KeyFirst()
    first = keys.edited(10.0)
    second = keys.edited(10.01)
    keys.drawn(first)
    assert keys.holding(10.02)
    keys.drawn(second)
    assert not keys.holding(10.02)


def test_keys_faster_than_frames_hold_the_network_for_at_most_the_bound():
    # Each frame is after an edit that is no longer the newest: the hold started by the
    # oldest undrawn edit still ends KEY_HOLD after it.
    keys = KeyFirst()
    now = 10.0
    edit = keys.edited(now)
    for step in range(1, 40):
        now = 10.0 + step * KEY_HOLD / 4
        newer = keys.edited(now)
        keys.drawn(edit)
        edit = newer
        if step != 4:  # (step 4 is the bound itself, in floating point)
            assert keys.holding(now) == (step < 4)


def test_a_delivered_key_holds_until_its_edit_then_until_the_frame():
    keys = KeyFirst()
    assert keys.delivered(10.0)
    assert keys.holding(10.01)
    assert not keys.delivered(10.01)  # one hold at a time
    edit = keys.edited(10.02)
    assert keys.delivered_at is None
    assert keys.holding(10.02 + KEY_HOLD / 2)
    keys.drawn(edit)
    assert not keys.holding(10.03)


def test_a_delivered_key_that_changes_nothing_holds_for_the_bound_only():
    keys = KeyFirst()
    keys.delivered(10.0)
    assert keys.ends(10.0) == pytest.approx(KEY_HOLD)
    later = 10.0 + KEY_HOLD * 1.01
    assert not keys.holding(later)
    assert keys.ends(later) == 0.0
    assert keys.delivered(later)  # the next key starts a new hold


def test_no_new_hold_begins_while_an_edit_waits_for_its_frame():
    keys = KeyFirst()
    keys.edited(10.0)
    assert not keys.delivered(10.0 + KEY_HOLD * 2)
    assert not keys.holding(10.0 + KEY_HOLD * 2)
