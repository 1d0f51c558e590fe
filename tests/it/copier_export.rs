//! `ktopo export` of the copiers that are not MirrorMaker 2: KIP-1279 Cluster
//! Mirroring, Redpanda Shadowing and the Flink job. Each file must carry the
//! design's key settings under the keys its tool defines (cited in
//! `src/export/copiers.rs`): the source's bootstrap servers, the topics, the
//! offset sync interval, the fetch settings, the checkpoint interval and the
//! delivery guarantee.

use crate::async_designs::two_sites;
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
    // MirrorMaker 2 and Cluster Linking: none of these files.
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
