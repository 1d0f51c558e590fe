//! `ktopo import`: real Kafka files → scenario TOML.
//!
//! Inputs, recognised by their content (see [`detect`]):
//! - broker and controller `server.properties` (one file per node);
//! - topic assignments: `kafka-reassign-partitions` JSON, `kafka-topics --describe`
//!   output, and scripts of `kafka-topics --create` commands;
//! - Confluent replica-placement JSON (versions 1 and 2), given per topic;
//! - `mm2.properties` (MirrorMaker 2 dedicated mode), parsed into [`mm2::Mm2Config`].
//!
//! Nothing is dropped silently: every key, value or fact that does not become part
//! of the scenario is returned as an [`Item`] in [`Imported::unmapped`], and is also
//! written as a comment at the top of the TOML. Bad input (a value Kafka itself
//! would refuse, a file that is neither of the above) is a [`Item`] in the error
//! list, every one at once, each naming file, line and key. Never panics.
//!
//! The module reads the files it is given ([`read_input`]) and nothing else; it
//! writes nothing.

pub mod emit;
pub mod mm2;
pub mod props;
pub mod server;
pub mod topics;
pub mod yaml;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use crate::scenario::Scenario;

/// MirrorMaker 2 flows become `[[design]]` tables ([`mm2::design_toml`]).
pub const DESIGNS_IN_SCHEMA: bool = true;

/// One problem (in the error list) or one thing not mapped (in the unmapped list).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Item {
    pub file: String,
    /// 1-based; 0 when the item has no single line.
    pub line: usize,
    /// The Kafka key, JSON field or topic concerned; may be empty.
    pub key: String,
    pub message: String,
}

impl Item {
    pub fn new(file: &str, line: usize, key: &str, message: impl Into<String>) -> Item {
        Item {
            file: file.to_string(),
            line,
            key: key.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        write!(f, ": ")?;
        if !self.key.is_empty() {
            write!(f, "`{}`: ", self.key)?;
        }
        write!(f, "{}", self.message)
    }
}

/// A Kafka node: the directory its file came from (when a directory was given)
/// and its `node.id`. Node ids are unique within a directory, so two clusters
/// that both number their nodes 1, 2, 3 import from two directories.
pub type NodeKey = (Option<String>, u32);

/// One input file, already read.
#[derive(Clone, Debug)]
pub struct Input {
    /// How the file is named in messages (its path as given).
    pub file: String,
    pub text: String,
    /// For a Confluent replica-placement JSON: the topic it applies to.
    pub topic: Option<String>,
    /// The directory given on the command line this file was found in.
    pub scope: Option<String>,
}

impl Input {
    pub fn new(file: &str, text: &str) -> Input {
        Input {
            file: file.to_string(),
            text: text.to_string(),
            topic: None,
            scope: None,
        }
    }
}

/// Read a file for [`import`]. Problems name the file.
pub fn read_input(path: &Path, topic: Option<String>) -> Result<Input, Item> {
    let file = path.display().to_string();
    let bytes =
        std::fs::read(path).map_err(|e| Item::new(&file, 0, "", format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| Item::new(&file, 0, "", format!("not UTF-8 text: {e}")))?;
    Ok(Input {
        file,
        text,
        topic,
        scope: None,
    })
}

/// A link given on the command line (`--link A,B,RTT_MS[,BANDWIDTH_MBPS[,LOSS_PCT[,JITTER_MS]]]`).
#[derive(Clone, Debug, PartialEq)]
pub struct LinkSpec {
    pub a: String,
    pub b: String,
    pub rtt_ms: f64,
    pub bandwidth_mbps: Option<f64>,
    pub loss_pct: Option<f64>,
    pub jitter_ms: Option<f64>,
}

impl std::str::FromStr for LinkSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.split(',').map(str::trim).collect();
        if !(3..=6).contains(&parts.len()) {
            return Err(format!(
                "`{s}`: expected SITE_A,SITE_B,RTT_MS[,BANDWIDTH_MBPS[,LOSS_PCT[,JITTER_MS]]]"
            ));
        }
        let num = |i: usize, what: &str| -> Result<Option<f64>, String> {
            match parts.get(i) {
                None => Ok(None),
                Some(v) => v
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && *x >= 0.0)
                    .map(Some)
                    .ok_or_else(|| format!("`{s}`: {what} `{v}` is not a number ≥ 0")),
            }
        };
        Ok(LinkSpec {
            a: parts[0].to_string(),
            b: parts[1].to_string(),
            rtt_ms: num(2, "RTT_MS")?.unwrap_or(0.0),
            bandwidth_mbps: num(3, "BANDWIDTH_MBPS")?,
            loss_pct: num(4, "LOSS_PCT")?,
            jitter_ms: num(5, "JITTER_MS")?,
        })
    }
}

/// How racks and nodes become sites, and what the Kafka files cannot say.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The scenario's `name`.
    pub name: Option<String>,
    /// `--site-of-rack RACK=SITE`: wins over the rule below.
    pub site_of_rack: BTreeMap<String, String>,
    /// `--site-of-node ID=SITE`: wins over the rack (the only way to place a node without `broker.rack`).
    pub site_of_node: BTreeMap<u32, String>,
    /// `--rack-is-site`: each `broker.rack` is its own site. Default: the site is
    /// the rack's text before its first `-` (`dc1-r1` → `dc1`; `dc1` → `dc1`).
    pub rack_is_site: bool,
    pub links: Vec<LinkSpec>,
}

impl Options {
    /// The site of a rack: `--site-of-rack`, else `--rack-is-site`, else the text before the first `-`.
    pub fn site_of(&self, rack: &str) -> String {
        if let Some(s) = self.site_of_rack.get(rack) {
            return s.clone();
        }
        if self.rack_is_site {
            return rack.to_string();
        }
        match rack.split_once('-') {
            Some((p, _)) if !p.is_empty() => p.to_string(),
            _ => rack.to_string(),
        }
    }
}

/// What `import` produced.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Imported {
    /// The scenario TOML, commented, which `scenario::parse_str` accepts.
    pub toml: String,
    #[serde(skip)]
    pub scenario: Scenario,
    /// How each Kafka node became a ktopo node, one line each.
    pub mapping: Vec<String>,
    /// Everything read that the scenario does not carry, sorted by file and line.
    pub unmapped: Vec<Item>,
    /// MirrorMaker 2 configurations read, not yet part of the scenario.
    pub mm2: Vec<mm2::Mm2Config>,
}

/// What kind of Kafka file an input is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Server,
    Mm2,
    Reassign,
    Placement,
    Describe,
    CreateScript,
    /// Strimzi resources (`kafka.strimzi.io`): Kafka, KafkaNodePool, KafkaMirrorMaker2.
    Strimzi,
    /// A docker-compose file with Kafka services.
    Compose,
}

/// Recognise an input by its content.
pub fn detect(input: &Input) -> Result<Kind, Item> {
    if input.topic.is_some() {
        return Ok(Kind::Placement);
    }
    let t = input.text.trim_start();
    let describe_like = input.text.contains("PartitionCount")
        || input.text.lines().any(topics::is_describe_partition_line);
    if t.starts_with('{') || t.starts_with('[') {
        // `kafka-topics --describe` pasted with the log lines Kafka printed
        // before it (`[2024-05-01 10:00:00,123] WARN …`) also starts with `[`.
        let v: serde_json::Value = match serde_json::from_str(t) {
            Ok(v) => v,
            Err(_) if describe_like => return Ok(Kind::Describe),
            Err(e) => {
                return Err(Item::new(
                    &input.file,
                    e.line(),
                    "",
                    format!("invalid JSON: {e}"),
                ));
            }
        };
        if v.get("partitions").is_some() {
            return Ok(Kind::Reassign);
        }
        if v.get("replicas").is_some() || v.get("observers").is_some() {
            return Err(Item::new(
                &input.file,
                0,
                "",
                "a Confluent replica-placement JSON names no topic: pass it as --placement TOPIC=FILE",
            ));
        }
        return Err(Item::new(
            &input.file,
            0,
            "",
            "JSON that is neither a kafka-reassign-partitions file (\"partitions\") nor a replica-placement file",
        ));
    }
    if yaml::is_strimzi(&input.text) {
        return Ok(Kind::Strimzi);
    }
    if yaml::is_compose(&input.text) {
        return Ok(Kind::Compose);
    }
    if describe_like {
        return Ok(Kind::Describe);
    }
    if input.text.lines().any(topics::is_create_line) || t.starts_with("#!") {
        return Ok(Kind::CreateScript);
    }
    let (entries, _) = props::parse(&input.text);
    if entries.is_empty() {
        return Err(Item::new(
            &input.file,
            0,
            "",
            "no Kafka content recognised (server.properties, mm2.properties, reassignment JSON, kafka-topics output or script)",
        ));
    }
    if entries
        .iter()
        .any(|e| e.key == "clusters" || e.key.contains("->"))
    {
        Ok(Kind::Mm2)
    } else {
        Ok(Kind::Server)
    }
}

/// Turn Kafka files into a scenario. Every problem at once, or the result with
/// everything not mapped listed.
pub fn import(inputs: &[Input], opts: &Options) -> Result<Imported, Vec<Item>> {
    let mut errors = Vec::new();
    let mut unmapped = Vec::new();
    let mut nodes = Vec::new();
    let mut topic_facts = topics::Facts::default();
    let mut mm2s = Vec::new();
    // YAML files stand for several Kafka files: expand them first.
    let mut work: Vec<(&Input, Result<Kind, Item>, Option<yaml::Expanded>)> = Vec::new();
    for input in inputs {
        let kind = detect(input);
        let ex = match kind {
            Ok(Kind::Strimzi) => Some(yaml::strimzi(input)),
            Ok(Kind::Compose) => Some(yaml::compose(input)),
            _ => None,
        };
        work.push((input, kind, ex));
    }
    let has_mm2 = work.iter().any(|(_, k, ex)| {
        matches!(k, Ok(Kind::Mm2)) || ex.as_ref().is_some_and(|e| !e.mm2.is_empty())
    });
    for (input, kind, ex) in work {
        topic_facts.scope = input.scope.clone();
        if let Some(mut ex) = ex {
            errors.append(&mut ex.errors);
            unmapped.append(&mut ex.unmapped);
            separate_clusters(&mut ex, has_mm2, &mut unmapped);
            for (t, parts, rf, min_isr, line) in &ex.topics {
                topics::declared(
                    t,
                    *parts,
                    *rf,
                    *min_isr,
                    &input.file,
                    *line,
                    &mut topic_facts,
                );
            }
            for sy in &ex.nodes {
                let (e0, u0) = (errors.len(), unmapped.len());
                let node = server::parse(&sy.input, &mut errors, &mut unmapped);
                remap(sy, &mut errors[e0..]);
                remap(sy, &mut unmapped[u0..]);
                if let Some(mut n) = node {
                    n.site = sy.site.clone();
                    n.hosts.extend(sy.hosts.iter().cloned());
                    n.hosts.sort();
                    n.hosts.dedup();
                    nodes.push(n);
                }
            }
            for sy in &ex.mm2 {
                let (e0, u0) = (errors.len(), unmapped.len());
                let mut m = mm2::parse(&sy.input, &mut errors, &mut unmapped);
                remap(sy, &mut errors[e0..]);
                remap(sy, &mut unmapped[u0..]);
                for fl in &mut m.flows {
                    fl.line = sy.lines.get(fl.line.wrapping_sub(1)).copied().unwrap_or(0);
                }
                m.file = sy.origin.clone();
                mm2s.push(m);
            }
            continue;
        }
        match kind {
            Err(e) => errors.push(e),
            Ok(Kind::Strimzi | Kind::Compose) => {}
            Ok(Kind::Server) => {
                if let Some(n) = server::parse(input, &mut errors, &mut unmapped) {
                    nodes.push(n);
                }
            }
            Ok(Kind::Mm2) => {
                let m = mm2::parse(input, &mut errors, &mut unmapped);
                mm2s.push(m);
            }
            Ok(Kind::Reassign) => {
                topics::reassign(input, &mut topic_facts, &mut errors, &mut unmapped)
            }
            Ok(Kind::Describe) => {
                topics::describe(input, &mut topic_facts, &mut errors, &mut unmapped)
            }
            Ok(Kind::CreateScript) => {
                topics::create_script(input, &mut topic_facts, &mut errors, &mut unmapped)
            }
            Ok(Kind::Placement) => {
                let topic = input.topic.clone().unwrap_or_default();
                topics::placement_file(input, &topic, &mut topic_facts, &mut errors, &mut unmapped)
            }
        }
    }
    for (topic, path, script, line) in std::mem::take(&mut topic_facts.pending_placements) {
        let base = Path::new(&script).parent().unwrap_or(Path::new(""));
        match read_input(&base.join(&path), Some(topic.clone())) {
            Ok(input) => {
                topics::placement_file(&input, &topic, &mut topic_facts, &mut errors, &mut unmapped)
            }
            Err(e) => errors.push(Item::new(
                &script,
                line,
                "--replica-placement",
                format!("{path}: {}", e.message),
            )),
        }
    }
    default_placement(&nodes, &mut topic_facts, &mut errors, &mut unmapped);
    if !errors.is_empty() {
        errors.sort();
        errors.dedup();
        return Err(errors);
    }
    let built = server::build(&nodes, &topic_facts, opts, &mut errors, &mut unmapped);
    let Some(mut built) = built else {
        errors.sort();
        return Err(errors);
    };
    topics::apply(&topic_facts, &mut built, &mut errors, &mut unmapped);
    let mut designs = Vec::new();
    if DESIGNS_IN_SCHEMA {
        let sites: Vec<String> = built
            .scenario
            .site
            .iter()
            .filter(|s| s.brokers > 0)
            .map(|s| s.name.clone())
            .collect();
        let topic_names: Vec<String> = built
            .scenario
            .topic
            .iter()
            .map(|t| t.name.clone())
            .collect();
        for (i, m) in mm2s.iter().enumerate() {
            let name = if i == 0 {
                "mirrormaker2".to_string()
            } else {
                format!("mirrormaker2-{}", i + 1)
            };
            let rf = built.scenario.broker.default_replication_factor;
            let mut m = m.clone();
            for fl in m.flows.iter_mut().filter(|fl| fl.replication_factor == 0) {
                fl.replication_factor = rf;
                unmapped.push(Item::new(
                    &m.file,
                    fl.line,
                    "replication.factor",
                    format!("-1: remote topics get the target brokers' default.replication.factor, {rf} here"),
                ));
            }
            if let Some(d) = mm2::design_toml(
                &m,
                &name,
                &sites,
                &topic_names,
                &built.host_site,
                &mut unmapped,
            ) {
                designs.push(d);
            }
        }
    } else {
        for m in &mm2s {
            for f in &m.flows {
                unmapped.push(Item::new(
                    &m.file,
                    f.line,
                    &format!("{}->{}.enabled", f.source, f.target),
                    "MirrorMaker 2 flows are not part of the scenario schema yet (no [[design]] tables): kept in `--json` output and in the comments",
                ));
            }
        }
    }
    if !errors.is_empty() {
        errors.sort();
        errors.dedup();
        return Err(errors);
    }
    let unmapped = group(unmapped);
    let toml = emit::render(&built, &unmapped, &mm2s, &designs);
    match crate::scenario::parse_str(&toml, "<imported scenario>") {
        Ok(scenario) => Ok(Imported {
            toml,
            scenario,
            mapping: built.mapping.clone(),
            unmapped,
            mm2: mm2s,
        }),
        Err(diags) => Err(diags
            .into_iter()
            .map(|d| {
                Item::new(
                    "<imported scenario>",
                    d.line,
                    &d.key,
                    format!(
                        "the imported values do not make a valid scenario: {}",
                        d.message
                    ),
                )
            })
            .collect()),
    }
}

/// Items about a synthetic input name the YAML file and line it came from.
fn remap(sy: &yaml::Synth, items: &mut [Item]) {
    for it in items {
        if it.file == sy.input.file {
            it.file = sy.origin.clone();
            it.line = if it.line == 0 {
                0
            } else {
                sy.lines.get(it.line - 1).copied().unwrap_or(0)
            };
        }
    }
}

/// Several Kafka clusters in one YAML file (a separate monitoring cluster in the
/// same compose file, say): each keeps its own quorum. Without MirrorMaker 2
/// among the inputs there is no design to hold a second cluster, and the
/// scenario's base design is one cluster, so only the cluster with the most
/// brokers (ties: the first) is imported and the others' nodes are listed.
/// With MirrorMaker 2 every cluster is kept, each in its own scope (its site
/// unless racks say otherwise), for the design's flows.
fn separate_clusters(ex: &mut yaml::Expanded, has_mm2: bool, unmapped: &mut Vec<Item>) {
    let mut clusters: Vec<(String, usize, String)> = Vec::new(); // key, brokers, label
    for n in &ex.nodes {
        let label = n.input.file.rsplit('#').next().unwrap_or("").to_string();
        match clusters.iter_mut().find(|c| c.0 == n.cluster) {
            Some(c) => c.1 += n.broker as usize,
            None => clusters.push((n.cluster.clone(), n.broker as usize, label)),
        }
    }
    if clusters.len() < 2 {
        return;
    }
    let main = clusters
        .iter()
        .enumerate()
        .max_by_key(|(i, c)| (c.1, std::cmp::Reverse(*i)))
        .map_or(0, |(i, _)| i);
    let main_key = clusters[main].0.clone();
    if has_mm2 {
        for n in &mut ex.nodes {
            if n.cluster != main_key && n.site.is_none() {
                let label = clusters
                    .iter()
                    .find(|c| c.0 == n.cluster)
                    .map_or(String::new(), |c| c.2.clone());
                n.input.scope = Some(label);
            }
        }
        return;
    }
    let describe = |k: &str| {
        if k.is_empty() {
            "no quorum setting".to_string()
        } else {
            k.to_string()
        }
    };
    ex.nodes.retain(|n| {
        if n.cluster == main_key {
            return true;
        }
        let svc = n.input.file.rsplit('#').next().unwrap_or("");
        unmapped.push(Item::new(
            &n.origin,
            n.lines.first().copied().unwrap_or(0),
            svc,
            format!(
                "{svc} belongs to another Kafka cluster ({}) than the one imported ({}): a separate cluster keeps its own quorum and is not imported (import it on its own, or with the mm2.properties that copies between them)",
                describe(&n.cluster),
                describe(&main_key)
            ),
        ));
        false
    });
}

/// Confluent Server's `confluent.log.placement.constraints`, the placement of
/// topics created without their own: the first broker file's (by node id)
/// applies; files that set another value are listed.
fn default_placement(
    nodes: &[server::Node],
    facts: &mut topics::Facts,
    errors: &mut Vec<Item>,
    unmapped: &mut Vec<Item>,
) {
    const KEY: &str = "confluent.log.placement.constraints";
    let mut with: Vec<&server::Node> = nodes
        .iter()
        .filter(|n| n.broker && n.placement_default.is_some())
        .collect();
    with.sort_by(|a, b| (a.id, &a.scope).cmp(&(b.id, &b.scope)));
    let Some(first) = with.first() else {
        return;
    };
    let Some((text, line)) = &first.placement_default else {
        return;
    };
    for n in &with[1..] {
        if let Some((t, l)) = &n.placement_default
            && t != text
        {
            unmapped.push(Item::new(
                &n.file,
                *l,
                KEY,
                format!(
                    "differs from {}'s, which is used (the controller applies one cluster default)",
                    first.file
                ),
            ));
        }
    }
    for n in nodes
        .iter()
        .filter(|n| n.broker && n.placement_default.is_none())
    {
        if !with.is_empty() {
            unmapped.push(Item::new(
                &n.file,
                0,
                KEY,
                format!("not set here but set in {}: that value is used", first.file),
            ));
        }
    }
    if let Some(p) = topics::placement_json(text, &first.file, *line, errors, unmapped) {
        facts.default_placement = Some((p, first.file.clone(), *line));
    }
}

/// Sort, and fold items with the same key and message from several files into
/// the first, which then says how many other files have it.
fn group(mut items: Vec<Item>) -> Vec<Item> {
    items.sort();
    items.dedup();
    let mut out: Vec<(Item, Vec<String>)> = Vec::new();
    for it in items {
        match out
            .iter_mut()
            .find(|(o, _)| o.key == it.key && o.message == it.message && !it.key.is_empty())
        {
            Some((_, others)) => {
                if !others.contains(&it.file) {
                    others.push(it.file)
                }
            }
            None => out.push((it, Vec::new())),
        }
    }
    out.into_iter()
        .map(|(mut it, others)| {
            let others: Vec<String> = others.into_iter().filter(|f| *f != it.file).collect();
            if !others.is_empty() {
                let shown: Vec<&str> = others.iter().take(3).map(String::as_str).collect();
                let more = if others.len() > 3 { ", …" } else { "" };
                it.message = format!(
                    "{} (also in {} other file(s): {}{more})",
                    it.message,
                    others.len(),
                    shown.join(", ")
                );
            }
            it
        })
        .collect()
}

/// The scenario as import builds it, before rendering.
#[derive(Clone, Debug)]
pub struct Built {
    pub scenario: Scenario,
    /// Original Kafka node id → (scenario broker index) for topic placement.
    pub broker_of: BTreeMap<NodeKey, usize>,
    /// `broker.rack` of each scenario broker, in scenario order.
    pub broker_racks: Vec<String>,
    /// Links written with a placeholder RTT (not in Kafka files, not on the command line).
    pub placeholder_links: Vec<usize>,
    /// Broker host (from `listeners`) → site, to place MirrorMaker clusters.
    pub host_site: BTreeMap<String, String>,
    /// Per site: comment lines (the Kafka nodes it holds).
    pub site_comments: Vec<Vec<String>>,
    pub mapping: Vec<String>,
}
