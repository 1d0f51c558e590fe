//! The scenario schema as data: the expected type of every value ([`Ty`]) and
//! the known keys of every table ([`TableSchema`]), from [`ROOT`] down.

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
    /// A number, or a range of it for Monte Carlo runs: `[low, high]` or
    /// `{ low, mid, high, confidence }` (`scenario::ranges`). `window`: a
    /// fault time, whose range is a window (`[low, high]` only).
    Range {
        window: bool,
    },
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
    pub(super) fn field(&self, key: &str) -> Option<&'static Field> {
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
/// A number that may be a range (`scenario::ranges`).
const RANGE: Ty = Ty::Range { window: false };
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
    values: &["stretched", "async", "hybrid"],
    aliases: &[],
};
pub(crate) const TOOL: Ty = Ty::Enum {
    values: crate::scenario::COPIER_TOOLS,
    aliases: &[],
};
pub(crate) const DELIVERY_GUARANTEE: Ty = Ty::Enum {
    values: &["exactly-once", "at-least-once"],
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
pub(crate) const OBSERVER_PROMOTION_POLICY: Ty = Ty::Enum {
    values: &["under-min-isr", "under-replicated", "leader-is-observer"],
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
        opt("broker_hardware", Ty::Table(&HARDWARE)),
    ],
};

/// `[broker_hardware]`, and a site's `broker_hardware = { ... }` (same keys).
pub(crate) static HARDWARE: TableSchema = TableSchema {
    header: "[broker_hardware]",
    fields: &[
        // ---- request handling (CPU) ----
        opt("cores", U32),
        opt("request_partition_us", F64),
        opt("request_mb_us", F64),
        opt("network_mb_us", F64),
        opt("service_p99_over_p50", F64),
        opt("gc_young_gen_mb", F64),
        opt("gc_pause_ms", F64),
        opt("segment_roll_ms", F64),
        // ---- NIC / disk / memory ----
        opt("nic_gbps", F64),
        opt("disk_write_mb_s", F64),
        opt("disk_read_mb_s", F64),
        opt("page_cache_gb", F64),
    ],
};

pub(crate) static LINK: TableSchema = TableSchema {
    header: "[[link]]",
    fields: &[
        req("between", Ty::Pair),
        req("rtt_ms", RANGE),
        opt("jitter_ms", F64),
        opt("bandwidth_mbps", RANGE),
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
        opt("num.network.threads", U32),
        opt("num.io.threads", U32),
        opt("queued.max.requests", U32),
        opt("log.segment.bytes", U64),
        opt("log.roll.ms", U64),
        opt("log.roll.jitter.ms", U64),
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
        opt("observerPromotionPolicy", OBSERVER_PROMOTION_POLICY),
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
        opt("segment.ms", U64),
        opt("segment.jitter.ms", U64),
        opt("created_at_s", F64),
    ],
};

pub(crate) static PRODUCER: TableSchema = TableSchema {
    header: "[[producer]]",
    fields: &[
        req("site", STR),
        req("topic", STR),
        req("rate_mb_s", RANGE),
        opt("record_size_bytes", U32),
        opt("acks", ACKS),
        opt("linger.ms", U64),
        opt("batch.size", U64),
        opt("max.in.flight.requests.per.connection", U32),
        opt("buffer.memory", U64),
        opt("max.request.size", U64),
        opt("request.timeout.ms", U64),
        opt("delivery.timeout.ms", U64),
        opt("send.buffer.bytes", I64),
        opt("retries", U32),
        opt("retry.backoff.ms", U64),
        opt("retry.backoff.max.ms", U64),
        opt("enable.idempotence", BOOL),
    ],
};

pub(crate) static CONSUMER: TableSchema = TableSchema {
    header: "[[consumer]]",
    fields: &[
        req("site", STR),
        req("topic", STR),
        opt("client.rack", STR),
        opt("fetch.max.wait.ms", U64),
        opt("auto.commit.interval.ms", U64),
        opt("receive.buffer.bytes", I64),
        opt("max.partition.fetch.bytes", U64),
        opt("fetch.max.bytes", U64),
        opt("auto.offset.reset", AUTO_OFFSET_RESET),
    ],
};

pub(crate) static FAULT: TableSchema = TableSchema {
    header: "[[fault]]",
    fields: &[
        req("kind", FAULT_KIND),
        req("at_s", Ty::Range { window: true }),
        opt("duration_s", RANGE),
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
        opt("stretched", Ty::StrList),
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
        opt("consumer.fetch.min.bytes", U64),
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
        opt("parallelism", U32),
        opt("execution.checkpointing.interval", U64),
        opt("delivery.guarantee", DELIVERY_GUARANTEE),
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
        opt("peak_factor", RANGE),
        opt("period_s", F64),
        opt("peak_at_s", F64),
        opt("burst_every_s", F64),
        opt("burst_duration_s", F64),
        opt("burst_factor", RANGE),
        opt("noise_cv", F64),
        opt("noise_interval_s", F64),
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
        opt("rereads_records", F64),
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
        opt("broker_hardware", Ty::Table(&HARDWARE)),
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
pub(super) static ALL: [&TableSchema; 22] = [
    &ROOT,
    &SITE,
    &HARDWARE,
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
