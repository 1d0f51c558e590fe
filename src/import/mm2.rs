//! `mm2.properties` (MirrorMaker 2 in dedicated mode) → [`Mm2Config`].
//!
//! Connector settings resolve from the most specific to the least: `A->B.key`
//! (flow), then `key` (global), then MirrorMaker's default. Every flow `A->B`
//! named by an `A->B.enabled` key is listed, enabled or not.
//!
//! The clients that move the copied records follow MirrorMaker 2's own
//! precedence (Kafka's `MirrorMakerConfig`, `MirrorConnectorConfig` and
//! Connect's `Worker`), not the most-specific-wins rule:
//! - the **producer** writing into B is the Connect worker's of the `A->B`
//!   herder: `MirrorMakerConfig.workerConfig` builds that worker from
//!   `clusterProps(B)`, so `B.producer.*` applies, and `Worker.baseProducerConfigs`
//!   lets the connector's `producer.override.*` (`A->B.producer.override.*`,
//!   policy `All` by default) win. `A->B.producer.*` reaches only MirrorMaker's
//!   offset-syncs producer (`MirrorConnectorConfig.sourceProducerConfig`), and a
//!   top-level `producer.*` nothing: both are listed, naming the key used;
//! - `offset.flush.interval.ms` is a worker setting too: `B.offset.flush.interval.ms`;
//! - the **consumer** reading A is `MirrorSourceConfig`'s
//!   `sourceConsumerConfig`: the connector's `consumer.*` (`A->B.consumer.*`),
//!   then `source.consumer.*` (`A.consumer.*`), which wins. A top-level
//!   `consumer.*` is dropped by `connectorBaseConfig`: listed.

use std::collections::BTreeMap;

use super::{Input, Item, props};

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Mm2Cluster {
    pub name: String,
    pub bootstrap_servers: Option<String>,
    /// `A.producer.*` (writes into A), sorted.
    pub producer: BTreeMap<String, String>,
    /// `A.consumer.*` (reads from A), sorted.
    pub consumer: BTreeMap<String, String>,
    /// `A.offset.flush.interval.ms`: the worker setting of the flows into A.
    pub offset_flush_interval_ms: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Mm2Flow {
    pub source: String,
    pub target: String,
    /// Line of `A->B.enabled`.
    pub line: usize,
    pub enabled: bool,
    /// Include pattern (`topics`, default `.*`).
    pub topics: String,
    pub topics_exclude: String,
    pub groups: String,
    pub tasks_max: u32,
    pub replication_policy_class: String,
    /// `replication.factor` of remote topics (MM2 default 2); 0 for `-1`, the
    /// target brokers' `default.replication.factor`.
    pub replication_factor: u32,
    pub emit_checkpoints_enabled: bool,
    pub emit_checkpoints_interval_seconds: u64,
    pub emit_heartbeats_enabled: bool,
    pub sync_group_offsets_enabled: bool,
    pub sync_group_offsets_interval_seconds: u64,
    pub offset_lag_max: u64,
    pub refresh_topics_interval_seconds: u64,
    /// The target cluster's `B.offset.flush.interval.ms` (a worker setting).
    pub offset_flush_interval_ms: u64,
    /// Effective settings of the producer that writes the copied records into
    /// the target: `B.producer.*`, then `A->B.producer.override.*`.
    pub producer: BTreeMap<String, String>,
    /// Effective settings of the consumer that reads the source:
    /// `A->B.consumer.*`, then `A.consumer.*`.
    pub consumer: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Mm2Config {
    pub file: String,
    pub clusters: Vec<Mm2Cluster>,
    pub flows: Vec<Mm2Flow>,
}

/// Flow-level keys MirrorMaker reads, with their defaults.
const FLOW_KEYS: &[(&str, &str)] = &[
    ("topics", ".*"),
    ("topics.exclude", ".*[\\-\\.]internal, .*\\.replica, __.*"),
    ("groups", ".*"),
    ("tasks.max", "1"),
    (
        "replication.policy.class",
        "org.apache.kafka.connect.mirror.DefaultReplicationPolicy",
    ),
    ("replication.factor", "2"),
    ("emit.checkpoints.enabled", "true"),
    ("emit.checkpoints.interval.seconds", "60"),
    ("emit.heartbeats.enabled", "true"),
    ("sync.group.offsets.enabled", "false"),
    ("sync.group.offsets.interval.seconds", "60"),
    ("offset.lag.max", "100"),
    ("refresh.topics.interval.seconds", "600"),
    ("offset.flush.interval.ms", "60000"),
];

/// Keys read by the mapping besides FLOW_KEYS (never listed as unmapped).
fn is_read(key: &str, clusters: &[String]) -> bool {
    if key == "clusters" {
        return true;
    }
    let rest = match key.split_once("->") {
        Some((_, r)) => r.split_once('.').map_or("", |x| x.1),
        None => {
            let c = clusters.iter().find(|c| key.starts_with(&format!("{c}.")));
            match c {
                Some(c) => &key[c.len() + 1..],
                None => key,
            }
        }
    };
    rest == "enabled"
        || rest == "bootstrap.servers"
        || rest.starts_with("producer.")
        || rest.starts_with("consumer.")
        || FLOW_KEYS.iter().any(|(k, _)| *k == rest)
        || rest == "topics.blacklist"
        || rest == "topics.whitelist"
}

pub fn parse(input: &Input, errors: &mut Vec<Item>, unmapped: &mut Vec<Item>) -> Mm2Config {
    let f = input.file.as_str();
    let (entries, bad) = props::parse(&input.text);
    for (line, msg) in bad {
        errors.push(Item::new(f, line, "", msg));
    }
    let mut map: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for e in &entries {
        map.insert(e.key.clone(), (e.value.trim().to_string(), e.line));
    }
    let clusters: Vec<String> = map
        .get("clusters")
        .map(|(v, _)| {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if clusters.is_empty() {
        errors.push(Item::new(f, 0, "clusters", "no `clusters = A, B` list"));
    }
    let get = |k: &str| map.get(k).map(|(v, _)| v.as_str());
    let mut out_clusters = Vec::new();
    for c in &clusters {
        let prefixed = |kind: &str| -> BTreeMap<String, String> {
            let pre = format!("{c}.{kind}.");
            map.iter()
                .filter_map(|(k, (v, _))| k.strip_prefix(&pre).map(|s| (s.to_string(), v.clone())))
                .collect()
        };
        let bs = get(&format!("{c}.bootstrap.servers")).map(str::to_string);
        if bs.is_none() {
            unmapped.push(Item::new(
                f,
                0,
                &format!("{c}.bootstrap.servers"),
                "absent: MirrorMaker cannot connect to this cluster",
            ));
        }
        let flush_key = format!("{c}.offset.flush.interval.ms");
        let offset_flush_interval_ms = map.get(&flush_key).and_then(|(v, l)| {
            v.parse::<u64>()
                .map_err(|_| {
                    errors.push(Item::new(
                        f,
                        *l,
                        &flush_key,
                        format!("expected a whole number, found `{v}`"),
                    ))
                })
                .ok()
        });
        out_clusters.push(Mm2Cluster {
            name: c.clone(),
            bootstrap_servers: bs,
            producer: prefixed("producer"),
            consumer: prefixed("consumer"),
            offset_flush_interval_ms,
        });
    }
    let mut flows = Vec::new();
    for (k, (v, line)) in &map {
        let Some((src, rest)) = k.split_once("->") else {
            continue;
        };
        let Some((dst, "enabled")) = rest.split_once('.') else {
            continue;
        };
        for side in [src, dst] {
            if !clusters.iter().any(|c| c == side) {
                errors.push(Item::new(
                    f,
                    *line,
                    k,
                    format!("cluster `{side}` is not in `clusters`"),
                ));
            }
        }
        let enabled = match v.to_ascii_lowercase().as_str() {
            "true" => true,
            "false" => false,
            _ => {
                errors.push(Item::new(
                    f,
                    *line,
                    k,
                    format!("expected true or false, found `{v}`"),
                ));
                false
            }
        };
        let flow = format!("{src}->{dst}.");
        let val = |key: &str| -> (String, usize) {
            for full in [format!("{flow}{key}"), key.to_string()] {
                if let Some((v, l)) = map.get(&full) {
                    return (v.clone(), *l);
                }
            }
            let d = FLOW_KEYS
                .iter()
                .find(|(k, _)| *k == key)
                .map_or("", |x| x.1);
            (d.to_string(), 0)
        };
        let mut num = |key: &str| -> u64 {
            let (v, l) = val(key);
            v.parse::<u64>().unwrap_or_else(|_| {
                errors.push(Item::new(
                    f,
                    l,
                    key,
                    format!("expected a whole number, found `{v}`"),
                ));
                0
            })
        };
        let tasks_max = num("tasks.max").min(u32::MAX as u64) as u32;
        // -1: the target brokers' default.replication.factor (the remote topic
        // is created with NewTopic(…, (short) -1), MirrorSourceConnector).
        let replication_factor = if val("replication.factor").0.trim() == "-1" {
            0
        } else {
            num("replication.factor").min(u32::MAX as u64) as u32
        };
        let emit_checkpoints_interval_seconds = num("emit.checkpoints.interval.seconds");
        let sync_group_offsets_interval_seconds = num("sync.group.offsets.interval.seconds");
        let offset_lag_max = num("offset.lag.max");
        let refresh_topics_interval_seconds = num("refresh.topics.interval.seconds");
        // A worker setting: the target cluster's (MirrorMakerConfig.workerConfig).
        let offset_flush_interval_ms = out_clusters
            .iter()
            .find(|c| c.name == dst)
            .and_then(|c| c.offset_flush_interval_ms)
            .unwrap_or(60_000);
        let mut boolean = |key: &str| -> bool {
            let (v, l) = val(key);
            match v.to_ascii_lowercase().as_str() {
                "true" => true,
                "false" => false,
                _ => {
                    errors.push(Item::new(
                        f,
                        l,
                        key,
                        format!("expected true or false, found `{v}`"),
                    ));
                    false
                }
            }
        };
        let emit_checkpoints_enabled = boolean("emit.checkpoints.enabled");
        let emit_heartbeats_enabled = boolean("emit.heartbeats.enabled");
        let sync_group_offsets_enabled = boolean("sync.group.offsets.enabled");
        // Client settings, later prefixes winning: the copied records' producer
        // is the worker's (`B.producer.*`, MirrorMakerConfig.workerConfig) with
        // the connector's overrides (`A->B.producer.override.*`,
        // Worker.baseProducerConfigs); their consumer takes the connector's
        // `consumer.*` (`A->B.consumer.*`), then `source.consumer.*`
        // (`A.consumer.*`; MirrorSourceConfig.sourceConsumerConfig).
        let client = |prefixes: [String; 2]| -> BTreeMap<String, String> {
            let mut m = BTreeMap::new();
            for pre in prefixes {
                for (k, (v, _)) in &map {
                    if let Some(s) = k.strip_prefix(&pre) {
                        m.insert(s.to_string(), v.clone());
                    }
                }
            }
            m
        };
        flows.push(Mm2Flow {
            source: src.to_string(),
            target: dst.to_string(),
            line: *line,
            enabled,
            topics: val("topics").0,
            topics_exclude: val("topics.exclude").0,
            groups: val("groups").0,
            tasks_max,
            replication_policy_class: val("replication.policy.class").0,
            replication_factor,
            emit_checkpoints_enabled,
            emit_checkpoints_interval_seconds,
            emit_heartbeats_enabled,
            sync_group_offsets_enabled,
            sync_group_offsets_interval_seconds,
            offset_lag_max,
            refresh_topics_interval_seconds,
            offset_flush_interval_ms,
            producer: client([
                format!("{dst}.producer."),
                format!("{flow}producer.override."),
            ]),
            consumer: client([format!("{flow}consumer."), format!("{src}.consumer.")]),
        });
    }
    for (k, (_, line)) in &map {
        if let Some(msg) = not_applied(k, &map, &clusters) {
            unmapped.push(Item::new(f, *line, k, msg));
        } else if k.ends_with("topics.blacklist") || k.ends_with("topics.whitelist") {
            unmapped.push(Item::new(
                f,
                *line,
                k,
                "deprecated name: use topics / topics.exclude",
            ));
        } else if !is_read(k, &clusters) {
            unmapped.push(Item::new(
                f,
                *line,
                k,
                "MirrorMaker setting not read by ktopo",
            ));
        }
    }
    Mm2Config {
        file: f.to_string(),
        clusters: out_clusters,
        flows,
    }
}

/// A spelling MirrorMaker 2 does not apply to the copied records, with the key
/// it does use and that key's value here. `None` for every other key.
fn not_applied(
    key: &str,
    map: &BTreeMap<String, (String, usize)>,
    clusters: &[String],
) -> Option<String> {
    let used = |target_key: String| -> String {
        match map.get(&target_key) {
            Some((v, _)) => format!("`{target_key}` = {v}"),
            None => format!("`{target_key}` (not set: Kafka's default)"),
        }
    };
    let flow = key
        .split_once("->")
        .and_then(|(a, r)| r.split_once('.').map(|(b, rest)| (a, b, rest)));
    match flow {
        Some((_, b, rest)) => {
            if let Some(p) = rest.strip_prefix("producer.") {
                if p.starts_with("override.") {
                    return None;
                }
                Some(format!(
                    "MirrorMaker 2 applies this only to its offset-syncs producer (MirrorConnectorConfig.sourceProducerConfig); the copied records are written by the worker's producer, which uses {} (MirrorMakerConfig.workerConfig), or `{key}` spelt `…producer.override.{p}`",
                    used(format!("{b}.producer.{p}"))
                ))
            } else if rest == "offset.flush.interval.ms" {
                Some(format!(
                    "not read by MirrorMaker 2: the worker's offset flush uses {} (MirrorMakerConfig.workerConfig)",
                    used(format!("{b}.offset.flush.interval.ms"))
                ))
            } else {
                None
            }
        }
        None => {
            if clusters.iter().any(|c| key.starts_with(&format!("{c}."))) {
                return None;
            }
            let per_target = |suffix: &str| -> String {
                clusters
                    .iter()
                    .map(|c| used(format!("{c}.{suffix}")))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            if let Some(p) = key.strip_prefix("producer.") {
                Some(format!(
                    "not read by MirrorMaker 2 (MirrorMakerConfig.workerConfig takes the producer of the copied records from the target cluster): it uses {}",
                    per_target(&format!("producer.{p}"))
                ))
            } else if let Some(p) = key.strip_prefix("consumer.") {
                Some(format!(
                    "not read by MirrorMaker 2 (MirrorMakerConfig.connectorBaseConfig drops it): the consumer of the copied records uses `A->B.consumer.{p}`, then the source cluster's `A.consumer.{p}` (MirrorSourceConfig.sourceConsumerConfig)"
                ))
            } else if key == "offset.flush.interval.ms" {
                Some(format!(
                    "not read by MirrorMaker 2: each flow's worker uses the target cluster's key, {} (MirrorMakerConfig.workerConfig)",
                    per_target("offset.flush.interval.ms")
                ))
            } else {
                None
            }
        }
    }
}

/// A `topics` / `topics.exclude` value as MirrorMaker compiles it: a list
/// (ConfigDef LIST: split at commas, trimmed, empties dropped) joined with `|`,
/// matched against the whole name (`Matcher.matches`). `None` for an empty
/// list, which matches nothing. Java and Rust regexes share the syntax used in
/// topic patterns; one Rust cannot compile (look-around, back-references) is an
/// error naming the pattern.
pub fn compile_list(list: &str) -> Result<Option<regex::Regex>, String> {
    let parts: Vec<&str> = list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if parts.is_empty() {
        return Ok(None);
    }
    let joined = parts.join("|");
    regex::RegexBuilder::new(&format!("^(?:{joined})$"))
        .size_limit(1 << 20)
        .build()
        .map(Some)
        .map_err(|e| {
            format!(
                "pattern `{joined}` is not one ktopo can evaluate ({})",
                e.to_string().lines().last().unwrap_or("").trim()
            )
        })
}

/// MirrorMaker's `DefaultTopicFilter`: included and not excluded.
pub fn topic_filter(include: &str, exclude: &str) -> Result<impl Fn(&str) -> bool + use<>, String> {
    let inc = compile_list(include)?;
    let exc = compile_list(exclude)?;
    Ok(move |t: &str| {
        inc.as_ref().is_some_and(|r| r.is_match(t)) && !exc.as_ref().is_some_and(|r| r.is_match(t))
    })
}

/// Where a cluster alias lands: a site of that name, else the site of a broker
/// whose listeners name a host of its `bootstrap.servers`.
fn site_of_cluster(
    c: &Mm2Cluster,
    sites: &[String],
    host_site: &BTreeMap<String, String>,
) -> Option<String> {
    if sites.contains(&c.name) {
        return Some(c.name.clone());
    }
    let bs = c.bootstrap_servers.as_deref()?;
    bs.split(',').find_map(|h| {
        let h = h.trim();
        let host = h
            .rsplit_once(':')
            .map_or(h, |(x, _)| x)
            .to_ascii_lowercase();
        host_site.get(&host).cloned()
    })
}

/// A `[[design]]` table (the scenario schema of asynchronous designs) for the
/// enabled flows of `m`, as TOML text, and what it could not say. `sites` are
/// the scenario's sites with brokers, `topics` its topic names, `host_site`
/// broker host → site. `None` when no enabled flow maps onto two sites.
pub fn design_toml(
    m: &Mm2Config,
    name: &str,
    sites: &[String],
    topics: &[String],
    host_site: &BTreeMap<String, String>,
    unmapped: &mut Vec<Item>,
) -> Option<String> {
    use std::fmt::Write;
    let f = m.file.as_str();
    let mut site_of: BTreeMap<&str, String> = BTreeMap::new();
    for c in &m.clusters {
        match site_of_cluster(c, sites, host_site) {
            Some(s) => {
                site_of.insert(c.name.as_str(), s);
            }
            None => unmapped.push(Item::new(f, 0, &c.name, format!("cluster `{}` matches no site by name or bootstrap host: its flows are left out of the design", c.name))),
        }
    }
    let flows: Vec<&Mm2Flow> = m
        .flows
        .iter()
        .filter(|fl| {
            fl.enabled
                && site_of.contains_key(fl.source.as_str())
                && site_of.contains_key(fl.target.as_str())
        })
        .collect();
    for fl in m.flows.iter().filter(|fl| !fl.enabled) {
        unmapped.push(Item::new(
            f,
            fl.line,
            &format!("{}->{}.enabled", fl.source, fl.target),
            "disabled flow: not part of the design",
        ));
    }
    let first = *flows.first()?;
    let pairs: std::collections::BTreeSet<(String, String)> = flows
        .iter()
        .map(|fl| {
            (
                site_of[fl.source.as_str()].clone(),
                site_of[fl.target.as_str()].clone(),
            )
        })
        .collect();
    let mut clusters: Vec<String> = pairs
        .iter()
        .flat_map(|(a, b)| [a.clone(), b.clone()])
        .collect();
    clusters.sort();
    clusters.dedup();
    if clusters.len() < 2 {
        unmapped.push(Item::new(
            f,
            first.line,
            "clusters",
            "every enabled flow stays within one site: no design",
        ));
        return None;
    }
    let n = clusters.len();
    let all = |pred: &dyn Fn(&str, &str) -> bool| -> bool {
        let want: std::collections::BTreeSet<(String, String)> = clusters
            .iter()
            .flat_map(|a| clusters.iter().map(move |b| (a.clone(), b.clone())))
            .filter(|(a, b)| a != b && pred(a, b))
            .collect();
        want == pairs
    };
    let mut topology = None;
    for c in &clusters {
        if all(&|a, _| a == c.as_str()) {
            topology = Some(("active-passive", Some(("primary", c.clone()))));
            break;
        }
    }
    if topology.is_none() {
        for c in &clusters {
            if n > 2 && all(&|_, b| b == c.as_str()) {
                topology = Some(("fan-in", Some(("hub", c.clone()))));
                break;
            }
        }
    }
    if topology.is_none() && all(&|_, _| true) {
        topology = Some((if n == 2 { "active-active" } else { "mesh" }, None));
    }
    let Some((topo, anchor)) = topology else {
        unmapped.push(Item::new(f, first.line, "->", format!("the enabled flows ({}) form no topology ktopo models (active-passive, active-active, fan-in, hub-and-spoke, mesh): no design", pairs.iter().map(|(a, b)| format!("{a}->{b}")).collect::<Vec<_>>().join(", "))));
        return None;
    };
    let mut o = String::new();
    let q = crate::scenario::toml_text::tstr;
    let _ = writeln!(o, "[[design]]");
    let _ = writeln!(
        o,
        "# From {}: MirrorMaker 2 (dedicated mode).",
        f.replace('\n', " ")
    );
    let _ = writeln!(o, "name = {}", q(name));
    let _ = writeln!(o, "kind = \"async\"");
    let _ = writeln!(o, "tool = \"mirrormaker2\"");
    let _ = writeln!(o, "topology = \"{topo}\"");
    let _ = writeln!(
        o,
        "clusters = [{}]",
        clusters.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
    );
    if let Some((k, v)) = anchor {
        let _ = writeln!(o, "{k} = {}", q(&v));
    }
    unmapped.push(Item::new(f, 0, "copier_site", "where MirrorMaker runs is not in mm2.properties: copier_site = \"target\" (next to the target cluster, pulling over the WAN)"));
    // Settings: the first enabled flow's; flows that differ are listed.
    for fl in &flows[1..] {
        let differs = fl.tasks_max != first.tasks_max
            || fl.topics != first.topics
            || fl.topics_exclude != first.topics_exclude
            || fl.producer != first.producer
            || fl.consumer != first.consumer
            || fl.replication_policy_class != first.replication_policy_class;
        if differs {
            unmapped.push(Item::new(
                f,
                fl.line,
                &format!("{}->{}", fl.source, fl.target),
                format!(
                    "settings differ from {}->{}: one design holds one value, {}->{}'s",
                    first.source, first.target, first.source, first.target
                ),
            ));
        }
    }
    // MirrorMaker's topic filter (DefaultTopicFilter.shouldReplicateTopic): a
    // topic is copied when the `topics` list, joined with `|`, matches its whole
    // name and the `topics.exclude` list does not (MirrorUtils.compilePatternList;
    // an empty list matches nothing).
    match topic_filter(&first.topics, &first.topics_exclude) {
        Ok(filter) => {
            let copied: Vec<&String> = topics.iter().filter(|t| filter(t)).collect();
            if copied.is_empty() && !topics.is_empty() {
                unmapped.push(Item::new(f, first.line, "topics", format!("`topics` = `{}` with `topics.exclude` = `{}` selects none of the scenario's topics ({}): a design copies at least one, so it copies every topic", first.topics, first.topics_exclude, topics.join(", "))));
            } else if copied.len() < topics.len() {
                let _ = writeln!(
                    o,
                    "topics = [{}]",
                    copied.iter().map(|t| q(t)).collect::<Vec<_>>().join(", ")
                );
                let left: Vec<&str> = topics
                    .iter()
                    .filter(|t| !copied.contains(t))
                    .map(String::as_str)
                    .collect();
                let _ = writeln!(
                    o,
                    "# Not copied (topics = `{}`, topics.exclude = `{}`): {}",
                    crate::scenario::toml_text::one_line(&first.topics),
                    crate::scenario::toml_text::one_line(&first.topics_exclude),
                    left.join(", ")
                );
            }
        }
        Err(e) => {
            unmapped.push(Item::new(
                f,
                first.line,
                "topics",
                format!("{e}: the design copies every topic"),
            ));
        }
    }
    let policy = first
        .replication_policy_class
        .rsplit('.')
        .next()
        .unwrap_or("");
    match policy {
        "DefaultReplicationPolicy" => {}
        "IdentityReplicationPolicy" => {
            let _ = writeln!(
                o,
                "\"replication.policy.class\" = \"IdentityReplicationPolicy\""
            );
        }
        other => unmapped.push(Item::new(
            f,
            first.line,
            "replication.policy.class",
            format!("`{other}` is not modelled: DefaultReplicationPolicy used"),
        )),
    }
    let num = |k: &str, v: u64, d: u64, o: &mut String| {
        if v != d {
            let _ = writeln!(o, "\"{k}\" = {v}");
        }
    };
    num(
        "replication.factor",
        first.replication_factor as u64,
        2,
        &mut o,
    );
    num("tasks.max", first.tasks_max as u64, 1, &mut o);
    num("offset.lag.max", first.offset_lag_max, 100, &mut o);
    num(
        "offset.flush.interval.ms",
        first.offset_flush_interval_ms,
        60_000,
        &mut o,
    );
    num(
        "emit.checkpoints.interval.seconds",
        first.emit_checkpoints_interval_seconds,
        60,
        &mut o,
    );
    num(
        "sync.group.offsets.interval.seconds",
        first.sync_group_offsets_interval_seconds,
        60,
        &mut o,
    );
    if first.sync_group_offsets_enabled {
        let _ = writeln!(o, "\"sync.group.offsets.enabled\" = true");
    }
    for (k, ok) in [
        ("emit.checkpoints.enabled", first.emit_checkpoints_enabled),
        ("emit.heartbeats.enabled", first.emit_heartbeats_enabled),
    ] {
        if !ok {
            unmapped.push(Item::new(
                f,
                first.line,
                k,
                "false: not modelled (checkpoints and heartbeats are always emitted)",
            ));
        }
    }
    num(
        "refresh.topics.interval.seconds",
        first.refresh_topics_interval_seconds,
        600,
        &mut o,
    );
    // Client settings the design models, by their design key.
    let client = |map: &BTreeMap<String, String>,
                  prefix: &str,
                  keys: &[&str],
                  o: &mut String,
                  unmapped: &mut Vec<Item>| {
        for (k, v) in map {
            let full = format!("{prefix}.{k}");
            if k == "compression.type" && prefix == "producer" {
                match v.to_ascii_lowercase().as_str() {
                    c @ ("none" | "gzip" | "snappy" | "lz4" | "zstd") => {
                        let _ = writeln!(o, "\"producer.compression.type\" = \"{c}\"");
                    }
                    _ => unmapped.push(Item::new(f, 0, &full, format!("unknown codec `{v}`"))),
                }
            } else if keys.contains(&k.as_str()) {
                match v.parse::<i64>() {
                    Ok(n) => {
                        let _ = writeln!(o, "\"{full}\" = {n}");
                    }
                    Err(_) => unmapped.push(Item::new(
                        f,
                        0,
                        &full,
                        format!("`{v}` is not a whole number"),
                    )),
                }
            } else {
                unmapped.push(Item::new(
                    f,
                    0,
                    &full,
                    "MirrorMaker client setting not modelled",
                ));
            }
        }
    };
    client(
        &first.producer,
        "producer",
        &[
            "max.in.flight.requests.per.connection",
            "batch.size",
            "send.buffer.bytes",
        ],
        &mut o,
        unmapped,
    );
    client(
        &first.consumer,
        "consumer",
        &[
            "fetch.max.wait.ms",
            "max.partition.fetch.bytes",
            "fetch.max.bytes",
            "receive.buffer.bytes",
        ],
        &mut o,
        unmapped,
    );
    Some(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flows_resolve_flow_then_cluster_then_global() {
        let text = "clusters = dc1, dc2\n\
            dc1.bootstrap.servers = a:9092\n\
            dc2.bootstrap.servers = b:9092\n\
            dc1->dc2.enabled = true\n\
            dc2->dc1.enabled = false\n\
            tasks.max = 4\n\
            dc1->dc2.tasks.max = 8\n\
            dc1->dc2.topics = orders.*\n\
            dc2.producer.compression.type = zstd\n\
            producer.linger.ms = 10\n\
            sync.group.offsets.enabled = true\n\
            replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy\n\
            weird.key = 1\n";
        let input = Input {
            file: "mm2.properties".into(),
            text: text.into(),
            topic: None,
            scope: None,
        };
        let (mut e, mut u) = (Vec::new(), Vec::new());
        let m = parse(&input, &mut e, &mut u);
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(m.clusters.len(), 2);
        assert_eq!(m.flows.len(), 2);
        let f = &m.flows[0];
        assert_eq!(
            (f.source.as_str(), f.target.as_str(), f.enabled),
            ("dc1", "dc2", true)
        );
        assert_eq!(f.tasks_max, 8);
        assert_eq!(f.topics, "orders.*");
        assert_eq!(
            f.producer.get("compression.type").map(String::as_str),
            Some("zstd")
        );
        // A top-level producer.* does not reach the producer of the copied
        // records (MirrorMakerConfig.workerConfig): listed, not applied.
        assert_eq!(f.producer.get("linger.ms"), None);
        assert!(u.iter().any(|i| i.key == "producer.linger.ms"
            && i.message.contains("`dc2.producer.linger.ms` (not set")));
        assert!(f.sync_group_offsets_enabled);
        assert!(
            f.replication_policy_class
                .ends_with("IdentityReplicationPolicy")
        );
        let g = &m.flows[1];
        assert_eq!((g.enabled, g.tasks_max), (false, 4));
        assert!(!g.producer.contains_key("compression.type"));
        assert!(u.iter().any(|i| i.key == "weird.key"));
    }

    #[test]
    fn design_from_flows() {
        let text = "clusters = east, west\n\
            east.bootstrap.servers = b1.east:9092\n\
            west.bootstrap.servers = b1.west:9092\n\
            east->west.enabled = true\n\
            west->east.enabled = true\n\
            topics = orders, payments\n\
            tasks.max = 6\n\
            east.producer.compression.type = zstd\n\
            west.producer.compression.type = zstd\n\
            east.consumer.fetch.max.wait.ms = 100\n\
            west.consumer.fetch.max.wait.ms = 100\n\
            producer.acks = all\n";
        let input = Input {
            file: "mm2.properties".into(),
            text: text.into(),
            topic: None,
            scope: None,
        };
        let (mut e, mut u) = (Vec::new(), Vec::new());
        let m = parse(&input, &mut e, &mut u);
        let sites = vec!["dc1".to_string(), "dc2".to_string()];
        let topics = vec![
            "orders".to_string(),
            "payments".to_string(),
            "audit".to_string(),
        ];
        let hosts: BTreeMap<String, String> = [("b1.east", "dc1"), ("b1.west", "dc2")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let d = design_toml(&m, "mm2", &sites, &topics, &hosts, &mut u).expect("a design");
        assert!(d.contains("topology = \"active-active\""), "{d}");
        assert!(d.contains("clusters = [\"dc1\", \"dc2\"]"));
        assert!(d.contains("topics = [\"orders\", \"payments\"]"));
        assert!(d.contains("\"tasks.max\" = 6"));
        assert!(d.contains("\"producer.compression.type\" = \"zstd\""));
        assert!(d.contains("\"consumer.fetch.max.wait.ms\" = 100"));
        assert!(u.iter().any(|i| i.key == "producer.acks"));
        assert!(u.iter().any(|i| i.key == "copier_site"));
    }

    /// MirrorMakerConfig.workerConfig builds the A->B worker from the target
    /// cluster's properties, so `B.producer.*` and `B.offset.flush.interval.ms`
    /// apply to the copied records; `A->B.producer.*` reaches only the
    /// offset-syncs producer, and `A->B.producer.override.*` wins
    /// (Worker.baseProducerConfigs). The consumer: `A.consumer.*` wins over
    /// `A->B.consumer.*` (MirrorSourceConfig.sourceConsumerConfig).
    #[test]
    fn copied_records_use_the_target_clusters_producer_and_worker_settings() {
        let text = "clusters = A, B\n\
            A.bootstrap.servers = a:9092\n\
            B.bootstrap.servers = b:9092\n\
            A->B.enabled = true\n\
            A->B.producer.compression.type = gzip\n\
            B.producer.compression.type = lz4\n\
            A->B.producer.linger.ms = 50\n\
            A->B.producer.override.batch.size = 65536\n\
            B.producer.batch.size = 16384\n\
            A->B.offset.flush.interval.ms = 1000\n\
            B.offset.flush.interval.ms = 5000\n\
            A->B.consumer.fetch.max.wait.ms = 100\n\
            A.consumer.fetch.max.wait.ms = 200\n\
            A->B.consumer.fetch.min.bytes = 1\n";
        let input = Input::new("mm2.properties", text);
        let (mut e, mut u) = (Vec::new(), Vec::new());
        let m = parse(&input, &mut e, &mut u);
        assert!(e.is_empty(), "{e:?}");
        let f = &m.flows[0];
        assert_eq!(f.producer["compression.type"], "lz4");
        assert_eq!(f.producer["batch.size"], "65536");
        assert_eq!(f.producer.get("linger.ms"), None);
        assert_eq!(f.offset_flush_interval_ms, 5000);
        assert_eq!(f.consumer["fetch.max.wait.ms"], "200");
        assert_eq!(f.consumer["fetch.min.bytes"], "1");
        let said = |k: &str, what: &str| {
            u.iter()
                .any(|i| i.key == k && i.message.contains(what) && i.line > 0)
        };
        assert!(
            said(
                "A->B.producer.compression.type",
                "`B.producer.compression.type` = lz4"
            ),
            "{u:#?}"
        );
        assert!(said(
            "A->B.producer.linger.ms",
            "`B.producer.linger.ms` (not set"
        ));
        assert!(said(
            "A->B.offset.flush.interval.ms",
            "`B.offset.flush.interval.ms` = 5000"
        ));
        assert!(
            !u.iter()
                .any(|i| i.key == "A->B.producer.override.batch.size")
        );
        // Only the flow spelling: the default applies to the copied records.
        let only_flow =
            "clusters = A, B\nA->B.enabled = true\nA->B.producer.compression.type = zstd\n";
        let m = parse(&Input::new("mm2.properties", only_flow), &mut e, &mut u);
        assert_eq!(m.flows[0].producer.get("compression.type"), None);
    }
}
