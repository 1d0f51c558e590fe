//! The verdict and recommendation at the top of a report, derived from the
//! `Outcome` of each design and the static `ktopo check` findings. Plain text:
//! the HTML and Markdown writers escape or format it.

use super::{Context, f};
use crate::check::{Finding, Level};
use crate::metrics::Outcome;

/// Figures of one design's run that the verdict and the comparison table use.
#[derive(Clone, Debug)]
pub struct Summary {
    /// (site, topic, acks, p99 ms) per producer with acknowledged records.
    pub produce_p99: Vec<(String, String, String, f64)>,
    pub sent: u64,
    pub acked: u64,
    pub rejected: u64,
    pub timed_out: u64,
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
}

impl Summary {
    pub fn of(o: &Outcome) -> Summary {
        let mut s = Summary {
            produce_p99: Vec::new(),
            sent: 0,
            acked: 0,
            rejected: 0,
            timed_out: 0,
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
        };
        for site in &o.sites {
            for p in &site.produce {
                if p.latency.count > 0 {
                    s.produce_p99.push((
                        site.site.clone(),
                        p.topic.clone(),
                        p.acks.clone(),
                        p.latency.p99_ms,
                    ));
                }
                s.sent += p.records_sent;
                s.acked += p.records_acked;
                s.rejected += p.records_rejected;
                s.timed_out += p.records_timed_out;
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

fn count(findings: &[Finding], l: Level) -> usize {
    findings.iter().filter(|x| x.level == l).count()
}

/// The verdict of one design's run.
pub fn verdict(design: &str, o: &Outcome, cx: &Context) -> Verdict {
    let s = Summary::of(o);
    let findings = cx.findings;
    let errors = count(findings, Level::Error);
    let warnings = count(findings, Level::Warning);
    let mut points = Vec::new();
    let mut recs = Vec::new();

    // Durability.
    if s.lost > 0 {
        points.push(format!(
            "{} acknowledged records were lost ({} bytes); the oldest was {} s old (realized RPO).",
            s.lost,
            o.durability.lost_acked_bytes,
            f(s.rpo_s)
        ));
    } else {
        points.push("No acknowledged record was lost (realized RPO 0).".into());
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
    let refused = s.rejected + s.timed_out + s.unavailable + s.blocked;
    if s.rejected + s.timed_out + s.unavailable > 0 {
        points.push(format!(
            "Of {} records sent, {} were refused with NotEnoughReplicas, {} timed out and {} expired without a leader.",
            s.sent, s.rejected, s.timed_out, s.unavailable
        ));
    }
    // Latency per site.
    if !s.produce_p99.is_empty() {
        let parts: Vec<String> = s
            .produce_p99
            .iter()
            .map(|(site, topic, acks, p99)| format!("{site} ({topic}, acks={acks}) {} ms", f(*p99)))
            .collect();
        points.push(format!("Produce latency p99: {}.", parts.join("; ")));
    }
    // A controller failover costs about the fetch timeout plus an election; more
    // than that per fault means a majority was really gone.
    let c = &cx.scenario.controller;
    let failover_s = (c.fetch_timeout_ms + 2 * c.election_timeout_ms) as f64 / 1e3;
    let quorum_lost = s.no_quorum_s > failover_s * o.faults.len().max(1) as f64;
    if s.no_quorum_s > 0.0 {
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
    points.push(format!(
        "`ktopo check` found {errors} error(s), {warnings} warning(s) and {} note(s) before simulating.",
        count(findings, Level::Info)
    ));

    // Recommendations: the static check's fixes first (errors, then warnings).
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
    if recs.is_empty() {
        recs.push("No change needed for the faults this scenario simulates. The run says nothing about faults it does not include.".into());
    }

    let grade = if s.lost > 0 || errors > 0 {
        Grade::Fail
    } else if s.disrupted_s > 0.0 || refused > 0 || warnings > 0 || quorum_lost {
        Grade::Caution
    } else {
        Grade::Pass
    };
    let p99 = s
        .worst_p99_ms()
        .map(|v| format!("; produce p99 at most {} ms", f(v)))
        .unwrap_or_default();
    let headline = if s.lost > 0 {
        format!(
            "Data loss: {} acknowledged records lost, realized RPO {} s",
            s.lost,
            f(s.rpo_s)
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
    Verdict {
        design: design.to_string(),
        grade,
        headline,
        points,
        recommendations: recs,
    }
}

/// Which of several designs to prefer: no loss first, then the static check's
/// errors, then the least unavailability, then the lowest worst-site p99.
/// Returns the index into `designs`; None when there are fewer than two.
pub fn preferred(designs: &[(&str, &Outcome)], verdicts: &[Verdict]) -> Option<usize> {
    if designs.len() < 2 {
        return None;
    }
    let key = |i: usize| {
        let s = Summary::of(designs[i].1);
        (
            s.lost,
            verdicts[i].grade == Grade::Fail,
            s.unavailable_partition_s,
            s.worst_p99_ms().unwrap_or(f64::INFINITY),
        )
    };
    (0..designs.len()).min_by(|&a, &b| {
        let (ka, kb) = (key(a), key(b));
        (ka.0, ka.1)
            .cmp(&(kb.0, kb.1))
            .then(ka.2.total_cmp(&kb.2))
            .then(ka.3.total_cmp(&kb.3))
    })
}
