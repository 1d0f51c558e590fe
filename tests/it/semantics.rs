//! Scenario-level tests that pin the Kafka behaviour users rely on. Each builds a
//! small scenario, runs the simulator, and checks the outcome against the
//! closed-form expectation (RTT sums, timeouts) within the tolerance stated in
//! docs/model.md ("Tolerances used in tests").

use ktopo::metrics::{Outcome, ProduceOutcome};

fn run(toml: &str) -> Outcome {
    let sc = ktopo::scenario::parse_str(toml, "test.toml").unwrap_or_else(|d| {
        panic!(
            "scenario invalid: {}",
            d.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    ktopo::kafka::simulate(&sc).expect("run completes")
}

fn produce<'a>(o: &'a Outcome, site: &str) -> &'a ProduceOutcome {
    &o.sites
        .iter()
        .find(|s| s.site == site)
        .expect("site")
        .produce[0]
}

/// Three sites, one broker and one KRaft voter each, no jitter, with the given
/// RTTs dc1–dc2, dc1–dc3, dc2–dc3.
fn three_sites(rtt12: f64, rtt13: f64, rtt23: f64) -> String {
    format!(
        r#"
[[site]]
name = "dc1"
brokers = 1
controllers = 1
[[site]]
name = "dc2"
brokers = 1
controllers = 1
[[site]]
name = "dc3"
brokers = 1
controllers = 1
[[link]]
between = ["dc1", "dc2"]
rtt_ms = {rtt12}
[[link]]
between = ["dc1", "dc3"]
rtt_ms = {rtt13}
[[link]]
between = ["dc2", "dc3"]
rtt_ms = {rtt23}
"#
    )
}

/// A topic whose replicas are placed dc1 (leader), dc2, dc3.
fn topic_123(min_isr: u32) -> String {
    format!(
        r#"
[[topic]]
name = "t"
partitions = 6
"replication.factor" = 3
"min.insync.replicas" = {min_isr}
placement.replicas = [{{ count = 1, rack = "dc1" }}, {{ count = 1, rack = "dc2" }}, {{ count = 1, rack = "dc3" }}]
"#
    )
}

fn producer(site: &str, acks: &str, rate: f64) -> String {
    format!(
        "[[producer]]\nsite = \"{site}\"\ntopic = \"t\"\nrate_mb_s = {rate}\nacks = \"{acks}\"\n"
    )
}

/// Behaviour 1: acks=all waits for the farthest in-sync follower. When the follower's fetch
/// is parked at the leader (idle partition), latency ≈ producer↔leader RTT +
/// leader↔farthest-follower RTT + processing. Under continuous load the follower's
/// previous fetch is usually in flight when a batch lands, so the batch waits for
/// the next fetch: between one and two follower RTTs. acks=1 skips the follower leg.
#[test]
fn acks_all_latency_follows_the_slowest_in_sync_follower() {
    let base = format!(
        "name = \"lat\"\nduration_s = 30\n{}{}",
        three_sites(10.0, 20.0, 10.0),
        topic_123(2)
    );
    // 0.01 MB/s of 1 KiB records: one record per ~100 ms, so fetches are parked.
    // One producer per run: with no jitter, two equal producers phase-lock and one
    // always lands while the other's wake-up fetch is still in flight.
    let idle1 = run(&format!("{base}{}", producer("dc1", "all", 0.01)));
    let idle2 = run(&format!("{base}{}", producer("dc2", "all", 0.01)));
    let (a1, a2) = (
        produce(&idle1, "dc1").latency.p50_ms,
        produce(&idle2, "dc2").latency.p50_ms,
    );
    assert!(
        (20.0..21.5).contains(&a1),
        "dc1 acks=all p50 {a1} ms, expected 0.2 + 20 + processing"
    );
    assert!(
        (30.0..31.5).contains(&a2),
        "dc2 acks=all p50 {a2} ms, expected 10 + 20 + processing"
    );
    let busy = run(&format!(
        "{base}{}{}",
        producer("dc1", "all", 1.0),
        producer("dc2", "all", 1.0)
    ));
    let b1 = &produce(&busy, "dc1").latency;
    assert!(
        b1.p50_ms > 20.0 && b1.max_ms < 41.5,
        "busy acks=all within 1–2 follower RTTs: {b1:?}"
    );
    let one = run(&format!(
        "{base}{}{}",
        producer("dc1", "1", 1.0),
        producer("dc2", "1", 1.0)
    ));
    let (o1, o2) = (
        produce(&one, "dc1").latency.p50_ms,
        produce(&one, "dc2").latency.p50_ms,
    );
    assert!(o1 < 1.0, "dc1 acks=1 p50 {o1} ms: no follower leg");
    assert!(
        (10.0..11.5).contains(&o2),
        "dc2 acks=1 p50 {o2} ms ≈ producer↔leader RTT"
    );
}

/// Behaviour 2: RF 3 placed 2+1 over two data sites (controllers 1+1+1 with a third,
/// controller-only site), minISR 2: losing the 2-replica site leaves an ISR of 1
/// and acks=all writes are refused with NotEnoughReplicas.
#[test]
fn min_insync_replicas_rejects_writes_when_the_isr_is_too_small() {
    let toml = r#"
name = "minisr"
duration_s = 60
[[site]]
name = "dc1"
brokers = 2
controllers = 1
[[site]]
name = "dc2"
brokers = 1
controllers = 1
[[site]]
name = "dc3"
controllers = 1
[[link]]
between = ["dc1", "dc2"]
rtt_ms = 2
[[link]]
between = ["dc1", "dc3"]
rtt_ms = 2
[[link]]
between = ["dc2", "dc3"]
rtt_ms = 2
[[topic]]
name = "t"
partitions = 4
"replication.factor" = 3
"min.insync.replicas" = 2
placement.replicas = [{ count = 2, rack = "dc1" }, { count = 1, rack = "dc2" }]
[[producer]]
site = "dc2"
topic = "t"
rate_mb_s = 1
[[fault]]
kind = "site-down"
site = "dc1"
at_s = 10
"#;
    let o = run(toml);
    let p = produce(&o, "dc2");
    // NotEnoughReplicas is retriable: the producer retries (retries = MAX_INT)
    // and nothing fails for good within delivery.timeout.ms (Kafka's
    // `Sender.canRetry`).
    assert!(
        p.records_retried > 0 && p.records_rejected == 0,
        "NotEnoughReplicas retried: {p:?}"
    );
    // All 4 partitions unavailable from the loss (10 s) to the end (60 s), within 2 s per partition.
    let u = o.cluster.unavailable_partition_s;
    assert!(
        (4.0 * 48.0..=4.0 * 51.0).contains(&u),
        "unavailable partition-s {u}"
    );
    assert!(o.cluster.brokers_fenced >= 2);
    assert_eq!(o.durability.lost_acked_records, 0);
}

/// Length of the longest run of timeline intervals with no acknowledged record
/// after `from_s`.
fn longest_gap_s(o: &Outcome, from_s: f64) -> f64 {
    let iv = o.timeline.interval_s;
    let start = (from_s / iv) as usize;
    let (mut best, mut cur) = (0usize, 0usize);
    for &a in &o.timeline.acked_records[start..] {
        if a == 0 {
            cur += 1;
            best = best.max(cur);
        } else {
            cur = 0;
        }
    }
    best as f64 * iv
}

/// Behaviour 3: A follower cut off from its leader while its broker still reaches the
/// controller stalls acks=all until it leaves the ISR: replica.lag.time.max.ms,
/// checked every half of it (so 30–45 s by default), while requests time out at
/// request.timeout.ms. A smaller replica.lag.time.max.ms shortens the stall.
#[test]
fn cut_off_follower_stalls_acks_all_until_it_leaves_the_isr() {
    // Controllers all in dc3, reachable from dc1 and dc2; dc1–dc2 is cut.
    let sites = |lag: u32| {
        format!(
            r#"
name = "stall"
duration_s = 100
[broker]
"replica.lag.time.max.ms" = {lag}
[[site]]
name = "dc1"
brokers = 1
[[site]]
name = "dc2"
brokers = 1
[[site]]
name = "dc3"
brokers = 1
controllers = 3
[[link]]
between = ["dc1", "dc2"]
rtt_ms = 2
[[link]]
between = ["dc1", "dc3"]
rtt_ms = 2
[[link]]
between = ["dc2", "dc3"]
rtt_ms = 2
{}{}
[[fault]]
kind = "link-partition"
between = ["dc1", "dc2"]
at_s = 20
"#,
            topic_123(2),
            producer("dc1", "all", 1.0)
        )
    };
    let slow = run(&sites(30_000));
    let fast = run(&sites(10_000));
    let (gs, gf) = (longest_gap_s(&slow, 15.0), longest_gap_s(&fast, 15.0));
    assert!(
        (29.0..=47.0).contains(&gs),
        "default stall {gs} s, expected 30–45 s plus a controller round trip"
    );
    assert!(
        (9.0..=17.0).contains(&gf),
        "stall with 10 s lag {gf} s, expected 10–15 s"
    );
    let (ps, pf) = (produce(&slow, "dc1"), produce(&fast, "dc1"));
    // A request that times out is retried (REQUEST_TIMED_OUT is retriable,
    // `Sender.canRetry`), not failed: nothing times out for good.
    assert!(
        ps.records_retried > 0 && ps.records_timed_out == 0,
        "requests time out at 30 s and are retried: {ps:?}"
    );
    assert_eq!(
        pf.records_retried, 0,
        "a 10–15 s stall stays under request.timeout.ms"
    );
    assert!(
        slow.cluster.isr_shrinks >= 6,
        "every partition drops the dc2 follower"
    );
    assert_eq!(
        slow.cluster.brokers_fenced, 0,
        "the follower still heartbeats"
    );
}

/// Behaviour 4: Broker loss: fenced after broker.session.timeout.ms, a new leader from the
/// ISR; acks=all loses nothing acknowledged, acks=1 loses what was acknowledged
/// but not yet replicated, and counts it.
#[test]
fn broker_loss_fences_elects_and_only_acks_1_loses_data() {
    let case = |acks: &str, back: bool| {
        let duration = if back { "duration_s = 30\n" } else { "" };
        run(&format!(
            "name = \"loss\"\nduration_s = 80\n{}{}{}{}[[fault]]\nkind = \"broker-down\"\nbroker = 1\nat_s = 20\n{duration}",
            three_sites(20.0, 20.0, 20.0),
            topic_123(2),
            // Under the 3.2 MB/s a 64 KiB fetch window allows at 20 ms.
            producer("dc1", acks, 1.0),
            producer("dc2", acks, 1.0),
        ))
    };
    for back in [false, true] {
        let all = case("all", back);
        assert_eq!(
            all.durability.lost_acked_records, 0,
            "acks=all loses nothing (back={back})"
        );
        assert!(all.cluster.brokers_fenced >= 1);
        assert!(
            all.cluster.leader_elections >= 6,
            "every partition led by broker 1 moves"
        );
        // The 6 partitions led by broker 1 are unavailable ≈ the 9 s session
        // timeout, counted from the last heartbeat, which came up to 2 s
        // (broker.heartbeat.interval.ms) before the crash: 7–9 s, plus the
        // election's metadata round, 1 s buckets, and an interval in which a
        // write that failed counts (a timed-out or refused write is unavailability).
        let u = all.faults[0].unavailable_partition_s;
        assert!(
            (6.0 * 7.0..=6.0 * 14.0).contains(&u),
            "unavailable partition-s {u}"
        );
        let one = case("1", back);
        assert!(
            one.durability.lost_acked_records > 0,
            "acks=1 loses acknowledged records (back={back})"
        );
        assert!(
            one.durability.lost_acked_age_s_max < 1.0,
            "lost records are the last ~RTT of writes"
        );
        assert_eq!(
            one.faults[0].lost_acked_records,
            one.durability.lost_acked_records
        );
    }
}

/// Behaviour 5: Controllers 2+1 over two sites: losing the 2-controller site loses the
/// quorum: no fencing, no elections, partitions stay stuck for the whole outage.
/// 1+1+1 over three sites survives the loss of any one.
#[test]
fn controller_quorum_needs_a_majority_site_placement() {
    let two = r#"
name = "q2"
duration_s = 90
[[site]]
name = "dc1"
brokers = 2
controllers = 2
[[site]]
name = "dc2"
brokers = 2
controllers = 1
[[link]]
between = ["dc1", "dc2"]
rtt_ms = 2
[[topic]]
name = "t"
partitions = 8
"replication.factor" = 3
"min.insync.replicas" = 2
[[producer]]
site = "dc2"
topic = "t"
rate_mb_s = 1
[[fault]]
kind = "site-down"
site = "dc1"
at_s = 20
duration_s = 50
"#;
    let o = run(two);
    assert!(
        (48.0..=52.0).contains(&o.cluster.no_quorum_s),
        "no quorum for the outage: {}",
        o.cluster.no_quorum_s
    );
    assert_eq!(
        o.cluster.brokers_fenced, 0,
        "no controller, no fencing during the outage"
    );
    let gap = longest_gap_s(&o, 15.0);
    assert!(
        (49.0..=53.0).contains(&gap),
        "no write acknowledged for the whole outage: {gap} s"
    );
    let o3 = run(&format!(
        "name = \"q3\"\nduration_s = 90\n{}{}{}[[fault]]\nkind = \"site-down\"\nsite = \"dc1\"\nat_s = 20\nduration_s = 50\n",
        three_sites(2.0, 2.0, 2.0),
        topic_123(2),
        producer("dc2", "all", 1.0)
    ));
    assert!(
        o3.cluster.no_quorum_s < 5.0,
        "1+1+1 keeps a majority: {}",
        o3.cluster.no_quorum_s
    );
    let gap = longest_gap_s(&o3, 15.0);
    assert!(
        (9.0..=15.0).contains(&gap),
        "writes resume after fencing: gap {gap} s"
    );
}

/// Behaviour 6: A link partition isolating one site (both sides alive): the side without
/// the quorum is fenced; the majority side elects new leaders and keeps writing
/// as long as its ISR meets minISR.
#[test]
fn isolated_site_is_fenced_and_majority_side_keeps_writing() {
    let o = run(&format!(
        "name = \"iso\"\nduration_s = 60\n{}{}{}{}",
        three_sites(2.0, 2.0, 2.0),
        topic_123(2),
        producer("dc2", "all", 1.0),
        "[[fault]]\nkind = \"link-partition\"\nbetween = [\"dc1\", \"dc2\"]\nat_s = 10\n[[fault]]\nkind = \"link-partition\"\nbetween = [\"dc1\", \"dc3\"]\nat_s = 10\n"
    ));
    assert_eq!(o.cluster.brokers_fenced, 1, "dc1's broker is fenced");
    assert!(o.cluster.leader_elections >= 6, "leaders move off dc1");
    let gap = longest_gap_s(&o, 5.0);
    assert!(
        (9.0..=15.0).contains(&gap),
        "writes stall until fencing, then resume: {gap} s"
    );
    let acked_late: u64 = o.timeline.acked_records[40..].iter().sum();
    assert!(acked_late > 0);
}

/// Behaviour 7: Observers replicate asynchronously and are not in the ISR: a far observer
/// does not slow acks=all.
#[test]
fn observers_are_outside_the_isr() {
    let o = run(&format!(
        r#"name = "obs"
duration_s = 20
{}
[[topic]]
name = "t"
partitions = 4
"replication.factor" = 2
"min.insync.replicas" = 2
placement.replicas = [{{ count = 1, rack = "dc1" }}, {{ count = 1, rack = "dc2" }}]
placement.observers = [{{ count = 1, rack = "dc3" }}]
{}"#,
        three_sites(4.0, 60.0, 60.0),
        producer("dc1", "all", 1.0)
    ));
    let l = produce(&o, "dc1").latency.p99_ms;
    assert!(
        l < 10.0,
        "acks=all p99 {l} ms must not include the 60 ms observer"
    );
    // The observer does replicate: dc1→dc3 carries about the produced bytes.
    let to3 = o
        .links
        .iter()
        .find(|l| l.from == "dc1" && l.to == "dc3")
        .expect("link")
        .bytes;
    assert!(to3 > 15_000_000, "observer traffic {to3} bytes");
}

/// Behaviour 8: Follower fetching (KIP-392): a consumer with client.rack reads from the
/// follower in its rack; its reads stop crossing the WAN.
#[test]
fn follower_fetching_keeps_reads_local() {
    let base = |ff: bool| {
        let (sel, rack) = if ff {
            (
                "[broker]\n\"replica.selector.class\" = \"org.apache.kafka.common.replica.RackAwareReplicaSelector\"\n",
                "\"client.rack\" = \"dc2\"\n",
            )
        } else {
            ("", "")
        };
        format!(
            "name = \"ff\"\nduration_s = 20\n{sel}{}{}{}[[consumer]]\nsite = \"dc2\"\ntopic = \"t\"\n{rack}",
            three_sites(10.0, 10.0, 10.0),
            topic_123(2),
            producer("dc1", "all", 2.0)
        )
    };
    let (lead, ff) = (run(&base(false)), run(&base(true)));
    let bytes = |o: &Outcome| {
        o.links
            .iter()
            .find(|l| l.from == "dc1" && l.to == "dc2")
            .expect("link")
            .bytes as f64
    };
    assert!(ff.sites[1].consume[0].follower_fetching);
    assert!(
        bytes(&ff) < 0.6 * bytes(&lead),
        "follower fetching halves dc1→dc2 bytes: {} vs {}",
        bytes(&ff),
        bytes(&lead)
    );
    let (el, ef) = (
        lead.sites[1].consume[0].end_to_end.p50_ms,
        ff.sites[1].consume[0].end_to_end.p50_ms,
    );
    assert!(
        ef >= el - 1.0,
        "the follower's HW trails the leader's: e2e {ef} vs {el} ms"
    );
    assert!(ff.sites[1].consume[0].records_consumed > 0);
}

/// Behaviour 9: Link degradation: a window of higher RTT raises acks=all latency during it.
#[test]
fn link_degradation_raises_latency_for_its_window() {
    let o = run(&format!(
        "name = \"deg\"\nduration_s = 40\n{}{}{}[[fault]]\nkind = \"link-degrade\"\nbetween = [\"dc1\", \"dc3\"]\nrtt_ms = 50\nat_s = 10\nduration_s = 10\n",
        three_sites(2.0, 2.0, 2.0),
        topic_123(2),
        producer("dc1", "all", 1.0)
    ));
    let l = &produce(&o, "dc1").latency;
    assert!(l.p50_ms < 5.0, "outside the window: {l:?}");
    assert!(
        l.p99_ms >= 50.0 && l.max_ms < 105.0,
        "inside the window the dc3 follower adds 1–2 × 50 ms: {l:?}"
    );
}

/// Behaviour 10: Same seed → byte-identical report.json; another seed → different samples.
#[test]
fn same_seed_same_report_other_seed_other_samples() {
    let text = std::fs::read_to_string("scenarios/stretched-3dc.toml").expect("bundled scenario");
    let short = text.replace("duration_s = 300", "duration_s = 90");
    let mut sc = ktopo::scenario::parse_str(&short, "s.toml").expect("valid");
    let a = ktopo::report::to_json(&ktopo::kafka::simulate(&sc).expect("run"));
    let b = ktopo::report::to_json(&ktopo::kafka::simulate(&sc).expect("run"));
    assert_eq!(a, b);
    sc.seed += 1;
    let c = ktopo::report::to_json(&ktopo::kafka::simulate(&sc).expect("run"));
    assert_ne!(a, c);
}

/// `num.replica.fetchers`: over a long link each fetcher is one connection
/// capped at its receive buffer / RTT (64 KiB / 80 ms ≈ 0.8 MiB/s), so a
/// follower that falls behind at one fetcher replicates faster with four.
fn wan_replication_bytes(fetchers: u32) -> u64 {
    let o = run(&format!(
        r#"
name = "fetchers"
duration_s = 60
[[site]]
name = "dc1"
brokers = 1
controllers = 1
[[site]]
name = "dc2"
brokers = 1
controllers = 2
[[link]]
between = ["dc1", "dc2"]
rtt_ms = 80
[broker]
"num.replica.fetchers" = {fetchers}
"replica.socket.receive.buffer.bytes" = 65536
[[topic]]
name = "t"
partitions = 16
"replication.factor" = 2
"min.insync.replicas" = 1
placement.replicas = [{{ count = 1, rack = "dc1" }}, {{ count = 1, rack = "dc2" }}]
[[producer]]
site = "dc1"
topic = "t"
rate_mb_s = 10
acks = "1"
"#
    ));
    o.links
        .iter()
        .find(|l| l.from == "dc1" && l.to == "dc2")
        .expect("link")
        .bytes
}

#[test]
fn replica_fetchers_multiply_window_limited_wan_replication() {
    let one = wan_replication_bytes(1) as f64;
    let four = wan_replication_bytes(4) as f64;
    // One connection: about window / RTT for the run, whatever the 10 MB/s offered.
    let cap = 65536.0 / 0.080 * 60.0;
    assert!(
        one > 0.8 * cap && one < 1.25 * cap,
        "one fetcher moved {one} bytes, window/RTT allows {cap}"
    );
    // Four fetchers, the 16 partitions hashed over them as Kafka does: about 4×.
    assert!(
        four > 3.0 * one && four < 4.5 * one,
        "four fetchers moved {four} bytes vs {one} with one"
    );
}

/// Issue 11: the produce p99 of the steady state and of a fault's window are
/// reported apart. A 10 s degradation of dc1–dc3 to 50 ms RTT (the slowest
/// follower of acks=all): outside its window (start to end + 60 s) the p99 is
/// 1–2 × 2 ms RTT (§ tolerances: < 2 RTT + 1.5 ms), inside ≥ 50 ms.
#[test]
fn steady_state_and_fault_window_percentiles_are_apart() {
    let o = run(&format!(
        "name = \"deg\"\nduration_s = 120\n{}{}{}[[fault]]\nkind = \"link-degrade\"\nbetween = [\"dc1\", \"dc3\"]\nrtt_ms = 50\nat_s = 10\nduration_s = 10\n",
        three_sites(2.0, 2.0, 2.0),
        topic_123(2),
        producer("dc1", "all", 1.0)
    ));
    let p = produce(&o, "dc1");
    assert!(
        p.latency_steady.count > 0 && p.latency_steady.p99_ms < 2.0 * 2.0 + 1.5,
        "steady state: {:?}",
        p.latency_steady
    );
    let w = &o.faults[0].produce_latency;
    assert!(w.p99_ms >= 50.0, "window: {w:?}");
    // Every acknowledged record is in exactly one of them.
    assert_eq!(p.latency_steady.count + w.count, p.latency.count);
    let e = &o.faults[0].end_to_end_latency;
    assert!(e.count == 0 || e.max_ms >= 0.0);
}

/// Issue 11: a refused write counts in availability even when other writes to
/// the same partition were acknowledged in the interval. RF 3 over 3 sites with
/// min.insync.replicas 3: once dc3 is lost and its replica leaves the ISR, acks=all
/// writes are refused (NotEnoughReplicas) while acks=1 writes are still
/// acknowledged. Every partition counts as unavailable in every interval from the
/// shrink (≤ 9 s session timeout + 30 s replica.lag.time.max.ms) to the end.
#[test]
fn refused_writes_count_as_unavailable_beside_acknowledged_ones() {
    let o = run(&format!(
        "name = \"refused\"\nduration_s = 100\n{}{}{}{}[[fault]]\nkind = \"site-down\"\nsite = \"dc3\"\nat_s = 10\n",
        three_sites(2.0, 2.0, 2.0),
        topic_123(3),
        producer("dc1", "1", 1.0),
        producer("dc1", "all", 1.0)
    ));
    let ps = &o.sites[0].produce;
    assert!(
        ps[1].records_retried > 0,
        "acks=all refused and retried: {:?}",
        ps[1]
    );
    let t = &o.timeline;
    // From 60 s on, acks=1 writes are acknowledged in every interval, and yet all
    // 6 partitions are unavailable: their acks=all writes are refused.
    for k in 60..100 {
        assert!(t.acked_records[k] > 0, "acks=1 acknowledged at {k} s");
        assert_eq!(t.unavailable_partitions[k], 6, "interval {k}");
    }
}

/// Issue 10 §6: the only producer is in the lost site. It falls silent; by
/// default it restarts in the nearest surviving site after detection, decision
/// and client restart (10 + 20 + 5 = 35 s here), with no DNS TTL (a stretched
/// cluster's bootstrap list names the other sites; the TTL is set high to show it
/// is not added). Its silence is unavailability: every partition from the loss to
/// the restart, the records it would have written as unavailable.
#[test]
fn a_lost_sites_producer_is_unavailable_until_it_fails_over() {
    let base = format!(
        "name = \"lost\"\nduration_s = 120\n{}{}{}[[consumer]]\nsite = \"dc1\"\ntopic = \"t\"\n[[fault]]\nkind = \"site-down\"\nsite = \"dc1\"\nat_s = 30\n[failover]\ndetection_s = 10\ndecision_s = 20\nclient_restart_s = 5\ndns_ttl_s = 1000\n",
        three_sites(2.0, 2.0, 2.0),
        topic_123(1),
        producer("dc1", "all", 1.0)
    );
    let o = run(&base);
    let t = &o.timeline;
    for k in 31..65 {
        assert_eq!(t.unavailable_partitions[k], 6, "silent at {k} s");
        assert_eq!(t.acked_records[k], 0);
    }
    for k in 67..120 {
        assert_eq!(
            t.unavailable_partitions[k], 0,
            "failed over, writing at {k} s"
        );
        assert!(t.acked_records[k] > 0);
    }
    // 35 s of 1 MB/s in 1 KiB records, ± one 1 s interval.
    let p = produce(&o, "dc1");
    let r = 1e6 / 1024.0;
    assert!(
        (p.records_unavailable as f64 - 35.0 * r).abs() <= r,
        "unavailable {} vs {}",
        p.records_unavailable,
        35.0 * r
    );
    // The consumer restarted too, from its last commit: it reads what was
    // written, before the loss and after the restart (and some of it twice).
    let consumed = o.sites[0].consume[0].records_consumed as f64;
    assert!(
        consumed >= 0.98 * p.records_acked as f64 && p.records_acked as f64 > 80.0 * r,
        "consumed {consumed} of {} acknowledged",
        p.records_acked
    );

    // Staying down: unavailable to the end.
    let o = run(&format!("{base}clients = \"stay-down\"\n"));
    let t = &o.timeline;
    assert!((31..120).all(|k| t.unavailable_partitions[k] == 6));
    assert!(produce(&o, "dc1").records_unavailable as f64 > 88.0 * r);
}

/// Issue 10 §1, followers: one follower in dc2 replicates 12 partitions led
/// in dc1 over a link below the peak, in one fetch session; 12 partitions of
/// `replica.fetch.max.bytes` are more than `replica.fetch.response.max.bytes`,
/// so the response cap binds as well. `replica.lag.time.max.ms` keeps the
/// follower in the ISR, so the HW waits for it and `hw_lag_ms_max` is its lag
/// in seconds. The follower's fetch rotates over its partitions (Kafka's
/// `AbstractFetcherThread` moves a partition that returned records to the end,
/// `PartitionStates.updateAndMoveToEnd`): the backlog drains FIFO, and the lag
/// follows the closed form, peak_s × (ingress / capacity − 1) = 60 s for
/// 26.2144 MB/s (8 full batches per linger.ms, so every partition gets the
/// same ingress) over 13.1072 MB/s. Filled in one fixed order, the last
/// partitions starved: 134 s at request fidelity, 152 s at flow fidelity.
fn follower_lag_through_a_peak(model: &str) -> f64 {
    let o = run(&format!(
        r#"
name = "fifo"
duration_s = 200
[load]
profile = "bursts"
burst_every_s = 1000
burst_duration_s = 60
burst_factor = 4
{model}
[[site]]
name = "dc1"
brokers = 1
controllers = 3
[[site]]
name = "dc2"
brokers = 1
[[link]]
between = ["dc1", "dc2"]
rtt_ms = 20
bandwidth_mbps = 104.8576
[broker]
"replica.socket.receive.buffer.bytes" = -1
"replica.lag.time.max.ms" = 3600000
[[topic]]
name = "t"
partitions = 12
"replication.factor" = 2
"min.insync.replicas" = 1
placement.replicas = [{{ count = 1, rack = "dc1" }}, {{ count = 1, rack = "dc2" }}]
[[producer]]
site = "dc1"
topic = "t"
rate_mb_s = 26.2144
acks = "1"
"#
    ));
    let fifo_s = 60.0 * (26.2144 / (104.8576 / 8.0) - 1.0);
    let lag_s = o.timeline.hw_lag_ms_max.iter().cloned().fold(0.0, f64::max) / 1e3;
    assert!(
        (lag_s / fifo_s - 1.0).abs() < 0.10,
        "follower lag max {lag_s} s vs FIFO {fifo_s} s"
    );
    lag_s
}

#[test]
fn follower_lag_through_a_peak_is_fifo_at_request_fidelity() {
    follower_lag_through_a_peak("");
}

#[test]
fn follower_lag_through_a_peak_is_fifo_at_flow_fidelity() {
    follower_lag_through_a_peak("[model]\nfidelity = \"flow\"\nflow_step_ms = 1000");
}

/// Issue 10 §3: a leader that stops and returns before it is fenced keeps its
/// leadership, and its followers' fetchers, which saw their connections closed,
/// retry every `replica.fetch.backoff.ms` (1 s) as Kafka's
/// `AbstractFetcherThread` does, so they are back as soon as the leader answers.
/// Expected (from Kafka's code): writes stop for the 5 s bounce, then resume
/// after the returning broker relearns its metadata (its first heartbeat) and
/// the next fetch retry: within the bounce + backoff + a few round trips, not the
/// 30–45 s of an ISR shrink.
#[test]
fn returning_leader_gets_its_followers_back() {
    let o = run(&format!(
        "name = \"bounce\"\nduration_s = 60\n{}{}{}[[fault]]\nkind = \"broker-down\"\nbroker = 1\nat_s = 20\nduration_s = 5\n",
        three_sites(20.0, 20.0, 20.0),
        topic_123(2),
        producer("dc2", "all", 1.0),
    ));
    let gap = longest_gap_s(&o, 15.0);
    assert!(
        (4.0..=8.0).contains(&gap),
        "writes stop for the 5 s bounce and resume within a few seconds: gap {gap} s"
    );
    assert_eq!(o.cluster.isr_shrinks, 0, "the followers never left the ISR");
    assert_eq!(
        o.cluster.brokers_fenced, 0,
        "5 s is under the 9 s session timeout"
    );
}

/// A scenario with `[model] kafka_version = "…"` added at its end.
fn versioned(version: &str, body: &str) -> Outcome {
    run(&format!("{body}\n[model]\nkafka_version = \"{version}\"\n"))
}

/// Issue 10 §8, linger.ms: Kafka 4.0 changed the producer's default `linger.ms`
/// from 0 to 5 (KIP-1030). Records are stamped at the middle of their linger
/// (docs/model.md §4), so end-to-end latency grows by about half the linger:
/// (5 − 1)/2 = 2 ms (a linger of 0 ticks every 1 ms in the model), all else equal.
#[test]
fn linger_default_follows_the_kafka_version() {
    let body = format!(
        "name = \"linger\"\nduration_s = 20\n[[site]]\nname = \"dc1\"\nbrokers = 3\ncontrollers = 3\n[[topic]]\nname = \"t\"\npartitions = 3\n\"replication.factor\" = 3\n{}[[consumer]]\nsite = \"dc1\"\ntopic = \"t\"\n",
        producer("dc1", "1", 1.0)
    );
    let e2e = |v: &str| {
        let o = versioned(v, &body);
        o.sites[0].consume[0].end_to_end.p50_ms
    };
    let (old, new) = (e2e("3.9"), e2e("4.0"));
    let d = new - old;
    assert!(
        (1.5..=2.5).contains(&d),
        "end-to-end p50 {old} ms at linger 0 (3.9), {new} ms at linger 5 (4.0): +{d} ms, expected ≈ 2 ms"
    );
    assert_eq!(e2e("4.1"), new, "4.1 keeps the 4.0 default");
    eprintln!("linger: end-to-end p50 3.9 {old} ms, 4.0 {new} ms");
}

/// Issue 10 §8, strict min ISR (3.7, KAFKA-15583): the high watermark does not
/// advance while the ISR is below `min.insync.replicas`, whatever `acks`, so
/// acks=1 records stop reaching consumers. RF 3, minISR 3, the dc2 follower cut
/// off at 20 s of 100: the HW stalls at once (dc2 is still in the ISR) and the
/// ISR shrinks to 2 about 30–45 s later. From Kafka's code: 3.6 resumes
/// advancing the HW with the smaller ISR (consumers read nearly everything);
/// 3.7 and later keep it frozen (consumers read about the first 20 s, 20 %).
#[test]
fn strict_min_isr_stops_acks_1_data_from_reaching_consumers() {
    let body = format!(
        "name = \"strict\"\nduration_s = 100\n{}{}{}[[consumer]]\nsite = \"dc1\"\ntopic = \"t\"\n[[fault]]\nkind = \"link-partition\"\nbetween = [\"dc1\", \"dc2\"]\nat_s = 20\n",
        // The three voters in dc3, so the cut isolates no voter (before 4.0, a
        // voter cut off from the leader but not from the third voter would
        // depose it again and again: no pre-vote).
        three_sites(20.0, 20.0, 20.0)
            .replacen("controllers = 1", "controllers = 0", 2)
            .replace("controllers = 1", "controllers = 3"),
        topic_123(3),
        producer("dc1", "1", 1.0),
    );
    let share = |v: &str| {
        let o = versioned(v, &body);
        let site = o.sites.iter().find(|s| s.site == "dc1").expect("dc1");
        let acked = site.produce[0].records_acked as f64;
        assert!(acked > 0.0);
        (
            site.consume[0].records_consumed as f64 / acked,
            o.cluster.isr_shrinks,
        )
    };
    let (lax, shrinks_lax) = share("3.6");
    let (strict, shrinks_strict) = share("3.7");
    assert!(
        shrinks_lax >= 6 && shrinks_strict >= 6,
        "every partition drops dc2"
    );
    assert!(lax > 0.9, "3.6: consumers read {lax} of the acks=1 records");
    assert!(
        (0.15..=0.25).contains(&strict),
        "3.7: consumers read {strict} of them, expected ≈ 0.2 (the first 20 s)"
    );
    let latest = share("4.1").0;
    assert!(
        (0.15..=0.25).contains(&latest),
        "4.1 keeps the rule: {latest}"
    );
    eprintln!("strict min ISR: consumed/acked 3.6 {lax}, 3.7 {strict}, 4.1 {latest}");
}

/// Issue 10 §4: Kafka's `RecordAccumulator.drain` puts at most one batch per
/// partition in each produce request, and a producer has at most
/// `max.in.flight.requests.per.connection` requests to a broker. A producer
/// offered far more than that carries to a one-partition topic therefore moves
/// in-flight × `batch.size` per request round trip (closed form:
/// 5 × 16384 B / (50 ms + 0.1 ms processing) = 1.635 MB/s with acks=1), and with
/// acks=all the round trip adds the follower leg (30 ms to dc3 and back, plus
/// the wait for a fetch in flight), so acks=all carries less.
#[test]
fn one_batch_per_partition_bounds_throughput_by_round_trip() {
    let rate = |acks: &str, fidelity: &str| {
        let o = run(&format!(
            r#"
name = "drain"
duration_s = 20
[model]
fidelity = "{fidelity}"

[[site]]
name = "dc1"
brokers = 1
controllers = 1
[[site]]
name = "dc2"
controllers = 1
[[site]]
name = "dc3"
brokers = 1
controllers = 1
[[link]]
between = ["dc1", "dc2"]
rtt_ms = 50
[[link]]
between = ["dc1", "dc3"]
rtt_ms = 30
[[link]]
between = ["dc2", "dc3"]
rtt_ms = 60
[[topic]]
name = "t"
partitions = 1
"replication.factor" = 2
placement.replicas = [{{ count = 1, rack = "dc1" }}, {{ count = 1, rack = "dc3" }}]
{}"#,
            producer("dc2", acks, 20.0)
        ));
        let p = produce(&o, "dc2");
        p.records_acked as f64 * 1024.0 / 20.0 / 1e6
    };
    let bound = 5.0 * 16384.0 / 0.0501 / 1e6;
    let (one, all) = (rate("1", "request"), rate("all", "request"));
    let flow = rate("1", "flow");
    eprintln!(
        "one batch per partition: acks=1 {one} MB/s, acks=all {all} MB/s, flow acks=1 {flow} MB/s, bound {bound}"
    );
    // Flow fidelity caps each partition's bulk share the same way (docs/model.md §16).
    assert!(
        (flow / bound - 1.0).abs() < 0.05,
        "flow fidelity carries {flow} MB/s, closed form {bound} MB/s"
    );
    assert!(
        (one / bound - 1.0).abs() < 0.05,
        "acks=1 carries {one} MB/s, closed form {bound} MB/s"
    );
    // One round trip of 50 ms + the follower leg of 30–60 ms.
    assert!(
        all < one * 50.0 / 80.0 * 1.05 && all > one * 50.0 / 110.0 * 0.95,
        "acks=all carries {all} MB/s against acks=1's {one} MB/s"
    );
}

/// `max.request.size` and `buffer.memory`. Eight partitions on one leader
/// (dc1's broker) 50 ms away, socket buffers autotuned (so the TCP window is no limit), a
/// producer offered 20 MB/s with acks=1. Each request carries one batch per
/// partition within `max.request.size`, five requests in flight: by default the
/// eight batches fit in one request, 5 × 8 × 16384 B per 50.1 ms = 13.08 MB/s;
/// with `max.request.size` = 32768, two batches do, 3.27 MB/s. The rest waits in
/// the accumulator until `buffer.memory` is full, and from then on a tick's
/// records are blocked: a 4 MiB buffer blocks (32 − 4) MiB more of them than
/// the default 32 MiB, 28 672 records of 1 KiB, for the same acknowledged rate.
#[test]
fn max_request_size_and_buffer_memory_bound_a_producer() {
    let outcome = |extra: &str| {
        let o = run(&format!(
            r#"
name = "request-size"
duration_s = 20
[broker]
"socket.receive.buffer.bytes" = -1
{}[[topic]]
name = "t"
partitions = 8
"replication.factor" = 1
placement.replicas = [{{ count = 1, rack = "dc1" }}]
{}"send.buffer.bytes" = -1
{extra}"#,
            three_sites(50.0, 30.0, 60.0),
            producer("dc2", "1", 20.0)
        ));
        let p = produce(&o, "dc2");
        (
            p.records_acked as f64 * 1024.0 / 20.0 / 1e6,
            p.records_blocked as f64,
        )
    };
    let rtt = 0.0501;
    let (default_rate, _) = outcome("");
    let (two_rate, two_blocked) = outcome("\"max.request.size\" = 32768\n");
    let (small_rate, small_blocked) =
        outcome("\"max.request.size\" = 32768\n\"buffer.memory\" = 4194304\n");
    eprintln!(
        "max.request.size: default {default_rate} MB/s, 32768 {two_rate} MB/s; blocked {two_blocked} at 32 MiB, {small_blocked} at 4 MiB"
    );
    let bound = |batches: f64| 5.0 * batches * 16384.0 / rtt / 1e6;
    assert!(
        (default_rate / bound(8.0) - 1.0).abs() < 0.05,
        "default max.request.size: {default_rate} MB/s, closed form {}",
        bound(8.0)
    );
    assert!(
        (two_rate / bound(2.0) - 1.0).abs() < 0.05,
        "max.request.size 32768: {two_rate} MB/s, closed form {}",
        bound(2.0)
    );
    assert!(
        (small_rate / two_rate - 1.0).abs() < 0.01,
        "buffer.memory leaves the rate alone: {small_rate} vs {two_rate}"
    );
    let extra = (32.0 - 4.0) * 1024.0 * 1024.0 / 1024.0;
    assert!(
        ((small_blocked - two_blocked) / extra - 1.0).abs() < 0.02,
        "a 4 MiB buffer blocks {} more records, closed form {extra}",
        small_blocked - two_blocked
    );
}

/// A consumer's fetch connection is capped by its window, `receive.buffer.bytes`
/// (Kafka's 64 KiB by default), and each response by `max.partition.fetch.bytes`:
/// a consumer 50 ms from the only leader of a one-partition topic written at
/// 5 MB/s reads at most 65 536 B per 50 ms round trip, 1.31 MB/s, and falls
/// behind; with an autotuned buffer it keeps up; with an autotuned buffer but
/// `max.partition.fetch.bytes` = 65 536 it is held to 1.31 MB/s again.
#[test]
fn a_far_consumer_reads_at_most_its_window_or_its_partition_cap_per_round_trip() {
    let run_with = |extra: &str| {
        let o = run(&format!(
            r#"
name = "consumer-window"
duration_s = 20
{}[[topic]]
name = "t"
partitions = 1
"replication.factor" = 1
placement.replicas = [{{ count = 1, rack = "dc1" }}]
{}[[consumer]]
site = "dc2"
topic = "t"
{extra}"#,
            three_sites(50.0, 30.0, 60.0),
            producer("dc1", "1", 5.0)
        ));
        let acked = produce(&o, "dc1").records_acked as f64;
        let consumed = o
            .sites
            .iter()
            .find(|s| s.site == "dc2")
            .expect("dc2")
            .consume[0]
            .records_consumed as f64;
        (acked, consumed * 1024.0 / 20.0 / 1e6)
    };
    let cap = 65536.0 / 0.050 / 1e6;
    let (_, default) = run_with("");
    let (acked, tuned) = run_with("\"receive.buffer.bytes\" = -1\n");
    let (_, capped) =
        run_with("\"receive.buffer.bytes\" = -1\n\"max.partition.fetch.bytes\" = 65536\n");
    eprintln!(
        "consumer 50 ms away: default {default} MB/s, autotuned {tuned} MB/s, partition cap {capped} MB/s, closed form {cap}"
    );
    assert!(
        default <= cap * 1.02 && default >= cap * 0.9,
        "64 KiB window: {default} MB/s, closed form {cap}"
    );
    assert!(
        tuned * 20.0 * 1e6 / 1024.0 >= 0.98 * acked,
        "an autotuned window keeps up: {tuned} MB/s of {} acknowledged",
        acked * 1024.0 / 20.0 / 1e6
    );
    assert!(
        capped <= cap * 1.02 && capped >= cap * 0.9,
        "max.partition.fetch.bytes 65536: {capped} MB/s, closed form {cap}"
    );
}

/// Issue 10 §8, KIP-966 Eligible Leader Replicas (on by default from 4.1). The
/// leader in dc1 is cut off from both followers at 20 s: the ISR shrinks to the
/// leader alone (below min.insync.replicas 2), and with ELR the two followers
/// stay eligible (`PartitionChangeBuilder.maybePopulateTargetElr`: the HW has
/// not moved since, so they hold every committed record). The leader's broker
/// then crashes at 80 s and is fenced about 9 s later:
/// - 4.1: the ISR becomes empty and the controller elects the first unfenced
///   eligible replica (`electAnyLeader` via `isValidNewLeader`), a clean
///   election; the other follower catches up, the ISR is back at 2 and acks=all
///   writes resume, nothing acknowledged lost;
/// - 4.0: the fenced leader stays the ISR's last member, no clean leader exists
///   and unclean election is off: the partitions stay offline to the end.
#[test]
fn eligible_leader_replicas_allow_a_clean_election_below_min_isr() {
    let body = format!(
        r#"
name = "elr"
duration_s = 150
[[site]]
name = "dc1"
brokers = 1
[[site]]
name = "dc2"
brokers = 1
[[site]]
name = "dc3"
brokers = 1
[[site]]
name = "dc4"
controllers = 3
[[link]]
between = ["dc1", "dc2"]
rtt_ms = 10
[[link]]
between = ["dc1", "dc3"]
rtt_ms = 10
[[link]]
between = ["dc2", "dc3"]
rtt_ms = 10
[[link]]
between = ["dc1", "dc4"]
rtt_ms = 10
[[link]]
between = ["dc2", "dc4"]
rtt_ms = 10
[[link]]
between = ["dc3", "dc4"]
rtt_ms = 10
{}{}[[fault]]
kind = "link-partition"
between = ["dc1", "dc2"]
at_s = 20
[[fault]]
kind = "link-partition"
between = ["dc1", "dc3"]
at_s = 20
[[fault]]
kind = "broker-down"
broker = 1
at_s = 80
"#,
        topic_123(2),
        producer("dc4", "all", 0.5),
    );
    let acked_after =
        |o: &Outcome, from_s: usize| -> u64 { o.timeline.acked_records[from_s..].iter().sum() };
    let elr = versioned("4.1", &body);
    let old = versioned("4.0", &body);
    eprintln!(
        "ELR: 4.1 elr_elections {} acked after 100 s {}; 4.0 elr_elections {} acked after 100 s {}",
        elr.cluster.elr_elections,
        acked_after(&elr, 100),
        old.cluster.elr_elections,
        acked_after(&old, 100)
    );
    assert_eq!(
        elr.cluster.elr_elections, 6,
        "every partition elects from its ELR"
    );
    assert!(acked_after(&elr, 100) > 0, "4.1: writes resume");
    assert!(longest_gap_s(&elr, 100.0) <= 1.0, "4.1: and keep going");
    assert_eq!(elr.durability.lost_acked_records, 0, "a clean election");
    assert_eq!(old.cluster.elr_elections, 0);
    assert_eq!(
        acked_after(&old, 60),
        0,
        "4.0: offline from the shrink to the end"
    );
    assert_eq!(old.durability.lost_acked_records, 0);
}

/// Issue 10 §8, KIP-996 pre-vote (Kafka 4.0). The dc3 voter is cut off from
/// both others for 20 s. It stops hearing from the leader and, after the fetch
/// timeout, stands for election:
/// - before 4.0 it bumps its epoch at every attempt, and when the links heal its
///   vote request of a higher epoch makes the leader resign
///   (`KafkaRaftClient.handleVoteRequest`): an election it can win;
/// - from 4.0 it first asks for pre-votes without bumping its epoch
///   (`ProspectiveState`), which voters that hear from the leader refuse, so on
///   its return it simply follows the leader: no election.
#[test]
fn pre_vote_keeps_a_returning_voter_from_forcing_an_election() {
    let body = format!(
        "name = \"prevote\"\nduration_s = 60\n{}{}{}[[fault]]\nkind = \"link-partition\"\nbetween = [\"dc1\", \"dc3\"]\nat_s = 20\nduration_s = 20\n[[fault]]\nkind = \"link-partition\"\nbetween = [\"dc2\", \"dc3\"]\nat_s = 20\nduration_s = 20\n",
        three_sites(10.0, 10.0, 10.0),
        topic_123(2),
        producer("dc1", "all", 0.5),
    );
    let old = versioned("3.9", &body);
    let new = versioned("4.0", &body);
    eprintln!(
        "pre-vote: controller elections 3.9 {} (no quorum {} s), 4.0 {} (no quorum {} s)",
        old.cluster.controller_elections,
        old.cluster.no_quorum_s,
        new.cluster.controller_elections,
        new.cluster.no_quorum_s
    );
    assert!(
        old.cluster.controller_elections >= 1,
        "3.9: the returning voter forces an election"
    );
    assert!(old.cluster.no_quorum_s > 0.0);
    assert_eq!(new.cluster.controller_elections, 0, "4.0: no election");
    assert_eq!(new.cluster.no_quorum_s, 0.0);
}

// ---------------------------------------------------------------------------
// Issue 12: routing between sites without a direct link (src/sites.rs, net.rs)

/// Three sites in a chain: dc1–dc2 and dc2–dc3 only (dc1 and dc3 hub through
/// dc2), one broker and one voter each, no jitter.
fn chain_sites(rtt12: f64, rtt23: f64, mbps12: f64, mbps23: f64) -> String {
    format!(
        r#"
[[site]]
name = "dc1"
brokers = 1
controllers = 1
[[site]]
name = "dc2"
brokers = 1
controllers = 1
[[site]]
name = "dc3"
brokers = 1
controllers = 1
[[link]]
between = ["dc1", "dc2"]
rtt_ms = {rtt12}
bandwidth_mbps = {mbps12}
[[link]]
between = ["dc2", "dc3"]
rtt_ms = {rtt23}
bandwidth_mbps = {mbps23}
"#
    )
}

/// A dc1 producer's acks=all write with a dc3 follower pays the follower's
/// fetch round trip over the hub: RTT(dc1,dc2) + RTT(dc2,dc3) = 10 + 20 ms
/// (closed form, as behaviour 1 with a direct 30 ms link: 0.2 ms LAN +
/// 30 ms + processing). A dc3 acks=1 producer pays the same 30 ms to its
/// dc1 leader.
#[test]
fn acks_all_over_a_hub_pays_the_sum_of_the_hops_round_trips() {
    let base = format!(
        "name = \"hub\"\nduration_s = 30\n{}{}",
        chain_sites(10.0, 20.0, 10_000.0, 10_000.0),
        topic_123(3)
    );
    let all = run(&format!("{base}{}", producer("dc1", "all", 0.01)));
    let p50 = produce(&all, "dc1").latency.p50_ms;
    eprintln!("hub: dc1 acks=all p50 {p50} ms (closed form 30.2 + processing)");
    assert!(
        (30.0..31.5).contains(&p50),
        "dc1 acks=all p50 {p50} ms, expected 0.2 + 10 + 20 + processing"
    );
    let one = run(&format!("{base}{}", producer("dc3", "1", 0.01)));
    let p50 = produce(&one, "dc3").latency.p50_ms;
    eprintln!("hub: dc3 acks=1 p50 {p50} ms (closed form 30 + processing)");
    assert!(
        (30.0..31.5).contains(&p50),
        "dc3 acks=1 p50 {p50} ms ≈ 10 + 20 ms to the dc1 leader"
    );
}

/// Replication dc1 → dc3 over dc1–dc2 (1 Gbit/s) and dc2–dc3 (80 Mbit/s =
/// 10 MB/s): the flow is capped by the narrower hop (closed form: 10 MB/s ×
/// the run, utilization ≈ 1 on dc2→dc3) and every byte crosses both links
/// (dc1→dc2 carries what dc2→dc3 carries, at 8 % of its capacity). At both
/// fidelities.
fn hub_replication(model: &str) -> (u64, u64, f64, f64) {
    let o = run(&format!(
        r#"name = "hub-bw"
duration_s = 60
{}{model}
[broker]
"replica.socket.receive.buffer.bytes" = -1
[[topic]]
name = "t"
partitions = 8
"replication.factor" = 2
"min.insync.replicas" = 1
placement.replicas = [{{ count = 1, rack = "dc1" }}, {{ count = 1, rack = "dc3" }}]
{}"#,
        chain_sites(10.0, 20.0, 1000.0, 80.0),
        producer("dc1", "1", 20.0)
    ));
    let link = |a: &str, b: &str| {
        o.links
            .iter()
            .find(|l| l.from == a && l.to == b)
            .expect("link")
            .clone()
    };
    let (l12, l23) = (link("dc1", "dc2"), link("dc2", "dc3"));
    (
        l12.bytes,
        l23.bytes,
        l12.utilization_mean,
        l23.utilization_mean,
    )
}

fn assert_hub_replication(model: &str) {
    let (b12, b23, u12, u23) = hub_replication(model);
    eprintln!("hub {model:?}: dc1→dc2 {b12} B ({u12:.3}), dc2→dc3 {b23} B ({u23:.3})");
    // 10 MB/s for 60 s, less the first moments of the run.
    let cap = 10e6 * 60.0;
    assert!(
        b23 as f64 > 0.9 * cap && b23 as f64 <= 1.01 * cap,
        "dc2→dc3 carried {b23} B, its 10 MB/s allow {cap}"
    );
    assert!(
        (b12 as f64 / b23 as f64 - 1.0).abs() < 0.02,
        "every byte crosses both hops: {b12} vs {b23}"
    );
    assert!(u23 > 0.9 && u23 <= 1.01, "narrow hop utilization {u23}");
    assert!(u12 > 0.07 && u12 < 0.09, "wide hop utilization {u12}");
}

#[test]
fn a_hubbed_flow_is_capped_by_the_narrower_link_and_booked_on_both() {
    assert_hub_replication("");
}

#[test]
fn a_hubbed_flow_is_capped_by_the_narrower_link_at_flow_fidelity() {
    assert_hub_replication("[model]\nfidelity = \"flow\"\n");
}

/// Cutting dc2–dc3 in the chain leaves dc3 with no path: its broker cannot
/// reach the quorum (dc1 + dc2, 2 of 3 voters) and is fenced, and acks=all
/// writes with minISR 2 keep going on dc1 + dc2 (the dc3 follower leaves the
/// ISR). `check` says the same for that cut (tests/check.rs).
#[test]
fn a_cut_on_the_only_path_partitions_the_far_site() {
    let o = run(&format!(
        "name = \"hub-cut\"\nduration_s = 90\n{}{}{}{}",
        chain_sites(10.0, 20.0, 10_000.0, 10_000.0),
        topic_123(2),
        producer("dc1", "all", 0.5),
        "[[fault]]\nkind = \"link-partition\"\nbetween = [\"dc2\", \"dc3\"]\nat_s = 10\n"
    ));
    assert_eq!(o.cluster.brokers_fenced, 1, "dc3's broker is fenced");
    assert!(o.cluster.isr_shrinks >= 6, "dc3 leaves every ISR");
    let acked_late: u64 = o.timeline.acked_records[60..].iter().sum();
    assert!(acked_late > 0, "writes continue on dc1 + dc2");
    assert_eq!(o.cluster.no_quorum_s, 0.0);
}

/// Losing the hub dc2 leaves dc1 and dc3 alive but unable to reach each
/// other (no transit through a lost site): 2 of 3 voters survive, yet no
/// site reaches a majority, so the quorum is lost for the outage (Raft needs
/// a leader that reaches a majority). With a direct dc1–dc3 link it is kept.
#[test]
fn losing_the_hub_site_loses_the_quorum_of_the_spokes() {
    let fault = "[[fault]]\nkind = \"site-down\"\nsite = \"dc2\"\nat_s = 10\nduration_s = 20\n";
    let chain = run(&format!(
        "name = \"hub-loss\"\nduration_s = 60\n{}{}{}{fault}",
        chain_sites(10.0, 20.0, 10_000.0, 10_000.0),
        topic_123(1),
        producer("dc1", "all", 0.5),
    ));
    let mesh = run(&format!(
        "name = \"mesh-loss\"\nduration_s = 60\n{}{}{}{fault}",
        three_sites(10.0, 30.0, 20.0),
        topic_123(1),
        producer("dc1", "all", 0.5),
    ));
    eprintln!(
        "hub loss: no quorum {} s (chain), {} s (mesh)",
        chain.cluster.no_quorum_s, mesh.cluster.no_quorum_s
    );
    assert!(
        chain.cluster.no_quorum_s > 10.0,
        "chain: {} s without quorum",
        chain.cluster.no_quorum_s
    );
    assert_eq!(mesh.cluster.no_quorum_s, 0.0);
}

/// Routes are recomputed when a hop is cut: dc1 and dc3 have no link of their
/// own and hub through dc2 (10 + 10 ms) or, slower, through dc4 (30 + 30 ms).
/// A dc1 producer writing acks=1 to its dc3 leader pays ≈ 20 ms (closed form:
/// the shorter route's RTT); while dc2–dc3 is cut its traffic goes round by
/// dc4 and pays ≈ 60 ms, and no request is lost on the way (a partition
/// would time them out at request.timeout.ms).
#[test]
fn a_cut_hop_reroutes_a_hubbed_pair_over_the_next_shortest_path() {
    let o = run(r#"
name = "reroute"
duration_s = 60
[[site]]
name = "dc1"
brokers = 1
controllers = 1
[[site]]
name = "dc2"
brokers = 1
controllers = 1
[[site]]
name = "dc3"
brokers = 1
controllers = 1
[[site]]
name = "dc4"
[[link]]
between = ["dc1", "dc2"]
rtt_ms = 10
[[link]]
between = ["dc2", "dc3"]
rtt_ms = 10
[[link]]
between = ["dc1", "dc4"]
rtt_ms = 30
[[link]]
between = ["dc4", "dc3"]
rtt_ms = 30
[[topic]]
name = "t"
partitions = 3
"replication.factor" = 1
"min.insync.replicas" = 1
placement.replicas = [{ count = 1, rack = "dc3" }]
[[producer]]
site = "dc1"
topic = "t"
rate_mb_s = 0.01
acks = "1"
[[fault]]
kind = "link-partition"
between = ["dc2", "dc3"]
at_s = 20
duration_s = 20
"#);
    let steady = produce(&o, "dc1").latency_steady.p50_ms;
    // The fault's window runs from its start to 60 s after its end: half of
    // it cut (60 ms), half restored (20 ms).
    let w = &o.faults[0].produce_latency;
    eprintln!(
        "reroute: p50 {steady} ms via dc2 before the cut; in the window p50 {} ms, p99 {} ms, max {} ms",
        w.p50_ms, w.p99_ms, w.max_ms
    );
    assert!(
        (20.0..21.5).contains(&steady),
        "via dc2: {steady} ms ≈ 10 + 10"
    );
    assert!((60.0..61.5).contains(&w.p99_ms), "via dc4: {w:?} ≈ 30 + 30");
    assert!(w.max_ms < 62.0, "no timeouts, no retries: {w:?}");
    assert_eq!(
        produce(&o, "dc1").records_timed_out,
        0,
        "nothing lost on the way"
    );
}

/// A stretched design loses the site of its only consumer. The consumer's
/// position died with its process; its group's committed offset did not
/// (`__consumer_offsets` is replicated across the sites). Restarted in
/// another site, it resumes at its last auto-commit
/// (`auto.commit.interval.ms`, 5 s, on its own clock) and reads again what it
/// had read since. At a steady consume rate r the re-reads over the commit's
/// phases are 0 at best, r × 5 s at worst and r × 2.5 s on average; this
/// run's drawn phase lies within, and the consumer does read them again. With
/// `auto.commit.interval.ms` = 1000, r × 1 s at worst and r × 0.5 s on average.
#[test]
fn a_stretched_site_loss_rereads_what_its_consumer_read_since_its_last_commit() {
    let text = format!(
        "name = \"rereads\"\nduration_s = 90\n{}{}{}[[consumer]]\nsite = \"dc1\"\ntopic = \"t\"\n[[fault]]\nkind = \"site-down\"\nsite = \"dc1\"\nat_s = 40\n[failover]\ndetection_s = 5\ndecision_s = 5\nclient_restart_s = 5\n[[design]]\nname = \"stretched\"\nkind = \"stretched\"\n",
        three_sites(2.0, 2.0, 2.0),
        topic_123(2),
        producer("dc2", "all", 1.0)
    );
    let sc = ktopo::scenario::parse_str(&text, "test.toml").expect("valid");
    let o = ktopo::kafka::simulate_design(&sc, 0).expect("run");
    let rec = o.faults[0].recovery.as_ref().expect("design run");
    // 1 MB/s in 1 KiB records.
    let r = 1e6 / 1024.0;
    let phases = rec
        .duplicates_over_phases
        .expect("over the commit's phases");
    assert!(phases.min as f64 <= 0.02 * r, "min {}", phases.min);
    assert!(
        (phases.max as f64 - 5.0 * r).abs() <= 0.05 * 5.0 * r,
        "max {} vs {}",
        phases.max,
        5.0 * r
    );
    assert!(
        (phases.mean as f64 - 2.5 * r).abs() <= 0.1 * 2.5 * r,
        "mean {} vs {}",
        phases.mean,
        2.5 * r
    );
    assert!(
        rec.duplicates >= phases.min && rec.duplicates <= phases.max && rec.duplicates > 0,
        "this run's phase: {} re-reads",
        rec.duplicates
    );
    assert_eq!(rec.duplicates_from_interval, rec.duplicates);
    assert_eq!(rec.duplicates_measured, Some(rec.duplicates));
    assert_eq!(rec.consumers_failed_over, 1);
    assert_eq!(rec.records_never_read, 0);
    // It read everything acknowledged, and the re-reads on top.
    let acked = produce(&o, "dc2").records_acked;
    let consumed = o
        .sites
        .iter()
        .find(|s| s.site == "dc1")
        .expect("dc1")
        .consume[0]
        .records_consumed;
    assert!(
        consumed >= acked + rec.duplicates - (0.02 * r) as u64
            && consumed <= acked + rec.duplicates,
        "consumed {consumed}, acknowledged {acked}, re-read {}",
        rec.duplicates
    );

    // The site returns (after 8 s) before the failover (15 s): the consumer
    // restarts there, at the same commit.
    let back = text.replace("at_s = 40\n", "at_s = 40\nduration_s = 8\n");
    let sc = ktopo::scenario::parse_str(&back, "test.toml").expect("valid");
    let o = ktopo::kafka::simulate_design(&sc, 0).expect("run");
    let again = o.faults[0].recovery.as_ref().expect("design run");
    assert_eq!(again.duplicates, rec.duplicates, "same clock, same commit");
    assert_eq!(again.duplicates_measured, Some(rec.duplicates));
    assert_eq!(again.consumers_failed_over, 0);

    // Staying down with the site (which does not return in the run): nothing
    // fails over; the same re-reads wait for the site's return.
    let stay = text.replace(
        "client_restart_s = 5\n",
        "client_restart_s = 5\nclients = \"stay-down\"\n",
    );
    let sc = ktopo::scenario::parse_str(&stay, "test.toml").expect("valid");
    let o = ktopo::kafka::simulate_design(&sc, 0).expect("run");
    let down = o.faults[0].recovery.as_ref().expect("design run");
    assert_eq!(down.duplicates, rec.duplicates);
    assert_eq!(down.duplicates_measured, None);
    assert_eq!(down.consumers_failed_over, 0);

    // A group that commits every second re-reads a fifth as much: r × 1 s at
    // worst, r × 0.5 s on average.
    let often = text.replace(
        "[[consumer]]\nsite = \"dc1\"\ntopic = \"t\"\n",
        "[[consumer]]\nsite = \"dc1\"\ntopic = \"t\"\n\"auto.commit.interval.ms\" = 1000\n",
    );
    assert_ne!(often, text);
    let sc = ktopo::scenario::parse_str(&often, "test.toml").expect("valid");
    let o = ktopo::kafka::simulate_design(&sc, 0).expect("run");
    let rec = o.faults[0].recovery.as_ref().expect("design run");
    let phases = rec
        .duplicates_over_phases
        .expect("over the commit's phases");
    assert!(phases.min as f64 <= 0.02 * r, "min {}", phases.min);
    assert!(
        (phases.max as f64 - r).abs() <= 0.05 * r,
        "max {} vs {}",
        phases.max,
        r
    );
    assert!(
        (phases.mean as f64 - 0.5 * r).abs() <= 0.1 * 0.5 * r,
        "mean {} vs {}",
        phases.mean,
        0.5 * r
    );
    assert!(
        rec.duplicates >= phases.min && rec.duplicates <= phases.max,
        "this run's phase: {} re-reads",
        rec.duplicates
    );
}

/// A consumer catching up over a link does not slow the followers' fetches on
/// it: each TCP connection is held back by its own window, not by another's.
/// Three sites 2–4 ms apart (10 Gbit/s), three brokers and a voter each, the
/// leaders in dc1; dc1–dc2 is cut for 180 s. During the cut the dc2 brokers
/// are fenced (dc1's voter leads) and writes go on with dc1 and dc3. After
/// it the dc2 followers catch up at the link's rate in a second or two and
/// rejoin the ISR, while the dc2 consumer, whose 32 KiB window carries
/// 16 MB/s per leader over 2 ms against 20 MB/s written in all, works through
/// its 3.4 GB backlog for about two minutes. Writes go on throughout that
/// catch-up, at both fidelities: nothing unavailable once the followers are
/// back, and the steady produce p99 (before the cut, and from 60 s after it,
/// the consumer still catching up) within a few ms of the 4.7 ms the same
/// cluster shows without the consumer. (At request fidelity a window-held
/// response still takes the link's transmitter for its whole serialisation,
/// docs/model.md §2, which adds up to 3.4 ms here for a 4 MiB response.)
/// Until the link ordered every connection's messages behind the window-held
/// ones, flow fidelity stalled writes for 34 s after the cut, its steady
/// produce p99 2 s.
#[test]
fn a_consumer_catching_up_over_a_link_does_not_slow_acks_all_on_it() {
    let text = |fidelity: &str| {
        let mut sites = String::new();
        for dc in ["dc1", "dc2", "dc3"] {
            sites += &format!("[[site]]\nname = \"{dc}\"\nbrokers = 3\ncontrollers = 1\n");
        }
        format!(
            r#"
name = "catch-up"
duration_s = 400
[broker]
"replica.socket.receive.buffer.bytes" = -1
"replica.lag.time.max.ms" = 10000
[model]
fidelity = "{fidelity}"
{sites}
[[link]]
between = ["dc1", "dc2"]
rtt_ms = 2
bandwidth_mbps = 10000
[[link]]
between = ["dc1", "dc3"]
rtt_ms = 4
bandwidth_mbps = 10000
[[link]]
between = ["dc2", "dc3"]
rtt_ms = 3
bandwidth_mbps = 10000
{}{}
[[consumer]]
site = "dc2"
topic = "t"
"receive.buffer.bytes" = 32768
[[fault]]
kind = "link-partition"
between = ["dc1", "dc2"]
at_s = 20
duration_s = 180
"#,
            topic_123(2).replace("partitions = 6", "partitions = 12"),
            producer("dc1", "all", 20.0)
        )
    };
    for fidelity in ["request", "flow"] {
        let o = run(&text(fidelity));
        let iv = o.timeline.interval_s;
        // Nothing unavailable from 5 s after the cut on (the followers'
        // catch-up and their AlterPartition take a second or two).
        let after = (205.0 / iv) as usize;
        let late: Vec<(f64, u32)> = o.timeline.unavailable_partitions[after..]
            .iter()
            .enumerate()
            .filter(|(_, u)| **u > 0)
            .map(|(k, &u)| ((after + k) as f64 * iv, u))
            .collect();
        assert!(
            late.is_empty(),
            "{fidelity}: partitions unavailable after the cut (s, count): {late:?}"
        );
        let p = produce(&o, "dc1");
        assert!(
            p.latency_steady.p99_ms < 10.0,
            "{fidelity}: steady produce p99 {} ms",
            p.latency_steady.p99_ms
        );
        // The consumer was still catching up when the steady window began.
        let c = &o
            .sites
            .iter()
            .find(|s| s.site == "dc2")
            .expect("dc2")
            .consume[0];
        assert!(
            c.end_to_end_steady.p99_ms > 10_000.0,
            "{fidelity}: consumer end-to-end p99 {} ms in steady state",
            c.end_to_end_steady.p99_ms
        );
    }
}
