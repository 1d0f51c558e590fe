//! Producer retries and idempotence (docs/model.md §4, "Retries, delivery
//! timeout and idempotence"): retriable errors are retried with Kafka's
//! backoff until `delivery.timeout.ms`, and an idempotent producer's retry of a
//! batch the new leader already holds is not appended twice. Expectations come
//! from closed forms stated with each test.

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

fn errors(toml: &str) -> String {
    match ktopo::scenario::parse_str(toml, "test.toml") {
        Ok(_) => String::new(),
        Err(d) => d
            .iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

fn produce(o: &Outcome) -> &ProduceOutcome {
    &o.sites[0].produce[0]
}

/// Three sites, one broker and one voter each, `rtt_ms` between any two; a
/// topic of 6 partitions, RF 3, led in dc1, with `min_isr`.
fn cluster(rtt_ms: f64, min_isr: u32) -> String {
    let mut s = String::new();
    for dc in ["dc1", "dc2", "dc3"] {
        s += &format!("[[site]]\nname = \"{dc}\"\nbrokers = 1\ncontrollers = 1\n");
    }
    for (a, b) in [("dc1", "dc2"), ("dc1", "dc3"), ("dc2", "dc3")] {
        s += &format!("[[link]]\nbetween = [\"{a}\", \"{b}\"]\nrtt_ms = {rtt_ms}\n");
    }
    s + &format!(
        r#"[[topic]]
name = "t"
partitions = 6
"replication.factor" = 3
"min.insync.replicas" = {min_isr}
placement.replicas = [{{ count = 1, rack = "dc1" }}, {{ count = 1, rack = "dc2" }}, {{ count = 1, rack = "dc3" }}]
"#
    )
}

/// min.insync.replicas 3 of 3: dc3's broker stops at 20 s for `outage_s`, so
/// from its fencing on every acks=all write is refused with
/// NOT_ENOUGH_REPLICAS until it is back in the ISR. 0.1 MB/s in 1 KiB records
/// from dc1.
fn isr_outage(outage_s: f64, duration_s: f64, extra: &str) -> Outcome {
    run(&format!(
        "name = \"isr-outage\"\nduration_s = {duration_s}\n{}[[producer]]\nsite = \"dc1\"\ntopic = \"t\"\nrate_mb_s = 0.1\n{extra}[[fault]]\nkind = \"broker-down\"\nbroker = 3\nat_s = 20\nduration_s = {outage_s}\n",
        cluster(2.0, 3)
    ))
}

/// Records per second of 0.1 MB/s in 1024-byte records.
const RATE: f64 = 0.1e6 / 1024.0;

/// An ISR below min.insync.replicas for 60 s, shorter than delivery.timeout.ms
/// (120 s): Kafka's producer retries the refused batches (NOT_ENOUGH_REPLICAS
/// is retriable, `Sender.canRetry`) until the ISR is back, so no acks=all
/// record fails; each is acknowledged after the outage, and the record sent
/// at its start waits for the whole of it (closed form: latency max ≈ the
/// 60 s outage, within 2 s for the rejoin and the last backoff, ≤ 1 s). The
/// availability figure still shows the outage: 6 partitions × 60 s.
#[test]
fn an_isr_outage_shorter_than_the_delivery_timeout_loses_no_record() {
    let o = isr_outage(60.0, 150.0, "");
    let p = produce(&o);
    eprintln!("60 s outage: {p:?}");
    assert_eq!(
        p.records_rejected + p.records_timed_out + p.records_expired + p.records_unavailable,
        0,
        "{p:?}"
    );
    assert!(p.records_retried > 0, "{p:?}");
    // Every record created in the 150 s is acknowledged (± one tick's carry).
    assert_eq!(p.records_acked, p.records_sent);
    assert!(
        (p.records_acked as f64 - RATE * 150.0).abs() <= 2.0,
        "acked {} of {}",
        p.records_acked,
        RATE * 150.0
    );
    // Latency counts from the batch's first send (the accumulator wait before
    // it is reported apart); the first refused batch left at once.
    let wait_s = p.latency.max_ms / 1e3;
    assert!(
        (60.0..=62.0).contains(&wait_s),
        "the first refused record waited {wait_s} s for a 60 s outage"
    );
    let u = o.cluster.unavailable_partition_s;
    assert!(
        (6.0 * 59.0..=6.0 * 63.0).contains(&u),
        "unavailable partition-s {u}, expected 6 × 60"
    );
    // The fault window's latency shows the outage too.
    assert!(o.faults[0].produce_latency.max_ms > 59_000.0);
}

/// An ISR outage of 200 s, longer than delivery.timeout.ms: a batch fails
/// once 120 s have passed since its creation
/// (`ProducerBatch.hasReachedDeliveryTimeout`), whether it waits for a retry,
/// behind one in the accumulator, or in flight. Closed form: the records
/// created more than 120 s before the ISR returns expire, rate × (200 − 120)
/// s = 7 812, within 2 s of records (the fencing and rejoin move the outage's
/// ends); everything else is acknowledged.
#[test]
fn an_isr_outage_longer_than_the_delivery_timeout_expires_what_it_outlasts() {
    let o = isr_outage(200.0, 300.0, "");
    let p = produce(&o);
    eprintln!("200 s outage: {p:?}");
    let expected = RATE * (200.0 - 120.0);
    assert!(
        (p.records_expired as f64 - expected).abs() <= 2.0 * RATE,
        "expired {} vs closed form {expected}",
        p.records_expired
    );
    assert_eq!(
        p.records_rejected + p.records_timed_out + p.records_unavailable,
        0
    );
    assert!(
        ((p.records_acked + p.records_expired) as f64 - RATE * 300.0).abs() <= 2.0,
        "acked {} + expired {} vs created {}",
        p.records_acked,
        p.records_expired,
        RATE * 300.0
    );
    // Flow fidelity keeps the aggregate consistent: a refused bulk batch
    // goes back to the accumulator for the next step and expires at the same
    // delivery timeout. Bulk batches are resent once a step (1 s), so the
    // outage's end is seen up to a step later: one more second of records.
    let flow = run(&format!(
        "name = \"isr-outage\"\nduration_s = 300\n[model]\nfidelity = \"flow\"\n{}[[producer]]\nsite = \"dc1\"\ntopic = \"t\"\nrate_mb_s = 0.1\n[[fault]]\nkind = \"broker-down\"\nbroker = 3\nat_s = 20\nduration_s = 200\n",
        cluster(2.0, 3)
    ));
    let pf = produce(&flow);
    eprintln!("200 s outage at flow fidelity: {pf:?}");
    assert!(
        (pf.records_expired as f64 - expected).abs() <= 3.0 * RATE,
        "flow: expired {} vs closed form {expected}",
        pf.records_expired
    );
    assert_eq!(
        pf.records_rejected + pf.records_timed_out + pf.records_unavailable,
        0
    );
    // Shorter delivery.timeout.ms, more expired: 200 − 60 s of records.
    let o = isr_outage(200.0, 300.0, "\"delivery.timeout.ms\" = 60000\n");
    let short = produce(&o).records_expired as f64;
    assert!(
        (short - RATE * 140.0).abs() <= 2.0 * RATE,
        "expired {short} with a 60 s delivery timeout vs {}",
        RATE * 140.0
    );
    // retries = 0: the refusal reaches the application at once (Kafka with
    // retries=0 turns idempotence off and fails the batch with the error).
    let o = isr_outage(60.0, 150.0, "retries = 0\n");
    let p = produce(&o);
    assert!(p.records_rejected > 0 && p.records_retried == 0, "{p:?}");
}

/// The leader of every partition (dc1's broker) crashes under 1 MB/s from
/// dc2, RTT 20 ms everywhere, min.insync.replicas 2. Batches the followers had
/// fetched but the producer had no answer for are retried to the new leader
/// once elected, which holds them. Without idempotence they are appended a
/// second time; with it (Kafka's default) the leader's producer state
/// recognises the sequence (`ProducerStateEntry.findDuplicateBatch`) and
/// answers without appending. Closed form for the duplicates: at most what
/// was on its way between the followers' copy and the answer, one
/// producer↔leader plus one leader↔follower round trip of records (977
/// records/s × 40 ms ≈ 39), bounded here by 60 ms.
#[test]
fn a_leader_crash_duplicates_retried_batches_unless_idempotent() {
    let body = |idempotence: &str| {
        run(&format!(
            "name = \"dup\"\nduration_s = 60\n{}[[producer]]\nsite = \"dc2\"\ntopic = \"t\"\nrate_mb_s = 1\n{idempotence}[[consumer]]\nsite = \"dc3\"\ntopic = \"t\"\n[[fault]]\nkind = \"broker-down\"\nbroker = 1\nat_s = 20\n",
            cluster(20.0, 2)
        ))
    };
    let rate = 1e6 / 1024.0;
    let on = body("");
    let off = body("\"enable.idempotence\" = false\n");
    let (pon, poff) = (&on.sites[1].produce[0], &off.sites[1].produce[0]);
    eprintln!("idempotent: {pon:?}\nnot: {poff:?}");
    assert!(pon.records_retried > 0 && poff.records_retried > 0);
    assert_eq!(pon.records_duplicated, 0, "idempotent: no duplicate");
    assert!(
        poff.records_duplicated > 0 && poff.records_duplicated as f64 <= rate * 0.06,
        "duplicates {} without idempotence, bound {}",
        poff.records_duplicated,
        rate * 0.06
    );
    // The consumer reads the duplicates: more records than with idempotence.
    let read = |o: &Outcome| o.sites[2].consume[0].records_consumed;
    assert!(
        read(&off) > read(&on),
        "consumed {} vs {}",
        read(&off),
        read(&on)
    );
    for o in [&on, &off] {
        assert_eq!(o.durability.lost_acked_records, 0);
    }
}

/// `retry.backoff.max.ms` by version. Kafka 3.7 (KIP-580) backs off
/// exponentially from `retry.backoff.ms` (100) to `retry.backoff.max.ms`
/// (1000) with ±20 % jitter (`ExponentialBackoff`); before, every wait is 100
/// ms. One retried batch per partition cycles while the ISR is short (an
/// idempotent producer has one retried batch of a partition in flight):
/// refused from dc3's fencing (9 s after its stop at 20 s) to its return at
/// 120 s, T = 91 s. A cycle is the backoff plus a round trip (2 ms) and half
/// a tick (2.5 ms). Closed forms, 6 partitions × one-record batches: 3.6,
/// 6 × 91 / 0.1045 = 5 225 retries; 4.1, 6 × (4 + (91 − 1.5 − 4 × 0.0045) /
/// 0.9545) = 587 (the ramp 0.1 + 0.2 + 0.4 + 0.8 s, then the jittered cap's
/// mean, 0.95 s). Within 10 %. `request.timeout.ms` 1000 ends the requests
/// stalled before the fencing at once in both versions (3.7's strict min ISR
/// would keep them 30 s).
#[test]
fn retry_backoff_grows_to_its_cap_from_kafka_3_7() {
    let retried = |version: &str, extra: &str| {
        let o = run(&format!(
            "name = \"backoff\"\nduration_s = 150\n[model]\nkafka_version = \"{version}\"\n{}[[producer]]\nsite = \"dc1\"\ntopic = \"t\"\nrate_mb_s = 0.1\nrecord_size_bytes = 16384\n\"linger.ms\" = 5\n\"request.timeout.ms\" = 1000\n{extra}[[fault]]\nkind = \"broker-down\"\nbroker = 3\nat_s = 20\nduration_s = 100\n",
            cluster(2.0, 3)
        ));
        let p = produce(&o);
        assert_eq!(p.records_expired + p.records_rejected, 0, "{p:?}");
        p.records_retried as f64
    };
    let (old, new) = (retried("3.6", ""), retried("4.1", ""));
    let (old_cf, new_cf) = (
        6.0 * 91.0 / 0.1045,
        6.0 * (4.0 + (91.0 - 1.5 - 4.0 * 0.0045) / 0.9545),
    );
    eprintln!("retries: 3.6 {old} (closed form {old_cf}), 4.1 {new} ({new_cf})");
    assert!((old / old_cf - 1.0).abs() <= 0.1, "3.6: {old} vs {old_cf}");
    assert!((new / new_cf - 1.0).abs() <= 0.1, "4.1: {new} vs {new_cf}");
    // retry.backoff.max.ms = retry.backoff.ms at 4.1 is the fixed backoff again.
    let fixed = retried("4.1", "\"retry.backoff.max.ms\" = 100\n");
    assert!((fixed / old_cf - 1.0).abs() <= 0.1, "fixed at 4.1: {fixed}");
}

/// Settings Kafka's `ProducerConfig` refuses are refused with their key.
#[test]
fn idempotence_and_backoff_settings_are_validated_as_kafka_does() {
    let base = |model: &str, extra: &str| {
        format!(
            "name = \"v\"\n{model}{}[[producer]]\nsite = \"dc1\"\ntopic = \"t\"\nrate_mb_s = 1\n{extra}",
            cluster(2.0, 2)
        )
    };
    let e = errors(&base("", "acks = \"1\"\n\"enable.idempotence\" = true\n"));
    assert!(
        e.contains("producer[0].\"enable.idempotence\"") && e.contains("acks must be all"),
        "{e}"
    );
    let e = errors(&base(
        "",
        "\"max.in.flight.requests.per.connection\" = 6\n\"enable.idempotence\" = true\n",
    ));
    assert!(e.contains("at most 5"), "{e}");
    let e = errors(&base("", "retries = 0\n\"enable.idempotence\" = true\n"));
    assert!(e.contains("retries must be non-zero"), "{e}");
    let e = errors(&base(
        "[model]\nkafka_version = \"3.6\"\n",
        "\"retry.backoff.max.ms\" = 500\n",
    ));
    assert!(
        e.contains("producer[0].\"retry.backoff.max.ms\"") && e.contains("3.7"),
        "{e}"
    );
    // Unset, idempotence turns itself off where Kafka turns it off.
    assert_eq!(errors(&base("", "acks = \"1\"\n")), "");
}

/// An unclean election loses what the elected replica lacks, and the loss
/// counts every acknowledged record, the first copies of batches an
/// idempotent producer's retries were answered with included. RF 3 over
/// three sites, `min.insync.replicas` 1, `unclean.leader.election.enable`;
/// 1 MB/s from dc2. dc3's broker is down from `down_s` (it holds what it had
/// fetched by then), dc1's (the leader) crashes at 20 s, so dc2's leads and
/// answers the retried batches it already holds as duplicates; dc2's crashes
/// at 30 s, dc3's is back at 31 s and is elected, unclean, when dc2's is
/// fenced (39 s). Nothing is acknowledged between dc2's crash and that
/// election.
fn unclean(unclean: bool, down_s: u32, interval_s: u32) -> Outcome {
    let mut s = format!(
        "name = \"unclean\"\nduration_s = 50\n[broker]\n\"unclean.leader.election.enable\" = {unclean}\n{}",
        cluster(20.0, 1)
    );
    s += "[[producer]]\nsite = \"dc2\"\ntopic = \"t\"\nrate_mb_s = 1\n";
    for (b, at, dur) in [(3, down_s, Some(31 - down_s)), (1, 20, None), (2, 30, None)] {
        s += &format!("[[fault]]\nkind = \"broker-down\"\nbroker = {b}\nat_s = {at}\n");
        if let Some(d) = dur {
            s += &format!("duration_s = {d}\n");
        }
    }
    run(&(s + &format!("[model]\ntimeline_interval_s = {interval_s}\n")))
}

/// dc3's broker down from the start holds nothing: the records lost are
/// exactly those acknowledged before 30 s (the timeline's first three 10 s
/// intervals). Without unclean election the partitions stay offline and
/// nothing is lost.
#[test]
fn an_unclean_election_loses_every_acknowledged_record_the_new_leader_lacks() {
    let o = unclean(true, 0, 10);
    let p = &o.sites[1].produce[0];
    assert!(
        p.records_retried > 0,
        "the leader's crash retries batches: {p:?}"
    );
    let before: u64 = o.timeline.acked_records[..3].iter().sum();
    assert!(before > 20_000, "acknowledged before 30 s: {before}");
    assert_eq!(o.durability.lost_acked_records, before);
    assert!(
        o.timeline.acked_records[3..].iter().sum::<u64>() > 0,
        "writes resume on the unclean leader"
    );
    let o = unclean(false, 0, 10);
    assert_eq!(o.durability.lost_acked_records, 0);
    assert_eq!(o.timeline.acked_records[4], 0, "offline to the end");
}

/// dc3's broker down from 5 s holds what it fetched until then, all of it
/// acknowledged before 5 s except its last response's records, whose
/// acknowledgement waited for dc3's fencing (it was in the ISR). So the
/// records lost are those acknowledged from 5 to 30 s less that last
/// response: at most 50 ms of records (977 records/s × 20 ms RTT, and some).
/// The batches between stay only for this accounting (no consumer), merged
/// into ranges of which dc3 holds a prefix: only the rest counts. The oldest
/// lost record is the first dc3 lacks, created just before its stop at 5 s,
/// and lost with dc1's broker, which appended it and stopped at 20 s: 15 s
/// old (a range's creation times are its batches', not its oldest's).
#[test]
fn an_unclean_election_counts_only_what_the_elected_replica_lacks() {
    let o = unclean(true, 5, 5);
    let after: u64 = o.timeline.acked_records[1..6].iter().sum();
    let lost = o.durability.lost_acked_records;
    assert!(
        lost <= after && after - lost <= 49,
        "lost {lost}, acknowledged from 5 to 30 s {after}"
    );
    let age = o.durability.lost_acked_age_s_max;
    assert!((14.95..=15.1).contains(&age), "age {age}");
}
