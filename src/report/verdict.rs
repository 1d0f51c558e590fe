//! The verdict and recommendation at the top of a report, derived from the
//! `Outcome` of each design and the static `ktopo check` findings. Plain text:
//! the HTML and Markdown writers escape or format it.

use super::{Context, f};
use crate::check::{Finding, Level};
use crate::metrics::Outcome;
use crate::scenario::Objectives;
use serde::Serialize;
use std::cmp::Ordering;

/// Figures of one design's run that the verdict and the comparison table use.
#[derive(Clone, Debug)]
pub struct Summary {
    /// (site, topic, acks, p99 ms) per producer with acknowledged records, in
    /// steady state (outside every fault's window; the whole run when every
    /// acknowledgement fell in one).
    pub produce_p99: Vec<(String, String, String, f64)>,
    /// The highest produce p99 of a fault's window (start to end + 60 s).
    pub fault_p99_ms: Option<f64>,
    /// The highest p99 of a fault's window from a record's creation (the
    /// application's `send()`) to its acknowledgement: the accumulator wait too.
    pub fault_delivery_p99_ms: Option<f64>,
    pub sent: u64,
    pub acked: u64,
    pub rejected: u64,
    pub timed_out: u64,
    /// Expired after `delivery.timeout.ms` with a leader known.
    pub expired: u64,
    /// Resent after a retriable error (a record per resend).
    pub retried: u64,
    /// Appended twice by retries without idempotence.
    pub duplicated: u64,
    pub unavailable: u64,
    pub blocked: u64,
    pub lost: u64,
    pub rpo_s: f64,
    /// 1 − unavailable ÷ written partition-intervals, in percent; None without writes.
    pub availability_pct: Option<f64>,
    /// Lowest availability of one interval, in percent.
    pub availability_min_pct: Option<f64>,
    /// Longest run of consecutive intervals with an unavailable partition, in s.
    pub longest_disruption_s: f64,
    /// Intervals with an unavailable partition, in s.
    pub disrupted_s: f64,
    pub unavailable_partition_s: f64,
    pub no_quorum_s: f64,
    pub hw_lag_ms_max: f64,
    /// (from, to, utilization_max) of the busiest link direction.
    pub busiest_link: Option<(String, String, f64)>,
    /// Asynchronous design: acknowledged records not yet copied at the failures
    /// (the RPO of each failure, summed).
    pub exposed_records: u64,
    /// The worst RPO of the run in seconds: the age of the oldest acknowledged
    /// record lost in a cluster, or not yet copied at a failure.
    pub rpo_worst_s: f64,
    /// The longest RTO of a fault that needed one.
    pub rto_max_s: Option<f64>,
    /// Records failed-over consumers re-read, over every fault.
    pub duplicates: u64,
    /// The same over the phases of the clocks: (min, mean, max), summed over faults.
    pub duplicates_over_phases: Option<(u64, u64, u64)>,
    /// Records failed-over consumers skipped (`auto.offset.reset`), over every fault.
    pub never_read: u64,
    pub catch_up_max_s: Option<f64>,
    /// Faults after which the copier was still behind at the end of the run
    /// (a link or site fault that ended within the run, no catch-up measured).
    pub never_caught_up: Vec<usize>,
    /// The largest replication lag between clusters, in s: max(per-record lag
    /// maximum, largest interval-end lag sample), as `compare` shows it.
    pub replication_lag_s_max: Option<f64>,
    pub lag_p99_ms: Option<f64>,
    pub cost_usd_month: Option<f64>,
    /// The run copies between clusters (an asynchronous design).
    pub is_async: bool,
}

impl Summary {
    pub fn of(o: &Outcome) -> Summary {
        let mut s = Summary {
            produce_p99: Vec::new(),
            fault_p99_ms: crate::metrics::LatencySummary::worst_p99(
                o.faults.iter().map(|f| &f.produce_latency),
            ),
            fault_delivery_p99_ms: crate::metrics::LatencySummary::worst_p99(
                o.faults.iter().map(|f| &f.delivery_latency),
            ),
            sent: 0,
            acked: 0,
            rejected: 0,
            timed_out: 0,
            expired: 0,
            retried: 0,
            duplicated: 0,
            unavailable: 0,
            blocked: 0,
            lost: o.durability.lost_acked_records,
            rpo_s: o.durability.lost_acked_age_s_max,
            availability_pct: None,
            availability_min_pct: None,
            longest_disruption_s: 0.0,
            disrupted_s: 0.0,
            unavailable_partition_s: o.cluster.unavailable_partition_s,
            no_quorum_s: o.cluster.no_quorum_s,
            hw_lag_ms_max: 0.0,
            busiest_link: None,
            exposed_records: 0,
            rpo_worst_s: if o.durability.lost_acked_records > 0 {
                o.durability.lost_acked_age_s_max
            } else {
                0.0
            },
            rto_max_s: None,
            duplicates: 0,
            duplicates_over_phases: None,
            never_read: 0,
            catch_up_max_s: None,
            never_caught_up: Vec::new(),
            replication_lag_s_max: o
                .replication
                .as_ref()
                .map(|r| r.lag_s_max.max(r.lag.max_ms / 1000.0)),
            lag_p99_ms: o.replication.as_ref().map(|r| r.lag.p99_ms),
            cost_usd_month: o.cost.as_ref().map(|c| c.total_usd_month),
            is_async: o.replication.is_some(),
        };
        let max = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(x), Some(y)) => Some(x.max(y)),
            (x, y) => x.or(y),
        };
        for fo in &o.faults {
            let Some(r) = &fo.recovery else { continue };
            // The faults whose catch-up the run measures (`World::recovery`):
            // a link or site fault of an async design that ended in the run.
            let measured_kind = matches!(
                fo.kind.as_str(),
                "link-partition" | "link-degrade" | "site-down"
            );
            if o.replication.is_some()
                && measured_kind
                && fo.end_s < o.duration_s
                && r.catch_up_s.is_none()
            {
                s.never_caught_up.push(fo.index);
            }
            if r.rpo_records > 0 {
                s.exposed_records += r.rpo_records;
                s.rpo_worst_s = s.rpo_worst_s.max(r.rpo_s);
            }
            s.rto_max_s = max(s.rto_max_s, r.rto_s);
            s.duplicates += r.duplicates;
            s.never_read += r.records_never_read;
            if let Some(p) = r.duplicates_over_phases {
                let (a, b, c) = s.duplicates_over_phases.unwrap_or((0, 0, 0));
                s.duplicates_over_phases = Some((a + p.min, b + p.mean, c + p.max));
            }
            s.catch_up_max_s = max(s.catch_up_max_s, r.catch_up_s);
        }
        for site in &o.sites {
            for p in &site.produce {
                let l = if p.latency_steady.count > 0 {
                    &p.latency_steady
                } else {
                    &p.latency
                };
                if l.count > 0 {
                    s.produce_p99.push((
                        site.site.clone(),
                        p.topic.clone(),
                        p.acks.clone(),
                        l.p99_ms,
                    ));
                }
                s.sent += p.records_sent;
                s.acked += p.records_acked;
                s.rejected += p.records_rejected;
                s.timed_out += p.records_timed_out;
                s.expired += p.records_expired;
                s.retried += p.records_retried;
                s.duplicated += p.records_duplicated;
                s.unavailable += p.records_unavailable;
                s.blocked += p.records_blocked;
            }
        }
        let t = &o.timeline;
        let (mut written, mut unavail) = (0u64, 0u64);
        let mut run = 0usize;
        let mut longest = 0usize;
        let mut disrupted = 0usize;
        for (k, &u) in t.unavailable_partitions.iter().enumerate() {
            let w = t.written_partitions.get(k).copied().unwrap_or(0);
            written += w as u64;
            unavail += u as u64;
            if w > 0 {
                let a = 100.0 * (w - u.min(w)) as f64 / w as f64;
                s.availability_min_pct = Some(s.availability_min_pct.map_or(a, |m| m.min(a)));
            }
            if u > 0 {
                run += 1;
                disrupted += 1;
                longest = longest.max(run);
            } else {
                run = 0;
            }
        }
        if written > 0 {
            s.availability_pct =
                Some(100.0 * (written - unavail.min(written)) as f64 / written as f64);
        }
        s.longest_disruption_s = longest as f64 * t.interval_s;
        s.disrupted_s = disrupted as f64 * t.interval_s;
        s.hw_lag_ms_max = t.hw_lag_ms_max.iter().copied().fold(0.0, f64::max);
        for l in &o.links {
            if s.busiest_link
                .as_ref()
                .is_none_or(|b| l.utilization_max > b.2)
            {
                s.busiest_link = Some((l.from.clone(), l.to.clone(), l.utilization_max));
            }
        }
        s
    }

    pub fn worst_p99_ms(&self) -> Option<f64> {
        self.produce_p99
            .iter()
            .map(|x| x.3)
            .fold(None, |m, v| Some(m.map_or(v, |m: f64| m.max(v))))
    }
}

/// How a run went, from worst to best.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Grade {
    /// Acknowledged data was lost, or the static check found an error.
    Fail,
    /// Writes were disrupted or refused, or a warning applies.
    Caution,
    Pass,
}

impl Grade {
    pub fn label(self) -> &'static str {
        match self {
            Grade::Fail => "fail",
            Grade::Caution => "caution",
            Grade::Pass => "pass",
        }
    }
}

/// One objective of `[objectives]` against the run.
#[derive(Clone, Debug, Serialize)]
pub struct ObjectiveCheck {
    /// The key in `[objectives]`.
    pub objective: &'static str,
    /// The bound as written, e.g. `≤ 60 s`.
    pub bound: String,
    pub target: f64,
    /// What the run measured; None when it measured nothing to compare.
    pub actual: Option<f64>,
    /// None: not measured by this run.
    pub met: Option<bool>,
    /// Said instead of the figure when there is none to give (e.g. a copier
    /// that never caught up).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl ObjectiveCheck {
    pub fn describe(&self) -> String {
        let actual = match (&self.detail, self.actual) {
            (Some(d), _) => d.clone(),
            (None, Some(a)) => f(a),
            (None, None) => "not measured".to_string(),
        };
        let state = match self.met {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "not measured by this run",
        };
        format!("{} {}: {actual} — {state}", self.objective, self.bound)
    }
}

/// The keys [`objectives`] judges, in its order.
pub const OBJECTIVE_KEYS: [&str; 8] = [
    "rpo_s",
    "rto_s",
    "produce_p99_ms",
    "write_availability_pct",
    "cost_usd_month",
    "replication_lag_s",
    "catch_up_s",
    "rereads_records",
];

/// The objective key `name` (a shard file's, read back), or None.
pub fn objective_key(name: &str) -> Option<&'static str> {
    OBJECTIVE_KEYS.iter().copied().find(|k| *k == name)
}

/// Each objective set in `[objectives]`, against the run's figures.
pub fn objectives(obj: &Objectives, s: &Summary) -> Vec<ObjectiveCheck> {
    let mut out = Vec::new();
    let mut add =
        |objective, target: Option<f64>, unit: &str, at_most: bool, actual: Option<f64>| {
            let Some(target) = target else { return };
            let met = actual.map(|a| {
                if at_most {
                    a <= target + 1e-9
                } else {
                    a + 1e-9 >= target
                }
            });
            out.push(ObjectiveCheck {
                objective,
                bound: format!("{} {}{unit}", if at_most { "≤" } else { "≥" }, f(target)),
                target,
                actual,
                met,
                detail: None,
            });
        };
    add("rpo_s", obj.rpo_s, " s", true, Some(s.rpo_worst_s));
    add("rto_s", obj.rto_s, " s", true, s.rto_max_s);
    add(
        "produce_p99_ms",
        obj.produce_p99_ms,
        " ms",
        true,
        s.worst_p99_ms(),
    );
    add(
        "write_availability_pct",
        obj.write_availability_pct,
        " %",
        false,
        s.availability_pct,
    );
    add(
        "cost_usd_month",
        obj.cost_usd_month,
        " USD",
        true,
        s.cost_usd_month,
    );
    add(
        "replication_lag_s",
        obj.replication_lag_s,
        " s",
        true,
        s.replication_lag_s_max,
    );
    add(
        "catch_up_s",
        obj.catch_up_s,
        " s",
        true,
        if s.is_async { s.catch_up_max_s } else { None },
    );
    // Re-reads at the worst phase of the offset clocks (the max over the
    // phases, §19), not this run's one drawn phase. A group that failed over
    // with no offset at the target started at `auto.offset.reset`: with
    // `latest` it re-read nothing but skipped what it had not read. Skipping
    // is not fewer re-reads: the bound counts the records not read exactly
    // once (re-read or never read), and says how many of each.
    let reread = s
        .duplicates_over_phases
        .map_or(s.duplicates, |p| p.2.max(s.duplicates));
    add(
        "rereads_records",
        obj.rereads_records,
        " records",
        true,
        Some((reread + s.never_read) as f64),
    );
    if let Some(c) = out.iter_mut().find(|c| c.objective == "rereads_records")
        && s.never_read > 0
    {
        c.detail = Some(format!(
            "{} ({reread} read again, {} never read: the group had no offset at the target and started at auto.offset.reset)",
            reread + s.never_read,
            s.never_read
        ));
    }
    // A copier still behind at the end of the run has no catch-up time to
    // compare: it misses the bound rather than reading "not measured".
    if let Some(c) = out.iter_mut().find(|c| c.objective == "catch_up_s")
        && !s.never_caught_up.is_empty()
    {
        let faults: Vec<String> = s.never_caught_up.iter().map(|i| i.to_string()).collect();
        c.actual = None;
        c.met = Some(false);
        c.detail = Some(format!(
            "never: still behind at the end of the run after fault {}",
            faults.join(", ")
        ));
    }
    out
}

/// The static findings that concern a design: in a file with designs, the
/// findings `check` made for that design (its own clusters and copy flows);
/// in a file without, every finding.
pub fn findings_for<'a>(cx: &'a Context, design: &str) -> Vec<&'a Finding> {
    cx.findings
        .iter()
        .filter(|x| x.design.as_deref().is_none_or(|d| d == design))
        .collect()
}

/// The verdict of one design.
#[derive(Clone, Debug)]
pub struct Verdict {
    pub design: String,
    pub grade: Grade,
    pub headline: String,
    /// Facts behind the headline, one sentence each.
    pub points: Vec<String>,
    /// What to change, most important first.
    pub recommendations: Vec<String>,
    pub objectives: Vec<ObjectiveCheck>,
    /// Errors of the static check that concern this design.
    pub static_errors: usize,
}

pub(super) fn pct(v: f64) -> String {
    if (99.995..100.0).contains(&v) {
        // Never round a disruption up to a clean 100 %.
        return "99.99".into();
    }
    format!("{v:.2}")
}

/// Seconds for prose: whole numbers without decimals.
fn secs(v: f64) -> String {
    if v == v.round() && v.abs() < 1e12 {
        format!("{v:.0}")
    } else {
        f(v)
    }
}

fn count(findings: &[&Finding], l: Level) -> usize {
    findings.iter().filter(|x| x.level == l).count()
}

/// The verdict of one design's run.
/// Resources 80 % busy or more at their busiest interval, one per site and
/// group (NICs, disks, ...): (site, group, resource, broker, busy), the
/// busiest broker's, in site order.
pub fn bottlenecks(o: &Outcome) -> Vec<(String, &'static str, String, u32, f64)> {
    let mut out: Vec<(String, &'static str, String, u32, f64)> = Vec::new();
    for b in &o.brokers {
        for r in &b.resources {
            if r.busy_peak < 0.8 {
                continue;
            }
            let group = crate::metrics::BrokerOutcome::group(&r.resource);
            match out.iter_mut().find(|x| x.0 == b.site && x.1 == group) {
                Some(x) if x.4 >= r.busy_peak => {}
                Some(x) => {
                    *x = (
                        b.site.clone(),
                        group,
                        r.resource.clone(),
                        b.broker,
                        r.busy_peak,
                    )
                }
                None => out.push((
                    b.site.clone(),
                    group,
                    r.resource.clone(),
                    b.broker,
                    r.busy_peak,
                )),
            }
        }
    }
    out
}

pub fn verdict(design: &str, o: &Outcome, cx: &Context) -> Verdict {
    let s = Summary::of(o);
    let findings = findings_for(cx, design);
    let findings = findings.as_slice();
    let errors = count(findings, Level::Error);
    let warnings = count(findings, Level::Warning);
    let mut points = Vec::new();
    let mut recs = Vec::new();

    let checks = objectives(&cx.scenario.objectives, &s);
    let missed: Vec<&ObjectiveCheck> = checks.iter().filter(|c| c.met == Some(false)).collect();
    // Durability.
    if s.lost > 0 {
        points.push(format!(
            "{} acknowledged records were lost ({} bytes); the oldest was {} s old (realized RPO).",
            s.lost,
            o.durability.lost_acked_bytes,
            f(s.rpo_s)
        ));
    }
    for fo in &o.faults {
        let Some(r) = &fo.recovery else { continue };
        if s.is_async && r.rpo_records > 0 {
            points.push(format!(
                "Fault {} ({} {}): {} acknowledged records ({} bytes) had not reached the other cluster — RPO {} s of writes.",
                fo.index,
                fo.kind,
                fo.subject,
                r.rpo_records,
                r.rpo_bytes,
                f(r.rpo_s)
            ));
        }
    }
    if s.lost == 0 && s.exposed_records == 0 {
        points.push(if o.faults.is_empty() {
            "No acknowledged record was lost (no fault simulated).".into()
        } else {
            "No acknowledged record was lost at any fault (RPO 0).".into()
        });
    }
    if let Some(rto) = s.rto_max_s {
        points.push(if s.is_async {
            let fo = &cx.scenario.failover;
            format!(
                "Clients of the lost site are back after {} s (RTO: detection {} + decision {} + DNS TTL {} + restart {} s).",
                secs(rto),
                secs(fo.detection_s),
                secs(fo.decision_s),
                secs(fo.dns_ttl_s),
                secs(fo.client_restart_s)
            )
        } else {
            format!("Writes recovered {} s after the worst fault (RTO).", f(rto))
        });
    }
    if s.duplicates > 0 {
        points.push(format!(
            "Consumers that restarted after a site loss re-read {} records (at-least-once delivery: consumers must be idempotent){}.",
            s.duplicates,
            s.duplicates_over_phases
                .map(|(lo, mean, hi)| format!(
                    "; over the phases of the {}: {lo} to {hi}, {mean} on average",
                    if s.is_async {
                        "commit, checkpoint and sync clocks"
                    } else {
                        "auto-commit clock"
                    }
                ))
                .unwrap_or_default()
        ));
    }
    if s.never_read > 0 {
        points.push(format!(
            "Consumers that failed over before any offset reached the target started at auto.offset.reset and never read {} records.",
            s.never_read
        ));
    }
    if let Some(p99) = s.lag_p99_ms {
        points.push(format!(
            "Replication lag between clusters: p99 {} ms{}.",
            f(p99),
            s.catch_up_max_s
                .map(|c| format!(", back to normal {} s after a fault ended", f(c)))
                .unwrap_or_default()
        ));
    }
    if !s.never_caught_up.is_empty() {
        let faults: Vec<String> = s.never_caught_up.iter().map(|i| i.to_string()).collect();
        points.push(format!(
            "The copier was still behind at the end of the run after fault {}: it did not catch up (lag back under max(2 × its pre-fault level, 5 s)).",
            faults.join(", ")
        ));
    }
    if let Some(c) = s.cost_usd_month {
        points.push(format!("Estimated cost: {} USD per month.", f(c)));
    }
    for c in &checks {
        points.push(format!("Objective {}.", c.describe()));
    }
    // Availability.
    match s.availability_pct {
        Some(a) if s.disrupted_s > 0.0 => points.push(format!(
            "Write availability {} % of partition-intervals; writes to some partition were disrupted for {} s in all, {} s at the longest stretch (lowest interval {} %), {} partition-s unavailable.",
            pct(a),
            secs(s.disrupted_s),
            secs(s.longest_disruption_s),
            pct(s.availability_min_pct.unwrap_or(a)),
            f(s.unavailable_partition_s)
        )),
        Some(_) => points.push("Writes were never disrupted: write availability 100 %.".into()),
        None => points.push("No producer wrote, so write availability is not measured.".into()),
    }
    let refused = s.rejected + s.timed_out + s.expired + s.unavailable + s.blocked;
    if s.retried > 0 {
        points.push(format!(
            "Producers resent {} records after retriable errors (NotEnoughReplicas, a leader change, a closed connection, a request timeout); the time they waited counts as unavailability.",
            s.retried
        ));
    }
    if s.rejected + s.timed_out + s.expired + s.unavailable > 0 {
        points.push(format!(
            "Of {} records sent, {} failed with an error once their retries were used up, {} timed out with no retries left, {} expired after delivery.timeout.ms and {} could not be written (no leader, or their producer down with its site).",
            s.sent, s.rejected, s.timed_out, s.expired, s.unavailable
        ));
    }
    if s.duplicated > 0 {
        points.push(format!(
            "Retries without idempotence appended {} records twice: consumers read them twice.",
            s.duplicated
        ));
    }
    // Latency per site.
    if !s.produce_p99.is_empty() {
        let parts: Vec<String> = s
            .produce_p99
            .iter()
            .map(|(site, topic, acks, p99)| format!("{site} ({topic}, acks={acks}) {} ms", f(*p99)))
            .collect();
        // The produce latency starts at the request's send: records that
        // waited in the accumulator for a leader or an in-flight slot are
        // fast once sent. What a send() caller waited is said beside it.
        let window = s
            .fault_p99_ms
            .map(|v| {
                let delivery = s
                    .fault_delivery_p99_ms
                    .map(|d| {
                        format!(
                            "; {} ms from the application's send() to the acknowledgement, waiting in the accumulator included",
                            f(d)
                        )
                    })
                    .unwrap_or_default();
                format!(
                    " In fault windows (start to end + 60 s): up to {} ms from the request's send{delivery}.",
                    f(v)
                )
            })
            .unwrap_or_default();
        points.push(format!(
            "Produce latency p99, steady state: {}.{window}",
            parts.join("; ")
        ));
    }
    // A controller failover costs about the fetch timeout plus an election; more
    // than that per fault means a majority was really gone.
    let c = &cx.scenario.controller;
    let failover_s = (c.fetch_timeout_ms + 2 * c.election_timeout_ms) as f64 / 1e3;
    // A cluster per site loses its quorum with its site: that is the site loss,
    // not a voter placement to fix.
    let quorum_lost = !s.is_async && s.no_quorum_s > failover_s * o.faults.len().max(1) as f64;
    if s.is_async && s.no_quorum_s > 0.0 {
        points.push(format!(
            "A cluster had no controller quorum for {} s (its site was down: each cluster's voters live in its own site).",
            f(s.no_quorum_s)
        ));
    } else if s.no_quorum_s > 0.0 {
        points.push(format!(
            "The KRaft controller quorum had no leader for {} s{}.",
            f(s.no_quorum_s),
            if quorum_lost {
                ": longer than controller failovers take, so a majority of voters was gone"
            } else {
                " (controller failover: controller.quorum.fetch.timeout.ms plus an election)"
            }
        ));
    }
    if s.blocked > 0 {
        points.push(format!(
            "Producers filled buffer.memory (32 MiB) while writes were stalled: {} records were never produced, where a real application would block in send().",
            s.blocked
        ));
    }
    if let Some((from, to, u)) = &s.busiest_link
        && *u > 0.8
    {
        points.push(format!(
            "Link {from} → {to} peaked at {} % of its capacity.",
            f(u * 100.0)
        ));
    }
    let hot = bottlenecks(o);
    for (site, group, resource, broker, busy) in &hot {
        points.push(format!(
            "{site}'s brokers' {group} are {} % busy at the peak ({resource} of broker {broker}): the bottleneck.",
            f((busy * 100.0).round())
        ));
    }
    points.push(format!(
        "`ktopo check` found {errors} error(s), {warnings} warning(s) and {} note(s) before simulating.",
        count(findings, Level::Info)
    ));

    // Recommendations: missed objectives first, then the static check's fixes
    // (errors, then warnings).
    for m in &missed {
        recs.push(objective_advice(m, &s));
    }
    for (site, group, _, _, _) in &hot {
        let more = match *group {
            "NICs" => {
                "give them more (nic_gbps in [broker_hardware] or the site's broker_hardware)"
            }
            "disks" => {
                "give them more (disk_write_mb_s / disk_read_mb_s in [broker_hardware] or the site's broker_hardware)"
            }
            "network threads" => {
                "give them more network threads (\"num.network.threads\" in [broker])"
            }
            _ => {
                "give them more io threads and cores (\"num.io.threads\" in [broker]; cores in [broker_hardware] or the site's broker_hardware)"
            }
        };
        recs.push(format!(
            "{site}'s brokers' {group} run at 80 % or more at the peak: add brokers in {site} or {more}."
        ));
    }
    let mut seen: Vec<&str> = Vec::new();
    for level in [Level::Error, Level::Warning] {
        for x in findings.iter().filter(|x| x.level == level) {
            if seen.contains(&x.fix.as_str()) {
                continue;
            }
            seen.push(&x.fix);
            recs.push(format!(
                "{} ({}, {}): {}",
                x.code,
                x.subject,
                level.label(),
                x.fix
            ));
        }
    }
    let acks_not_all = o
        .sites
        .iter()
        .flat_map(|x| &x.produce)
        .any(|p| p.acks != "all");
    if s.lost > 0 {
        if cx.scenario.broker.unclean_leader_election_enable {
            recs.push("Set unclean.leader.election.enable=false: unclean elections chose availability over the records that were lost.".into());
        }
        if acks_not_all {
            recs.push("Produce with acks=all and min.insync.replicas ≥ 2: with acks=0 or 1 an acknowledged record can live on one broker only.".into());
        }
        if !cx.scenario.broker.unclean_leader_election_enable && !acks_not_all {
            recs.push("Acknowledged records were lost although every producer used acks=all: see the faults table for the fault they are attributed to, and check replica placement across sites.".into());
        }
    }
    if s.rejected > 0 {
        recs.push("Writes were refused (NotEnoughReplicas) while the ISR was below min.insync.replicas: place replicas so that the sites that survive a fault still hold min.insync.replicas of them, or accept refusals as the price of durability (nothing acknowledged is lost by them).".into());
    }
    if s.expired > 0 {
        recs.push("Records expired after delivery.timeout.ms while their partition could not take writes: the application lost them. Shorten the outage (replicas placed so that the surviving sites hold min.insync.replicas of them) or raise delivery.timeout.ms beyond it, and have the application handle failed sends.".into());
    }
    if s.duplicated > 0 {
        recs.push("Enable idempotence (enable.idempotence, the default since Kafka 3.0, with acks=all and at most 5 requests in flight): a retried batch the leader already holds is then not appended again.".into());
    }
    if s.timed_out > 0 {
        recs.push(format!(
            "Requests timed out (request.timeout.ms) while acks=all waited on an ISR member that had stopped or was cut off: a stopped broker leaves the ISR when it is fenced after broker.session.timeout.ms ({} ms), a cut-off follower after replica.lag.time.max.ms ({} ms). Lower values shorten the stall, at the cost of more fencing and ISR churn on a flaky network.",
            cx.scenario.broker.broker_session_timeout_ms, cx.scenario.broker.replica_lag_time_max_ms
        ));
    }
    if quorum_lost && !findings.iter().any(|x| x.code.starts_with("quorum")) {
        recs.push("Spread the KRaft voters so that no single site or link failure takes away a majority: a third location holding one controller is enough.".into());
    }
    if let Some((from, to, u)) = &s.busiest_link
        && *u > 0.8
    {
        recs.push(format!(
            "Raise the capacity of {from} → {to} (peak {} %), or cut cross-site traffic, e.g. with follower fetching (KIP-392).",
            f(u * 100.0)
        ));
    }
    if s.blocked > 0 && o.faults.is_empty() {
        recs.push("Producers filled buffer.memory without any fault: the cluster does not keep up with the offered load. Add brokers, partitions or link capacity.".into());
    }
    if s.duplicates > 0 && !s.is_async {
        recs.push("Consumers that restart after a site loss resume at their group's last auto-commit and re-read what they consumed since (up to auto.commit.interval.ms of it, 5 s by default): shorten auto.commit.interval.ms, commit after processing, or make consumers idempotent.".into());
    } else if s.duplicates > 0 {
        recs.push(match o.replication.as_ref().map(|r| r.tool.as_str()) {
            Some("mirrormaker2") => "Failed-over consumers re-read from MM2's last checkpoint (as of the last group-offset sync with sync.group.offsets.enabled, which adds half its interval on average): shorten emit.checkpoints.interval.seconds and sync.group.offsets.interval.seconds, or make consumers idempotent; Cluster Linking preserves offsets and re-reads less.".to_string(),
            Some("replicator") => "Failed-over consumers re-read from Replicator's last offset translation: shorten offset.translator.batch.period.ms, or make consumers idempotent.".to_string(),
            _ => "Failed-over consumers re-read records: make them idempotent.".to_string(),
        });
    }
    if recs.is_empty() {
        recs.push("No change needed for the faults this scenario simulates. The run says nothing about faults it does not include.".into());
    }

    let unbounded_exposure = (s.exposed_records > 0 && cx.scenario.objectives.rpo_s.is_none())
        || (s.is_async && s.rto_max_s.is_some() && cx.scenario.objectives.rto_s.is_none());
    let grade = if s.lost > 0 || errors > 0 || !missed.is_empty() {
        Grade::Fail
    } else if s.disrupted_s > 0.0
        || refused > 0
        || warnings > 0
        || quorum_lost
        || unbounded_exposure
    {
        Grade::Caution
    } else {
        Grade::Pass
    };
    let p99 = s
        .worst_p99_ms()
        .map(|v| format!("; produce p99 at most {} ms in steady state", f(v)))
        .unwrap_or_default();
    let headline = if s.lost > 0 {
        format!(
            "Data loss: {} acknowledged records lost, realized RPO {} s",
            s.lost,
            f(s.rpo_s)
        )
    } else if s.exposed_records > 0 {
        format!(
            "A failure loses what was not yet copied: RPO {} s ({} records){}{p99}",
            f(s.rpo_worst_s),
            s.exposed_records,
            s.rto_max_s
                .map(|r| format!(", RTO {} s", f(r)))
                .unwrap_or_default()
        )
    } else if s.disrupted_s > 0.0 {
        format!(
            "No acknowledged write lost; writes disrupted for up to {} s{p99}",
            secs(s.longest_disruption_s)
        )
    } else if s.availability_pct.is_some() {
        format!("No acknowledged write lost and writes never disrupted{p99}")
    } else {
        "No writes simulated".into()
    };
    let headline = if errors > 0 {
        format!("{headline}; `ktopo check` found {errors} error(s)")
    } else {
        headline
    };
    let headline = if missed.is_empty() {
        headline
    } else {
        let names: Vec<&str> = missed.iter().map(|m| m.objective).collect();
        format!("Misses {}: {headline}", names.join(", "))
    };
    Verdict {
        design: design.to_string(),
        grade,
        headline,
        points,
        recommendations: recs,
        objectives: checks,
        static_errors: errors,
    }
}

/// What to change for a missed objective.
fn objective_advice(m: &ObjectiveCheck, s: &Summary) -> String {
    let head = format!("Objective {}", m.describe());
    let how = match m.objective {
        "rpo_s" if s.is_async => {
            "an asynchronous design loses what was not yet copied at the failure: raise the copier's throughput (tasks, buffers, link capacity) to cut the lag, or use a stretched cluster (acks=all, an ISR spanning sites) for RPO 0"
        }
        "rpo_s" => {
            "produce with acks=all and min.insync.replicas ≥ 2, keep unclean.leader.election.enable=false, and place replicas so that every site loss leaves an in-sync copy"
        }
        "rto_s" if s.is_async => {
            "the RTO is the failover runbook (detection + decision + DNS TTL + client restart): automate the decision and lower the DNS TTL, or use a stretched cluster whose clients only wait for fencing and an election"
        }
        "rto_s" => {
            "writes wait for fencing (broker.session.timeout.ms) and an election; a controller quorum that survives the fault and an ISR that keeps min.insync.replicas shorten it"
        }
        "produce_p99_ms" if s.is_async => {
            "produce latency is local to the site: look at the local cluster's load and acks"
        }
        "produce_p99_ms" => {
            "acks=all waits for the farthest in-sync follower: keep synchronous replicas within a few ms, make distant copies observers, or use a cluster per site with asynchronous replication"
        }
        "write_availability_pct" => {
            "place replicas and controllers so that the faults leave min.insync.replicas in-sync replicas and a controller majority"
        }
        "replication_lag_s" => {
            "the copier falls behind the source: raise its throughput (tasks.max, buffers, link capacity, compression) or shorten what it must copy; a stretched cluster has no copy lag"
        }
        "catch_up_s" => {
            "after the fault the copier drains its backlog at (copy capacity − ingress): raise the copy capacity (tasks.max, buffers, link bandwidth) or keep headroom on the link for catching up"
        }
        "cost_usd_month" => {
            "fewer brokers, less cross-site transfer (compression on the copier, follower fetching) or a smaller retention"
        }
        _ => "",
    };
    format!("{head}: {how}.")
}

/// Two figures within `abs` or `rel` of each other count as a tie, so that run
/// noise does not decide.
fn cmp_tol(a: f64, b: f64, abs: f64, rel: f64) -> Ordering {
    if (a - b).abs() <= abs.max(rel * a.abs().max(b.abs())) {
        Ordering::Equal
    } else {
        a.total_cmp(&b)
    }
}

/// The criteria of [`preferred`], in order: (reason, `{}` standing for the
/// runner-up; the figure, lower is better; absolute and relative tie tolerance).
type Criterion = (&'static str, fn(&Summary, &Verdict) -> f64, f64, f64);

const CRITERIA: [Criterion; 9] = [
    (
        "it misses fewer objectives than {}",
        |_, v| v.objectives.iter().filter(|c| c.met == Some(false)).count() as f64,
        0.0,
        0.0,
    ),
    (
        "unlike {}, it loses no acknowledged record inside a cluster and passes the static check",
        |s, v| f64::from(u8::from(s.lost > 0 || v.static_errors > 0)),
        0.0,
        0.0,
    ),
    (
        "unlike with {}, no failure loses an acknowledged record (RPO 0)",
        |s, _| f64::from(u8::from(s.lost + s.exposed_records > 0)),
        0.0,
        0.0,
    ),
    ("it has a lower RPO than {}", |s, _| s.rpo_worst_s, 1.0, 0.0),
    (
        "it has a lower RTO than {}",
        |s, _| s.rto_max_s.unwrap_or(0.0),
        5.0,
        0.0,
    ),
    (
        "it has fewer unavailable partition-seconds than {}",
        |s, _| s.unavailable_partition_s,
        1.0,
        0.05,
    ),
    (
        "it has a lower produce p99 than {}",
        |s, _| s.worst_p99_ms().unwrap_or(f64::INFINITY),
        1.0,
        0.1,
    ),
    (
        "its failed-over consumers re-read fewer records than those of {}",
        |s, _| s.duplicates as f64,
        100.0,
        0.1,
    ),
    (
        "it costs less than {}",
        |s, _| s.cost_usd_month.unwrap_or(0.0),
        1.0,
        0.02,
    ),
];

/// Which of several designs to prefer, and why: fewest missed objectives, then
/// no in-cluster loss or static error, then no loss at any failure, then the
/// lower RPO, RTO, unavailability,
/// produce p99, re-reads and cost — each compared with a tolerance so that run
/// noise does not decide. Returns the index into `designs` and the reason
/// (the criterion that set it apart from the runner-up); None for one design.
pub fn preferred(designs: &[(&str, &Outcome)], verdicts: &[Verdict]) -> Option<(usize, String)> {
    if designs.len() < 2 {
        return None;
    }
    let sums: Vec<Summary> = designs.iter().map(|(_, o)| Summary::of(o)).collect();
    let cmp = |a: usize, b: usize| -> (Ordering, usize) {
        for (k, (_, fig, abs, rel)) in CRITERIA.iter().enumerate() {
            let o = cmp_tol(
                fig(&sums[a], &verdicts[a]),
                fig(&sums[b], &verdicts[b]),
                *abs,
                *rel,
            );
            if o != Ordering::Equal {
                return (o, k);
            }
        }
        (Ordering::Equal, CRITERIA.len())
    };
    let mut best = 0;
    for i in 1..designs.len() {
        if cmp(i, best).0 == Ordering::Less {
            best = i;
        }
    }
    // The reason: what sets it apart from the closest other design.
    let runner = (0..designs.len())
        .filter(|&i| i != best)
        .max_by_key(|&i| cmp(best, i).1)
        .unwrap_or(best);
    let (_, k) = cmp(best, runner);
    let reason = match CRITERIA.get(k) {
        Some((why, ..)) => why.replace("{}", designs[runner].0),
        None => format!(
            "it ties with {} on every criterion (objectives, loss, RPO, RTO, unavailability, p99, re-reads, cost) and comes first",
            designs[runner].0
        ),
    };
    let all_met = verdicts[best]
        .objectives
        .iter()
        .all(|c| c.met != Some(false));
    let reason = if !all_met {
        format!("{reason}; no design meets every objective")
    } else {
        reason
    };
    Some((best, reason))
}
