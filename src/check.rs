//! `ktopo check`: static feasibility of a scenario before any simulation.
//!
//! Every check works on the scenario and its [`Topology`] only (placement comes
//! from [`Topology::assign`], the same one the simulator uses) and says what to
//! change. The rules come from /work/shared/kafka-model.md: §3 (quorum), §1–2
//! (ISR, min.insync.replicas, fencing), §4 (placement) and §6 (WAN).
//!
//! Codes (level in brackets; `subject` in quotes):
//! - `quorum-site-loss` [error] "site S": losing S leaves fewer than ⌊n/2⌋+1 voters,
//!   or a majority that no surviving voter site reaches (the site graph,
//!   [`crate::sites::SiteGraph`]: no transit through a lost site).
//! - `quorum-even`, `quorum-small` [warning] "controllers": even voter count; < 3 voters.
//! - `controllers-one-site` [warning] "site S": every voter in S, brokers in several sites.
//! - `single-site` [info]: one site only, site failures not analysed.
//! - `rf-exceeds-brokers`, `min-isr-above-rf` [error], `min-isr-equals-rf`, `rf-one`
//!   [warning], `min-isr-one` [info] "topic T".
//! - `site-loss-offline`, `site-loss-min-isr`, `site-loss-isr-frozen` [error]
//!   "site S, topic T": partitions with no replica left, below min.insync.replicas
//!   (NotEnoughReplicas), or stalled because the quorum went with the site.
//! - `site-loss-observer-promotion` [info|warning] "site S, topic T": partitions that
//!   losing S leaves short of min ISR but that the topic's `observerPromotionPolicy`
//!   rescues with surviving observers; warning when an observer must be elected
//!   (every synchronous replica lost: RPO > 0).
//! - `site-loss-partition` [warning] "site S": losing S splits the surviving sites
//!   into groups that no longer reach each other (their routes went through S).
//! - `link-cut-quorum` [error], `link-cut-min-isr` [error] ("link A↔B, topic T"),
//!   `link-cut` [info] "link A↔B": who keeps the quorum, who is fenced, what it costs.
//! - `link-cut-clients` [error] "link A↔B, topic T": producers in a site without
//!   brokers lose the partitions led in the sites the cut puts out of their reach,
//!   for the whole cut (those brokers keep the controller, so the leaders stay).
//! - `multi-hop-route` [info] "route A↔B": two sites without a link of their own
//!   and the path their traffic takes (hubs, hops, RTT, narrowest hop).
//! - `link-saturated` [error], `link-headroom` [warning] "link A↔B": traffic vs capacity,
//!   the traffic of routed pairs counted on every hop.
//! - `wan-receive-buffer` [error|warning|info] "link A↔B" (or "route A↔B", its
//!   narrowest hop × summed RTT): receive buffer below the
//!   bandwidth-delay product; error when a broker pair needs more than buffer/RTT per
//!   fetcher connection.
//! - `stretched-rtt` [warning > 10 ms, info > 2 ms] "link A↔B" (or "route A↔B"
//!   through other sites): broker sites apart.
//! - `copier-link` [error when the average does not fit, warning when only the peak
//!   does not] "design D flow A→B": copy rate vs the link's capacity less background.
//! - `copier-window` [warning] "design D flow A→B": copier connections × buffer/RTT
//!   below the peak rate.
//! - `copier-in-flight` [warning] "design D flow A→B": a copier pushing over the WAN,
//!   one request in flight per target broker with one batch.size batch per partition,
//!   below the peak rate.
//!
//! - `event-limit` [error] "model.max_events": the run's estimated events
//!   ([`estimated_events`]) exceed the limit; suggests flow fidelity.
//!
//! With `[[design]]`s every finding belongs to one design ([`Finding::design`]):
//! a stretched design is judged as the whole file, an async design cluster by
//! cluster (subjects `design D cluster C: …`) plus its flows.
//!
//! Approximations, all static: every replica is assumed in sync and every
//! partition led by its preferred leader (`replicas[0]`) when a fault starts;
//! producer traffic spreads evenly over a topic's partitions; one replica
//! fetcher connection per (leader broker, follower broker) pair and fetcher
//! thread.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::scenario::{Acks, ObserverPromotionPolicy, RACK_AWARE_SELECTOR, Scenario};
use crate::sites::{Faults, Hop, SiteGraph};
use crate::topology::{Assignment, Topology};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Info,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Info => "info",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub level: Level,
    /// Stable identifier of the rule, e.g. `quorum-site-loss`.
    pub code: &'static str,
    /// What the finding is about: `site dc1`, `topic orders`, `link dc1↔dc2`, ...
    pub subject: String,
    pub message: String,
    /// What to change.
    pub fix: String,
    /// The `[[design]]` the finding belongs to; None in a file without designs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub design: Option<String>,
    /// The scenario key the finding points at, as a path
    /// (`producer[0].rate_mb_s`), when one key is the place to change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Where `key` is: `file:line:column` ([`locate`], from the file's text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// Fill each finding's `at` with the file, line and column of its `key` in
/// `text` (the scenario file `file` as read): the key itself when the file
/// states it, else the closest enclosing table that is there.
pub fn locate(findings: &mut [Finding], file: &str, text: &str) {
    for f in findings.iter_mut() {
        if let Some(key) = &f.key
            && let Some((line, col)) = crate::scenario::key_position(text, key)
        {
            f.at = Some(format!("{file}:{line}:{col}"));
        }
    }
}

/// RTT between broker sites above which a stretched cluster gets a warning.
pub const STRETCH_WARN_RTT_MS: f64 = 10.0;
/// RTT between broker sites above which a stretched cluster gets a note.
pub const STRETCH_INFO_RTT_MS: f64 = 2.0;
/// Share of a link's capacity above which there is too little headroom for
/// peaks and catch-up (§6).
pub const LINK_HEADROOM_SHARE: f64 = 0.7;

/// Every finding for `sc`. A file without `[[design]]` is one stretched cluster,
/// judged as a whole. A file with designs is judged design by design (in file
/// order): a stretched design as the whole file, an asynchronous design as each
/// of its clusters on its own (its quorum, its placement, the links inside it)
/// plus its copy flows, so that a cluster per site is not blamed for losing its
/// quorum with its site, which is the trade the design makes. Each finding of a
/// design carries its name in [`Finding::design`]; within a design findings are
/// sorted by level, code, subject and message.
pub fn check(sc: &Scenario, topo: &Topology) -> Vec<Finding> {
    if sc.design.is_empty() {
        let mut out = Vec::new();
        cluster_checks(&Cx::new(sc, topo, None), &CopyLoad::default(), &mut out);
        event_budget(sc, topo, None, &mut out);
        sort(&mut out);
        return out;
    }
    let mut all = Vec::new();
    for d in &sc.design {
        let mut out = Vec::new();
        design_checks(sc, topo, d, &mut out);
        event_budget(sc, topo, Some(d), &mut out);
        sort(&mut out);
        for f in &mut out {
            f.design = Some(d.name.clone());
        }
        all.extend(out);
    }
    all
}

/// The findings of one design.
fn design_checks(
    sc: &Scenario,
    topo: &Topology,
    d: &crate::scenario::Design,
    out: &mut Vec<Finding>,
) {
    use crate::scenario::DesignKind;
    use crate::scenario::DesignLayout;
    if d.kind == DesignKind::Stretched {
        cluster_checks(&Cx::new(sc, topo, None), &CopyLoad::default(), out);
        return;
    }
    let lay = DesignLayout::of(sc, d);
    for (c, sites) in lay.clusters.iter().enumerate() {
        let (sub, _) = topo.restricted(sites);
        let cx = Cx::new(sc, &sub, Some((sites.as_slice(), c)));
        let mut mine = Vec::new();
        cluster_checks(&cx, &CopyLoad::of(sc, topo, d, &lay, c), &mut mine);
        let name = sites
            .iter()
            .map(|&s| sc.site[s].name.as_str())
            .collect::<Vec<_>>()
            .join("+");
        for f in &mut mine {
            f.subject = format!("design {} cluster {name}: {}", d.name, f.subject);
        }
        out.extend(mine);
    }
    copy_flows(sc, topo, d, &lay, out);
}

/// The checks of one cluster (the whole file, or one cluster of an async
/// design, with the copy traffic through it).
fn cluster_checks(cx: &Cx, copy: &CopyLoad, out: &mut Vec<Finding>) {
    quorum(cx, out);
    replication_settings(cx, out);
    site_loss(cx, out);
    link_cuts(cx, out);
    client_cuts(cx, out);
    routes(cx, out);
    wan(cx, out);
    stretched(cx, out);
    broker_load(cx, copy, out);
}

fn sort(out: &mut [Finding]) {
    out.sort_by(|a, b| {
        (a.level, a.code, &a.subject, &a.message).cmp(&(b.level, b.code, &b.subject, &b.message))
    });
}

/// (errors, warnings, notes) among `findings`.
pub fn counts<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> (usize, usize, usize) {
    let mut c = (0, 0, 0);
    for f in findings {
        match f.level {
            Level::Error => c.0 += 1,
            Level::Warning => c.1 += 1,
            Level::Info => c.2 += 1,
        }
    }
    c
}

/// "1 error, 2 warnings, 0 notes".
pub fn count_line<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> String {
    let (e, w, n) = counts(findings);
    let plural = |n: usize, w: &str| {
        if n == 1 {
            format!("{n} {w}")
        } else {
            format!("{n} {w}s")
        }
    };
    format!(
        "{}, {}, {}",
        plural(e, "error"),
        plural(w, "warning"),
        plural(n, "note")
    )
}

/// A human listing: one block per finding, then a count.
pub fn render_text(findings: &[Finding]) -> String {
    let mut s = String::new();
    for f in findings {
        block(&mut s, f);
    }
    let _ = writeln!(s, "{}", count_line(findings));
    s
}

fn block(s: &mut String, f: &Finding) {
    let _ = writeln!(s, "{}[{}] {}", f.level.label(), f.code, f.subject);
    if let (Some(at), Some(key)) = (&f.at, &f.key) {
        let _ = writeln!(s, "  --> {at} ({key})");
    }
    let _ = writeln!(s, "  {}", f.message);
    let _ = writeln!(s, "  fix: {}", f.fix);
    s.push('\n');
}

/// What `ktopo check` prints: [`render_text`] for a file without designs;
/// with designs, each design under a heading that says how it was judged and
/// what was found, then the total.
pub fn render_by_design(sc: &Scenario, findings: &[Finding]) -> String {
    if sc.design.is_empty() {
        return render_text(findings);
    }
    let mut s = String::new();
    for d in &sc.design {
        let mine: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.design.as_deref() == Some(d.name.as_str()))
            .collect();
        let what = match d.kind {
            crate::scenario::DesignKind::Stretched => {
                "stretched: one cluster over every site".to_string()
            }
            crate::scenario::DesignKind::Async => {
                let lay = crate::scenario::DesignLayout::of(sc, d);
                format!(
                    "async: {} cluster(s), each judged on its own, and {} copy flow(s)",
                    lay.clusters.len(),
                    lay.flows.len()
                )
            }
            crate::scenario::DesignKind::Hybrid => {
                let lay = crate::scenario::DesignLayout::of(sc, d);
                format!(
                    "hybrid: stretched cluster {} and {} other cluster(s), each judged on its own, and {} copy flow(s)",
                    lay.cluster_name(sc, 0),
                    lay.clusters.len() - 1,
                    lay.flows.len()
                )
            }
        };
        let _ = writeln!(
            s,
            "== design {} ({what}): {}\n",
            d.name,
            count_line(mine.iter().copied())
        );
        for f in mine {
            block(&mut s, f);
        }
    }
    let _ = writeln!(s, "{}", count_line(findings));
    s
}

// ---------------------------------------------------------------------------
// Context

struct TopicView {
    name: String,
    /// Replicas per partition as placed (for explicit placement, the sum of counts).
    rf: usize,
    min_isr: usize,
    asg: Vec<Assignment>,
    /// Some producer writes with acks=all.
    acks_all: bool,
    /// Confluent's `observerPromotionPolicy`, when its partitions have observers
    /// that it may promote into an ISR short of replicas (`under-min-isr`,
    /// `under-replicated`; docs/model.md §7a).
    promotes: bool,
}

impl TopicView {
    /// min(minISR, RF): what Kafka ≥ 3.7 enforces.
    fn eff_min_isr(&self) -> usize {
        self.min_isr.min(self.rf).max(1)
    }
}

struct Cx<'a> {
    sc: &'a Scenario,
    topo: &'a Topology,
    /// Sites and links: who reaches whom after cuts and site losses.
    graph: SiteGraph,
    /// KRaft voters per site.
    voters: Vec<usize>,
    /// Brokers per site.
    brokers: Vec<usize>,
    topics: Vec<TopicView>,
    /// One cluster of an asynchronous design: its sites (clients elsewhere use
    /// other clusters), and losing it whole is the design's trade, not a finding.
    cluster: Option<Vec<usize>>,
}

impl<'a> Cx<'a> {
    /// The replica consumer `c` reads partition `a` from other than its
    /// leader (KIP-392): with the rack-aware selector, the replica or
    /// observer whose broker.rack is the consumer's client.rack.
    fn read_replica<'p>(
        &self,
        c: &crate::scenario::Consumer,
        a: &'p crate::topology::Assignment,
    ) -> Option<&'p usize> {
        if self.sc.broker.replica_selector_class.as_deref() != Some(RACK_AWARE_SELECTOR) {
            return None;
        }
        let rack = c.client_rack.as_ref()?;
        a.replicas
            .iter()
            .chain(&a.observers)
            .find(|&&b| self.topo.brokers[b].rack == *rack)
    }

    /// The whole file as one cluster (`cluster` None), or cluster `c` of an
    /// asynchronous design over `sites`, with `topo` restricted to its nodes.
    /// A cluster of an async design places each topic as the simulator does
    /// (`kafka::topic_specs`): rack-aware within the cluster, the replication
    /// factor capped at its broker count, explicit placement ignored.
    fn new(sc: &'a Scenario, topo: &'a Topology, cluster: Option<(&[usize], usize)>) -> Cx<'a> {
        let ns = topo.sites.len();
        let mut voters = vec![0; ns];
        for c in &topo.controllers {
            voters[c.site] += 1;
        }
        let mut brokers = vec![0; ns];
        for b in &topo.brokers {
            brokers[b.site] += 1;
        }
        let in_cluster = |site: &str| {
            cluster
                .is_none_or(|(sites, _)| topo.site_index(site).is_some_and(|s| sites.contains(&s)))
        };
        let topics = sc
            .topic
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let configured = t
                    .replication_factor
                    .unwrap_or(sc.broker.default_replication_factor)
                    as usize;
                let min_isr =
                    t.min_insync_replicas
                        .unwrap_or(sc.broker.min_insync_replicas) as usize;
                let (asg, rf, min_isr) = match cluster {
                    None => {
                        let rf = match &t.placement {
                            Some(p) => p.replicas.iter().map(|g| g.count as usize).sum(),
                            None => configured,
                        };
                        (topo.assign(sc, t, i), rf, min_isr)
                    }
                    Some((sites, c)) => {
                        let rf = configured.min(topo.brokers.len()).max(1);
                        let spec = c * sc.topic.len() + i;
                        match &t.placement {
                            // A hybrid design's stretched cluster keeps the
                            // topic's placement, as the simulator does.
                            Some(p) if sites.len() > 1 => {
                                let rf = p.replicas.iter().map(|g| g.count as usize).sum();
                                (
                                    crate::placement::explicit(
                                        topo,
                                        p,
                                        t.partitions as usize,
                                        spec,
                                    ),
                                    rf,
                                    min_isr,
                                )
                            }
                            _ => (
                                crate::placement::rack_aware(topo, t.partitions as usize, rf, spec),
                                rf,
                                min_isr.min(rf),
                            ),
                        }
                    }
                };
                let promotes = asg.iter().any(|a| !a.observers.is_empty())
                    && matches!(
                        t.placement
                            .as_ref()
                            .and_then(|p| p.observer_promotion_policy),
                        Some(
                            ObserverPromotionPolicy::UnderMinIsr
                                | ObserverPromotionPolicy::UnderReplicated
                        )
                    );
                TopicView {
                    name: t.name.clone(),
                    rf,
                    min_isr,
                    promotes,
                    asg,
                    acks_all: sc
                        .producer
                        .iter()
                        .any(|p| p.topic == t.name && p.acks == Acks::All && in_cluster(&p.site)),
                }
            })
            .collect();
        Cx {
            sc,
            topo,
            graph: SiteGraph::of(sc),
            voters,
            brokers,
            topics,
            cluster: cluster.map(|(s, _)| s.to_vec()),
        }
    }

    /// Clients in `site` use this cluster.
    fn serves(&self, site: &str) -> bool {
        self.cluster.as_ref().is_none_or(|sites| {
            self.topo
                .site_index(site)
                .is_some_and(|s| sites.contains(&s))
        })
    }

    fn n_voters(&self) -> usize {
        self.voters.iter().sum()
    }

    fn majority(&self) -> usize {
        self.n_voters() / 2 + 1
    }

    fn site(&self, s: usize) -> &str {
        &self.topo.sites[s].name
    }

    fn broker_site(&self, b: usize) -> usize {
        self.topo.brokers[b].site
    }

    /// Sites that hold brokers or voters.
    fn used_sites(&self) -> Vec<usize> {
        (0..self.topo.sites.len())
            .filter(|&s| self.voters[s] + self.brokers[s] > 0)
            .collect()
    }

    fn link(&self, a: usize, b: usize) -> Option<&'a crate::scenario::Link> {
        let (na, nb) = (self.site(a), self.site(b));
        self.sc.link.iter().find(|l| {
            (l.between[0] == na && l.between[1] == nb) || (l.between[0] == nb && l.between[1] == na)
        })
    }

    /// Voters of the sites up that `s` reaches under `faults`, its own included.
    fn reached_voters(&self, s: usize, faults: Faults) -> usize {
        self.graph
            .reach_from(s, faults)
            .iter()
            .enumerate()
            .filter(|&(y, &r)| r && !faults.down.get(y).copied().unwrap_or(false))
            .map(|(y, _)| self.voters[y])
            .sum()
    }

    /// A controller in `s` can be the active one under `faults`: `s` is up,
    /// has a voter and reaches a majority of voters (Raft: the leader needs a
    /// majority to answer it; the followers need not reach each other).
    fn can_lead(&self, s: usize, faults: Faults) -> bool {
        self.voters[s] > 0
            && !faults.down.get(s).copied().unwrap_or(false)
            && self.reached_voters(s, faults) >= self.majority()
    }

    /// Sites with brokers that `q` does not reach under `faults` (their
    /// brokers cannot heartbeat to a controller in `q`), sites down excluded.
    fn unreached_brokers(&self, q: usize, faults: Faults) -> Vec<usize> {
        let reach = self.graph.reach_from(q, faults);
        (0..self.topo.sites.len())
            .filter(|&y| self.brokers[y] > 0 && !reach[y])
            .filter(|&y| !faults.down.get(y).copied().unwrap_or(false))
            .collect()
    }

    /// The route between two sites with no link of their own, all links up:
    /// its hops, round trip in ms and narrowest bandwidth in Mbit/s (the hop
    /// that has it). `None` for a directly linked pair or when no path exists.
    fn route(&self, a: usize, b: usize) -> Option<(Vec<Hop>, f64, f64, usize)> {
        if self.graph.direct(a, b).is_some() {
            return None;
        }
        let hops = self.graph.scenario_route(self.sc, a, b)?;
        let rtt: f64 = hops.iter().map(|h| self.sc.link[h.link].rtt_ms).sum();
        let narrow = hops
            .iter()
            .map(|h| h.link)
            .min_by(|&x, &y| {
                self.sc.link[x]
                    .bandwidth_mbps
                    .total_cmp(&self.sc.link[y].bandwidth_mbps)
            })
            .unwrap_or(0);
        let bw = self.sc.link.get(narrow).map_or(0.0, |l| l.bandwidth_mbps);
        Some((hops, rtt, bw, narrow))
    }

    /// Site names joined with `+`.
    fn names(&self, sites: &[usize]) -> String {
        sites
            .iter()
            .map(|&s| self.site(s))
            .collect::<Vec<_>>()
            .join("+")
    }

    /// Replicas of `a` outside the sites for which `down(site)` is true.
    fn alive(&self, a: &Assignment, down: impl Fn(usize) -> bool) -> usize {
        a.replicas
            .iter()
            .filter(|&&b| !down(self.broker_site(b)))
            .count()
    }

    /// How to spread voters so no single site holds a majority.
    fn voter_split_hint(&self) -> String {
        let n = self.n_voters().max(3);
        let n = if n.is_multiple_of(2) { n + 1 } else { n };
        let per = (n - 1) / 2;
        // Fill sites up to `per` voters each: 3 → 1+1+1, 5 → 2+2+1.
        let mut parts = Vec::new();
        let mut left = n;
        while left > 0 {
            let k = per.min(left);
            parts.push(k.to_string());
            left -= k;
        }
        format!(
            "at most {per} of {n} voters per site, e.g. {} over {} sites",
            parts.join("+"),
            parts.len()
        )
    }
}

fn finding(
    level: Level,
    code: &'static str,
    subject: impl Into<String>,
    message: impl Into<String>,
    fix: impl Into<String>,
) -> Finding {
    Finding {
        level,
        code,
        subject: subject.into(),
        message: message.into(),
        fix: fix.into(),
        design: None,
        key: None,
        at: None,
    }
}

// ---------------------------------------------------------------------------
// KRaft quorum (§3)

fn quorum(cx: &Cx, out: &mut Vec<Finding>) {
    let n = cx.n_voters();
    if n == 0 {
        return; // validation already rejects this
    }
    let maj = cx.majority();
    if n.is_multiple_of(2) {
        out.push(finding(
            Level::Warning,
            "quorum-even",
            "controllers",
            format!(
                "{n} KRaft voters need {maj} for a majority and so survive {} failure(s), no more than {} voters would",
                n - maj,
                n - 1
            ),
            format!(
                "use an odd number of voters: {} (or {})",
                n - 1,
                n + 1
            ),
        ));
    }
    if n < 3 {
        out.push(finding(
            Level::Warning,
            "quorum-small",
            "controllers",
            format!(
                "{n} KRaft voter(s): losing {} stops all metadata changes (no fencing, no leader elections, no ISR changes)",
                if n == 1 { "it" } else { "either" }
            ),
            "run 3 voters (5 to survive two failures), spread so that no site holds a majority",
        ));
    }
    let used = cx.used_sites();
    let voter_sites: Vec<usize> = used.iter().copied().filter(|&s| cx.voters[s] > 0).collect();
    let broker_sites: Vec<usize> = used
        .iter()
        .copied()
        .filter(|&s| cx.brokers[s] > 0)
        .collect();
    if voter_sites.len() == 1 && broker_sites.len() > 1 {
        let s = voter_sites[0];
        out.push(finding(
            Level::Warning,
            "controllers-one-site",
            format!("site {}", cx.site(s)),
            format!(
                "all {n} controller voters are in `{}` while brokers span {} sites: brokers elsewhere are fenced whenever they lose `{}`, and losing `{}` stops the whole cluster",
                cx.site(s),
                broker_sites.len(),
                cx.site(s),
                cx.site(s)
            ),
            format!(
                "spread the voters over three locations, {}",
                cx.voter_split_hint()
            ),
        ));
    }
    if used.len() <= 1 {
        if cx.cluster.is_some() {
            // A cluster per site: its site's loss is the failover the design plans.
            return;
        }
        let name = used.first().map(|&s| cx.site(s)).unwrap_or("");
        out.push(finding(
            Level::Info,
            "single-site",
            format!("site {name}"),
            format!(
                "every broker and controller is in `{name}`: losing the site stops the cluster; site failures are not analysed"
            ),
            "for site-level resilience stretch the cluster over three locations (at least \"2.5 DC\": two broker sites plus a controller-only one) or replicate asynchronously to a second cluster",
        ));
        return;
    }
    let ns = cx.topo.sites.len();
    for &s in &used {
        let left = n - cx.voters[s];
        if left >= maj {
            // A majority survives; does some survivor still reach it?
            let mut down = vec![false; ns];
            down[s] = true;
            let f = Faults {
                cut: &[],
                down: &down,
            };
            if (0..ns).any(|q| cx.can_lead(q, f)) {
                continue;
            }
            let best = (0..ns)
                .filter(|&q| q != s && cx.voters[q] > 0)
                .map(|q| cx.reached_voters(q, f))
                .max()
                .unwrap_or(0);
            out.push(finding(
                Level::Error,
                "quorum-site-loss",
                format!("site {}", cx.site(s)),
                format!(
                    "losing `{}` leaves {left} of {n} KRaft voters, a majority, but they no longer reach each other (their traffic went through `{}`): no surviving voter reaches more than {best}, short of the majority of {maj}, so nothing can be fenced or elected until it returns",
                    cx.site(s),
                    cx.site(s)
                ),
                format!(
                    "add links between the other voter sites so that they do not depend on `{}`",
                    cx.site(s)
                ),
            ));
            continue;
        }
        let fix = if used.len() == 2 {
            format!(
                "two sites cannot keep a majority through the loss of either: add a third location, even a controller-only one (\"2.5 DC\": a [[site]] with `controllers = 1` and links to both), and place {}",
                cx.voter_split_hint()
            )
        } else {
            format!(
                "move voters so that no site holds a majority: {}",
                cx.voter_split_hint()
            )
        };
        out.push(finding(
            Level::Error,
            "quorum-site-loss",
            format!("site {}", cx.site(s)),
            format!(
                "losing `{}` leaves {left} of {n} KRaft voters, short of the majority of {maj}: until it returns nothing can be fenced, no leader elected, no ISR shrunk; partitions led from `{}` stay offline and acks=all stalls on every partition with a replica there",
                cx.site(s),
                cx.site(s)
            ),
            fix,
        ));
    }
}

// ---------------------------------------------------------------------------
// Replication factor and min.insync.replicas

fn replication_settings(cx: &Cx, out: &mut Vec<Finding>) {
    let nb = cx.topo.brokers.len();
    for t in &cx.topics {
        let subject = format!("topic {}", t.name);
        if t.rf > nb {
            out.push(finding(
                Level::Error,
                "rf-exceeds-brokers",
                subject.clone(),
                format!(
                    "replication factor {} exceeds the {nb} brokers: Kafka refuses to create the topic (InvalidReplicationFactor)",
                    t.rf
                ),
                format!("add brokers or lower replication.factor to at most {nb}"),
            ));
        }
        if t.min_isr > t.rf {
            out.push(finding(
                Level::Error,
                "min-isr-above-rf",
                subject.clone(),
                format!(
                    "min.insync.replicas {} is above the replication factor {}: Kafka ≥ 3.7 applies min(minISR, RF) = {}, so acks=all then needs every replica in sync and losing any one broker blocks writes (older Kafka rejects every acks=all write)",
                    t.min_isr, t.rf, t.rf
                ),
                format!(
                    "set min.insync.replicas to at most {} (RF 3 with minISR 2 is the usual pair)",
                    t.rf.saturating_sub(1).max(1)
                ),
            ));
        } else if t.min_isr == t.rf && t.rf > 1 {
            out.push(finding(
                Level::Warning,
                "min-isr-equals-rf",
                subject.clone(),
                format!(
                    "min.insync.replicas equals the replication factor ({}): any single broker loss or restart blocks acks=all writes with NotEnoughReplicas",
                    t.rf
                ),
                format!(
                    "raise replication.factor to {} or lower min.insync.replicas to {}",
                    t.rf + 1,
                    t.rf - 1
                ),
            ));
        }
        if t.rf == 1 {
            out.push(finding(
                Level::Warning,
                "rf-one",
                subject.clone(),
                "replication.factor 1 keeps a single copy: losing its broker takes the partition offline and its disk takes the data",
                "use replication.factor 3 with min.insync.replicas 2",
            ));
        } else if t.min_isr == 1 && t.acks_all {
            out.push(finding(
                Level::Info,
                "min-isr-one",
                subject.clone(),
                format!(
                    "min.insync.replicas 1 with RF {}: once the ISR shrinks to the leader, acks=all writes are acknowledged by one copy",
                    t.rf
                ),
                "set min.insync.replicas to 2 so an acknowledged write always has a second copy",
            ));
        }
    }
}

// ---------------------------------------------------------------------------
// Loss of one site

/// Partitions of `t` hurt when the sites in `down` are gone or fenced.
struct Impact {
    /// No replica left.
    offline: usize,
    /// Some replica left, fewer than min(minISR, RF).
    below: usize,
    /// Fewest replicas left among the `below` partitions.
    fewest: usize,
    /// Most replicas left over all partitions with at least one.
    most: usize,
    /// Partitions short of min ISR that observer promotion brings back to it,
    /// some synchronous replica surviving (nothing acknowledged is lost).
    promoted: usize,
    /// Partitions whose every synchronous replica is lost but whose surviving
    /// observers are elected and promoted (what they had not fetched is lost).
    promoted_lossy: usize,
}

fn impact(cx: &Cx, t: &TopicView, down: impl Fn(usize) -> bool) -> Impact {
    let need = t.eff_min_isr();
    let mut im = Impact {
        offline: 0,
        below: 0,
        fewest: usize::MAX,
        most: 0,
        promoted: 0,
        promoted_lossy: 0,
    };
    for a in &t.asg {
        if a.replicas.is_empty() {
            continue;
        }
        let alive = cx.alive(a, &down);
        let observers = a
            .observers
            .iter()
            .filter(|&&b| !down(cx.broker_site(b)))
            .count();
        // Promotion fills the ISR up to min ISR (under-min-isr) or the
        // replica count (under-replicated, ≥ min ISR) from caught-up observers.
        if t.promotes && alive < need && alive + observers >= need {
            if alive == 0 {
                im.promoted_lossy += 1;
            } else {
                im.promoted += 1;
            }
            continue;
        }
        if alive == 0 {
            im.offline += 1;
            continue;
        }
        im.most = im.most.max(alive);
        if alive < need {
            im.below += 1;
            im.fewest = im.fewest.min(alive);
        }
    }
    im
}

fn isr_fix(cx: &Cx, t: &TopicView, lost: &str, im: &Impact) -> String {
    let need = t.eff_min_isr();
    let broker_sites = cx.brokers.iter().filter(|&&n| n > 0).count();
    let (r3, split3) = three_site_split(need);
    let mut fix = format!("keep at least {need} replicas of every partition outside `{lost}`: ");
    if broker_sites <= 2 {
        let _ = write!(
            fix,
            "with two broker sites that takes RF ≥ {} split evenly by an explicit `placement` (e.g. {{ count = {need}, rack = \"<site>\" }} per site), or brokers in a third site with RF {r3} placed {split3}",
            2 * need,
        );
    } else {
        let _ = write!(
            fix,
            "spread every partition over the sites so that no site holds more than RF − {need} (e.g. RF {r3} placed {split3} over three sites): keep one broker.rack per site (the default, racks named after sites) so the rack-aware placer spreads over sites, or set an explicit `placement`"
        );
    }
    if im.most >= 1 && im.most < need {
        let _ = write!(
            fix,
            "; or lower min.insync.replicas to {} (fewer copies behind each acknowledged write)",
            im.most
        );
    }
    fix
}

/// Smallest replication factor over three sites that keeps `need` replicas
/// after losing any one site, and its split (e.g. 2 → 3 as 1+1+1, 3 → 5 as 2+2+1).
fn three_site_split(need: usize) -> (usize, String) {
    let mut r = need.max(1);
    while r - r.div_ceil(3) < need {
        r += 1;
    }
    let parts: Vec<String> = (0..3).map(|i| ((r + 2 - i) / 3).to_string()).collect();
    (r, parts.join("+"))
}

fn site_loss(cx: &Cx, out: &mut Vec<Finding>) {
    let used = cx.used_sites();
    if used.len() <= 1 {
        return;
    }
    let n = cx.n_voters();
    let maj = cx.majority();
    let ns = cx.topo.sites.len();
    for &s in &used {
        let name = cx.site(s);
        let mut down = vec![false; ns];
        down[s] = true;
        let lost = Faults {
            cut: &[],
            down: &down,
        };
        let quorum_ok = n - cx.voters[s] >= maj && (0..ns).any(|q| cx.can_lead(q, lost));
        site_loss_split(cx, s, lost, out);
        for t in &cx.topics {
            let subject = format!("site {name}, topic {}", t.name);
            let np = t.asg.len();
            if quorum_ok {
                let im = impact(cx, t, |x| x == s);
                if im.offline > 0 {
                    out.push(finding(
                        Level::Error,
                        "site-loss-offline",
                        subject.clone(),
                        format!(
                            "losing `{name}` takes every replica of {} of {np} partitions of `{}`: they are offline (no reads, no writes) until the site returns, and lost if it does not",
                            im.offline, t.name
                        ),
                        isr_fix(cx, t, name, &im),
                    ));
                }
                if im.promoted + im.promoted_lossy > 0 {
                    let mut msg = format!(
                        "losing `{name}` leaves {} of {np} partitions of `{}` below min.insync.replicas {}; its observerPromotionPolicy promotes surviving observers into the ISR, so acks=all writes resume after fencing (broker.session.timeout.ms) and one AlterPartition round, and acks=all then waits for the promoted observers' round trip",
                        im.promoted + im.promoted_lossy,
                        t.name,
                        t.eff_min_isr()
                    );
                    if im.promoted_lossy > 0 {
                        let _ = write!(
                            msg,
                            "; {} of them lose every synchronous replica: an observer is elected leader and acknowledged records it had not fetched are lost (RPO > 0, about the append rate × one fetch round trip to the observer)",
                            im.promoted_lossy
                        );
                    }
                    out.push(finding(
                        if im.promoted_lossy > 0 {
                            Level::Warning
                        } else {
                            Level::Info
                        },
                        "site-loss-observer-promotion",
                        subject.clone(),
                        msg,
                        if im.promoted_lossy > 0 {
                            "for RPO 0 keep a synchronous replica outside every single site (an RPO-0 objective does not accept promotion-based survival)".to_string()
                        } else {
                            "nothing acknowledged is lost; size the WAN for the observers' fetches".to_string()
                        },
                    ));
                }
                if im.below > 0 {
                    out.push(finding(
                        Level::Error,
                        "site-loss-min-isr",
                        subject.clone(),
                        format!(
                            "losing `{name}` leaves {} of {np} partitions of `{}` with as few as {} replica(s), below min.insync.replicas {}: acks=all producers get NotEnoughReplicas and (Kafka ≥ 3.7) the high watermark stops, so consumers see nothing new",
                            im.below,
                            t.name,
                            im.fewest,
                            t.eff_min_isr()
                        ),
                        isr_fix(cx, t, name, &im),
                    ));
                }
            } else {
                // No quorum: ISRs are frozen, leaders cannot move.
                let mut led = 0;
                let mut stalled = 0;
                for a in &t.asg {
                    let Some(&leader) = a.replicas.first() else {
                        continue;
                    };
                    if cx.broker_site(leader) == s {
                        led += 1;
                    } else if a.replicas.iter().any(|&b| cx.broker_site(b) == s) {
                        stalled += 1;
                    }
                }
                if led > 0 {
                    out.push(finding(
                        Level::Error,
                        "site-loss-offline",
                        subject.clone(),
                        format!(
                            "losing `{name}` also loses the controller quorum: {led} of {np} partitions of `{}` led from `{name}` stay offline, since no new leader can be elected",
                            t.name
                        ),
                        "restore a quorum that survives the loss of any one site (see quorum-site-loss)",
                    ));
                }
                if stalled > 0 {
                    out.push(finding(
                        Level::Error,
                        "site-loss-isr-frozen",
                        subject.clone(),
                        format!(
                            "losing `{name}` also loses the controller quorum: {stalled} of {np} partitions of `{}` keep a replica in `{name}` in an ISR that cannot shrink, so acks=all writes to them stall until the site returns",
                            t.name
                        ),
                        "restore a quorum that survives the loss of any one site (see quorum-site-loss)",
                    ));
                }
            }
        }
    }
}

/// Losing site `s` splits the surviving sites into groups that no longer
/// reach each other, because their traffic hubbed through `s`
/// (`site-loss-partition`). The connected components of the graph without
/// `s`, among the sites that hold brokers or voters.
fn site_loss_split(cx: &Cx, s: usize, lost: Faults, out: &mut Vec<Finding>) {
    let comp = cx.graph.components(lost);
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for x in cx.used_sites() {
        if let Some(c) = comp[x] {
            groups.entry(c).or_default().push(x);
        }
    }
    if groups.len() <= 1 {
        return;
    }
    let parts: Vec<String> = groups
        .values()
        .map(|g| format!("{{{}}}", cx.names(g)))
        .collect();
    let name = cx.site(s);
    out.push(finding(
        Level::Warning,
        "site-loss-partition",
        format!("site {name}"),
        format!(
            "losing `{name}` splits the surviving sites into {} groups that no longer reach each other, {}: the routes between them went through `{name}`; brokers cut off from the active controller are fenced and replication across the split stops",
            parts.len(),
            parts.join(" and ")
        ),
        format!("add a link between the groups so that no route depends on `{name}`"),
    ));
}

// ---------------------------------------------------------------------------
// Loss of one link (both sites alive)

/// Each `[[link]]` cut alone, both its sites up: who can still host the active
/// controller (a voter site that reaches a majority over what is left of the
/// graph), which brokers cannot reach it and are fenced, and what that costs.
/// Pairs without a link of their own lose their route when it crossed the
/// cut link and no other path remains (`sites::SiteGraph`).
fn link_cuts(cx: &Cx, out: &mut Vec<Finding>) {
    let used = cx.used_sites();
    if used.len() <= 1 {
        return;
    }
    let n = cx.n_voters();
    let maj = cx.majority();
    let session = cx.sc.broker.broker_session_timeout_ms;
    let ns = cx.topo.sites.len();
    for (x, y, cut) in single_cuts(cx) {
        let (a, b) = (x.min(y), x.max(y));
        let both_used = used.contains(&a) && used.contains(&b);
        let f = Faults {
            cut: &cut,
            down: &[],
        };
        let (na, nb) = (cx.site(a), cx.site(b));
        let subject = format!("link {na}↔{nb}");
        let (ra, rb) = (cx.reached_voters(a, f), cx.reached_voters(b, f));
        let a_ok = cx.can_lead(a, f);
        let b_ok = cx.can_lead(b, f);
        let third: Vec<usize> = (0..ns)
            .filter(|&q| q != a && q != b && cx.can_lead(q, f))
            .collect();
        if !a_ok && !b_ok && third.is_empty() {
            out.push(finding(
                Level::Error,
                "link-cut-quorum",
                subject.clone(),
                format!(
                    "cutting `{na}`↔`{nb}` leaves each side a minority ({ra} and {rb} of {n} voters, majority {maj}): the quorum is lost on both sides, nothing can be fenced or elected and ISRs freeze until the link returns"
                ),
                format!(
                    "add a third location with a voter reachable from both (\"2.5 DC\") and place {}",
                    cx.voter_split_hint()
                ),
            ));
            continue;
        }
        // Sites whose brokers may be fenced: those the active controller,
        // wherever it is, no longer reaches.
        let mut fenced: Vec<(Vec<usize>, usize)> = Vec::new(); // (fenced sites, quorum site)
        for q in [a, b] {
            if cx.can_lead(q, f) {
                let lost = cx.unreached_brokers(q, f);
                if !lost.is_empty() {
                    fenced.push((lost, q));
                }
            }
        }
        let mut story = Vec::new();
        for (lost, q) in &fenced {
            story.push(format!(
                "with the active controller in `{}` ({} of {n} voters reachable), the {} broker(s) of `{}` cannot heartbeat to it and are fenced after broker.session.timeout.ms ({session} ms)",
                cx.site(*q),
                cx.reached_voters(*q, f),
                lost.iter().map(|&s| cx.brokers[s]).sum::<usize>(),
                cx.names(lost)
            ));
        }
        let mut third_story = false;
        for &q in &third {
            let lost = cx.unreached_brokers(q, f);
            if lost.is_empty() {
                third_story = true;
            } else if !fenced.iter().any(|(l, _)| *l == lost) {
                story.push(format!(
                    "with the active controller in `{}` ({} of {n} voters reachable), the {} broker(s) of `{}` cannot reach it and are fenced after broker.session.timeout.ms ({session} ms)",
                    cx.site(q),
                    cx.reached_voters(q, f),
                    lost.iter().map(|&s| cx.brokers[s]).sum::<usize>(),
                    cx.names(&lost)
                ));
                fenced.push((lost, q));
            }
        }
        if third_story {
            story.push(format!(
                "with the active controller in a third site no broker is fenced, but followers across the cut leave their ISR after replica.lag.time.max.ms ({} ms)",
                cx.sc.broker.replica_lag_time_max_ms
            ));
        }
        if story.is_empty() || (!both_used && fenced.is_empty()) {
            continue; // nothing to say, or a link to a site without Kafka that changes nothing
        }
        let mut hurt = false;
        for (lost, q) in &fenced {
            for t in &cx.topics {
                let im = impact(cx, t, |x| lost.contains(&x));
                if im.offline + im.below == 0 {
                    continue;
                }
                hurt = true;
                let np = t.asg.len();
                let lost_names = cx.names(lost);
                out.push(finding(
                    Level::Error,
                    "link-cut-min-isr",
                    format!("{subject}, topic {}", t.name),
                    format!(
                        "cutting `{na}`↔`{nb}` with the quorum on the `{}` side fences `{}`: {} of {np} partitions of `{}` keep fewer than min.insync.replicas {} replicas (acks=all gets NotEnoughReplicas){}",
                        cx.site(*q),
                        lost_names,
                        im.below,
                        t.name,
                        t.eff_min_isr(),
                        if im.offline > 0 {
                            format!(" and {} keep none (offline)", im.offline)
                        } else {
                            String::new()
                        }
                    ),
                    isr_fix(cx, t, &lost_names, &im),
                ));
            }
        }
        if !hurt {
            out.push(finding(
                Level::Info,
                "link-cut",
                subject,
                format!("cutting `{na}`↔`{nb}` (both sites up): {}; every topic keeps min.insync.replicas on the quorum side", story.join("; ")),
                "no change needed; simulate a `link-partition` fault to see the timeline",
            ));
        }
    }
}

/// Each link between two sites of the topology, cut alone: its ends (as the
/// site graph has them) and the `Faults::cut` flags that take it down.
fn single_cuts(cx: &Cx) -> Vec<(usize, usize, Vec<bool>)> {
    let ns = cx.topo.sites.len();
    (0..cx.sc.link.len())
        .filter_map(|li| {
            let (a, b) = cx.graph.ends(li);
            if a >= ns || b >= ns || a == b {
                return None;
            }
            let mut cut = vec![false; cx.sc.link.len()];
            cut[li] = true;
            Some((a, b, cut))
        })
        .collect()
}

/// Producers in a site without a broker of the cluster reach every leader
/// across a link. A cut that leaves broker sites out of their reach (the other
/// end, and the sites only reachable through it) stops their writes to the
/// partitions led there for the whole cut when no active controller the cut
/// leaves possible is cut off from those brokers: Kafka moves a leader only
/// when its broker is fenced
/// (`ReplicationControlManager.handleBrokerFenced`), never because a client
/// cannot reach it, and a directly linked pair does not route around its own
/// link (`crate::sites`). The producer's batches for those partitions expire
/// after `delivery.timeout.ms` until the link returns.
fn client_cuts(cx: &Cx, out: &mut Vec<Finding>) {
    let ns = cx.topo.sites.len();
    for (a, b, cut) in single_cuts(cx) {
        let f = Faults {
            cut: &cut,
            down: &[],
        };
        // A controller that can be active under the cut and does not reach
        // a side's brokers fences them, and their leaders move: writes then
        // come back, so this is not certain.
        let fenced_somewhere = |y: usize| {
            (0..ns).any(|q| cx.can_lead(q, f) && cx.unreached_brokers(q, f).contains(&y))
        };
        for x in [a, b] {
            if cx.brokers[x] > 0 {
                continue;
            }
            // Broker sites the cut leaves out of `x`'s reach (the other end,
            // and what lies behind it) whose brokers keep a controller.
            let reach = cx.graph.reach_from(x, f);
            let lost: Vec<usize> = (0..ns)
                .filter(|&y| cx.brokers[y] > 0 && !reach[y] && !fenced_somewhere(y))
                .collect();
            if lost.is_empty() {
                continue;
            }
            let nx = cx.site(x);
            let lost_names = cx.names(&lost);
            for t in &cx.topics {
                let writers = cx
                    .sc
                    .producer
                    .iter()
                    .filter(|p| p.topic == t.name && cx.serves(&p.site))
                    .filter(|p| cx.topo.site_index(&p.site) == Some(x))
                    .count();
                let led = t
                    .asg
                    .iter()
                    .filter(|a| {
                        a.replicas
                            .first()
                            .is_some_and(|&l| lost.contains(&cx.broker_site(l)))
                    })
                    .count();
                if writers == 0 || led == 0 {
                    continue;
                }
                out.push(finding(
                    Level::Error,
                    "link-cut-clients",
                    format!("link {}↔{}, topic {}", cx.site(a), cx.site(b), t.name),
                    format!(
                        "`{nx}` holds {writers} producer(s) of `{}` and no broker: cutting `{}`↔`{}` cuts them off from the {led} of {} partitions led in `{lost_names}`, whose brokers keep the active controller, so their leaders stay there (Kafka moves a leader only when its broker is fenced, never because a client cannot reach it) and no path is left to them (two linked sites are not routed around their own link): writes to those partitions stop for the whole cut (their batches expire after delivery.timeout.ms)",
                        t.name,
                        cx.site(a),
                        cx.site(b),
                        t.asg.len()
                    ),
                    format!(
                        "run the producers in a site with brokers of the cluster, or place brokers (with replicas of `{}`) in `{nx}`",
                        t.name
                    ),
                ));
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Routes through other sites

/// Pairs of sites (with brokers or voters) without a link of their own: their
/// traffic hubs through other sites over the shortest path (`multi-hop-route`),
/// paying every hop's round trip and loading every hop's link (which
/// `link-saturated` counts).
fn routes(cx: &Cx, out: &mut Vec<Finding>) {
    let used = cx.used_sites();
    for (i, &a) in used.iter().enumerate() {
        for &b in &used[i + 1..] {
            let Some((hops, rtt, bw, narrow)) = cx.route(a, b) else {
                continue;
            };
            let via: Vec<usize> = hops[..hops.len() - 1].iter().map(|h| h.to).collect();
            let (na, nb) = (cx.site(a), cx.site(b));
            let l = &cx.sc.link[narrow];
            out.push(finding(
                Level::Info,
                "multi-hop-route",
                format!("route {na}↔{nb}"),
                format!(
                    "`{na}`–`{nb}` has no direct link: traffic hubs through `{}`, {} hops, {} ms RTT, bottleneck {} Mbit/s (`{}`↔`{}`); every hop's link carries it",
                    via.iter().map(|&s| cx.site(s)).collect::<Vec<_>>().join("`, `"),
                    hops.len(),
                    rtt,
                    bw,
                    l.between[0],
                    l.between[1]
                ),
                format!(
                    "fine when the hubs' links are sized for what crosses them (see link-saturated) and the RTT suits the workload; a direct [[link]] between `{na}` and `{nb}` saves the detour"
                ),
            ));
        }
    }
}

// ---------------------------------------------------------------------------
// WAN: buffers, bandwidth (§6)

/// Bytes per second crossing each ordered site pair, and replica fetcher
/// connections.
#[derive(Default)]
struct Traffic {
    /// (from site, to site) → replication bytes/s (leader → follower or observer).
    repl: BTreeMap<(usize, usize), f64>,
    /// (from site, to site) → all bytes/s: replication, produce, consume.
    total: BTreeMap<(usize, usize), f64>,
    /// (leader broker, follower broker) → (partitions, bytes/s).
    pairs: BTreeMap<(usize, usize), (usize, f64)>,
}

fn traffic(cx: &Cx) -> Traffic {
    let mut tr = Traffic::default();
    for t in &cx.topics {
        let np = t.asg.len().max(1) as f64;
        let produced: Vec<(usize, f64)> = cx
            .sc
            .producer
            .iter()
            .filter(|p| p.topic == t.name && cx.serves(&p.site))
            .filter_map(|p| cx.topo.site_index(&p.site).map(|s| (s, p.rate_mb_s * 1e6)))
            .collect();
        let topic_rate: f64 = produced.iter().map(|(_, r)| r).sum();
        for a in &t.asg {
            let Some(&leader) = a.replicas.first() else {
                continue;
            };
            let ls = cx.broker_site(leader);
            for &(ps, r) in &produced {
                if ps != ls {
                    *tr.total.entry((ps, ls)).or_default() += r / np;
                }
            }
            let per = topic_rate / np;
            for &f in a.replicas[1..].iter().chain(&a.observers) {
                let e = tr.pairs.entry((leader, f)).or_default();
                e.0 += 1;
                e.1 += per;
                let fs = cx.broker_site(f);
                if fs != ls {
                    *tr.repl.entry((ls, fs)).or_default() += per;
                    *tr.total.entry((ls, fs)).or_default() += per;
                }
            }
            for c in cx
                .sc
                .consumer
                .iter()
                .filter(|c| c.topic == t.name && cx.serves(&c.site))
            {
                let Some(cs) = cx.topo.site_index(&c.site) else {
                    continue;
                };
                // KIP-392: a consumer whose client.rack matches a replica's
                // broker.rack reads from that replica when the selector allows.
                let local = cx.read_replica(c, a);
                let src = local.map_or(ls, |&b| cx.broker_site(b));
                if src != cs {
                    *tr.total.entry((src, cs)).or_default() += per;
                }
            }
        }
    }
    tr
}

/// Copier traffic through one cluster's brokers (an asynchronous or hybrid
/// design's copy flows, §18): per topic, the bytes/s copiers produce into it
/// (the peak rate of the producers of the clusters that copy into this one)
/// and how many copiers read it (flows out of this cluster), and the bytes/s
/// copiers read from its disks: a copier that cannot carry its flow's mean
/// rate (`FlowLimits::cap`) falls behind without bound, so it soon reads data
/// older than the page cache holds (docs/model.md §2a), from disk, at the rate
/// it copies.
#[derive(Default)]
struct CopyLoad {
    produced: BTreeMap<String, f64>,
    readers: BTreeMap<String, usize>,
    disk_read: BTreeMap<String, f64>,
}

/// The producers whose records design `d` copies out of cluster `a`: in one
/// of its sites, writing a topic the design copies.
fn copied_producers<'a>(
    sc: &'a Scenario,
    topo: &'a Topology,
    d: &'a crate::scenario::Design,
    lay: &'a crate::scenario::DesignLayout,
    a: usize,
) -> impl Iterator<Item = &'a crate::scenario::Producer> + 'a {
    sc.producer.iter().filter(move |p| {
        (d.topics.is_empty() || d.topics.contains(&p.topic))
            && topo
                .site_index(&p.site)
                .is_some_and(|s| lay.clusters[a].contains(&s))
    })
}

impl CopyLoad {
    /// The copy traffic of cluster `c` of design `d`.
    fn of(
        sc: &Scenario,
        topo: &Topology,
        d: &crate::scenario::Design,
        lay: &crate::scenario::DesignLayout,
        c: usize,
    ) -> CopyLoad {
        let mut load = CopyLoad::default();
        let graph = SiteGraph::of(sc);
        for &(a, b) in &lay.flows {
            if a != c && b != c {
                continue;
            }
            if b == c {
                for p in copied_producers(sc, topo, d, lay, a) {
                    *load.produced.entry(p.topic.clone()).or_default() += p.rate_mb_s * 1e6;
                }
            }
            if a == c {
                let topics: Vec<&String> = copied_producers(sc, topo, d, lay, a)
                    .map(|p| &p.topic)
                    .collect();
                let mut seen: Vec<&String> = Vec::new();
                for t in topics {
                    if !seen.contains(&t) {
                        seen.push(t);
                        *load.readers.entry(t.clone()).or_default() += 1;
                    }
                }
                // A copier slower than the flow's mean rate lags without
                // bound and reads from disk what it copies, each topic in
                // proportion to its producers' rates.
                if let Some(l) = FlowLimits::of(sc, topo, d, lay, &graph, (a, b))
                    && l.cap() < l.peak * l.mean
                {
                    for p in copied_producers(sc, topo, d, lay, a) {
                        *load.disk_read.entry(p.topic.clone()).or_default() +=
                            p.rate_mb_s * 1e6 * l.cap() / l.peak;
                    }
                }
            }
        }
        load
    }
}

/// Whether the brokers can carry the offered load (§2a of docs/model.md):
/// per broker, at the producers' rates (`rate_mb_s`, the peak), with
/// preferred leaders, its NIC in (produce to its leaders, replication to its
/// followers), its NIC out (replication from its leaders, consumers it
/// serves) and its disk writes (every replica it stores) against
/// `[broker_hardware]`. Copiers count like clients (`copy`): a copier's
/// produce loads the target cluster's leaders' NIC in and, with its
/// replication, the target replicas' NICs and disks (placed like the topic of
/// the same name there); its fetches load the source leaders' NIC out (a
/// copier that keeps up reads from the page cache: no disk reads; one that
/// cannot carry its flow's mean rate reads from the leaders' disks at the rate
/// it copies, `CopyLoad::disk_read`, and the disk's busy share is its writes
/// over `disk_write_mb_s` plus its reads over `disk_read_mb_s`). A warning
/// per site and resource where the busiest broker is over capacity, naming
/// the load and pointing at the largest producer's `rate_mb_s`.
fn broker_load(cx: &Cx, copy: &CopyLoad, out: &mut Vec<Finding>) {
    let nb = cx.topo.brokers.len();
    // (NIC in, NIC out, disk write, disk read) bytes/s per broker, and the
    // producers (index) and copied topics writing through it.
    let mut load = vec![[0.0f64; 4]; nb];
    let mut via: Vec<Vec<usize>> = vec![Vec::new(); nb];
    let mut copies: Vec<Vec<&str>> = vec![Vec::new(); nb];
    for t in &cx.topics {
        let np = t.asg.len().max(1) as f64;
        let producers: Vec<(usize, f64)> = cx
            .sc
            .producer
            .iter()
            .enumerate()
            .filter(|(_, p)| p.topic == t.name && cx.serves(&p.site))
            .map(|(i, p)| (i, p.rate_mb_s * 1e6))
            .collect();
        let local: f64 = producers.iter().map(|x| x.1).sum();
        let copied_in = copy.produced.get(&t.name).copied().unwrap_or(0.0);
        let readers = copy.readers.get(&t.name).copied().unwrap_or(0) as f64;
        let disk_read = copy.disk_read.get(&t.name).copied().unwrap_or(0.0);
        let rate = local + copied_in;
        if rate <= 0.0 {
            continue;
        }
        let per = rate / np;
        for a in &t.asg {
            let Some(&leader) = a.replicas.first() else {
                continue;
            };
            let copies_n = a.replicas.len() - 1 + a.observers.len();
            load[leader][0] += per;
            load[leader][1] += per * copies_n as f64 + readers * local / np;
            load[leader][2] += per;
            // A lagging copier reads from its leaders' disks.
            load[leader][3] += disk_read / np;
            let touched = a.replicas.iter().chain(&a.observers);
            for &f in a.replicas[1..].iter().chain(&a.observers) {
                load[f][0] += per;
                load[f][2] += per;
            }
            for c in cx
                .sc
                .consumer
                .iter()
                .filter(|c| c.topic == t.name && cx.serves(&c.site))
            {
                let local = cx.read_replica(c, a);
                load[*local.unwrap_or(&leader)][1] += per;
            }
            for &b in touched {
                for &(i, _) in &producers {
                    if !via[b].contains(&i) {
                        via[b].push(i);
                    }
                }
                if (copied_in > 0.0 || readers > 0.0) && !copies[b].contains(&t.name.as_str()) {
                    copies[b].push(t.name.as_str());
                }
            }
        }
    }
    let names = ["NIC in", "NIC out", "disk writes"];
    // Per site and resource: the busiest broker (index, share of capacity).
    let mut worst: BTreeMap<(usize, usize), (usize, f64)> = BTreeMap::new();
    for (b, l) in load.iter().enumerate() {
        let site = cx.broker_site(b);
        let name = &cx.topo.sites[site].name;
        let o = cx.sc.site.iter().find(|s| &s.name == name);
        let h = cx
            .sc
            .broker_hardware
            .with(o.and_then(|s| s.broker_hardware.as_ref()));
        // The disk is one FIFO for the writeback and the reads (§2a): its
        // busy share is the sum of both.
        let shares = [
            l[0] / h.nic_bytes_per_s().max(1.0),
            l[1] / h.nic_bytes_per_s().max(1.0),
            l[2] / h.disk_write_bytes_per_s().max(1.0) + l[3] / h.disk_read_bytes_per_s().max(1.0),
        ];
        for (r, &share) in shares.iter().enumerate() {
            if share > 1.0 && worst.get(&(site, r)).is_none_or(|w| share > w.1) {
                worst.insert((site, r), (b, share));
            }
        }
    }
    for ((site, r), (b, share)) in worst {
        let mut keys: Vec<String> = via[b]
            .iter()
            .map(|i| format!("producer[{i}].rate_mb_s = {}", cx.sc.producer[*i].rate_mb_s))
            .collect();
        keys.extend(
            copies[b]
                .iter()
                .map(|t| format!("the copiers of topic `{t}`")),
        );
        let capacity = match r {
            2 if load[b][3] > 0.0 => "disk_write_mb_s` and `disk_read_mb_s",
            2 => "disk_write_mb_s",
            _ => "nic_gbps",
        };
        // The key to change: the largest producer's rate through this
        // broker, else the hardware key of the resource.
        let key = via[b]
            .iter()
            .copied()
            .max_by(|x, y| {
                let (px, py) = (&cx.sc.producer[*x], &cx.sc.producer[*y]);
                px.rate_mb_s.total_cmp(&py.rate_mb_s).then(y.cmp(x))
            })
            .map_or_else(
                || format!("broker_hardware.{capacity}"),
                |i| format!("producer[{i}].rate_mb_s"),
            );
        let mut f = finding(
            Level::Warning,
            "broker-capacity",
            format!("site {}", cx.site(site)),
            format!(
                "the offered load needs {} of broker {}'s {} ({:.0} % of its capacity, `{capacity}`): the brokers cannot carry it, and producers will get less than they offer. The load: {}",
                if r == 2 && load[b][3] > 0.0 {
                    format!(
                        "{} of writes and {} of reads by copiers behind their source",
                        mb(load[b][2]),
                        mb(load[b][3])
                    )
                } else {
                    mb(load[b][r])
                },
                cx.topo.brokers[b].node_id,
                if r == 2 && load[b][3] > 0.0 {
                    "disk"
                } else {
                    names[r]
                },
                share * 100.0,
                keys.join(", ")
            ),
            format!(
                "add brokers in {} (more partitions spread the load), or raise `{capacity}` in [broker_hardware] or the site's broker_hardware",
                cx.site(site)
            ),
        );
        f.key = Some(key);
        out.push(f);
    }
}

fn mb(bytes_per_s: f64) -> String {
    format!("{:.2} MB/s", bytes_per_s / 1e6)
}

fn human_bytes(b: f64) -> String {
    const KIB: f64 = 1024.0;
    if b >= KIB * KIB {
        format!("{:.1} MiB", b / (KIB * KIB))
    } else if b >= KIB {
        format!("{:.0} KiB", b / KIB)
    } else {
        format!("{b:.0} B")
    }
}

/// Bytes/s on each direction of each link, (from site, to site) → bytes/s:
/// each pair's traffic on its own link, or on every hop of its route.
fn on_links(cx: &Cx, tr: &Traffic) -> BTreeMap<(usize, usize), f64> {
    let mut load: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    for (&(x, y), &rate) in &tr.total {
        match cx.route(x, y) {
            Some((hops, ..)) => {
                for h in hops {
                    *load.entry((h.from, h.to)).or_default() += rate;
                }
            }
            None => *load.entry((x, y)).or_default() += rate,
        }
    }
    load
}

fn wan(cx: &Cx, out: &mut Vec<Finding>) {
    let tr = traffic(cx);
    let load = on_links(cx, &tr);
    let ns = cx.topo.sites.len();
    for li in 0..cx.sc.link.len() {
        let (x, y) = cx.graph.ends(li);
        if x >= ns || y >= ns || x == y {
            continue;
        }
        let (a, b) = (x.min(y), x.max(y));
        let link = &cx.sc.link[li];
        let (na, nb) = (cx.site(a), cx.site(b));
        let subject = format!("link {na}↔{nb}");
        let link_bps = link.bandwidth_mbps * 1e6 / 8.0;

        // Bandwidth against everything that crosses, each direction.
        for (x, y) in [(a, b), (b, a)] {
            let total = load.get(&(x, y)).copied().unwrap_or(0.0);
            let share = total / link_bps;
            if share > 1.0 {
                out.push(finding(
                        Level::Error,
                        "link-saturated",
                        subject.clone(),
                        format!(
                            "{} → {}: replication, produce and consume traffic of ≈ {} exceeds the link's {} ({} Mbit/s): replicas fall behind and leave the ISR, lag grows without bound",
                            cx.site(x), cx.site(y), mb(total), mb(link_bps), link.bandwidth_mbps
                        ),
                        format!(
                            "raise bandwidth_mbps to at least {:.0} (peak plus catch-up headroom), enable compression on producers, or keep fewer replicas across this link",
                            (total * 8.0 / 1e6 / LINK_HEADROOM_SHARE).ceil()
                        ),
                    ));
            } else if share > LINK_HEADROOM_SHARE {
                out.push(finding(
                        Level::Warning,
                        "link-headroom",
                        subject.clone(),
                        format!(
                            "{} → {}: ≈ {} of traffic uses {:.0} % of the link's {}: little headroom for daily peaks and for catching up after an outage",
                            cx.site(x), cx.site(y), mb(total), share * 100.0, mb(link_bps)
                        ),
                        format!(
                            "size the link for the peak produce rate plus catch-up: bandwidth_mbps ≥ {:.0}",
                            (total * 8.0 / 1e6 / LINK_HEADROOM_SHARE).ceil()
                        ),
                    ));
            }
        }

        receive_buffer(
            cx,
            &tr,
            a,
            b,
            link.bandwidth_mbps,
            link.rtt_ms,
            subject,
            out,
        );
    }
    // Pairs without a link of their own: their route's BDP.
    let used = cx.used_sites();
    for (i, &a) in used.iter().enumerate() {
        for &b in &used[i + 1..] {
            if let Some((_, rtt, bw, _)) = cx.route(a, b) {
                let subject = format!("route {}↔{}", cx.site(a), cx.site(b));
                receive_buffer(cx, &tr, a, b, bw, rtt, subject, out);
            }
        }
    }
}

/// The replica fetcher receive buffer against the bandwidth-delay product of
/// the path between sites `a` and `b` (`bandwidth_mbps`, `rtt_ms`: a link, or
/// a route's narrowest hop and summed round trip), with the replication that
/// crosses it (`wan-receive-buffer`).
#[allow(clippy::too_many_arguments)]
fn receive_buffer(
    cx: &Cx,
    tr: &Traffic,
    a: usize,
    b: usize,
    bandwidth_mbps: f64,
    rtt_ms: f64,
    subject: String,
    out: &mut Vec<Finding>,
) {
    let buf = cx.sc.broker.replica_socket_receive_buffer_bytes;
    let fetchers = cx.sc.broker.num_replica_fetchers.max(1) as usize;
    let rtt_s = rtt_ms / 1000.0;
    let link_bps = bandwidth_mbps * 1e6 / 8.0;
    // Receive buffer against the bandwidth-delay product.
    if buf <= 0 || rtt_s <= 0.0 || cx.brokers[a] == 0 || cx.brokers[b] == 0 {
        return; // -1: autotuning
    }
    let bdp = link_bps * rtt_s;
    if (buf as f64) >= bdp {
        return;
    }
    let cap = buf as f64 / rtt_s;
    // Per direction: needed replication, connections, worst pair.
    let mut worst: Option<(usize, usize, f64, f64, usize)> = None; // x, y, need, agg cap, conns
    let mut pair_over = 0;
    let mut worst_pair: Option<(usize, usize, f64, f64)> = None; // leader, follower, need, cap
    for (x, y) in [(a, b), (b, a)] {
        let need = tr.repl.get(&(x, y)).copied().unwrap_or(0.0);
        let mut conns = 0;
        for (&(l, f), &(parts, bytes)) in &tr.pairs {
            if cx.broker_site(l) != x || cx.broker_site(f) != y {
                continue;
            }
            let c = fetchers.min(parts);
            conns += c;
            let pcap = cap * c as f64;
            if bytes > pcap {
                pair_over += 1;
            }
            if worst_pair.is_none_or(|w| bytes / pcap > w.2 / w.3) {
                worst_pair = Some((l, f, bytes, pcap));
            }
        }
        let agg = cap * conns as f64;
        let ratio = if agg > 0.0 { need / agg } else { 0.0 };
        if worst.is_none_or(|w| ratio > if w.3 > 0.0 { w.2 / w.3 } else { 0.0 }) {
            worst = Some((x, y, need, agg, conns));
        }
    }
    let (x, y, need, agg, conns) = worst.unwrap_or((a, b, 0.0, 0.0, 0));
    let pow2 = (bdp.ceil() as u64).next_power_of_two();
    let mut msg = format!(
        "bandwidth-delay product {} ({} Mbit/s × {} ms) exceeds replica.socket.receive.buffer.bytes = {}: one replica fetcher connection tops out at buffer/RTT ≈ {} ({:.2} MiB/s), whatever the link's capacity",
        human_bytes(bdp),
        bandwidth_mbps,
        rtt_ms,
        human_bytes(buf as f64),
        mb(cap),
        cap / (1024.0 * 1024.0)
    );
    if conns > 0 && need > 0.0 {
        let _ = write!(
            msg,
            ". Replication {} → {} needs ≈ {} over {conns} broker-pair connection(s), at most ≈ {}",
            cx.site(x),
            cx.site(y),
            mb(need),
            mb(agg)
        );
    }
    let level = if pair_over > 0 {
        if let Some((l, f, bytes, pcap)) = worst_pair {
            let _ = write!(
                msg,
                "; {pair_over} broker pair(s) need more than their connections carry (worst: broker {} → {} needs {} of {}), so those followers fall behind and leave the ISR",
                cx.topo.brokers[l].node_id,
                cx.topo.brokers[f].node_id,
                mb(bytes),
                mb(pcap)
            );
        }
        Level::Error
    } else if rtt_ms >= STRETCH_WARN_RTT_MS || (agg > 0.0 && need > 0.5 * agg) {
        Level::Warning
    } else {
        Level::Info
    };
    out.push(finding(
                level,
                "wan-receive-buffer",
                subject,
                msg,
                format!(
                    "set broker \"replica.socket.receive.buffer.bytes\" = {pow2} ({}, the BDP rounded up to a power of two; the OS must allow it: net.core.rmem_max) or -1 for OS autotuning; more num.replica.fetchers adds connections",
                    human_bytes(pow2 as f64)
                ),
            ));
}

// ---------------------------------------------------------------------------
// Stretched clusters

fn stretched(cx: &Cx, out: &mut Vec<Finding>) {
    let broker_sites: Vec<usize> = (0..cx.topo.sites.len())
        .filter(|&s| cx.brokers[s] > 0)
        .collect();
    if broker_sites.len() < 2 {
        return;
    }
    for (i, &a) in broker_sites.iter().enumerate() {
        for &b in &broker_sites[i + 1..] {
            let (rtt_ms, subject) = match (cx.link(a, b), cx.route(a, b)) {
                (Some(link), _) => (link.rtt_ms, format!("link {}↔{}", cx.site(a), cx.site(b))),
                (None, Some((_, rtt, ..))) => (rtt, format!("route {}↔{}", cx.site(a), cx.site(b))),
                (None, None) => continue,
            };
            if rtt_ms <= STRETCH_INFO_RTT_MS {
                continue;
            }
            let spanning: usize = cx
                .topics
                .iter()
                .flat_map(|t| &t.asg)
                .filter(|asg| {
                    let has = |s| asg.replicas.iter().any(|&r| cx.broker_site(r) == s);
                    has(a) && has(b)
                })
                .count();
            if spanning == 0 && !cx.topics.is_empty() {
                continue;
            }
            let (na, nb) = (cx.site(a), cx.site(b));
            let what = if cx.topics.is_empty() {
                "brokers in both sites form one cluster".to_string()
            } else {
                format!("{spanning} partition(s) have replicas in both")
            };
            let (level, fix) = if rtt_ms > STRETCH_WARN_RTT_MS {
                (
                    Level::Warning,
                    "keep synchronous (stretched) replication to sites within ~10 ms; across this distance run a cluster per site and replicate asynchronously (MirrorMaker 2, Cluster Linking), or make the far copies observers",
                )
            } else {
                (
                    Level::Info,
                    "fine for a metro stretch; keep acks=all latency budgets at least this RTT above the single-site figure",
                )
            };
            out.push(finding(
                level,
                "stretched-rtt",
                subject,
                format!(
                    "`{na}` and `{nb}` are {} ms apart and {what}: every acks=all write pays this RTT (the high watermark waits for the slowest in-sync follower), and every metadata change pays a quorum round trip",
                    rtt_ms
                ),
                fix,
            ));
        }
    }
}

/// What limits one copy flow's copier (§18): the copied peak, the link and the
/// copier's connections.
struct FlowLimits {
    /// Peak payload bytes/s of the copied producers.
    peak: f64,
    /// The load profile's mean over its period, as a share of the peak.
    mean: f64,
    /// Payload bytes per wire byte on the narrowest hop (the copier's
    /// compression when it pushes over the WAN, else 1).
    ratio: f64,
    /// Bytes/s the narrowest hop leaves the copier.
    usable: f64,
    /// The copier runs in the source site and produces over the WAN.
    push: bool,
    /// The path's round trip, s.
    rtt: f64,
    /// Pushing over the WAN: (producer connections, payload bytes/s their
    /// in-flight requests move at most).
    in_flight: Option<(u32, f64)>,
    /// Copier connections, each at most `window` bytes per round trip.
    conns: u32,
    window: f64,
}

impl FlowLimits {
    /// Payload bytes/s the copier moves at most: the least of the link and
    /// its connections.
    fn cap(&self) -> f64 {
        let mut cap = (self.usable * self.ratio).min(self.conns as f64 * self.window / self.rtt);
        if let Some((_, c)) = self.in_flight {
            cap = cap.min(c);
        }
        cap
    }

    /// Flow `a` → `b` of design `d`; None when nothing is copied or the two
    /// clusters have no route.
    fn of(
        sc: &Scenario,
        topo: &Topology,
        d: &crate::scenario::Design,
        lay: &crate::scenario::DesignLayout,
        graph: &SiteGraph,
        (a, b): (usize, usize),
    ) -> Option<FlowLimits> {
        let mean =
            crate::load::Profile::new(&sc.load).mean_over(sc.load.period_s.min(sc.duration_s));
        // Bytes/s a link leaves a copier: its capacity less the background, or
        // the reserved share.
        let usable_bps = |link: &crate::scenario::Link| {
            let bw = link.bandwidth_mbps * 1e6 / 8.0;
            if link.background_mbps > 0.0 {
                (bw - link.background_mbps * 1e6 / 8.0)
                    .max(bw * link.reserved_replication_pct / 100.0)
            } else {
                bw
            }
        };
        let peak: f64 = copied_producers(sc, topo, d, lay, a)
            .map(|p| p.rate_mb_s * 1e6)
            .sum();
        if peak <= 0.0 {
            return None;
        }
        let (sa, sb) = (lay.anchor(sc, a), lay.anchor(sc, b));
        // The link between the two clusters, or the route through other
        // sites: its narrowest usable hop and its summed round trip.
        let hops = graph.scenario_route(sc, sa, sb)?;
        let path_rtt_ms: f64 = hops.iter().map(|h| sc.link[h.link].rtt_ms).sum();
        let link = hops
            .iter()
            .map(|h| &sc.link[h.link])
            .min_by(|x, y| usable_bps(x).total_cmp(&usable_bps(y)))?;
        let push = d.copier_site == "source";
        let ratio = if push && !d.tool.offset_preserving() {
            d.compression_ratio
                .unwrap_or_else(|| d.compression_type.default_ratio())
        } else {
            1.0
        };
        let rtt = path_rtt_ms.max(0.01) / 1000.0;
        // Pushing over the WAN: one produce request in flight per (task, target
        // broker), each carrying one batch.size batch per partition.
        let in_flight = (push && !d.tool.offset_preserving()).then(|| {
            let dst_brokers: u32 = lay.clusters[b].iter().map(|&s| sc.site[s].brokers).sum();
            let parts = copied_partitions(sc, d);
            let tasks = d.tasks_max.min(parts.max(1)).max(1);
            let pairs = (tasks * dst_brokers.max(1)).min(parts.max(1));
            let per_pair_parts = (parts as f64 / pairs as f64).ceil();
            let per_request = (per_pair_parts * d.producer_batch_size as f64).min(1_048_576.0);
            // The model fills batch.size with uncompressed records.
            (
                pairs,
                pairs as f64 * per_request * d.producer_max_in_flight as f64 / rtt,
            )
        });
        // Connections: one per (task, source broker), each at most buffer / RTT.
        let buf = if push {
            d.producer_send_buffer_bytes
        } else {
            d.receive_buffer_bytes
        };
        let window = if buf < 0 {
            sc.model.tcp_autotune_max_bytes as f64
        } else {
            buf as f64
        };
        let src_brokers: u32 = lay.clusters[a].iter().map(|&s| sc.site[s].brokers).sum();
        let partitions: u32 = sc
            .topic
            .iter()
            .filter(|t| d.topics.is_empty() || d.topics.contains(&t.name))
            .map(|t| t.partitions)
            .sum();
        let tasks = if d.tool.offset_preserving() {
            lay.clusters[b]
                .iter()
                .map(|&s| sc.site[s].brokers)
                .sum::<u32>()
        } else if d.tool == crate::scenario::CopierTool::Flink {
            d.parallelism.min(partitions.max(1))
        } else {
            d.tasks_max.min(partitions.max(1))
        };
        let conns = (tasks * src_brokers)
            .min(partitions.max(1) * src_brokers.max(1))
            .max(1);
        Some(FlowLimits {
            peak,
            mean,
            ratio,
            usable: usable_bps(link),
            push,
            rtt,
            in_flight,
            conns,
            window,
        })
    }
}

/// Async designs: can each flow's copier keep up with the peak? Two limits: the
/// copier's connections (buffer / RTT each, one per task and source broker) and
/// the link (capacity minus background, or the reserved share). A link sized
/// between the average and the peak falls behind at every peak (§6).
fn copy_flows(
    sc: &Scenario,
    topo: &Topology,
    d: &crate::scenario::Design,
    lay: &crate::scenario::DesignLayout,
    out: &mut Vec<Finding>,
) {
    let graph = SiteGraph::of(sc);
    let name = |c: usize| lay.cluster_name(sc, c);
    for &(a, b) in &lay.flows {
        let Some(l) = FlowLimits::of(sc, topo, d, lay, &graph, (a, b)) else {
            continue;
        };
        let (peak, mean, usable) = (l.peak, l.mean, l.usable);
        let subject = format!("design {} flow {}→{}", d.name, name(a), name(b));
        let wire = peak / l.ratio;
        let mb = |v: f64| format!("{:.1} MB/s", v / 1e6);
        if wire * mean > usable {
            out.push(Finding {
                level: Level::Error,
                code: "copier-link",
                design: None,
                key: None,
                at: None,
                subject: subject.clone(),
                message: format!(
                    "the copy needs {} on average ({} at peak) but the link leaves {}: the lag grows without bound",
                    mb(wire * mean),
                    mb(wire),
                    mb(usable)
                ),
                fix: "more bandwidth, producer.compression.type on the copier (run it in the source site to compress the WAN leg), or copy fewer topics".into(),
            });
        } else if wire > usable {
            out.push(Finding {
                level: Level::Warning,
                code: "copier-link",
                design: None,
                key: None,
                at: None,
                subject: subject.clone(),
                message: format!(
                    "the link leaves {} for a copy of {} at peak ({} on average): sized for the average, it falls behind at every peak and catches up at (capacity − ingress)",
                    mb(usable),
                    mb(wire),
                    mb(wire * mean)
                ),
                fix: "size the link for the peak plus catch-up headroom; simulate with `ktopo compare` to see the lag".into(),
            });
        }
        if let Some((pairs, cap)) = l.in_flight
            && cap < peak
        {
            out.push(Finding {
                level: Level::Warning,
                code: "copier-in-flight",
                design: None,
                key: None,
                at: None,
                subject: subject.clone(),
                message: format!(
                    "pushing over {:.0} ms: {pairs} producer connection(s), each with {} request(s) in flight of one {} B batch per partition, move at most {} of payload, below the {} peak",
                    l.rtt * 1000.0,
                    d.producer_max_in_flight,
                    d.producer_batch_size,
                    mb(cap),
                    mb(peak)
                ),
                fix: "run the copier in the target site (copier_site = \"target\"), or raise producer.batch.size (and linger) for the copier".into(),
            });
        }
        let cap = l.conns as f64 * l.window / l.rtt;
        if cap < peak {
            out.push(Finding {
                level: Level::Warning,
                code: "copier-window",
                design: None,
                key: None,
                at: None,
                subject,
                message: format!(
                    "{} copier connection(s) of at most {:.0} KiB / {:.0} ms = {} each move at most {} in all, below the {} peak",
                    l.conns,
                    l.window / 1024.0,
                    l.rtt * 1000.0,
                    mb(l.window / l.rtt),
                    mb(cap),
                    mb(peak)
                ),
                fix: format!(
                    "raise {} to the bandwidth-delay product (or -1 for autotuning), or tasks.max",
                    if l.push {
                        "producer.send.buffer.bytes"
                    } else {
                        "consumer.receive.buffer.bytes"
                    }
                ),
            });
        }
    }
}

// ---------------------------------------------------------------------------
// Event budget

/// Events one run of design `design` (None: a file without designs) is
/// estimated to process, from the quantities the kernel handles (docs/model.md
/// §1, ARCHITECTURE.md invariant 8), per simulated second:
///
/// - each producer: a tick and, per leader broker of its topic, a request's
///   arrival, the end of its service on an io thread (docs/model.md §5a) and
///   its response, every `linger.ms` (flow fidelity: every
///   `flow_step_ms`, plus a probe every `flow_probe_interval_ms` that reaches
///   the leader, wakes the RF − 1 follower sessions and each consumer);
/// - each fetch session (follower: `num.replica.fetchers` per (leader broker,
///   follower broker) pair sharing a partition; consumer: one per leader
///   broker; copier: one per task and source broker): a request, its service's
///   end (not at flow fidelity) and a response per cycle, a cycle lasting max(RTT, the shortest linger of its writers)
///   while data flows (flow fidelity: at least `flow_step_ms`), else
///   `replica.fetch.wait.max.ms`;
/// - the control plane: heartbeats and quorum fetches, a few per broker and
///   voter per second.
///
/// A rough figure for a fault-free run (0.5 to 3 × the events the bundled
/// scenarios process, tests/it/check.rs; faults that stop traffic make a run
/// cheaper), good enough to say before a run that it cannot finish within
/// `model.max_events`.
pub fn estimated_events(
    sc: &Scenario,
    topo: &Topology,
    design: Option<&crate::scenario::Design>,
) -> f64 {
    use crate::scenario::DesignLayout;
    use crate::scenario::{DesignKind, Fidelity};
    let flow = sc.model.fidelity == Fidelity::Flow;
    let step_s = sc.model.flow_step_ms / 1000.0;
    let probe_s = sc.model.probe_interval_ms(sc.duration_s).max(1.0) / 1000.0;
    let layout = match design {
        Some(d) if d.kind != DesignKind::Stretched => DesignLayout::of(sc, d),
        _ => DesignLayout::stretched(sc),
    };
    let single = layout.clusters.len() == 1;
    let rtt_s = |a: usize, b: usize| {
        if a == b {
            topo.sites[a].lan_rtt_ms / 1000.0
        } else {
            let (na, nb) = (&topo.sites[a].name, &topo.sites[b].name);
            sc.link
                .iter()
                .find(|l| {
                    (&l.between[0] == na && &l.between[1] == nb)
                        || (&l.between[0] == nb && &l.between[1] == na)
                })
                .map_or(0.001, |l| l.rtt_ms / 1000.0)
        }
    };
    let fetch_wait_s = sc.broker.replica_fetch_wait_max_ms.max(1) as f64 / 1000.0;
    // Events per fetch cycle: request, its service's end, response; at flow
    // fidelity a fetch is handled at its arrival (no service event).
    let per_cycle = if flow { 2.0 } else { 3.0 };
    let mut rate = 0.0;
    for (c, sites) in layout.clusters.iter().enumerate() {
        let (sub, _) = topo.restricted(sites);
        let cx = if single {
            Cx::new(sc, topo, None)
        } else {
            Cx::new(sc, &sub, Some((sites.as_slice(), c)))
        };
        let fetchers = sc.broker.num_replica_fetchers.max(1) as usize;
        // (leader broker, follower broker) → partitions; per topic, its leaders.
        let mut pairs: BTreeMap<(usize, usize), (usize, f64)> = BTreeMap::new();
        for t in &cx.topics {
            let writers: Vec<&crate::scenario::Producer> = sc
                .producer
                .iter()
                .filter(|p| p.topic == t.name && cx.serves(&p.site))
                .collect();
            let mut leaders: Vec<usize> = t
                .asg
                .iter()
                .filter_map(|a| a.replicas.first().copied())
                .collect();
            leaders.sort_unstable();
            leaders.dedup();
            let nl = leaders.len().max(1) as f64;
            // Leader brokers a producer's linger reaches: the sticky partitioner
            // fills one batch.size batch per partition before moving on.
            let active = |p: &crate::scenario::Producer| {
                let linger = p.linger_ms(sc.model.kafka_version).max(1) as f64 / 1000.0;
                (p.rate_mb_s * 1e6 * linger / p.batch_size.max(1) as f64)
                    .ceil()
                    .clamp(1.0, nl)
            };
            // Appends per second to one partition: a fetch session returns
            // at the first append to any of its partitions (fetch.min.bytes 1).
            let np = t.asg.len().max(1) as f64;
            // Flow fidelity: sessions long-poll at least a step; the probes'
            // wake-ups are counted with the producers.
            let per_part: f64 = if writers.is_empty() {
                0.0
            } else if flow {
                1.0 / step_s / np
            } else {
                writers
                    .iter()
                    .map(|p| {
                        active(p) / (p.linger_ms(sc.model.kafka_version).max(1) as f64 / 1000.0)
                    })
                    .sum::<f64>()
                    / np
            };
            for a in &t.asg {
                let Some(&l) = a.replicas.first() else {
                    continue;
                };
                for &f in a.replicas[1..].iter().chain(&a.observers) {
                    let e = pairs.entry((l, f)).or_insert((0, 0.0));
                    e.0 += 1;
                    e.1 += per_part;
                }
            }
            for p in &writers {
                let ps = topo.site_index(&p.site).unwrap_or(0);
                let linger = p.linger_ms(sc.model.kafka_version).max(1) as f64 / 1000.0;
                let requests = 1.0 + 3.0 * if flow { nl } else { active(p) };
                if flow {
                    let consumers = sc.consumer.iter().filter(|x| x.topic == t.name).count();
                    rate += requests / step_s
                        + (3.0 + 2.0 * (t.rf.saturating_sub(1) + consumers) as f64) / probe_s;
                } else {
                    // A request waits for the previous one only past max.in.flight.
                    let far = leaders
                        .iter()
                        .map(|&l| rtt_s(ps, cx.broker_site(l)))
                        .fold(0.0, f64::max);
                    let per = linger.max(far / p.max_in_flight.max(1) as f64);
                    rate += requests / per;
                }
            }
            for k in sc
                .consumer
                .iter()
                .filter(|k| k.topic == t.name && cx.serves(&k.site))
            {
                let ks = topo.site_index(&k.site).unwrap_or(0);
                let idle = 1000.0 / k.fetch_max_wait_ms.max(1) as f64;
                let idle = if flow { idle.min(1.0 / step_s) } else { idle };
                for &l in &leaders {
                    let led = t
                        .asg
                        .iter()
                        .filter(|a| a.replicas.first() == Some(&l))
                        .count();
                    let cycles = (led as f64 * per_part)
                        .max(idle)
                        .min(1.0 / rtt_s(ks, cx.broker_site(l)).max(1e-4));
                    rate += per_cycle * cycles;
                }
            }
        }
        for (&(l, f), &(parts, appends)) in &pairs {
            let sessions = fetchers.min(parts) as f64;
            let cycles = (appends / sessions)
                .max(1.0 / fetch_wait_s.max(if flow { step_s } else { 0.0 }))
                .min(1.0 / rtt_s(cx.broker_site(l), cx.broker_site(f)).max(1e-4));
            rate += sessions * per_cycle * cycles;
        }
        // Control plane: heartbeats (request, arrival, response) and the quorum.
        let brokers = cx.brokers.iter().sum::<usize>() as f64;
        let voters = cx.voters.iter().sum::<usize>() as f64;
        let hb_s = sc.broker.broker_heartbeat_interval_ms.max(1) as f64 / 1000.0;
        rate += brokers * 3.0 / hb_s + voters * 8.0;
    }
    // Copiers: per flow, fetch sessions (task × source broker) and a producer
    // request per task and target broker, every linger or step.
    if let Some(d) = design.filter(|_| !single) {
        for &(a, b) in &layout.flows {
            let (sa, sb) = (layout.anchor(sc, a), layout.anchor(sc, b));
            let src: u32 = layout.clusters[a].iter().map(|&s| sc.site[s].brokers).sum();
            let dst: u32 = layout.clusters[b].iter().map(|&s| sc.site[s].brokers).sum();
            let parts = copied_partitions(sc, d);
            let tasks = d.tasks_max.min(parts.max(1)).max(1) as f64;
            let cycle = if flow { step_s } else { 0.005 }.max(rtt_s(sa, sb));
            rate += tasks * (src as f64 * per_cycle + dst as f64 * 3.0 + 1.0) / cycle;
        }
    }
    rate * sc.duration_s
}

/// `event-limit`: the run would stop at `model.max_events` before its end.
fn event_budget(
    sc: &Scenario,
    topo: &Topology,
    design: Option<&crate::scenario::Design>,
    out: &mut Vec<Finding>,
) {
    let est = estimated_events(sc, topo, design);
    let limit = sc.model.max_events as f64;
    if est <= limit {
        return;
    }
    let flow = sc.model.fidelity == crate::scenario::Fidelity::Flow;
    out.push(finding(
        Level::Error,
        "event-limit",
        "model.max_events",
        format!(
            "about {:.2e} events estimated for {} simulated s, over model.max_events = {}: the run would stop with an error before its end",
            est, sc.duration_s, sc.model.max_events
        ),
        if flow {
            "shorten duration_s, raise model.flow_step_ms and model.flow_probe_interval_ms, or raise model.max_events".to_string()
        } else {
            "use model.fidelity = \"flow\" (bulk data once per flow_step_ms; docs/model.md §16) for long runs, shorten duration_s, or raise model.max_events".to_string()
        },
    ));
}

/// The partitions a design's copier copies: those of its `topics`, or of every
/// topic when it names none.
fn copied_partitions(sc: &Scenario, d: &crate::scenario::Design) -> u32 {
    sc.topic
        .iter()
        .filter(|t| d.topics.is_empty() || d.topics.contains(&t.name))
        .map(|t| t.partitions)
        .sum()
}
