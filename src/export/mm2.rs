//! `mm2.properties` (MirrorMaker 2, dedicated mode) from an [`Mm2Config`], the
//! inverse of [`crate::import::mm2::parse`]: `parse(render(c))` gives back `c`.
//! Settings equal to MirrorMaker's defaults are left out; per-flow settings are
//! written under `A->B.`, client settings under the target's `B.producer.` and
//! the source's `A.consumer.` prefixes.

use std::fmt::Write;

use crate::import::mm2::{Mm2Config, Mm2Flow};

fn flow_lines(f: &Mm2Flow, o: &mut String) {
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
    kv("replication.factor", f.replication_factor.to_string(), "2");
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
    kv(
        "offset.flush.interval.ms",
        f.offset_flush_interval_ms.to_string(),
        "60000",
    );
    for (k, v) in &f.producer {
        let _ = writeln!(o, "{p}producer.{k} = {v}");
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
    }
    for f in &c.flows {
        let _ = writeln!(o);
        flow_lines(f, &mut o);
    }
    o
}
