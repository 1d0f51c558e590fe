//! `ktopo export`: a scenario → the files a team deploys.
//!
//! - `brokers/broker-<id>.properties` and `controllers/controller-<id>.properties`:
//!   `server.properties` fragments (node.id, process.roles, broker.rack,
//!   controller.quorum.voters, the scenario's non-default Kafka settings, and
//!   socket buffers sized to the bandwidth-delay product, [`Sizing`]);
//! - `topics/create-topics.sh` (`kafka-topics --create` commands),
//!   `topics/<topic>.placement.json` (Confluent replica placement, version 2 when
//!   observers exist) and `topics/reassignment.json` (the exact assignment ktopo's
//!   placer computed, for `kafka-reassign-partitions --execute`);
//! - `runbook.md`: a failover drill, one step per scheduled fault, with the RPO
//!   and RTO the simulation measured for that step;
//! - `netem.sh`: `tc netem` rules reproducing the link matrix on a test bed;
//! - `README.md`: what each file is, the sizing, and the `ktopo import` command
//!   that reads the files back into an equivalent scenario.
//!
//! An asynchronous design (`--design`) gets the broker, controller and topic
//! files once per cluster under `clusters/<site>/`, each with its own quorum.
//! A hybrid design too: its stretched cluster (the metro sites and the
//! controller-only tie-breaker) under `clusters/<first site>/` with the files
//! a stretched export writes (placement files, `reassignment.json`), and each
//! far cluster as an async design's.
//!
//! Everything is computed from the [`Scenario`] and (for the runbook) the
//! [`Outcome`]; [`write_all`] writes the files atomically, and [`write_export`]
//! also removes what an earlier export into the same folder wrote and this
//! one does not (it keeps the list in [`MANIFEST`]).

pub mod copiers;
pub mod mm2;
mod netem;
mod runbook;

use std::fmt::Write;
use std::io;
use std::path::Path;

use crate::metrics::Outcome;
use crate::scenario::toml_text::non_default;
use crate::scenario::{
    BrokerConfig, ControllerConfig, Design, DesignKind, Placement, PlacementGroup,
    RACK_AWARE_SELECTOR, Scenario,
};
use crate::scenario::{CopierTool, DesignLayout};
use crate::topology::Topology;

/// The commented starter scenario `ktopo init` writes.
pub const STARTER_SCENARIO: &str = include_str!("starter.toml");

#[derive(Clone, Debug)]
pub struct Options {
    /// Extra room above the bandwidth-delay product, in percent.
    pub headroom_pct: f64,
    /// Write the scenario's buffer sizes as they are instead of sizing them.
    pub keep_buffers: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            headroom_pct: 25.0,
            keep_buffers: false,
        }
    }
}

/// One file to write, relative to the output directory (`/`-separated).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ExportFile {
    pub path: String,
    #[serde(skip)]
    pub text: String,
    pub executable: bool,
}

/// How the receive buffers were sized.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Sizing {
    /// The link with the largest bandwidth-delay product, `a↔b`; empty without links.
    pub worst_link: String,
    pub bdp_bytes: f64,
    pub headroom_pct: f64,
    /// BDP × (1 + headroom), rounded up to a power of two; 0 without links.
    pub sized_bytes: i64,
    pub replica_socket_receive_buffer_bytes: i64,
    pub socket_receive_buffer_bytes: i64,
    pub note: String,
}

/// The scenario as exported (buffers sized), and how.
#[derive(Clone, Debug)]
pub struct Plan {
    pub scenario: Scenario,
    pub sizing: Sizing,
}

/// Kafka's int settings stop at 2³¹ − 1; buffers above 1 GiB make no sense anyway.
const MAX_BUFFER: i64 = 1 << 30;

fn size_buffer(current: i64, sized: i64, keep: bool) -> i64 {
    if keep || current < 0 || sized == 0 {
        current
    } else {
        current.max(sized)
    }
}

/// Size the buffers: each of `replica.socket.receive.buffer.bytes` and
/// `socket.receive.buffer.bytes` becomes max(its value, BDP of the worst link
/// × (1 + headroom) rounded up to a power of two). `-1` (OS autotuning) stays.
pub fn plan(sc: &Scenario, opts: &Options) -> Plan {
    let mut worst: Option<(&str, &str, f64)> = None;
    for l in &sc.link {
        let bdp = l.bandwidth_mbps * 1e6 / 8.0 * l.rtt_ms / 1000.0;
        if worst.is_none_or(|w| bdp > w.2) {
            worst = Some((&l.between[0], &l.between[1], bdp));
        }
    }
    // Pairs without a link of their own: a connection over their route sees
    // the narrowest hop's bandwidth and the summed round trip.
    let graph = crate::sites::SiteGraph::of(sc);
    for a in 0..sc.site.len() {
        for b in a + 1..sc.site.len() {
            if graph.direct(a, b).is_some() {
                continue;
            }
            let Some(hops) = graph.scenario_route(sc, a, b) else {
                continue;
            };
            let rtt_ms: f64 = hops.iter().map(|h| sc.link[h.link].rtt_ms).sum();
            let bw = hops
                .iter()
                .map(|h| sc.link[h.link].bandwidth_mbps)
                .fold(f64::INFINITY, f64::min);
            let bdp = bw * 1e6 / 8.0 * rtt_ms / 1000.0;
            if worst.is_none_or(|w| bdp > w.2) {
                worst = Some((&sc.site[a].name, &sc.site[b].name, bdp));
            }
        }
    }
    let (worst_link, bdp) =
        worst.map_or((String::new(), 0.0), |w| (format!("{}↔{}", w.0, w.1), w.2));
    let sized = if bdp > 0.0 {
        let want = (bdp * (1.0 + opts.headroom_pct.max(0.0) / 100.0)).ceil();
        (want.min(MAX_BUFFER as f64) as u64)
            .next_power_of_two()
            .min(MAX_BUFFER as u64) as i64
    } else {
        0
    };
    let mut out = sc.clone();
    let b = &mut out.broker;
    b.replica_socket_receive_buffer_bytes = size_buffer(
        b.replica_socket_receive_buffer_bytes,
        sized,
        opts.keep_buffers,
    );
    b.socket_receive_buffer_bytes =
        size_buffer(b.socket_receive_buffer_bytes, sized, opts.keep_buffers);
    let note = if opts.keep_buffers {
        "--keep-buffers: the scenario's buffer sizes are written unchanged".to_string()
    } else if sized == 0 {
        "no link between sites: buffers are written as the scenario sets them".to_string()
    } else {
        format!(
            "worst link {worst_link}: bandwidth-delay product {} × (1 + {}% headroom), rounded up to a power of two = {sized} bytes; a buffer already larger, or -1 (OS autotuning), is kept. The OS must allow it: net.core.rmem_max and net.core.wmem_max ≥ {sized}",
            human(bdp),
            opts.headroom_pct
        )
    };
    let sizing = Sizing {
        worst_link,
        bdp_bytes: bdp.round(),
        headroom_pct: opts.headroom_pct,
        sized_bytes: sized,
        replica_socket_receive_buffer_bytes: out.broker.replica_socket_receive_buffer_bytes,
        socket_receive_buffer_bytes: out.broker.socket_receive_buffer_bytes,
        note,
    };
    Plan {
        scenario: out,
        sizing,
    }
}

fn human(b: f64) -> String {
    if b >= 1024.0 * 1024.0 {
        format!("{:.2} MiB", b / (1024.0 * 1024.0))
    } else {
        format!("{:.0} KiB", b / 1024.0)
    }
}

/// Host name written for a node; replace with the real ones.
pub fn host(node_id: u32) -> String {
    if node_id >= crate::topology::FIRST_CONTROLLER_ID {
        format!("controller-{node_id}")
    } else {
        format!("broker-{node_id}")
    }
}

/// Is `s` safe as a bare shell word and file name part?
fn plain(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && !s.starts_with('-')
        && s != "."
        && s != ".."
}

/// Single-quote for the shell (bare when only safe characters).
pub fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.,=/:@".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// A file name for a topic: the name when it is plain, else a sanitized one with its index.
fn topic_file(name: &str, index: usize) -> String {
    if plain(name) {
        name.to_string()
    } else {
        format!("topic-{index}-{}", crate::scenario::safe_name(name))
    }
}

/// Lines of the scenario's non-default Kafka settings for a properties file.
fn settings_lines(sc: &Scenario, o: &mut String) {
    let mut b = non_default(&sc.broker, &BrokerConfig::default());
    b.retain(|(k, _)| {
        k != "replica.socket.receive.buffer.bytes" && k != "socket.receive.buffer.bytes"
    });
    let c = non_default(&sc.controller, &ControllerConfig::default());
    if !b.is_empty() || !c.is_empty() {
        let _ = writeln!(
            o,
            "\n# The scenario's settings that differ from Kafka's defaults."
        );
    }
    for (k, v) in b.iter().chain(c.iter()) {
        let _ = writeln!(o, "{k}={}", v.trim_matches('"'));
    }
}

fn buffer_lines(p: &Plan, o: &mut String) {
    let b = &p.scenario.broker;
    let _ = writeln!(o, "\n# Socket buffers: {}", p.sizing.note);
    let _ = writeln!(
        o,
        "replica.socket.receive.buffer.bytes={}",
        b.replica_socket_receive_buffer_bytes
    );
    let _ = writeln!(
        o,
        "socket.receive.buffer.bytes={}",
        b.socket_receive_buffer_bytes
    );
    let send = if b.socket_receive_buffer_bytes < 0 {
        -1
    } else {
        b.socket_receive_buffer_bytes.max(102_400)
    };
    let _ = writeln!(o, "socket.send.buffer.bytes={send}");
}

/// Confluent replica-placement JSON (`confluent.placement.constraints`) of a
/// placement: version 2 when observers exist, with its `observerPromotionPolicy`
/// (automatic observer promotion needs version 2).
pub fn placement_json(p: &Placement) -> String {
    let (replicas, observers) = (&p.replicas, &p.observers);
    let g = |v: &[PlacementGroup]| -> serde_json::Value {
        v.iter()
            .map(|g| serde_json::json!({"count": g.count, "constraints": {"rack": g.rack}}))
            .collect()
    };
    let mut m = serde_json::Map::new();
    m.insert(
        "version".into(),
        serde_json::Value::from(if observers.is_empty() { 1 } else { 2 }),
    );
    m.insert("replicas".into(), g(replicas));
    if !observers.is_empty() {
        m.insert("observers".into(), g(observers));
        if let Some(pp) = p.observer_promotion_policy {
            m.insert("observerPromotionPolicy".into(), pp.as_str().into());
        }
    }
    let mut s = serde_json::to_string_pretty(&serde_json::Value::Object(m)).unwrap_or_default();
    s.push('\n');
    s
}

/// One cluster of the export: the whole scenario for a stretched design, one
/// site's cluster for an asynchronous one.
struct ClusterOut<'a> {
    /// Sites of the cluster (topology indices).
    sites: Vec<usize>,
    /// Path prefix of its files: "" (stretched) or `clusters/<site>/`.
    prefix: String,
    /// The async or hybrid design it belongs to.
    design: Option<&'a Design>,
    /// A stretched cluster (the scenario's, or a hybrid design's cluster 0):
    /// its topics keep their placement, with `reassignment.json`.
    stretched: bool,
}

/// Every file of the export. `outcome` is the run of `plan.scenario` (needed for
/// the runbook when the scenario schedules faults) — of `design` when one is given.
/// An asynchronous design gets one directory per cluster (`clusters/<site>/`), each
/// with its own KRaft quorum and its local topics; the copier's own configuration
/// (`mm2.properties`) is added by the caller.
pub fn render(plan: &Plan, outcome: Option<&Outcome>, design: Option<&Design>) -> Vec<ExportFile> {
    let sc = &plan.scenario;
    let topo = Topology::build(sc);
    let mut files = Vec::new();
    let design = design.filter(|d| matches!(d.kind, DesignKind::Async | DesignKind::Hybrid));
    let clusters: Vec<ClusterOut> = match design {
        None => vec![ClusterOut {
            sites: (0..topo.sites.len()).collect(),
            prefix: String::new(),
            design: None,
            stretched: true,
        }],
        Some(d) => DesignLayout::of(sc, d)
            .clusters
            .into_iter()
            .enumerate()
            .map(|(i, sites)| ClusterOut {
                prefix: format!("clusters/{}/", safe_part(&topo.sites[sites[0]].name)),
                sites,
                design: Some(d),
                // A hybrid design's cluster 0 is its stretched cluster.
                stretched: d.kind == DesignKind::Hybrid && i == 0,
            })
            .collect(),
    };
    let mut notes = Vec::new();
    for c in &clusters {
        cluster_files(plan, &topo, c, &mut files, &mut notes);
    }
    clients(sc, &topo, &clusters, &mut files);
    files.push(ExportFile {
        path: "runbook.md".into(),
        text: runbook::render(sc, &topo, outcome),
        executable: false,
    });
    files.push(ExportFile {
        path: "netem.sh".into(),
        text: netem::render(sc),
        executable: true,
    });
    files.push(ExportFile {
        path: "README.md".into(),
        text: readme(plan, &files, &notes, design),
        executable: false,
    });
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// A site name as one path component.
fn safe_part(name: &str) -> String {
    if plain(name) {
        name.to_string()
    } else {
        crate::scenario::safe_name(name)
    }
}

/// The broker, controller and topic files of one cluster.
fn cluster_files(
    plan: &Plan,
    topo: &Topology,
    c: &ClusterOut,
    files: &mut Vec<ExportFile>,
    notes: &mut Vec<String>,
) {
    let sc = &plan.scenario;
    let pre = &c.prefix;
    let brokers: Vec<&crate::topology::BrokerInfo> = topo
        .brokers
        .iter()
        .filter(|b| c.sites.contains(&b.site))
        .collect();
    let controllers: Vec<&crate::topology::ControllerInfo> = topo
        .controllers
        .iter()
        .filter(|x| c.sites.contains(&x.site))
        .collect();
    // A cluster of an async design without a controller node runs its first
    // broker in combined mode (as the simulation does).
    let combined = !c.stretched && controllers.is_empty();
    let mut voters: Vec<String> = controllers
        .iter()
        .map(|x| format!("{}@{}:9093", x.node_id, host(x.node_id)))
        .collect();
    if combined && let Some(b) = brokers.first() {
        voters.push(format!("{}@{}:9093", b.node_id, host(b.node_id)));
    }
    let voters = voters.join(",");
    let cluster_note = match c.design {
        Some(d) if c.stretched => format!(
            "the stretched cluster ({}) of design {:?}",
            c.sites
                .iter()
                .map(|&s| topo.sites[s].name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            d.name
        ),
        Some(d) => format!(
            "cluster {} of design {:?}",
            topo.sites[c.sites[0]].name, d.name
        ),
        None => format!("scenario {:?}", sc.name),
    };
    let follower_fetching =
        sc.broker.replica_selector_class.as_deref() == Some(RACK_AWARE_SELECTOR);
    for (i, b) in brokers.iter().enumerate() {
        let mut o = String::new();
        let site = &topo.sites[b.site].name;
        let _ = writeln!(
            o,
            "# ktopo export of {cluster_note}: broker {} in site {site}.",
            b.node_id
        );
        let _ = writeln!(
            o,
            "# A fragment: merge into the broker's server.properties. Listeners, log.dirs and"
        );
        let _ = writeln!(
            o,
            "# security are yours; replace the host names in controller.quorum.voters."
        );
        let _ = writeln!(o, "node.id={}", b.node_id);
        if combined && i == 0 {
            let _ = writeln!(
                o,
                "# The cluster has no controller node in the scenario: this broker is its KRaft voter."
            );
            let _ = writeln!(o, "process.roles=broker,controller");
        } else {
            let _ = writeln!(o, "process.roles=broker");
        }
        let _ = writeln!(o, "broker.rack={}", b.rack);
        let _ = writeln!(o, "controller.quorum.voters={voters}");
        if follower_fetching {
            let _ = writeln!(
                o,
                "\n# Follower fetching (KIP-392): consumers that set client.rack read from a replica in their rack."
            );
        }
        settings_lines(sc, &mut o);
        buffer_lines(plan, &mut o);
        files.push(ExportFile {
            path: format!("{pre}brokers/broker-{}.properties", b.node_id),
            text: o,
            executable: false,
        });
    }
    for x in &controllers {
        let mut o = String::new();
        let site = &topo.sites[x.site].name;
        let _ = writeln!(
            o,
            "# ktopo export of {cluster_note}: KRaft controller {} in site {site}.",
            x.node_id
        );
        let _ = writeln!(
            o,
            "# A fragment: merge into the controller's server.properties."
        );
        let _ = writeln!(o, "node.id={}", x.node_id);
        let _ = writeln!(o, "process.roles=controller");
        let _ = writeln!(o, "controller.quorum.voters={voters}");
        let _ = writeln!(
            o,
            "# Kafka ignores broker.rack on a controller-only node; `ktopo import` reads it to"
        );
        let _ = writeln!(o, "# place this controller in its site.");
        let _ = writeln!(o, "broker.rack={site}");
        settings_lines(sc, &mut o);
        files.push(ExportFile {
            path: format!("{pre}controllers/controller-{}.properties", x.node_id),
            text: o,
            executable: false,
        });
    }
    // Topics.
    let mut create = String::new();
    let _ = writeln!(create, "#!/bin/sh");
    let _ = writeln!(
        create,
        "# ktopo export of {cluster_note}: create its topics."
    );
    let _ = writeln!(
        create,
        "# BOOTSTRAP=host:9092 ./create-topics.sh   (default localhost:9092)"
    );
    if let Some(d) = c.design.filter(|_| !c.stretched) {
        let _ = writeln!(
            create,
            "# Only the topics applications write here: the copier ({}) creates the copies it",
            d.tool.label()
        );
        let _ = writeln!(
            create,
            "# writes. Each cluster places its topics rack-aware (no explicit placement)."
        );
    } else {
        let _ = writeln!(
            create,
            "# --replica-placement needs Confluent Server's kafka-topics; the file paths are"
        );
        let _ = writeln!(create, "# relative to this script's directory.");
    }
    let _ = writeln!(create, "set -eu");
    let _ = writeln!(create, "cd \"$(dirname \"$0\")\"");
    let _ = writeln!(create, "BOOTSTRAP=\"${{BOOTSTRAP:-localhost:9092}}\"");
    let mut reassign = Vec::new();
    for (ti, t) in sc.topic.iter().enumerate() {
        let mut cmd = format!(
            "kafka-topics --bootstrap-server \"$BOOTSTRAP\" --create --topic {} --partitions {}",
            sh_quote(&t.name),
            t.partitions
        );
        let rf = t
            .replication_factor
            .unwrap_or(sc.broker.default_replication_factor);
        match (&t.placement, c.stretched) {
            (Some(p), true) => {
                for g in p.replicas.iter().chain(p.observers.iter()) {
                    if !topo.brokers.iter().any(|b| b.rack == g.rack) {
                        let msg = format!(
                            "topic `{}`: the placement group `{}` names a site, which ktopo reads as any rack of it; Confluent's constraint matches `broker.rack` exactly, so edit `{}.placement.json` to name racks of that site",
                            t.name.replace('`', "'"),
                            g.rack.replace('`', "'"),
                            topic_file(&t.name, ti)
                        );
                        let _ = writeln!(create, "# {}", msg.replace('\n', " "));
                        notes.push(msg);
                    }
                }
                let f = format!("{}.placement.json", topic_file(&t.name, ti));
                files.push(ExportFile {
                    path: format!("{pre}topics/{f}"),
                    text: placement_json(p),
                    executable: false,
                });
                let _ = write!(cmd, " --replica-placement {}", sh_quote(&f));
            }
            (_, true) if c.design.is_none() => {
                let _ = write!(cmd, " --replication-factor {rf}");
            }
            _ => {
                // As the simulation: the topic's RF capped at the cluster's brokers.
                let rf = rf.min(brokers.len() as u32).max(1);
                let _ = write!(cmd, " --replication-factor {rf}");
            }
        }
        if let Some(m) = t.min_insync_replicas {
            let m = if c.design.is_some() {
                m.min(rf.min(brokers.len() as u32).max(1))
            } else {
                m
            };
            let _ = write!(cmd, " --config min.insync.replicas={m}");
        }
        let _ = writeln!(create, "{cmd}");
        if c.stretched {
            for (p, a) in stretched_assignment(sc, topo, c, t, ti).iter().enumerate() {
                let id = |v: &Vec<usize>| {
                    v.iter()
                        .map(|&i| topo.brokers[i].node_id)
                        .collect::<Vec<_>>()
                };
                let mut e = serde_json::json!({"topic": t.name, "partition": p, "replicas": id(&a.replicas)});
                if !a.observers.is_empty() {
                    e["observers"] = serde_json::Value::from(id(&a.observers));
                }
                reassign.push(e);
            }
        }
    }
    files.push(ExportFile {
        path: format!("{pre}topics/create-topics.sh"),
        text: create,
        executable: true,
    });
    if c.stretched {
        let mut rj = serde_json::to_string_pretty(
            &serde_json::json!({"version": 1, "partitions": reassign}),
        )
        .unwrap_or_default();
        rj.push('\n');
        files.push(ExportFile {
            path: format!("{pre}topics/reassignment.json"),
            text: rj,
            executable: false,
        });
    }
}

/// The assignment of topic `t` in a stretched cluster, as the simulation
/// makes it (`kafka::build`): the whole scenario's placer, or for a hybrid
/// design's stretched cluster the placer over that cluster's brokers (the
/// topic's explicit placement, else rack-aware with the RF capped at its
/// brokers).
fn stretched_assignment(
    sc: &Scenario,
    topo: &Topology,
    c: &ClusterOut,
    t: &crate::scenario::Topic,
    ti: usize,
) -> Vec<crate::topology::Assignment> {
    if c.design.is_none() {
        return topo.assign(sc, t, ti);
    }
    let (sub, map) = topo.restricted(&c.sites);
    let rf = t
        .replication_factor
        .unwrap_or(sc.broker.default_replication_factor)
        .min(sub.brokers.len() as u32)
        .max(1);
    match &t.placement {
        Some(pl) if c.sites.len() > 1 => {
            crate::placement::explicit(&sub, pl, t.partitions as usize, ti)
        }
        _ => crate::placement::rack_aware(&sub, t.partitions as usize, rf as usize, ti),
    }
    .into_iter()
    .map(|a| crate::topology::Assignment {
        replicas: a.replicas.iter().map(|&b| map[b]).collect(),
        observers: a.observers.iter().map(|&b| map[b]).collect(),
    })
    .collect()
}

/// `clients/producer-<i>.properties` and `clients/consumer-<i>.properties`: the
/// client settings each application was simulated with, under Kafka's names
/// (every modelled setting, defaults included, so the file says what was assumed).
fn clients(sc: &Scenario, topo: &Topology, clusters: &[ClusterOut], files: &mut Vec<ExportFile>) {
    // Clients bootstrap from brokers of their own site's cluster.
    let bootstrap_of = |site: &str| -> String {
        let si = topo.site_index(site);
        let sites = clusters
            .iter()
            .find(|c| si.is_some_and(|s| c.sites.contains(&s)))
            .map_or(&[][..], |c| c.sites.as_slice());
        let v: Vec<String> = topo
            .brokers
            .iter()
            .filter(|b| sites.contains(&b.site))
            .take(3)
            .map(|b| format!("{}:9092", host(b.node_id)))
            .collect();
        v.join(",")
    };
    for (i, p) in sc.producer.iter().enumerate() {
        let bootstrap = bootstrap_of(&p.site);
        let mut o = String::new();
        let _ = writeln!(
            o,
            "# ktopo export of scenario {:?}: producer {i} in site {}, writing {:?} at {} MB/s of {}-byte records.",
            sc.name, p.site, p.topic, p.rate_mb_s, p.record_size_bytes
        );
        let _ = writeln!(o, "bootstrap.servers={bootstrap}");
        let _ = writeln!(o, "acks={}", p.acks.label());
        let _ = writeln!(o, "linger.ms={}", p.linger_ms(sc.model.kafka_version));
        let _ = writeln!(o, "batch.size={}", p.batch_size);
        let _ = writeln!(
            o,
            "max.in.flight.requests.per.connection={}",
            p.max_in_flight
        );
        let _ = writeln!(o, "request.timeout.ms={}", p.request_timeout_ms);
        let _ = writeln!(o, "delivery.timeout.ms={}", p.delivery_timeout_ms);
        let _ = writeln!(o, "send.buffer.bytes={}", p.send_buffer_bytes);
        let _ = writeln!(o, "buffer.memory={}", p.buffer_memory);
        let _ = writeln!(o, "max.request.size={}", p.max_request_size);
        files.push(ExportFile {
            path: format!("clients/producer-{i}.properties"),
            text: o,
            executable: false,
        });
    }
    let ff = sc.broker.replica_selector_class.as_deref() == Some(RACK_AWARE_SELECTOR);
    for (i, c) in sc.consumer.iter().enumerate() {
        let bootstrap = bootstrap_of(&c.site);
        let mut o = String::new();
        let _ = writeln!(
            o,
            "# ktopo export of scenario {:?}: consumer {i} in site {}, reading {:?}.",
            sc.name, c.site, c.topic
        );
        let _ = writeln!(o, "bootstrap.servers={bootstrap}");
        let _ = writeln!(o, "fetch.max.wait.ms={}", c.fetch_max_wait_ms);
        let _ = writeln!(o, "auto.commit.interval.ms={}", c.auto_commit_interval_ms);
        let _ = writeln!(o, "receive.buffer.bytes={}", c.receive_buffer_bytes);
        let _ = writeln!(
            o,
            "max.partition.fetch.bytes={}",
            c.max_partition_fetch_bytes
        );
        let _ = writeln!(o, "fetch.max.bytes={}", c.fetch_max_bytes);
        if let Some(r) = &c.client_rack {
            if !ff {
                let _ = writeln!(
                    o,
                    "# The brokers have no rack-aware replica selector: client.rack has no effect."
                );
            }
            let _ = writeln!(o, "client.rack={r}");
        }
        files.push(ExportFile {
            path: format!("clients/consumer-{i}.properties"),
            text: o,
            executable: false,
        });
    }
}

/// The `ktopo import` options that read an export of `sc` back: the scenario's
/// name, its links, and `--site-of-rack` for every rack whose site the default
/// rule (text before the first `-`) would get wrong.
pub fn reimport_options(sc: &Scenario) -> crate::import::Options {
    let topo = Topology::build(sc);
    let mut opts = crate::import::Options {
        name: Some(sc.name.clone()),
        ..Default::default()
    };
    let default = crate::import::Options::default();
    let racks = topo.brokers.iter().map(|b| (b.rack.clone(), b.site)).chain(
        topo.controllers
            .iter()
            .map(|c| (topo.sites[c.site].name.clone(), c.site)),
    );
    for (rack, site) in racks {
        let name = &topo.sites[site].name;
        if default.site_of(&rack) != *name {
            opts.site_of_rack.insert(rack, name.clone());
        }
    }
    for l in &sc.link {
        opts.links.push(crate::import::LinkSpec {
            a: l.between[0].clone(),
            b: l.between[1].clone(),
            rtt_ms: l.rtt_ms,
            bandwidth_mbps: Some(l.bandwidth_mbps),
            loss_pct: Some(l.loss_pct),
            jitter_ms: Some(l.jitter_ms),
        });
    }
    opts
}

/// The `ktopo import` command line that reads an export back, run from its directory.
pub fn reimport_command(sc: &Scenario, design: Option<&Design>) -> String {
    let o = reimport_options(sc);
    let mut args = vec![match design {
        None => {
            "ktopo import brokers/*.properties controllers/*.properties topics/create-topics.sh"
                .to_string()
        }
        Some(d) => {
            let topo = Topology::build(sc);
            let dirs: Vec<String> = DesignLayout::of(sc, d)
                .clusters
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let dir = format!("clusters/{}", safe_part(&topo.sites[c[0]].name));
                    if d.kind == DesignKind::Hybrid && i == 0 {
                        // The stretched cluster: its files as a stretched export's
                        // (the placement files are read through the script).
                        format!(
                            "{dir}/brokers/*.properties {dir}/controllers/*.properties {dir}/topics/create-topics.sh"
                        )
                    } else {
                        dir
                    }
                })
                .collect();
            let mm2 = if crate::export::mm2::from_design(sc, d).is_some() {
                " mm2.properties"
            } else {
                ""
            };
            format!("ktopo import {}{mm2}", dirs.join(" "))
        }
    }];
    args.push(format!("--name {}", sh_quote(&sc.name)));
    for (r, s) in &o.site_of_rack {
        args.push(format!("--site-of-rack {}", sh_quote(&format!("{r}={s}"))));
    }
    for l in &o.links {
        let spec = format!(
            "{},{},{},{},{},{}",
            l.a,
            l.b,
            l.rtt_ms,
            l.bandwidth_mbps.unwrap_or(10_000.0),
            l.loss_pct.unwrap_or(0.0),
            l.jitter_ms.unwrap_or(0.0)
        );
        args.push(format!("--link {}", sh_quote(&spec)));
    }
    args.join(" \\\n    ")
}

fn readme(plan: &Plan, files: &[ExportFile], notes: &[String], design: Option<&Design>) -> String {
    let sc = &plan.scenario;
    let mut o = String::new();
    let _ = writeln!(o, "# Export of scenario `{}`\n", sc.name.replace('`', "'"));
    let _ = writeln!(
        o,
        "Written by `ktopo export`. Host names (`broker-N`, `controller-N`) and the subnets in"
    );
    let _ = writeln!(o, "`netem.sh` are placeholders: replace them with yours.\n");
    let _ = writeln!(o, "| file | what |\n|---|---|");
    for f in files {
        let what = if f.path.contains("brokers/") {
            "`server.properties` fragment of one broker"
        } else if f.path.contains("controllers/") {
            "`server.properties` fragment of one KRaft controller"
        } else if f.path.ends_with(".placement.json") {
            "Confluent replica placement of one topic (`confluent.placement.constraints`)"
        } else if f.path.ends_with("topics/create-topics.sh") {
            "`kafka-topics --create` for every topic"
        } else if f.path.ends_with("topics/reassignment.json") {
            "the exact assignment ktopo simulated, for `kafka-reassign-partitions --execute`"
        } else if f.path == "runbook.md" {
            "failover drill with the simulated RPO and RTO of each step"
        } else if f.path == "netem.sh" {
            "`tc netem` rules reproducing the link matrix on a test bed"
        } else if f.path.starts_with("clients/producer-") {
            "settings of one producing application, as simulated"
        } else if f.path.starts_with("clients/consumer-") {
            "settings of one consuming application, as simulated"
        } else {
            ""
        };
        let _ = writeln!(o, "| `{}` | {what} |", f.path);
    }
    let _ = writeln!(o, "| `README.md` | this file |");
    let _ = writeln!(o, "\n## Socket buffers\n\n{}.", plan.sizing.note);
    match design {
        Some(d) => {
            let _ = writeln!(
                o,
                "\n## Design `{}`\n\nOne directory per cluster (`clusters/<site>/`), each with its own KRaft quorum and",
                d.name.replace('`', "'")
            );
            let _ = writeln!(
                o,
                "the topics its applications write; clients bootstrap from their own site's cluster."
            );
            if d.kind == DesignKind::Hybrid {
                let _ = writeln!(
                    o,
                    "The first directory is the stretched cluster (its sites' brokers, with every controller of those sites and of the controller-only tie-breaker site in one quorum): its topics keep their replica placement, with `reassignment.json`; the copier copies it to the far cluster(s)."
                );
            }
            let _ = writeln!(
                o,
                "{}",
                match d.tool {
                    _ if crate::export::mm2::from_design(&plan.scenario, d).is_some() => {
                        "`mm2.properties` runs MirrorMaker 2 in dedicated mode (`connect-mirror-maker.sh mm2.properties`)."
                    }
                    CopierTool::ClusterLinking => {
                        "`cluster-link-<source>-to-<target>.properties` is each Confluent cluster link's configuration (`kafka-cluster-links --create --link <name> --config-file`, run against the destination cluster); `cluster-link-<source>-to-<target>-mirrors.sh` then creates its mirror topics (`kafka-mirrors --create`)."
                    }
                    CopierTool::Replicator => {
                        "`replicator-<source>-to-<target>.json` is each Confluent Replicator connector (`ReplicatorSourceConnector`), to POST to a Kafka Connect worker's `/connectors`."
                    }
                    CopierTool::Ureplicator => {
                        "`ureplicator-<source>-to-<target>-consumer.properties` and `-producer.properties` configure each uReplicator worker (`WorkerStarter -consumer_config … -producer_config … -helix_config …`); `ureplicator-<source>-to-<target>-topics.sh` adds the topics to its controller's whitelist."
                    }
                    CopierTool::ClusterMirroring => {
                        "`cluster-mirror-<source>-to-<target>.properties` holds each KIP-1279 Cluster Mirroring mirror's configuration as far as the KIP's reference implementation fixes it (provisional: the KIP is in no Kafka release yet)."
                    }
                    CopierTool::RedpandaShadowing => {
                        "`shadow-link-<source>-to-<target>.yaml` creates each Redpanda shadow link (`rpk shadow create --config-file`, run against the shadow cluster)."
                    }
                    CopierTool::Flink => {
                        "`flink-job-<source>-to-<target>.sql` is the Flink SQL job of each copy (`sql-client.sh -f`), with its checkpoint interval and delivery guarantee; an exactly-once job's target consumers need `isolation.level=read_committed`."
                    }
                    CopierTool::Mirrormaker2 => {
                        "The copier's own configuration is not written: set it up with the tool's documentation and the design's settings in the scenario."
                    }
                }
            );
        }
        None => {
            let _ = writeln!(
                o,
                "\n## MirrorMaker 2\n\nNo `mm2.properties`: export an asynchronous MirrorMaker 2 design with `--design NAME`."
            );
        }
    }
    if !notes.is_empty() {
        let _ = writeln!(o, "\n## Check before use\n");
        for n in notes {
            let _ = writeln!(o, "- {n}");
        }
    }
    let _ = writeln!(o, "\n## Reading the files back\n\n```sh");
    let _ = writeln!(o, "{}\n```", reimport_command(sc, design));
    if design.is_some_and(|d| d.kind == DesignKind::Hybrid) {
        let _ = writeln!(
            o,
            "\n`ktopo import` does not build hybrid designs: it reads these files as the sites and an"
        );
        let _ = writeln!(
            o,
            "async design over the clusters; set `kind = \"hybrid\"` and `stretched` by hand."
        );
    }
    let _ = writeln!(
        o,
        "\ngives back the same sites, brokers, racks, controllers, topics, placement and settings"
    );
    let _ = writeln!(
        o,
        "(buffers as sized here). Producers, consumers and faults are not Kafka configuration."
    );
    o
}

/// The list of files an export wrote, one relative path a line, kept in the
/// output directory so that the next export there can remove what it does not
/// write again.
pub const MANIFEST: &str = ".ktopo-export";

/// Paths of ktopo's export layout: a file there that the new export does not
/// write, in a folder without a [`MANIFEST`], is another export's.
fn in_export_layout(rel: &str) -> bool {
    [
        "brokers/",
        "controllers/",
        "clusters/",
        "topics/",
        "clients/",
    ]
    .iter()
    .any(|d| rel.starts_with(d))
        || ["mm2.properties", "runbook.md", "netem.sh", "README.md"].contains(&rel)
        || copiers::is_copier_file(rel)
}

/// Every file under `dir` (relative, `/`-separated, sorted), hidden entries skipped.
fn files_under(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, d: &Path, depth: usize, out: &mut Vec<String>) {
        let Ok(rd) = std::fs::read_dir(d) else {
            return;
        };
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with('.') {
                continue;
            }
            let p = e.path();
            if p.is_dir() {
                if depth < 8 {
                    walk(base, &p, depth + 1, out);
                }
            } else if let Ok(rel) = p.strip_prefix(base) {
                let rel: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().to_string())
                    .collect();
                out.push(rel.join("/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, 0, &mut out);
    out.sort();
    out
}

/// What [`write_export`] did besides writing.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Cleanup {
    /// Files an earlier export wrote (by its [`MANIFEST`]) that this one does
    /// not: removed.
    pub removed: Vec<String>,
}

/// Write an export into `dir`. When `dir` holds an earlier export's
/// [`MANIFEST`], the files it lists that this export does not write are removed
/// first (with the folders they leave empty), so the folder holds one design's
/// files. Without a manifest, a file in the export layout (`brokers/`,
/// `clusters/`, `mm2.properties`, …) that this export would not overwrite is
/// another export's: refused, naming the files, and nothing is written. Other
/// files are left alone.
pub fn write_export(dir: &Path, files: &[ExportFile]) -> Result<Cleanup, String> {
    let new: std::collections::BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let manifest = dir.join(MANIFEST);
    let mut cleanup = Cleanup::default();
    match std::fs::read_to_string(&manifest) {
        Ok(text) => {
            for rel in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                // Only plain relative paths inside `dir`.
                if rel.starts_with('/') || rel.split('/').any(|c| c == ".." || c.is_empty()) {
                    continue;
                }
                if new.contains(rel) {
                    continue;
                }
                let path = dir.join(rel);
                if path.is_file() {
                    std::fs::remove_file(&path)
                        .map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
                    cleanup.removed.push(rel.to_string());
                    // Folders it leaves empty, up to `dir`.
                    let mut p = path.parent();
                    while let Some(d) = p {
                        if d == dir || std::fs::remove_dir(d).is_err() {
                            break;
                        }
                        p = d.parent();
                    }
                }
            }
        }
        Err(_) => {
            let foreign: Vec<String> = files_under(dir)
                .into_iter()
                .filter(|r| in_export_layout(r) && !new.contains(r.as_str()))
                .collect();
            if !foreign.is_empty() {
                let shown: Vec<&str> = foreign.iter().take(5).map(String::as_str).collect();
                let more = if foreign.len() > 5 { ", …" } else { "" };
                return Err(format!(
                    "{} holds {} file(s) of another export that this one would not replace ({}{more}), and no {MANIFEST} list saying ktopo wrote them: remove them, or export into an empty folder",
                    dir.display(),
                    foreign.len(),
                    shown.join(", ")
                ));
            }
        }
    }
    write_all(dir, files).map_err(|e| format!("cannot write under {}: {e}", dir.display()))?;
    let mut list = String::new();
    for f in files {
        let _ = writeln!(list, "{}", f.path);
    }
    write_all(
        dir,
        &[ExportFile {
            path: MANIFEST.into(),
            text: list,
            executable: false,
        }],
    )
    .map_err(|e| format!("cannot write under {}: {e}", dir.display()))?;
    Ok(cleanup)
}

/// Write `files` under `dir` atomically (temporary file, then rename).
pub fn write_all(dir: &Path, files: &[ExportFile]) -> io::Result<()> {
    for f in files {
        let path = dir.join(&f.path);
        let parent = path.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent)?;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
        let tmp = parent.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, &f.text)?;
        #[cfg(unix)]
        if f.executable {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))?;
        }
        std::fs::rename(&tmp, &path)?;
    }
    Ok(())
}
