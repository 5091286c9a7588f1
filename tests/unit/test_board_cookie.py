"""The presentation cookie's value and the pseudonyms it restores (pure parts of cmltrack.ui.board_cookie)."""

from __future__ import annotations

import pytest

from cmltrack.privacy.pseudonyms import Pseudonyms, id_set_digest
from cmltrack.ui.board_cookie import BoardCookie, parse

IDS = [f"CML-{i:02d}" for i in range(1, 22)]


def test_a_cookie_round_trips_seed_digest_and_the_redrawn_flag():
    for cookie in (BoardCookie(2**64 - 1, id_set_digest(IDS)), BoardCookie(0, "a" * 16, redrawn=True)):
        assert parse(cookie.value()) == cookie
    with pytest.raises(ValueError, match="seed and a digest"):
        BoardCookie().value()


@pytest.mark.parametrize("value", ["", "1", "on", "1.xyz.abc", "1." + "0" * 16, "2." + "0" * 16 + "." + "0" * 16,
                                   "1." + "0" * 17 + "." + "0" * 16])
def test_any_other_cookie_value_means_on_without_a_seed(value):
    assert parse(value) == BoardCookie()  # the mode is on (fail safe); the pseudonyms are drawn anew
    assert parse(None) is None  # no cookie: the mode is off unless the URL or the toggle turns it on


def test_the_same_seed_over_the_same_patients_gives_the_same_pseudonyms():
    first = Pseudonyms(IDS, seed=11)
    cookie = parse(BoardCookie(first.seed, first.digest).value())
    again = Pseudonyms(list(reversed(IDS)), seed=cookie.seed)  # the order the database returns them does not matter
    assert cookie.digest == id_set_digest(reversed(IDS)) and again.forward == first.forward
    assert id_set_digest([*IDS, "CML-22"]) != cookie.digest  # other patients: the pseudonyms cannot be restored
