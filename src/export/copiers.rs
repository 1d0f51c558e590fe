//! The copier configuration of the designs that are not MirrorMaker 2's
//! (`mm2.properties` is [`super::mm2`]): KIP-1279 Cluster Mirroring
//! (`cluster-mirror.properties`), Redpanda Shadowing (one `rpk shadow create`
//! YAML per flow) and the custom Flink job (a Flink SQL script). Each is a
//! plain text file whose comments cite where every key comes from; no key is
//! written that its source does not define. One file per flow of the design
//! (`DesignLayout::flows`), named after its clusters.

use std::fmt::Write;

use crate::scenario::{CopierTool, Design, DesignKind, DesignLayout, Scenario};

use super::ExportFile;

/// A cluster of the design: its name (its first site's) and bootstrap list
/// (its brokers, named as the exported `server.properties` name them).
struct Cluster {
    name: String,
    bootstrap: Vec<String>,
}

fn clusters(sc: &Scenario, layout: &DesignLayout) -> Vec<Cluster> {
    let topo = crate::topology::Topology::build(sc);
    layout
        .clusters
        .iter()
        .map(|sites| Cluster {
            name: sc.site[sites[0]].name.clone(),
            bootstrap: topo
                .brokers
                .iter()
                .filter(|b| sites.contains(&b.site))
                .map(|b| format!("{}:9092", super::host(b.node_id)))
                .collect(),
        })
        .collect()
}

/// Topics the design copies (every topic when it names none).
fn topics(sc: &Scenario, d: &Design) -> Vec<String> {
    if d.topics.is_empty() {
        sc.topic.iter().map(|t| t.name.clone()).collect()
    } else {
        d.topics.clone()
    }
}

/// A name as one file-name part.
fn part(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A Java regex matching exactly one of `names`.
fn regex_of(names: &[String]) -> String {
    names
        .iter()
        .map(|n| {
            let mut e = String::new();
            for c in n.chars() {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    e.push(c);
                } else {
                    e.push('\\');
                    e.push(c);
                }
            }
            e
        })
        .collect::<Vec<_>>()
        .join("|")
}

/// Does `path` belong to what [`render`] writes (for the export's cleanup)?
pub fn is_copier_file(path: &str) -> bool {
    (path.starts_with("cluster-mirror-") && path.ends_with(".properties"))
        || (path.starts_with("shadow-link-") && path.ends_with(".yaml"))
        || (path.starts_with("flink-job-") && path.ends_with(".sql"))
}

/// The copier files of design `d` of `sc`: none for MirrorMaker 2 (its
/// `mm2.properties` is written apart), Cluster Linking, Replicator and
/// uReplicator (their configuration is not exported), or a stretched design.
pub fn render(sc: &Scenario, d: &Design) -> Vec<ExportFile> {
    if !matches!(d.kind, DesignKind::Async | DesignKind::Hybrid) {
        return Vec::new();
    }
    let layout = DesignLayout::of(sc, d);
    let cl = clusters(sc, &layout);
    let topics = topics(sc, d);
    let mut out = Vec::new();
    for &(a, b) in &layout.flows {
        let (src, dst) = (&cl[a], &cl[b]);
        let stem = format!("{}-to-{}", part(&src.name), part(&dst.name));
        let file = match d.tool {
            CopierTool::ClusterMirroring => Some((
                format!("cluster-mirror-{stem}.properties"),
                cluster_mirror(sc, d, src, dst, &topics),
            )),
            CopierTool::RedpandaShadowing => Some((
                format!("shadow-link-{stem}.yaml"),
                shadow_link(sc, d, src, dst, &topics),
            )),
            CopierTool::Flink => Some((
                format!("flink-job-{stem}.sql"),
                flink_job(sc, d, src, dst, &topics),
            )),
            _ => None,
        };
        if let Some((path, text)) = file {
            out.push(ExportFile {
                path,
                text,
                executable: false,
            });
        }
    }
    out
}

/// KIP-1279 Cluster Mirroring: the mirror's configuration, created on the
/// destination cluster. The KIP is under discussion and in no Kafka release:
/// the keys are those of its reference implementation's `ClusterMirrorConfig`
/// (apache/kafka pull request 23843) and may change.
fn cluster_mirror(
    sc: &Scenario,
    d: &Design,
    src: &Cluster,
    dst: &Cluster,
    topics: &[String],
) -> String {
    let mut o = String::new();
    let name = format!("{}-mirror", part(&src.name));
    let _ = writeln!(
        o,
        "# KIP-1279 Cluster Mirroring: mirror `{name}` of cluster `{}` into cluster `{}`\n\
         # (design `{}` of scenario `{}`), written by ktopo export.\n\
         #\n\
         # PROVISIONAL. KIP-1279 is under discussion and in no Apache Kafka release.\n\
         # Every key below is one the KIP's reference implementation defines\n\
         # (org.apache.kafka.coordinator.mirror.ClusterMirrorConfig, apache/kafka\n\
         # pull request 23843); names, defaults and the command that takes this file\n\
         # (kafka-cluster-mirrors.sh in that implementation) may change before a\n\
         # release. Mirror topics keep the source names and offsets (byte-for-byte,\n\
         # one mirror fetcher per destination leader); consumer group offsets are\n\
         # copied, not translated.\n",
        src.name, dst.name, d.name, sc.name
    );
    let _ = writeln!(
        o,
        "# The source cluster (CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);\n\
         # host names follow the exported server.properties: replace them with yours.\n\
         bootstrap.servers={}\n",
        src.bootstrap.join(",")
    );
    let _ = writeln!(
        o,
        "# Topics mirrored (regex list; ClusterMirrorConfig.MIRROR_TOPICS_INCLUDE_CONFIG,\n\
         # default empty: only topics added explicitly).\n\
         mirror.topics.include={}\n\
         # Consumer groups whose offsets are synced (MIRROR_GROUPS_INCLUDE_CONFIG,\n\
         # default .*). ktopo models the sync every consumer.offset.sync.ms = {} ms.\n\
         mirror.groups.include=.*\n",
        regex_of(topics),
        d.consumer_offset_sync_ms
    );
    let _ = writeln!(
        o,
        "# How often the mirror coordinator refreshes metadata from the source\n\
         # (METADATA_REFRESH_INTERVAL_MS_CONFIG; 30000 in the mirror's config, a\n\
         # broker-level default of 60000 in another revision: provisional). ktopo's\n\
         # consumer.offset.sync.ms stands for it.\n\
         mirror.metadata.refresh.interval.ms={}\n",
        d.consumer_offset_sync_ms
    );
    let _ = writeln!(
        o,
        "# Destination brokers (server.properties), per the same implementation:\n\
         # mirror.num.replica.fetchers (default 1) fetcher threads per source broker.\n\
         # The TCP receive window of the mirror fetchers is not a mirror setting in\n\
         # the KIP yet; ktopo simulated {} bytes (consumer.receive.buffer.bytes).",
        d.receive_buffer_bytes
    );
    o
}

/// Redpanda Shadowing: the shadow link, as `rpk shadow create --config-file`
/// takes it (the ShadowLinkConfig YAML of Redpanda's "Configure Shadowing"
/// page and `rpk shadow config generate`), run against the shadow cluster.
fn shadow_link(
    sc: &Scenario,
    d: &Design,
    src: &Cluster,
    dst: &Cluster,
    topics: &[String],
) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Redpanda Shadowing: shadow link of cluster `{}` into cluster `{}`\n\
         # (design `{}` of scenario `{}`), written by ktopo export.\n\
         # Create it from the shadow cluster (both clusters Redpanda v25.3 or later,\n\
         # enable_shadow_linking = true):\n\
         #   rpk shadow create --config-file <this file>\n\
         # Keys: the ShadowLinkConfig YAML of Redpanda's docs (\"Configure Shadowing\",\n\
         # `rpk shadow config generate --print-template`). Add tls_settings and\n\
         # authentication_configuration under client_options as your source needs.",
        src.name, dst.name, d.name, sc.name
    );
    let _ = writeln!(o, "name: {}-shadow", part(&src.name));
    let _ = writeln!(o, "client_options:");
    let _ = writeln!(
        o,
        "  # The source cluster's brokers (host names follow the exported\n  # server.properties: replace them with yours)."
    );
    let _ = writeln!(o, "  bootstrap_servers:");
    for b in &src.bootstrap {
        let _ = writeln!(o, "  - {b}");
    }
    let fetch_wait = d.fetch_max_wait_ms;
    let _ = writeln!(
        o,
        "  # The shadow link client's fetches, as ktopo simulated them (defaults:\n  \
         # fetch_wait_max_ms 500, fetch_min_bytes 5 MiB, fetch_max_bytes 20 MiB,\n  \
         # fetch_partition_max_bytes 1 MiB). At a low rate a fetch waits the whole\n  \
         # fetch_wait_max_ms for fetch_min_bytes: that wait is replication lag.\n  \
         fetch_wait_max_ms: {fetch_wait}\n  \
         fetch_min_bytes: {}\n  \
         fetch_max_bytes: {}\n  \
         fetch_partition_max_bytes: {}",
        d.fetch_min_bytes(),
        d.fetch_max_bytes(),
        d.max_partition_fetch_bytes
    );
    let _ = writeln!(o, "topic_metadata_sync_options:");
    let _ = writeln!(
        o,
        "  # Shadow topics created for (LITERAL: the exact name)."
    );
    let _ = writeln!(o, "  auto_create_shadow_topic_filters:");
    for t in topics {
        let _ = writeln!(
            o,
            "  - pattern_type: LITERAL\n    filter_type: INCLUDE\n    name: '{}'",
            t.replace('\'', "''")
        );
    }
    let _ = writeln!(o, "  start_at_earliest: {{}}");
    let _ = writeln!(
        o,
        "consumer_offset_sync_options:\n  \
         # Consumer group offsets copied (same offsets: no translation); ktopo\n  \
         # simulated every {} ms (consumer.offset.sync.ms).\n  \
         interval: {}\n  \
         paused: false\n  \
         group_filters:\n  \
         - pattern_type: LITERAL\n    \
         filter_type: INCLUDE\n    \
         name: '*'",
        d.consumer_offset_sync_ms,
        duration(d.consumer_offset_sync_ms)
    );
    o
}

/// Milliseconds as a Go-style duration (`30s`, `1500ms`).
fn duration(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// The custom Flink job, as a Flink SQL script (`sql-client.sh -f`): the job's
/// configuration (`SET`), and per topic a Kafka source table, a Kafka sink
/// table and the `INSERT` that copies one into the other. Option keys: Flink's
/// configuration (`execution.checkpointing.*`, `parallelism.default`) and the
/// Kafka SQL connector's (`KafkaConnectorOptions`: `sink.delivery-guarantee`,
/// `sink.transactional-id-prefix`, `properties.*` passed to the Kafka clients).
fn flink_job(sc: &Scenario, d: &Design, src: &Cluster, dst: &Cluster, topics: &[String]) -> String {
    use crate::scenario::DeliveryGuarantee;
    let eos = d.delivery_guarantee == DeliveryGuarantee::ExactlyOnce;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "-- Flink job copying cluster `{}` into cluster `{}` (design `{}` of scenario\n\
         -- `{}`), written by ktopo export. Run: sql-client.sh -f <this file>\n\
         -- (Flink with the flink-sql-connector-kafka jar). Host names follow the\n\
         -- exported server.properties: replace them with yours.\n",
        src.name, dst.name, d.name, sc.name
    );
    let _ = writeln!(
        o,
        "-- Flink configuration (docs: Checkpointing, Configuration). One source and\n\
         -- one sink per parallel subtask; ktopo sized them as MirrorMaker 2's tasks.\n\
         SET 'parallelism.default' = '{}';\n\
         -- A checkpoint every interval: the job's restart point and, exactly-once,\n\
         -- the commit of its Kafka transactions (records before it become visible).\n\
         SET 'execution.checkpointing.interval' = '{}';\n\
         SET 'execution.checkpointing.mode' = '{}';\n",
        d.parallelism,
        duration(d.checkpointing_interval_ms),
        if eos { "EXACTLY_ONCE" } else { "AT_LEAST_ONCE" }
    );
    let guarantee = if eos { "exactly-once" } else { "at-least-once" };
    for (i, t) in topics.iter().enumerate() {
        let q = t.replace('\'', "''");
        let _ = writeln!(
            o,
            "-- `{t}`: key, value, headers and timestamp copied as bytes (raw formats);\n\
             -- the sink's default partitioner hashes the key as Kafka's producer does.\n\
             CREATE TABLE src_{i} (\n  \
             k BYTES,\n  \
             v BYTES,\n  \
             hdrs MAP<STRING, BYTES> METADATA FROM 'headers',\n  \
             ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp'\n\
             ) WITH (\n  \
             'connector' = 'kafka',\n  \
             'topic' = '{q}',\n  \
             'properties.bootstrap.servers' = '{}',\n  \
             'properties.group.id' = 'ktopo-flink-{}',\n  \
             -- Resume from the group's committed offsets, from the start on the first run.\n  \
             'scan.startup.mode' = 'group-offsets',\n  \
             'properties.auto.offset.reset' = 'earliest',\n  \
             'properties.fetch.max.wait.ms' = '{}',\n  \
             'properties.max.partition.fetch.bytes' = '{}',\n  \
             'properties.receive.buffer.bytes' = '{}',\n  \
             'key.format' = 'raw',\n  \
             'key.fields' = 'k',\n  \
             'value.format' = 'raw',\n  \
             'value.fields-include' = 'EXCEPT_KEY'\n\
             );\n",
            src.bootstrap.join(","),
            part(&src.name),
            d.fetch_max_wait_ms,
            d.max_partition_fetch_bytes,
            d.receive_buffer_bytes
        );
        let _ = writeln!(
            o,
            "CREATE TABLE dst_{i} (\n  \
             k BYTES,\n  \
             v BYTES,\n  \
             hdrs MAP<STRING, BYTES> METADATA FROM 'headers',\n  \
             ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp'\n\
             ) WITH (\n  \
             'connector' = 'kafka',\n  \
             'topic' = '{q}',\n  \
             'properties.bootstrap.servers' = '{}',\n  \
             -- KafkaConnectorOptions.DELIVERY_GUARANTEE (default at-least-once).\n  \
             'sink.delivery-guarantee' = '{guarantee}',",
            dst.bootstrap.join(",")
        );
        if eos {
            let _ = writeln!(
                o,
                "  -- Exactly-once: each subtask writes in Kafka transactions whose ids\n  \
                 -- start with this prefix (TRANSACTIONAL_ID_PREFIX; unique per job on\n  \
                 -- the target cluster), committed when the checkpoint completes.\n  \
                 'sink.transactional-id-prefix' = 'ktopo-{}-{}',\n  \
                 -- A transaction stays open up to a checkpoint interval plus a restart:\n  \
                 -- keep it above that and at most the brokers' transaction.max.timeout.ms\n  \
                 -- (15 min by default), or the broker aborts it.\n  \
                 'properties.transaction.timeout.ms' = '900000',",
                part(&src.name),
                part(&dst.name)
            );
        }
        let _ = writeln!(
            o,
            "  'properties.compression.type' = '{}',\n  \
             'key.format' = 'raw',\n  \
             'key.fields' = 'k',\n  \
             'value.format' = 'raw',\n  \
             'value.fields-include' = 'EXCEPT_KEY'\n\
             );\n",
            serde_json::to_value(d.compression_type)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_else(|| "none".into())
        );
    }
    // One job for every topic (Flink SQL's statement set).
    let _ = writeln!(o, "EXECUTE STATEMENT SET\nBEGIN");
    for i in 0..topics.len() {
        let _ = writeln!(o, "INSERT INTO dst_{i} SELECT k, v, hdrs, ts FROM src_{i};");
    }
    let _ = writeln!(o, "END;\n");
    if eos {
        let _ = writeln!(
            o,
            "-- Consumers of the target cluster must read committed data only, or they\n\
             -- see records of transactions a restart aborts (Kafka consumer config):\n\
             --   isolation.level=read_committed\n\
             -- They then read up to the last stable offset: a record becomes visible at\n\
             -- the commit after its checkpoint, on average half an interval later."
        );
    }
    o
}
