//! `ktopo size-link`: the smallest bandwidth per WAN link that meets the
//! objectives, found by bisection over simulations (never a formula), never
//! below the peak wire rate the simulation measures on the link, with the
//! settings that make that bandwidth usable (socket buffers ≥ the
//! bandwidth-delay product, `tasks.max`, the copier's compression).

use super::candidates::{bdp_buffer, tasks_for};
use crate::metrics::{Outcome, round3};
use crate::montecarlo::MEET_SHARE;
use crate::report::{Summary, objectives};
use crate::scenario::{DesignKind, Fault, FaultKind, LoadProfile, Scenario};
use indexmap::IndexMap;
use serde::Serialize;

/// Bisection stops when the bracket is narrower than this fraction of its top.
pub const REL_TOLERANCE: f64 = 0.02;
/// Most bandwidth tried, Mbit/s (the schema's limit).
const MAX_MBPS: f64 = 10_000_000.0;

#[derive(Clone, Debug, Serialize)]
pub struct LinkSize {
    /// `a-b` as the file's `between`.
    pub link: String,
    /// The smallest bandwidth found that meets the objectives, Mbit/s each way
    /// (the top of the final bracket, rounded up to a whole Mbit/s).
    pub bandwidth_mbps: f64,
    /// `peak` (the peak wire rate suffices), `lag` or `catch_up`; `none` when
    /// even the largest bandwidth tried misses.
    pub binding: &'static str,
    /// The peak wire rate measured on the link (busiest interval, either
    /// direction) with the link unconstrained, Mbit/s.
    pub peak_wire_mbps: f64,
    /// The largest bandwidth found that misses, Mbit/s (None: the peak suffices).
    pub misses_at_mbps: Option<f64>,
    /// Simulations run for this link.
    pub runs: usize,
    /// Catch-up and lag measured at the answer.
    pub catch_up_s: Option<f64>,
    pub replication_lag_s_max: Option<f64>,
    /// Settings the runs used and the answer needs (Kafka names).
    pub settings: IndexMap<String, String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Sizing {
    pub scenario: String,
    pub design: String,
    /// The outage placed on each link (`--outage-s`), or None: the file's faults.
    pub outage_s: Option<f64>,
    /// `--runs N`: a bandwidth passes when at least `meet_share` of the N
    /// draws meet the objectives (absent without it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draws: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meet_share: Option<f64>,
    pub links: Vec<LinkSize>,
}

/// Is link `li` inside a hybrid design's stretched cluster (both ends in its
/// cluster 0)? Its traffic is then replication within one cluster, not the copy.
fn stretched_link_of_hybrid(sc: &Scenario, d: usize, li: usize) -> bool {
    let Some(des) = sc.design.get(d).filter(|x| x.kind == DesignKind::Hybrid) else {
        return false;
    };
    let layout = crate::scenario::DesignLayout::of(sc, des);
    let Some(metro) = layout.clusters.first() else {
        return false;
    };
    sc.link[li].between.iter().all(|n| {
        sc.site
            .iter()
            .position(|s| &s.name == n)
            .is_some_and(|i| metro.contains(&i))
    })
}

/// The scenario with link `li` at `mbps` and the buffers (and tasks) that
/// let one connection fill it: the copier's for a link the copy crosses (an
/// async design, or a hybrid design's far link), else the replica fetchers'.
fn with_bandwidth(sc: &Scenario, d: usize, li: usize, mbps: f64) -> Scenario {
    let mut s = sc.clone();
    s.link[li].bandwidth_mbps = mbps;
    let buf = bdp_buffer(mbps, s.link[li].rtt_ms);
    let partitions: u32 = s.topic.iter().map(|t| t.partitions).sum();
    let copy = !stretched_link_of_hybrid(sc, d, li);
    if let Some(des) = s.design.get_mut(d)
        && (des.kind == DesignKind::Async || (des.kind == DesignKind::Hybrid && copy))
    {
        if des.receive_buffer_bytes >= 0 {
            des.receive_buffer_bytes = des.receive_buffer_bytes.max(buf);
        }
        if des.producer_send_buffer_bytes >= 0 {
            des.producer_send_buffer_bytes = des.producer_send_buffer_bytes.max(buf);
        }
        let peak = mbps * 1e6 / 8.0;
        let brokers = s.site.iter().map(|x| x.brokers).max().unwrap_or(1);
        let t = tasks_for(
            peak / 1.25,
            partitions,
            brokers,
            buf as f64,
            s.link[li].rtt_ms,
        );
        // The Flink job's subtasks are its fetch connections; the
        // offset-preserving mirrors fetch from every destination broker and
        // have no task count (tasks.max would be ignored).
        if des.tool == crate::scenario::CopierTool::Flink {
            des.parallelism = des.parallelism.max(t);
        } else if !des.tool.offset_preserving() {
            des.tasks_max = des.tasks_max.max(t);
        }
    } else if s.broker.replica_socket_receive_buffer_bytes >= 0 {
        s.broker.replica_socket_receive_buffer_bytes =
            s.broker.replica_socket_receive_buffer_bytes.max(buf);
    }
    s
}

/// Seconds over which the peak wire rate is averaged: at flow fidelity bulk
/// bytes move in `model.flow_step_ms` steps and one fetch can carry two steps'
/// records into one timeline interval, so a single interval can read twice the
/// rate; 10 s holds 10 steps of the default 1 s.
pub const PEAK_WINDOW_S: f64 = 10.0;

/// Peak Mbit/s over the link's busiest window of [`PEAK_WINDOW_S`], either
/// direction, and the busiest single interval's utilization.
fn peak_mbps(o: &Outcome, a: &str, b: &str) -> (f64, f64) {
    let w = ((PEAK_WINDOW_S / o.timeline.interval_s.max(1e-3)).round() as usize).max(1);
    let mut peak = 0.0f64;
    let mut util = 0.0f64;
    for l in o
        .links
        .iter()
        .filter(|l| (l.from == a && l.to == b) || (l.from == b && l.to == a))
    {
        util = util.max(l.utilization_max);
        let u = &l.utilization;
        if u.len() <= w {
            let mean = u.iter().sum::<f64>() / u.len().max(1) as f64;
            peak = peak.max(mean * l.bandwidth_mbps);
            continue;
        }
        let mut sum: f64 = u[..w].iter().sum();
        let mut best = sum;
        for i in w..u.len() {
            sum += u[i] - u[i - w];
            best = best.max(sum);
        }
        peak = peak.max(best / w as f64 * l.bandwidth_mbps);
    }
    (peak, util)
}

/// The objectives a link's bandwidth decides, against one run: the missed
/// ones as `lag` / `catch_up` (empty: met).
fn misses(sc: &Scenario, o: &Outcome, outage: bool) -> Vec<&'static str> {
    let s = Summary::of(o);
    let mut out = Vec::new();
    for c in objectives(&sc.objectives, &s) {
        if c.met != Some(false) {
            continue;
        }
        let k = match c.objective {
            "catch_up_s" => "catch_up",
            "replication_lag_s" | "rpo_s" => "lag",
            _ => continue,
        };
        if !out.contains(&k) {
            out.push(k);
        }
    }
    // An outage must at least be caught up within the run.
    if outage && !s.never_caught_up.is_empty() && !out.contains(&"catch_up") {
        out.push("catch_up");
    }
    out
}

/// Size every link that carries the design's traffic. `outage_s`: cut each
/// link for that long, ending at the load's peak, instead of the file's faults.
pub fn size_links(
    sc: &Scenario,
    outage_s: Option<f64>,
    jobs: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Sizing, String> {
    size_links_with(sc, outage_s, None, jobs, progress)
}

/// [`size_links`]; with `draws = Some(N)` a bandwidth passes when at least
/// [`MEET_SHARE`] of N Monte Carlo draws (`montecarlo::draw`: run i's seed
/// and ranges, the same at every bandwidth tried) meet the objectives.
pub fn size_links_with(
    sc: &Scenario,
    outage_s: Option<f64>,
    draws: Option<usize>,
    jobs: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Sizing, String> {
    if let Some(n) = draws
        && (n == 0 || n > crate::montecarlo::MAX_RUNS)
    {
        return Err(format!(
            "--runs must be between 1 and {}",
            crate::montecarlo::MAX_RUNS
        ));
    }
    let d = 0;
    let run = |s: &Scenario| crate::compare::run_design(s, d).map_err(|e| e.to_string());
    // The links the traffic crosses, from a run without faults.
    let mut clean = sc.clone();
    clean.fault.clear();
    let base = run(&clean)?;
    let used: Vec<usize> = (0..sc.link.len())
        .filter(|&i| {
            let [a, b] = &sc.link[i].between;
            base.links.iter().any(|l| {
                l.bytes > 0 && ((&l.from == a && &l.to == b) || (&l.from == b && &l.to == a))
            })
        })
        .collect();
    let design = sc
        .design
        .get(d)
        .map_or("stretched".to_string(), |x| x.name.clone());
    let links = super::par_map(
        used.len(),
        jobs,
        |j| size_one(sc, d, used[j], outage_s, draws),
        progress,
    );
    let links: Result<Vec<LinkSize>, String> = links
        .into_iter()
        .map(|l| l.unwrap_or_else(|| Err("interrupted".into())))
        .collect();
    Ok(Sizing {
        scenario: sc.name.clone(),
        design,
        outage_s,
        draws,
        meet_share: draws.map(|_| MEET_SHARE),
        links: links?,
    })
}

/// The scenario for sizing link `li`: with `outage_s`, the file's faults
/// replaced by a cut of this link ending at the load's peak, and time after
/// it to catch up.
fn sizing_scenario(sc: &Scenario, li: usize, outage_s: Option<f64>) -> Scenario {
    let mut s = sc.clone();
    let Some(n) = outage_s else { return s };
    let at = 60.0;
    s.fault = vec![Fault {
        kind: FaultKind::LinkPartition,
        at_s: at,
        duration_s: Some(n),
        site: None,
        broker: None,
        between: Some(s.link[li].between.clone()),
        rtt_ms: None,
        bandwidth_mbps: None,
        loss_pct: None,
        jitter_ms: None,
        topic: None,
    }];
    if s.load.profile == LoadProfile::Daily {
        // The worst moment: the backlog meets the peak's ingress when the link returns.
        s.load.peak_at_s = at + n;
    }
    let recovery = s
        .objectives
        .catch_up_s
        .map_or(600.0, |c| (3.0 * c).max(600.0));
    s.duration_s = (at + n + recovery).min(30.0 * 86_400.0);
    s
}

fn size_one(
    sc: &Scenario,
    d: usize,
    li: usize,
    outage_s: Option<f64>,
    draws: Option<usize>,
) -> Result<LinkSize, String> {
    let run = |s: &Scenario| crate::compare::run_design(s, d).map_err(|e| e.to_string());
    let [a, b] = sc.link[li].between.clone();
    let mut runs = 0;
    // The peak wire rate: measured with the link far from saturation; with
    // draws, in each draw, and the draws' 95th percentile is the floor.
    let mut clean = sc.clone();
    clean.fault.clear();
    let peak_of = |clean: &Scenario, runs: &mut usize| -> Result<f64, String> {
        let mut bw = clean.link[li].bandwidth_mbps;
        let mut peak = 0.0;
        for _ in 0..8 {
            let o = run(&with_bandwidth(clean, d, li, bw))?;
            *runs += 1;
            let (p, u) = peak_mbps(&o, &a, &b);
            peak = p;
            if u < 0.5 || bw >= MAX_MBPS {
                break;
            }
            bw = (bw * 4.0).min(MAX_MBPS);
        }
        Ok(peak)
    };
    let peak = match draws {
        None => peak_of(&clean, &mut runs)?,
        Some(n) => {
            use statrs::statistics::{Data, OrderStatistics};
            let mut peaks = Vec::with_capacity(n);
            for r in 0..n {
                let drawn = crate::montecarlo::draw(&clean, r)?.0;
                peaks.push(peak_of(&drawn, &mut runs)?);
            }
            Data::new(peaks).quantile(MEET_SHARE)
        }
    };
    let floor = peak.ceil().max(1.0);
    if stretched_link_of_hybrid(sc, d, li) {
        // A link inside a hybrid design's stretched cluster carries its
        // synchronous replication (RF − 1 copies of each write, those whose
        // followers sit across it): acks=all waits for them, so the link must
        // carry the peak; lag and catch-up belong to the copy, not to it.
        let used = with_bandwidth(&clean, d, li, floor);
        let mut settings = IndexMap::new();
        settings.insert(
            "replica.socket.receive.buffer.bytes".into(),
            used.broker.replica_socket_receive_buffer_bytes.to_string(),
        );
        return Ok(LinkSize {
            link: format!("{a}-{b}"),
            bandwidth_mbps: floor,
            binding: "peak",
            peak_wire_mbps: round3(peak),
            misses_at_mbps: None,
            runs,
            catch_up_s: None,
            replication_lag_s_max: None,
            settings,
        });
    }
    let target = sizing_scenario(sc, li, outage_s);
    let outage = outage_s.is_some();
    // The scenarios a bandwidth is tried on: the file's, or each draw's
    // (with this link's bandwidth and the buffers for it set after the draw).
    let bases: Vec<Scenario> = match draws {
        None => vec![target.clone()],
        Some(n) => (0..n)
            .map(|r| crate::montecarlo::draw(&target, r).map(|x| x.0))
            .collect::<Result<_, _>>()?,
    };
    let test = |mbps: f64, runs: &mut usize| -> Result<(Vec<&'static str>, Outcome), String> {
        let mut failed: Vec<&'static str> = Vec::new();
        let (mut passed, mut first) = (0usize, None);
        for b in &bases {
            let s = with_bandwidth(b, d, li, mbps);
            let o = run(&s)?;
            *runs += 1;
            let m = misses(&s, &o, outage);
            if m.is_empty() {
                passed += 1;
            } else if failed.is_empty() {
                failed = m;
            }
            first.get_or_insert(o);
        }
        let pass = passed as f64 + 1e-9 >= MEET_SHARE * bases.len() as f64;
        let o = first.ok_or_else(|| "no run".to_string())?;
        Ok((if pass { Vec::new() } else { failed }, o))
    };
    let (m, mut best) = test(floor, &mut runs)?;
    let mut binding: &'static str = "peak";
    let mut answer = floor;
    let mut misses_at = None;
    if !m.is_empty() {
        // Double until it passes, then bisect.
        let (mut lo, mut lo_miss) = (floor, m);
        let mut hi = None;
        let mut x = floor;
        while x < MAX_MBPS {
            x = (x * 2.0).min(MAX_MBPS);
            let (m, o) = test(x, &mut runs)?;
            if m.is_empty() {
                hi = Some(x);
                best = o;
                break;
            }
            lo = x;
            lo_miss = m;
        }
        match hi {
            None => {
                binding = "none";
                answer = MAX_MBPS;
                misses_at = Some(lo);
            }
            Some(mut h) => {
                while (h - lo) / h > REL_TOLERANCE {
                    let mid = ((lo + h) / 2.0).ceil();
                    let (m, o) = test(mid, &mut runs)?;
                    if m.is_empty() {
                        h = mid;
                        best = o;
                    } else {
                        lo = mid;
                        lo_miss = m;
                    }
                }
                answer = h.ceil();
                misses_at = Some(lo);
                binding = lo_miss.first().copied().unwrap_or("lag");
            }
        }
    }
    let s = Summary::of(&best);
    // The settings the answer needs: with draws, those of the draw that needs
    // the most (the largest buffer: the longest drawn round trip).
    let used = bases
        .iter()
        .map(|b| with_bandwidth(b, d, li, answer))
        .max_by_key(|u| match u.design.get(d) {
            Some(des) => (
                des.receive_buffer_bytes,
                i64::from(des.tasks_max.max(des.parallelism)),
            ),
            None => (u.broker.replica_socket_receive_buffer_bytes, 0),
        })
        .unwrap_or_else(|| with_bandwidth(&target, d, li, answer));
    let mut settings = IndexMap::new();
    match used
        .design
        .get(d)
        .filter(|x| matches!(x.kind, DesignKind::Async | DesignKind::Hybrid))
    {
        Some(des) => {
            settings.insert(
                "consumer.receive.buffer.bytes".into(),
                des.receive_buffer_bytes.to_string(),
            );
            if des.tool == crate::scenario::CopierTool::Flink {
                settings.insert("parallelism".into(), des.parallelism.to_string());
            } else if !des.tool.offset_preserving() {
                settings.insert("tasks.max".into(), des.tasks_max.to_string());
            }
            settings.insert(
                "producer.compression.type".into(),
                format!("{:?}", des.compression_type).to_lowercase(),
            );
        }
        None => {
            settings.insert(
                "replica.socket.receive.buffer.bytes".into(),
                used.broker.replica_socket_receive_buffer_bytes.to_string(),
            );
        }
    }
    Ok(LinkSize {
        link: format!("{a}-{b}"),
        bandwidth_mbps: answer,
        binding,
        peak_wire_mbps: round3(peak),
        misses_at_mbps: misses_at,
        runs,
        catch_up_s: s.catch_up_max_s.map(round3),
        replication_lag_s_max: s.replication_lag_s_max.map(round3),
        settings,
    })
}

/// The terminal table.
pub fn text(s: &Sizing) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} (design {}){}",
        s.scenario,
        s.design,
        s.outage_s.map_or(String::new(), |n| format!(
            ", an outage of {n} s on each link ending at the peak"
        ))
    );
    for l in &s.links {
        let _ = writeln!(
            out,
            "  {}: {} Mbit/s (binding: {}; peak wire rate {} Mbit/s; {} runs{})",
            l.link,
            l.bandwidth_mbps,
            l.binding,
            l.peak_wire_mbps,
            l.runs,
            l.catch_up_s
                .map_or(String::new(), |c| format!("; catch-up {c} s"))
        );
        let set: Vec<String> = l
            .settings
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect();
        let _ = writeln!(out, "    with {}", set.join(", "));
    }
    out
}

/// `--json`.
pub fn to_json(s: &Sizing) -> String {
    let mut t = serde_json::to_string_pretty(s).unwrap_or_default();
    t.push('\n');
    t
}
