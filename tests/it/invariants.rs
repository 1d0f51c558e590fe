//! Property tests over random fault schedules: invariants that must hold for any
//! scenario, not just the hand-written ones.

use proptest::prelude::*;

fn scenario(faults: &[(u8, u8, u16, u16)], seed: u64) -> String {
    let mut s = format!(
        r#"name = "prop"
seed = {seed}
duration_s = 40
[[site]]
name = "a"
brokers = 2
controllers = 1
[[site]]
name = "b"
brokers = 2
controllers = 1
[[site]]
name = "c"
brokers = 2
controllers = 1
[[link]]
between = ["a", "b"]
rtt_ms = 2
jitter_ms = 0.5
[[link]]
between = ["a", "c"]
rtt_ms = 3
jitter_ms = 0.5
[[link]]
between = ["b", "c"]
rtt_ms = 2.5
jitter_ms = 0.5
[[topic]]
name = "t"
partitions = 6
"replication.factor" = 3
"min.insync.replicas" = 2
[[producer]]
site = "a"
topic = "t"
rate_mb_s = 1
[[producer]]
site = "b"
topic = "t"
rate_mb_s = 1
"#
    );
    let sites = ["a", "b", "c"];
    for &(kind, which, at, dur) in faults {
        let (x, y) = (sites[which as usize % 3], sites[(which as usize + 1) % 3]);
        let body = match kind % 3 {
            0 => format!("kind = \"site-down\"\nsite = \"{x}\""),
            1 => format!("kind = \"broker-down\"\nbroker = {}", which % 6 + 1),
            _ => format!("kind = \"link-partition\"\nbetween = [\"{x}\", \"{y}\"]"),
        };
        s.push_str(&format!(
            "[[fault]]\n{body}\nat_s = {at}\nduration_s = {dur}\n"
        ));
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// With acks=all, RF 3 and min.insync.replicas 2, no acknowledged record is
    /// ever lost, whatever single faults (site, broker, link) strike and heal.
    #[test]
    fn acks_all_with_min_isr_2_never_loses_acknowledged_records(
        faults in proptest::collection::vec((0u8..3, 0u8..6, 2u16..30, 1u16..15), 0..3),
        seed in 0u64..1000,
    ) {
        let text = scenario(&faults, seed);
        // Overlapping faults on one subject are rejected (docs/scenario.md): such
        // draws are skipped, and no other error is allowed.
        let parsed = ktopo::scenario::parse_str(&text, "prop.toml");
        if let Err(d) = &parsed {
            prop_assert!(d.iter().all(|x| x.message.contains("overlaps")), "{:?}", d);
        }
        prop_assume!(parsed.is_ok());
        let sc = parsed.expect("valid scenario");
        let o = ktopo::kafka::simulate(&sc).expect("run completes");
        prop_assert_eq!(o.durability.lost_acked_records, 0, "{}", text);
        let p = &o.sites[0].produce[0];
        // Conservation: nothing is counted twice.
        prop_assert!(p.records_acked + p.records_rejected <= p.records_sent);
    }
}
