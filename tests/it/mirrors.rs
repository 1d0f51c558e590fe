//! The offset-preserving mirrors (Cluster Linking, KIP-1279 Cluster Mirroring,
//! Redpanda Shadowing) and the Flink copier, at scenario level. Expectations
//! come from the tools' documented mechanisms; closed forms only CHECK what the
//! simulation produced.

use crate::async_designs::{dc1_loss, recovery, run, two_sites};
use ktopo::metrics::Outcome;

/// dc1 produces and consumes 4 MB/s; the link is degraded to 1 MB/s from 100 s
/// to 150 s (a backlog of about 50 s × 3 MB/s builds), then dc1 is lost at
/// 150 s for 150 s; clients fail over at 220 s (10 + 20 + 10 + DNS 30); the
/// run ends at 400 s.
fn failback_run(tool: &str) -> Outcome {
    let text = two_sites(
        "rtt_ms = 40\nbandwidth_mbps = 1000",
        r#"duration_s = 400
[failover]
detection_s = 10
decision_s = 20
dns_ttl_s = 30
client_restart_s = 10
[[topic]]
name = "orders"
partitions = 6
[[producer]]
site = "dc1"
topic = "orders"
rate_mb_s = 4
[[consumer]]
site = "dc1"
topic = "orders"
[[fault]]
kind = "link-degrade"
between = ["dc1", "dc2"]
at_s = 100
duration_s = 50
bandwidth_mbps = 8
[[fault]]
kind = "site-down"
site = "dc1"
at_s = 150
duration_s = 150
"#,
        &format!("tool = \"{tool}\"\n\"consumer.receive.buffer.bytes\" = -1"),
    );
    run(&text)
}

/// Failover promotes the mirror; when dc1 returns its partitions are truncated
/// where the copy diverged and mirror dc2 back, at the same offsets. The
/// records truncated are those acknowledged at dc1 and never copied: the RPO
/// at the loss (the backlog) less what was already on the wire then and
/// landed (at most one fetch response per session, 9 sessions of ≤ 2 MiB ≈
/// 18 k records, against a backlog of ≈ 146 k), and they are counted lost. Cluster Linking and KIP-1279 mirror back only what dc2 wrote
/// since the failover (truncate to the LMO, mirror the delta); Redpanda's
/// failover is irreversible, so its shadow link back copies the topic from the
/// start: what had been copied forward as well. The truncated records are
/// as old as the RPO says (their age when dc1 stopped).
#[test]
fn fail_back_truncates_the_old_source_and_mirrors_back() {
    for tool in ["cluster-linking", "cluster-mirroring", "redpanda-shadowing"] {
        let o = failback_run(tool);
        let rec = recovery(&o, 1);
        let lost = o.faults[1].lost_acked_records;
        assert!(rec.rpo_records > 100_000, "{tool}: {rec:?}");
        assert!(
            lost <= rec.rpo_records && lost as f64 >= rec.rpo_records as f64 - 18_500.0,
            "{tool}: truncated {lost} at fail-back vs {} exposed at the loss",
            rec.rpo_records
        );
        assert_eq!(o.durability.lost_acked_records, lost, "{tool}");
        // Their age is taken when dc1 stopped, as the RPO's: not at the
        // fail-back (150 s later, when dc1 was back).
        let age = o.durability.lost_acked_age_s_max;
        eprintln!(
            "{tool}: truncated records up to {age} s old, RPO {} s",
            rec.rpo_s
        );
        assert!(
            age <= rec.rpo_s + 0.5 && age >= 0.5 * rec.rpo_s,
            "{tool}: truncated records up to {age} s old at the loss, RPO {} s",
            rec.rpo_s
        );
        // Offsets preserved: the group resumes at its own committed offset.
        assert_eq!(rec.duplicates_from_translation, 0, "{tool}");
        let rep = o.replication.as_ref().unwrap();
        assert_eq!(rep.flows.len(), 2, "{tool}: a flow back after the return");
        let (fwd, back) = (&rep.flows[0], &rep.flows[1]);
        assert_eq!(
            (back.from_cluster.as_str(), back.to_cluster.as_str()),
            ("dc2", "dc1")
        );
        // Written at dc2 after the failover (220 s), all copied back by the end.
        let written: u64 = o.timeline.acked_records[220..].iter().sum();
        let expected = if tool == "redpanda-shadowing" {
            written + fwd.records_copied
        } else {
            written
        };
        let ratio = back.records_copied as f64 / expected as f64;
        assert!(
            (0.98..=1.0001).contains(&ratio),
            "{tool}: copied back {} of {expected}",
            back.records_copied
        );
    }
}

/// A site that returns before its clients failed over was never promoted:
/// the mirror resumes, nothing is truncated or lost.
#[test]
fn a_short_outage_resumes_the_mirror_without_truncation() {
    let text = failback_text_with_outage(30.0);
    let o = run(&text);
    assert_eq!(o.faults[0].lost_acked_records, 0);
    let rep = o.replication.as_ref().unwrap();
    assert_eq!(rep.flows.len(), 1);
    let produced: u64 = o.timeline.acked_records.iter().sum();
    assert!(rep.records_copied as f64 > 0.98 * produced as f64);
}

fn failback_text_with_outage(duration_s: f64) -> String {
    dc1_loss(
        200,
        100,
        Some(duration_s),
        "tool = \"cluster-mirroring\"\n\"consumer.receive.buffer.bytes\" = -1",
    )
}

fn lag_run(tool: &str) -> Outcome {
    let text = two_sites(
        "rtt_ms = 40\nbandwidth_mbps = 1000",
        r#"duration_s = 60
[[topic]]
name = "orders"
partitions = 6
[[producer]]
site = "dc1"
topic = "orders"
rate_mb_s = 1
"#,
        &format!("tool = \"{tool}\"\n\"consumer.receive.buffer.bytes\" = -1"),
    );
    run(&text)
}

/// Redpanda's shadow link client fetches with `fetch_min_bytes` 5 MiB and
/// `fetch_wait_max` 500 ms: at 1 MB/s a fetch never fills, so each waits the
/// full 500 ms and a record waits on average half a fetch cycle (500 ms + RTT)
/// more than with Kafka's `fetch.min.bytes` 1 (Cluster Linking, KIP-1279):
/// p50 lag + (500 + 40) / 2 = 270 ms.
#[test]
fn redpanda_shadowing_waits_for_its_fetch_min_bytes() {
    let cl = lag_run("cluster-linking");
    let km = lag_run("cluster-mirroring");
    let rp = lag_run("redpanda-shadowing");
    let p50 = |o: &Outcome| o.replication.as_ref().unwrap().lag.p50_ms;
    assert!(
        (p50(&cl) - p50(&km)).abs() < 5.0,
        "{} vs {}",
        p50(&cl),
        p50(&km)
    );
    let extra = p50(&rp) - p50(&cl);
    assert!((220.0..=320.0).contains(&extra), "extra p50 lag {extra} ms");
    let max = |o: &Outcome| o.replication.as_ref().unwrap().lag.max_ms;
    assert!(
        max(&rp) <= max(&cl) + 540.0 + 20.0,
        "max {} vs {}",
        max(&rp),
        max(&cl)
    );
}

fn flink_run(design: &str, fault: &str) -> Outcome {
    let text = two_sites(
        "rtt_ms = 40\nbandwidth_mbps = 1000",
        &format!(
            r#"duration_s = 120
[[topic]]
name = "orders"
partitions = 6
[[producer]]
site = "dc1"
topic = "orders"
rate_mb_s = 1
{fault}"#
        ),
        &format!(
            "tool = \"flink\"\nparallelism = 2\n\"consumer.receive.buffer.bytes\" = -1\n{design}"
        ),
    );
    run(&text)
}

/// Flink exactly-once: the sink's transaction commits when the checkpoint
/// completes, so a read_committed consumer sees a record at the first
/// checkpoint after it: uniform over one interval, the median lag grows by
/// half of `execution.checkpointing.interval` (10 s: 5 s, plus up to the
/// copier's 100 ms tick). At-least-once has no such delay.
#[test]
fn flink_exactly_once_lag_adds_half_a_checkpoint_interval() {
    let eos = flink_run("", "");
    let alo = flink_run("\"delivery.guarantee\" = \"at-least-once\"", "");
    let p50 = |o: &Outcome| o.replication.as_ref().unwrap().lag.p50_ms;
    assert!(p50(&alo) < 200.0, "at-least-once p50 {}", p50(&alo));
    let extra = p50(&eos) - p50(&alo);
    assert!(
        (4700.0..=5400.0).contains(&extra),
        "exactly-once adds {extra} ms"
    );
    let rep = eos.replication.as_ref().unwrap();
    assert!(
        (11..=12).contains(&rep.checkpoints),
        "{} checkpoints",
        rep.checkpoints
    );
    assert_eq!(rep.flows[0].tasks, 2);
    assert_eq!(rep.records_recopied, 0);
}

/// The job's site (the target, where it runs) goes down at 55 s for 20 s: it
/// restarts from its last completed checkpoint and copies again what came
/// after it, at most one interval (10 s) of the 1 MB/s (≈ 977 records/s) plus
/// what was fetched while the checkpoint was being taken. Exactly-once: the
/// open transaction was aborted (never visible); at-least-once: duplicates.
#[test]
fn flink_restart_recopies_since_the_last_checkpoint() {
    let fault = "[[fault]]\nkind = \"site-down\"\nsite = \"dc2\"\nat_s = 55\nduration_s = 20\n";
    for g in ["exactly-once", "at-least-once"] {
        let o = flink_run(&format!("\"delivery.guarantee\" = \"{g}\""), fault);
        let rep = o.replication.as_ref().unwrap();
        let bound = 977.0 * 11.0;
        assert!(
            rep.records_recopied > 0 && rep.records_recopied as f64 <= bound,
            "{g}: recopied {}",
            rep.records_recopied
        );
        let produced: u64 = o.timeline.acked_records.iter().sum();
        assert!(rep.records_copied as f64 > 0.9 * produced as f64, "{g}");
    }
}

/// Flink exactly-once, read_committed consumers at the target: the sink's
/// records are in a transaction until the checkpoint after them completes
/// (`KafkaCommitter`), and a read_committed consumer reads only below the last
/// stable offset (Kafka's `LogOffsetMetadata` LSO: the first offset of the
/// open transaction). A record appended at a time uniform over an interval
/// waits for the next commit: the consumer's end-to-end median grows by half
/// of `execution.checkpointing.interval` (closed form: 10 s / 2 = 5 s, plus
/// at most the copier's 100 ms tick). At-least-once records are visible when
/// acknowledged, and a consumer of the source cluster is never capped.
#[test]
fn flink_exactly_once_target_consumers_wait_for_the_commit() {
    let consumers = "[[consumer]]\nsite = \"dc2\"\ntopic = \"orders\"\n[[consumer]]\nsite = \"dc1\"\ntopic = \"orders\"\n";
    let eos = flink_run("", consumers);
    let alo = flink_run("\"delivery.guarantee\" = \"at-least-once\"", consumers);
    let e2e = |o: &Outcome, site: &str| {
        let s = o.sites.iter().find(|s| s.site == site).unwrap();
        s.consume[0].end_to_end.clone()
    };
    let (t_eos, t_alo) = (e2e(&eos, "dc2"), e2e(&alo, "dc2"));
    eprintln!(
        "target consumer e2e p50: exactly-once {} ms, at-least-once {} ms; p99 {} / {} ms",
        t_eos.p50_ms, t_alo.p50_ms, t_eos.p99_ms, t_alo.p99_ms
    );
    assert!(t_alo.p50_ms < 500.0, "at-least-once p50 {}", t_alo.p50_ms);
    let extra = t_eos.p50_ms - t_alo.p50_ms;
    assert!(
        (4500.0..=5600.0).contains(&extra),
        "exactly-once adds {extra} ms"
    );
    // Never past the interval (plus the tick and a fetch round trip).
    assert!(t_eos.max_ms < 10_000.0 + t_alo.max_ms + 300.0, "{t_eos:?}");
    // Everything committed before the end is read: at most the last interval
    // (≈ 977 records/s × 10 s) is still in the open transaction.
    let behind = |o: &Outcome| {
        let c = &o.sites.iter().find(|s| s.site == "dc2").unwrap().consume[0];
        o.replication
            .as_ref()
            .unwrap()
            .records_copied
            .saturating_sub(c.records_consumed)
    };
    assert!(behind(&eos) <= 11_000, "{}", behind(&eos));
    assert!(
        behind(&alo) < behind(&eos),
        "{} vs {}",
        behind(&alo),
        behind(&eos)
    );
    // The source cluster's consumer reads up to its HW in both.
    let (s_eos, s_alo) = (e2e(&eos, "dc1"), e2e(&alo, "dc1"));
    assert!(
        s_eos.p50_ms < 100.0 && s_alo.p50_ms < 100.0,
        "{s_eos:?} {s_alo:?}"
    );
}
