//! Issue 13: rare stalls from log segment rolls (`log.segment.bytes`,
//! `[broker_hardware] segment_roll_ms`; docs/model.md §5a, Stalls).

use ktopo::scenario::parse_str;

fn run(roll_ms: f64) -> ktopo::metrics::Outcome {
    run_at(roll_ms, "request")
}

fn run_at(roll_ms: f64, fidelity: &str) -> ktopo::metrics::Outcome {
    let toml = format!(
        r#"name = "roll"
duration_s = 10
[model]
fidelity = "{fidelity}"
[broker]
"log.segment.bytes" = 1048576
"min.insync.replicas" = 2
[broker_hardware]
segment_roll_ms = {roll_ms}
[[site]]
name = "dc1"
brokers = 2
controllers = 1
[[topic]]
name = "t"
partitions = 1
"replication.factor" = 2
[[producer]]
site = "dc1"
topic = "t"
rate_mb_s = 10
record_size_bytes = 1024
acks = "all"
"#
    );
    let sc = parse_str(&toml, "roll.toml").expect("valid scenario");
    ktopo::kafka::simulate(&sc).expect("run completes")
}

/// One partition, RF 2, 10 MB/s of 1 KiB records for 10 s into 1 MiB
/// segments. Closed form (`UnifiedLog.maybeRoll`: a segment rolls when the
/// next batch no longer fits): each replica rolls once per 1 MiB appended,
/// ⌊log bytes ÷ segment bytes⌋ = ⌊records ÷ 1024⌋ times (about 95 for
/// 100 MB). The leader and the follower each roll that often (±2: the
/// batches still in flight at the end). Each roll stalls its append by
/// `segment_roll_ms`: with 20 ms the slowest produce waits at least that
/// long, while the median does not move; with 0 nothing waits 20 ms.
#[test]
fn segments_roll_at_the_closed_form_rate_and_stall_the_append() {
    let o = run(20.0);
    let records = o.sites[0].produce[0].records_acked;
    let expected = records / 1024;
    assert!((90..=100).contains(&expected), "{records} records acked");
    for b in &o.request_handling {
        assert!(
            b.segment_rolls.abs_diff(expected) <= 2,
            "broker {}: {} rolls vs ⌊{records} / 1024⌋ = {expected}",
            b.broker,
            b.segment_rolls
        );
    }
    let lat = &o.sites[0].produce[0].latency;
    let rolls: Vec<u64> = o.request_handling.iter().map(|b| b.segment_rolls).collect();
    eprintln!("rolls {rolls:?} vs {expected} ({records} records); latency {lat:?}");
    assert!(lat.max_ms >= 20.0, "{lat:?}");
    let calm = run(0.0);
    let base = &calm.sites[0].produce[0].latency;
    assert!(base.max_ms < 20.0, "{base:?}");
    assert!(
        (lat.p50_ms - base.p50_ms).abs() < 0.5,
        "median {} vs {} ms without stalls",
        lat.p50_ms,
        base.p50_ms
    );
    assert!(
        calm.request_handling
            .iter()
            .all(|b| b.segment_rolls.abs_diff(expected) <= 2)
    );
}

/// At flow fidelity an append stands for a step's records and may cross
/// several segment boundaries: each crossing is a roll, so the count is the
/// same closed form on the records appended, which lie between those
/// acknowledged and those sent (a step's records are still in flight at the
/// end): ⌊acked ÷ 1024⌋ ≤ rolls ≤ ⌊sent ÷ 1024⌋ per replica.
#[test]
fn segments_roll_at_the_closed_form_rate_at_flow_fidelity() {
    let o = run_at(20.0, "flow");
    let p = &o.sites[0].produce[0];
    let (lo, hi) = (p.records_acked / 1024, p.records_sent / 1024);
    assert!(lo >= 85, "{} records acked", p.records_acked);
    for b in &o.request_handling {
        eprintln!(
            "flow: broker {} rolled {} (closed form {lo}–{hi})",
            b.broker, b.segment_rolls
        );
        assert!(
            (lo..=hi).contains(&b.segment_rolls),
            "broker {}: {} rolls vs ⌊{} / 1024⌋ = {lo} to ⌊{} / 1024⌋ = {hi}",
            b.broker,
            b.segment_rolls,
            p.records_acked,
            p.records_sent
        );
    }
}

fn run_time_rolls(broker: &str, topic: &str) -> ktopo::metrics::Outcome {
    let toml = format!(
        r#"name = "roll-by-time"
duration_s = 10
[broker]
"min.insync.replicas" = 2
{broker}
[[site]]
name = "dc1"
brokers = 2
controllers = 1
[[topic]]
name = "t"
partitions = 1
"replication.factor" = 2
{topic}
[[producer]]
site = "dc1"
topic = "t"
rate_mb_s = 1
record_size_bytes = 1024
acks = "all"
"#
    );
    let sc = parse_str(&toml, "roll-by-time.toml").expect("valid scenario");
    ktopo::kafka::simulate(&sc).expect("run completes")
}

/// Rolls by age (`log.roll.ms`, topic `segment.ms`): `LogSegment.shouldRoll`
/// rolls a non-empty segment on the first append more than `segment.ms` after
/// the segment's first record. One partition, RF 2, 1 MB/s for 10 s (1 GiB
/// segments: no roll by size), a batch every `linger.ms` (5 ms): closed form,
/// each replica's k-th roll comes at k × (950 ms + at most 5 ms) after its first
/// append, so 10 rolls by 10 s (the 11th would be at 10.45 s). The topic's
/// `segment.ms` and the broker's `log.roll.ms` give the same; the default
/// (7 days) none. With `segment.jitter.ms` = 500 each segment's age is
/// 950 − U[0, 500) ms (`LogConfig.randomSegmentJitter`), 700 ms on average:
/// about 10,000 / 700 = 14.3 rolls per replica.
#[test]
fn segments_roll_by_age_at_the_closed_form_count() {
    let rolls = |o: &ktopo::metrics::Outcome| -> Vec<u64> {
        o.request_handling.iter().map(|b| b.segment_rolls).collect()
    };
    let topic = run_time_rolls("", "\"segment.ms\" = 950");
    let broker = run_time_rolls("\"log.roll.ms\" = 950", "");
    let none = run_time_rolls("", "");
    let jitter = run_time_rolls("", "\"segment.ms\" = 950\n\"segment.jitter.ms\" = 500");
    eprintln!(
        "rolls: topic {:?}, broker {:?}, default {:?}, jitter {:?}",
        rolls(&topic),
        rolls(&broker),
        rolls(&none),
        rolls(&jitter)
    );
    assert_eq!(
        rolls(&topic),
        vec![10, 10],
        "one roll per 950 ms per replica"
    );
    assert_eq!(rolls(&broker), rolls(&topic), "log.roll.ms as segment.ms");
    assert_eq!(rolls(&none), vec![0, 0], "7 days: no roll in 10 s");
    for r in rolls(&jitter) {
        assert!(
            (12..=17).contains(&r),
            "{r} rolls vs about 14.3 with jitter"
        );
    }
    // Each roll stalls its append by segment_roll_ms (3 ms): the slowest
    // produce waits for one.
    let lat = &topic.sites[0].produce[0].latency;
    assert!(lat.max_ms >= 3.0, "{lat:?}");
}
