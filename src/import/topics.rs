//! Topics: `kafka-reassign-partitions` JSON, `kafka-topics --describe` output,
//! `kafka-topics --create` commands, and Confluent replica-placement JSON.
//!
//! ktopo's scenario places replicas by rack groups (`placement.replicas` and
//! `placement.observers`, `{ count, rack }`), not by broker id. A per-partition
//! assignment therefore becomes a *shape* ([`shape`]):
//! - a Confluent placement (given with `--placement`, inside `--describe`
//!   `Configs:` or a `--create --replica-placement` file) maps one to one;
//! - otherwise, when every partition spreads its replicas evenly over all racks,
//!   with leaders in different racks and no observers, the topic is left to
//!   Kafka's rack-aware placer (no `placement`), which produces that shape;
//! - otherwise the most common shape becomes explicit groups: the leader's rack
//!   first, then the other racks by name, then observer racks.
//!
//! Exact broker ids are never kept (ktopo renumbers brokers); partitions whose
//! shape differs from the one kept, and leaders moved to another rack, are listed.

use std::collections::{BTreeMap, BTreeSet};

use super::{Built, Input, Item, NodeKey};
use crate::scenario::{ObserverPromotionPolicy, Placement, PlacementGroup, Topic};

/// A Confluent replica-placement (`confluent.placement.constraints`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ConfluentPlacement {
    pub version: u32,
    pub replicas: Vec<(u32, String)>,
    pub observers: Vec<(u32, String)>,
    pub observer_promotion_policy: Option<String>,
}

/// One partition's assignment: replicas, observers, file, line, scope of the file.
pub type Assigned = (Vec<u32>, Vec<u32>, String, usize, Option<String>);

#[derive(Clone, Debug, Default)]
pub struct TopicFacts {
    pub file: String,
    pub line: usize,
    pub partitions: Option<u32>,
    pub replication_factor: Option<u32>,
    pub min_insync_replicas: Option<u32>,
    /// partition → (replicas, observers, file, line).
    /// partition → (replicas, observers, file, line, scope of the file).
    pub assignment: BTreeMap<u32, Assigned>,
    pub placement: Option<(ConfluentPlacement, String, usize)>,
}

/// Everything the topic files say, by topic name.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// In the order first seen (file order), which keeps a scenario's topic order.
    pub topics: indexmap::IndexMap<String, TopicFacts>,
    /// Broker ids named by assignments: where first seen.
    pub referenced: BTreeMap<NodeKey, (String, usize)>,
    /// Scope of the input being read (broker ids resolve within it).
    pub scope: Option<String>,
    /// `--replica-placement PATH` of `--create` commands: (topic, path, script file, line).
    pub pending_placements: Vec<(String, String, String, usize)>,
    /// The brokers' `confluent.log.placement.constraints` (Confluent Server's
    /// cluster default): the placement of a topic without its own placement
    /// or assignment, as Confluent Server creates such a topic.
    pub default_placement: Option<(ConfluentPlacement, String, usize)>,
}

impl Facts {
    fn topic(&mut self, name: &str, file: &str, line: usize) -> &mut TopicFacts {
        self.topics
            .entry(name.to_string())
            .or_insert_with(|| TopicFacts {
                file: file.to_string(),
                line,
                ..Default::default()
            })
    }

    fn reference(&mut self, ids: &[u32], file: &str, line: usize) {
        for id in ids {
            self.referenced
                .entry((self.scope.clone(), *id))
                .or_insert_with(|| (file.to_string(), line));
        }
    }
}

/// 1-based lines of each occurrence of a JSON key `"name"` followed by `:`.
fn key_lines(text: &str, name: &str) -> Vec<usize> {
    let pat = format!("\"{name}\"");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find(&pat) {
        let at = from + i;
        from = at + pat.len();
        if text[from..].trim_start().starts_with(':') {
            out.push(text[..at].matches('\n').count() + 1);
        }
    }
    out
}

fn ids(v: &serde_json::Value) -> Option<Vec<u32>> {
    v.as_array()?
        .iter()
        .map(|x| x.as_u64().and_then(|n| u32::try_from(n).ok()))
        .collect()
}

/// `kafka-reassign-partitions` JSON: `{"version":1,"partitions":[{"topic","partition","replicas",…}]}`.
pub fn reassign(
    input: &Input,
    facts: &mut Facts,
    errors: &mut Vec<Item>,
    unmapped: &mut Vec<Item>,
) {
    let f = input.file.as_str();
    let v: serde_json::Value = match serde_json::from_str(&input.text) {
        Ok(v) => v,
        Err(e) => {
            errors.push(Item::new(f, e.line(), "", format!("invalid JSON: {e}")));
            return;
        }
    };
    let lines = key_lines(&input.text, "partition");
    let Some(parts) = v.get("partitions").and_then(|p| p.as_array()) else {
        errors.push(Item::new(
            f,
            1,
            "partitions",
            "expected an array of {\"topic\", \"partition\", \"replicas\"}",
        ));
        return;
    };
    for (i, p) in parts.iter().enumerate() {
        let line = lines.get(i).copied().unwrap_or(0);
        let key = format!("partitions[{i}]");
        let topic = p.get("topic").and_then(|t| t.as_str());
        let part = p
            .get("partition")
            .and_then(|t| t.as_u64())
            .and_then(|n| u32::try_from(n).ok());
        let reps = p.get("replicas").and_then(ids);
        let obs = match p.get("observers") {
            None => Some(Vec::new()),
            Some(o) => ids(o),
        };
        let mut ok = true;
        if topic.is_none_or(str::is_empty) {
            errors.push(Item::new(
                f,
                line,
                &format!("{key}.topic"),
                "expected a topic name",
            ));
            ok = false;
        }
        if part.is_none() {
            errors.push(Item::new(
                f,
                line,
                &format!("{key}.partition"),
                "expected a partition number ≥ 0",
            ));
            ok = false;
        }
        match &reps {
            Some(r) if !r.is_empty() => {}
            _ => {
                errors.push(Item::new(
                    f,
                    line,
                    &format!("{key}.replicas"),
                    "expected a non-empty array of broker ids",
                ));
                ok = false;
            }
        }
        if obs.is_none() {
            errors.push(Item::new(
                f,
                line,
                &format!("{key}.observers"),
                "expected an array of broker ids",
            ));
            ok = false;
        }
        if let Some(obj) = p.as_object() {
            for k in obj.keys() {
                if !["topic", "partition", "replicas", "observers", "log_dirs"]
                    .contains(&k.as_str())
                {
                    errors.push(Item::new(f, line, &format!("{key}.{k}"), "unknown field"));
                    ok = false;
                }
            }
        }
        if p.get("log_dirs").is_some() {
            unmapped.push(Item::new(
                f,
                line,
                "log_dirs",
                "log directories are not modelled",
            ));
        }
        if !ok {
            continue;
        }
        let (topic, part, reps, obs) = (
            topic.unwrap_or_default(),
            part.unwrap_or(0),
            reps.unwrap_or_default(),
            obs.unwrap_or_default(),
        );
        add_assignment(facts, topic, part, reps, obs, f, line, errors, unmapped);
    }
}

#[allow(clippy::too_many_arguments)]
fn add_assignment(
    facts: &mut Facts,
    topic: &str,
    part: u32,
    reps: Vec<u32>,
    obs: Vec<u32>,
    f: &str,
    line: usize,
    errors: &mut Vec<Item>,
    unmapped: &mut Vec<Item>,
) {
    if reps.is_empty() {
        errors.push(Item::new(
            f,
            line,
            topic,
            format!("partition {part}: no replicas"),
        ));
        return;
    }
    let all: Vec<u32> = reps.iter().chain(obs.iter()).copied().collect();
    let distinct: BTreeSet<u32> = all.iter().copied().collect();
    if distinct.len() != all.len() {
        errors.push(Item::new(
            f,
            line,
            topic,
            format!("partition {part}: a broker appears twice among its replicas and observers"),
        ));
        return;
    }
    facts.reference(&all, f, line);
    let t = facts.topic(topic, f, line);
    if let Some(prev) = t.assignment.get(&part) {
        if prev.2 == f {
            errors.push(Item::new(
                f,
                line,
                topic,
                format!(
                    "partition {part} is assigned twice (first on line {})",
                    prev.3
                ),
            ));
            return;
        }
        if prev.0 != reps || prev.1 != obs {
            // Two files disagree (say a describe and a reassignment plan): the later wins.
            unmapped.push(Item::new(
                &prev.2,
                prev.3,
                topic,
                format!(
                    "partition {part}: replaced by {f}:{line}, which assigns it differently ({reps:?})"
                ),
            ));
        }
    }
    let scope = facts.scope.clone();
    let t = facts.topic(topic, f, line);
    t.assignment
        .insert(part, (reps, obs, f.to_string(), line, scope));
}

const DESCRIBE_KEYS: &[&str] = &[
    "Topic",
    "TopicId",
    "PartitionCount",
    "ReplicationFactor",
    "Configs",
    "Partition",
    "Leader",
    "Replicas",
    "Isr",
    "Elr",
    "LastKnownElr",
    "Observers",
    "Offline",
    "Adding Replicas",
    "Removing Replicas",
    "Adding Observers",
    "Removing Observers",
    "Is Preferred Leader",
    "UnderReplicated",
];

pub fn is_describe_partition_line(l: &str) -> bool {
    l.contains("Partition:") && l.contains("Replicas:")
}

/// A log4j line of Kafka's command-line tools (`[2024-05-01 10:00:00,123] WARN …`,
/// `WARN [AdminClient clientId=…] …`): a level among its first words.
pub fn is_log_line(l: &str) -> bool {
    l.split_whitespace()
        .take(4)
        .any(|w| matches!(w, "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR" | "FATAL"))
}

pub fn is_create_line(l: &str) -> bool {
    l.contains("kafka-topics") && l.contains("--create")
}

/// `Key: value` fields of one `--describe` line, split at tabs, or at known keys.
fn fields(line: &str) -> Vec<(String, String)> {
    let mut starts: Vec<(usize, &str)> = Vec::new();
    for k in DESCRIBE_KEYS {
        let pat = format!("{k}:");
        let mut from = 0;
        while let Some(i) = line[from..].find(&pat) {
            let at = from + i;
            let before_ok = at == 0 || line[..at].ends_with(char::is_whitespace);
            if before_ok {
                starts.push((at, k));
            }
            from = at + pat.len();
        }
    }
    // Longest key first at each position; a key inside another ("Replicas:" in
    // "Adding Replicas:") is not a key of its own.
    starts.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.len().cmp(&a.1.len())));
    let mut kept: Vec<(usize, &str)> = Vec::new();
    for (at, k) in starts {
        if kept.last().is_none_or(|(p, pk)| at > p + pk.len()) {
            kept.push((at, k));
        }
    }
    let starts = kept;
    let mut out = Vec::new();
    for (i, (at, k)) in starts.iter().enumerate() {
        let vstart = at + k.len() + 1;
        let vend = starts.get(i + 1).map_or(line.len(), |n| n.0);
        if vstart <= vend {
            out.push((k.to_string(), line[vstart..vend].trim().to_string()));
        }
    }
    out
}

fn id_list(v: &str) -> Option<Vec<u32>> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().ok())
        .collect()
}

/// Split `a=1,b={"x":[1,2]},c=3` at top-level commas.
fn split_configs(v: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    let b = v.as_bytes();
    for i in 0..=b.len() {
        let c = b.get(i).copied();
        match c {
            Some(b'{') | Some(b'[') => depth += 1,
            Some(b'}') | Some(b']') => depth -= 1,
            Some(b',') | None if depth <= 0 => {
                let item = v[start..i].trim();
                if !item.is_empty() {
                    let (k, val) = item.split_once('=').unwrap_or((item, ""));
                    out.push((k.trim().to_string(), val.trim().to_string()));
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    out
}

/// Topic-level configs (from `Configs:` or `--config`).
#[allow(clippy::too_many_arguments)]
fn topic_config(
    topic: &str,
    key: &str,
    val: &str,
    f: &str,
    line: usize,
    facts: &mut Facts,
    errors: &mut Vec<Item>,
    unmapped: &mut Vec<Item>,
) {
    match key {
        "min.insync.replicas" => match val.parse::<u32>() {
            Ok(n) if n >= 1 => facts.topic(topic, f, line).min_insync_replicas = Some(n),
            _ => errors.push(Item::new(
                f,
                line,
                key,
                format!("topic {topic}: expected a whole number ≥ 1, found `{val}`"),
            )),
        },
        "confluent.placement.constraints" => {
            if let Some(p) = placement_json(val, f, line, errors, unmapped) {
                facts.topic(topic, f, line).placement = Some((p, f.to_string(), line));
            }
        }
        _ => unmapped.push(Item::new(
            f,
            line,
            key,
            format!("topic {topic}: topic config not modelled ({key}={val})"),
        )),
    }
}

/// `kafka-topics --describe` output.
pub fn describe(
    input: &Input,
    facts: &mut Facts,
    errors: &mut Vec<Item>,
    unmapped: &mut Vec<Item>,
) {
    let f = input.file.as_str();
    for (i, raw) in input.text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let fs = fields(raw);
        let get = |k: &str| fs.iter().find(|(x, _)| x == k).map(|(_, v)| v.as_str());
        let Some(topic) = get("Topic").filter(|t| !t.is_empty()) else {
            let what = if is_log_line(raw) {
                "a log line Kafka's tools printed, not describe output: skipped"
            } else {
                "line not understood"
            };
            unmapped.push(Item::new(f, line, "", format!("{what}: `{}`", raw.trim())));
            continue;
        };
        if let Some(pc) = get("PartitionCount") {
            match pc.parse::<u32>() {
                Ok(n) => facts.topic(topic, f, line).partitions = Some(n),
                Err(_) => errors.push(Item::new(
                    f,
                    line,
                    "PartitionCount",
                    format!("expected a whole number, found `{pc}`"),
                )),
            }
            if let Some(rf) = get("ReplicationFactor") {
                match rf.parse::<u32>() {
                    Ok(n) => facts.topic(topic, f, line).replication_factor = Some(n),
                    Err(_) => errors.push(Item::new(
                        f,
                        line,
                        "ReplicationFactor",
                        format!("expected a whole number, found `{rf}`"),
                    )),
                }
            }
            facts.topic(topic, f, line);
            if let Some(c) = get("Configs") {
                for (k, v) in split_configs(c) {
                    topic_config(topic, &k, &v, f, line, facts, errors, unmapped);
                }
            }
            continue;
        }
        let Some(p) = get("Partition") else {
            unmapped.push(Item::new(
                f,
                line,
                "",
                format!("line not understood: `{}`", raw.trim()),
            ));
            continue;
        };
        let Ok(part) = p.parse::<u32>() else {
            errors.push(Item::new(
                f,
                line,
                "Partition",
                format!("expected a partition number, found `{p}`"),
            ));
            continue;
        };
        let Some(reps) = get("Replicas").and_then(id_list).filter(|r| !r.is_empty()) else {
            errors.push(Item::new(
                f,
                line,
                "Replicas",
                "expected a comma-separated list of broker ids",
            ));
            continue;
        };
        let obs = match get("Observers") {
            None => Vec::new(),
            Some(o) => match id_list(o) {
                Some(v) => v,
                None => {
                    errors.push(Item::new(
                        f,
                        line,
                        "Observers",
                        "expected a comma-separated list of broker ids",
                    ));
                    continue;
                }
            },
        };
        // Confluent lists observers inside Replicas too: keep them apart.
        let reps: Vec<u32> = reps.into_iter().filter(|r| !obs.contains(r)).collect();
        if reps.is_empty() {
            errors.push(Item::new(
                f,
                line,
                "Replicas",
                format!("{topic}-{part}: every replica is an observer: no replica to lead"),
            ));
            continue;
        }
        if let Some(isr) = get("Isr").and_then(id_list) {
            let mut a = isr.clone();
            a.sort();
            let mut b = reps.clone();
            b.sort();
            if a != b {
                unmapped.push(Item::new(f, line, "Isr", format!("{topic}-{part}: ISR {isr:?} differs from the replicas at describe time; ktopo starts with every replica in sync")));
            }
        }
        if let Some(l) = get("Leader").and_then(|l| l.parse::<u32>().ok())
            && reps.first() != Some(&l)
        {
            unmapped.push(Item::new(f, line, "Leader", format!("{topic}-{part}: leader {l} is not the preferred replica {}; ktopo starts from preferred leaders", reps[0])));
        }
        for k in [
            "Offline",
            "Adding Replicas",
            "Removing Replicas",
            "Elr",
            "LastKnownElr",
        ] {
            if get(k).is_some_and(|v| !v.is_empty()) {
                unmapped.push(Item::new(
                    f,
                    line,
                    k,
                    format!("{topic}-{part}: a transient state at describe time, not modelled"),
                ));
            }
        }
        add_assignment(facts, topic, part, reps, obs, f, line, errors, unmapped);
    }
}

/// Shell words of one command line: whitespace-separated, with '…' and "…" quoting.
fn shell_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut have = false;
    let mut it = s.chars();
    while let Some(c) = it.next() {
        match c {
            '\'' => {
                have = true;
                for d in it.by_ref() {
                    if d == '\'' {
                        break;
                    }
                    cur.push(d);
                }
            }
            '"' => {
                have = true;
                while let Some(d) = it.next() {
                    match d {
                        '"' => break,
                        '\\' => {
                            if let Some(e) = it.next() {
                                cur.push(e);
                            }
                        }
                        _ => cur.push(d),
                    }
                }
            }
            '\\' => {
                if let Some(e) = it.next() {
                    cur.push(e);
                    have = true;
                }
            }
            c if c.is_whitespace() => {
                if have {
                    out.push(std::mem::take(&mut cur));
                    have = false;
                }
            }
            '#' if !have => break,
            c => {
                cur.push(c);
                have = true;
            }
        }
    }
    if have {
        out.push(cur);
    }
    out
}

/// `kafka-topics --create` commands (a script or a pasted command line).
pub fn create_script(
    input: &Input,
    facts: &mut Facts,
    errors: &mut Vec<Item>,
    unmapped: &mut Vec<Item>,
) {
    let f = input.file.as_str();
    // Join backslash continuations, remembering where each command starts.
    let mut cmds: Vec<(usize, String)> = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, l) in input.text.lines().enumerate() {
        let (start, mut acc) = pending.take().unwrap_or((i + 1, String::new()));
        let t = l.trim_end();
        if let Some(head) = t.strip_suffix('\\') {
            acc.push_str(head);
            acc.push(' ');
            pending = Some((start, acc));
        } else {
            acc.push_str(t);
            cmds.push((start, acc));
        }
    }
    if let Some(p) = pending {
        cmds.push(p);
    }
    for (line, cmd) in cmds {
        if !is_create_line(&cmd) {
            continue;
        }
        let words = shell_words(&cmd);
        let Some(k) = words
            .iter()
            .position(|w| w.ends_with("kafka-topics") || w.ends_with("kafka-topics.sh"))
        else {
            continue;
        };
        let mut topic = None;
        let mut parts = None;
        let mut rf = None;
        let mut configs = Vec::new();
        let mut placement = None;
        let mut assignment = None;
        let mut i = k + 1;
        while i < words.len() {
            let w = words[i].as_str();
            let (opt, inline) = match w.split_once('=') {
                Some((o, v)) if o.starts_with("--") => (o, Some(v.to_string())),
                _ => (w, None),
            };
            let takes = [
                "--topic",
                "--partitions",
                "--replication-factor",
                "--config",
                "--replica-placement",
                "--replica-assignment",
                "--bootstrap-server",
                "--command-config",
                "--zookeeper",
            ];
            let val = if takes.contains(&opt) {
                match inline {
                    Some(v) => Some(v),
                    None => {
                        i += 1;
                        words.get(i).cloned()
                    }
                }
            } else {
                None
            };
            match (opt, val) {
                ("--topic", Some(v)) => topic = Some(v),
                ("--partitions", Some(v)) => parts = Some(v),
                ("--replication-factor", Some(v)) => rf = Some(v),
                ("--config", Some(v)) => configs.push(v),
                ("--replica-placement", Some(v)) => placement = Some(v),
                ("--replica-assignment", Some(v)) => assignment = Some(v),
                ("--bootstrap-server" | "--command-config" | "--zookeeper", Some(_)) => {}
                ("--create" | "--if-not-exists", _) => {}
                (o, None) if takes.contains(&o) => {
                    errors.push(Item::new(f, line, o, "expects a value"))
                }
                (o, _) => unmapped.push(Item::new(
                    f,
                    line,
                    o,
                    "kafka-topics option not used by ktopo",
                )),
            }
            i += 1;
        }
        let Some(topic) = topic else {
            errors.push(Item::new(
                f,
                line,
                "--topic",
                "a --create command without --topic",
            ));
            continue;
        };
        facts.topic(&topic, f, line);
        if let Some(p) = parts {
            match p.parse::<u32>() {
                Ok(n) if n >= 1 => facts.topic(&topic, f, line).partitions = Some(n),
                _ => errors.push(Item::new(
                    f,
                    line,
                    "--partitions",
                    format!("expected a whole number ≥ 1, found `{p}`"),
                )),
            }
        }
        if let Some(r) = rf {
            match r.parse::<u32>() {
                Ok(n) if n >= 1 => facts.topic(&topic, f, line).replication_factor = Some(n),
                _ => errors.push(Item::new(
                    f,
                    line,
                    "--replication-factor",
                    format!("expected a whole number ≥ 1, found `{r}`"),
                )),
            }
        }
        for c in configs {
            let (key, val) = c.split_once('=').unwrap_or((c.as_str(), ""));
            topic_config(
                &topic,
                key.trim(),
                val.trim(),
                f,
                line,
                facts,
                errors,
                unmapped,
            );
        }
        if let Some(p) = placement {
            facts
                .pending_placements
                .push((topic.clone(), p, f.to_string(), line));
        }
        if let Some(a) = assignment {
            for (pi, group) in a.split(',').enumerate() {
                match group
                    .split(':')
                    .map(|s| s.trim().parse::<u32>().ok())
                    .collect::<Option<Vec<u32>>>()
                {
                    Some(reps) if !reps.is_empty() => add_assignment(
                        facts,
                        &topic,
                        pi as u32,
                        reps,
                        Vec::new(),
                        f,
                        line,
                        errors,
                        unmapped,
                    ),
                    _ => errors.push(Item::new(
                        f,
                        line,
                        "--replica-assignment",
                        format!("partition {pi}: `{group}` is not BROKER:BROKER:…"),
                    )),
                }
            }
        }
    }
}

/// A Confluent replica-placement JSON, version 1 or 2.
pub fn placement_json(
    text: &str,
    f: &str,
    line0: usize,
    errors: &mut Vec<Item>,
    unmapped: &mut Vec<Item>,
) -> Option<ConfluentPlacement> {
    let v: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            errors.push(Item::new(
                f,
                line0.max(e.line()),
                "",
                format!("invalid replica-placement JSON: {e}"),
            ));
            return None;
        }
    };
    let n0 = errors.len();
    let Some(obj) = v.as_object() else {
        errors.push(Item::new(
            f,
            line0,
            "",
            "a replica-placement must be a JSON object",
        ));
        return None;
    };
    let line_of = |k: &str| {
        key_lines(text, k)
            .first()
            .map_or(line0, |l| l + line0.saturating_sub(1))
    };
    let version = match obj.get("version").and_then(|x| x.as_u64()) {
        Some(1) => 1,
        Some(2) => 2,
        _ => {
            errors.push(Item::new(
                f,
                line_of("version"),
                "version",
                "expected 1 or 2",
            ));
            2
        }
    };
    for k in obj.keys() {
        if ![
            "version",
            "replicas",
            "observers",
            "observerPromotionPolicy",
        ]
        .contains(&k.as_str())
        {
            errors.push(Item::new(
                f,
                line_of(k),
                k,
                "unknown field of a replica-placement",
            ));
        }
    }
    let mut groups = |name: &str| -> Vec<(u32, String)> {
        let mut out = Vec::new();
        let Some(x) = obj.get(name) else {
            return out;
        };
        let Some(arr) = x.as_array() else {
            errors.push(Item::new(
                f,
                line_of(name),
                name,
                "expected an array of {\"count\", \"constraints\"}",
            ));
            return out;
        };
        for (i, g) in arr.iter().enumerate() {
            let key = format!("{name}[{i}]");
            let count = g
                .get("count")
                .and_then(|c| c.as_u64())
                .and_then(|c| u32::try_from(c).ok())
                .filter(|c| *c >= 1);
            let cons = g.get("constraints").and_then(|c| c.as_object());
            let rack = cons.and_then(|c| c.get("rack")).and_then(|r| r.as_str());
            if count.is_none() {
                errors.push(Item::new(
                    f,
                    line_of(name),
                    &format!("{key}.count"),
                    "expected a whole number ≥ 1",
                ));
            }
            match cons {
                None => errors.push(Item::new(
                    f,
                    line_of(name),
                    &format!("{key}.constraints"),
                    "expected {\"rack\": \"…\"}",
                )),
                Some(c) => {
                    for k in c.keys().filter(|k| k.as_str() != "rack") {
                        unmapped.push(Item::new(
                            f,
                            line_of(name),
                            &format!("{key}.constraints.{k}"),
                            "only rack constraints are modelled",
                        ));
                    }
                    if rack.is_none() {
                        errors.push(Item::new(
                            f,
                            line_of(name),
                            &format!("{key}.constraints.rack"),
                            "expected a rack name",
                        ));
                    }
                }
            }
            if let (Some(c), Some(r)) = (count, rack) {
                out.push((c, r.to_string()));
            }
        }
        out
    };
    let replicas = groups("replicas");
    let observers = groups("observers");
    let policy = match obj.get("observerPromotionPolicy") {
        None => None,
        Some(p) => match p.as_str() {
            Some(s @ ("under-min-isr" | "under-replicated" | "leader-is-observer")) => {
                if version < 2 {
                    errors.push(Item::new(
                        f,
                        line_of("observerPromotionPolicy"),
                        "observerPromotionPolicy",
                        "needs \"version\": 2",
                    ));
                }
                Some(s.to_string())
            }
            _ => {
                errors.push(Item::new(
                    f,
                    line_of("observerPromotionPolicy"),
                    "observerPromotionPolicy",
                    "expected under-min-isr, under-replicated or leader-is-observer",
                ));
                None
            }
        },
    };
    if replicas.is_empty() && errors.len() == n0 {
        errors.push(Item::new(
            f,
            line_of("replicas"),
            "replicas",
            "at least one replica group is required",
        ));
    }
    (errors.len() == n0).then_some(ConfluentPlacement {
        version,
        replicas,
        observers,
        observer_promotion_policy: policy,
    })
}

/// A topic declared with its partition count, replication factor and
/// `min.insync.replicas` (a Strimzi `KafkaTopic`).
#[allow(clippy::too_many_arguments)]
pub fn declared(
    name: &str,
    partitions: Option<u32>,
    replication_factor: Option<u32>,
    min_insync_replicas: Option<u32>,
    file: &str,
    line: usize,
    facts: &mut Facts,
) {
    let t = facts.topic(name, file, line);
    if partitions.is_some() {
        t.partitions = partitions;
    }
    if replication_factor.is_some() {
        t.replication_factor = replication_factor;
    }
    if min_insync_replicas.is_some() {
        t.min_insync_replicas = min_insync_replicas;
    }
}

/// A placement file given for one topic.
pub fn placement_file(
    input: &Input,
    topic: &str,
    facts: &mut Facts,
    errors: &mut Vec<Item>,
    unmapped: &mut Vec<Item>,
) {
    if let Some(p) = placement_json(&input.text, &input.file, 1, errors, unmapped) {
        facts.topic(topic, &input.file, 1).placement = Some((p, input.file.clone(), 1));
    }
}

/// Add the topics to the built scenario.
pub fn apply(facts: &Facts, built: &mut Built, errors: &mut Vec<Item>, unmapped: &mut Vec<Item>) {
    let racks: BTreeSet<&str> = built.broker_racks.iter().map(String::as_str).collect();
    let sites: BTreeSet<&str> = built
        .scenario
        .site
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    let mut topics = Vec::new();
    for (name, t) in &facts.topics {
        let max_part = t.assignment.keys().next_back().map(|p| p + 1);
        let partitions = match (t.partitions, max_part) {
            (Some(n), Some(m)) if m > n => {
                unmapped.push(Item::new(
                    &t.file,
                    t.line,
                    name,
                    format!(
                        "partition {} is assigned but the topic has {n} partitions: {m} used",
                        m - 1
                    ),
                ));
                m
            }
            (Some(n), _) => n,
            (None, Some(m)) => m,
            (None, None) => {
                unmapped.push(Item::new(
                    &t.file,
                    t.line,
                    name,
                    "partition count unknown: PLACEHOLDER partitions = 1 written",
                ));
                1
            }
        };
        if !t.assignment.is_empty() && (t.assignment.len() as u32) < partitions {
            unmapped.push(Item::new(&t.file, t.line, name, format!("{} of {partitions} partitions have an assignment; the others take the same shape", t.assignment.len())));
        }
        let mut rf = t.replication_factor;
        let mut placement = None;
        // A topic's own placement, else (created without one, and no
        // assignment saying otherwise) the cluster default.
        let own = t.placement.as_ref().or(if t.assignment.is_empty() {
            facts.default_placement.as_ref()
        } else {
            None
        });
        if let Some((p, file, line)) = own {
            let mut ok = true;
            for (count, rack) in p.replicas.iter().chain(p.observers.iter()) {
                if !racks.contains(rack.as_str()) && !sites.contains(rack.as_str()) {
                    errors.push(Item::new(file, *line, "constraints.rack", format!("topic {name}: rack `{rack}` is not the broker.rack of any broker in the inputs")));
                    ok = false;
                    continue;
                }
                let have = brokers_in(built, rack);
                if *count as usize > have {
                    errors.push(Item::new(file, *line, "count", format!("topic {name}: {count} replicas asked of rack `{rack}`, which has {have} broker(s) in the inputs")));
                    ok = false;
                }
            }
            if ok {
                let sum: u32 = p.replicas.iter().map(|g| g.0).sum();
                if rf.is_some_and(|r| r != sum) {
                    unmapped.push(Item::new(file, *line, "replicas", format!("topic {name}: replication factor {} replaced by the placement's {sum} replicas", rf.unwrap_or(0))));
                }
                rf = Some(sum);
                placement = Some(Placement {
                    replicas: p
                        .replicas
                        .iter()
                        .map(|(c, r)| PlacementGroup {
                            count: *c,
                            rack: r.clone(),
                        })
                        .collect(),
                    observers: p
                        .observers
                        .iter()
                        .map(|(c, r)| PlacementGroup {
                            count: *c,
                            rack: r.clone(),
                        })
                        .collect(),
                    observer_promotion_policy: match p.observer_promotion_policy.as_deref() {
                        Some("under-min-isr") => Some(ObserverPromotionPolicy::UnderMinIsr),
                        Some("under-replicated") => Some(ObserverPromotionPolicy::UnderReplicated),
                        Some("leader-is-observer") => {
                            Some(ObserverPromotionPolicy::LeaderIsObserver)
                        }
                        _ => None,
                    },
                });
            }
        } else if !t.assignment.is_empty() {
            let (pl, r) = shape(name, t, built, unmapped);
            placement = pl;
            if rf.is_some_and(|x| x != r) {
                unmapped.push(Item::new(&t.file, t.line, name, format!("replication factor {} differs from the assignment's {r} replicas: {r} used", rf.unwrap_or(0))));
            }
            rf = Some(r);
        }
        let mut topic: Topic = match serde_json::from_value(
            serde_json::json!({ "name": name, "partitions": partitions }),
        ) {
            Ok(t) => t,
            Err(_) => continue,
        };
        topic.replication_factor = rf;
        topic.min_insync_replicas = t.min_insync_replicas;
        topic.placement = placement;
        topics.push(topic);
    }
    built.scenario.topic = topics;
}

/// Brokers whose rack is `rack`, or in the site named `rack`.
fn brokers_in(built: &Built, rack: &str) -> usize {
    let by_rack = built.broker_racks.iter().filter(|r| *r == rack).count();
    let by_site = built
        .scenario
        .site
        .iter()
        .find(|s| s.name == rack)
        .map_or(0, |s| s.brokers as usize);
    by_rack.max(by_site)
}

type Counts = BTreeMap<String, u32>;

/// The rack shape of an assignment: a placement (or none, for Kafka's rack-aware
/// placer) and the replication factor. See the module doc.
fn shape(
    name: &str,
    t: &TopicFacts,
    built: &Built,
    unmapped: &mut Vec<Item>,
) -> (Option<Placement>, u32) {
    // Site of each scenario broker.
    let mut site_of_broker = Vec::new();
    for s in &built.scenario.site {
        for _ in 0..s.brokers {
            site_of_broker.push(s.name.clone());
        }
    }
    let label = |scope: &Option<String>, id: &u32, by_site: bool| -> String {
        match built.broker_of.get(&(scope.clone(), *id)) {
            Some(&k) if by_site => site_of_broker.get(k).cloned().unwrap_or_default(),
            Some(&k) => built.broker_racks[k].clone(),
            None => String::new(),
        }
    };
    let counts = |scope: &Option<String>, ids: &[u32], by_site: bool| -> Counts {
        let mut m = Counts::new();
        for id in ids {
            *m.entry(label(scope, id, by_site)).or_default() += 1;
        }
        m
    };
    // (signature, partitions having it), in order of first appearance.
    let sigs = |by_site: bool| -> Vec<((Counts, Counts), Vec<u32>)> {
        let mut v: Vec<((Counts, Counts), Vec<u32>)> = Vec::new();
        for (p, (reps, obs, _, _, sc)) in &t.assignment {
            let sig = (counts(sc, reps, by_site), counts(sc, obs, by_site));
            match v.iter_mut().find(|s| s.0 == sig) {
                Some(s) => s.1.push(*p),
                None => v.push((sig, vec![*p])),
            }
        }
        v
    };
    let all_racks: BTreeSet<&str> = built.broker_racks.iter().map(String::as_str).collect();
    let rack_sigs = sigs(false);
    let rf = t.assignment.values().next().map_or(1, |a| a.0.len() as u32);
    let nparts = t.assignment.len();
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut leaders: Counts = Counts::new();
    let mut leader_sites: Counts = Counts::new();
    for (reps, _, _, _, sc) in t.assignment.values() {
        used.extend(reps.iter().map(|id| label(sc, id, false)));
        *leaders.entry(label(sc, &reps[0], false)).or_default() += 1;
        *leader_sites.entry(label(sc, &reps[0], true)).or_default() += 1;
    }
    // What Kafka's rack-aware placer makes: each partition over min(#racks, RF)
    // racks as evenly as possible, leaders rotating over the racks, every rack used.
    let even = rack_sigs.iter().all(|((r, o), _)| {
        let n: u32 = r.values().sum();
        o.is_empty()
            && n == rf
            && r.len() == all_racks.len().min(rf as usize)
            && r.values().max().copied().unwrap_or(0) - r.values().min().copied().unwrap_or(0) <= 1
    });
    let spread = leaders.len() >= used.len().min(nparts);
    let covers = used.len() == all_racks.len() || nparts * (rf as usize) < all_racks.len();
    if even && spread && covers {
        unmapped.push(Item::new(&t.file, t.line, name, format!("assignment by broker id not kept: every partition spreads its {rf} replicas evenly over the racks with leaders rotating, which is what Kafka's rack-aware placer (ktopo's default) does")));
        return (None, rf);
    }
    // Explicit groups: by rack when every partition has the same rack shape, else
    // by site when that is uniform, else the most common rack shape.
    let site_sigs = sigs(true);
    let (chosen, by_site) = if rack_sigs.len() > 1 && site_sigs.len() == 1 {
        (site_sigs, true)
    } else {
        (rack_sigs, false)
    };
    let best = chosen
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.1.len().cmp(&b.1.1.len()).then(b.0.cmp(&a.0)))
        .map(|(i, _)| i)
        .unwrap_or(0);
    let ((reps, obs), _) = chosen[best].clone();
    let kept = describe_shape(&(reps.clone(), obs.clone()));
    for (i, (_, parts)) in chosen.iter().enumerate() {
        if i != best {
            let first = &t.assignment[&parts[0]];
            unmapped.push(Item::new(&first.2, first.3, name, format!("{} partition(s) (e.g. {name}-{}) have another rack shape than the {kept} kept; modelled with the kept shape", parts.len(), parts[0])));
        }
    }
    let leader_counts = if by_site { &leader_sites } else { &leaders };
    let lead = leader_counts
        .iter()
        .filter(|(r, _)| reps.contains_key(*r))
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(r, _)| r.clone())
        .or_else(|| reps.keys().next().cloned())
        .unwrap_or_default();
    let moved: u32 = leader_counts
        .iter()
        .filter(|(r, _)| **r != lead)
        .map(|(_, n)| n)
        .sum();
    if moved > 0 {
        unmapped.push(Item::new(&t.file, t.line, name, format!("{moved} partition(s) lead from another {} than `{lead}`; ktopo's explicit placement puts every preferred leader in `{lead}`", if by_site { "site" } else { "rack" })));
    }
    unmapped.push(Item::new(
        &t.file,
        t.line,
        name,
        format!(
            "assignment by broker id not kept: placed by {} groups {kept}",
            if by_site { "site" } else { "rack" }
        ),
    ));
    let rf: u32 = reps.values().sum();
    let mut groups = vec![PlacementGroup {
        count: reps[&lead],
        rack: lead.clone(),
    }];
    groups.extend(
        reps.iter()
            .filter(|(r, _)| **r != lead)
            .map(|(r, c)| PlacementGroup {
                count: *c,
                rack: r.clone(),
            }),
    );
    let observers = obs
        .iter()
        .map(|(r, c)| PlacementGroup {
            count: *c,
            rack: r.clone(),
        })
        .collect();
    (
        Some(Placement {
            replicas: groups,
            observers,
            observer_promotion_policy: None,
        }),
        rf,
    )
}

fn describe_shape((r, o): &(Counts, Counts)) -> String {
    let f = |m: &BTreeMap<String, u32>| {
        m.iter()
            .map(|(k, v)| format!("{v}×{k}"))
            .collect::<Vec<_>>()
            .join(" + ")
    };
    if o.is_empty() {
        format!("[{}]", f(r))
    } else {
        format!("[{}; observers {}]", f(r), f(o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_fields_tabs_and_spaces() {
        let l = "\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 1,2,3\tIsr: 1,2\tElr: \tLastKnownElr: ";
        let f = fields(l);
        assert!(f.contains(&("Replicas".into(), "1,2,3".into())));
        assert!(f.contains(&("Isr".into(), "1,2".into())));
        let l = "Topic: orders TopicId: x PartitionCount: 3 ReplicationFactor: 3 Configs: min.insync.replicas=2,a={\"b\":[1,2]}";
        let f = fields(l);
        assert!(f.contains(&("PartitionCount".into(), "3".into())));
        assert!(f.contains(&("Topic".into(), "orders".into())));
        let g = fields(
            "Topic: t Partition: 0 Leader: 1 Replicas: 1,2 Isr: 1 Adding Replicas: 3 Removing Replicas: ",
        );
        assert!(g.contains(&("Replicas".into(), "1,2".into())));
        assert!(g.contains(&("Adding Replicas".into(), "3".into())));
        assert_eq!(g.iter().filter(|x| x.0 == "Replicas").count(), 1);
        let c = split_configs(&f.iter().find(|x| x.0 == "Configs").unwrap().1);
        assert_eq!(
            c,
            vec![
                ("min.insync.replicas".into(), "2".into()),
                ("a".into(), "{\"b\":[1,2]}".into())
            ]
        );
    }

    #[test]
    fn shell_words_quotes() {
        assert_eq!(
            shell_words("a 'b c' \"d\\\"e\" f\\ g # x"),
            vec!["a", "b c", "d\"e", "f g"]
        );
    }
}
