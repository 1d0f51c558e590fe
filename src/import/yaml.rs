//! YAML inputs → the `server.properties` and `mm2.properties` they stand for.
//!
//! - **docker-compose** files: every service whose `environment` sets a broker
//!   property (`KAFKA_NODE_ID`, `KAFKA_PROCESS_ROLES`, `KAFKA_BROKER_RACK`, …) is a
//!   Kafka node. The images' rule turns a variable into a property: strip
//!   `KAFKA_` (Bitnami: `KAFKA_CFG_`; Confluent: `CONFLUENT_` gives `confluent.`),
//!   lower-case, then `___` → `-`, `__` → `_`, `_` → `.`.
//! - **Strimzi** resources (`kafka.strimzi.io`): a `Kafka` with its
//!   `KafkaNodePool`s (roles, replicas, `spec.kafka.rack.topologyKey`, the
//!   `spec.kafka.config` section), and a `KafkaMirrorMaker2` (v1 `target` /
//!   `mirrors[].source`, v1beta2 `clusters` / `connectCluster` /
//!   `mirrors[].sourceCluster`/`targetCluster`, `topicsPattern`,
//!   `topicsExcludePattern`, `groupsPattern`, `sourceConnector.tasksMax`, the
//!   connectors' and clusters' `config`).
//!
//! Each node becomes a synthetic properties [`Input`] read by [`super::server`],
//! each MirrorMaker 2 resource an `mm2.properties` read by [`super::mm2`]; every
//! line of them remembers the YAML line it came from, so problems name the YAML
//! file and line ([`Synth::lines`]). What has no Kafka meaning here (images,
//! storage, resources, listeners, other services and resource kinds) is listed.
//!
//! YAML is read with `serde_norway`, the maintained fork of `serde_yaml` (the same
//! API; `serde_yaml` is archived), which reads multi-document files (`---`).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_norway::Value;

use super::{Input, Item};

/// A synthetic input and where its lines come from.
#[derive(Clone, Debug)]
pub struct Synth {
    pub input: Input,
    /// The YAML file it was made from.
    pub origin: String,
    /// For each 1-based line of `input.text`, the YAML line it came from (0: none).
    pub lines: Vec<usize>,
    /// The site of the node, when the format fixes it (a Strimzi cluster lives
    /// in one Kubernetes cluster: its site, whose racks are the zones).
    pub site: Option<String>,
    /// The Kafka cluster the node belongs to (its quorum), for [`Expanded`].
    pub cluster: String,
    pub broker: bool,
    /// Host names of the node (service name, `hostname`, pod DNS name), to
    /// match MirrorMaker's `bootstrap.servers` and controllers to sites.
    pub hosts: Vec<String>,
}

/// A Strimzi `KafkaTopic`: (topic, partitions, replicas, min.insync.replicas, line).
pub type DeclaredTopic = (String, Option<u32>, Option<u32>, Option<u32>, usize);

/// What a YAML file expands to.
#[derive(Clone, Debug, Default)]
pub struct Expanded {
    pub nodes: Vec<Synth>,
    pub mm2: Vec<Synth>,
    pub unmapped: Vec<Item>,
    pub errors: Vec<Item>,
    /// Strimzi `KafkaTopic`s.
    pub topics: Vec<DeclaredTopic>,
}

/// Which YAML, by content.
pub fn is_strimzi(text: &str) -> bool {
    text.lines()
        .any(|l| l.trim_start().starts_with("apiVersion:") && l.contains("kafka.strimzi.io"))
}

pub fn is_compose(text: &str) -> bool {
    text.lines().any(|l| l.trim_end() == "services:")
}

/// Properties text being built, with the YAML line of each line.
#[derive(Default)]
struct Props {
    text: String,
    lines: Vec<usize>,
}

impl Props {
    fn push(&mut self, key: &str, value: &str, line: usize) {
        let mut v = String::new();
        for c in value.chars() {
            match c {
                '\\' => v.push_str("\\\\"),
                '\n' => v.push_str("\\n"),
                '\r' => v.push_str("\\r"),
                c => v.push(c),
            }
        }
        let v = v.trim_start().to_string();
        self.text.push_str(&format!("{key}={v}\n"));
        self.lines.push(line);
    }
}

/// A scalar as Kafka would read its text; `None` for maps and lists.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut cur = v;
    for p in path {
        cur = cur.get(*p)?;
    }
    Some(cur)
}

fn get_str(v: &Value, path: &[&str]) -> Option<String> {
    get(v, path).and_then(scalar).filter(|s| !s.is_empty())
}

/// The 1-based line of the first line at or after `from` containing `needle`
/// (0 when none): YAML values carry no positions, their text does.
fn line_of(lines: &[&str], from: usize, needle: &str) -> usize {
    lines
        .iter()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find(|(_, l)| l.contains(needle))
        .map_or(0, |(i, _)| i + 1)
}

/// The documents of a (multi-document) YAML file, each with its first line.
fn documents(file: &str, text: &str, errors: &mut Vec<Item>) -> Vec<(Value, usize)> {
    let mut starts = Vec::new();
    let mut content = false;
    for (i, l) in text.lines().enumerate() {
        if l.starts_with("---") {
            // Comments before the first `---` make no document.
            if content && starts.is_empty() {
                starts.push(1);
            }
            starts.push(i + 2);
            content = false;
        } else if !l.trim().is_empty() && !l.trim_start().starts_with('#') {
            content = true;
        }
    }
    if starts.is_empty() {
        starts.push(1);
    }
    let mut out = Vec::new();
    for (i, doc) in serde_norway::Deserializer::from_str(text).enumerate() {
        match Value::deserialize(doc) {
            Ok(Value::Null) => {}
            Ok(v) => out.push((v, starts.get(i).copied().unwrap_or(1))),
            Err(e) => {
                let line = e.location().map_or(0, |l| l.line());
                errors.push(Item::new(file, line, "", format!("invalid YAML: {e}")));
                break;
            }
        }
    }
    out
}

/// `KAFKA_FOO_BAR` → `foo.bar` (`___` → `-`, `__` → `_`, `_` → `.`), as the
/// Apache Kafka and Confluent images turn environment variables into properties.
pub fn env_to_property(rest: &str) -> String {
    rest.to_ascii_lowercase()
        .replace("___", "\u{1}")
        .replace("__", "\u{2}")
        .replace('_', ".")
        .replace('\u{1}', "-")
        .replace('\u{2}', "_")
}

/// Container settings the images read themselves: not Kafka properties.
const IMAGE_ENV: &[&str] = &[
    "KAFKA_HEAP_OPTS",
    "KAFKA_JVM_PERFORMANCE_OPTS",
    "KAFKA_OPTS",
    "KAFKA_LOG4J_OPTS",
    "KAFKA_LOG4J_ROOT_LOGLEVEL",
    "KAFKA_LOG4J_LOGGERS",
    "KAFKA_TOOLS_LOG4J_LOGLEVEL",
    "KAFKA_JMX_PORT",
    "KAFKA_JMX_HOSTNAME",
    "KAFKA_JMX_OPTS",
    "KAFKA_GC_LOG_OPTS",
    "KAFKA_DEBUG",
    "KAFKA_CLUSTER_ID",
    "KAFKA_ENABLE_KRAFT",
    "KAFKA_KRAFT_CLUSTER_ID",
];

/// Properties of a node that tell its cluster apart: its quorum.
fn quorum_key(props: &BTreeMap<String, (String, usize)>, cluster_id: Option<&str>) -> String {
    for k in [
        "controller.quorum.voters",
        "controller.quorum.bootstrap.servers",
        "zookeeper.connect",
    ] {
        if let Some((v, _)) = props.get(k) {
            let mut parts: Vec<String> = v
                .split(',')
                .map(|p| p.trim().to_ascii_lowercase())
                .filter(|p| !p.is_empty())
                .collect();
            parts.sort();
            return format!("{k}={}", parts.join(","));
        }
    }
    match cluster_id {
        Some(id) => format!("CLUSTER_ID={id}"),
        None => String::new(),
    }
}

/// A docker-compose file: one node per Kafka service.
pub fn compose(input: &Input) -> Expanded {
    let f = input.file.as_str();
    let mut ex = Expanded::default();
    let docs = documents(f, &input.text, &mut ex.errors);
    let lines: Vec<&str> = input.text.lines().collect();
    let Some((doc, _)) = docs.first() else {
        return ex;
    };
    let Some(services) = doc.get("services").and_then(Value::as_mapping) else {
        ex.errors.push(Item::new(
            f,
            0,
            "services",
            "a compose file without services",
        ));
        return ex;
    };
    let services_line = line_of(&lines, 1, "services:");
    for (name, svc) in services {
        let Some(name) = scalar(name) else { continue };
        let header = line_of(&lines, services_line, &format!("{name}:"));
        // environment: a map, or a list of `NAME=value`.
        let mut env: Vec<(String, String, usize)> = Vec::new();
        match svc.get("environment") {
            Some(Value::Mapping(m)) => {
                for (k, v) in m {
                    if let (Some(k), Some(v)) = (scalar(k), scalar(v)) {
                        let l = line_of(&lines, header, &k);
                        env.push((k, v, l));
                    }
                }
            }
            Some(Value::Sequence(s)) => {
                for e in s {
                    if let Some(e) = scalar(e) {
                        let (k, v) = e.split_once('=').unwrap_or((e.as_str(), ""));
                        let l = line_of(&lines, header, k);
                        env.push((k.to_string(), v.to_string(), l));
                    }
                }
            }
            _ => {}
        }
        let image = get_str(svc, &["image"]).unwrap_or_default();
        let mut props: BTreeMap<String, (String, usize)> = BTreeMap::new();
        let mut cluster_id = None;
        for (k, v, l) in &env {
            if IMAGE_ENV.contains(&k.as_str()) {
                ex.unmapped.push(Item::new(
                    f,
                    *l,
                    k,
                    format!(
                        "service {name}: a setting of the container image, not a Kafka property"
                    ),
                ));
                continue;
            }
            if k == "CLUSTER_ID" || k == "KAFKA_CLUSTER_ID" || k == "KAFKA_KRAFT_CLUSTER_ID" {
                cluster_id = Some(v.clone());
                continue;
            }
            let prop = if let Some(r) = k.strip_prefix("KAFKA_CFG_") {
                env_to_property(r)
            } else if let Some(r) = k.strip_prefix("KAFKA_") {
                env_to_property(r)
            } else if let Some(r) = k.strip_prefix("CONFLUENT_") {
                format!("confluent.{}", env_to_property(r))
            } else {
                continue;
            };
            props.insert(prop, (v.clone(), *l));
        }
        let is_node = ["node.id", "broker.id", "process.roles"]
            .iter()
            .any(|k| props.contains_key(*k));
        if !is_node {
            let what = if image.contains("zookeeper")
                || env.iter().any(|e| e.0.starts_with("ZOOKEEPER_"))
            {
                "a ZooKeeper service: its ensemble is read from the brokers' KAFKA_ZOOKEEPER_CONNECT"
            } else {
                "not a Kafka broker or controller (no KAFKA_NODE_ID, KAFKA_BROKER_ID or KAFKA_PROCESS_ROLES): not modelled"
            };
            ex.unmapped.push(Item::new(
                f,
                header,
                &name,
                format!("service {name}: {what}"),
            ));
            continue;
        }
        let mut p = Props::default();
        for (k, (v, l)) in &props {
            p.push(k, v, *l);
        }
        // The service's own names are its hosts (compose's DNS).
        let hosts: Vec<String> = [
            Some(name.clone()),
            get_str(svc, &["hostname"]),
            get_str(svc, &["container_name"]),
        ]
        .into_iter()
        .flatten()
        .map(|h| h.to_ascii_lowercase())
        .collect();
        let roles = props.get("process.roles").map(|r| r.0.clone());
        let broker = roles.as_deref().is_none_or(|r| r.contains("broker"));
        ex.nodes.push(Synth {
            input: Input {
                file: format!("{f}#{name}"),
                text: p.text,
                topic: None,
                scope: input.scope.clone(),
            },
            origin: f.to_string(),
            lines: p.lines,
            site: None,
            cluster: quorum_key(&props, cluster_id.as_deref()),
            broker,
            hosts,
        });
    }
    ex
}

/// Strimzi resources of one file.
pub fn strimzi(input: &Input) -> Expanded {
    let f = input.file.as_str();
    let mut ex = Expanded::default();
    let docs = documents(f, &input.text, &mut ex.errors);
    let lines: Vec<&str> = input.text.lines().collect();
    // Flatten `kind: List` documents.
    let mut res: Vec<(Value, usize)> = Vec::new();
    for (d, start) in docs {
        if get_str(&d, &["kind"]).as_deref() == Some("List") {
            if let Some(items) = d.get("items").and_then(Value::as_sequence) {
                res.extend(items.iter().map(|i| (i.clone(), start)));
            }
        } else {
            res.push((d, start));
        }
    }
    // Node pools by cluster, in file order.
    let mut pools: BTreeMap<String, Vec<(&Value, usize)>> = BTreeMap::new();
    for (r, start) in &res {
        if get_str(r, &["kind"]).as_deref() == Some("KafkaNodePool") {
            match get_str(r, &["metadata", "labels", "strimzi.io/cluster"]) {
                Some(c) => pools.entry(c).or_default().push((r, *start)),
                None => ex.errors.push(Item::new(
                    f,
                    line_of(&lines, *start, "metadata:"),
                    "strimzi.io/cluster",
                    "a KafkaNodePool without the `strimzi.io/cluster` label names no Kafka cluster",
                )),
            }
        }
    }
    let mut used_pools: Vec<String> = Vec::new();
    for (r, start) in &res {
        let kind = get_str(r, &["kind"]).unwrap_or_default();
        let name = get_str(r, &["metadata", "name"]).unwrap_or_default();
        match kind.as_str() {
            "Kafka" => {
                used_pools.push(name.clone());
                kafka(
                    f,
                    input,
                    &lines,
                    r,
                    *start,
                    &name,
                    pools.get(&name).map_or(&[][..], |v| &v[..]),
                    &mut ex,
                );
            }
            "KafkaNodePool" => {}
            "KafkaTopic" => {
                let topic = get_str(r, &["spec", "topicName"]).unwrap_or(name.clone());
                let num = |k: &str| {
                    get(r, &["spec", k])
                        .and_then(Value::as_u64)
                        .and_then(|n| u32::try_from(n).ok())
                };
                let min_isr = get_str(r, &["spec", "config", "min.insync.replicas"])
                    .and_then(|v| v.parse::<u32>().ok());
                let l = line_of(&lines, *start, "kind:");
                ex.topics
                    .push((topic.clone(), num("partitions"), num("replicas"), min_isr, l));
                if let Some(m) = get(r, &["spec", "config"]).and_then(Value::as_mapping) {
                    for (k, _) in m {
                        if let Some(k) = scalar(k).filter(|k| k != "min.insync.replicas") {
                            ex.unmapped.push(Item::new(
                                f,
                                line_of(&lines, *start, &format!("{k}:")),
                                &k,
                                format!("KafkaTopic `{topic}`: topic setting not modelled"),
                            ));
                        }
                    }
                }
            }
            "KafkaMirrorMaker2" => mirror_maker2(f, input, &lines, r, *start, &name, &mut ex),
            "" => ex
                .unmapped
                .push(Item::new(f, *start, "kind", "a document without `kind`: skipped")),
            other => ex.unmapped.push(Item::new(
                f,
                line_of(&lines, *start, "kind:"),
                "kind",
                format!("{other} `{name}`: not a resource ktopo models (Kafka, KafkaNodePool, KafkaTopic, KafkaMirrorMaker2)"),
            )),
        }
    }
    for (c, ps) in &pools {
        if !used_pools.contains(c) {
            for (_, start) in ps {
                ex.unmapped.push(Item::new(f, *start, "strimzi.io/cluster", format!("KafkaNodePool of cluster `{c}`, whose Kafka resource is not in this file: not imported (give both in one file)")));
            }
        }
    }
    ex
}

/// One Strimzi `Kafka` resource and its node pools.
#[allow(clippy::too_many_arguments)]
fn kafka(
    f: &str,
    input: &Input,
    lines: &[&str],
    r: &Value,
    start: usize,
    name: &str,
    pools: &[(&Value, usize)],
    ex: &mut Expanded,
) {
    let spec_kafka = get(r, &["spec", "kafka"]);
    let kafka_line = line_of(lines, start, "kafka:");
    // Kafka settings: spec.kafka.config.
    let mut config: Vec<(String, String, usize)> = Vec::new();
    if let Some(m) = spec_kafka
        .and_then(|k| k.get("config"))
        .and_then(Value::as_mapping)
    {
        let cl = line_of(lines, kafka_line, "config:");
        for (k, v) in m {
            if let (Some(k), Some(v)) = (scalar(k), scalar(v)) {
                let l = line_of(lines, cl, &format!("{k}:"));
                config.push((k, v, l));
            }
        }
    }
    let topology_key = spec_kafka.and_then(|k| get_str(k, &["rack", "topologyKey"]));
    let rack_line = line_of(lines, kafka_line, "topologyKey");
    if let Some(k) = spec_kafka.and_then(Value::as_mapping) {
        for (key, _) in k {
            let Some(key) = scalar(key) else { continue };
            let why = match key.as_str() {
                "config" | "rack" | "replicas" => continue,
                "listeners" => "listeners are not modelled",
                "storage" => "storage is not modelled",
                "version" | "metadataVersion" => "the Kafka version is not modelled",
                "resources" | "jvmOptions" => "broker resources are not modelled",
                "authorization" | "authentication" => "security is not modelled",
                _ => "not modelled",
            };
            ex.unmapped.push(Item::new(
                f,
                line_of(lines, kafka_line, &format!("{key}:")),
                &format!("spec.kafka.{key}"),
                format!("Kafka `{name}`: {why}"),
            ));
        }
    }
    if let Some(s) = get(r, &["spec"]).and_then(Value::as_mapping) {
        for (key, _) in s {
            let Some(key) = scalar(key) else { continue };
            if key != "kafka" {
                ex.unmapped.push(Item::new(
                    f,
                    line_of(lines, start, &format!("{key}:")),
                    &format!("spec.{key}"),
                    format!("Kafka `{name}`: not modelled"),
                ));
            }
        }
    }
    // Nodes: pools (KRaft) or spec.kafka.replicas (ZooKeeper-era, no pools).
    struct PoolNodes {
        pool: String,
        ids: Vec<u32>,
        broker: bool,
        controller: bool,
        racks: Vec<String>,
        replicas_line: usize,
        roles_line: usize,
    }
    let mut planned: Vec<PoolNodes> = Vec::new();
    let mut next_id = 0u32;
    for (p, pstart) in pools {
        let pname = get_str(p, &["metadata", "name"]).unwrap_or_default();
        let replicas_line = line_of(lines, *pstart, "replicas:");
        let roles_line = line_of(lines, *pstart, "roles:");
        let replicas = match get(p, &["spec", "replicas"]).and_then(Value::as_u64) {
            Some(n) if n <= 1000 => Some(n as u32),
            _ => {
                ex.errors.push(Item::new(
                    f,
                    replicas_line,
                    "spec.replicas",
                    format!("KafkaNodePool `{pname}`: expected a whole number of nodes (0–1000)"),
                ));
                None
            }
        };
        let roles: Vec<String> = get(p, &["spec", "roles"])
            .and_then(Value::as_sequence)
            .map(|s| s.iter().filter_map(scalar).collect())
            .unwrap_or_default();
        for role in &roles {
            if role != "broker" && role != "controller" {
                ex.errors.push(Item::new(
                    f,
                    roles_line,
                    "spec.roles",
                    format!("KafkaNodePool `{pname}`: unknown role `{role}` (broker, controller)"),
                ));
            }
        }
        if roles.is_empty() {
            ex.errors.push(Item::new(
                f,
                roles_line.max(*pstart),
                "spec.roles",
                format!("KafkaNodePool `{pname}`: no roles"),
            ));
            continue;
        }
        let Some(replicas) = replicas else { continue };
        // The zones the pool's pods may run in: a required node affinity on
        // the rack's topology key.
        let mut racks = Vec::new();
        if let (Some(key), Some(terms)) = (
            topology_key.as_deref(),
            get(
                p,
                &[
                    "spec",
                    "template",
                    "pod",
                    "affinity",
                    "nodeAffinity",
                    "requiredDuringSchedulingIgnoredDuringExecution",
                    "nodeSelectorTerms",
                ],
            )
            .and_then(Value::as_sequence),
        ) {
            for t in terms {
                for e in t
                    .get("matchExpressions")
                    .and_then(Value::as_sequence)
                    .into_iter()
                    .flatten()
                {
                    if get_str(e, &["key"]).as_deref() == Some(key)
                        && get_str(e, &["operator"]).as_deref() == Some("In")
                    {
                        racks.extend(
                            e.get("values")
                                .and_then(Value::as_sequence)
                                .into_iter()
                                .flatten()
                                .filter_map(scalar),
                        );
                    }
                }
            }
        }
        // Node ids: `strimzi.io/next-node-ids: "[N-M]"` or `"[N]"` gives the
        // first; otherwise the next free id in pool order.
        if let Some(a) = get_str(p, &["metadata", "annotations", "strimzi.io/next-node-ids"]) {
            let first = a
                .trim_matches(['[', ']'])
                .split([',', '-'])
                .next()
                .and_then(|x| x.trim().parse::<u32>().ok());
            if let Some(n) = first {
                next_id = next_id.max(n);
            }
        }
        let ids: Vec<u32> = (0..replicas)
            .map_while(|i| next_id.checked_add(i))
            .collect();
        next_id = next_id.saturating_add(replicas);
        ex.unmapped.push(Item::new(f, replicas_line, "spec.replicas", format!("KafkaNodePool `{pname}`: node ids {} assumed in pool order (the operator assigns them; they matter only to topic assignments)", ids.iter().map(u32::to_string).collect::<Vec<_>>().join(", "))));
        for key in ["storage", "resources", "jvmOptions", "template"] {
            if get(p, &["spec", key]).is_some() {
                ex.unmapped.push(Item::new(
                    f,
                    line_of(lines, *pstart, &format!("{key}:")),
                    &format!("spec.{key}"),
                    format!(
                        "KafkaNodePool `{pname}`: not modelled{}",
                        if key == "template" && !racks.is_empty() {
                            " (besides the zones of its node affinity)"
                        } else {
                            ""
                        }
                    ),
                ));
            }
        }
        planned.push(PoolNodes {
            pool: pname,
            ids,
            broker: roles.iter().any(|r| r == "broker"),
            controller: roles.iter().any(|r| r == "controller"),
            racks,
            replicas_line,
            roles_line,
        });
    }
    if pools.is_empty() {
        let replicas = spec_kafka
            .and_then(|k| k.get("replicas"))
            .and_then(Value::as_u64);
        match replicas {
            Some(n) if n <= 1000 => {
                let zk = get(r, &["spec", "zookeeper", "replicas"]).and_then(Value::as_u64);
                planned.push(PoolNodes {
                    pool: "kafka".into(),
                    ids: (0..n as u32).collect(),
                    broker: true,
                    controller: zk.is_none(),
                    racks: Vec::new(),
                    replicas_line: line_of(lines, kafka_line, "replicas:"),
                    roles_line: 0,
                });
                if let Some(z) = zk.filter(|z| *z <= 1000) {
                    let hosts: Vec<String> = (0..z)
                        .map(|i| format!("{name}-zookeeper-{i}.{name}-zookeeper-nodes:2181"))
                        .collect();
                    config.push((
                        "zookeeper.connect".into(),
                        hosts.join(","),
                        line_of(lines, start, "zookeeper:"),
                    ));
                }
            }
            _ => {
                ex.errors.push(Item::new(
                    f,
                    kafka_line.max(start),
                    "KafkaNodePool",
                    format!("Kafka `{name}`: no KafkaNodePool with `strimzi.io/cluster: {name}` in this file and no spec.kafka.replicas: no nodes"),
                ));
                return;
            }
        }
    }
    let host = |pool: &str, id: u32| format!("{name}-{pool}-{id}.{name}-kafka-brokers");
    let voters: Vec<String> = planned
        .iter()
        .filter(|p| p.controller)
        .flat_map(|p| p.ids.iter().map(move |id| (p.pool.clone(), *id)))
        .map(|(pool, id)| format!("{id}@{}:9090", host(&pool, id)))
        .collect();
    for p in &planned {
        if p.racks.len() > 1 {
            ex.unmapped.push(Item::new(f, p.replicas_line, "nodeAffinity", format!("KafkaNodePool `{}`: its pods may run in zones {}: the scheduler picks; assumed round-robin", p.pool, p.racks.join(", "))));
        }
        if topology_key.is_some() && p.racks.is_empty() && p.broker {
            ex.unmapped.push(Item::new(f, rack_line, "rack.topologyKey", format!("KafkaNodePool `{}`: the zone of each pod is chosen by the Kubernetes scheduler (no required node affinity on the topology key): racks unknown, its brokers are in site `{name}` without racks", p.pool)));
        }
        for (i, id) in p.ids.iter().enumerate() {
            let mut pr = Props::default();
            pr.push("node.id", &id.to_string(), p.replicas_line);
            let roles = match (p.broker, p.controller) {
                (true, true) => "broker,controller",
                (true, false) => "broker",
                _ => "controller",
            };
            if p.roles_line > 0 || !voters.is_empty() {
                pr.push("process.roles", roles, p.roles_line);
            }
            if !p.racks.is_empty() {
                pr.push("broker.rack", &p.racks[i % p.racks.len()], rack_line);
            }
            if !voters.is_empty() {
                pr.push("controller.quorum.voters", &voters.join(","), p.roles_line);
            }
            for (k, v, l) in &config {
                pr.push(k, v, *l);
            }
            ex.nodes.push(Synth {
                input: Input {
                    file: format!("{f}#{name}/{}-{id}", p.pool),
                    text: pr.text,
                    topic: None,
                    scope: Some(name.to_string()),
                },
                origin: f.to_string(),
                lines: pr.lines,
                site: Some(name.to_string()),
                cluster: name.to_string(),
                broker: p.broker,
                hosts: vec![
                    host(&p.pool, *id).to_ascii_lowercase(),
                    format!("{name}-kafka-bootstrap"),
                ],
            });
        }
    }
    let _ = input;
}

/// A Strimzi `KafkaMirrorMaker2` as `mm2.properties`.
fn mirror_maker2(
    f: &str,
    input: &Input,
    lines: &[&str],
    r: &Value,
    start: usize,
    name: &str,
    ex: &mut Expanded,
) {
    let mut p = Props::default();
    let spec = get(r, &["spec"]);
    // Clusters: v1 `target` + `mirrors[].source`; v1beta2 `clusters`.
    let mut clusters: Vec<(String, Option<String>, Option<&Value>, usize)> = Vec::new();
    type Cluster<'v> = (String, Option<String>, Option<&'v Value>, usize);
    fn add<'v>(
        c: &'v Value,
        clusters: &mut Vec<Cluster<'v>>,
        lines: &[&str],
        start: usize,
    ) -> Option<String> {
        let alias = get_str(c, &["alias"])?;
        if !clusters.iter().any(|x| x.0 == alias) {
            let l = line_of(lines, start, &format!("alias: {alias}"));
            clusters.push((
                alias.clone(),
                get_str(c, &["bootstrapServers"]),
                c.get("config"),
                l,
            ));
        }
        Some(alias)
    }
    let mut target = None;
    if let Some(t) = spec.and_then(|s| s.get("target")) {
        target = add(t, &mut clusters, lines, start);
    }
    for c in spec
        .and_then(|s| s.get("clusters"))
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        add(c, &mut clusters, lines, start);
    }
    if target.is_none() {
        target = spec.and_then(|s| get_str(s, &["connectCluster"]));
    }
    let mirrors: Vec<&Value> = spec
        .and_then(|s| s.get("mirrors"))
        .and_then(Value::as_sequence)
        .map(|s| s.iter().collect())
        .unwrap_or_default();
    let mut flows: Vec<(String, String, &Value, usize)> = Vec::new();
    for m in &mirrors {
        let src = match m.get("source") {
            Some(s) => add(s, &mut clusters, lines, start),
            None => get_str(m, &["sourceCluster"]),
        };
        let dst = get_str(m, &["targetCluster"]).or_else(|| target.clone());
        let l = line_of(lines, start, "mirrors:");
        match (src, dst) {
            (Some(a), Some(b)) => flows.push((a, b, m, l)),
            _ => ex.errors.push(Item::new(
                f,
                l,
                "mirrors",
                format!(
                    "KafkaMirrorMaker2 `{name}`: a mirror without a source or target cluster alias"
                ),
            )),
        }
    }
    p.push(
        "clusters",
        &clusters
            .iter()
            .map(|c| c.0.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        line_of(lines, start, "spec:"),
    );
    for (alias, bs, config, l) in &clusters {
        if let Some(b) = bs {
            p.push(&format!("{alias}.bootstrap.servers"), b, *l);
        }
        // A cluster's `config`: client settings for it; the Connect cluster's
        // (the target's) are the worker's, as `B.*` in mm2.properties.
        let is_target = target.as_deref() == Some(alias.as_str());
        for (k, v) in config.and_then(|c| c.as_mapping()).into_iter().flatten() {
            if let (Some(k), Some(v)) = (scalar(k), scalar(v)) {
                let kl = line_of(lines, *l, &format!("{k}:"));
                if !is_target && (k.starts_with("consumer.") || k.starts_with("producer.")) {
                    // Strimzi passes a source cluster's config to the connectors
                    // as `source.cluster.*` (KafkaMirrorMaker2Connectors), of which
                    // MirrorSourceConfig.sourceConsumerConfig keeps only the
                    // connection settings.
                    ex.unmapped.push(Item::new(
                        f,
                        kl,
                        &k,
                        format!("source cluster `{alias}`: Strimzi passes it to the connectors as `source.cluster.{k}`, which MirrorMaker 2 does not apply to its clients (only connection settings are kept): set it in the sourceConnector's config"),
                    ));
                    continue;
                }
                p.push(&format!("{alias}.{k}"), &v, kl);
            }
        }
    }
    for (a, b, m, l) in &flows {
        let pre = format!("{a}->{b}.");
        p.push(&format!("{pre}enabled"), "true", *l);
        for (field, key) in [
            ("topicsPattern", "topics"),
            ("topicsExcludePattern", "topics.exclude"),
            ("topicsBlacklistPattern", "topics.exclude"),
            ("groupsPattern", "groups"),
            ("groupsExcludePattern", "groups.exclude"),
        ] {
            if let Some(v) = get_str(m, &[field]) {
                p.push(
                    &format!("{pre}{key}"),
                    &v,
                    line_of(lines, *l, &format!("{field}:")),
                );
            }
        }
        for conn in [
            "sourceConnector",
            "checkpointConnector",
            "heartbeatConnector",
        ] {
            let Some(c) = m.get(conn) else { continue };
            let cl = line_of(lines, *l, &format!("{conn}:"));
            if conn == "sourceConnector"
                && let Some(t) = get_str(c, &["tasksMax"])
            {
                p.push(
                    &format!("{pre}tasks.max"),
                    &t,
                    line_of(lines, cl, "tasksMax:"),
                );
            }
            for (k, v) in c
                .get("config")
                .and_then(Value::as_mapping)
                .into_iter()
                .flatten()
            {
                if let (Some(k), Some(v)) = (scalar(k), scalar(v)) {
                    p.push(
                        &format!("{pre}{k}"),
                        &v,
                        line_of(lines, cl, &format!("{k}:")),
                    );
                }
            }
        }
    }
    for key in [
        "replicas",
        "version",
        "resources",
        "template",
        "logging",
        "metricsConfig",
    ] {
        if spec.and_then(|s| s.get(key)).is_some() {
            ex.unmapped.push(Item::new(
                f,
                line_of(lines, start, &format!("{key}:")),
                &format!("spec.{key}"),
                format!(
                    "KafkaMirrorMaker2 `{name}`: not modelled (the design runs `tasks.max` tasks)"
                ),
            ));
        }
    }
    ex.mm2.push(Synth {
        input: Input {
            file: format!("{f}#{name}"),
            text: p.text,
            topic: None,
            scope: input.scope.clone(),
        },
        origin: f.to_string(),
        lines: p.lines,
        site: None,
        cluster: String::new(),
        broker: false,
        hosts: Vec::new(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_variables_become_properties() {
        assert_eq!(env_to_property("NODE_ID"), "node.id");
        assert_eq!(env_to_property("BROKER_RACK"), "broker.rack");
        assert_eq!(
            env_to_property("LISTENER_SECURITY_PROTOCOL_MAP"),
            "listener.security.protocol.map"
        );
        assert_eq!(env_to_property("FOO__BAR"), "foo_bar");
        assert_eq!(env_to_property("FOO___BAR"), "foo-bar");
    }
}
