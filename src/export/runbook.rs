//! `runbook.md`: a failover drill, one step per scheduled fault. The expected
//! figures come from the simulation's [`Outcome`], never from rules of thumb:
//! - **RPO**: acknowledged records lost in the fault's window (`faults[i].lost_acked_records`),
//!   with the run's oldest lost record age (`durability.lost_acked_age_s_max`) when any was lost;
//! - **RTO**: from the fault's start to the first timeline interval after it with no
//!   unavailable partition (`timeline.unavailable_partitions`), at the timeline's resolution;
//! - time without a controller quorum in the window (`timeline.quorum`).
//!
//! For an asynchronous design (`export --design`), the fault's `recovery`: the
//! records not yet copied (lost with a site), the client failover's RTO, the
//! records failed-over consumers re-read, and the copier's catch-up.

use std::fmt::Write;

use crate::metrics::Outcome;
use crate::scenario::{Fault, FaultKind, Scenario};
use crate::topology::Topology;

/// RTO measured on the timeline: Some(seconds) when unavailability started and
/// ended within the run, Some(0) when none was seen, None when it never ended.
pub fn rto_s(o: &Outcome, at_s: f64, end_s: f64) -> Option<f64> {
    let iv = o.timeline.interval_s.max(1e-9);
    let tl = &o.timeline.unavailable_partitions;
    let k0 = (at_s / iv).floor() as usize;
    let horizon = ((end_s + 60.0) / iv).ceil() as usize;
    let first = (k0..tl.len().min(horizon + 1)).find(|&k| tl[k] > 0)?;
    let back = (first..tl.len()).find(|&k| tl[k] == 0)?;
    Some((back as f64 * iv - at_s).max(0.0))
}

fn no_quorum_s(o: &Outcome, at_s: f64, end_s: f64) -> f64 {
    let iv = o.timeline.interval_s;
    o.timeline
        .quorum
        .iter()
        .enumerate()
        .filter(|(k, q)| {
            let t = *k as f64 * iv;
            !**q && t + iv > at_s && t < end_s
        })
        .count() as f64
        * iv
}

fn action(f: &Fault, sc: &Scenario, topo: &Topology) -> (String, String) {
    match f.kind {
        FaultKind::SiteDown => {
            let site = f.site.as_deref().unwrap_or("?");
            let si = topo.site_index(site);
            let nodes: Vec<String> = topo
                .brokers
                .iter()
                .filter(|b| Some(b.site) == si)
                .map(|b| crate::export::host(b.node_id))
                .chain(
                    topo.controllers
                        .iter()
                        .filter(|c| Some(c.site) == si)
                        .map(|c| crate::export::host(c.node_id)),
                )
                .collect();
            (
                format!(
                    "Stop every Kafka process in site `{site}` at once (power off, or `systemctl stop kafka` on: {}), and its clients.",
                    nodes.join(", ")
                ),
                format!(
                    "Start the site's controllers, then its brokers; watch `kafka-topics --describe --under-replicated-partitions` drain (site `{site}`)."
                ),
            )
        }
        FaultKind::BrokerDown => {
            let b = f.broker.unwrap_or(0);
            (
                format!(
                    "Stop broker {b} (`systemctl stop kafka` on {}).",
                    crate::export::host(b)
                ),
                format!("Start broker {b}; it catches up and rejoins the ISR."),
            )
        }
        FaultKind::LinkPartition | FaultKind::LinkDegrade => {
            let [a, b] = f.between.clone().unwrap_or_default();
            if f.kind == FaultKind::LinkPartition {
                (
                    format!(
                        "Cut the link {a}↔{b} in both directions (on the test bed: `iptables -A OUTPUT -d <subnet of the other site> -j DROP` on the hosts of each side); both sides stay up."
                    ),
                    "Remove the DROP rules.".to_string(),
                )
            } else {
                let l = sc.link.iter().find(|l| {
                    (l.between[0] == a && l.between[1] == b)
                        || (l.between[0] == b && l.between[1] == a)
                });
                let rtt = f.rtt_ms.or(l.map(|l| l.rtt_ms)).unwrap_or(0.0);
                let jit = f.jitter_ms.or(l.map(|l| l.jitter_ms)).unwrap_or(0.0);
                let loss = f.loss_pct.or(l.map(|l| l.loss_pct)).unwrap_or(0.0);
                let bw = f
                    .bandwidth_mbps
                    .or(l.map(|l| l.bandwidth_mbps))
                    .unwrap_or(0.0);
                (
                    format!(
                        "Degrade the link {a}↔{b} to RTT {rtt} ms, jitter {jit} ms, loss {loss} %, {bw} Mbit/s (edit the link's row in `netem.sh` and run it on both sides)."
                    ),
                    "Run `netem.sh` again with the link's normal figures.".to_string(),
                )
            }
        }
        FaultKind::Corruption | FaultKind::TopicDeletion => {
            let topic = f.topic.as_deref().unwrap_or("every topic");
            let what = if f.kind == FaultKind::Corruption {
                format!("Produce deliberately bad records to `{topic}`")
            } else {
                format!("Delete `{topic}` (`kafka-topics --delete`)")
            };
            (
                format!("{what} on a test bed: every replica and copy receives it within the replication lag."),
                "Restore from the last point-in-time backup (object storage), if there is one; replication cannot undo it.".to_string(),
            )
        }
    }
}

pub fn render(sc: &Scenario, topo: &Topology, outcome: Option<&Outcome>) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Failover drill: `{}`\n", sc.name.replace('`', "'"));
    if sc.fault.is_empty() {
        let _ = writeln!(
            o,
            "The scenario schedules no `[[fault]]`, so there is no drill step. Add faults to the"
        );
        let _ = writeln!(
            o,
            "scenario and export again: each becomes a step with its simulated RPO and RTO."
        );
        return o;
    }
    match outcome {
        Some(out) => {
            let _ = writeln!(
                o,
                "One step per scheduled fault, in the scenario's order. *Expect* lines come from"
            );
            let _ = writeln!(
                o,
                "simulating this scenario with the exported settings (seed {}, {} s simulated,",
                out.seed, out.duration_s
            );
            let _ = writeln!(
                o,
                "timeline resolution {} s); compare them with what the test bed shows.\n",
                out.timeline.interval_s
            );
        }
        None => {
            let _ = writeln!(
                o,
                "One step per scheduled fault, in the scenario's order. Exported without simulating"
            );
            let _ = writeln!(
                o,
                "(`--no-simulate`): no expected figures; export again without it to get them.\n"
            );
        }
    }
    let _ = writeln!(
        o,
        "Before you start: `kafka-metadata-quorum --bootstrap-server B describe --status` shows a"
    );
    let _ = writeln!(
        o,
        "leader and every voter caught up; `kafka-topics --bootstrap-server B --describe"
    );
    let _ = writeln!(
        o,
        "--under-replicated-partitions` prints nothing; producers and consumers are running.\n"
    );
    for (i, f) in sc.fault.iter().enumerate() {
        let fo = outcome.and_then(|out| out.faults.iter().find(|x| x.index == i));
        let end_s = f.duration_s.map_or(sc.duration_s, |d| f.at_s + d);
        let (act, undo) = action(f, sc, topo);
        let kind = fo.map_or_else(|| format!("{:?}", f.kind), |x| x.kind.clone());
        let subject = fo.map_or_else(String::new, |x| x.subject.clone());
        let _ = writeln!(
            o,
            "## Step {}: {kind} {subject} at t = {} s\n",
            i + 1,
            f.at_s
        );
        let _ = writeln!(o, "1. **Do**: {act}");
        match outcome {
            Some(out) => expect(&mut o, out, fo, f.at_s, end_s),
            None => {
                let _ = writeln!(o, "2. **Expect**: not simulated (`--no-simulate`).");
            }
        }
        if outcome.is_some_and(|x| x.replication.is_some()) {
            let _ = writeln!(
                o,
                "3. **Check**: the copier's lag (MirrorMaker 2: the `replication-latency-ms` and `record-age-ms` metrics of MirrorSourceConnector; Cluster Linking: `kafka-mirrors --describe`); after a failover, the consumer groups' offsets on the surviving cluster (`kafka-consumer-groups --describe`) and the producers' error rates."
            );
        } else {
            let _ = writeln!(
                o,
                "3. **Check**: `kafka-topics --describe --unavailable-partitions` and `--under-replicated-partitions`; producer error rates; `kafka-metadata-quorum describe --status`."
            );
        }
        match f.duration_s {
            Some(d) => {
                let _ = writeln!(o, "4. **Undo** at t = {} s: {undo}", f.at_s + d);
            }
            None => {
                let _ = writeln!(
                    o,
                    "4. **Undo** after the drill (the scenario keeps this fault to the end of the run): {undo}"
                );
            }
        }
        let _ = writeln!(o);
    }
    if let Some(out) = outcome {
        let _ = writeln!(
            o,
            "Whole run: {} acknowledged record(s) lost, {:.1} unavailable partition-seconds, {:.1} s without a controller quorum.",
            out.durability.lost_acked_records,
            out.cluster.unavailable_partition_s,
            out.cluster.no_quorum_s
        );
    }
    o
}

/// The *Expect* line of one step, from the outcome.
fn expect(
    o: &mut String,
    out: &Outcome,
    fo: Option<&crate::metrics::FaultOutcome>,
    at_s: f64,
    end_s: f64,
) {
    if let (Some(r), Some(rep)) = (fo.and_then(|x| x.recovery.as_ref()), &out.replication) {
        // An asynchronous design: each cluster keeps serving; a site loss loses
        // what the copier had not copied and moves the clients after the RTO.
        let site_loss = fo.is_some_and(|x| x.kind == "site-down");
        let exposure = if r.rpo_records == 0 {
            "every acknowledged record had been copied: nothing lost".to_string()
        } else if site_loss {
            format!(
                "{} acknowledged record(s) ({} bytes) not yet copied by {} are lost: RPO {:.3} s of writes",
                r.rpo_records, r.rpo_bytes, rep.tool, r.rpo_s
            )
        } else {
            format!(
                "{} acknowledged record(s) not yet copied when it started ({:.3} s of lag): what a site loss at that moment would lose",
                r.rpo_records, r.rpo_s
            )
        };
        let rto = match r.rto_s {
            Some(x) => format!(
                "clients of the lost site restart against the surviving cluster after ≈ {x:.0} s (detection + decision + DNS TTL + client restart), consumers re-reading ≈ {} record(s) from the translated offsets",
                r.duplicates
            ),
            None => "no client fails over".to_string(),
        };
        let catch_up = r
            .catch_up_s
            .map(|c| {
                format!("; after the fault the copier is back to its normal lag within ≈ {c:.0} s")
            })
            .unwrap_or_default();
        let _ = writeln!(o, "2. **Expect**: {exposure}; {rto}{catch_up}.");
        return;
    }
    let lost = fo.map_or(0, |x| x.lost_acked_records);
    let rpo = if lost == 0 {
        "RPO 0: no acknowledged record lost".to_string()
    } else {
        format!(
            "{lost} acknowledged record(s) lost; the oldest lost record of the run was {:.3} s old (realized RPO)",
            out.durability.lost_acked_age_s_max
        )
    };
    let rto = match rto_s(out, at_s, end_s) {
        Some(0.0) => "RTO 0: no partition unavailable at the timeline's resolution".to_string(),
        Some(x) => format!(
            "RTO ≈ {x:.0} s: partitions unavailable from the fault until every one had a leader again"
        ),
        None => {
            "not recovered within the run: some partition stayed unavailable to the end".to_string()
        }
    };
    let unavail = fo.map_or(0.0, |x| x.unavailable_partition_s);
    let nq = no_quorum_s(out, at_s, end_s);
    let _ = writeln!(
        o,
        "2. **Expect**: {rpo}; {rto}; {unavail:.1} unavailable partition-seconds (fault start to 60 s after its end){}.",
        if nq > 0.0 {
            format!("; no controller quorum for ≈ {nq:.0} s")
        } else {
            String::new()
        }
    );
}
