"""Key lanes: where a board's subscribers are filed, and how message lanes cover them."""

from itertools import pairwise

import pytest

from corkboard.subscriber_lanes import (
    KEY_LANES,
    LaneRange,
    key_lane,
    key_lane_label,
    message_lane_of,
    message_lanes,
)

IDS = [f"conn-{index:05d}" for index in range(5000)]
POWERS_OF_TWO = [1, 2, 4, 8, 16, 32, 64]


def test_a_connections_lane_is_pinned_as_the_stored_keys_depend_on_it() -> None:
    """Changing the function would file new subscribers where nothing reads the stored ones. (The figures
    are the top six bits of the CRC-32 that gzip writes for the same bytes, an implementation of its own.)"""
    assert [key_lane(connection_id) for connection_id in ("L0SM9cOFvHcCIhw=", "conn-00000", "")] == [
        39,
        28,
        0,
    ]
    assert [key_lane_label(lane) for lane in (0, 9, 10, 63)] == ["00", "09", "0a", "3f"]


def test_lanes_run_from_0_to_63_and_all_are_used() -> None:
    lanes = {key_lane(connection_id) for connection_id in IDS}

    assert lanes == set(range(KEY_LANES))


def test_labels_sort_as_the_lanes_do_so_a_range_of_lanes_is_a_range_of_keys() -> None:
    labels = [key_lane_label(lane) for lane in range(KEY_LANES)]

    assert sorted(labels) == labels


@pytest.mark.parametrize("count", POWERS_OF_TWO)
def test_each_message_lane_covers_neighbouring_key_lanes_and_together_they_cover_each_once(
    count: int,
) -> None:
    ranges = message_lanes(count)

    assert len(ranges) == count
    covered = [lane for range_ in ranges for lane in range(range_.first, range_.last + 1)]
    assert covered == list(range(KEY_LANES)), "contiguous, in order, no lane twice"
    for lane in range(KEY_LANES):
        index = lane >> (6 - POWERS_OF_TWO.index(count))
        assert message_lane_of(lane, count) == ranges[index], "the message lane is the key lane's top bits"


def test_a_connections_message_lane_depends_only_on_the_connection_for_a_number_of_lanes() -> None:
    for connection_id in IDS[:200]:
        lanes = [message_lane_of(key_lane(connection_id), count) for count in POWERS_OF_TWO]
        assert all(range_.first <= key_lane(connection_id) <= range_.last for range_ in lanes)
        assert all(wide.first <= narrow.first <= narrow.last <= wide.last for wide, narrow in pairwise(lanes))


@pytest.mark.parametrize("count", [0, 3, 128])
def test_a_number_of_message_lanes_that_is_not_a_power_of_two_up_to_64_is_refused(count: int) -> None:
    with pytest.raises(ValueError, match="power of two from 1 to 64"):
        message_lanes(count)


@pytest.mark.parametrize(("first", "last"), [(5, 4), (-1, 3), (0, 64)])
def test_a_range_that_is_not_one_is_refused(first: int, last: int) -> None:
    with pytest.raises(ValueError, match="not a range of 0 to 63"):
        LaneRange(first, last)
