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
