//! The planner sizes what an architect would: a stretched candidate's
//! `replica.socket.receive.buffer.bytes` for its longest stretched link.

/// Three sites 20 ms apart on 10 Gbit/s links, the buffer left open: each
/// stretched candidate sets `replica.socket.receive.buffer.bytes` to the
/// link's bandwidth-delay product plus 25 %, rounded up to a power of two —
/// closed form 10e9 / 8 × 0.020 × 1.25 = 31.25 MB → 2^25 = 33 554 432 bytes —
/// because one replica fetcher connection moves at most buffer / RTT (Kafka's
/// 64 KiB default: 3.3 MB/s at 20 ms, below the 20 MB/s each follower must
/// copy), so `check`'s `wan-receive-buffer` rule no longer prunes them. A
/// value the file states is kept, and the rule then judges it.
#[test]
fn stretched_candidates_size_the_replica_fetcher_buffer_for_their_longest_link() {
    let text = r#"
name = "plan-long-stretch"
seed = 3
duration_s = 20

[[site]]
name = "a"
brokers = 3

[[site]]
name = "b"
brokers = 3

[[site]]
name = "c"
brokers = 3

[[link]]
between = ["a", "b"]
rtt_ms = 20.0
bandwidth_mbps = 10000

[[link]]
between = ["a", "c"]
rtt_ms = 20.0
bandwidth_mbps = 10000

[[link]]
between = ["b", "c"]
rtt_ms = 20.0
bandwidth_mbps = 10000

[[topic]]
name = "orders"
partitions = 6

[[producer]]
site = "a"
topic = "orders"
rate_mb_s = 20

[objectives]
rto_s = 300

[plan]
families = ["stretched"]
faults = "file"
"#;
    let expected: i64 = 1 << 25;
    assert_eq!(ktopo::plan::bdp_buffer(10_000.0, 20.0), expected);
    let sc = ktopo::scenario::parse_for_plan(text, "long.toml").expect("valid");
    let p = ktopo::plan::plan(text, &sc, 2, &mut |_, _| {}).expect("plan runs");
    let three = p
        .candidates
        .iter()
        .find(|c| c.name.starts_with("stretched-3 "))
        .expect("a three-site stretch");
    assert_eq!(
        three.broker.get("replica.socket.receive.buffer.bytes"),
        Some(&expected),
        "{:?}",
        three.broker
    );
    assert!(
        three.scenario.contains(&format!(
            "\"replica.socket.receive.buffer.bytes\" = {expected}"
        )),
        "{}",
        three.scenario
    );
    for c in p.candidates.iter().filter(|c| c.family == "stretched") {
        assert!(
            !c.why.iter().any(|w| w.contains("wan-receive-buffer")),
            "{}: {:?}",
            c.name,
            c.why
        );
    }
    assert!(three.rank.is_some(), "simulated: {:?}", three.why);

    // The file states the buffer: kept, and check's rule prunes with it.
    let stated = text.replace(
        "[[topic]]",
        "[broker]\n\"replica.socket.receive.buffer.bytes\" = 65536\n\n[[topic]]",
    );
    let sc = ktopo::scenario::parse_for_plan(&stated, "long.toml").expect("valid");
    let p = ktopo::plan::plan(&stated, &sc, 2, &mut |_, _| {}).expect("plan runs");
    let three = p
        .candidates
        .iter()
        .find(|c| c.name.starts_with("stretched-3 "))
        .expect("a three-site stretch");
    assert!(three.broker.is_empty());
    assert!(
        three.why.iter().any(|w| w.contains("wan-receive-buffer")),
        "{:?}",
        three.why
    );
}

/// `size-link` on a hybrid design (`scenarios/hybrid-metro-dr.toml`): the
/// metro link inside the stretched cluster is bound by the peak wire rate of
/// its synchronous replication, never bisected. Closed form: the producer
/// writes 8 MB/s in dc1, where the leaders are (the placement's first group);
/// RF 4 placed 2 + 2 sends the RF − 1 = 3 copies to followers, 2 of them
/// across dc1–dc2: 16 MB/s = 128 Mbit/s of payload. Record-batch and fetch
/// headers and the 10 s reading window add at most 15 % (as the async
/// peak test): within [128, 147.2]. The far links are sized as an async
/// design's: the copier's buffer and `tasks.max` come with the answer.
#[test]
fn size_link_of_a_hybrid_bounds_the_metro_link_by_its_replication_peak() {
    let sc = ktopo::scenario::load(std::path::Path::new("scenarios/hybrid-metro-dr.toml"))
        .expect("bundled");
    let s = ktopo::plan::size_link::size_links(&sc, None, 2, &mut |_, _| {}).expect("sizes");
    let metro = s
        .links
        .iter()
        .find(|l| l.link == "dc1-dc2")
        .expect("the metro link carries traffic");
    assert_eq!(metro.binding, "peak", "{metro:?}");
    assert!(
        (128.0..=147.2).contains(&metro.peak_wire_mbps),
        "{} Mbit/s vs closed form 128: {metro:?}",
        metro.peak_wire_mbps
    );
    assert_eq!(metro.bandwidth_mbps, metro.peak_wire_mbps.ceil());
    assert!(metro.misses_at_mbps.is_none());
    assert!(
        metro
            .settings
            .contains_key("replica.socket.receive.buffer.bytes")
    );
    let far = s
        .links
        .iter()
        .find(|l| l.link == "dc1-far")
        .expect("the copy crosses dc1-far");
    assert!(
        far.settings.contains_key("consumer.receive.buffer.bytes"),
        "{far:?}"
    );
    assert!(far.settings.contains_key("tasks.max"), "{far:?}");
}
