"""Topic names and filters (OASIS MQTT 3.1.1 section 4.7). linecast maps
topics whose levels are channel tokens onto channels; every other topic
must still work among MQTT clients, and no mapping may make two different
topics meet."""

import pytest

from paho_client import Client


def deliveries(broker, filters, topics):
    """Which of topics reach a subscriber of filters (each published at QoS 1
    after the SUBACK; a sentinel published last bounds the wait)."""
    sub = Client(broker)
    sub.subscribe(*[(f, 1) for f in filters], ("sentinel/end", 1))
    pub = Client(broker)
    for t in topics:
        pub.publish(t, t.encode(), qos=1)
    pub.publish("sentinel/end", b"", qos=1)
    got = []
    while True:
        m = sub.get()
        if m.topic == "sentinel/end":
            return got
        assert m.payload == m.topic.encode()
        got.append(m.topic)


@pytest.mark.parametrize("filters, topics, expected", [
    # 4.7.1.2: '#' matches the parent level and any number of levels.
    (["sport/tennis/player1/#"],
     ["sport/tennis/player1", "sport/tennis/player1/ranking", "sport/tennis/player1/score/wimbledon",
      "sport/tennis/player2"],
     ["sport/tennis/player1", "sport/tennis/player1/ranking", "sport/tennis/player1/score/wimbledon"]),
    (["#"], ["a", "a/b", "/x"], ["a", "a/b", "/x"]),
    # 4.7.1.3: '+' is exactly one level, possibly empty.
    (["sport/tennis/+"], ["sport/tennis/player1", "sport/tennis/player1/ranking", "sport/tennis"],
     ["sport/tennis/player1"]),
    (["sport/+"], ["sport", "sport/"], ["sport/"]),
    (["+/+"], ["/finance", "a/b", "a"], ["/finance", "a/b"]),
    (["/+"], ["/finance", "finance"], ["/finance"]),
    (["+"], ["/finance", "finance"], ["finance"]),
    (["+/tennis/#"], ["sport/tennis", "sport/tennis/x", "sport/golf"], ["sport/tennis", "sport/tennis/x"]),
    # Case-sensitive (4.7.3), empty levels and spaces are ordinary.
    (["ACCOUNTS/+"], ["accounts/x", "ACCOUNTS/x"], ["ACCOUNTS/x"]),
    (["a//b"], ["a//b", "a/b"], ["a//b"]),
    (["room 1/+"], ["room 1/tv", "room1/tv"], ["room 1/tv"]),
    (["ünï/cödé/+"], ["ünï/cödé/✓"], ["ünï/cödé/✓"]),
    # Characters that are wildcards or separators in linecast's channels are
    # plain characters in MQTT topic names: no collision with a mapping.
    (["a.b/c"], ["a.b/c", "a/b/c"], ["a.b/c"]),
    (["a/b/c"], ["a.b/c", "a/b/c"], ["a/b/c"]),
    (["a/*"], ["a/*", "a/x"], ["a/*"]),
    (["a/>"], ["a/>", "a/x", "a/x/y"], ["a/>"]),
    (["a/+"], ["a/*", "a/>"], ["a/*", "a/>"]),
])
def test_filter_matching(broker, filters, topics, expected):
    assert sorted(deliveries(broker, filters, topics)) == sorted(expected)


@pytest.mark.parametrize("filters, expected", [
    (["#"], []),
    (["+/monitor/Clients"], []),
    (["+/#"], []),
    (["$SYSX/#"], []),
    (["$app/#"], ["$app/monitor/Clients"]),
    (["$app/+/Clients"], ["$app/monitor/Clients"]),
    (["$app/monitor/Clients"], ["$app/monitor/Clients"]),
])
def test_dollar_topics_are_not_matched_by_leading_wildcards(broker, filters, expected):
    """[MQTT-4.7.2-1]: a filter starting with a wildcard does not match a
    topic name starting with '$'. Mosquitto reserves $SYS for itself
    (a client's PUBLISH there is dropped), so the test publishes on $app."""
    assert deliveries(broker, filters, ["$app/monitor/Clients"]) == expected


def test_sys_topics_are_not_matched_by_hash(broker):
    """[MQTT-4.7.2-1] with the server's own $SYS topics: Mosquitto publishes
    $SYS/broker/... (retained) there, linecast need not; either way a '#'
    subscriber gets none of them."""
    sub = Client(broker)
    sub.subscribe(("#", 0))
    for m in _drain(sub):
        assert not m.topic.startswith("$"), m.topic


def _drain(sub, within=1.5):
    got = []
    try:
        while True:
            got.append(sub.get(within))
    except AssertionError:
        return got
