//! Broker and controller `server.properties` → sites, brokers, controllers,
//! `[broker]` and `[controller]` settings.
//!
//! Mapping (documented in docs/cli.md):
//! - `node.id` (or ZooKeeper-era `broker.id`) names the node; ktopo renumbers
//!   brokers 1.. and controllers 3000.. in site order, and lists the mapping;
//! - `process.roles`: `broker`, `controller`, or both (combined mode: a broker and
//!   a controller in the same site). Absent: a ZooKeeper-mode broker;
//! - `broker.rack` gives the rack, and the rack the site ([`super::Options::site_of`]);
//! - `controller.quorum.voters` gives the voters; a voter without a file is placed
//!   by `--site-of-node`, else by a broker file whose listeners name the same host;
//! - the settings ktopo models under Kafka's names (every key of `[broker]` and
//!   `[controller]`) are read from every file; when files disagree the most common
//!   value wins (ties: the lowest node id) and the disagreement is listed.

use std::collections::{BTreeMap, BTreeSet};

use super::{Built, Input, Item, NodeKey, Options, props};
use crate::scenario::{BrokerConfig, ControllerConfig, Link, Scenario, Site};

/// One node's file, as read.
#[derive(Clone, Debug)]
pub struct Node {
    pub file: String,
    /// The directory the file was found in, when a directory was given: node ids
    /// are unique within a scope, and a node without a rack defaults to the
    /// site named after it.
    pub scope: Option<String>,
    pub id: u32,
    pub id_line: usize,
    pub broker: bool,
    pub controller: bool,
    /// No `process.roles`: a ZooKeeper-mode broker.
    pub zk_mode: bool,
    pub rack: Option<String>,
    pub voters: Option<(Vec<(u32, String)>, usize)>,
    pub zk_hosts: Option<(Vec<String>, usize)>,
    /// Host names from `listeners` and `advertised.listeners`.
    pub hosts: Vec<String>,
    /// Modelled settings: (Kafka key, JSON value, line).
    pub settings: Vec<(String, serde_json::Value, usize)>,
    /// Confluent Server's cluster default `confluent.log.placement.constraints`
    /// (JSON text, line): the placement of topics created without their own.
    pub placement_default: Option<(String, usize)>,
    /// The site the input format fixes for this node (a Strimzi cluster's
    /// name); `--site-of-node` and `--site-of-rack` still win.
    pub site: Option<String>,
}

/// Keys read for identity or placement; not listed as unmapped.
const IDENTITY: &[&str] = &[
    "node.id",
    "broker.id",
    "process.roles",
    "broker.rack",
    "controller.quorum.voters",
];

/// Keys ktopo knows and deliberately does not model, with the reason.
const NOT_MODELLED: &[(&str, &str)] = &[
    (
        "listeners",
        "listeners and ports are not modelled (used only to match controller hosts to sites)",
    ),
    (
        "advertised.listeners",
        "listeners and ports are not modelled (used only to match controller hosts to sites)",
    ),
    (
        "listener.security.protocol.map",
        "security protocols (TLS cost) are not modelled",
    ),
    ("inter.broker.listener.name", "listeners are not modelled"),
    ("controller.listener.names", "listeners are not modelled"),
    (
        "security.inter.broker.protocol",
        "security protocols (TLS cost) are not modelled",
    ),
    ("ssl.", "TLS is not modelled"),
    ("sasl.", "authentication is not modelled"),
    ("log.dir", "storage is not modelled"),
    ("log.dirs", "storage is not modelled"),
    (
        "log.retention.",
        "retention is not modelled (runs are shorter than retention)",
    ),
    ("log.segment.", "storage is not modelled"),
    ("log.cleaner.", "compaction is not modelled"),
    (
        "log.flush.",
        "fsync policy is not modelled (Kafka acknowledges from the page cache)",
    ),
    (
        "num.network.threads",
        "broker threads and CPU are not modelled (model.produce_processing_ms stands for them)",
    ),
    (
        "num.io.threads",
        "broker threads and CPU are not modelled (model.produce_processing_ms stands for them)",
    ),
    (
        "num.recovery.threads.per.data.dir",
        "log recovery is not modelled",
    ),
    (
        "num.partitions",
        "ktopo topics state their partitions; a default partition count is not used",
    ),
    (
        "socket.send.buffer.bytes",
        "send buffers of brokers are not modelled (receive windows are)",
    ),
    (
        "socket.request.max.bytes",
        "request size caps are not modelled",
    ),
    (
        "offsets.topic.replication.factor",
        "internal topics are not modelled",
    ),
    ("transaction.state.log.", "transactions are not modelled"),
    (
        "group.initial.rebalance.delay.ms",
        "consumer groups are not modelled",
    ),
    ("metadata.log.dir", "storage is not modelled"),
    (
        "zookeeper.connect",
        "ZooKeeper mode: the ensemble is modelled as KRaft voters (same majority rule)",
    ),
    (
        "zookeeper.connection.timeout.ms",
        "ZooKeeper client timeouts are not modelled",
    ),
    (
        "controller.quorum.bootstrap.servers",
        "dynamic quorum (KIP-853): voters are not in the file; give controller files or --site-of-node",
    ),
    ("controller.quorum.request.timeout.ms", "not modelled"),
    ("controller.quorum.retry.backoff.ms", "not modelled"),
    (
        "controller.quorum.election.backoff.max.ms",
        "not modelled (elections use the election timeout)",
    ),
    (
        "confluent.",
        "Confluent Server settings other than placement are not modelled",
    ),
    ("metric.reporters", "metrics reporters are not modelled"),
    (
        "auto.create.topics.enable",
        "topics are declared in the scenario",
    ),
    ("delete.topic.enable", "topic deletion is not modelled"),
    (
        "replica.high.watermark.checkpoint.interval.ms",
        "checkpoints are not modelled",
    ),
    ("message.max.bytes", "record size caps are not modelled"),
    (
        "compression.type",
        "broker-side compression is not modelled",
    ),
];

fn not_modelled(key: &str) -> Option<&'static str> {
    NOT_MODELLED
        .iter()
        .find(|(k, _)| {
            if k.ends_with('.') {
                key.starts_with(k)
            } else {
                key == *k
            }
        })
        .map(|(_, r)| *r)
}

/// The Kafka keys of `[broker]` and `[controller]`, with their default JSON values.
fn modelled_defaults() -> (
    serde_json::Map<String, serde_json::Value>,
    serde_json::Map<String, serde_json::Value>,
) {
    let b = match serde_json::to_value(BrokerConfig::default()) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => Default::default(),
    };
    let c = match serde_json::to_value(ControllerConfig::default()) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => Default::default(),
    };
    (b, c)
}

/// Parse `value` the way Kafka's ConfigDef would for a key whose default is `default`,
/// and check it against ktopo's type for the key.
pub fn typed_value(
    key: &str,
    value: &str,
    default: &serde_json::Value,
) -> Result<serde_json::Value, String> {
    let v = value.trim();
    let parsed = match default {
        serde_json::Value::Bool(_) => match v.to_ascii_lowercase().as_str() {
            "true" => serde_json::Value::Bool(true),
            "false" => serde_json::Value::Bool(false),
            _ => return Err(format!("expected true or false, found `{v}`")),
        },
        serde_json::Value::Number(_) => match v.parse::<i64>() {
            Ok(n) => serde_json::Value::from(n),
            Err(_) => return Err(format!("expected a whole number, found `{v}`")),
        },
        _ => serde_json::Value::String(v.to_string()),
    };
    let probe = serde_json::json!({ key: parsed.clone() });
    let ok = serde_json::from_value::<BrokerConfig>(probe.clone()).is_ok()
        || serde_json::from_value::<ControllerConfig>(probe).is_ok();
    if ok {
        Ok(parsed)
    } else {
        Err(format!("`{v}` is out of range for this key"))
    }
}

fn hosts_of_listeners(v: &str) -> Vec<String> {
    v.split(',')
        .filter_map(|l| {
            let rest = l.split_once("://")?.1;
            let host = match rest.rsplit_once(':') {
                Some((h, _)) => h,
                None => rest,
            };
            let host = host.trim_matches(['[', ']']);
            (!host.is_empty()).then(|| host.to_ascii_lowercase())
        })
        .collect()
}

/// `1@host:9093,2@host2:9093` → [(1, host), (2, host2)].
fn parse_voters(v: &str) -> Result<Vec<(u32, String)>, String> {
    let mut out = Vec::new();
    for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((id, addr)) = part.split_once('@') else {
            return Err(format!("`{part}` is not ID@HOST:PORT"));
        };
        let id: u32 = id
            .trim()
            .parse()
            .map_err(|_| format!("`{id}` in `{part}` is not a node id"))?;
        let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h);
        out.push((id, host.trim_matches(['[', ']']).to_ascii_lowercase()));
    }
    Ok(out)
}

/// Read one server.properties. Problems go to `errors`; keys not modelled to `unmapped`.
pub fn parse(input: &Input, errors: &mut Vec<Item>, unmapped: &mut Vec<Item>) -> Option<Node> {
    let f = input.file.as_str();
    let (entries, bad) = props::parse(&input.text);
    for (line, msg) in bad {
        errors.push(Item::new(f, line, "", msg));
    }
    // The last occurrence of a key wins, as in java.util.Properties.
    let mut last: BTreeMap<&str, &props::Entry> = BTreeMap::new();
    for e in &entries {
        if let Some(prev) = last.insert(e.key.as_str(), e) {
            unmapped.push(Item::new(
                f,
                prev.line,
                &e.key,
                format!("set again on line {}, which wins (as in Kafka)", e.line),
            ));
        }
    }
    let (bdef, cdef) = modelled_defaults();
    let mut node = Node {
        file: f.to_string(),
        scope: input.scope.clone(),
        id: 0,
        id_line: 0,
        broker: true,
        controller: false,
        zk_mode: true,
        rack: None,
        voters: None,
        zk_hosts: None,
        hosts: Vec::new(),
        settings: Vec::new(),
        placement_default: None,
        site: None,
    };
    let mut have_id = false;
    let mut bad_id = false;
    for e in last.values() {
        let key = e.key.as_str();
        let v = e.value.trim();
        match key {
            "node.id" | "broker.id" => {
                if key == "broker.id" && last.contains_key("node.id") {
                    continue;
                }
                match v.parse::<u32>() {
                    Ok(id) => {
                        node.id = id;
                        node.id_line = e.line;
                        have_id = true;
                    }
                    Err(_) => {
                        bad_id = true;
                        errors.push(Item::new(
                            f,
                            e.line,
                            key,
                            format!("expected a node id (a whole number ≥ 0), found `{v}`"),
                        ))
                    }
                }
            }
            "process.roles" => {
                node.zk_mode = false;
                node.broker = false;
                for r in v.split(',').map(str::trim) {
                    match r {
                        "broker" => node.broker = true,
                        "controller" => node.controller = true,
                        other => errors.push(Item::new(
                            f,
                            e.line,
                            key,
                            format!("unknown role `{other}`: expected broker, controller or both"),
                        )),
                    }
                }
            }
            "broker.rack" => {
                if !v.is_empty() {
                    node.rack = Some(v.to_string());
                }
            }
            "controller.quorum.voters" => match parse_voters(v) {
                Ok(list) => node.voters = Some((list, e.line)),
                Err(m) => errors.push(Item::new(f, e.line, key, m)),
            },
            "zookeeper.connect" => {
                let hosts: Vec<String> = v
                    .split('/')
                    .next()
                    .unwrap_or("")
                    .split(',')
                    .filter_map(|h| {
                        let h = h.trim();
                        let h = h.rsplit_once(':').map_or(h, |(x, _)| x);
                        (!h.is_empty()).then(|| h.to_ascii_lowercase())
                    })
                    .collect();
                node.zk_hosts = Some((hosts, e.line));
                unmapped.push(Item::new(f, e.line, key, not_modelled(key).unwrap_or("")));
            }
            "confluent.log.placement.constraints" => {
                if !v.is_empty() {
                    node.placement_default = Some((v.to_string(), e.line));
                }
            }
            "zookeeper.session.timeout.ms" => match v.parse::<u64>() {
                Ok(n) => {
                    node.settings.push((
                        "broker.session.timeout.ms".into(),
                        serde_json::Value::from(n),
                        e.line,
                    ));
                    unmapped.push(Item::new(f, e.line, key, "ZooKeeper mode: read as broker.session.timeout.ms (session expiry plays the role of KRaft fencing)"));
                }
                Err(_) => errors.push(Item::new(
                    f,
                    e.line,
                    key,
                    format!("expected a whole number, found `{v}`"),
                )),
            },
            _ => {
                if let Some(d) = bdef.get(key).or_else(|| cdef.get(key)) {
                    match typed_value(key, v, d) {
                        Ok(val) => node.settings.push((key.to_string(), val, e.line)),
                        Err(m) => errors.push(Item::new(f, e.line, key, m)),
                    }
                    continue;
                }
                if key == "listeners" || key == "advertised.listeners" {
                    node.hosts.extend(hosts_of_listeners(v));
                }
                if IDENTITY.contains(&key) {
                    continue;
                }
                let reason = not_modelled(key).unwrap_or("not a setting ktopo models");
                unmapped.push(Item::new(f, e.line, key, reason));
            }
        }
    }
    if !have_id {
        if bad_id {
            return None;
        }
        errors.push(Item::new(
            f,
            0,
            "node.id",
            "no `node.id` (or `broker.id`): cannot tell which node this file configures",
        ));
        return None;
    }
    if node.zk_mode {
        unmapped.push(Item::new(
            f,
            0,
            "process.roles",
            "absent: a ZooKeeper-mode broker, modelled as a KRaft broker",
        ));
    }
    if node.broker && node.controller {
        unmapped.push(Item::new(f, node.id_line, "process.roles", "combined mode (broker,controller): modelled as a broker and a separate controller in the same site; a broker-down fault stops only the broker"));
    }
    node.hosts.sort();
    node.hosts.dedup();
    Some(node)
}

pub const DEFAULT_SITE: &str = "default";

/// Sites, brokers, controllers, links and settings from the nodes read.
pub fn build(
    nodes: &[Node],
    facts: &super::topics::Facts,
    opts: &Options,
    errors: &mut Vec<Item>,
    unmapped: &mut Vec<Item>,
) -> Option<Built> {
    // Unique ids.
    let mut by_id: BTreeMap<NodeKey, &Node> = BTreeMap::new();
    for n in nodes {
        if let Some(prev) = by_id.insert(key(n), n) {
            errors.push(Item::new(
                &n.file,
                n.id_line,
                "node.id",
                format!("node {} is also configured by {}", n.id, prev.file),
            ));
        }
    }
    if !errors.is_empty() {
        return None;
    }
    // Brokers: (original id, rack, site, source).
    let mut brokers: Vec<(NodeKey, String, String, String)> = Vec::new();
    for n in nodes.iter().filter(|n| n.broker) {
        let (site, rack) = place(&key(n), n.rack.as_deref(), n.site.as_deref(), opts);
        if n.rack.is_none() {
            unmapped.push(Item::new(
                &n.file,
                0,
                "broker.rack",
                format!(
                    "absent: broker {} placed in site `{site}` (use --site-of-node {}=SITE)",
                    n.id, n.id
                ),
            ));
        }
        brokers.push((key(n), rack, site, n.file.clone()));
    }
    for (k, (file, line)) in &facts.referenced {
        if by_id.get(k).is_some_and(|n| n.broker) {
            continue;
        }
        let (site, rack) = place(k, None, None, opts);
        unmapped.push(Item::new(file, *line, "replicas", format!("broker {} has no server.properties among the inputs: its rack is unknown, placed in site `{site}`", k.1)));
        brokers.push((k.clone(), rack, site, file.clone()));
    }
    if brokers.is_empty() {
        errors.push(Item::new(
            "<inputs>",
            0,
            "",
            "no brokers: give broker server.properties files or a topic assignment",
        ));
        return None;
    }
    // Controllers: voters named by any file, plus controller-role files.
    // Every voter named by any file (several clusters each name their own quorum).
    let mut voters: BTreeMap<NodeKey, (String, String, usize)> = BTreeMap::new();
    let mut first_set: Option<(&Node, BTreeSet<u32>)> = None;
    for n in nodes {
        if let Some((list, line)) = &n.voters {
            for (id, host) in list {
                voters
                    .entry((n.scope.clone(), *id))
                    .or_insert_with(|| (host.clone(), n.file.clone(), *line));
            }
            let ids: BTreeSet<u32> = list.iter().map(|v| v.0).collect();
            match &first_set {
                None => first_set = Some((n, ids)),
                Some((first, ids0)) if *ids0 != ids => unmapped.push(Item::new(
                    &n.file,
                    *line,
                    "controller.quorum.voters",
                    format!(
                        "names voters {ids:?} where {} names {ids0:?}: every voter named anywhere is a controller of its site (several clusters, or a misconfiguration)",
                        first.file
                    ),
                )),
                _ => {}
            }
        }
    }
    let broker_hosts: Vec<(&str, String)> = nodes
        .iter()
        .filter(|n| n.broker)
        .flat_map(|n| {
            let (site, _) = place(&key(n), n.rack.as_deref(), n.site.as_deref(), opts);
            n.hosts.iter().map(move |h| (h.as_str(), site.clone()))
        })
        .collect();
    let site_by_host = |host: &str| {
        broker_hosts
            .iter()
            .find(|(h, _)| *h == host)
            .map(|(_, s)| s.clone())
    };
    let first_site = {
        let mut s: Vec<&String> = brokers.iter().map(|b| &b.2).collect();
        s.sort();
        s[0].clone()
    };
    let mut controllers: Vec<(NodeKey, String, String)> = Vec::new(); // node, site, how
    for n in nodes.iter().filter(|n| n.controller) {
        if !voters.is_empty() && !voters.contains_key(&key(n)) {
            unmapped.push(Item::new(&n.file, n.id_line, "node.id", format!("controller {} is not in controller.quorum.voters: an observer of the quorum, not modelled", n.id)));
            continue;
        }
        let site = if let Some(s) = opts.site_of_node.get(&n.id) {
            s.clone()
        } else if let Some(s) = &n.site {
            s.clone()
        } else if let Some(r) = &n.rack {
            opts.site_of(r)
        } else if let Some(s) = n
            .hosts
            .iter()
            .find_map(|h| site_by_host(h))
            .or_else(|| voters.get(&key(n)).and_then(|h| site_by_host(&h.0)))
        {
            s
        } else if let Some(scope) = &n.scope {
            scope.clone()
        } else {
            unmapped.push(Item::new(&n.file, 0, "broker.rack", format!("controller {} has no broker.rack and no host shared with a broker: placed in site `{first_site}` (use --site-of-node {}=SITE)", n.id, n.id)));
            first_site.clone()
        };
        controllers.push((key(n), site, n.file.clone()));
    }
    for (k, (host, file, line)) in &voters {
        if controllers.iter().any(|c| c.0 == *k) {
            continue;
        }
        let id = &k.1;
        let site = if let Some(s) = opts.site_of_node.get(id) {
            s.clone()
        } else if let Some(s) = site_by_host(host) {
            s
        } else if let Some(scope) = &k.0 {
            scope.clone()
        } else {
            unmapped.push(Item::new(file, *line, "controller.quorum.voters", format!("voter {id}@{host} has no file among the inputs and shares no host with a broker: placed in site `{first_site}` (use --site-of-node {id}=SITE)")));
            first_site.clone()
        };
        controllers.push((k.clone(), site, format!("{file}: controller.quorum.voters")));
    }
    if controllers.is_empty() {
        let zk = nodes
            .iter()
            .find_map(|n| n.zk_hosts.as_ref().map(|z| (n, z)));
        if let Some((n, (hosts, line))) = zk {
            for (i, h) in hosts.iter().enumerate() {
                let site = site_by_host(h).unwrap_or_else(|| first_site.clone());
                controllers.push((
                    (n.scope.clone(), 3000 + i as u32),
                    site,
                    format!("{}: zookeeper.connect {h}", n.file),
                ));
            }
            unmapped.push(Item::new(&n.file, *line, "zookeeper.connect", format!("{} ZooKeeper server(s) modelled as KRaft voters, placed by host when a broker shares it, else in `{first_site}`", hosts.len())));
        }
    }
    if controllers.is_empty() {
        controllers.push(((None, 3000), first_site.clone(), "placeholder".into()));
        unmapped.push(Item::new("<inputs>", 0, "controller.quorum.voters", format!("no controller or voter in the inputs: one PLACEHOLDER controller written in site `{first_site}`")));
    }

    // Sites, sorted by name.
    let mut site_names: BTreeSet<String> = brokers.iter().map(|b| b.2.clone()).collect();
    site_names.extend(controllers.iter().map(|c| c.1.clone()));
    for l in &opts.links {
        for s in [&l.a, &l.b] {
            if !site_names.contains(s) {
                errors.push(Item::new(
                    "<command line>",
                    0,
                    "--link",
                    format!(
                        "unknown site `{s}` (sites from the inputs: {})",
                        site_names.iter().cloned().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
    }
    // Sites in the order of their smallest broker id, then smallest controller id:
    // a cluster numbered site by site keeps its numbering.
    let mut site_names: Vec<String> = site_names.into_iter().collect();
    site_names.sort_by_key(|s| {
        let b = brokers
            .iter()
            .filter(|b| &b.2 == s)
            .map(|b| b.0.1)
            .min()
            .unwrap_or(u32::MAX);
        let c = controllers
            .iter()
            .filter(|c| &c.1 == s)
            .map(|c| c.0.1)
            .min()
            .unwrap_or(u32::MAX);
        (b, c, s.clone())
    });
    let mut sc_sites = Vec::new();
    let mut broker_of = BTreeMap::new();
    let mut broker_racks = Vec::new();
    let mut site_comments = Vec::new();
    let mut mapping = Vec::new();
    let mut next_ctrl = crate::topology::FIRST_CONTROLLER_ID;
    for name in &site_names {
        // Brokers in node-id order; the racks list is the shortest pattern that
        // reproduces their racks round-robin (ktopo gives broker i racks[i % len]).
        let mut order: Vec<(u32, &Option<String>, &str, &str)> = brokers
            .iter()
            .filter(|b| &b.2 == name)
            .map(|b| (b.0.1, &b.0.0, b.1.as_str(), b.3.as_str()))
            .collect();
        order.sort();
        let seq: Vec<&str> = order.iter().map(|o| o.2).collect();
        let period = (1..=seq.len())
            .find(|&l| (0..seq.len()).all(|i| seq[i] == seq[i % l]))
            .unwrap_or(seq.len());
        let racks: Vec<String> = seq[..period].iter().map(|r| r.to_string()).collect();
        // One rack named after the site is what an empty list means.
        let racks = if racks.len() == 1 && racks[0] == *name {
            Vec::new()
        } else {
            racks
        };
        let mut comments = Vec::new();
        for (id, scope, rack, file) in &order {
            let k = broker_racks.len();
            broker_of.insert(((*scope).clone(), *id), k);
            broker_racks.push(rack.to_string());
            let line = format!(
                "broker node.id {id} ({file}, rack {rack}) → site {name}, ktopo broker {}",
                k + 1
            );
            comments.push(line.clone());
            mapping.push(line);
        }
        let mut ctrls: Vec<&(NodeKey, String, String)> =
            controllers.iter().filter(|c| &c.1 == name).collect();
        ctrls.sort_by(|a, b| (a.0.1, &a.0.0).cmp(&(b.0.1, &b.0.0)));
        for ((_, id), _, how) in &ctrls {
            let line = format!(
                "controller node.id {id} ({how}) → site {name}, ktopo controller {next_ctrl}"
            );
            next_ctrl += 1;
            comments.push(line.clone());
            mapping.push(line);
        }
        sc_sites.push(Site {
            name: name.clone(),
            racks,
            brokers: order.len() as u32,
            controllers: ctrls.len() as u32,
            lan_rtt_ms: 0.2,
            broker_hardware: None,
        });
        site_comments.push(comments);
    }

    // Links.
    let mut links = Vec::new();
    let mut placeholder_links = Vec::new();
    for (i, a) in site_names.iter().enumerate() {
        for b in &site_names[i + 1..] {
            let spec = opts
                .links
                .iter()
                .find(|l| (&l.a == a && &l.b == b) || (&l.a == b && &l.b == a));
            let d = Link {
                between: [a.clone(), b.clone()],
                rtt_ms: 1.0,
                jitter_ms: 0.0,
                bandwidth_mbps: 10_000.0,
                loss_pct: 0.0,
                background_mbps: 0.0,
                reserved_replication_pct: 0.0,
                transfer_usd_per_gb: 0.02,
            };
            let link = match spec {
                Some(s) => Link {
                    rtt_ms: s.rtt_ms,
                    bandwidth_mbps: s.bandwidth_mbps.unwrap_or(d.bandwidth_mbps),
                    loss_pct: s.loss_pct.unwrap_or(0.0),
                    jitter_ms: s.jitter_ms.unwrap_or(0.0),
                    ..d
                },
                None => {
                    placeholder_links.push(links.len());
                    unmapped.push(Item::new("<command line>", 0, "--link", format!("Kafka files hold no network figures: link {a}↔{b} written with a PLACEHOLDER rtt_ms = 1 and bandwidth 10000 Mbit/s; give --link {a},{b},RTT_MS[,BANDWIDTH_MBPS[,LOSS_PCT[,JITTER_MS]]]")));
                    d
                }
            };
            links.push(link);
        }
    }

    // Settings: the most common value across files (ties: lowest node id).
    let (bdef, cdef) = modelled_defaults();
    let mut chosen_b = serde_json::Map::new();
    let mut chosen_c = serde_json::Map::new();
    let mut keys: BTreeSet<&str> = BTreeSet::new();
    for n in nodes {
        keys.extend(n.settings.iter().map(|s| s.0.as_str()));
    }
    let zk_mode = nodes.iter().any(|n| n.zk_mode) && !nodes.iter().any(|n| !n.zk_mode);
    for key in keys {
        let mut vals: Vec<(u32, &Node, &serde_json::Value, usize)> = Vec::new();
        for n in nodes {
            if let Some((_, v, line)) = n.settings.iter().find(|s| s.0 == key) {
                vals.push((n.id, n, v, *line));
            }
        }
        vals.sort_by_key(|v| v.0);
        let mut counts: Vec<(&serde_json::Value, usize)> = Vec::new();
        for (_, _, v, _) in &vals {
            match counts.iter_mut().find(|c| c.0 == *v) {
                Some(c) => c.1 += 1,
                None => counts.push((v, 1)),
            }
        }
        let best = counts
            .iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(std::cmp::Ordering::Greater))
            .map(|c| c.0.clone())
            .unwrap_or_default();
        if counts.len() > 1 {
            for (id, n, v, line) in &vals {
                if **v != best {
                    unmapped.push(Item::new(&n.file, *line, key, format!("node {id} has {v}, other nodes {best}: ktopo applies one value to every broker, {best}")));
                }
            }
        }
        if bdef.contains_key(key) {
            chosen_b.insert(key.to_string(), best);
        } else if cdef.contains_key(key) {
            chosen_c.insert(key.to_string(), best);
        }
    }
    if zk_mode && !chosen_b.contains_key("broker.session.timeout.ms") {
        chosen_b.insert(
            "broker.session.timeout.ms".into(),
            serde_json::Value::from(18_000),
        );
        unmapped.push(Item::new("<inputs>", 0, "zookeeper.session.timeout.ms", "ZooKeeper mode: the session timeout (Kafka's default 18000 ms) is used as broker.session.timeout.ms"));
    }
    let broker: BrokerConfig =
        serde_json::from_value(serde_json::Value::Object(chosen_b)).unwrap_or_default();
    let controller: ControllerConfig =
        serde_json::from_value(serde_json::Value::Object(chosen_c)).unwrap_or_default();
    if !errors.is_empty() {
        return None;
    }
    // Through serde, so fields added to the schema later keep their defaults.
    let mut scenario: Scenario =
        match serde_json::from_value(serde_json::json!({ "name": "imported" })) {
            Ok(s) => s,
            Err(e) => {
                errors.push(Item::new("<inputs>", 0, "", format!("internal: {e}")));
                return None;
            }
        };
    scenario.name = opts.name.clone().unwrap_or_else(|| "imported".into());
    scenario.description = "Imported from Kafka configuration files by ktopo import".into();
    scenario.site = sc_sites;
    scenario.link = links;
    scenario.broker = broker;
    scenario.controller = controller;
    let host_site = broker_hosts
        .iter()
        .map(|(h, s)| (h.to_string(), s.clone()))
        .collect();
    Some(Built {
        scenario,
        host_site,
        broker_of,
        broker_racks,
        placeholder_links,
        site_comments,
        mapping,
    })
}

/// (site, rack) of a node: `--site-of-node`, else from its rack, else the site
/// named after its directory, else the default site.
fn place(
    node: &NodeKey,
    rack: Option<&str>,
    hint: Option<&str>,
    opts: &Options,
) -> (String, String) {
    let site = match (opts.site_of_node.get(&node.1), rack) {
        (Some(s), _) => s.clone(),
        (None, Some(r)) => match (opts.site_of_rack.get(r), hint) {
            (Some(s), _) => s.clone(),
            (None, Some(h)) => h.to_string(),
            (None, None) => opts.site_of(r),
        },
        (None, None) => hint
            .map(str::to_string)
            .or_else(|| node.0.clone())
            .unwrap_or_else(|| DEFAULT_SITE.to_string()),
    };
    let rack = rack.map_or_else(|| site.clone(), str::to_string);
    (site, rack)
}

fn key(n: &Node) -> NodeKey {
    (n.scope.clone(), n.id)
}
