//! The scenario schema as data, and the walk that checks a parsed TOML document
//! against it before serde sees it.
//!
//! serde stops at the first problem; this walk does not. It reports every unknown
//! key (with a "did you mean" suggestion), every value of the wrong type and every
//! missing required key, each at its byte offset in the file. It also returns a
//! *repaired* copy of the document (bad values removed, missing required keys
//! filled with placeholders) so that serde and the semantic checks of
//! `validate.rs` can still run and report their own problems in the same pass.
//! Semantic problems at keys the walk already reported, or inside an element
//! whose required key had to be invented, are suppressed (see [`Walk::suppressed`]).
//!
//! [`ROOT`] is the one list of known keys. Unit tests below compare it with
//! `model.rs` through serde, in both directions, so the two cannot drift apart.

use std::borrow::Cow;

use toml::Spanned;
use toml::de::{DeArray, DeFloat, DeInteger, DeTable, DeValue};

/// Expected type of a value.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ty {
    Str,
    Bool,
    /// An integer in `min..=max`.
    Int {
        min: i128,
        max: i128,
    },
    /// A float, or an integer (TOML `80` is accepted where `80.0` is).
    Float,
    /// One of the strings in `values` (shown in messages) or `aliases` (accepted too).
    Enum {
        values: &'static [&'static str],
        aliases: &'static [&'static str],
    },
    /// Exactly two strings, e.g. `between = ["dc1", "dc2"]`.
    Pair,
    /// An array of strings.
    StrList,
    /// An array of scalars: numbers, strings or booleans (`[[sweep.parameter]] values`).
    Scalars,
    /// A table, e.g. `[broker]` or `placement = { ... }`.
    Table(&'static TableSchema),
    /// An array of tables, e.g. `[[site]]`.
    Tables(&'static TableSchema),
}

#[derive(Debug)]
pub(crate) struct Field {
    pub key: &'static str,
    pub ty: Ty,
    pub required: bool,
}

#[derive(Debug)]
pub(crate) struct TableSchema {
    /// How the table is written in a file, for messages: `[[site]]`, `[broker]`.
    pub header: &'static str,
    pub fields: &'static [Field],
}

impl TableSchema {
    fn field(&self, key: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.key == key)
    }
}

const U32: Ty = Ty::Int {
    min: 0,
    max: u32::MAX as i128,
};
const U64: Ty = Ty::Int {
    min: 0,
    max: u64::MAX as i128,
};
const I64: Ty = Ty::Int {
    min: i64::MIN as i128,
    max: i64::MAX as i128,
};
const F64: Ty = Ty::Float;
const STR: Ty = Ty::Str;
const BOOL: Ty = Ty::Bool;

const fn req(key: &'static str, ty: Ty) -> Field {
    Field {
        key,
        ty,
        required: true,
    }
}
const fn opt(key: &'static str, ty: Ty) -> Field {
    Field {
        key,
        ty,
        required: false,
    }
}

pub(crate) const ACKS: Ty = Ty::Enum {
    values: &["0", "1", "all"],
    aliases: &["-1"],
};
pub(crate) const FAULT_KIND: Ty = Ty::Enum {
    values: &[
        "site-down",
        "broker-down",
        "link-partition",
        "link-degrade",
        "corruption",
        "topic-deletion",
    ],
    aliases: &[],
};
pub(crate) const DESIGN_KIND: Ty = Ty::Enum {
    values: &["stretched", "async"],
    aliases: &[],
};
pub(crate) const TOOL: Ty = Ty::Enum {
    values: &[
        "mirrormaker2",
        "cluster-linking",
        "replicator",
        "ureplicator",
    ],
    aliases: &[],
};
pub(crate) const DESIGN_TOPOLOGY: Ty = Ty::Enum {
    values: &[
        "active-passive",
        "active-active",
        "fan-in",
        "hub-and-spoke",
        "mesh",
    ],
    aliases: &[],
};
pub(crate) const POLICY: Ty = Ty::Enum {
    values: &["DefaultReplicationPolicy", "IdentityReplicationPolicy"],
    aliases: &[
        "org.apache.kafka.connect.mirror.DefaultReplicationPolicy",
        "org.apache.kafka.connect.mirror.IdentityReplicationPolicy",
    ],
};
pub(crate) const COMPRESSION: Ty = Ty::Enum {
    values: &["none", "gzip", "snappy", "lz4", "zstd"],
    aliases: &[],
};
pub(crate) const LOAD_PROFILE: Ty = Ty::Enum {
    values: &["constant", "daily", "bursts", "trace"],
    aliases: &[],
};
pub(crate) const CLIENT_FAILOVER: Ty = Ty::Enum {
    values: &["fail-over", "stay-down"],
    aliases: &[],
};
pub(crate) const AUTO_OFFSET_RESET: Ty = Ty::Enum {
    values: &["latest", "earliest"],
    aliases: &[],
};
pub(crate) const KAFKA_VERSION: Ty = Ty::Enum {
    values: &["3.6", "3.7", "3.8", "3.9", "4.0", "4.1"],
    aliases: &[],
};
pub(crate) const FIDELITY: Ty = Ty::Enum {
    values: &["request", "flow"],
    aliases: &[],
};

pub(crate) static SITE: TableSchema = TableSchema {
    header: "[[site]]",
    fields: &[
        req("name", STR),
        opt("racks", Ty::StrList),
        opt("brokers", U32),
        opt("controllers", U32),
        opt("lan_rtt_ms", F64),
    ],
};

pub(crate) static LINK: TableSchema = TableSchema {
    header: "[[link]]",
    fields: &[
        req("between", Ty::Pair),
        req("rtt_ms", F64),
        opt("jitter_ms", F64),
        opt("bandwidth_mbps", F64),
        opt("loss_pct", F64),
        opt("background_mbps", F64),
        opt("reserved_replication_pct", F64),
        opt("transfer_usd_per_gb", F64),
    ],
};

pub(crate) static BROKER: TableSchema = TableSchema {
    header: "[broker]",
    fields: &[
        opt("replica.lag.time.max.ms", U64),
        opt("replica.fetch.wait.max.ms", U64),
        opt("replica.fetch.min.bytes", U64),
        opt("replica.fetch.max.bytes", U64),
        opt("replica.fetch.response.max.bytes", U64),
        opt("replica.socket.receive.buffer.bytes", I64),
        opt("replica.socket.timeout.ms", U64),
        opt("replica.fetch.backoff.ms", U64),
        opt("num.replica.fetchers", U32),
        opt("socket.receive.buffer.bytes", I64),
        opt("broker.heartbeat.interval.ms", U64),
        opt("broker.session.timeout.ms", U64),
        opt("unclean.leader.election.enable", BOOL),
        opt("min.insync.replicas", U32),
        opt("default.replication.factor", U32),
        opt("replica.selector.class", STR),
        opt("auto.leader.rebalance.enable", BOOL),
        opt("leader.imbalance.check.interval.seconds", U64),
        opt("leader.imbalance.per.broker.percentage", U32),
    ],
};

pub(crate) static CONTROLLER: TableSchema = TableSchema {
    header: "[controller]",
    fields: &[
        opt("controller.quorum.election.timeout.ms", U64),
        opt("controller.quorum.fetch.timeout.ms", U64),
        opt("controller.quorum.append.linger.ms", U64),
    ],
};

pub(crate) static PLACEMENT_GROUP: TableSchema = TableSchema {
    header: "placement group",
    fields: &[req("count", U32), req("rack", STR)],
};

pub(crate) static PLACEMENT: TableSchema = TableSchema {
    header: "placement",
    fields: &[
        opt("replicas", Ty::Tables(&PLACEMENT_GROUP)),
        opt("observers", Ty::Tables(&PLACEMENT_GROUP)),
    ],
};

pub(crate) static TOPIC: TableSchema = TableSchema {
    header: "[[topic]]",
    fields: &[
        req("name", STR),
        req("partitions", U32),
        opt("replication.factor", U32),
        opt("min.insync.replicas", U32),
        opt("placement", Ty::Table(&PLACEMENT)),
        opt("retention.ms", I64),
        opt("retention.bytes", I64),
        opt("created_at_s", F64),
    ],
};

pub(crate) static PRODUCER: TableSchema = TableSchema {
    header: "[[producer]]",
    fields: &[
        req("site", STR),
        req("topic", STR),
        req("rate_mb_s", F64),
        opt("record_size_bytes", U32),
        opt("acks", ACKS),
        opt("linger.ms", U64),
        opt("batch.size", U64),
        opt("max.in.flight.requests.per.connection", U32),
        opt("request.timeout.ms", U64),
        opt("delivery.timeout.ms", U64),
        opt("send.buffer.bytes", I64),
    ],
};

pub(crate) static CONSUMER: TableSchema = TableSchema {
    header: "[[consumer]]",
    fields: &[
        req("site", STR),
        req("topic", STR),
        opt("client.rack", STR),
        opt("fetch.max.wait.ms", U64),
        opt("auto.offset.reset", AUTO_OFFSET_RESET),
    ],
};

pub(crate) static FAULT: TableSchema = TableSchema {
    header: "[[fault]]",
    fields: &[
        req("kind", FAULT_KIND),
        req("at_s", F64),
        opt("duration_s", F64),
        opt("site", STR),
        opt("broker", U32),
        opt("between", Ty::Pair),
        opt("rtt_ms", F64),
        opt("bandwidth_mbps", F64),
        opt("loss_pct", F64),
        opt("jitter_ms", F64),
        opt("topic", STR),
    ],
};

pub(crate) static DESIGN: TableSchema = TableSchema {
    header: "[[design]]",
    fields: &[
        req("name", STR),
        opt("kind", DESIGN_KIND),
        opt("tool", TOOL),
        opt("topology", DESIGN_TOPOLOGY),
        opt("clusters", Ty::StrList),
        opt("primary", STR),
        opt("hub", STR),
        opt("copier_site", STR),
        opt("topics", Ty::StrList),
        opt("replication.policy.class", POLICY),
        opt("replication.policy.separator", STR),
        opt("replication.factor", U32),
        opt("tasks.max", U32),
        opt("consumer.fetch.max.wait.ms", U64),
        opt("consumer.max.partition.fetch.bytes", U64),
        opt("consumer.fetch.max.bytes", U64),
        opt("consumer.receive.buffer.bytes", I64),
        opt("producer.compression.type", COMPRESSION),
        opt("compression_ratio", F64),
        opt("producer.max.in.flight.requests.per.connection", U32),
        opt("producer.batch.size", U64),
        opt("producer.send.buffer.bytes", I64),
        opt("offset.lag.max", U64),
        opt("offset.flush.interval.ms", U64),
        opt("emit.checkpoints.interval.seconds", U64),
        opt("sync.group.offsets.enabled", BOOL),
        opt("sync.group.offsets.interval.seconds", U64),
        opt("consumer.offset.sync.ms", U64),
        opt("cluster.link.prefix", STR),
        opt("refresh.topics.interval.seconds", U64),
        opt("topic.poll.interval.ms", U64),
        opt("topic.rename.format", STR),
        opt("provenance.header.enable", BOOL),
        opt("offset.translator.batch.period.ms", U64),
    ],
};

pub(crate) static SWEEP_PARAMETER: TableSchema = TableSchema {
    header: "[[sweep.parameter]]",
    fields: &[
        req("key", STR),
        opt("values", Ty::Scalars),
        opt("from", F64),
        opt("to", F64),
        opt("step", F64),
    ],
};

pub(crate) static SWEEP: TableSchema = TableSchema {
    header: "[sweep]",
    fields: &[
        opt("seeds", U32),
        opt("parameter", Ty::Tables(&SWEEP_PARAMETER)),
    ],
};

pub(crate) static LOAD: TableSchema = TableSchema {
    header: "[load]",
    fields: &[
        opt("profile", LOAD_PROFILE),
        opt("peak_factor", F64),
        opt("period_s", F64),
        opt("peak_at_s", F64),
        opt("burst_every_s", F64),
        opt("burst_duration_s", F64),
        opt("burst_factor", F64),
        opt("trace_file", STR),
    ],
};

pub(crate) static FAILOVER: TableSchema = TableSchema {
    header: "[failover]",
    fields: &[
        opt("detection_s", F64),
        opt("decision_s", F64),
        opt("dns_ttl_s", F64),
        opt("client_restart_s", F64),
        opt("clients", CLIENT_FAILOVER),
        opt("to_site", STR),
    ],
};

pub(crate) static BACKUP: TableSchema = TableSchema {
    header: "[backup]",
    fields: &[req("interval_s", F64)],
};

pub(crate) static OBJECTIVES: TableSchema = TableSchema {
    header: "[objectives]",
    fields: &[
        opt("rpo_s", F64),
        opt("rto_s", F64),
        opt("produce_p99_ms", F64),
        opt("write_availability_pct", F64),
        opt("cost_usd_month", F64),
        opt("replication_lag_s", F64),
        opt("catch_up_s", F64),
    ],
};

pub(crate) static COST: TableSchema = TableSchema {
    header: "[cost]",
    fields: &[
        opt("broker_usd_per_hour", F64),
        opt("storage_usd_per_gb_month", F64),
        opt("copier_worker_usd_per_hour", F64),
    ],
};

pub(crate) static MODEL: TableSchema = TableSchema {
    header: "[model]",
    fields: &[
        opt("fidelity", FIDELITY),
        opt("kafka_version", KAFKA_VERSION),
        opt("produce_processing_ms", F64),
        opt("fetch_processing_ms", F64),
        opt("max_events", U64),
        opt("timeline_interval_s", F64),
        opt("flow_step_ms", F64),
        opt("flow_probe_interval_ms", F64),
        opt("tcp_mss_bytes", U32),
        opt("tcp_autotune_max_bytes", U64),
    ],
};

/// The top level of a scenario file: every known key of every table hangs from here.
pub(crate) static ROOT: TableSchema = TableSchema {
    header: "the top level",
    fields: &[
        req("name", STR),
        opt("description", STR),
        opt("seed", U64),
        opt("duration_s", F64),
        opt("site", Ty::Tables(&SITE)),
        opt("link", Ty::Tables(&LINK)),
        opt("broker", Ty::Table(&BROKER)),
        opt("controller", Ty::Table(&CONTROLLER)),
        opt("topic", Ty::Tables(&TOPIC)),
        opt("producer", Ty::Tables(&PRODUCER)),
        opt("consumer", Ty::Tables(&CONSUMER)),
        opt("fault", Ty::Tables(&FAULT)),
        opt("model", Ty::Table(&MODEL)),
        opt("design", Ty::Tables(&DESIGN)),
        opt("load", Ty::Table(&LOAD)),
        opt("failover", Ty::Table(&FAILOVER)),
        opt("backup", Ty::Table(&BACKUP)),
        opt("cost", Ty::Table(&COST)),
        opt("objectives", Ty::Table(&OBJECTIVES)),
        opt("sweep", Ty::Table(&SWEEP)),
        opt("plan", Ty::Table(&PLAN)),
    ],
};

pub(crate) static PLAN: TableSchema = TableSchema {
    header: "[plan]",
    fields: &[
        opt("families", Ty::StrList),
        opt("tools", Ty::StrList),
        opt("topologies", Ty::StrList),
        opt("faults", PLAN_FAULTS),
        opt("fault_at_s", F64),
        opt("outage_s", F64),
        opt("recovery_s", F64),
    ],
};

pub(crate) const PLAN_FAULTS: Ty = Ty::Enum {
    values: &["standard", "file"],
    aliases: &[],
};

/// Every table schema, for "this key belongs elsewhere" hints.
static ALL: [&TableSchema; 21] = [
    &ROOT,
    &SITE,
    &LINK,
    &BROKER,
    &CONTROLLER,
    &TOPIC,
    &PLACEMENT,
    &PLACEMENT_GROUP,
    &PRODUCER,
    &CONSUMER,
    &FAULT,
    &MODEL,
    &DESIGN,
    &LOAD,
    &FAILOVER,
    &BACKUP,
    &COST,
    &OBJECTIVES,
    &SWEEP,
    &SWEEP_PARAMETER,
    &PLAN,
];

/// One problem found by the walk, located by byte offset.
#[derive(Debug)]
pub(crate) struct Found {
    pub offset: usize,
    pub key: String,
    pub message: String,
    pub help: Option<String>,
}

/// The walk over a document: problems found, and key paths under which
/// semantic problems are not worth reporting.
pub(crate) struct Walk<'t> {
    text: &'t str,
    pub found: Vec<Found>,
    /// Keys reported, and elements with an invented required key: semantic
    /// problems at or inside them are not reported.
    suppress: Vec<String>,
    /// Keys whose value was dropped or invented: semantic problems about a
    /// collection holding them (`site`, `link`) are not reported either.
    patched: Vec<String>,
}

impl<'t> Walk<'t> {
    pub fn new(text: &'t str) -> Self {
        Walk {
            text,
            found: Vec::new(),
            suppress: Vec::new(),
            patched: Vec::new(),
        }
    }

    /// Check the whole document; return the repaired document.
    pub fn root(&mut self, doc: &Spanned<DeTable<'t>>) -> Spanned<DeTable<'t>> {
        let t = self.table(doc.get_ref(), doc.span().start, &ROOT, "");
        Spanned::new(doc.span(), t)
    }

    /// True when a semantic problem at `key` may follow from a problem already
    /// reported: same key or a key inside it, an element whose required key was
    /// invented, or a collection holding a value that was dropped or invented.
    pub fn suppressed(&self, key: &str) -> bool {
        self.suppress.iter().any(|p| is_within(key, p))
            || self.patched.iter().any(|p| is_within(p, key))
    }

    fn report(&mut self, offset: usize, key: &str, message: String, help: Option<String>) {
        self.suppress.push(key.to_string());
        self.found.push(Found {
            offset,
            key: key.to_string(),
            message,
            help,
        });
    }

    fn table(
        &mut self,
        t: &DeTable<'t>,
        header: usize,
        schema: &'static TableSchema,
        path: &str,
    ) -> DeTable<'t> {
        let mut out = DeTable::new();
        // Known keys taken care of: present (valid or not), or claimed by a misspelling.
        let mut covered: Vec<&'static str> = Vec::new();
        // A required key was invented whose placeholder could cause false alarms.
        let mut invented = false;
        let mut unknown = Vec::new();
        for (k, v) in t.iter() {
            let Some(f) = schema.field(k.get_ref()) else {
                unknown.push((k, v));
                continue;
            };
            covered.push(f.key);
            let kp = join(path, f.key);
            match self.value(v, f.ty, &kp) {
                Some(rv) => {
                    out.insert(k.clone(), rv);
                }
                None if f.required => {
                    out.insert(k.clone(), placeholder(f.ty, v.span()));
                    self.patched.push(kp);
                    invented |= identifies(f.ty);
                }
                None => self.patched.push(kp),
            }
        }
        for (k, v) in unknown {
            let name: &str = k.get_ref();
            let kp = join(path, name);
            // `replica.lag.time.max.ms = 1` without quotes is a nested table in TOML.
            if let DeValue::Table(sub) = v.get_ref() {
                let mut leaves = Vec::new();
                dotted_leaves(sub, name.to_string(), &mut leaves, 0);
                let dotted = leaves
                    .iter()
                    .any(|(full, _, _)| schema.field(full).is_some())
                    || (leaves.len() <= 8
                        && leaves.iter().all(|(_, ks, _)| {
                            self.line_start(ks.start) == self.line_start(k.span().start)
                        }));
                if dotted {
                    for (full, key_span, leaf) in leaves {
                        let at = self.line_start(key_span.start);
                        let fp = join(path, &full);
                        match schema.field(&full) {
                            Some(f) if !covered.contains(&f.key) => {
                                covered.push(f.key);
                                self.report(
                                    at,
                                    &fp,
                                    format!("`{full}` is written without quotes, so TOML reads it as nested tables"),
                                    Some(format!("quote Kafka property names: `\"{full}\" = ...`")),
                                );
                                if let Some(rv) = self.value_silent(leaf, f.ty) {
                                    out.insert(Spanned::new(key_span, Cow::Borrowed(f.key)), rv);
                                } else {
                                    self.patched.push(fp.clone());
                                    if f.required {
                                        out.insert(
                                            Spanned::new(key_span, Cow::Borrowed(f.key)),
                                            placeholder(f.ty, leaf.span()),
                                        );
                                        invented |= identifies(f.ty);
                                    }
                                }
                            }
                            _ => {
                                self.unknown(at, &fp, &full, schema);
                            }
                        }
                    }
                    continue;
                }
            }
            let sugg = self.unknown(k.span().start, &kp, name, schema);
            if let Some(f) = sugg.and_then(|s| schema.field(s))
                && !covered.contains(&f.key)
                && f.required
            {
                // A misspelled required key: take its value as meant, don't also
                // report the key as missing.
                covered.push(f.key);
                match self.value_silent(v, f.ty) {
                    Some(rv) => {
                        out.insert(Spanned::new(k.span(), Cow::Borrowed(f.key)), rv);
                    }
                    None => {
                        out.insert(
                            Spanned::new(k.span(), Cow::Borrowed(f.key)),
                            placeholder(f.ty, v.span()),
                        );
                        self.patched.push(join(path, f.key));
                        invented |= identifies(f.ty);
                    }
                }
            }
        }
        for f in schema.fields {
            if f.required && !covered.contains(&f.key) {
                let kp = join(path, f.key);
                self.report(
                    header,
                    &kp,
                    format!("missing required key `{}` in {}", f.key, schema.header),
                    Some(format!("add `{} = {}`", quote_key(f.key), example(f.ty))),
                );
                out.insert(
                    Spanned::new(header..header, Cow::Borrowed(f.key)),
                    placeholder(f.ty, header..header),
                );
                self.patched.push(kp);
                invented |= identifies(f.ty);
            }
        }
        if invented && !path.is_empty() {
            self.suppress.push(path.to_string());
        }
        out
    }

    /// Report an unknown key; return the suggested known key, if any.
    fn unknown(
        &mut self,
        at: usize,
        kp: &str,
        name: &str,
        schema: &'static TableSchema,
    ) -> Option<&'static str> {
        let sugg = suggest(name, schema.fields.iter().map(|f| f.key));
        let help = match sugg {
            Some(s) => Some(format!("did you mean `{s}`?")),
            None => {
                let elsewhere: Vec<&str> = ALL
                    .iter()
                    .filter(|s| !std::ptr::eq(**s, schema) && s.field(name).is_some())
                    .map(|s| s.header)
                    .fold(Vec::new(), |mut v, h| {
                        if !v.contains(&h) {
                            v.push(h);
                        }
                        v
                    });
                if elsewhere.is_empty() && schema.fields.len() > 8 {
                    Some(format!(
                        "docs/scenario.md lists the keys of {}; other Kafka settings are not modelled",
                        schema.header
                    ))
                } else if elsewhere.is_empty() {
                    let keys: Vec<&str> = schema.fields.iter().map(|f| f.key).collect();
                    Some(format!("known keys here: {}", keys.join(", ")))
                } else {
                    Some(format!(
                        "`{name}` is a key of {}, not of {}",
                        elsewhere.join(" and "),
                        schema.header
                    ))
                }
            }
        };
        self.report(
            at,
            kp,
            format!("unknown key `{name}` in {}", schema.header),
            help,
        );
        sugg
    }

    /// Check `v` against `ty` without reporting anything.
    fn value_silent(&mut self, v: &Spanned<DeValue<'t>>, ty: Ty) -> Option<Spanned<DeValue<'t>>> {
        let found = std::mem::take(&mut self.found);
        let (suppress, patched) = (self.suppress.len(), self.patched.len());
        let r = self.value(v, ty, "");
        let clean = self.found.is_empty();
        self.found = found;
        self.suppress.truncate(suppress);
        self.patched.truncate(patched);
        if clean { r } else { None }
    }

    /// Check one value; return it (repaired) or `None` after reporting why not.
    fn value(
        &mut self,
        v: &Spanned<DeValue<'t>>,
        ty: Ty,
        kp: &str,
    ) -> Option<Spanned<DeValue<'t>>> {
        let at = v.span().start;
        match (ty, v.get_ref()) {
            (Ty::Str, DeValue::String(_)) | (Ty::Bool, DeValue::Boolean(_)) => Some(v.clone()),
            (Ty::Int { min, max }, DeValue::Integer(i)) => match int_value(i) {
                Some(n) if n >= min && n <= max => Some(v.clone()),
                _ => {
                    let msg = if min == 0 && int_value(i).is_some_and(|n| n < 0) {
                        format!(
                            "{} is negative: expected a whole number from 0 to {max}",
                            show_int(i)
                        )
                    } else {
                        format!(
                            "{} is out of range: expected a whole number from {min} to {max}",
                            show_int(i)
                        )
                    };
                    self.report(at, kp, msg, None);
                    None
                }
            },
            (Ty::Float, DeValue::Float(f)) => match float_value(f) {
                Some(_) => Some(v.clone()),
                None => {
                    self.report(
                        at,
                        kp,
                        format!("{} is too large for a number", f.as_str()),
                        None,
                    );
                    None
                }
            },
            (Ty::Float, DeValue::Integer(i)) => match int_value(i) {
                Some(n) if n >= i64::MIN as i128 && n <= u64::MAX as i128 => Some(v.clone()),
                _ => {
                    self.report(
                        at,
                        kp,
                        format!("{} is too large for a number", show_int(i)),
                        None,
                    );
                    None
                }
            },
            (Ty::Enum { values, aliases }, DeValue::String(s))
                if values.contains(&s.as_ref()) || aliases.contains(&s.as_ref()) =>
            {
                Some(v.clone())
            }
            (Ty::Enum { values, .. }, other) => {
                let list = values
                    .iter()
                    .map(|v| format!("\"{v}\""))
                    .collect::<Vec<_>>()
                    .join(", ");
                let (msg, help) = match other {
                    DeValue::String(s) => (
                        format!("unknown value \"{s}\": expected one of {list}"),
                        suggest(s, values.iter().copied())
                            .map(|s| format!("did you mean \"{s}\"?")),
                    ),
                    DeValue::Integer(_) | DeValue::Float(_) | DeValue::Boolean(_) => {
                        let raw = self.text.get(v.span()).unwrap_or("").trim();
                        let help = (values.contains(&raw) || raw == "-1")
                            .then(|| format!("write it as a string: `\"{raw}\"`"));
                        (
                            format!(
                                "expected one of {list} (a string), found {}",
                                describe(other)
                            ),
                            help,
                        )
                    }
                    _ => (
                        format!(
                            "expected one of {list} (a string), found {}",
                            describe(other)
                        ),
                        None,
                    ),
                };
                self.report(at, kp, msg, help);
                None
            }
            (Ty::Pair, DeValue::Array(a)) => {
                let mut ok = true;
                for (j, e) in a.iter().enumerate() {
                    if !matches!(e.get_ref(), DeValue::String(_)) {
                        self.report(
                            e.span().start,
                            &format!("{kp}[{j}]"),
                            format!(
                                "expected a site name (a string), found {}",
                                describe(e.get_ref())
                            ),
                            None,
                        );
                        ok = false;
                    }
                }
                if a.len() != 2 {
                    self.report(
                        at,
                        kp,
                        format!("expected two site names, found {} values", a.len()),
                        Some(format!("write `{} = [\"dc1\", \"dc2\"]`", last_segment(kp))),
                    );
                    ok = false;
                }
                ok.then(|| v.clone())
            }
            (Ty::Scalars, DeValue::Array(a)) => {
                let mut ok = true;
                for (j, e) in a.iter().enumerate() {
                    let fits = match e.get_ref() {
                        DeValue::String(_) | DeValue::Boolean(_) => true,
                        DeValue::Integer(i) => int_value(i)
                            .is_some_and(|n| n >= i64::MIN as i128 && n <= i64::MAX as i128),
                        DeValue::Float(f) => float_value(f).is_some(),
                        _ => false,
                    };
                    if !fits {
                        self.report(
                            e.span().start,
                            &format!("{kp}[{j}]"),
                            format!(
                                "expected a number, a string or a boolean, found {}",
                                describe(e.get_ref())
                            ),
                            None,
                        );
                        ok = false;
                    }
                }
                ok.then(|| v.clone())
            }
            (Ty::StrList, DeValue::Array(a)) => {
                let mut ok = true;
                for (j, e) in a.iter().enumerate() {
                    if !matches!(e.get_ref(), DeValue::String(_)) {
                        self.report(
                            e.span().start,
                            &format!("{kp}[{j}]"),
                            format!("expected a string, found {}", describe(e.get_ref())),
                            None,
                        );
                        ok = false;
                    }
                }
                ok.then(|| v.clone())
            }
            (Ty::Table(s), DeValue::Table(t)) => Some(Spanned::new(
                v.span(),
                DeValue::Table(self.table(t, at, s, kp)),
            )),
            (Ty::Tables(s), DeValue::Array(a)) => {
                let mut out = DeArray::new();
                for (j, e) in a.iter().enumerate() {
                    let ep = format!("{kp}[{j}]");
                    match e.get_ref() {
                        DeValue::Table(t) => {
                            let rt = self.table(t, e.span().start, s, &ep);
                            out.push(Spanned::new(e.span(), DeValue::Table(rt)));
                        }
                        other => {
                            self.report(
                                e.span().start,
                                &ep,
                                format!("expected a table, found {}", describe(other)),
                                Some(format!("write each element as `{}`", s.header)),
                            );
                            // Keep indices stable for the semantic checks' key paths.
                            out.push(placeholder(Ty::Table(s), e.span()));
                            self.suppress.push(ep.clone());
                            self.patched.push(ep);
                        }
                    }
                }
                Some(Spanned::new(v.span(), DeValue::Array(out)))
            }
            (ty, other) => {
                let help = match (ty, other) {
                    (Ty::Tables(s), DeValue::Table(_)) => {
                        Some(format!("write it as an array of tables: `{}`", s.header))
                    }
                    (Ty::Float | Ty::Int { .. }, DeValue::String(s))
                        if s.trim().parse::<f64>().is_ok() =>
                    {
                        Some(format!("remove the quotes: `{}`", s.trim()))
                    }
                    (Ty::Bool, DeValue::String(s))
                        if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") =>
                    {
                        Some(format!("remove the quotes: `{}`", s.to_ascii_lowercase()))
                    }
                    (Ty::Int { .. }, DeValue::Float(_)) => {
                        Some("this key takes a whole number".to_string())
                    }
                    _ => None,
                };
                self.report(
                    at,
                    kp,
                    format!("expected {}, found {}", expected(ty), describe(other)),
                    help,
                );
                None
            }
        }
    }

    /// Offset of the first non-blank character of the line holding `offset`.
    fn line_start(&self, offset: usize) -> usize {
        let bytes = self.text.as_bytes();
        let offset = offset.min(bytes.len());
        let mut s = bytes[..offset]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        while s < offset && (bytes[s] == b' ' || bytes[s] == b'\t') {
            s += 1;
        }
        s
    }
}

/// `a.b.c = v` read as nested tables: every (dotted name, span of the last key, value).
fn dotted_leaves<'a, 't>(
    t: &'a DeTable<'t>,
    prefix: String,
    out: &mut Vec<(String, std::ops::Range<usize>, &'a Spanned<DeValue<'t>>)>,
    depth: usize,
) {
    for (k, v) in t.iter() {
        let full = format!("{prefix}.{}", k.get_ref());
        match v.get_ref() {
            DeValue::Table(sub) if depth < 16 => dotted_leaves(sub, full, out, depth + 1),
            _ => out.push((full, k.span(), v)),
        }
    }
}

fn int_value(i: &DeInteger<'_>) -> Option<i128> {
    i128::from_str_radix(i.as_str(), i.radix()).ok()
}

fn show_int(i: &DeInteger<'_>) -> String {
    let s = i.to_string();
    if s.len() > 40 {
        format!("{}…", &s[..40])
    } else {
        s
    }
}

/// The value toml itself would give a float (an overflow to infinity is refused).
fn float_value(f: &DeFloat<'_>) -> Option<f64> {
    let v: f64 = f.as_str().parse().ok()?;
    if v.is_infinite() && !f.as_str().contains("inf") {
        None
    } else {
        Some(v)
    }
}

/// Whether inventing a value of this type for a required key can make other
/// checks of the same element misfire (a name, a kind, a pair of sites): then the
/// element's semantic problems are not reported. A number placeholder is benign.
fn identifies(ty: Ty) -> bool {
    !matches!(ty, Ty::Int { .. } | Ty::Float)
}

/// A stand-in for a value the walk removed, so serde still succeeds.
fn placeholder<'t>(ty: Ty, span: std::ops::Range<usize>) -> Spanned<DeValue<'t>> {
    let v = match ty {
        Ty::Str => DeValue::String(Cow::Borrowed("")),
        Ty::Bool => DeValue::Boolean(false),
        // 1, not 0: valid for every count, so it raises no problem of its own.
        Ty::Int { .. } => DeValue::parse("1")
            .map(Spanned::into_inner)
            .unwrap_or(DeValue::Integer(DeInteger::default())),
        Ty::Float => DeValue::Float(DeFloat::default()),
        Ty::Enum { values, .. } => DeValue::String(Cow::Borrowed(values[0])),
        Ty::Pair => {
            let mut a = DeArray::new();
            a.push(Spanned::new(
                span.clone(),
                DeValue::String(Cow::Borrowed("")),
            ));
            a.push(Spanned::new(
                span.clone(),
                DeValue::String(Cow::Borrowed("")),
            ));
            DeValue::Array(a)
        }
        Ty::StrList | Ty::Scalars | Ty::Tables(_) => DeValue::Array(DeArray::new()),
        Ty::Table(s) => {
            let mut t = DeTable::new();
            for f in s.fields.iter().filter(|f| f.required) {
                t.insert(
                    Spanned::new(span.clone(), Cow::Borrowed(f.key)),
                    placeholder(f.ty, span.clone()),
                );
            }
            DeValue::Table(t)
        }
    };
    Spanned::new(span, v)
}

fn expected(ty: Ty) -> &'static str {
    match ty {
        Ty::Str => "a string",
        Ty::Bool => "a boolean (true or false)",
        Ty::Int { .. } => "a whole number",
        Ty::Float => "a number",
        Ty::Enum { .. } => "a string",
        Ty::Pair => "an array of two site names",
        Ty::StrList => "an array of strings",
        Ty::Scalars => "an array of numbers, strings or booleans",
        Ty::Table(_) => "a table",
        Ty::Tables(_) => "an array of tables",
    }
}

fn describe(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => {
            let s: String = s.chars().take(40).collect();
            format!("a string (\"{}\")", s.escape_debug())
        }
        DeValue::Integer(i) => format!("a whole number ({})", show_int(i)),
        DeValue::Float(f) => {
            let s: String = f.as_str().chars().take(40).collect();
            format!("a float ({s})")
        }
        DeValue::Boolean(b) => format!("a boolean ({b})"),
        DeValue::Datetime(_) => "a date-time".to_string(),
        DeValue::Array(_) => "an array".to_string(),
        DeValue::Table(_) => "a table".to_string(),
    }
}

fn example(ty: Ty) -> &'static str {
    match ty {
        Ty::Str => "\"...\"",
        Ty::Bool => "false",
        Ty::Int { .. } => "1",
        Ty::Float => "1.0",
        Ty::Enum { values, .. } => match values.first() {
            Some(&"site-down") => "\"site-down\"",
            Some(&"request") => "\"request\"",
            _ => "\"all\"",
        },
        Ty::Pair => "[\"dc1\", \"dc2\"]",
        Ty::StrList | Ty::Scalars => "[]",
        Ty::Table(_) => "{}",
        Ty::Tables(_) => "[]",
    }
}

/// The closest known key, if close enough to be what was meant.
pub(crate) fn suggest<'k>(name: &str, known: impl Iterator<Item = &'k str>) -> Option<&'k str> {
    let norm = |s: &str| -> String {
        s.chars()
            .map(|c| match c {
                '_' | '-' => '.',
                c => c.to_ascii_lowercase(),
            })
            .collect()
    };
    let n = norm(name);
    let mut best: Option<(f64, &str)> = None;
    for k in known {
        let score = strsim::jaro_winkler(name, k).max(strsim::jaro_winkler(&n, &norm(k)));
        if score >= 0.8 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, k));
        }
    }
    best.map(|(_, k)| k)
}

/// `key` written as a TOML key: bare when possible, else quoted.
pub(crate) fn quote_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        key.to_string()
    } else {
        let mut s = String::from("\"");
        for c in key.chars() {
            match c {
                '"' => s.push_str("\\\""),
                '\\' => s.push_str("\\\\"),
                c if c.is_control() => s.push_str(&c.escape_unicode().to_string()),
                c => s.push(c),
            }
        }
        s.push('"');
        s
    }
}

/// Dotted key path: `join("topic[0]", "min.insync.replicas")` is `topic[0]."min.insync.replicas"`.
pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        quote_key(key)
    } else {
        format!("{path}.{}", quote_key(key))
    }
}

fn last_segment(kp: &str) -> &str {
    kp.rsplit('.').next().unwrap_or(kp)
}

/// True when `key` is `prefix` or lies inside it (`prefix.x`, `prefix[3]`).
fn is_within(key: &str, prefix: &str) -> bool {
    match key.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('.') || rest.starts_with('['),
        None => false,
    }
}

enum Seg {
    Key(String),
    Index(usize),
}

/// Parse a key path as written by `join` and `validate.rs`.
fn parse_path(p: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    let mut it = p.chars().peekable();
    while let Some(&c) = it.peek() {
        match c {
            '.' => {
                it.next();
            }
            '"' => {
                it.next();
                let mut k = String::new();
                while let Some(c) = it.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(c) = it.next() {
                                k.push(c);
                            }
                        }
                        c => k.push(c),
                    }
                }
                out.push(Seg::Key(k));
            }
            '[' => {
                it.next();
                let mut n = String::new();
                for c in it.by_ref() {
                    if c == ']' {
                        break;
                    }
                    n.push(c);
                }
                out.push(Seg::Index(n.parse().unwrap_or(usize::MAX)));
            }
            _ => {
                let mut k = String::new();
                while let Some(&c) = it.peek() {
                    if c == '.' || c == '[' {
                        break;
                    }
                    k.push(c);
                    it.next();
                }
                out.push(Seg::Key(k));
            }
        }
    }
    out
}

/// Byte offset of the key at `path` in the document: the key itself when present,
/// else the closest enclosing table or element that is.
pub(crate) fn locate(doc: &Spanned<DeTable<'_>>, path: &str) -> usize {
    let mut offset = doc.span().start;
    let mut table: Option<&DeTable<'_>> = Some(doc.get_ref());
    let mut array: Option<&DeArray<'_>> = None;
    for seg in parse_path(path) {
        let next = match (seg, table, array) {
            (Seg::Key(k), Some(t), _) => t
                .get_key_value(k.as_str())
                .map(|(k, v)| (k.span().start, v)),
            (Seg::Index(i), _, Some(a)) => a.get(i).map(|e| (e.span().start, e)),
            _ => None,
        };
        let Some((at, v)) = next else { break };
        offset = at;
        table = None;
        array = None;
        match v.get_ref() {
            DeValue::Table(t) => table = Some(t),
            DeValue::Array(a) => array = Some(a),
            _ => {}
        }
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::*;

    /// A scenario with every field set (every `Option` is `Some`, every list has an
    /// element), written as a struct literal so that adding a field to model.rs
    /// breaks this test until the field is added here and to [`ROOT`].
    fn full() -> Scenario {
        Scenario {
            name: "full".into(),
            description: "every key".into(),
            seed: 7,
            duration_s: 60.0,
            site: vec![
                Site {
                    name: "dc1".into(),
                    racks: vec!["r1".into(), "r2".into()],
                    brokers: 3,
                    controllers: 2,
                    lan_rtt_ms: 0.2,
                },
                Site {
                    name: "dc2".into(),
                    racks: vec![],
                    brokers: 3,
                    controllers: 1,
                    lan_rtt_ms: 0.3,
                },
            ],
            link: vec![Link {
                between: ["dc1".into(), "dc2".into()],
                rtt_ms: 20.0,
                jitter_ms: 1.0,
                bandwidth_mbps: 1000.0,
                loss_pct: 0.1,
                background_mbps: 100.0,
                reserved_replication_pct: 50.0,
                transfer_usd_per_gb: 0.02,
            }],
            broker: BrokerConfig {
                replica_selector_class: Some(RACK_AWARE_SELECTOR.into()),
                ..BrokerConfig::default()
            },
            controller: ControllerConfig::default(),
            topic: vec![Topic {
                name: "orders".into(),
                partitions: 6,
                replication_factor: Some(3),
                min_insync_replicas: Some(2),
                placement: Some(Placement {
                    replicas: vec![PlacementGroup {
                        count: 3,
                        rack: "dc1".into(),
                    }],
                    observers: vec![PlacementGroup {
                        count: 1,
                        rack: "dc2".into(),
                    }],
                }),
                retention_ms: 3_600_000,
                retention_bytes: 1_000_000_000,
                created_at_s: 30.0,
            }],
            producer: vec![Producer {
                site: "dc1".into(),
                topic: "orders".into(),
                rate_mb_s: 1.0,
                record_size_bytes: 1000,
                acks: Acks::One,
                linger_ms: Some(5),
                batch_size: 16384,
                max_in_flight: 5,
                request_timeout_ms: 30000,
                delivery_timeout_ms: 120000,
                send_buffer_bytes: -1,
            }],
            consumer: vec![Consumer {
                site: "dc2".into(),
                topic: "orders".into(),
                client_rack: Some("dc2".into()),
                fetch_max_wait_ms: 500,
                auto_offset_reset: Default::default(),
            }],
            fault: vec![Fault {
                kind: FaultKind::LinkDegrade,
                at_s: 10.0,
                duration_s: Some(5.0),
                site: Some("dc1".into()),
                broker: Some(1),
                between: Some(["dc1".into(), "dc2".into()]),
                rtt_ms: Some(50.0),
                bandwidth_mbps: Some(100.0),
                loss_pct: Some(1.0),
                jitter_ms: Some(2.0),
                topic: Some("orders".into()),
            }],
            model: ModelConfig {
                fidelity: Fidelity::Flow,
                ..ModelConfig::default()
            },
            design: vec![Design {
                name: "mm2".into(),
                kind: DesignKind::Async,
                tool: CopierTool::Mirrormaker2,
                topology: DesignTopology::ActivePassive,
                clusters: vec!["dc1".into(), "dc2".into()],
                primary: Some("dc1".into()),
                hub: Some("dc2".into()),
                copier_site: "target".into(),
                topics: vec!["orders".into()],
                replication_policy: ReplicationPolicy::Default,
                replication_policy_separator: ".".into(),
                replication_factor: 2,
                tasks_max: 1,
                fetch_max_wait_ms: 500,
                max_partition_fetch_bytes: 1_048_576,
                fetch_max_bytes: 52_428_800,
                receive_buffer_bytes: 65_536,
                compression_type: Compression::Zstd,
                compression_ratio: Some(2.9),
                producer_max_in_flight: 1,
                producer_batch_size: 16_384,
                producer_send_buffer_bytes: 131_072,
                offset_lag_max: 100,
                offset_flush_interval_ms: 60_000,
                emit_checkpoints_interval_seconds: 60,
                sync_group_offsets_enabled: true,
                sync_group_offsets_interval_seconds: 60,
                consumer_offset_sync_ms: 30_000,
                cluster_link_prefix: "dr.".into(),
                refresh_topics_interval_seconds: 600,
                topic_poll_interval_ms: 120_000,
                topic_rename_format: "${topic}.replica".into(),
                provenance_header_enable: true,
                offset_translator_batch_period_ms: 60_000,
            }],
            load: LoadConfig {
                profile: LoadProfile::Daily,
                trace_file: Some("trace.csv".into()),
                ..LoadConfig::default()
            },
            failover: FailoverConfig {
                to_site: Some("dc2".into()),
                ..FailoverConfig::default()
            },
            backup: Some(BackupConfig { interval_s: 3600.0 }),
            objectives: Objectives {
                rpo_s: Some(0.0),
                rto_s: Some(60.0),
                produce_p99_ms: Some(20.0),
                write_availability_pct: Some(99.9),
                cost_usd_month: Some(10_000.0),
                replication_lag_s: Some(30.0),
                catch_up_s: Some(120.0),
            },
            cost: CostConfig::default(),
            sweep: Some(SweepConfig {
                seeds: Some(2),
                parameter: vec![SweepParameter {
                    key: "link[dc1-dc2].rtt_ms".into(),
                    values: vec![SweepValue::Int(5), SweepValue::Str("all".into())],
                    from: Some(1.0),
                    to: Some(2.0),
                    step: Some(0.5),
                }],
            }),
            plan: Some(PlanConfig::default()),
        }
    }

    fn full_value() -> toml::Value {
        toml::Value::try_from(full()).expect("serialize")
    }

    fn walk_text(text: &str) -> Vec<Found> {
        let doc = DeTable::parse(text).expect("valid TOML");
        let mut w = Walk::new(text);
        w.root(&doc);
        w.found
    }

    fn walk_value(v: &toml::Value) -> Vec<Found> {
        walk_text(&toml::to_string(v).expect("serialize"))
    }

    #[derive(Clone, Debug)]
    enum Step {
        Key(String),
        Index(usize),
    }

    /// Every (path, schema field) present in `v`, recursively.
    fn leaves(
        v: &toml::Table,
        schema: &'static TableSchema,
        path: Vec<Step>,
        out: &mut Vec<(Vec<Step>, &'static Field)>,
    ) {
        for (k, val) in v {
            let f = schema
                .field(k)
                .unwrap_or_else(|| panic!("serialized key `{k}` is not in the schema"));
            let mut p = path.clone();
            p.push(Step::Key(k.clone()));
            out.push((p.clone(), f));
            match (f.ty, val) {
                (Ty::Table(s), toml::Value::Table(t)) => leaves(t, s, p, out),
                (Ty::Tables(s), toml::Value::Array(a)) => {
                    for (i, e) in a.iter().enumerate() {
                        let mut pi = p.clone();
                        pi.push(Step::Index(i));
                        leaves(e.as_table().expect("table"), s, pi, out);
                    }
                }
                _ => {}
            }
        }
    }

    fn get_mut<'a>(v: &'a mut toml::Value, path: &[Step]) -> &'a mut toml::Value {
        let mut cur = v;
        for s in path {
            cur = match s {
                Step::Key(k) => cur.get_mut(k.as_str()).expect("key"),
                Step::Index(i) => cur.get_mut(*i).expect("index"),
            };
        }
        cur
    }

    fn parent_table<'a>(v: &'a mut toml::Value, path: &[Step]) -> (&'a mut toml::Table, String) {
        let (last, parent) = path.split_last().expect("non-empty");
        let Step::Key(k) = last else {
            panic!("not a key")
        };
        (get_mut(v, parent).as_table_mut().expect("table"), k.clone())
    }

    fn all_fields(s: &'static TableSchema, out: &mut Vec<(&'static str, &'static str)>) {
        for f in s.fields {
            out.push((s.header, f.key));
            if let Ty::Table(c) | Ty::Tables(c) = f.ty {
                all_fields(c, out);
            }
        }
    }

    #[test]
    fn full_scenario_is_clean_and_covers_every_schema_key() {
        let v = full_value();
        assert!(walk_value(&v).is_empty(), "{:?}", walk_value(&v));
        let mut seen = Vec::new();
        leaves(v.as_table().unwrap(), &ROOT, vec![], &mut seen);
        let mut expected = Vec::new();
        all_fields(&ROOT, &mut expected);
        for (header, key) in expected {
            assert!(
                seen.iter().any(
                    |(p, f)| f.key == key && matches!(p.last(), Some(Step::Key(k)) if k == key)
                ),
                "schema key `{key}` of {header} is not a field of model.rs"
            );
        }
    }

    #[test]
    fn required_flags_match_serde() {
        let v = full_value();
        let mut seen = Vec::new();
        leaves(v.as_table().unwrap(), &ROOT, vec![], &mut seen);
        for (path, f) in seen {
            let mut m = v.clone();
            let (t, k) = parent_table(&mut m, &path);
            t.remove(&k);
            let serde_ok = m.clone().try_into::<Scenario>().is_ok();
            assert_eq!(
                serde_ok, !f.required,
                "`{}`: schema says required={}, serde disagrees",
                f.key, f.required
            );
            assert_eq!(walk_value(&m).is_empty(), !f.required, "{}", f.key);
        }
    }

    #[test]
    fn types_match_serde() {
        use toml::Value as V;
        let s = |x: &str| V::String(x.into());
        let mut probes = vec![
            s("x"),
            s("all"),
            s("0"),
            s("-1"),
            s("request"),
            s("flow"),
            s("site-down"),
            s("link-degrade"),
            V::Integer(0),
            V::Integer(1),
            V::Integer(-1),
            V::Integer(i64::MAX),
            V::Integer(5_000_000_000),
            V::Integer(i64::MIN),
            V::Float(1.5),
            V::Float(-0.0),
            V::Boolean(true),
            V::Array(vec![]),
            V::Array(vec![s("a"), s("b")]),
            V::Array(vec![s("a")]),
            V::Array(vec![s("a"), s("b"), s("c")]),
            V::Array(vec![V::Integer(1), V::Integer(2)]),
            V::Table(toml::Table::new()),
        ];
        let mut group = toml::Table::new();
        group.insert("count".into(), V::Integer(1));
        group.insert("rack".into(), s("dc1"));
        probes.push(V::Array(vec![V::Table(group.clone())]));
        probes.push(V::Table(group));
        let v = full_value();
        let mut seen = Vec::new();
        leaves(v.as_table().unwrap(), &ROOT, vec![], &mut seen);
        let mut bad = Vec::new();
        for (path, f) in seen {
            for p in &probes {
                let mut m = v.clone();
                *get_mut(&mut m, &path) = p.clone();
                let serde_ok = m.clone().try_into::<Scenario>().is_ok();
                let walk = walk_value(&m);
                // serde also reads a struct from an array of its fields in order
                // (`broker = []`); the walk refuses that on purpose.
                let stricter = matches!(
                    (f.ty, p),
                    (Ty::Table(_), V::Array(_)) | (Ty::Tables(_), V::Array(_))
                );
                if walk.is_empty() != serde_ok && !(stricter && serde_ok) {
                    bad.push(format!(
                        "`{}` = {p}: walk found {walk:?}, serde ok = {serde_ok}",
                        f.key
                    ));
                }
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }

    #[test]
    fn docs_mention_every_key() {
        let doc = include_str!("../../docs/scenario.md");
        let mut all = Vec::new();
        all_fields(&ROOT, &mut all);
        for (header, key) in all {
            let section = |h: &str| doc.contains(&format!("## `{h}`"));
            assert!(
                doc.contains(&format!("| `{key}` |"))
                    || section(&format!("[{key}]"))
                    || section(&format!("[[{key}]]")),
                "docs/scenario.md does not document `{key}` of {header}"
            );
        }
    }

    #[test]
    fn suggestions() {
        let link = LINK.fields.iter().map(|f| f.key);
        assert_eq!(suggest("rtt_msec", link), Some("rtt_ms"));
        let topic = TOPIC.fields.iter().map(|f| f.key);
        assert_eq!(
            suggest("min.insync.replica", topic),
            Some("min.insync.replicas")
        );
        let broker = BROKER.fields.iter().map(|f| f.key);
        assert_eq!(
            suggest("replica_lag_time_max_ms", broker),
            Some("replica.lag.time.max.ms")
        );
        assert_eq!(suggest("zzz", LINK.fields.iter().map(|f| f.key)), None);
    }

    #[test]
    fn paths_round_trip() {
        let p = join(&join("topic[0]", "placement"), "replicas") + "[1].rack";
        assert_eq!(p, "topic[0].placement.replicas[1].rack");
        assert_eq!(
            join("broker", "replica.lag.time.max.ms"),
            "broker.\"replica.lag.time.max.ms\""
        );
        let segs = parse_path("broker.\"replica.lag.time.max.ms\"");
        assert!(matches!(&segs[1], Seg::Key(k) if k == "replica.lag.time.max.ms"));
        assert!(is_within("fault[0].site", "fault[0]"));
        assert!(!is_within("fault[01].site", "fault[0]"));
        assert!(!is_within("fault[10]", "fault[1]"));
    }
}
