//! Render an imported scenario as commented TOML: only keys that differ from
//! ktopo's defaults, the node mapping and everything not mapped as comments.

use std::fmt::Write;

use super::mm2::Mm2Config;
use super::{Built, Item};
use crate::scenario::toml_text::{non_default, one_line, tf64, tstr};
use crate::scenario::{BrokerConfig, ControllerConfig, PlacementGroup};

fn groups(g: &[PlacementGroup]) -> String {
    let items: Vec<String> = g
        .iter()
        .map(|g| format!("{{ count = {}, rack = {} }}", g.count, tstr(&g.rack)))
        .collect();
    format!("[{}]", items.join(", "))
}

pub fn render(b: &Built, unmapped: &[Item], mm2: &[Mm2Config], designs: &[String]) -> String {
    let sc = &b.scenario;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Imported by `ktopo import` from Kafka configuration files."
    );
    let _ = writeln!(o, "#");
    let _ = writeln!(
        o,
        "# Node mapping (ktopo numbers brokers 1.. and controllers 3000.. in site order):"
    );
    for m in &b.mapping {
        let _ = writeln!(o, "#   {}", one_line(m));
    }
    let _ = writeln!(o, "#");
    let _ = writeln!(
        o,
        "# Not mapped ({}): everything read that this scenario does not carry.",
        unmapped.len()
    );
    for u in unmapped {
        let _ = writeln!(o, "#   {}", one_line(&u.to_string()));
    }
    if !mm2.is_empty() {
        let _ = writeln!(o, "#");
        let _ = writeln!(
            o,
            "# MirrorMaker 2{} (`ktopo import --json` gives every field):",
            if designs.is_empty() {
                ", not part of the scenario as read"
            } else {
                ", written as [[design]] tables at the end"
            }
        );
        for m in mm2 {
            for c in &m.clusters {
                let _ = writeln!(
                    o,
                    "#   cluster {}: bootstrap.servers {}",
                    one_line(&c.name),
                    one_line(c.bootstrap_servers.as_deref().unwrap_or("(unset)"))
                );
            }
            for f in &m.flows {
                let _ = writeln!(
                    o,
                    "#   {}->{} {}: topics {:?} exclude {:?}, tasks.max {}, {}, checkpoints every {} s, offset.lag.max {}, sync.group.offsets {}, producer compression.type {}",
                    one_line(&f.source),
                    one_line(&f.target),
                    if f.enabled { "enabled" } else { "disabled" },
                    f.topics,
                    f.topics_exclude,
                    f.tasks_max,
                    one_line(f.replication_policy_class.rsplit('.').next().unwrap_or("")),
                    f.emit_checkpoints_interval_seconds,
                    f.offset_lag_max,
                    f.sync_group_offsets_enabled,
                    one_line(
                        f.producer
                            .get("compression.type")
                            .map_or("none", String::as_str)
                    ),
                );
            }
        }
    }
    let _ = writeln!(o, "#");
    let _ = writeln!(
        o,
        "# Kafka files hold no workload: add [[producer]] and [[consumer]] tables, e.g."
    );
    let site0 = sc.site.first().map_or("dc1", |s| s.name.as_str());
    let topic0 = sc.topic.first().map_or("orders", |t| t.name.as_str());
    let _ = writeln!(o, "#   [[producer]]");
    let _ = writeln!(o, "#   site = {}", one_line(&tstr(site0)));
    let _ = writeln!(o, "#   topic = {}", one_line(&tstr(topic0)));
    let _ = writeln!(o, "#   rate_mb_s = 10.0");
    let _ = writeln!(
        o,
        "# and [[fault]] tables for what should go wrong (docs/scenario.md)."
    );
    let _ = writeln!(o);
    let _ = writeln!(o, "name = {}", tstr(&sc.name));
    let _ = writeln!(o, "description = {}", tstr(&sc.description));
    let _ = writeln!(o, "seed = {}", sc.seed);
    let _ = writeln!(o, "duration_s = {}", tf64(sc.duration_s));
    for (i, s) in sc.site.iter().enumerate() {
        let _ = writeln!(o, "\n[[site]]");
        for c in b.site_comments.get(i).into_iter().flatten() {
            let _ = writeln!(o, "# {}", one_line(c));
        }
        let _ = writeln!(o, "name = {}", tstr(&s.name));
        if !s.racks.is_empty() {
            let r: Vec<String> = s.racks.iter().map(|r| tstr(r)).collect();
            let _ = writeln!(o, "racks = [{}]", r.join(", "));
        }
        let _ = writeln!(o, "brokers = {}", s.brokers);
        let _ = writeln!(o, "controllers = {}", s.controllers);
    }
    for (i, l) in sc.link.iter().enumerate() {
        let _ = writeln!(o, "\n[[link]]");
        if b.placeholder_links.contains(&i) {
            let _ = writeln!(
                o,
                "# PLACEHOLDER: not in Kafka files; measure and edit, or pass --link to ktopo import"
            );
        }
        let _ = writeln!(
            o,
            "between = [{}, {}]",
            tstr(&l.between[0]),
            tstr(&l.between[1])
        );
        let _ = writeln!(o, "rtt_ms = {}", tf64(l.rtt_ms));
        if l.jitter_ms != 0.0 {
            let _ = writeln!(o, "jitter_ms = {}", tf64(l.jitter_ms));
        }
        let _ = writeln!(o, "bandwidth_mbps = {}", tf64(l.bandwidth_mbps));
        if l.loss_pct != 0.0 {
            let _ = writeln!(o, "loss_pct = {}", tf64(l.loss_pct));
        }
    }
    let bk = non_default(&sc.broker, &BrokerConfig::default());
    if !bk.is_empty() {
        let _ = writeln!(o, "\n[broker]");
        for (k, v) in bk {
            let _ = writeln!(o, "{} = {v}", tstr(&k));
        }
    }
    let ck = non_default(&sc.controller, &ControllerConfig::default());
    if !ck.is_empty() {
        let _ = writeln!(o, "\n[controller]");
        for (k, v) in ck {
            let _ = writeln!(o, "{} = {v}", tstr(&k));
        }
    }
    for t in &sc.topic {
        let _ = writeln!(o, "\n[[topic]]");
        let _ = writeln!(o, "name = {}", tstr(&t.name));
        let _ = writeln!(o, "partitions = {}", t.partitions);
        if let Some(rf) = t.replication_factor {
            let _ = writeln!(o, "\"replication.factor\" = {rf}");
        }
        if let Some(m) = t.min_insync_replicas {
            let _ = writeln!(o, "\"min.insync.replicas\" = {m}");
        }
        if let Some(p) = &t.placement {
            let _ = writeln!(o, "placement.replicas = {}", groups(&p.replicas));
            if !p.observers.is_empty() {
                let _ = writeln!(o, "placement.observers = {}", groups(&p.observers));
            }
            if let Some(pp) = p.observer_promotion_policy {
                let _ = writeln!(o, "placement.observerPromotionPolicy = \"{}\"", pp.as_str());
            }
        }
    }
    for d in designs {
        let _ = writeln!(o);
        o.push_str(d);
    }
    o
}
