"""The notifier wakes the waiters of the keys it is told about, and only those."""

from __future__ import annotations

from tessera.services.sync.notifier import Notifier, room_key, user_key
from tessera.storage.repos.notifications import StreamChangeChannel, WakeChannel, encode


def test_a_notification_wakes_the_waiters_of_its_keys_only() -> None:
    notifier = Notifier()
    with (
        notifier.listen([room_key("!a"), user_key("@u:x")]) as a,
        notifier.listen([room_key("!b")]) as b,
    ):
        notifier.notify([room_key("!a")])
        assert a.changed.is_set() and not b.changed.is_set()
        assert notifier.waiting == 2
    assert notifier.waiting == 0


def test_other_workers_payloads_wake_the_named_keys_or_everyone() -> None:
    notifier = Notifier()
    with notifier.listen([user_key("@u:x")]) as u, notifier.listen([room_key("!r")]) as r:
        WakeChannel(notifier).heard(encode([user_key("@u:x")]))
        assert u.changed.is_set() and not r.changed.is_set()
        StreamChangeChannel(notifier).heard('{"s": "typing", "p": 3, "u": [], "r": ["!r"]}')
        assert r.changed.is_set()
    with notifier.listen([room_key("!z")]) as z:
        WakeChannel(notifier).heard("not json")  # unreadable: everyone re-reads
        assert z.changed.is_set()
    with notifier.listen([room_key("!z")]) as z:
        StreamChangeChannel(notifier).heard('{"s": "presence", "p": 9, "all": true}')
        assert z.changed.is_set()
    with notifier.listen([room_key("!z")]) as z:
        WakeChannel(notifier).heard(encode(["x" * 8000]))  # too long to name: everyone
        assert z.changed.is_set()


def test_close_wakes_every_waiter_and_marks_the_notifier_closing() -> None:
    notifier = Notifier()
    with notifier.listen([room_key("!a")]) as a, notifier.listen([user_key("@u:x")]) as u:
        assert not notifier.closing
        notifier.close()
        assert a.changed.is_set() and u.changed.is_set()
    assert notifier.closing  # a sync that starts now answers without waiting
