//! `ktopo compare`: every design of a scenario against the same workload, faults
//! and seed, side by side. Builds a [`Comparison`] from the designs' outcomes;
//! rendering is Markdown / terminal text; `report` writes the files.

use crate::kafka::{SimError, simulate, simulate_design};
use crate::metrics::{Outcome, round3};
use crate::scenario::{DesignKind, Scenario};
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Clone, Debug, Serialize)]
pub struct SiteP99 {
    pub site: String,
    /// Steady state (outside every fault's window). `None`: no producer (or
    /// consumer) in this site, or nothing acknowledged (consumed) outside the windows.
    pub produce_p99_ms: Option<f64>,
    pub end_to_end_p99_ms: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FaultRow {
    pub index: usize,
    pub kind: String,
    pub subject: String,
    pub at_s: f64,
    pub rto_s: Option<f64>,
    pub rpo_records: u64,
    pub rpo_bytes: u64,
    pub rpo_s: f64,
    pub duplicates: u64,
    /// Re-read records counted after the clients actually failed over in the run.
    pub duplicates_measured: Option<u64>,
    /// Re-reads over the phases of the clocks leading to the resume point.
    pub duplicates_over_phases: Option<crate::metrics::PhaseRange>,
    /// Records failed-over consumers skip (`auto.offset.reset`).
    pub records_never_read: u64,
    pub catch_up_s: Option<f64>,
    /// Writes disrupted again once the fault was over (`RecoveryOutcome`).
    pub disrupted_after_end_s: Option<f64>,
    /// Produce, `send()` to acknowledgement (`delivery_latency`) and end-to-end
    /// p99 in the fault's window (its start to its end + 60 s).
    pub produce_p99_ms: Option<f64>,
    pub delivery_p99_ms: Option<f64>,
    pub end_to_end_p99_ms: Option<f64>,
    pub note: String,
}

/// One design's row of the comparison.
#[derive(Clone, Debug, Serialize)]
pub struct DesignRow {
    pub design: String,
    pub kind: String,
    pub tool: Option<String>,
    pub topology: Option<String>,
    pub sites: Vec<SiteP99>,
    pub unavailable_partition_s: f64,
    pub lost_acked_records: u64,
    pub replication_lag_p99_ms: Option<f64>,
    /// max(per-record lag maximum, largest interval-end lag sample), in s.
    pub replication_lag_s_max: Option<f64>,
    pub records_lost_to_retention: u64,
    pub link_utilization_max: f64,
    pub cost_usd_month: Option<f64>,
    pub faults: Vec<FaultRow>,
    pub events_processed: u64,
    /// The verdict (set by [`judge`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<VerdictRow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct VerdictRow {
    /// `pass`, `caution` or `fail`.
    pub grade: String,
    pub headline: String,
    /// Each objective of `[objectives]` against this design's run.
    pub objectives: Vec<crate::report::ObjectiveCheck>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub schema_version: u32,
    pub scenario: String,
    pub seed: u64,
    pub duration_s: f64,
    pub designs: Vec<DesignRow>,
    /// The design to prefer and why (set by [`judge`]; None for one design).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommended: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<String>,
}

/// Add each design's verdict and the recommendation (they need the static check's
/// findings and the objectives, which the report context holds).
pub fn judge(c: &mut Comparison, outcomes: &[Outcome], cx: &crate::report::Context) {
    use crate::report::{preferred, verdict};
    let all: Vec<(&str, &Outcome)> = outcomes.iter().map(|o| (o.design.as_str(), o)).collect();
    let verdicts: Vec<_> = all.iter().map(|(n, o)| verdict(n, o, cx)).collect();
    for (row, v) in c.designs.iter_mut().zip(&verdicts) {
        row.verdict = Some(VerdictRow {
            grade: v.grade.label().into(),
            headline: v.headline.clone(),
            objectives: v.objectives.clone(),
        });
    }
    if let Some((best, why)) = preferred(&all, &verdicts) {
        c.recommended = Some(all[best].0.to_string());
        c.recommendation = Some(why);
    }
}

/// Does some design meet every objective (or are there none)?
pub fn objectives_met(c: &Comparison) -> bool {
    c.designs.iter().any(|d| {
        d.verdict
            .as_ref()
            .is_none_or(|v| v.objectives.iter().all(|o| o.met != Some(false)))
    })
}

/// Run every design (a scenario without designs is one stretched design) with
/// the scenario's workload, faults and seed. Returns the outcomes too.
pub fn run(sc: &Scenario) -> Result<(Comparison, Vec<Outcome>), SimError> {
    let mut outcomes = Vec::new();
    for d in 0..sc.design.len().max(1) {
        outcomes.push(run_design(sc, d)?);
    }
    let designs = outcomes
        .iter()
        .enumerate()
        .map(|(i, o)| row(sc, i, o))
        .collect();
    Ok((
        Comparison {
            schema_version: crate::metrics::SCHEMA_VERSION,
            scenario: sc.name.clone(),
            seed: sc.seed,
            duration_s: sc.duration_s,
            designs,
            recommended: None,
            recommendation: None,
        },
        outcomes,
    ))
}

/// Run design `d` of the scenario; a scenario without designs is one stretched
/// design, `d` = 0.
pub fn run_design(sc: &Scenario, d: usize) -> Result<Outcome, SimError> {
    if sc.design.is_empty() {
        simulate(sc)
    } else {
        simulate_design(sc, d)
    }
}

/// The comparison row of design `i`'s outcome (`ktopo sweep` builds its rows
/// from these too).
pub fn row(sc: &Scenario, i: usize, o: &Outcome) -> DesignRow {
    let d = sc.design.get(i);
    let kind = match d.map(|d| d.kind) {
        Some(DesignKind::Async) => "async",
        Some(DesignKind::Hybrid) => "hybrid",
        _ => "stretched",
    };
    let sites = o
        .sites
        .iter()
        .map(|s| SiteP99 {
            site: s.site.clone(),
            produce_p99_ms: crate::metrics::LatencySummary::worst_p99(
                s.produce.iter().map(|p| &p.latency_steady),
            ),
            end_to_end_p99_ms: crate::metrics::LatencySummary::worst_p99(
                s.consume.iter().map(|c| &c.end_to_end_steady),
            ),
        })
        .collect();
    let faults = o
        .faults
        .iter()
        .map(|f| {
            let r = f.recovery.as_ref();
            FaultRow {
                index: f.index,
                kind: f.kind.clone(),
                subject: f.subject.clone(),
                at_s: f.at_s,
                rto_s: r.and_then(|r| r.rto_s),
                rpo_records: r.map_or(f.lost_acked_records, |r| r.rpo_records),
                rpo_bytes: r.map_or(0, |r| r.rpo_bytes),
                rpo_s: r.map_or(0.0, |r| r.rpo_s),
                duplicates: r.map_or(0, |r| r.duplicates),
                duplicates_measured: r.and_then(|r| r.duplicates_measured),
                duplicates_over_phases: r.and_then(|r| r.duplicates_over_phases),
                records_never_read: r.map_or(0, |r| r.records_never_read),
                catch_up_s: r.and_then(|r| r.catch_up_s),
                disrupted_after_end_s: r.and_then(|r| r.disrupted_after_end_s),
                produce_p99_ms: (f.produce_latency.count > 0).then_some(f.produce_latency.p99_ms),
                delivery_p99_ms: (f.delivery_latency.count > 0)
                    .then_some(f.delivery_latency.p99_ms),
                end_to_end_p99_ms: (f.end_to_end_latency.count > 0)
                    .then_some(f.end_to_end_latency.p99_ms),
                note: r.map_or(String::new(), |r| r.note.clone()),
            }
        })
        .collect();
    let rep = o.replication.as_ref();
    DesignRow {
        design: o.design.clone(),
        kind: kind.into(),
        tool: rep.map(|r| r.tool.clone()),
        topology: rep.map(|r| r.topology.clone()),
        sites,
        unavailable_partition_s: o.cluster.unavailable_partition_s,
        lost_acked_records: o.durability.lost_acked_records,
        replication_lag_p99_ms: rep.map(|r| r.lag.p99_ms),
        // The larger of the per-record maximum (records that were copied) and the
        // interval-end samples (which also see records not copied yet): at flow
        // fidelity the samples fall on step boundaries and can miss a lag.
        replication_lag_s_max: rep.map(|r| round3(r.lag_s_max.max(r.lag.max_ms / 1000.0))),
        records_lost_to_retention: rep.map_or(0, |r| r.records_lost_to_retention),
        link_utilization_max: round3(
            o.links
                .iter()
                .map(|l| l.utilization_max)
                .fold(0.0, f64::max),
        ),
        cost_usd_month: o.cost.as_ref().map(|c| c.total_usd_month),
        faults,
        events_processed: o.events_processed,
        verdict: None,
    }
}

fn opt(v: Option<f64>, unit: &str) -> String {
    v.map_or("–".into(), |v| format!("{v}{unit}"))
}

/// What the terminal prints after the comparison's table: each design's
/// verdict and the recommendation, so that the last lines on screen are the
/// conclusion rather than a table to read.
pub fn terminal_verdicts(c: &Comparison) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "\nverdicts:");
    for d in &c.designs {
        if let Some(v) = &d.verdict {
            let _ = writeln!(s, "  {} — {}: {}", d.design, v.grade, v.headline);
            for o in v.objectives.iter().filter(|o| o.met == Some(false)) {
                let _ = writeln!(s, "    objective {}", o.describe());
            }
        }
    }
    match (&c.recommended, &c.recommendation) {
        (Some(best), Some(why)) => {
            let _ = writeln!(s, "recommendation: {best} — {why}.");
        }
        _ => {
            let _ = writeln!(
                s,
                "recommendation: see each design's report.md for what to change."
            );
        }
    }
    s
}

/// The comparison as a Markdown document (also what the terminal shows).
pub fn markdown(c: &Comparison) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# {} — {} design(s), seed {}, {} s simulated\n",
        c.scenario,
        c.designs.len(),
        c.seed,
        c.duration_s
    );
    if let (Some(best), Some(why)) = (&c.recommended, &c.recommendation) {
        let _ = writeln!(s, "**Recommended: {best}** — {why}.\n");
    }
    for d in &c.designs {
        if let Some(v) = &d.verdict {
            let _ = writeln!(s, "- {} — {}: {}", d.design, v.grade, v.headline);
        }
    }
    if c.designs.iter().any(|d| d.verdict.is_some()) {
        let _ = writeln!(s);
    }
    let mut sites: Vec<String> = Vec::new();
    for d in &c.designs {
        for x in &d.sites {
            if !sites.contains(&x.site) {
                sites.push(x.site.clone());
            }
        }
    }
    let _ = write!(s, "| metric |");
    for d in &c.designs {
        let _ = write!(s, " {} |", d.design);
    }
    let _ = writeln!(s);
    let _ = write!(s, "|---|");
    for _ in &c.designs {
        let _ = write!(s, "---|");
    }
    let _ = writeln!(s);
    let mut line = |name: String, f: &dyn Fn(&DesignRow) -> String| {
        let _ = write!(s, "| {name} |");
        for d in &c.designs {
            let _ = write!(s, " {} |", f(d));
        }
        let _ = writeln!(s);
    };
    line("kind / tool".into(), &|d| {
        format!(
            "{}{}",
            d.kind,
            d.tool.as_ref().map_or(String::new(), |t| format!(" / {t}"))
        )
    });
    for site in &sites {
        line(format!("produce p99 {site}, steady state (ms)"), &|d| {
            d.sites
                .iter()
                .find(|x| &x.site == site)
                .map_or("–".into(), |x| opt(x.produce_p99_ms, ""))
        });
        line(format!("end-to-end p99 {site}, steady state (ms)"), &|d| {
            d.sites
                .iter()
                .find(|x| &x.site == site)
                .map_or("–".into(), |x| opt(x.end_to_end_p99_ms, ""))
        });
    }
    line("replication lag p99 (ms)".into(), &|d| {
        opt(d.replication_lag_p99_ms, "")
    });
    line("replication lag max (s)".into(), &|d| {
        opt(d.replication_lag_s_max, "")
    });
    line("unavailable partition-s".into(), &|d| {
        format!("{}", d.unavailable_partition_s)
    });
    line("lost acked records (in-cluster)".into(), &|d| {
        format!("{}", d.lost_acked_records)
    });
    line("lost to source retention".into(), &|d| {
        format!("{}", d.records_lost_to_retention)
    });
    line("peak link utilization".into(), &|d| {
        format!("{}", d.link_utilization_max)
    });
    line("cost per month (USD)".into(), &|d| {
        opt(d.cost_usd_month, "")
    });
    let nf = c.designs.first().map_or(0, |d| d.faults.len());
    for k in 0..nf {
        let (kind, subj) = c.designs[0]
            .faults
            .get(k)
            .map(|f| (f.kind.clone(), f.subject.clone()))
            .unwrap_or_default();
        let label = format!("fault {k} {kind} {subj}");
        line(format!("{label}: RTO (s)"), &|d| {
            opt(d.faults.get(k).and_then(|f| f.rto_s), "")
        });
        line(
            format!("{label}: produce / send() to ack / end-to-end p99 in the window (ms)"),
            &|d| {
                d.faults.get(k).map_or("–".into(), |f| {
                    format!(
                        "{} / {} / {}",
                        opt(f.produce_p99_ms, ""),
                        opt(f.delivery_p99_ms, ""),
                        opt(f.end_to_end_p99_ms, "")
                    )
                })
            },
        );
        line(format!("{label}: RPO records / s"), &|d| {
            d.faults
                .get(k)
                .map_or("–".into(), |f| format!("{} / {}", f.rpo_records, f.rpo_s))
        });
        line(format!("{label}: duplicates re-read"), &|d| {
            d.faults
                .get(k)
                .map_or("–".into(), |f| match f.duplicates_measured {
                    Some(m) => format!("{} (measured {m})", f.duplicates),
                    None => format!("{}", f.duplicates),
                })
        });
        if c.designs.iter().any(|d| {
            d.faults
                .get(k)
                .is_some_and(|f| f.duplicates_over_phases.is_some())
        }) {
            line(
                format!("{label}: re-reads over the phases, min / mean / max"),
                &|d| {
                    d.faults
                        .get(k)
                        .and_then(|f| f.duplicates_over_phases)
                        .map_or("–".into(), |p| {
                            format!("{} / {} / {}", p.min, p.mean, p.max)
                        })
                },
            );
        }
        if c.designs
            .iter()
            .any(|d| d.faults.get(k).is_some_and(|f| f.records_never_read > 0))
        {
            line(format!("{label}: records never read"), &|d| {
                d.faults
                    .get(k)
                    .map_or("–".into(), |f| f.records_never_read.to_string())
            });
        }
        line(format!("{label}: catch-up (s)"), &|d| {
            opt(d.faults.get(k).and_then(|f| f.catch_up_s), "")
        });
        if c.designs.iter().any(|d| {
            d.faults
                .get(k)
                .and_then(|f| f.disrupted_after_end_s)
                .is_some_and(|x| x > 0.0)
        }) {
            line(
                format!("{label}: writes disrupted after it ended (s)"),
                &|d| opt(d.faults.get(k).and_then(|f| f.disrupted_after_end_s), ""),
            );
        }
    }
    let _ = writeln!(s);
    for d in &c.designs {
        for f in &d.faults {
            if !f.note.is_empty() {
                let _ = writeln!(s, "- {} fault {}: {}", d.design, f.index, f.note);
            }
        }
    }
    s
}

pub fn to_json(c: &Comparison) -> String {
    let mut s = serde_json::to_string_pretty(c).expect("a Comparison always serializes");
    s.push('\n');
    s
}

/// Write `reports/<scenario>/compare.{json,md,html}` and each design's
/// `reports/<scenario>/<design>/report.{json,md,html}` (through `report`'s
/// atomic writes). `compare.html` shows every design side by side.
pub fn write(
    c: &Comparison,
    outcomes: &[Outcome],
    cx: &crate::report::Context,
    out: &std::path::Path,
) -> std::io::Result<std::path::PathBuf> {
    use crate::report::{html, markdown_report, write_atomic};
    use crate::scenario::safe_name;
    let dir = out.join(safe_name(&c.scenario));
    write_atomic(&dir.join("compare.json"), &to_json(c))?;
    write_atomic(&dir.join("compare.md"), &markdown(c))?;
    let all: Vec<(&str, &Outcome)> = outcomes.iter().map(|o| (o.design.as_str(), o)).collect();
    write_atomic(&dir.join("compare.html"), &html(&all, cx))?;
    for o in outcomes {
        let sub = dir.join(safe_name(&o.design));
        write_atomic(&sub.join("report.json"), &crate::report::to_json(o))?;
        write_atomic(&sub.join("report.md"), &markdown_report(o, cx))?;
        write_atomic(
            &sub.join("report.html"),
            &html(&[(o.design.as_str(), o)], cx),
        )?;
    }
    Ok(dir)
}
