//! `mm2.properties` (MirrorMaker 2 in dedicated mode) → [`Mm2Config`].
//!
//! Properties resolve from the most specific to the least: `A->B.key` (flow),
//! then `A.key` (cluster: for client settings, the *source* cluster's
//! `A.consumer.*` and the *target* cluster's `B.producer.*`), then `key`
//! (global), then MirrorMaker's default. Every flow `A->B` named by an
//! `A->B.enabled` key is listed, enabled or not.
//!
//! The scenario schema has no cross-cluster designs yet, so the result is kept in
//! this struct (printed by `ktopo import --json` and as comments in the TOML).

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
    /// `replication.factor` of remote topics (MM2 default 2).
    pub replication_factor: u32,
    pub emit_checkpoints_enabled: bool,
    pub emit_checkpoints_interval_seconds: u64,
    pub emit_heartbeats_enabled: bool,
    pub sync_group_offsets_enabled: bool,
    pub sync_group_offsets_interval_seconds: u64,
    pub offset_lag_max: u64,
    pub refresh_topics_interval_seconds: u64,
    pub offset_flush_interval_ms: u64,
    /// Effective producer settings (into the target): compression.type, acks, …
    pub producer: BTreeMap<String, String>,
    /// Effective consumer settings (from the source).
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
        out_clusters.push(Mm2Cluster {
            name: c.clone(),
            bootstrap_servers: bs,
            producer: prefixed("producer"),
            consumer: prefixed("consumer"),
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
        let replication_factor = num("replication.factor").min(u32::MAX as u64) as u32;
        let emit_checkpoints_interval_seconds = num("emit.checkpoints.interval.seconds");
        let sync_group_offsets_interval_seconds = num("sync.group.offsets.interval.seconds");
        let offset_lag_max = num("offset.lag.max");
        let refresh_topics_interval_seconds = num("refresh.topics.interval.seconds");
        let offset_flush_interval_ms = num("offset.flush.interval.ms");
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
        // Client settings: global, then cluster, then flow.
        let client = |kind: &str, cluster: &str| -> BTreeMap<String, String> {
            let mut m = BTreeMap::new();
            for pre in [
                format!("{kind}."),
                format!("{cluster}.{kind}."),
                format!("{flow}{kind}."),
            ] {
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
            producer: client("producer", dst),
            consumer: client("consumer", src),
        });
    }
    for (k, (_, line)) in &map {
        if k.ends_with("topics.blacklist") || k.ends_with("topics.whitelist") {
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
        assert_eq!(f.producer.get("linger.ms").map(String::as_str), Some("10"));
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
}
