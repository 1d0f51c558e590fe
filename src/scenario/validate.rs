//! Semantic checks on a parsed scenario: references, ranges, consistency.
//! Each problem is reported through `p.help(key, message, help)`; none stops the others.

use super::*;
use std::collections::BTreeSet;

/// Problems found, each as (key, message, help).
#[derive(Default)]
pub(super) struct Problems(pub Vec<(String, String, Option<String>)>);

impl Problems {
    fn e(&mut self, key: String, msg: String) {
        self.0.push((key, msg, None));
    }
    fn help(&mut self, key: String, msg: String, help: Option<String>) {
        self.0.push((key, msg, help));
    }
}

pub(super) fn validate(sc: &Scenario, p: &mut Problems) {
    if sc.name.trim().is_empty() {
        p.e("name".into(), "must not be empty".into());
    }
    if !(sc.duration_s.is_finite() && sc.duration_s > 0.0 && sc.duration_s <= 30.0 * 86_400.0) {
        p.e(
            "duration_s".into(),
            "must be > 0 and at most 30 days".into(),
        );
    }
    if sc.site.is_empty() {
        p.e("site".into(), "at least one [[site]] is required".into());
    }
    let mut sites = BTreeSet::new();
    let mut racks = BTreeSet::new();
    // u64: a file may ask for u32::MAX brokers in several sites.
    let mut brokers = 0u64;
    let mut controllers = 0u64;
    for (i, s) in sc.site.iter().enumerate() {
        if !sites.insert(s.name.as_str()) {
            p.e(
                format!("site[{i}].name"),
                format!("site `{}` is defined twice", s.name),
            );
        }
        if s.name.is_empty() {
            p.e(format!("site[{i}].name"), "must not be empty".into());
        }
        for r in site_racks(s) {
            racks.insert(r);
        }
        if !(s.lan_rtt_ms.is_finite() && s.lan_rtt_ms >= 0.0) {
            p.e(format!("site[{i}].lan_rtt_ms"), "must be ≥ 0".into());
        }
        brokers += u64::from(s.brokers);
        controllers += u64::from(s.controllers);
    }
    if brokers == 0 && !sc.site.is_empty() {
        p.e(
            "site".into(),
            "no site has brokers: set `brokers = N` on at least one site".into(),
        );
    }
    if controllers == 0 && !sc.site.is_empty() {
        p.e(
            "site".into(),
            "no site has KRaft controllers: set `controllers = N` (3 or 5 voters in all is usual)"
                .into(),
        );
    }
    if brokers > 4096 {
        p.e(
            "site".into(),
            format!("{brokers} brokers: at most 4096 are supported"),
        );
    }
    let mut pairs = BTreeSet::new();
    for (i, l) in sc.link.iter().enumerate() {
        for (j, s) in l.between.iter().enumerate() {
            if !sites.contains(s.as_str()) {
                p.e(
                    format!("link[{i}].between[{j}]"),
                    format!("unknown site `{s}`"),
                );
            }
        }
        if l.between[0] == l.between[1] {
            p.e(
                format!("link[{i}].between"),
                "a link joins two different sites".into(),
            );
        }
        let key = ordered(&l.between[0], &l.between[1]);
        if !pairs.insert(key) {
            p.e(
                format!("link[{i}].between"),
                "a link between these sites is already defined".into(),
            );
        }
        if !(l.rtt_ms.is_finite() && l.rtt_ms >= 0.0) {
            p.e(format!("link[{i}].rtt_ms"), "must be ≥ 0".into());
        }
        if !(l.jitter_ms.is_finite() && l.jitter_ms >= 0.0) {
            p.e(format!("link[{i}].jitter_ms"), "must be ≥ 0".into());
        }
        if !(l.bandwidth_mbps.is_finite() && l.bandwidth_mbps > 0.0) {
            p.e(format!("link[{i}].bandwidth_mbps"), "must be > 0".into());
        }
        if !(l.loss_pct.is_finite() && (0.0..100.0).contains(&l.loss_pct)) {
            p.e(format!("link[{i}].loss_pct"), "must be in [0, 100)".into());
        }
    }
    // Every pair of sites must be joined: a stretched cluster talks all-to-all.
    let names: Vec<&str> = sc.site.iter().map(|s| s.name.as_str()).collect();
    for a in 0..names.len() {
        for b in a + 1..names.len() {
            if !pairs.contains(&ordered(names[a], names[b])) {
                p.e(
                    "link".into(),
                    format!("no [[link]] between `{}` and `{}`: add one with `between = [\"{}\", \"{}\"]` and its `rtt_ms`", names[a], names[b], names[a], names[b]),
                );
            }
        }
    }
    let b = &sc.broker;
    if b.replica_lag_time_max_ms == 0 {
        p.e(
            "broker.\"replica.lag.time.max.ms\"".into(),
            "must be > 0".into(),
        );
    }
    if b.broker_heartbeat_interval_ms == 0 {
        p.e(
            "broker.\"broker.heartbeat.interval.ms\"".into(),
            "must be > 0".into(),
        );
    }
    if b.broker_session_timeout_ms < b.broker_heartbeat_interval_ms {
        p.e(
            "broker.\"broker.session.timeout.ms\"".into(),
            "must be ≥ broker.heartbeat.interval.ms, or every broker is fenced between two heartbeats".into(),
        );
    }
    if b.num_replica_fetchers == 0 || b.num_replica_fetchers > 64 {
        p.e(
            "broker.\"num.replica.fetchers\"".into(),
            "must be between 1 and 64".into(),
        );
    }
    if b.replica_fetch_max_bytes == 0 || b.replica_fetch_response_max_bytes == 0 {
        p.e(
            "broker.\"replica.fetch.max.bytes\"".into(),
            "fetch sizes must be > 0".into(),
        );
    }
    if b.replica_socket_receive_buffer_bytes == 0 || b.replica_socket_receive_buffer_bytes < -1 {
        p.e(
            "broker.\"replica.socket.receive.buffer.bytes\"".into(),
            "must be > 0, or -1 for OS autotuning".into(),
        );
    }
    if b.socket_receive_buffer_bytes == 0 || b.socket_receive_buffer_bytes < -1 {
        p.e(
            "broker.\"socket.receive.buffer.bytes\"".into(),
            "must be > 0, or -1 for OS autotuning".into(),
        );
    }
    if let Some(sel) = &b.replica_selector_class
        && sel != RACK_AWARE_SELECTOR
        && sel != "org.apache.kafka.common.replica.LeaderSelector"
    {
        p.help(
            "broker.\"replica.selector.class\"".into(),
            format!("unknown selector `{sel}`"),
            Some(format!("use `{RACK_AWARE_SELECTOR}` for follower fetching")),
        );
    }
    if b.leader_imbalance_check_interval_seconds == 0 {
        p.e(
            "broker.\"leader.imbalance.check.interval.seconds\"".into(),
            "must be > 0".into(),
        );
    }
    let c = &sc.controller;
    for (key, v) in [
        (
            "controller.quorum.election.timeout.ms",
            c.election_timeout_ms,
        ),
        ("controller.quorum.fetch.timeout.ms", c.fetch_timeout_ms),
    ] {
        if v == 0 {
            p.e(format!("controller.\"{key}\""), "must be > 0".into());
        }
    }
    let mut topics = BTreeSet::new();
    for (i, t) in sc.topic.iter().enumerate() {
        if !topics.insert(t.name.as_str()) {
            p.e(
                format!("topic[{i}].name"),
                format!("topic `{}` is defined twice", t.name),
            );
        }
        if t.partitions == 0 || t.partitions > 100_000 {
            p.e(
                format!("topic[{i}].partitions"),
                "must be in 1..=100000".into(),
            );
        }
        let rf = t.replication_factor.unwrap_or(b.default_replication_factor);
        let min_isr = t.min_insync_replicas.unwrap_or(b.min_insync_replicas);
        if rf == 0 || rf > 64 {
            p.e(
                format!("topic[{i}].\"replication.factor\""),
                "must be in 1..=64".into(),
            );
        }
        if min_isr == 0 {
            p.e(
                format!("topic[{i}].\"min.insync.replicas\""),
                "must be ≥ 1".into(),
            );
        }
        match &t.placement {
            Some(pl) => {
                let n: u64 = pl.replicas.iter().map(|g| u64::from(g.count)).sum();
                if t.replication_factor.is_some() && n != u64::from(rf) {
                    p.e(
                        format!("topic[{i}].placement.replicas"),
                        format!("the placement has {n} replicas but replication.factor is {rf}"),
                    );
                }
                if n == 0 {
                    p.e(
                        format!("topic[{i}].placement.replicas"),
                        "at least one replica is required".into(),
                    );
                }
                for (kind, groups) in [("replicas", &pl.replicas), ("observers", &pl.observers)] {
                    for (j, g) in groups.iter().enumerate() {
                        let known =
                            racks.contains(g.rack.as_str()) || sites.contains(g.rack.as_str());
                        if !known {
                            p.e(
                                format!("topic[{i}].placement.{kind}[{j}].rack"),
                                format!("no rack or site named `{}`", g.rack),
                            );
                        } else {
                            let avail = count_brokers_in(sc, &g.rack);
                            if u64::from(g.count) > avail {
                                p.e(
                                    format!("topic[{i}].placement.{kind}[{j}].count"),
                                    format!(
                                        "{} replicas asked of `{}`, which has {avail} brokers",
                                        g.count, g.rack
                                    ),
                                );
                            }
                        }
                    }
                }
            }
            None => {
                if u64::from(rf) > brokers && brokers > 0 {
                    p.help(
                        format!("topic[{i}].\"replication.factor\""),
                        format!("replication.factor {rf} exceeds the {brokers} brokers"),
                        Some("add brokers or lower the replication factor".into()),
                    );
                }
            }
        }
    }
    for (i, pr) in sc.producer.iter().enumerate() {
        check_ref(p, &format!("producer[{i}].site"), &pr.site, &sites, "site");
        check_ref(
            p,
            &format!("producer[{i}].topic"),
            &pr.topic,
            &topics,
            "topic",
        );
        if !(pr.rate_mb_s.is_finite() && pr.rate_mb_s >= 0.0 && pr.rate_mb_s <= 100_000.0) {
            p.e(
                format!("producer[{i}].rate_mb_s"),
                "must be in [0, 100000]".into(),
            );
        }
        if pr.record_size_bytes == 0 {
            p.e(
                format!("producer[{i}].record_size_bytes"),
                "must be > 0".into(),
            );
        }
        if pr.batch_size == 0 {
            p.e(
                format!("producer[{i}].\"batch.size\""),
                "must be > 0".into(),
            );
        }
        if pr.max_in_flight == 0 {
            p.e(
                format!("producer[{i}].\"max.in.flight.requests.per.connection\""),
                "must be ≥ 1".into(),
            );
        }
        if pr.request_timeout_ms == 0 {
            p.e(
                format!("producer[{i}].\"request.timeout.ms\""),
                "must be > 0".into(),
            );
        }
        if pr.delivery_timeout_ms < pr.linger_ms.saturating_add(pr.request_timeout_ms) {
            p.e(
                format!("producer[{i}].\"delivery.timeout.ms\""),
                "must be ≥ linger.ms + request.timeout.ms, as Kafka's producer requires".into(),
            );
        }
    }
    for (i, c) in sc.consumer.iter().enumerate() {
        check_ref(p, &format!("consumer[{i}].site"), &c.site, &sites, "site");
        check_ref(
            p,
            &format!("consumer[{i}].topic"),
            &c.topic,
            &topics,
            "topic",
        );
    }
    // Brokers are numbered 1..=brokers in site order (see topology.rs).
    for (i, f) in sc.fault.iter().enumerate() {
        if !(f.at_s.is_finite() && f.at_s >= 0.0) {
            p.e(format!("fault[{i}].at_s"), "must be ≥ 0".into());
        }
        if let Some(d) = f.duration_s
            && !(d.is_finite() && d > 0.0)
        {
            p.e(
                format!("fault[{i}].duration_s"),
                "must be > 0 (omit it for a fault that lasts to the end)".into(),
            );
        }
        match f.kind {
            FaultKind::SiteDown => match &f.site {
                Some(s) => check_ref(p, &format!("fault[{i}].site"), s, &sites, "site"),
                None => p.e(
                    format!("fault[{i}].site"),
                    "a site-down fault names its `site`".into(),
                ),
            },
            FaultKind::BrokerDown => match f.broker {
                Some(id) if id == 0 || u64::from(id) > brokers => p.e(
                    format!("fault[{i}].broker"),
                    if brokers == 0 {
                        format!("no broker with node.id {id}: the scenario has no brokers")
                    } else {
                        format!(
                            "no broker with node.id {id}; brokers are numbered 1..={brokers} in site order"
                        )
                    },
                ),
                Some(_) => {}
                None => p.e(
                    format!("fault[{i}].broker"),
                    "a broker-down fault names its `broker` (node.id)".into(),
                ),
            },
            FaultKind::LinkPartition | FaultKind::LinkDegrade => match &f.between {
                Some(bw) => {
                    if !pairs.contains(&ordered(&bw[0], &bw[1])) {
                        p.e(
                            format!("fault[{i}].between"),
                            format!("no link between `{}` and `{}`", bw[0], bw[1]),
                        );
                    }
                }
                None => p.e(
                    format!("fault[{i}].between"),
                    "a link fault names the link: `between = [\"a\", \"b\"]`".into(),
                ),
            },
        }
        if f.kind == FaultKind::LinkDegrade
            && f.rtt_ms.is_none()
            && f.bandwidth_mbps.is_none()
            && f.loss_pct.is_none()
            && f.jitter_ms.is_none()
        {
            p.e(format!("fault[{i}]"), "a link-degrade fault sets at least one of rtt_ms, bandwidth_mbps, loss_pct, jitter_ms".into());
        }
        if let Some(v) = f.loss_pct
            && !(v.is_finite() && (0.0..100.0).contains(&v))
        {
            p.e(format!("fault[{i}].loss_pct"), "must be in [0, 100)".into());
        }
        if let Some(v) = f.bandwidth_mbps
            && !(v.is_finite() && v > 0.0)
        {
            p.e(
                format!("fault[{i}].bandwidth_mbps"),
                "must be > 0 (use link-partition to cut a link)".into(),
            );
        }
        if let Some(v) = f.rtt_ms
            && !(v.is_finite() && v >= 0.0)
        {
            p.e(format!("fault[{i}].rtt_ms"), "must be ≥ 0".into());
        }
        if let Some(v) = f.jitter_ms
            && !(v.is_finite() && v >= 0.0)
        {
            p.e(format!("fault[{i}].jitter_ms"), "must be ≥ 0".into());
        }
    }
    let m = &sc.model;
    if !(m.timeline_interval_s.is_finite() && m.timeline_interval_s >= 0.001) {
        p.e("model.timeline_interval_s".into(), "must be ≥ 0.001".into());
    }
    for (key, v) in [
        ("produce_processing_ms", m.produce_processing_ms),
        ("fetch_processing_ms", m.fetch_processing_ms),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            p.e(format!("model.{key}"), "must be ≥ 0".into());
        }
    }
    for (key, v) in [
        ("flow_step_ms", m.flow_step_ms),
        ("flow_probe_interval_ms", m.flow_probe_interval_ms),
    ] {
        if !(v.is_finite() && v >= 1.0) {
            p.e(format!("model.{key}"), "must be ≥ 1".into());
        }
    }
    if m.fidelity == Fidelity::Flow && m.flow_step_ms > m.timeline_interval_s * 1000.0 {
        p.e(
            "model.flow_step_ms".into(),
            format!(
                "must not exceed model.timeline_interval_s ({} ms): each timeline interval needs a bulk step to tell available partitions from unavailable ones",
                m.timeline_interval_s * 1000.0
            ),
        );
    }
    if m.tcp_mss_bytes < 64 {
        p.e("model.tcp_mss_bytes".into(), "must be ≥ 64".into());
    }
}

fn check_ref(p: &mut Problems, key: &str, v: &str, known: &BTreeSet<&str>, what: &str) {
    if !known.contains(v) {
        let list: Vec<&str> = known.iter().copied().collect();
        p.e(
            key.to_string(),
            format!("unknown {what} `{v}` (known: {})", list.join(", ")),
        );
    }
}

fn ordered<'a>(a: &'a str, b: &'a str) -> (&'a str, &'a str) {
    if a <= b { (a, b) } else { (b, a) }
}

/// The `broker.rack` values of a site's brokers.
pub fn site_racks(s: &Site) -> Vec<&str> {
    if s.racks.is_empty() {
        vec![s.name.as_str()]
    } else {
        s.racks.iter().map(|r| r.as_str()).collect()
    }
}

/// Brokers in a rack or site; a site's brokers go to its racks round-robin.
/// Computed without a loop over brokers: counts come from the file and may be huge.
fn count_brokers_in(sc: &Scenario, rack_or_site: &str) -> u64 {
    let mut n = 0;
    for s in &sc.site {
        let b = u64::from(s.brokers);
        if s.name == rack_or_site {
            n += b;
            continue;
        }
        let racks = site_racks(s);
        let r = racks.len() as u64;
        for (j, rack) in racks.iter().enumerate() {
            if *rack == rack_or_site {
                n += b / r + u64::from((j as u64) < b % r);
            }
        }
    }
    n
}
