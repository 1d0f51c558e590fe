//! `mm2.properties` (MirrorMaker 2, dedicated mode) from an [`Mm2Config`], the
//! inverse of [`crate::import::mm2::parse`]: `parse(render(c))` gives back `c`.
//! Settings equal to MirrorMaker's defaults are left out; per-flow settings are
//! written under `A->B.`. The producer of the copied records and
//! `offset.flush.interval.ms` are worker settings, which
//! `MirrorMakerConfig.workerConfig` takes from the target cluster: they are
//! written as `B.producer.*` and `B.offset.flush.interval.ms` (a flow's producer
//! setting that differs from its target's as `A->B.producer.override.*`); the
//! consumer's as `A->B.consumer.*` (the connector's `consumer.*`).

use std::fmt::Write;

use crate::import::mm2::{Mm2Cluster, Mm2Config, Mm2Flow};

fn flow_lines(f: &Mm2Flow, target: Option<&Mm2Cluster>, o: &mut String) {
    let p = format!("{}->{}.", f.source, f.target);
    let _ = writeln!(o, "{p}enabled = {}", f.enabled);
    let mut kv = |k: &str, v: String, default: &str| {
        if v != default {
            let _ = writeln!(o, "{p}{k} = {v}");
        }
    };
    kv("topics", f.topics.clone(), ".*");
    kv(
        "topics.exclude",
        f.topics_exclude.clone(),
        ".*[\\-\\.]internal, .*\\.replica, __.*",
    );
    kv("groups", f.groups.clone(), ".*");
    kv("tasks.max", f.tasks_max.to_string(), "1");
    kv(
        "replication.policy.class",
        f.replication_policy_class.clone(),
        "org.apache.kafka.connect.mirror.DefaultReplicationPolicy",
    );
    let rf = if f.replication_factor == 0 {
        "-1".to_string()
    } else {
        f.replication_factor.to_string()
    };
    kv("replication.factor", rf, "2");
    kv(
        "emit.checkpoints.enabled",
        f.emit_checkpoints_enabled.to_string(),
        "true",
    );
    kv(
        "emit.checkpoints.interval.seconds",
        f.emit_checkpoints_interval_seconds.to_string(),
        "60",
    );
    kv(
        "emit.heartbeats.enabled",
        f.emit_heartbeats_enabled.to_string(),
        "true",
    );
    kv(
        "sync.group.offsets.enabled",
        f.sync_group_offsets_enabled.to_string(),
        "false",
    );
    kv(
        "sync.group.offsets.interval.seconds",
        f.sync_group_offsets_interval_seconds.to_string(),
        "60",
    );
    kv("offset.lag.max", f.offset_lag_max.to_string(), "100");
    kv(
        "refresh.topics.interval.seconds",
        f.refresh_topics_interval_seconds.to_string(),
        "600",
    );
    // The target cluster's worker producer is written with the cluster; what
    // this flow's producer has besides is a connector override.
    for (k, v) in &f.producer {
        if target.is_none_or(|t| t.producer.get(k) != Some(v)) {
            let _ = writeln!(o, "{p}producer.override.{k} = {v}");
        }
    }
    for (k, v) in &f.consumer {
        let _ = writeln!(o, "{p}consumer.{k} = {v}");
    }
}

/// The properties text. Values are written as they are (no escaping is needed
/// for the names and settings MirrorMaker uses).
pub fn render(c: &Mm2Config, header: &str) -> String {
    let mut o = String::new();
    for l in header.lines() {
        let _ = writeln!(o, "# {l}");
    }
    let names: Vec<&str> = c.clusters.iter().map(|x| x.name.as_str()).collect();
    let _ = writeln!(o, "clusters = {}", names.join(", "));
    for cl in &c.clusters {
        if let Some(b) = &cl.bootstrap_servers {
            let _ = writeln!(o, "{}.bootstrap.servers = {b}", cl.name);
        }
        for (k, v) in &cl.producer {
            let _ = writeln!(o, "{}.producer.{k} = {v}", cl.name);
        }
        for (k, v) in &cl.consumer {
            let _ = writeln!(o, "{}.consumer.{k} = {v}", cl.name);
        }
        if let Some(ms) = cl.offset_flush_interval_ms {
            let _ = writeln!(o, "{}.offset.flush.interval.ms = {ms}", cl.name);
        }
    }
    for f in &c.flows {
        let _ = writeln!(o);
        let target = c.clusters.iter().find(|x| x.name == f.target);
        flow_lines(f, target, &mut o);
    }
    o
}

/// The MirrorMaker 2 configuration of design `d`, for `ktopo export --design`:
/// one cluster per site cluster of the design (bootstrap servers are its
/// brokers, named as the exported `server.properties` name them), one enabled
/// flow per copy the topology makes, and the design's MirrorMaker, producer
/// and consumer settings. `None` unless `d` is an async or hybrid MirrorMaker 2
/// design (a hybrid's stretched cluster is one MirrorMaker cluster, named after
/// its first site, bootstrapping from all its brokers).
pub fn from_design(
    sc: &crate::scenario::Scenario,
    d: &crate::scenario::Design,
) -> Option<Mm2Config> {
    use crate::scenario::{CopierTool, DesignKind, ReplicationPolicy};
    use std::collections::BTreeMap;
    if !matches!(d.kind, DesignKind::Async | DesignKind::Hybrid)
        || d.tool != CopierTool::Mirrormaker2
    {
        return None;
    }
    let layout = crate::scenario::DesignLayout::of(sc, d);
    let topo = crate::topology::Topology::build(sc);
    let clusters: Vec<Mm2Cluster> = layout
        .clusters
        .iter()
        .map(|sites| Mm2Cluster {
            name: sc.site[sites[0]].name.clone(),
            bootstrap_servers: Some(
                topo.brokers
                    .iter()
                    .filter(|b| sites.contains(&b.site))
                    .map(|b| format!("{}:9092", super::host(b.node_id)))
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            producer: BTreeMap::new(),
            consumer: BTreeMap::new(),
            offset_flush_interval_ms: None,
        })
        .collect();
    let mut clusters = clusters;
    let mut producer = BTreeMap::new();
    let compression = super::copiers::codec(d);
    if compression != "none" {
        producer.insert("compression.type".to_string(), compression);
    }
    let mut consumer = BTreeMap::new();
    for (k, v, default) in [
        ("fetch.max.wait.ms", d.fetch_max_wait_ms as i64, 500),
        (
            "max.partition.fetch.bytes",
            d.max_partition_fetch_bytes as i64,
            1_048_576,
        ),
        ("fetch.max.bytes", d.fetch_max_bytes() as i64, 52_428_800),
        ("receive.buffer.bytes", d.receive_buffer_bytes, 65_536),
    ] {
        if v != default {
            consumer.insert(k.to_string(), v.to_string());
        }
    }
    let policy = match d.replication_policy {
        ReplicationPolicy::Default => "org.apache.kafka.connect.mirror.DefaultReplicationPolicy",
        ReplicationPolicy::Identity => "org.apache.kafka.connect.mirror.IdentityReplicationPolicy",
    };
    let flows: Vec<Mm2Flow> = layout
        .flows
        .iter()
        .map(|&(a, b)| Mm2Flow {
            source: clusters[a].name.clone(),
            target: clusters[b].name.clone(),
            line: 0,
            enabled: true,
            topics: if d.topics.is_empty() {
                ".*".into()
            } else {
                d.topics.join(", ")
            },
            topics_exclude: ".*[\\-\\.]internal, .*\\.replica, __.*".into(),
            groups: ".*".into(),
            tasks_max: d.tasks_max,
            replication_policy_class: policy.into(),
            replication_factor: d.replication_factor,
            emit_checkpoints_enabled: true,
            emit_checkpoints_interval_seconds: d.emit_checkpoints_interval_seconds,
            emit_heartbeats_enabled: true,
            sync_group_offsets_enabled: d.sync_group_offsets_enabled,
            sync_group_offsets_interval_seconds: d.sync_group_offsets_interval_seconds,
            offset_lag_max: d.offset_lag_max,
            refresh_topics_interval_seconds: d.refresh_topics_interval_seconds,
            offset_flush_interval_ms: d.offset_flush_interval_ms,
            producer: producer.clone(),
            consumer: consumer.clone(),
        })
        .collect();
    // The worker settings of the copied records' producer live with each target
    // cluster (MirrorMakerConfig.workerConfig).
    for &(_, b) in &layout.flows {
        clusters[b].producer = producer.clone();
        if d.offset_flush_interval_ms != 60_000 {
            clusters[b].offset_flush_interval_ms = Some(d.offset_flush_interval_ms);
        }
    }
    // Ordered by (source, target) name, as the parser reads them back.
    let mut flows = flows;
    flows.sort_by(|x, y| (&x.source, &x.target).cmp(&(&y.source, &y.target)));
    Some(Mm2Config {
        file: "mm2.properties".into(),
        clusters,
        flows,
    })
}
