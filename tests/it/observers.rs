//! Confluent observers (Multi-Region Clusters): asynchronous replicas outside the
//! ISR, and automatic observer promotion (`observerPromotionPolicy`). Each test
//! states the closed form its expectation comes from.

use ktopo::metrics::Outcome;

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

/// Seconds after `from_s` until the first timeline interval with acknowledged
/// records, or None when none comes.
fn resumed_after(o: &Outcome, from_s: f64) -> Option<f64> {
    let iv = o.timeline.interval_s;
    let start = (from_s / iv).ceil() as usize;
    // Skip the intervals still acknowledging what was in flight at the loss.
    let quiet = o.timeline.acked_records[start..]
        .iter()
        .position(|&a| a == 0)?;
    o.timeline.acked_records[start + quiet..]
        .iter()
        .position(|&a| a > 0)
        .map(|k| (quiet + k) as f64 * iv)
}

/// dc1 and dc2 2 ms apart hold the synchronous replicas (RF 2, min ISR 2), dc3
/// 40 ms away an observer; one broker and one voter per site.
fn near_pair_far_observer(policy: &str) -> String {
    format!(
        r#"name = "obs-promote"
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
[[link]]
between = ["dc1", "dc2"]
rtt_ms = 2
[[link]]
between = ["dc1", "dc3"]
rtt_ms = 40
[[link]]
between = ["dc2", "dc3"]
rtt_ms = 40
[[topic]]
name = "t"
partitions = 4
"replication.factor" = 2
"min.insync.replicas" = 2
placement.replicas = [{{ count = 1, rack = "dc1" }}, {{ count = 1, rack = "dc2" }}]
placement.observers = [{{ count = 1, rack = "dc3" }}]
{policy}
[[producer]]
site = "dc1"
topic = "t"
rate_mb_s = 1
acks = "all"
[[fault]]
kind = "site-down"
site = "dc2"
at_s = 10
"#
    )
}

/// Losing the follower site leaves the ISR at 1 < min.insync.replicas 2. With
/// `under-min-isr` the leader promotes the caught-up observer (its log end ≥ the
/// HW, which is frozen under min ISR), so acks=all writes resume after the
/// fencing (broker.session.timeout.ms 9 s, counted from the last heartbeat, 7–9 s
/// after the loss) plus an AlterPartition round: closed form 7–9 s + < 1 s, and
/// nothing acknowledged is lost (the leader holds every acknowledged record).
/// Without a policy the ISR stays below the minimum: writes stop to the end.
/// While the observer is in the ISR, acks=all waits for it: the 40 ms RTT.
#[test]
fn under_min_isr_promotion_resumes_writes_after_a_follower_site_loss() {
    let with = run(&near_pair_far_observer(
        "placement.observerPromotionPolicy = \"under-min-isr\"",
    ));
    let without = run(&near_pair_far_observer(""));
    let back = resumed_after(&with, 10.0).expect("writes resume with promotion");
    assert!(
        (6.0..=11.0).contains(&back),
        "writes resume {back} s after the loss (fencing 7–9 s + promotion)"
    );
    assert!(with.cluster.observer_promotions >= 4, "{:?}", with.cluster);
    assert_eq!(with.durability.lost_acked_records, 0);
    assert!(
        resumed_after(&without, 10.0).is_none(),
        "without promotion the ISR stays below min.insync.replicas"
    );
    assert_eq!(without.cluster.observer_promotions, 0);
    // Unavailable partition-seconds: 4 partitions × (7–9 s + the promotion round
    // + 1 s buckets) with promotion, 4 × ~50 s without.
    let (u1, u0) = (
        with.cluster.unavailable_partition_s,
        without.cluster.unavailable_partition_s,
    );
    assert!(u1 <= 4.0 * 12.0, "with promotion {u1}");
    assert!(u0 >= 4.0 * 48.0, "without {u0}");
    // After the promotion acks=all waits for the dc3 observer: the fault
    // window's p99 includes its 40 ms round trip; before, it did not.
    let before = &with.sites[0].produce[0].latency_steady;
    assert!(before.p99_ms < 20.0, "steady p99 {} ms", before.p99_ms);
    let during = &with.faults[0].produce_latency;
    assert!(during.p50_ms >= 40.0, "promoted observer's RTT: {during:?}");
}

/// Every synchronous replica in dc1 (2 brokers), two observers in dc2 50 ms
/// away, min ISR 2, a voter in each of three sites. Losing dc1 leaves no
/// in-sync replica. With `under-min-isr` the controller, on fencing the last
/// replica, elects an observer (Confluent's tutorial: the observer became leader
/// after the west region stopped), which promotes the other: writes from dc2
/// resume. Records acknowledged by dc1 but not yet fetched by the observer are
/// lost: an observer holds everything appended up to the last response sent to
/// it, and responses leave one fetch round trip apart, so at the loss it lacks
/// between ½ and 1½ RTT of appends, and rate × RTT on average over the loss's
/// phase (eight seeds, the loss moved by ⅛ RTT each time, since the observer's
/// fetches are clocked by the round trip from the start: each loss within
/// ±½ RTT, give or take one `linger.ms` of batches, and their mean within 15 %
/// of rate × RTT). The fetch window is autotuned, so that a response never
/// waits for it (64 KiB over 50 ms would carry 1.31 MB/s, barely above each
/// fetch session's 1.25 MB/s, and stretch the cycle past one round trip).
/// Without a policy the partitions stay leaderless: nothing resumes, nothing is
/// lost.
#[test]
fn promotion_after_losing_every_replica_costs_the_observers_lag() {
    let case = |policy: &str, seed: u64| {
        let at_s = 10.0 + (seed - 1) as f64 * 0.050 / 8.0;
        run(&format!(
            r#"name = "obs-rpo"
seed = {seed}
duration_s = 40
[broker]
"replica.socket.receive.buffer.bytes" = -1
[[site]]
name = "dc1"
brokers = 2
controllers = 1
[[site]]
name = "dc2"
brokers = 2
controllers = 1
[[site]]
name = "dc3"
controllers = 1
[[link]]
between = ["dc1", "dc2"]
rtt_ms = 50
[[link]]
between = ["dc1", "dc3"]
rtt_ms = 10
[[link]]
between = ["dc2", "dc3"]
rtt_ms = 10
[[topic]]
name = "t"
partitions = 4
"replication.factor" = 2
"min.insync.replicas" = 2
placement.replicas = [{{ count = 2, rack = "dc1" }}]
placement.observers = [{{ count = 2, rack = "dc2" }}]
{policy}
[[producer]]
site = "dc1"
topic = "t"
rate_mb_s = 2
acks = "all"
[[producer]]
site = "dc2"
topic = "t"
rate_mb_s = 0.5
acks = "all"
[[fault]]
kind = "site-down"
site = "dc1"
at_s = {at_s}
"#
        ))
    };
    let policy = "placement.observerPromotionPolicy = \"under-min-isr\"";
    let runs: Vec<Outcome> = (1..=8).map(|seed| case(policy, seed)).collect();
    let with = &runs[0];
    let without = case("", 1);
    // 2.5 MB/s of 1 KiB records appended at the dc1 leaders, in batches
    // sent every linger.ms (5 ms).
    let rate = 2.5 * 1_000_000.0 / 1024.0;
    let (rtt, linger) = (0.050, 0.005);
    let losses: Vec<f64> = runs
        .iter()
        .map(|o| o.durability.lost_acked_records as f64)
        .collect();
    for lost in &losses {
        assert!(
            (rate * (0.5 * rtt - linger)..=rate * (1.5 * rtt + linger)).contains(lost),
            "lost {lost} records vs rate × RTT = {:.0}: {losses:?}",
            rate * rtt
        );
    }
    let mean = losses.iter().sum::<f64>() / losses.len() as f64;
    assert!(
        (mean / (rate * rtt) - 1.0).abs() <= 0.15,
        "mean loss {mean:.0} records vs rate × RTT = {:.0}: {losses:?}",
        rate * rtt
    );
    // The oldest lost record: up to 1½ RTT of the observer's lag, plus the
    // dc2 producer's one-way trip and linger before it reached the leader.
    assert!(
        with.durability.lost_acked_age_s_max <= 2.0 * rtt + 0.02,
        "age {}",
        with.durability.lost_acked_age_s_max
    );
    assert!(with.cluster.observer_promotions >= 4);
    // The active controller (dc1's voter, the first) goes with dc1: a
    // successor is elected after controller.quorum.fetch.timeout.ms (2 s) and
    // up to 1 s of election backoff, gives every broker a fresh session and
    // fences dc1's brokers broker.session.timeout.ms (9 s) later; the
    // promotions follow at once and the producer's retries come within
    // retry.backoff.max.ms (1 s): 11 to 13 s, in whole 1 s intervals.
    assert_eq!(with.cluster.controller_elections, 1);
    for (seed, o) in (1..).zip(&runs) {
        let back = resumed_after(o, 10.0).expect("dc2 writes resume");
        assert!(
            (11.0..=13.0).contains(&back),
            "seed {seed}: resumed {back} s after the loss"
        );
    }
    assert_eq!(without.durability.lost_acked_records, 0);
    assert!(resumed_after(&without, 10.0).is_none());
}

/// The observer's fetches cross the WAN like a follower's: with one observer in
/// dc3, the dc1→dc3 link carries about what is produced (1 MB/s × 60 s), and
/// nothing when the observer is left out (the closed form: produced bytes per
/// replica off the leader's site).
#[test]
fn observer_fetches_cross_the_wan() {
    let steady = near_pair_far_observer("").replace(
        "[[fault]]\nkind = \"site-down\"\nsite = \"dc2\"\nat_s = 10\n",
        "",
    );
    let with = run(&steady);
    let without = run(&steady.replace(
        "placement.observers = [{ count = 1, rack = \"dc3\" }]\n",
        "",
    ));
    let to3 = |o: &Outcome| {
        o.links
            .iter()
            .find(|l| l.from == "dc1" && l.to == "dc3")
            .expect("link")
            .bytes as f64
    };
    let produced = 1.0e6 * 60.0;
    assert!(
        (0.9 * produced..=1.2 * produced).contains(&to3(&with)),
        "observer traffic {} vs {produced}",
        to3(&with)
    );
    assert!(to3(&without) < 0.01 * produced, "{}", to3(&without));
}

/// `ktopo export` writes the policy into the topic's
/// `confluent.placement.constraints` (the `--replica-placement` file), version 2
/// as Confluent requires for automatic observer promotion.
#[test]
fn export_writes_the_promotion_policy_in_a_version_2_placement() {
    let sc = ktopo::scenario::parse_str(
        &near_pair_far_observer("placement.observerPromotionPolicy = \"under-replicated\""),
        "test.toml",
    )
    .expect("valid");
    let pl = sc.topic[0].placement.as_ref().expect("placement");
    let v: serde_json::Value =
        serde_json::from_str(&ktopo::export::placement_json(pl)).expect("json");
    assert_eq!(v["version"], 2);
    assert_eq!(v["observerPromotionPolicy"], "under-replicated");
    assert_eq!(v["observers"][0]["constraints"]["rack"], "dc3");
}

/// A policy with nothing to promote is refused, located at its key.
#[test]
fn a_promotion_policy_without_observers_is_an_error() {
    let toml = near_pair_far_observer("placement.observerPromotionPolicy = \"under-min-isr\"")
        .replace(
            "placement.observers = [{ count = 1, rack = \"dc3\" }]\n",
            "",
        );
    let errs = ktopo::scenario::parse_str(&toml, "test.toml").expect_err("invalid");
    let all = errs
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(all.contains("observerPromotionPolicy"), "{all}");
    assert!(all.contains("nothing to promote"), "{all}");
}

/// `check` counts only synchronous replicas against min ISR, and says when the
/// promotion policy rescues writes: losing dc2 leaves 1 replica < min ISR 2,
/// which an error reports without a policy; with `under-min-isr` the surviving
/// dc3 observer is promoted instead (info, nothing lost).
#[test]
fn check_says_when_promotion_rescues_a_site_loss() {
    let findings = |policy: &str| {
        let sc =
            ktopo::scenario::parse_str(&near_pair_far_observer(policy), "t.toml").expect("valid");
        let topo = ktopo::topology::Topology::build(&sc);
        ktopo::check::check(&sc, &topo)
    };
    let has = |fs: &[ktopo::check::Finding], code: &str, subject: &str| {
        fs.iter().any(|f| f.code == code && f.subject == subject)
    };
    let without = findings("");
    assert!(has(&without, "site-loss-min-isr", "site dc2, topic t"));
    assert!(!has(
        &without,
        "site-loss-observer-promotion",
        "site dc2, topic t"
    ));
    let with = findings("placement.observerPromotionPolicy = \"under-min-isr\"");
    assert!(!has(&with, "site-loss-min-isr", "site dc2, topic t"));
    let f = with
        .iter()
        .find(|f| f.code == "site-loss-observer-promotion" && f.subject == "site dc2, topic t")
        .expect("promotion finding");
    assert_eq!(f.level, ktopo::check::Level::Info);
}

/// `ktopo plan` on a metro pair (2 ms) with a far data site (60 ms) generates a
/// stretch of the pair with one observer per partition in the far site,
/// promoted `under-min-isr`, min ISR 3 of 2 + 2 replicas: losing either metro
/// site leaves 2 replicas + the promoted observer, nothing acknowledged lost (the
/// surviving leader holds every acknowledged record, docs/model.md §7a), so its
/// worst RPO over the standard fault set is 0. `plan.json` lists its observers.
#[test]
fn plan_generates_a_stretch_with_far_observers() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("scenarios/plan/metro-and-far.toml");
    let (text, sc) = ktopo::scenario::load_for_plan(&path).expect("valid scenario");
    let p = ktopo::plan::plan(&text, &sc, 1, &mut |_, _| {}).expect("plan runs");
    let c = p
        .candidates
        .iter()
        .find(|c| c.name.starts_with("stretched-2+obs dc1+dc2 observers far"))
        .expect("observer candidate generated");
    assert_eq!((c.replication_factor, c.min_insync_replicas), (4, 3));
    assert_eq!(c.observers.get("far"), Some(&1));
    assert!(
        c.scenario
            .contains("observerPromotionPolicy = \"under-min-isr\""),
        "{}",
        c.scenario
    );
    assert_ne!(c.status, "pruned", "{:?}", c.why);
    let rpo = c
        .objectives
        .iter()
        .find(|o| o.objective == "rpo_s")
        .expect("rpo objective");
    assert_eq!(rpo.actual, Some(0.0), "{rpo:?}");
    let json = serde_json::to_value(c).expect("json");
    assert_eq!(json["observers"]["far"], 1);
}
