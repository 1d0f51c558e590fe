//! The candidates of `ktopo plan`: each is the user's scenario document with
//! the planner's choices filled in (which sites hold brokers and controllers,
//! RF, `min.insync.replicas`, placement, and one `[[design]]` with its copier
//! settings). Static pruning rules that need no simulation live here too.

use crate::scenario::{Acks, CopierTool, Scenario};
use indexmap::IndexMap;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use toml::{Table, Value};

/// One design the planner will judge.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub name: String,
    /// `stretched`, `async` or `hybrid`.
    pub family: &'static str,
    /// The copier (None for stretched).
    pub tool: Option<String>,
    pub topology: Option<String>,
    pub replication_factor: u32,
    pub min_insync_replicas: u32,
    /// KRaft voters per site, in site order.
    pub controllers: IndexMap<String, u32>,
    /// Brokers per site, in site order.
    pub brokers: IndexMap<String, u32>,
    /// Replica placement in words, e.g. `1 per site (dc1, dc2, dc3)`.
    pub placement: String,
    /// Confluent observers per partition per site (a stretch with observers
    /// promoted `under-min-isr`), empty when none.
    pub observers: IndexMap<String, u32>,
    /// Copier settings the planner chose (Kafka names), in order.
    pub settings: IndexMap<String, i64>,
    /// The scenario document without faults (a case adds them).
    pub doc: Table,
    /// Why it is not simulated (static reasons), empty when it is.
    pub pruned: Vec<String>,
    /// The candidate is a `[[design]]` of the file.
    pub from_file: bool,
}

fn int(v: i64) -> Value {
    Value::Integer(v)
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

fn tables_mut<'a>(doc: &'a mut Table, key: &str) -> Vec<&'a mut Table> {
    match doc.get_mut(key) {
        Some(Value::Array(a)) => a
            .iter_mut()
            .filter_map(|v| match v {
                Value::Table(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The tables of array `key` of `t` (`[[topic]]`, a placement's groups); empty
/// when absent.
fn array_tables<'a>(t: &'a Table, key: &str) -> Vec<&'a Table> {
    match t.get(key) {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_table).collect(),
        _ => Vec::new(),
    }
}

/// What the file states (keys present in its TOML text, whatever their value,
/// even the default): kept in every generated candidate; only what it leaves
/// open is searched.
struct Stated {
    /// `replication.factor` of the first topic, else `[broker]
    /// "default.replication.factor"`.
    rf: Option<u32>,
    /// `min.insync.replicas` of the first topic, else `[broker]`'s.
    min_isr: Option<u32>,
    /// Each topic's stated `replication.factor` (topic or broker level).
    topic_rf: Vec<(String, Option<u32>)>,
    /// `controllers` per site, in site order.
    ctrl: Vec<Option<u32>>,
}

fn int_key(t: &Table, k: &str) -> Option<u32> {
    t.get(k)
        .and_then(Value::as_integer)
        .and_then(|v| u32::try_from(v).ok())
}

impl Stated {
    fn of(doc: &Table) -> Stated {
        let broker = doc.get("broker").and_then(Value::as_table);
        let b_rf = broker.and_then(|b| int_key(b, "default.replication.factor"));
        let b_min = broker.and_then(|b| int_key(b, "min.insync.replicas"));
        let topics = array_tables(doc, "topic");
        let sites = array_tables(doc, "site");
        Stated {
            rf: topics
                .first()
                .and_then(|t| int_key(t, "replication.factor"))
                .or(b_rf),
            min_isr: topics
                .first()
                .and_then(|t| int_key(t, "min.insync.replicas"))
                .or(b_min),
            topic_rf: topics
                .iter()
                .map(|t| {
                    let name = t.get("name").and_then(Value::as_str).unwrap_or_default();
                    (name.to_string(), int_key(t, "replication.factor").or(b_rf))
                })
                .collect(),
            ctrl: sites.iter().map(|t| int_key(t, "controllers")).collect(),
        }
    }

    /// The planner's voters per site with the file's stated ones in place.
    fn ctrl(&self, planned: &[u32]) -> Vec<u32> {
        planned
            .iter()
            .enumerate()
            .map(|(i, &v)| self.ctrl.get(i).copied().flatten().unwrap_or(v))
            .collect()
    }
}

/// The document with per-site brokers and controllers set (a site's stated
/// `controllers` kept), and the plan's own tables (and any design, sweep and
/// fault) removed.
fn base_doc(doc: &Table, brokers: &[u32], controllers: &[u32]) -> Table {
    let mut d = doc.clone();
    for k in ["plan", "sweep", "design", "fault"] {
        d.remove(k);
    }
    for (i, t) in tables_mut(&mut d, "site").into_iter().enumerate() {
        t.insert("brokers".into(), int(i64::from(brokers[i])));
        if !t.contains_key("controllers") {
            t.insert("controllers".into(), int(i64::from(controllers[i])));
        }
    }
    d
}

/// Set RF, minISR and (for a stretch) explicit placement on every topic,
/// keeping the RF and minISR a topic (or `[broker]`) states.
fn set_topics(d: &mut Table, rf: u32, min_isr: u32, per_site: Option<&[(String, u32)]>) {
    let broker = d.get("broker").and_then(Value::as_table);
    let b_rf = broker.is_some_and(|b| b.contains_key("default.replication.factor"));
    let b_min = broker.is_some_and(|b| b.contains_key("min.insync.replicas"));
    for t in tables_mut(d, "topic") {
        if !t.contains_key("replication.factor") && !b_rf {
            t.insert("replication.factor".into(), int(i64::from(rf)));
        }
        if !t.contains_key("min.insync.replicas") && !b_min {
            t.insert("min.insync.replicas".into(), int(i64::from(min_isr)));
        }
        t.remove("placement");
        if let Some(groups) = per_site {
            let mut p = Table::new();
            p.insert("replicas".into(), rack_groups(groups));
            t.insert("placement".into(), Value::Table(p));
        }
    }
}

fn set_design(d: &mut Table, design: Table) {
    d.insert("design".into(), Value::Array(vec![Value::Table(design)]));
}

/// Every combination of `k` elements of `items`, in lexicographic order.
fn combinations(items: &[usize], k: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut idx: Vec<usize> = (0..k).collect();
    if k == 0 || k > items.len() {
        return out;
    }
    loop {
        out.push(idx.iter().map(|&i| items[i]).collect());
        let mut i = k;
        while i > 0 && idx[i - 1] == items.len() - k + i - 1 {
            i -= 1;
        }
        if i == 0 {
            return out;
        }
        idx[i - 1] += 1;
        for j in i..k {
            idx[j] = idx[j - 1] + 1;
        }
    }
}

/// Round-trip time between two sites (0 for a site with itself or no link).
pub fn rtt(sc: &Scenario, a: usize, b: usize) -> f64 {
    link(sc, a, b).map_or(0.0, |l| l.rtt_ms)
}

pub fn link(sc: &Scenario, a: usize, b: usize) -> Option<&crate::scenario::Link> {
    let (na, nb) = (&sc.site[a].name, &sc.site[b].name);
    sc.link.iter().find(|l| {
        (&l.between[0] == na && &l.between[1] == nb) || (&l.between[0] == nb && &l.between[1] == na)
    })
}

/// Peak payload rate produced in site `s`, bytes/s.
fn peak_from(sc: &Scenario, s: usize) -> f64 {
    sc.producer
        .iter()
        .filter(|p| p.site == sc.site[s].name)
        .map(|p| p.rate_mb_s * 1e6)
        .sum()
}

/// A socket buffer for one connection to fill `link`: the bandwidth-delay
/// product plus 25 %, rounded up to a power of two, at least Kafka's 64 KiB.
pub fn bdp_buffer(bandwidth_mbps: f64, rtt_ms: f64) -> i64 {
    let bdp = bandwidth_mbps * 1e6 / 8.0 * rtt_ms / 1000.0 * 1.25;
    let b = (bdp.ceil().max(65_536.0) as u64).next_power_of_two();
    b.min(1 << 30) as i64
}

/// Kafka's default `replica.socket.receive.buffer.bytes` (64 KiB,
/// `ReplicationConfigs.REPLICA_SOCKET_RECEIVE_BUFFER_BYTES_DEFAULT`).
const REPLICA_BUFFER_DEFAULT: i64 = 65_536;

/// A stretched cluster whose brokers sit in `sites`: unless the file states
/// `replica.socket.receive.buffer.bytes` (in `[broker]`), set it to the
/// [`bdp_buffer`] of its longest stretched path (a link, or a route's
/// narrowest hop and summed round trip, as `check`'s `wan-receive-buffer`
/// rule measures it), so that one replica fetcher connection
/// (`ReplicaFetcherBlockingSend`'s socket, receive buffer of that size) can
/// fill the link: a TCP window of `buffer` bytes moves at most buffer / RTT.
/// Written only when above Kafka's 64 KiB default. Returns the value set.
pub(crate) fn size_replica_buffer(sc: &Scenario, d: &mut Table, sites: &[usize]) -> Option<i64> {
    const KEY: &str = "replica.socket.receive.buffer.bytes";
    if d.get("broker")
        .and_then(Value::as_table)
        .is_some_and(|b| b.contains_key(KEY))
    {
        return None;
    }
    let graph = crate::sites::SiteGraph::of(sc);
    let mut buf = REPLICA_BUFFER_DEFAULT;
    for (i, &a) in sites.iter().enumerate() {
        for &b in &sites[i + 1..] {
            if let Some(l) = link(sc, a, b) {
                buf = buf.max(bdp_buffer(l.bandwidth_mbps, l.rtt_ms));
            } else if let Some(hops) = graph.scenario_route(sc, a, b) {
                let rtt: f64 = hops.iter().map(|h| sc.link[h.link].rtt_ms).sum();
                let bw = hops
                    .iter()
                    .map(|h| sc.link[h.link].bandwidth_mbps)
                    .fold(f64::INFINITY, f64::min);
                if bw.is_finite() {
                    buf = buf.max(bdp_buffer(bw, rtt));
                }
            }
        }
    }
    if buf <= REPLICA_BUFFER_DEFAULT {
        return None;
    }
    let broker = d
        .entry("broker")
        .or_insert_with(|| Value::Table(Table::new()));
    if let Value::Table(t) = broker {
        t.insert(KEY.into(), int(buf));
    }
    Some(buf)
}

/// `tasks.max` for a flow: the fewest tasks whose fetch connections (one per
/// task and source broker, each moving at most min(`fetch.max.bytes`,
/// partitions × `max.partition.fetch.bytes`, the socket window) per round
/// trip, as `check`'s copier-window rule counts them) carry 1.25 × the peak.
pub(crate) fn tasks_for(
    peak: f64,
    partitions: u32,
    src_brokers: u32,
    window: f64,
    rtt_ms: f64,
) -> u32 {
    let rtt = rtt_ms.max(0.01) / 1000.0;
    let parts = partitions.max(1);
    for t in 1..=parts {
        let conns = (t * src_brokers.max(1)).min(parts).max(1);
        let per_conn_parts = f64::from(parts.div_ceil(conns));
        let per_fetch = (52_428_800.0f64)
            .min(per_conn_parts * 1_048_576.0)
            .min(window);
        if f64::from(conns) * per_fetch / rtt >= 1.25 * peak {
            return t;
        }
    }
    parts
}

/// Every candidate for the scenario `sc` whose document is `doc`.
pub fn generate(sc: &Scenario, doc: &Table) -> Vec<Candidate> {
    let plan = sc.plan.clone().unwrap_or_default();
    let n = sc.site.len();
    let data: Vec<usize> = (0..n).filter(|&i| sc.site[i].brokers > 0).collect();
    let names: Vec<String> = sc.site.iter().map(|s| s.name.clone()).collect();
    let mut out = Vec::new();
    let family = |f: &str| plan.families.iter().any(|x| x == f);
    let stated = Stated::of(doc);

    if family("stretched") {
        // Three sites: RF 3, minISR 2, one replica and one voter per site.
        for trio in combinations(&data, 3).into_iter().take(4) {
            let mut brokers = vec![0u32; n];
            let mut ctrl = vec![0u32; n];
            for &s in &trio {
                brokers[s] = sc.site[s].brokers;
                ctrl[s] = 1;
            }
            let ctrl = stated.ctrl(&ctrl);
            let groups: Vec<(String, u32)> = trio.iter().map(|&s| (names[s].clone(), 1)).collect();
            let label: Vec<&str> = trio.iter().map(|&s| names[s].as_str()).collect();
            let (rf, min) = (stated.rf.unwrap_or(3), stated.min_isr.unwrap_or(2));
            let name = format!("stretched-3 {} rf{rf} min{min}", label.join("+"));
            out.push(stretched(
                sc, doc, name, &brokers, &ctrl, rf, min, &groups, &stated,
            ));
        }
        for pair in combinations(&data, 2).into_iter().take(6) {
            let (a, b) = (pair[0], pair[1]);
            let two = sc.site[a].brokers.min(sc.site[b].brokers) >= 2;
            let per = if two { 2 } else { 1 };
            let rf = stated.rf.unwrap_or(2 * per);
            let groups = vec![(names[a].clone(), per), (names[b].clone(), per)];
            // 2.5 sites: a voter in a third location breaks the tie.
            let mut ties: Vec<usize> = (0..n).filter(|&t| t != a && t != b).collect();
            ties.sort_by_key(|&t| (sc.site[t].brokers > 0, t));
            for &t in ties.iter().take(2) {
                let mut brokers = vec![0u32; n];
                brokers[a] = sc.site[a].brokers;
                brokers[b] = sc.site[b].brokers;
                let mut ctrl = vec![0u32; n];
                ctrl[a] = 2;
                ctrl[b] = 2;
                ctrl[t] = 1;
                let ctrl = stated.ctrl(&ctrl);
                let mins: Vec<u32> = match stated.min_isr {
                    Some(m) => vec![m],
                    None if rf >= 4 => vec![rf - 1, rf / 2],
                    None => vec![rf, 1],
                };
                for min in mins {
                    let name = format!(
                        "stretched-2.5 {}+{} tie {} rf{rf} min{min}",
                        names[a], names[b], names[t]
                    );
                    if out.iter().any(|c: &Candidate| c.name == name) {
                        continue;
                    }
                    out.push(stretched(
                        sc, doc, name, &brokers, &ctrl, rf, min, &groups, &stated,
                    ));
                }
            }
            // Observers where they help (Confluent Multi-Region Clusters): the
            // pair holds the synchronous replicas, a farther data site one
            // observer per partition and the tie-breaking voter; min ISR one
            // above a site's replicas, so losing either of the pair leaves its
            // partner's replicas, which promote the observer (under-min-isr)
            // and keep acks=all writes going with nothing acknowledged lost.
            // acks=all waits only for the pair's round trip.
            let near = rtt(sc, a, b);
            for &t in ties
                .iter()
                .filter(|&&t| {
                    sc.site[t].brokers > 0
                        && rtt(sc, a, t).min(rtt(sc, b, t)) >= 10.0_f64.max(2.0 * near)
                })
                .take(1)
            {
                let mut brokers = vec![0u32; n];
                for x in [a, b, t] {
                    brokers[x] = sc.site[x].brokers;
                }
                let mut ctrl = vec![0u32; n];
                ctrl[a] = 2;
                ctrl[b] = 2;
                ctrl[t] = 1;
                let ctrl = stated.ctrl(&ctrl);
                let min = stated.min_isr.unwrap_or(rf - per + 1);
                let name = format!(
                    "stretched-2+obs {}+{} observers {} rf{rf} min{min}",
                    names[a], names[b], names[t]
                );
                let c = stretched(sc, doc, name, &brokers, &ctrl, rf, min, &groups, &stated);
                out.push(with_observers(sc, c, &[(names[t].clone(), 1)]));
            }
            // Two sites alone: the voters' majority sits in one of them.
            let mut brokers = vec![0u32; n];
            brokers[a] = sc.site[a].brokers;
            brokers[b] = sc.site[b].brokers;
            let mut ctrl = vec![0u32; n];
            ctrl[a] = 2;
            ctrl[b] = 1;
            let ctrl = stated.ctrl(&ctrl);
            let min = stated.min_isr.unwrap_or(if rf > 2 { rf - 1 } else { 1 });
            let name = format!("stretched-2 {}+{} rf{rf} min{min}", names[a], names[b]);
            out.push(stretched(
                sc, doc, name, &brokers, &ctrl, rf, min, &groups, &stated,
            ));
        }
    }

    if family("async") && data.len() >= 2 {
        let primary = data
            .iter()
            .copied()
            .max_by(|&x, &y| {
                peak_from(sc, x)
                    .total_cmp(&peak_from(sc, y))
                    .then(y.cmp(&x))
            })
            .unwrap_or(data[0]);
        let min_brokers = data.iter().map(|&s| sc.site[s].brokers).min().unwrap_or(1);
        let rf = stated.rf.unwrap_or(min_brokers.min(3));
        let min_isr = stated.min_isr.unwrap_or(if rf >= 3 { 2 } else { 1 });
        let mut brokers = vec![0u32; n];
        let mut ctrl = vec![0u32; n];
        for &s in &data {
            brokers[s] = sc.site[s].brokers;
            // A cluster per site: the usual three KRaft voters.
            ctrl[s] = 3;
        }
        let ctrl = stated.ctrl(&ctrl);
        // The worst WAN link between two clusters sizes the buffers.
        let (mut buf, mut worst_rtt) = (65_536i64, 0.0f64);
        for pair in combinations(&data, 2) {
            if let Some(l) = link(sc, pair[0], pair[1]) {
                buf = buf.max(bdp_buffer(l.bandwidth_mbps, l.rtt_ms));
                worst_rtt = worst_rtt.max(l.rtt_ms);
            }
        }
        let partitions: u32 = sc.topic.iter().map(|t| t.partitions).sum();
        let peak_max = data.iter().map(|&s| peak_from(sc, s)).fold(0.0, f64::max);
        let tasks = tasks_for(
            peak_max,
            partitions,
            sc.site[primary].brokers,
            buf as f64,
            worst_rtt,
        );
        let ck_ms = checkpoint_ms(sc);
        for v in variants(&plan.tools) {
            let (tool, label) = (v.tool.label(), v.label());
            for topo in &plan.topologies {
                if topo == "active-active" && one_way_only(v.tool) {
                    continue; // Names kept, no rename: a cycle (validation).
                }
                let name = format!("async {label} {topo}");
                let mut d = base_doc(doc, &brokers, &ctrl);
                set_topics(&mut d, rf, min_isr, None);
                let mut design = Table::new();
                design.insert("name".into(), s(&name));
                design.insert("kind".into(), s("async"));
                design.insert("tool".into(), s(tool));
                design.insert("topology".into(), s(topo));
                design.insert(
                    "clusters".into(),
                    Value::Array(data.iter().map(|&x| s(&names[x])).collect()),
                );
                if topo == "active-passive" {
                    design.insert("primary".into(), s(&names[primary]));
                }
                design.insert("replication.factor".into(), int(i64::from(rf)));
                let settings = copier_settings(&mut design, v, buf, tasks, ck_ms);
                if topo == "active-active" {
                    match v.tool {
                        CopierTool::ClusterLinking => {
                            design.insert("cluster.link.prefix".into(), s("mirror."));
                        }
                        CopierTool::Replicator => {
                            design.insert("topic.rename.format".into(), s("${topic}.replica"));
                        }
                        _ => {}
                    }
                }
                set_design(&mut d, design);
                out.push(Candidate {
                    name,
                    family: "async",
                    tool: Some(tool.to_string()),
                    topology: Some(topo.clone()),
                    replication_factor: rf,
                    min_insync_replicas: min_isr,
                    controllers: per_site(sc, &ctrl),
                    brokers: per_site(sc, &brokers),
                    placement: format!(
                        "a cluster per site ({}), rack-aware inside each",
                        data.iter()
                            .map(|&x| names[x].as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    observers: IndexMap::new(),
                    settings,
                    doc: d,
                    pruned: Vec::new(),
                    from_file: false,
                });
            }
        }
    }

    if family("hybrid") && data.len() >= 3 {
        hybrids(sc, doc, &data, &plan, &stated, &mut out);
    }
    keep_stated_placement(sc, doc, &mut out);

    // The file's own designs join as they are.
    for (i, d) in sc.design.iter().enumerate() {
        let mut doc2 = doc.clone();
        for k in ["plan", "sweep", "fault"] {
            doc2.remove(k);
        }
        let design = match doc.get("design") {
            Some(Value::Array(a)) => a.get(i).cloned(),
            _ => None,
        };
        let Some(Value::Table(design)) = design else {
            continue;
        };
        set_design(&mut doc2, design);
        let rf_of = |t: &crate::scenario::Topic| {
            t.replication_factor
                .unwrap_or(sc.broker.default_replication_factor)
        };
        let rf = sc
            .topic
            .first()
            .map_or(sc.broker.default_replication_factor, rf_of);
        let min = sc
            .topic
            .first()
            .and_then(|t| t.min_insync_replicas)
            .unwrap_or(sc.broker.min_insync_replicas);
        let is_async = d.kind != crate::scenario::DesignKind::Stretched;
        let hybrid = d.kind == crate::scenario::DesignKind::Hybrid;
        out.push(Candidate {
            name: d.name.clone(),
            family: if hybrid {
                "hybrid"
            } else if is_async {
                "async"
            } else {
                "stretched"
            },
            tool: is_async.then(|| d.tool.label().to_string()),
            topology: is_async.then(|| format!("{:?}", d.topology).to_lowercase()),
            replication_factor: if is_async && !hybrid {
                d.replication_factor
            } else {
                rf
            },
            min_insync_replicas: min,
            controllers: sc
                .site
                .iter()
                .map(|x| (x.name.clone(), x.controllers))
                .collect(),
            brokers: sc
                .site
                .iter()
                .map(|x| (x.name.clone(), x.brokers))
                .collect(),
            placement: "as in the file".into(),
            observers: IndexMap::new(),
            settings: IndexMap::new(),
            doc: doc2,
            pruned: Vec::new(),
            from_file: true,
        });
    }
    out
}

/// Hybrid candidates: a stretched cluster over the closest pair of data
/// sites (lowest round trip; 2 + 2 replicas, or 1 + 1 when a site has one
/// broker; 2 + 2 voters and one in a controller-only site as tie-breaker when
/// the file has one, else 2 + 1), and a cluster per other data site (3
/// voters, RF min(3, brokers)) that the copier fills from it, active-passive,
/// one candidate per `[plan].tools` and minISR. Buffers and `tasks.max` are
/// sized for the worst link from the pair to a far site, as for async.
fn hybrids(
    sc: &Scenario,
    doc: &Table,
    data: &[usize],
    plan: &crate::scenario::PlanConfig,
    stated: &Stated,
    out: &mut Vec<Candidate>,
) {
    let Some(pair) = combinations(data, 2)
        .into_iter()
        .filter(|p| link(sc, p[0], p[1]).is_some())
        .min_by(|x, y| rtt(sc, x[0], x[1]).total_cmp(&rtt(sc, y[0], y[1])))
    else {
        return;
    };
    let (a, b) = (pair[0], pair[1]);
    hybrid_family(sc, doc, data, plan, stated, out, (a, b), None);
    // Observers where they help: with a third data site near the pair
    // and a farther one left for the copy, the metro stretch can hold one
    // observer per partition there (Confluent Multi-Region Clusters,
    // promoted under-min-isr: losing either of the pair keeps acks=all
    // writes going with nothing acknowledged lost, while acks=all waits only
    // for the pair), the third site's voter breaking the tie; the far sites
    // keep their asynchronous copy. The nearest other data site (by its
    // round trip to the farther of the pair) is the observer site.
    let others: Vec<usize> = data.iter().copied().filter(|&x| x != a && x != b).collect();
    let near = others
        .iter()
        .copied()
        .filter(|&o| link(sc, a, o).is_some() && link(sc, b, o).is_some())
        .min_by(|&x, &y| {
            let w = |t: usize| rtt(sc, a, t).max(rtt(sc, b, t));
            w(x).total_cmp(&w(y)).then(x.cmp(&y))
        });
    // Only under `rpo_s = 0`: that is where the plain pair cannot have both
    // (min ISR 2 lets the ISR shrink to one site, min ISR 3 refuses writes
    // after a site loss) and the observer helps; otherwise the plain hybrid
    // with min ISR 2 does the same without the observer's copy (and the plan
    // benchmark keeps its size).
    if let Some(o) = near
        && others.len() >= 2
        && sc.objectives.rpo_s == Some(0.0)
    {
        hybrid_family(sc, doc, data, plan, stated, out, (a, b), Some(o));
    }
}

/// The hybrid candidates over the stretched pair `(a, b)`, with one observer
/// per partition in data site `obs` (then part of the stretched cluster, not
/// copied to) when given.
#[allow(clippy::too_many_arguments)]
fn hybrid_family(
    sc: &Scenario,
    doc: &Table,
    data: &[usize],
    plan: &crate::scenario::PlanConfig,
    stated: &Stated,
    out: &mut Vec<Candidate>,
    (a, b): (usize, usize),
    obs: Option<usize>,
) {
    let n = sc.site.len();
    let names: Vec<String> = sc.site.iter().map(|s| s.name.clone()).collect();
    let far: Vec<usize> = data
        .iter()
        .copied()
        .filter(|&x| x != a && x != b && Some(x) != obs)
        .collect();
    // The observer site holds the tie-breaking voter (as `stretched-2+obs`).
    let tie = (0..n)
        .filter(|&t| sc.site[t].brokers == 0 || Some(t) == obs)
        .min_by(|&x, &y| {
            let w = |t: usize| rtt(sc, a, t).max(rtt(sc, b, t));
            w(x).total_cmp(&w(y)).then(x.cmp(&y))
        });
    let tie = obs.or(tie);
    let per = if sc.site[a].brokers.min(sc.site[b].brokers) >= 2 {
        2
    } else {
        1
    };
    let rf = stated.rf.unwrap_or(2 * per);
    let groups = vec![(names[a].clone(), per), (names[b].clone(), per)];
    let mut brokers = vec![0u32; n];
    let mut ctrl = vec![0u32; n];
    for &x in data {
        brokers[x] = sc.site[x].brokers;
        ctrl[x] = 3;
    }
    ctrl[a] = 2;
    ctrl[b] = if tie.is_some() { 2 } else { 1 };
    if let Some(t) = tie {
        ctrl[t] = 1;
    }
    let ctrl = stated.ctrl(&ctrl);
    let (mut buf, mut worst_rtt) = (65_536i64, 0.0f64);
    for &f in &far {
        for m in [a, b] {
            if let Some(l) = link(sc, m, f) {
                buf = buf.max(bdp_buffer(l.bandwidth_mbps, l.rtt_ms));
                worst_rtt = worst_rtt.max(l.rtt_ms);
            }
        }
    }
    let partitions: u32 = sc.topic.iter().map(|t| t.partitions).sum();
    let peak = peak_from(sc, a) + peak_from(sc, b);
    let tasks = tasks_for(
        peak,
        partitions,
        sc.site[a].brokers + sc.site[b].brokers,
        buf as f64,
        worst_rtt,
    );
    let far_rf = far
        .iter()
        .map(|&f| sc.site[f].brokers)
        .min()
        .unwrap_or(1)
        .min(3);
    let mins: Vec<u32> = match (stated.min_isr, obs) {
        (Some(m), _) => vec![m],
        // With observers: min ISR one above a site's replicas (the
        // observer is promoted when either of the pair is lost).
        (None, Some(_)) => vec![rf - per + 1],
        (None, None) if rf >= 4 => vec![rf - 1, rf / 2],
        (None, None) => vec![rf, 1],
    };
    let obs_label = obs.map_or(String::new(), |o| format!(" observers {}", names[o]));
    let stretched_sites: Vec<usize> = [a, b].into_iter().chain(obs).collect();
    let ck_ms = checkpoint_ms(sc);
    for v in variants(&plan.tools) {
        let (tool, label) = (v.tool.label(), v.label());
        for &min in &mins {
            let name = format!(
                "hybrid {}+{}{obs_label} rf{rf} min{min} + {label} to {}",
                names[a],
                names[b],
                far.iter()
                    .map(|&f| names[f].as_str())
                    .collect::<Vec<_>>()
                    .join("+")
            );
            let mut d = base_doc(doc, &brokers, &ctrl);
            set_topics(&mut d, rf, min, Some(&groups));
            size_replica_buffer(sc, &mut d, &stretched_sites);
            let mut design = Table::new();
            design.insert("name".into(), s(&name));
            design.insert("kind".into(), s("hybrid"));
            design.insert(
                "stretched".into(),
                Value::Array(stretched_sites.iter().map(|&x| s(&names[x])).collect()),
            );
            design.insert("tool".into(), s(tool));
            design.insert("topology".into(), s("active-passive"));
            design.insert("replication.factor".into(), int(i64::from(far_rf)));
            let settings = copier_settings(&mut design, v, buf, tasks, ck_ms);
            set_design(&mut d, design);
            let pruned = stated_rf_mismatch(stated, &groups);
            let c = Candidate {
                name,
                family: "hybrid",
                tool: Some(tool.to_string()),
                topology: Some("active-passive".into()),
                replication_factor: rf,
                min_insync_replicas: min,
                controllers: per_site(sc, &ctrl),
                brokers: per_site(sc, &brokers),
                placement: format!(
                    "{per} in {}, {per} in {} (stretched, the first listed leads); a cluster per far site ({}), rack-aware",
                    names[a],
                    names[b],
                    far.iter()
                        .map(|&f| names[f].as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                observers: IndexMap::new(),
                settings,
                doc: d,
                pruned,
                from_file: false,
            };
            out.push(match obs {
                Some(o) => with_observers(sc, c, &[(names[o].clone(), 1)]),
                None => c,
            });
        }
    }
}

/// A stretch's placement groups hold a fixed number of replicas: a topic
/// whose file states another `replication.factor` cannot take them.
fn stated_rf_mismatch(stated: &Stated, groups: &[(String, u32)]) -> Vec<String> {
    let placed: u32 = groups.iter().map(|g| g.1).sum();
    stated
        .topic_rf
        .iter()
        .filter_map(|(topic, rf)| {
            let rf = (*rf)?;
            (rf != placed).then(|| {
                format!(
                    "the file states replication.factor {rf} for `{topic}` (kept: the planner only chooses what the file leaves open), and this candidate places {placed} replicas ({})",
                    groups
                        .iter()
                        .map(|(s, k)| format!("{k} in {s}"))
                        .collect::<Vec<_>>()
                        .join(" + ")
                )
            })
        })
        .collect()
}

/// Replicas and observers per site of a topic `placement` table, each
/// group's rack read as a site's name or one of its `racks`; `None` when a
/// rack belongs to no site.
type BySite = (BTreeMap<String, u32>, BTreeMap<String, u32>);

fn placement_by_site(sc: &Scenario, p: &Table) -> Option<BySite> {
    let count = |key: &str| -> Option<BTreeMap<String, u32>> {
        let mut out = BTreeMap::new();
        for g in array_tables(p, key) {
            let rack = g.get("rack")?.as_str()?;
            let k = int_key(g, "count")?;
            let site = sc
                .site
                .iter()
                .find(|x| crate::scenario::holds_rack(x, rack))?;
            *out.entry(site.name.clone()).or_insert(0) += k;
        }
        Some(out)
    };
    Some((count("replicas")?, count("observers")?))
}

/// A placement table's groups as written, the first first: "2 in dc2 + 2 in
/// dc1; observers 1 in dc3".
fn describe_placement(p: &Table) -> String {
    let list = |key: &str| {
        array_tables(p, key)
            .into_iter()
            .map(|g| {
                format!(
                    "{} in {}",
                    int_key(g, "count").unwrap_or(0),
                    g.get("rack").and_then(Value::as_str).unwrap_or("?")
                )
            })
            .collect::<Vec<_>>()
            .join(" + ")
    };
    let (replicas, observers) = (list("replicas"), list("observers"));
    if observers.is_empty() {
        replicas
    } else {
        format!("{replicas}; observers {observers}")
    }
}

/// What the file states is kept, a topic's `placement` too. A generated
/// stretch (or a hybrid's stretched pair) that puts as many replicas and
/// observers in each site as the file's placement takes that placement as
/// written (its group order names the leaders' site, its promotion policy
/// stays); one that places them otherwise is pruned, saying so. A cluster
/// per site places rack-aware inside it, as the simulator does with any
/// explicit placement there, so async candidates are left as they are.
fn keep_stated_placement(sc: &Scenario, doc: &Table, out: &mut [Candidate]) {
    let topics: Vec<Option<&Table>> = array_tables(doc, "topic")
        .into_iter()
        .map(|t| t.get("placement")?.as_table())
        .collect();
    if topics.iter().all(Option::is_none) {
        return;
    }
    for c in out.iter_mut().filter(|c| c.family != "async") {
        let mut kept = Vec::new();
        for (t, (stated, mine)) in topics
            .iter()
            .zip(tables_mut(&mut c.doc, "topic"))
            .enumerate()
        {
            let Some(stated) = stated else { continue };
            let name = sc.topic.get(t).map_or("?", |x| x.name.as_str());
            let want = placement_by_site(sc, stated);
            let generated = mine.get("placement").and_then(Value::as_table);
            let have = generated.and_then(|p| placement_by_site(sc, p));
            match (want, have) {
                (Some(w), Some(h)) if w == h => {
                    mine.insert("placement".into(), Value::Table((*stated).clone()));
                    kept.push(describe_placement(stated));
                }
                (Some(_), _) => c.pruned.push(format!(
                    "the file states the placement of `{name}` ({}; kept: the planner only chooses what the file leaves open), and this candidate places {}",
                    describe_placement(stated),
                    generated.map_or("none".into(), describe_placement)
                )),
                (None, _) => c.pruned.push(format!(
                    "the file's placement of `{name}` names a rack of no site, so no generated candidate can keep it: state the design as a [[design]]"
                )),
            }
        }
        if let Some(first) = kept.first() {
            c.placement = format!("{first}, as the file states it (its first group leads)");
        }
    }
}

/// Per site, by name in the file's order: `v[i]` of site `i`.
fn per_site(sc: &Scenario, v: &[u32]) -> IndexMap<String, u32> {
    sc.site
        .iter()
        .map(|x| x.name.clone())
        .zip(v.iter().copied())
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn stretched(
    sc: &Scenario,
    doc: &Table,
    name: String,
    brokers: &[u32],
    ctrl: &[u32],
    rf: u32,
    min: u32,
    groups: &[(String, u32)],
    stated: &Stated,
) -> Candidate {
    let mut d = base_doc(doc, brokers, ctrl);
    set_topics(&mut d, rf, min, Some(groups));
    let holding: Vec<usize> = (0..brokers.len()).filter(|&i| brokers[i] > 0).collect();
    size_replica_buffer(sc, &mut d, &holding);
    let mut design = Table::new();
    design.insert("name".into(), s(&name));
    design.insert("kind".into(), s("stretched"));
    set_design(&mut d, design);
    let mut pruned = stated_rf_mismatch(stated, groups);
    for (site, k) in groups {
        let have = sc
            .site
            .iter()
            .find(|x| &x.name == site)
            .map_or(0, |x| x.brokers);
        if have < *k {
            pruned.push(format!(
                "`{site}` holds {have} broker(s), {k} replica(s) per partition are to go there"
            ));
        }
    }
    let placement = format!(
        "{} (the first listed leads)",
        groups
            .iter()
            .map(|(s, k)| format!("{k} in {s}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Candidate {
        name,
        family: "stretched",
        tool: None,
        topology: None,
        replication_factor: rf,
        min_insync_replicas: min,
        controllers: per_site(sc, ctrl),
        brokers: per_site(sc, brokers),
        placement,
        observers: IndexMap::new(),
        settings: IndexMap::new(),
        doc: d,
        pruned,
        from_file: false,
    }
}

/// One copier a candidate runs: the tool and, for Flink, the sink's
/// delivery guarantee (`[plan].tools = ["flink"]` generates both).
#[derive(Clone, Copy, Debug)]
struct Variant {
    tool: CopierTool,
    exactly_once: bool,
}

impl Variant {
    /// How names show it: the tool's label, Flink's with its guarantee.
    fn label(self) -> String {
        match (self.tool, self.exactly_once) {
            (CopierTool::Flink, true) => "flink exactly-once".into(),
            (CopierTool::Flink, false) => "flink at-least-once".into(),
            (t, _) => t.label().into(),
        }
    }
}

/// The copiers `[plan].tools` names (validated), in order; `flink` twice:
/// exactly-once (`KafkaSink` transactions committed at each checkpoint)
/// and at-least-once (flushed at each checkpoint, visible at once).
fn variants(tools: &[String]) -> Vec<Variant> {
    let mut out = Vec::new();
    for t in tools {
        let Ok(tool) = Value::String(t.clone()).try_into::<CopierTool>() else {
            continue;
        };
        out.push(Variant {
            tool,
            exactly_once: true,
        });
        if tool == CopierTool::Flink {
            out.push(Variant {
                tool,
                exactly_once: false,
            });
        }
    }
    out
}

/// A copier that keeps topic names and has no rename setting cannot run in
/// a cycle of flows (validation rejects it, docs/model.md §18): uReplicator,
/// the Flink job, KIP-1279 Cluster Mirroring and Redpanda Shadowing (whose
/// mirror topics are read-only). MirrorMaker 2 renames by default, Cluster
/// Linking has `cluster.link.prefix`, Replicator `topic.rename.format`.
fn one_way_only(tool: CopierTool) -> bool {
    matches!(
        tool,
        CopierTool::Ureplicator
            | CopierTool::Flink
            | CopierTool::ClusterMirroring
            | CopierTool::RedpandaShadowing
    )
}

/// The model's (and a typical job's) Flink checkpoint interval, ms.
const CHECKPOINT_DEFAULT_MS: i64 = 10_000;
/// The shortest interval the planner chooses: each checkpoint commits one
/// Kafka transaction per sink subtask (and writes its markers), so intervals
/// far below a second trade the copy's throughput for little lag.
const CHECKPOINT_MIN_MS: i64 = 1_000;

/// `execution.checkpointing.interval` of a Flink exactly-once candidate:
/// records are readable at the target only at the commit that follows their
/// checkpoint, so the lag gains up to one interval (half on average) and a
/// source loss loses up to one interval. Half the tightest of `rpo_s` and
/// `replication_lag_s` (in 100 ms steps), between 1 s and 10 s; 10 s without
/// such an objective.
fn checkpoint_ms(sc: &Scenario) -> i64 {
    let o = &sc.objectives;
    let bound = [o.rpo_s, o.replication_lag_s]
        .into_iter()
        .flatten()
        .filter(|v| *v > 0.0)
        .fold(f64::INFINITY, f64::min);
    if !bound.is_finite() {
        return CHECKPOINT_DEFAULT_MS;
    }
    let half = (bound * 1000.0 / 2.0 / 100.0).floor() as i64 * 100;
    half.clamp(CHECKPOINT_MIN_MS, CHECKPOINT_DEFAULT_MS)
}

/// The copier settings a candidate chooses, written into its `design`
/// table and returned in order (integers; Flink's `delivery.guarantee` goes
/// into the design and the name): every tool's fetch connections get the
/// receive buffer; the Connect-style copiers (MirrorMaker 2, Replicator,
/// uReplicator) `tasks.max`; the Flink job as many subtasks (`parallelism`)
/// and `execution.checkpointing.interval` ([`checkpoint_ms`] exactly-once,
/// Flink's usual 10 s at-least-once, where it only bounds the re-copy after
/// a restart). The offset-preserving mirrors run in the destination's
/// brokers, one fetcher per destination broker: no task count.
fn copier_settings(
    design: &mut Table,
    v: Variant,
    buf: i64,
    tasks: u32,
    ck_ms: i64,
) -> IndexMap<String, i64> {
    let mut settings = IndexMap::new();
    settings.insert("consumer.receive.buffer.bytes".to_string(), buf);
    if v.tool == CopierTool::Flink {
        settings.insert("parallelism".to_string(), i64::from(tasks));
        settings.insert(
            "execution.checkpointing.interval".to_string(),
            if v.exactly_once {
                ck_ms
            } else {
                CHECKPOINT_DEFAULT_MS
            },
        );
        design.insert(
            "delivery.guarantee".into(),
            s(if v.exactly_once {
                "exactly-once"
            } else {
                "at-least-once"
            }),
        );
    } else if !v.tool.offset_preserving() {
        settings.insert("tasks.max".to_string(), i64::from(tasks));
    }
    for (k, val) in &settings {
        design.insert(k.clone(), int(*val));
    }
    settings
}

/// A placement's groups, `[{ count = n, rack = "site" }, …]`, from (site, n).
fn rack_groups(groups: &[(String, u32)]) -> Value {
    Value::Array(
        groups
            .iter()
            .map(|(site, n)| {
                let mut g = Table::new();
                g.insert("count".into(), int(i64::from(*n)));
                g.insert("rack".into(), s(site));
                Value::Table(g)
            })
            .collect(),
    )
}

/// `c` with Confluent observers added to every topic's placement (`groups`:
/// site and observers per partition) and `observerPromotionPolicy =
/// "under-min-isr"` (docs/model.md §7a).
fn with_observers(sc: &Scenario, mut c: Candidate, groups: &[(String, u32)]) -> Candidate {
    for t in tables_mut(&mut c.doc, "topic") {
        let Some(Value::Table(p)) = t.get_mut("placement") else {
            continue;
        };
        p.insert("observers".into(), rack_groups(groups));
        p.insert("observerPromotionPolicy".into(), s("under-min-isr"));
    }
    for (site, k) in groups {
        let have = sc
            .site
            .iter()
            .find(|x| &x.name == site)
            .map_or(0, |x| x.brokers);
        if have < *k {
            c.pruned.push(format!(
                "`{site}` holds {have} broker(s), {k} observer(s) per partition are to go there"
            ));
        }
        c.observers.insert(site.clone(), *k);
    }
    let _ = write!(
        c.placement,
        "; observers {} (promoted under-min-isr)",
        groups
            .iter()
            .map(|(s, k)| format!("{k} in {s}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    c
}

/// Static rules that rule a generated candidate out before any run; each
/// reason in an architect's words. `sc` is the candidate's scenario.
pub fn static_rules(sc: &Scenario, c: &Candidate) -> Vec<String> {
    let mut why = Vec::new();
    if c.from_file {
        return why;
    }
    // An asynchronous copy is made after the source acknowledged the write
    // (the copier fetches acknowledged, high-watermark records: MirrorSourceTask
    // polls a consumer, Cluster Linking fetches as a follower outside the ISR),
    // so whatever the lag at the moment of a loss is lost: RPO > 0 by
    // construction. A simulated RPO of 0 only means the loss fell between two
    // copies; it must not make an async design meet `rpo_s = 0`.
    if c.family == "async" && sc.objectives.rpo_s == Some(0.0) {
        why.push(
            "rpo_s = 0 asks that no acknowledged write is ever lost, and an asynchronous copy is made only after the source acknowledged the write: the records not yet copied when the source site is lost (the replication lag at that moment) are lost, so its RPO is above 0 by construction; only synchronous replication (a stretched cluster with min.insync.replicas above the replicas of any one site) meets it"
                .to_string(),
        );
        return why;
    }
    // Flink exactly-once: a record is readable at the target (read_committed)
    // only when the checkpoint after it commits (`KafkaSink` with
    // `DeliveryGuarantee.EXACTLY_ONCE`: `KafkaCommitter` commits the
    // transaction once `notifyCheckpointComplete` arrives), so a source loss
    // just before a commit loses up to a whole interval of acknowledged writes.
    if c.family == "async"
        && let (Some(rpo), Some(d)) = (sc.objectives.rpo_s, sc.design.first())
        && d.tool == CopierTool::Flink
        && d.delivery_guarantee == crate::scenario::DeliveryGuarantee::ExactlyOnce
        && d.checkpointing_interval_ms as f64 >= rpo * 1000.0
    {
        why.push(format!(
            "Flink exactly-once makes copied records readable at the target only when the checkpoint after them commits its Kafka transactions (KafkaSink, DeliveryGuarantee.EXACTLY_ONCE: KafkaCommitter commits at notifyCheckpointComplete), every execution.checkpointing.interval = {} s: a source loss just before a commit loses up to a whole interval of acknowledged writes, and rpo_s = {rpo} s is below it (the planner shortens the interval to half the tightest lag bound, not below {} s); use delivery.guarantee = at-least-once (visible at once, duplicates after a restart) or an offset-preserving mirror",
            d.checkpointing_interval_ms as f64 / 1000.0,
            CHECKPOINT_MIN_MS / 1000
        ));
        return why;
    }
    if c.family != "stretched" && c.family != "hybrid" {
        return why;
    }
    // The synchronous part: every data site of a stretch, the stretched
    // cluster's sites of a hybrid design.
    let metro: Vec<&str> = sc
        .design
        .first()
        .filter(|_| c.family == "hybrid")
        .map(|d| d.stretched.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let sites: Vec<usize> = (0..sc.site.len())
        .filter(|&i| {
            sc.site[i].brokers > 0
                && (metro.is_empty() || metro.contains(&sc.site[i].name.as_str()))
                // A site holding only observers is no synchronous member:
                // acks=all does not wait for it (docs/model.md §7a).
                && !c.observers.contains_key(&sc.site[i].name)
        })
        .collect();
    // acks=all waits for the high watermark, which needs a follower in the
    // other site to fetch: at least one round trip (Partition.maybeIncrementLeaderHW).
    let all_acks = sc.producer.iter().any(|p| p.acks == Acks::All);
    if let Some(budget) = sc.objectives.produce_p99_ms
        && all_acks
    {
        let mut worst: Option<(usize, usize, f64)> = None;
        for p in combinations(&sites, 2) {
            let r = rtt(sc, p[0], p[1]);
            if worst.is_none_or(|w| r > w.2) {
                worst = Some((p[0], p[1], r));
            }
        }
        if let Some((a, b, r)) = worst
            && r > budget
        {
            why.push(format!(
                "the p99 budget of {budget} ms is below the {}–{} round trip of {r} ms: every acks=all write waits for a follower across it (the high watermark advances only when the follower's next fetch reaches the leader), so synchronous replication over this link cannot meet it; replicate asynchronously instead",
                sc.site[a].name, sc.site[b].name
            ));
        }
    }
    // RPO 0 under a site loss: the ISR may shrink to the replicas of one site
    // (replica.lag.time.max.ms, fencing); acks=all then acknowledges writes
    // that exist only there. Only min.insync.replicas above the replicas of
    // any one site forbids that (Partition.appendRecordsToLeader's minISR check).
    if sc.objectives.rpo_s == Some(0.0) {
        let per_site_max = sites
            .iter()
            .map(|&i| &sc.site[i].name)
            .map(|site| {
                sc.topic
                    .iter()
                    .filter_map(|t| t.placement.as_ref())
                    .flat_map(|p| p.replicas.iter())
                    .filter(|g| &g.rack == site)
                    .map(|g| g.count)
                    .max()
                    .unwrap_or(0)
            })
            .max()
            .unwrap_or(0);
        if c.min_insync_replicas <= per_site_max {
            why.push(format!(
                "min.insync.replicas {} does not exceed the {per_site_max} replica(s) one site holds: the ISR may shrink to one site's replicas and acks=all then acknowledges writes that exist only there, so losing that site can lose them (RPO > 0)",
                c.min_insync_replicas
            ));
        }
    }
    why
}
