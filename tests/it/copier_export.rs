//! `ktopo export` of the copiers that are not MirrorMaker 2: KIP-1279 Cluster
//! Mirroring, Redpanda Shadowing and the Flink job. Each file must carry the
//! design's key settings under the keys its tool defines (cited in
//! `src/export/copiers.rs`): the source's bootstrap servers, the topics, the
//! offset sync interval, the fetch settings, the checkpoint interval and the
//! delivery guarantee.

use crate::async_designs::two_sites;
use std::path::Path;
use std::process::Command;

fn design(tool_keys: &str) -> ktopo::scenario::Scenario {
    let text = two_sites(
        "rtt_ms = 40\nbandwidth_mbps = 1000",
        "duration_s = 60\n[[topic]]\nname = \"orders\"\npartitions = 6\n[[topic]]\nname = \"pay.ments\"\npartitions = 3\n[[producer]]\nsite = \"dc1\"\ntopic = \"orders\"\nrate_mb_s = 1\n",
        tool_keys,
    );
    ktopo::scenario::parse_str(&text, "t.toml").expect("valid scenario")
}

fn files(sc: &ktopo::scenario::Scenario) -> Vec<ktopo::export::ExportFile> {
    ktopo::export::copiers::render(sc, &sc.design[0])
}

/// KIP-1279: one mirror per flow, bootstrapping from the source's brokers,
/// the topics as an anchored regex list, the offset sync interval as
/// `mirror.metadata.refresh.interval.ms`, and marked provisional.
#[test]
fn cluster_mirroring_export_writes_the_mirror_config() {
    let sc = design("tool = \"cluster-mirroring\"\n\"consumer.offset.sync.ms\" = 15000");
    let f = files(&sc);
    assert_eq!(f.len(), 1, "one flow dc1 → dc2");
    assert_eq!(f[0].path, "cluster-mirror-dc1-to-dc2.properties");
    let t = &f[0].text;
    for line in [
        "mirror.topics.include=orders|pay\\.ments",
        "mirror.groups.include=.*",
        "mirror.metadata.refresh.interval.ms=15000",
    ] {
        assert!(t.lines().any(|l| l == line), "{line} in:\n{t}");
    }
    let boot = t
        .lines()
        .find_map(|l| l.strip_prefix("bootstrap.servers="))
        .expect("bootstrap.servers");
    assert_eq!(boot.split(',').count(), 3, "dc1's three brokers: {boot}");
    assert!(t.contains("PROVISIONAL"), "{t}");
}

/// Redpanda: an `rpk shadow create` ShadowLinkConfig with the source's
/// brokers, the shadow link client's fetch settings (Redpanda's defaults:
/// 5 MiB / 20 MiB / 500 ms unless the design sets them), one LITERAL filter
/// per topic, and the consumer offset sync interval.
#[test]
fn redpanda_shadowing_export_writes_the_shadow_link_yaml() {
    let sc = design("tool = \"redpanda-shadowing\"");
    let f = files(&sc);
    assert_eq!(f[0].path, "shadow-link-dc1-to-dc2.yaml");
    let t = &f[0].text;
    for line in [
        "name: dc1-shadow",
        "client_options:",
        "  bootstrap_servers:",
        "  fetch_wait_max_ms: 500",
        "  fetch_min_bytes: 5242880",
        "  fetch_max_bytes: 20971520",
        "  fetch_partition_max_bytes: 1048576",
        "topic_metadata_sync_options:",
        "    name: 'orders'",
        "    name: 'pay.ments'",
        "consumer_offset_sync_options:",
        "  interval: 30s",
    ] {
        assert!(t.lines().any(|l| l == line), "{line:?} in:\n{t}");
    }
}

/// Flink: the job's checkpoint interval and mode, its parallelism, and per
/// topic a source and a sink whose `sink.delivery-guarantee` is the design's;
/// exactly-once adds the transactional id prefix and the target consumers'
/// `isolation.level=read_committed`, at-least-once neither.
#[test]
fn flink_export_writes_the_job_with_its_guarantee() {
    let sc =
        design("tool = \"flink\"\nparallelism = 3\n\"execution.checkpointing.interval\" = 5000");
    let f = files(&sc);
    assert_eq!(f[0].path, "flink-job-dc1-to-dc2.sql");
    let t = &f[0].text;
    for line in [
        "SET 'parallelism.default' = '3';",
        "SET 'execution.checkpointing.interval' = '5s';",
        "SET 'execution.checkpointing.mode' = 'EXACTLY_ONCE';",
        "  'sink.delivery-guarantee' = 'exactly-once',",
        "  'sink.transactional-id-prefix' = 'ktopo-dc1-dc2',",
        "INSERT INTO dst_0 SELECT k, v, hdrs, ts FROM src_0;",
        "INSERT INTO dst_1 SELECT k, v, hdrs, ts FROM src_1;",
    ] {
        assert!(t.lines().any(|l| l == line), "{line:?} in:\n{t}");
    }
    assert!(t.contains("isolation.level=read_committed"));
    let sc = design("tool = \"flink\"\n\"delivery.guarantee\" = \"at-least-once\"");
    let t = &files(&sc)[0].text;
    assert!(
        t.contains("'sink.delivery-guarantee' = 'at-least-once',"),
        "{t}"
    );
    assert!(t.contains("SET 'execution.checkpointing.interval' = '10s';"));
    assert!(!t.contains("sink.transactional-id-prefix"));
    assert!(!t.contains("read_committed"));
    // MirrorMaker 2: none of these files (its mm2.properties is written apart).
    assert!(files(&design("tool = \"mirrormaker2\"")).is_empty());
}

/// `ktopo export --design` writes the copier's file beside the clusters'.
#[test]
fn export_cli_writes_the_copier_file() {
    let dir = std::env::temp_dir().join(format!("ktopo-copier-export-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let text = two_sites(
        "rtt_ms = 40\nbandwidth_mbps = 1000",
        "duration_s = 60\n[[topic]]\nname = \"orders\"\npartitions = 6\n[[producer]]\nsite = \"dc1\"\ntopic = \"orders\"\nrate_mb_s = 1\n",
        "tool = \"flink\"",
    );
    let file = dir.join("s.toml");
    std::fs::write(&file, text).unwrap();
    let out = dir.join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_ktopo"))
        .args(["export", file.to_str().unwrap(), "--design", "d", "--out"])
        .arg(&out)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let job = std::fs::read_to_string(out.join("flink-job-dc1-to-dc2.sql")).expect("written");
    assert!(job.contains("'sink.delivery-guarantee' = 'exactly-once'"));
    let readme = std::fs::read_to_string(out.join("README.md")).unwrap();
    assert!(readme.contains("flink-job-"), "{readme}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The value of `key=` on its own line of a properties file.
fn prop<'a>(t: &'a str, key: &str) -> &'a str {
    t.lines()
        .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
        .unwrap_or_else(|| panic!("{key} in:\n{t}"))
}

/// Cluster Linking: the link's `--config-file` bootstraps from the source's
/// brokers and copies consumer offsets every `consumer.offset.sync.ms` (both
/// Confluent link properties, the sync off unless enabled), names mirror
/// topics behind `cluster.link.prefix`, and carries the fetch settings and the
/// receive buffer the design was simulated with; the mirror script creates one
/// mirror topic per topic copied, from its source topic, on the link.
#[test]
fn cluster_linking_export_writes_the_link_config_and_mirror_topics() {
    let sc = design(
        "tool = \"cluster-linking\"\n\"consumer.offset.sync.ms\" = 15000\n\
         \"cluster.link.prefix\" = \"dc1.\"\n\"consumer.receive.buffer.bytes\" = 4194304",
    );
    let f = files(&sc);
    let paths: Vec<&str> = f.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "cluster-link-dc1-to-dc2.properties",
            "cluster-link-dc1-to-dc2-mirrors.sh"
        ]
    );
    let t = &f[0].text;
    assert_eq!(prop(t, "bootstrap.servers").split(',').count(), 3);
    assert_eq!(prop(t, "consumer.offset.sync.enable"), "true");
    assert_eq!(prop(t, "consumer.offset.sync.ms"), "15000");
    assert_eq!(prop(t, "cluster.link.prefix"), "dc1.");
    assert_eq!(prop(t, "replica.socket.receive.buffer.bytes"), "4194304");
    let d = &sc.design[0];
    assert_eq!(
        prop(t, "replica.fetch.wait.max.ms"),
        d.fetch_max_wait_ms.to_string()
    );
    assert_eq!(
        prop(t, "replica.fetch.max.bytes"),
        d.max_partition_fetch_bytes.to_string()
    );
    assert!(t.contains("kafka-cluster-links --bootstrap-server"));
    assert!(t.contains("--create --link dc1-link"));
    // The link's fetcher threads (ClusterLinkConfig: num.cluster.link.fetchers,
    // default 1), the one key for them; the broker's num.replica.fetchers is not
    // a link setting.
    assert_eq!(prop(t, "num.cluster.link.fetchers"), "1");
    assert!(!t.lines().any(|l| l.starts_with("num.replica.fetchers=")));
    // The group filter in the JSON shape the link parses (groupFilters of name,
    // patternType, filterType): every group.
    let filters: serde_json::Value =
        serde_json::from_str(prop(t, "consumer.offset.group.filters")).expect("JSON");
    assert_eq!(
        filters,
        serde_json::json!({"groupFilters": [
            {"name": "*", "patternType": "LITERAL", "filterType": "INCLUDE"}
        ]})
    );
    // The prefix key is cluster.link.prefix (link.prefix is read-only).
    assert!(!t.lines().any(|l| l.starts_with("link.prefix=")));
    let sh = &f[1].text;
    assert!(f[1].executable);
    for topic in ["orders", "pay.ments"] {
        let line = format!("--mirror-topic dc1.{topic} --source-topic {topic}");
        assert!(sh.contains(&line), "{line} in:\n{sh}");
    }
    assert_eq!(
        sh.lines()
            .filter(|l| l.starts_with("kafka-mirrors "))
            .count(),
        2
    );
    assert!(sh.contains("--create --link dc1-link"));
    // Without a prefix the mirror topic keeps the source's name and no prefix
    // key is written.
    let sc = design("tool = \"cluster-linking\"");
    let f = files(&sc);
    assert!(!f[0].text.contains("cluster.link.prefix="));
    assert!(
        f[1].text
            .contains("--mirror-topic orders --source-topic orders")
    );
}

/// Replicator: a Kafka Connect connector JSON of class
/// `ReplicatorSourceConnector` with its own property names: the source and
/// destination bootstrap servers, the topics as `topic.whitelist`, the
/// design's `tasks.max`, rename format, poll and translation periods, the
/// byte-array converters (records copied unchanged), the source consumer's
/// receive buffer and the destination producer's compression.
#[test]
fn replicator_export_writes_the_connector_json() {
    let sc = design(
        "tool = \"replicator\"\n\"tasks.max\" = 4\n\"producer.compression.type\" = \"zstd\"\n\
         \"consumer.receive.buffer.bytes\" = 2097152",
    );
    let f = files(&sc);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].path, "replicator-dc1-to-dc2.json");
    let j: serde_json::Value = serde_json::from_str(&f[0].text).expect("valid JSON");
    assert_eq!(j["name"], "replicator-dc1-to-dc2");
    let c = &j["config"];
    let d = &sc.design[0];
    assert_eq!(
        c["connector.class"],
        "io.confluent.connect.replicator.ReplicatorSourceConnector"
    );
    assert_eq!(c["tasks.max"], "4");
    assert_eq!(c["topic.whitelist"], "orders,pay.ments");
    assert_eq!(c["topic.rename.format"], d.topic_rename_format.as_str());
    assert_eq!(
        c["topic.poll.interval.ms"],
        d.topic_poll_interval_ms.to_string()
    );
    assert_eq!(
        c["offset.translator.batch.period.ms"],
        d.offset_translator_batch_period_ms.to_string()
    );
    for key in [
        "src.kafka.bootstrap.servers",
        "dest.kafka.bootstrap.servers",
    ] {
        assert_eq!(c[key].as_str().unwrap().split(',').count(), 3, "{key}");
    }
    assert_ne!(
        c["src.kafka.bootstrap.servers"],
        c["dest.kafka.bootstrap.servers"]
    );
    for key in ["key.converter", "value.converter", "header.converter"] {
        assert_eq!(
            c[key], "io.confluent.connect.replicator.util.ByteArrayConverter",
            "{key}"
        );
    }
    assert_eq!(c["src.kafka.receive.buffer.bytes"], "2097152");
    assert_eq!(c["producer.override.compression.type"], "zstd");
    assert_eq!(
        c["confluent.topic.replication.factor"],
        d.replication_factor.to_string()
    );
    // Replicator's own names: topic.whitelist (not MirrorMaker 2's topics or an
    // include list), src.consumer.* for the source consumer's fetches; and no
    // confluent.topic.bootstrap.servers, which neither Replicator's reference nor
    // the configuration it logs names.
    for absent in [
        "topic.include",
        "topics",
        "confluent.topic.bootstrap.servers",
        "consumer.override.fetch.max.wait.ms",
    ] {
        assert!(c.get(absent).is_none(), "{absent} in {c}");
    }
    assert_eq!(
        c["src.consumer.fetch.max.wait.ms"],
        d.fetch_max_wait_ms.to_string()
    );
}

/// uReplicator: the worker's consumer reads the source (fetch settings and
/// receive buffer as simulated, `auto.offset.reset=latest` since it translates
/// no offsets), its producer writes to the destination with the design's
/// codec, and the controller whitelists each topic with its partition count.
#[test]
fn ureplicator_export_writes_worker_configs_and_topic_commands() {
    let sc = design(
        "tool = \"ureplicator\"\n\"producer.compression.type\" = \"lz4\"\n\
         \"consumer.receive.buffer.bytes\" = 1048576",
    );
    let f = files(&sc);
    let paths: Vec<&str> = f.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "ureplicator-dc1-to-dc2-consumer.properties",
            "ureplicator-dc1-to-dc2-producer.properties",
            "ureplicator-dc1-to-dc2-topics.sh"
        ]
    );
    let (c, p, sh) = (&f[0].text, &f[1].text, &f[2].text);
    assert_eq!(prop(c, "receive.buffer.bytes"), "1048576");
    assert_eq!(prop(c, "auto.offset.reset"), "latest");
    assert_eq!(prop(p, "compression.type"), "lz4");
    assert_eq!(prop(p, "acks"), "all");
    assert_ne!(prop(c, "bootstrap.servers"), prop(p, "bootstrap.servers"));
    assert!(
        sh.contains(r#"{"topic":"orders","numPartitions":"6"}"#),
        "{sh}"
    );
    assert!(
        sh.contains(r#"{"topic":"pay.ments","numPartitions":"3"}"#),
        "{sh}"
    );
    assert!(f[2].executable);
    assert!(sh.contains(r#""$CONTROLLER/topics""#));
    // The worker (uReplicator master's WorkerStarter) takes one-dash
    // commons-cli options, not the old MirrorMakerWorker's --consumer.config.
    for flag in ["-consumer_config", "-producer_config", "-helix_config"] {
        assert!(c.contains(flag), "{flag} in:\n{c}");
    }
    assert!(c.contains("com.uber.stream.ureplicator.worker.WorkerStarter"));
    assert!(!c.contains("--consumer.config") && !p.contains("--producer.config"));
    // Its consumer is a KafkaConsumer: the new consumer's keys, its required
    // deserializers, and the ZooKeeper its checkpoints need; none of the old
    // 0.8 consumer's keys.
    assert_eq!(
        prop(c, "key.deserializer"),
        "org.apache.kafka.common.serialization.ByteArrayDeserializer"
    );
    assert_eq!(
        prop(c, "value.deserializer"),
        "org.apache.kafka.common.serialization.ByteArrayDeserializer"
    );
    assert!(!prop(c, "zookeeper.connect").is_empty());
    let d = &sc.design[0];
    assert_eq!(
        prop(c, "max.partition.fetch.bytes"),
        d.max_partition_fetch_bytes.to_string()
    );
    for old in [
        "fetch.message.max.bytes=",
        "socket.receive.buffer.bytes=",
        "socket.receivebuffer.bytes=",
        "fetch.wait.max.ms=",
    ] {
        assert!(!c.lines().any(|l| l.starts_with(old)), "{old} in:\n{c}");
    }
    // Its producer is a KafkaProducer with no serializer of its own.
    assert_eq!(
        prop(p, "key.serializer"),
        "org.apache.kafka.common.serialization.ByteArraySerializer"
    );
    assert_eq!(
        prop(p, "value.serializer"),
        "org.apache.kafka.common.serialization.ByteArraySerializer"
    );
    // The controller's port has no default (-port is required).
    assert!(!sh.contains("port 9000 by default"));
}

/// `ktopo plan --export` writes the copier files of the recommended design
/// for the copiers whose configuration was not exported before.
#[test]
fn plan_export_writes_the_confluent_and_ureplicator_copier_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let base =
        std::fs::read_to_string(root.join("scenarios/plan/far-sites.toml")).expect("bundled");
    let dir = std::env::temp_dir().join(format!("ktopo-plan-copiers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (tool, file) in [
        ("cluster-linking", "cluster-link-"),
        ("replicator", "replicator-"),
        ("ureplicator", "ureplicator-"),
    ] {
        let text = base.replace("[plan]", &format!("[plan]\ntools = [\"{tool}\"]"));
        let scenario = dir.join(format!("{tool}.toml"));
        std::fs::write(&scenario, text).unwrap();
        let deploy = dir.join(format!("deploy-{tool}"));
        let out = Command::new(env!("CARGO_BIN_EXE_ktopo"))
            .args(["plan", "-q", "--jobs", "2", "--out"])
            .arg(dir.join("reports"))
            .arg("--export")
            .arg(&deploy)
            .arg(&scenario)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{tool}: {stderr}");
        assert!(
            stderr.contains(&format!("async {tool}")),
            "{tool}: {stderr}"
        );
        let written: Vec<String> = std::fs::read_dir(&deploy)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            written.iter().any(|n| n.starts_with(file)),
            "{tool}: {written:?}"
        );
        let readme = std::fs::read_to_string(deploy.join("README.md")).unwrap();
        assert!(readme.contains(file), "{tool}: {readme}");
        if tool == "ureplicator" {
            // The worker's one-dash options, as in its consumer file.
            assert!(readme.contains("-consumer_config"), "{readme}");
            assert!(!readme.contains("--consumer.config"), "{readme}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
