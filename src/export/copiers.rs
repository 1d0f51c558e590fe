//! The copier configuration of the designs that are not MirrorMaker 2's
//! (`mm2.properties` is [`super::mm2`]): Confluent Cluster Linking (the link's
//! `--config-file` and the mirror-topic commands), Confluent Replicator (a
//! Kafka Connect connector JSON), uReplicator (its worker's consumer and
//! producer properties and the controller's topic commands), KIP-1279 Cluster
//! Mirroring (`cluster-mirror.properties`), Redpanda Shadowing (one `rpk
//! shadow create` YAML per flow) and the custom Flink job (a Flink SQL script). Each is a
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

/// One copy flow of a design: what each copier's file is written from.
#[derive(Clone, Copy)]
struct Flow<'a> {
    sc: &'a Scenario,
    d: &'a Design,
    src: &'a Cluster,
    dst: &'a Cluster,
    topics: &'a [String],
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
        || (path.starts_with("cluster-link-")
            && (path.ends_with(".properties") || path.ends_with(".sh")))
        || (path.starts_with("replicator-") && path.ends_with(".json"))
        || (path.starts_with("ureplicator-")
            && (path.ends_with(".properties") || path.ends_with(".sh")))
        || (path.starts_with("shadow-link-") && path.ends_with(".yaml"))
        || (path.starts_with("flink-job-") && path.ends_with(".sql"))
}

/// The copier files of design `d` of `sc`: none for MirrorMaker 2 (its
/// `mm2.properties` is written apart) or a stretched design.
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
        let flow = Flow {
            sc,
            d,
            src,
            dst,
            topics: &topics,
        };
        let files: Vec<(String, String, bool)> = match d.tool {
            CopierTool::ClusterLinking => {
                let link = format!("{}-link", part(&src.name));
                vec![
                    (
                        format!("cluster-link-{stem}.properties"),
                        cluster_link(flow, &link),
                        false,
                    ),
                    (
                        format!("cluster-link-{stem}-mirrors.sh"),
                        mirror_topics(d, dst, &link, &topics),
                        true,
                    ),
                ]
            }
            CopierTool::Replicator => {
                vec![(format!("replicator-{stem}.json"), replicator(flow), false)]
            }
            CopierTool::Ureplicator => vec![
                (
                    format!("ureplicator-{stem}-consumer.properties"),
                    ureplicator_consumer(flow),
                    false,
                ),
                (
                    format!("ureplicator-{stem}-producer.properties"),
                    ureplicator_producer(d, dst),
                    false,
                ),
                (
                    format!("ureplicator-{stem}-topics.sh"),
                    ureplicator_topics(sc, &topics),
                    true,
                ),
            ],
            CopierTool::ClusterMirroring => vec![(
                format!("cluster-mirror-{stem}.properties"),
                cluster_mirror(flow),
                false,
            )],
            CopierTool::RedpandaShadowing => {
                vec![(format!("shadow-link-{stem}.yaml"), shadow_link(flow), false)]
            }
            CopierTool::Flink => vec![(format!("flink-job-{stem}.sql"), flink_job(flow), false)],
            CopierTool::Mirrormaker2 => Vec::new(),
        };
        for (path, text, executable) in files {
            out.push(ExportFile {
                path,
                text,
                executable,
            });
        }
    }
    out
}

/// KIP-1279 Cluster Mirroring: the mirror's configuration, created on the
/// destination cluster. The KIP is under discussion and in no Kafka release:
/// the keys are those of its reference implementation's `ClusterMirrorConfig`
/// (apache/kafka pull request 23843) and may change.
fn cluster_mirror(f: Flow) -> String {
    let (sc, d, src, dst, topics) = (f.sc, f.d, f.src, f.dst, f.topics);
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
fn shadow_link(f: Flow) -> String {
    let (sc, d, src, dst, topics) = (f.sc, f.d, f.src, f.dst, f.topics);
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

/// The design's compression codec under Kafka's name (`compression.type`).
pub(super) fn codec(d: &Design) -> String {
    serde_json::to_value(d.compression_type)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_else(|| "none".into())
}

/// Confluent Cluster Linking: the link's configuration as
/// `kafka-cluster-links --create --config-file` takes it, run against the
/// destination cluster. Keys: Confluent Platform's "Cluster link configuration
/// properties" (`consumer.offset.sync.*`, `consumer.offset.group.filters`,
/// `cluster.link.prefix`) and the link's own `ClusterLinkConfig`
/// (`kafka.server.link`), which defines `num.cluster.link.fetchers` (default 1)
/// and the replica fetcher settings under the broker's names; the group
/// filter JSON is the shape Confluent's kcp writes for every group.
fn cluster_link(f: Flow, link: &str) -> String {
    let (sc, d, src, dst) = (f.sc, f.d, f.src, f.dst);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Confluent Cluster Linking: link `{link}` from cluster `{}` to cluster `{}`\n\
         # (design `{}` of scenario `{}`), written by ktopo export. Create it on the\n\
         # destination cluster:\n\
         #   kafka-cluster-links --bootstrap-server {} --create --link {link} \\\n\
         #     --config-file <this file>\n\
         # then its mirror topics (the -mirrors.sh file next to this one). Mirror topics\n\
         # keep the source's offsets, so records are copied as the source's batches\n\
         # (the source's compression), with no producer of their own. Keys: Confluent\n\
         # Platform's cluster link configuration properties (ClusterLinkConfig).\n",
        src.name,
        dst.name,
        d.name,
        sc.name,
        dst.bootstrap
            .first()
            .map_or("<destination>", String::as_str)
    );
    let _ = writeln!(
        o,
        "# The source cluster; host names follow the exported server.properties:\n\
         # replace them with yours.\n\
         bootstrap.servers={}\n",
        src.bootstrap.join(",")
    );
    let _ = writeln!(
        o,
        "# Consumer group offsets copied to the destination (off by default), every\n\
         # consumer.offset.sync.ms (default 30000), for the groups the filter names.\n\
         consumer.offset.sync.enable=true\n\
         consumer.offset.sync.ms={}\n\
         consumer.offset.group.filters={{\"groupFilters\":[{{\"name\":\"*\",\"patternType\":\"LITERAL\",\"filterType\":\"INCLUDE\"}}]}}\n",
        d.consumer_offset_sync_ms
    );
    if !d.cluster_link_prefix.is_empty() {
        let _ = writeln!(
            o,
            "# Mirror topics are named this prefix + the source topic's name.\n\
             cluster.link.prefix={}\n",
            d.cluster_link_prefix
        );
    }
    let _ = writeln!(
        o,
        "# The link's fetchers on the destination leaders, as ktopo simulated them\n\
         # (the broker's replica fetcher settings, set per link), with the default\n\
         # num.cluster.link.fetchers (1 fetcher thread replicating from the source\n\
         # brokers). The receive buffer is sized to the link's bandwidth-delay\n\
         # product (-1: the OS autotunes).\n\
         num.cluster.link.fetchers=1\n\
         replica.fetch.wait.max.ms={}\n\
         replica.fetch.min.bytes={}\n\
         replica.fetch.max.bytes={}\n\
         replica.fetch.response.max.bytes={}\n\
         replica.socket.receive.buffer.bytes={}",
        d.fetch_max_wait_ms,
        d.fetch_min_bytes(),
        d.max_partition_fetch_bytes,
        d.fetch_max_bytes(),
        d.receive_buffer_bytes
    );
    o
}

/// The mirror topics of a cluster link: one `kafka-mirrors --create` per
/// topic, run against the destination cluster. `--mirror-topic` takes the
/// mirror's own name, the link's `cluster.link.prefix` + the source name (it
/// must begin with the prefix), `--source-topic` the source topic's.
fn mirror_topics(d: &Design, dst: &Cluster, link: &str, topics: &[String]) -> String {
    let mut o = String::new();
    let boot = super::sh_quote(&dst.bootstrap.join(","));
    let _ = writeln!(
        o,
        "#!/bin/sh\n\
         # Mirror topics of cluster link `{link}` (create the link first), written by\n\
         # ktopo export. A mirror topic is named the link's cluster.link.prefix (if\n\
         # any) + its source topic's name (--mirror-topic), from --source-topic.\n\
         # Each is read-only until promoted or failed over:\n\
         #   kafka-mirrors --bootstrap-server <destination> --failover --topics <name>\n\
         set -e"
    );
    for t in topics {
        let _ = writeln!(
            o,
            "kafka-mirrors --bootstrap-server {boot} --create --link {link} \\\n  \
             --mirror-topic {} --source-topic {}",
            super::sh_quote(&format!("{}{t}", d.cluster_link_prefix)),
            super::sh_quote(t)
        );
    }
    o
}

/// Confluent Replicator: the connector (`name`, `config`) as Kafka Connect's
/// REST API takes it (`POST /connectors`). Keys: Confluent's "Replicator
/// Configuration Reference" and the connector's own
/// `ReplicatorSourceConnectorConfig` (`src.kafka.*`, `src.consumer.*`,
/// `dest.kafka.*`, `topic.*`, `offset.translator.batch.period.ms`,
/// `provenance.header.enable`), the license topic's
/// `confluent.topic.replication.factor`, and Connect's `producer.override.*`
/// for the destination producer (as Confluent's cp-demo sets them).
fn replicator(f: Flow) -> String {
    let (sc, d, src, dst, topics) = (f.sc, f.d, f.src, f.dst, f.topics);
    let name = format!("replicator-{}-to-{}", part(&src.name), part(&dst.name));
    let codec = codec(d);
    let (src_boot, dst_boot) = (src.bootstrap.join(","), dst.bootstrap.join(","));
    let (topics, fetch_min, fetch_max) =
        (topics.join(","), d.fetch_min_bytes(), d.fetch_max_bytes());
    // Records are copied as bytes (Replicator's own converter).
    let bytes = "io.confluent.connect.replicator.util.ByteArrayConverter";
    let keys: [(&str, &dyn std::fmt::Display); 22] = [
        (
            "connector.class",
            &"io.confluent.connect.replicator.ReplicatorSourceConnector",
        ),
        ("tasks.max", &d.tasks_max),
        ("src.kafka.bootstrap.servers", &src_boot),
        ("dest.kafka.bootstrap.servers", &dst_boot),
        ("topic.whitelist", &topics),
        ("topic.rename.format", &d.topic_rename_format),
        ("topic.poll.interval.ms", &d.topic_poll_interval_ms),
        ("provenance.header.enable", &d.provenance_header_enable),
        (
            "offset.translator.batch.period.ms",
            &d.offset_translator_batch_period_ms,
        ),
        ("key.converter", &bytes),
        ("value.converter", &bytes),
        ("header.converter", &bytes),
        ("src.consumer.fetch.max.wait.ms", &d.fetch_max_wait_ms),
        ("src.consumer.fetch.min.bytes", &fetch_min),
        ("src.consumer.fetch.max.bytes", &fetch_max),
        (
            "src.consumer.max.partition.fetch.bytes",
            &d.max_partition_fetch_bytes,
        ),
        ("src.kafka.receive.buffer.bytes", &d.receive_buffer_bytes),
        ("producer.override.compression.type", &codec),
        ("producer.override.batch.size", &d.producer_batch_size),
        (
            "producer.override.max.in.flight.requests.per.connection",
            &d.producer_max_in_flight,
        ),
        (
            "producer.override.send.buffer.bytes",
            &d.producer_send_buffer_bytes,
        ),
        ("confluent.topic.replication.factor", &d.replication_factor),
    ];
    let mut config = serde_json::Map::new();
    config.insert(
        "_comment".into(),
        format!(
            "Confluent Replicator copying cluster {} into cluster {} (design {} of \
             scenario {}), written by ktopo export. POST this file to the Connect \
             worker's /connectors. Keys: Replicator's configuration reference \
             (ReplicatorSourceConnectorConfig). Host names follow the exported server.properties: \
             replace them with yours. producer.override.* needs the worker's \
             connector.client.config.override.policy=All. The receive buffer is sized \
             to the bandwidth-delay product of the link (-1: the OS autotunes).",
            src.name, dst.name, d.name, sc.name
        )
        .into(),
    );
    for (k, v) in keys {
        config.insert(k.into(), v.to_string().into());
    }
    let doc = serde_json::json!({ "name": name, "config": config });
    let mut o = serde_json::to_string_pretty(&doc).unwrap_or_default();
    o.push('\n');
    o
}

/// uReplicator's worker consumer (`-consumer_config`): the source cluster
/// and the fetch settings ktopo simulated. Source: uReplicator master
/// (`WorkerStarter`, `WorkerConf`, `WorkerInstance`, `ConsumerFetcherThread`):
/// the worker takes commons-cli options with one dash and reads the source with
/// Kafka's `KafkaConsumer` (kafka-clients 1.1.1), so the file holds the new
/// consumer's keys, plus the ZooKeeper its offset checkpoints go to.
fn ureplicator_consumer(f: Flow) -> String {
    let (sc, d, src, dst) = (f.sc, f.d, f.src, f.dst);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# uReplicator worker consumer copying cluster `{}` into cluster `{}`\n\
         # (design `{}` of scenario `{}`), written by ktopo export. Start {} worker(s)\n\
         # (one per MirrorMaker 2 task ktopo simulated), each with\n\
         #   java -cp uReplicator-Worker-<version>-jar-with-dependencies.jar \\\n\
         #     com.uber.stream.ureplicator.worker.WorkerStarter \\\n\
         #     -consumer_config <this file> -producer_config <the -producer.properties file> \\\n\
         #     -helix_config <your helix.properties: zkServer, instanceId, helixClusterName>\n\
         # and add the topics with the -topics.sh file. Keys: uReplicator master\n\
         # (WorkerConf, WorkerInstance, ConsumerFetcherThread; a KafkaConsumer of\n\
         # kafka-clients 1.1.1). uReplicator has no release: its master may change.\n\
         # Host names follow the exported server.properties: replace them with yours.\n",
        src.name, dst.name, d.name, sc.name, d.tasks_max
    );
    let _ = writeln!(
        o,
        "bootstrap.servers={}\n\
         group.id=ureplicator-{}-to-{}\n\
         # Records are copied as bytes (the worker sets no deserializer itself).\n\
         key.deserializer=org.apache.kafka.common.serialization.ByteArrayDeserializer\n\
         value.deserializer=org.apache.kafka.common.serialization.ByteArrayDeserializer\n\
         # Required: the ZooKeeper the worker checkpoints its offsets in (or\n\
         # commit.zookeeper.connect); the controller's will do. Replace it with yours.\n\
         zookeeper.connect=localhost:2181\n\
         # Where the worker starts a partition it has no checkpoint for (latest: the\n\
         # topic's end, as uReplicator's example config). uReplicator translates no\n\
         # offsets: a consumer failed over to the destination starts at its own\n\
         # auto.offset.reset.\n\
         auto.offset.reset=latest\n\
         fetch.max.wait.ms={}\n\
         fetch.min.bytes={}\n\
         max.partition.fetch.bytes={}\n\
         # Sized to the link's bandwidth-delay product (-1: the OS autotunes).\n\
         receive.buffer.bytes={}",
        src.bootstrap.join(","),
        part(&src.name),
        part(&dst.name),
        d.fetch_max_wait_ms,
        d.fetch_min_bytes(),
        d.max_partition_fetch_bytes,
        d.receive_buffer_bytes
    );
    o
}

/// uReplicator's worker producer (`-producer_config`): Kafka producer
/// settings for the destination cluster (the worker's `KafkaProducer`, which
/// sets no serializer itself).
fn ureplicator_producer(d: &Design, dst: &Cluster) -> String {
    format!(
        "# uReplicator worker producer (-producer_config), written by ktopo export:\n\
         # Kafka producer settings for the destination cluster (a KafkaProducer of\n\
         # kafka-clients 1.1.1, uReplicator master's ProducerThread).\n\
         bootstrap.servers={}\n\
         key.serializer=org.apache.kafka.common.serialization.ByteArraySerializer\n\
         value.serializer=org.apache.kafka.common.serialization.ByteArraySerializer\n\
         acks=all\n\
         compression.type={}\n\
         batch.size={}\n\
         # As simulated (the worker's own default is 1; it warns when set otherwise).\n\
         max.in.flight.requests.per.connection={}\n\
         send.buffer.bytes={}\n",
        dst.bootstrap.join(","),
        codec(d),
        d.producer_batch_size,
        d.producer_max_in_flight,
        d.producer_send_buffer_bytes
    )
}

/// uReplicator's controller adds topics to its whitelist over its REST API
/// (`POST /topics` with `{"topic", "numPartitions"}`: uReplicator master's
/// `TopicManagementRestletResource` and `TopicPartition.init`, non-federated).
fn ureplicator_topics(sc: &Scenario, topics: &[String]) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "#!/bin/sh\n\
         # Topics uReplicator copies, added to its controller's whitelist (REST API,\n\
         # POST /topics), written by ktopo export. The port is the controller's -port\n\
         # option (required; 9000 in uReplicator's examples). Names are kept, so the\n\
         # destination topics must exist with as many partitions.\n\
         CONTROLLER=${{CONTROLLER:-http://localhost:9000}}\n\
         set -e"
    );
    for t in topics {
        let partitions = sc
            .topic
            .iter()
            .find(|x| &x.name == t)
            .map_or(1, |x| x.partitions);
        let body =
            serde_json::json!({ "topic": t, "numPartitions": partitions.to_string() }).to_string();
        let _ = writeln!(
            o,
            "curl -fsS -X POST -d {} \"$CONTROLLER/topics\"",
            super::sh_quote(&body)
        );
    }
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

/// The columns of a Flink job's source and sink tables: the record's key,
/// value, headers and timestamp.
const COLUMNS: &str = "  k BYTES,\n  \
    v BYTES,\n  \
    hdrs MAP<STRING, BYTES> METADATA FROM 'headers',\n  \
    ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp'";

/// The formats of a Flink job's tables: key and value as raw bytes.
const RAW_FORMATS: &str = "'key.format' = 'raw',\n  \
    'key.fields' = 'k',\n  \
    'value.format' = 'raw',\n  \
    'value.fields-include' = 'EXCEPT_KEY'";

/// The custom Flink job, as a Flink SQL script (`sql-client.sh -f`): the job's
/// configuration (`SET`), and per topic a Kafka source table, a Kafka sink
/// table and the `INSERT` that copies one into the other. Option keys: Flink's
/// configuration (`execution.checkpointing.*`, `parallelism.default`) and the
/// Kafka SQL connector's (`KafkaConnectorOptions`: `sink.delivery-guarantee`,
/// `sink.transactional-id-prefix`, `properties.*` passed to the Kafka clients).
fn flink_job(f: Flow) -> String {
    let (sc, d, src, dst, topics) = (f.sc, f.d, f.src, f.dst, f.topics);
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
             CREATE TABLE src_{i} (\n{COLUMNS}\n) WITH (\n  \
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
             {RAW_FORMATS}\n\
             );\n",
            src.bootstrap.join(","),
            part(&src.name),
            d.fetch_max_wait_ms,
            d.max_partition_fetch_bytes,
            d.receive_buffer_bytes
        );
        let _ = writeln!(
            o,
            "CREATE TABLE dst_{i} (\n{COLUMNS}\n) WITH (\n  \
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
             {RAW_FORMATS}\n\
             );\n",
            codec(d)
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
