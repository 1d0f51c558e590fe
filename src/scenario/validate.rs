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

/// A socket buffer size at `key`: bytes, or -1 for OS autotuning.
fn socket_buffer(p: &mut Problems, key: String, v: i64) {
    if v == 0 || v < -1 {
        p.e(key, "must be > 0, or -1 for OS autotuning".into());
    }
}

pub(super) fn validate(sc: &Scenario, p: &mut Problems) {
    if sc.name.trim().is_empty() {
        p.e("name".into(), "must not be empty".into());
    }
    file_name(p, "name".into(), &sc.name);
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
        if !(s.lan_rtt_ms.is_finite() && (0.0..=MAX_LAN_RTT_MS).contains(&s.lan_rtt_ms)) {
            p.e(
                format!("site[{i}].lan_rtt_ms"),
                format!("must be between 0 and {MAX_LAN_RTT_MS} ms (a round trip inside one site)"),
            );
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
    if controllers > 64 {
        p.e(
            "site".into(),
            format!("{controllers} KRaft controllers: at most 64 are supported (3 or 5 is usual)"),
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
        rtt_bound(p, format!("link[{i}].rtt_ms"), l.rtt_ms);
        jitter_bound(p, format!("link[{i}].jitter_ms"), l.jitter_ms);
        bandwidth_bound(p, format!("link[{i}].bandwidth_mbps"), l.bandwidth_mbps, "");
        if !(l.loss_pct.is_finite() && (0.0..100.0).contains(&l.loss_pct)) {
            p.e(format!("link[{i}].loss_pct"), "must be in [0, 100)".into());
        }
    }
    // Every pair of sites must be joined, by a link or a path of links: a
    // stretched cluster talks all-to-all, and sites without a direct link
    // route through others (see `sites.rs`). Connected components by
    // petgraph's union-find; one error per component cut off from the first
    // site's.
    let names: Vec<&str> = sc.site.iter().map(|s| s.name.as_str()).collect();
    let mut uf = petgraph::unionfind::UnionFind::<usize>::new(names.len());
    for l in &sc.link {
        let ix = |n: &str| names.iter().position(|&x| x == n);
        if let (Some(a), Some(b)) = (ix(&l.between[0]), ix(&l.between[1])) {
            uf.union(a, b);
        }
    }
    let mut reported = BTreeSet::new();
    for b in 1..names.len() {
        if !uf.equiv(0, b) && reported.insert(uf.find(b)) {
            p.e(
                "link".into(),
                format!(
                    "no path of [[link]]s between `{}` and `{}`: add a link with `between = [\"{}\", \"{}\"]` and its `rtt_ms` (or one from `{}` to a site `{}` reaches)",
                    names[0], names[b], names[0], names[b], names[b], names[0]
                ),
            );
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
    for (key, v, hi) in [
        ("num.network.threads", b.num_network_threads, 256),
        ("num.io.threads", b.num_io_threads, 256),
        ("queued.max.requests", b.queued_max_requests, 1_000_000),
    ] {
        if v == 0 || v > hi {
            p.e(
                format!("broker.\"{key}\""),
                format!("must be between 1 and {hi}"),
            );
        }
    }
    // Kafka 4.0 (KIP-1030): `log.segment.bytes` is at least 1 MiB; at most
    // an int (`ConfigDef.Type.INT`).
    if !(1_048_576..=i32::MAX as u64).contains(&b.log_segment_bytes) {
        p.e(
            "broker.\"log.segment.bytes\"".into(),
            "must be between 1048576 (1 MiB) and 2147483647".into(),
        );
    }
    // `log.roll.ms` and `segment.ms` are at least 1 (`ConfigDef` `atLeast(1)`
    // on `segment.ms` and `log.roll.hours`).
    if b.log_roll_ms == 0 {
        p.e("broker.\"log.roll.ms\"".into(), "must be at least 1".into());
    }
    for (i, t) in sc.topic.iter().enumerate() {
        if t.segment_ms == Some(0) {
            p.e(
                format!("topic[{i}].\"segment.ms\""),
                "must be at least 1".into(),
            );
        }
    }
    for (key, msg) in sc.broker_hardware.problems("broker_hardware") {
        p.e(key, msg);
    }
    for (i, s) in sc.site.iter().enumerate() {
        if s.broker_hardware.is_some() {
            let hw = sc.broker_hardware.with(s.broker_hardware.as_ref());
            for (key, msg) in hw.problems(&format!("site[{i}].broker_hardware")) {
                p.e(key, msg);
            }
        }
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
    socket_buffer(
        p,
        "broker.\"replica.socket.receive.buffer.bytes\"".into(),
        b.replica_socket_receive_buffer_bytes,
    );
    socket_buffer(
        p,
        "broker.\"socket.receive.buffer.bytes\"".into(),
        b.socket_receive_buffer_bytes,
    );
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
                if pl.observer_promotion_policy.is_some() && pl.observers.is_empty() {
                    p.help(
                        format!("topic[{i}].placement.observerPromotionPolicy"),
                        "an observer promotion policy without observers has nothing to promote"
                            .into(),
                        Some("add `placement.observers` or remove the policy".into()),
                    );
                }
                let obs: u64 = pl.observers.iter().map(|g| u64::from(g.count)).sum();
                if n + obs > 32 {
                    p.e(
                        format!("topic[{i}].placement.observers"),
                        format!("{n} replicas and {obs} observers: at most 32 per partition"),
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
        for (key, v) in [
            ("record_size_bytes", u64::from(pr.record_size_bytes)),
            ("\"batch.size\"", pr.batch_size),
            ("\"buffer.memory\"", pr.buffer_memory),
            ("\"max.request.size\"", pr.max_request_size),
        ] {
            if v == 0 {
                p.e(format!("producer[{i}].{key}"), "must be > 0".into());
            }
        }
        // KafkaProducer.ensureValidRecordSize: a record larger than either
        // fails every send with RecordTooLargeException.
        for (key, limit) in [
            ("max.request.size", pr.max_request_size),
            ("buffer.memory", pr.buffer_memory),
        ] {
            if limit > 0 && u64::from(pr.record_size_bytes) > limit {
                p.e(
                    format!("producer[{i}].\"{key}\""),
                    format!(
                        "{limit} bytes is less than record_size_bytes ({}): Kafka's producer refuses every record (RecordTooLargeException)",
                        pr.record_size_bytes
                    ),
                );
            }
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
        if pr.delivery_timeout_ms
            < pr.linger_ms(sc.model.kafka_version)
                .saturating_add(pr.request_timeout_ms)
        {
            p.e(
                format!("producer[{i}].\"delivery.timeout.ms\""),
                "must be ≥ linger.ms + request.timeout.ms, as Kafka's producer requires".into(),
            );
        }
        producer_retries(p, i, pr, sc.model.kafka_version);
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
        socket_buffer(
            p,
            format!("consumer[{i}].\"receive.buffer.bytes\""),
            c.receive_buffer_bytes,
        );
        for (key, v) in [
            ("max.partition.fetch.bytes", c.max_partition_fetch_bytes),
            ("fetch.max.bytes", c.fetch_max_bytes),
        ] {
            if v == 0 {
                p.e(format!("consumer[{i}].\"{key}\""), "must be > 0".into());
            }
        }
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
            FaultKind::Corruption | FaultKind::TopicDeletion => {
                if let Some(t) = &f.topic {
                    check_ref(p, &format!("fault[{i}].topic"), t, &topics, "topic");
                }
            }
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
        if let Some(v) = f.bandwidth_mbps {
            bandwidth_bound(
                p,
                format!("fault[{i}].bandwidth_mbps"),
                v,
                " (use link-partition to cut a link)",
            );
        }
        if let Some(v) = f.rtt_ms {
            rtt_bound(p, format!("fault[{i}].rtt_ms"), v);
        }
        if let Some(v) = f.jitter_ms {
            jitter_bound(p, format!("fault[{i}].jitter_ms"), v);
        }
    }
    overlapping_faults(sc, p);
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
        (
            "flow_probe_interval_ms",
            m.flow_probe_interval_ms.unwrap_or(1.0),
        ),
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
    for (i, l) in sc.link.iter().enumerate() {
        if !(l.background_mbps.is_finite() && l.background_mbps >= 0.0) {
            p.e(format!("link[{i}].background_mbps"), "must be ≥ 0".into());
        }
        if !(l.reserved_replication_pct.is_finite()
            && (0.0..=100.0).contains(&l.reserved_replication_pct))
        {
            p.e(
                format!("link[{i}].reserved_replication_pct"),
                "must be in [0, 100]".into(),
            );
        }
        if !(l.transfer_usd_per_gb.is_finite() && l.transfer_usd_per_gb >= 0.0) {
            p.e(
                format!("link[{i}].transfer_usd_per_gb"),
                "must be ≥ 0".into(),
            );
        }
    }
    for (i, t) in sc.topic.iter().enumerate() {
        if t.retention_ms == 0 || t.retention_ms < -1 {
            p.e(
                format!("topic[{i}].\"retention.ms\""),
                "must be > 0, or -1 for no time limit".into(),
            );
        }
        if t.retention_bytes == 0 || t.retention_bytes < -1 {
            p.e(
                format!("topic[{i}].\"retention.bytes\""),
                "must be > 0, or -1 for no size limit".into(),
            );
        }
    }
    validate_designs(sc, p, &sites, &topics);
    validate_load(sc, p);
    let fo = &sc.failover;
    for (k, v) in [
        ("detection_s", fo.detection_s),
        ("decision_s", fo.decision_s),
        ("dns_ttl_s", fo.dns_ttl_s),
        ("client_restart_s", fo.client_restart_s),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            p.e(format!("failover.{k}"), "must be ≥ 0".into());
        }
    }
    if let Some(t) = &fo.to_site {
        if !sites.contains(t.as_str()) {
            p.e("failover.to_site".into(), format!("unknown site `{t}`"));
        } else if !sc.site.iter().any(|s| &s.name == t && s.brokers > 0) {
            p.e(
                "failover.to_site".into(),
                format!("site `{t}` has no brokers: clients fail over to a site that serves them"),
            );
        }
    }
    if let Some(b) = &sc.backup
        && !(b.interval_s.is_finite() && b.interval_s > 0.0)
    {
        p.e("backup.interval_s".into(), "must be > 0".into());
    }
    let c = &sc.cost;
    for (k, v) in [
        ("broker_usd_per_hour", c.broker_usd_per_hour),
        ("storage_usd_per_gb_month", c.storage_usd_per_gb_month),
        ("copier_worker_usd_per_hour", c.copier_worker_usd_per_hour),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            p.e(format!("cost.{k}"), "must be ≥ 0".into());
        }
    }
    let o = &sc.objectives;
    for (k, v) in [
        ("rpo_s", o.rpo_s),
        ("rto_s", o.rto_s),
        ("produce_p99_ms", o.produce_p99_ms),
        ("write_availability_pct", o.write_availability_pct),
        ("cost_usd_month", o.cost_usd_month),
        ("replication_lag_s", o.replication_lag_s),
        ("catch_up_s", o.catch_up_s),
        ("rereads_records", o.rereads_records),
    ] {
        if let Some(v) = v
            && !(v.is_finite() && v >= 0.0)
        {
            p.e(format!("objectives.{k}"), "must be ≥ 0".into());
        }
    }
    if o.write_availability_pct.is_some_and(|v| v > 100.0) {
        p.e(
            "objectives.write_availability_pct".into(),
            "is a percentage: at most 100".into(),
        );
    }
    if let Some(pl) = &sc.plan {
        validate_plan(pl, p);
    }
}

/// `[plan]`: known families, tools and topologies; times in range.
fn validate_plan(pl: &PlanConfig, p: &mut Problems) {
    let lists: [(&str, &Vec<String>, &[&str]); 3] = [
        ("families", &pl.families, &["stretched", "async", "hybrid"]),
        ("tools", &pl.tools, COPIER_TOOLS),
        (
            "topologies",
            &pl.topologies,
            &["active-passive", "active-active"],
        ),
    ];
    for (k, vals, known) in lists {
        for (i, v) in vals.iter().enumerate() {
            if !known.contains(&v.as_str()) {
                p.e(
                    format!("plan.{k}[{i}]"),
                    format!(
                        "unknown value \"{v}\": expected one of {}",
                        known.join(", ")
                    ),
                );
            }
        }
    }
    if pl.families.is_empty() {
        p.e(
            "plan.families".into(),
            "must name at least one family".into(),
        );
    }
    for (k, v, min) in [
        ("fault_at_s", pl.fault_at_s, 0.0),
        ("outage_s", pl.outage_s, 1.0),
        ("recovery_s", pl.recovery_s, 0.0),
    ] {
        if !(v.is_finite() && v >= min && v <= 86_400.0) {
            p.e(
                format!("plan.{k}"),
                format!("must be between {min} s and one day"),
            );
        }
    }
}

fn validate_load(sc: &Scenario, p: &mut Problems) {
    let l = &sc.load;
    let pos = |v: f64| v.is_finite() && v > 0.0;
    if !(l.peak_factor.is_finite() && (1.0..=2.0).contains(&l.peak_factor)) {
        p.help(
            "load.peak_factor".into(),
            "must be in [1, 2]".into(),
            Some("peak ÷ mean of a raised cosine: 2 makes the trough zero; use bursts for sharper peaks".into()),
        );
    }
    for (k, v) in [
        ("period_s", l.period_s),
        ("burst_every_s", l.burst_every_s),
        ("burst_duration_s", l.burst_duration_s),
        ("noise_interval_s", l.noise_interval_s),
    ] {
        if !pos(v) {
            p.e(format!("load.{k}"), "must be > 0".into());
        }
    }
    if !(l.peak_at_s.is_finite() && l.peak_at_s >= 0.0) {
        p.e("load.peak_at_s".into(), "must be ≥ 0".into());
    }
    if !(l.burst_factor.is_finite() && l.burst_factor >= 1.0) {
        p.e("load.burst_factor".into(), "must be ≥ 1".into());
    }
    if !(l.noise_cv.is_finite() && (0.0..=2.0).contains(&l.noise_cv)) {
        p.e(
            "load.noise_cv".into(),
            "must be between 0 (no noise) and 2 (a coefficient of variation)".into(),
        );
    }
    if l.burst_duration_s > l.burst_every_s {
        p.e(
            "load.burst_duration_s".into(),
            "must be ≤ burst_every_s".into(),
        );
    }
    if l.profile == LoadProfile::Trace && l.trace_file.is_none() {
        p.e(
            "load.trace_file".into(),
            "the trace profile needs `trace_file = \"rates.csv\"` (time_s,MB/s per line)".into(),
        );
    }
}

fn validate_designs(
    sc: &Scenario,
    p: &mut Problems,
    sites: &BTreeSet<&str>,
    topics: &BTreeSet<&str>,
) {
    let mut names = BTreeSet::new();
    for (i, d) in sc.design.iter().enumerate() {
        let k = |key: &str| format!("design[{i}].{key}");
        if d.name.trim().is_empty() {
            p.e(k("name"), "must not be empty".into());
        } else if !names.insert(d.name.as_str()) {
            p.e(k("name"), format!("design `{}` is defined twice", d.name));
        } else if let Some(j) = sc.design[..i].iter().position(|x| {
            crate::scenario::safe_name(&x.name) == crate::scenario::safe_name(&d.name)
        }) {
            p.e(
                k("name"),
                format!(
                    "design `{}` and design `{}` (design[{j}]) would write their reports to the same folder `{}`: the names differ only in characters a folder name cannot hold",
                    d.name,
                    sc.design[j].name,
                    crate::scenario::safe_name(&d.name)
                ),
            );
        }
        file_name(p, k("name"), &d.name);
        for (j, c) in d.clusters.iter().enumerate() {
            let key = format!("design[{i}].clusters[{j}]");
            if !sites.contains(c.as_str()) {
                check_ref(p, &key, c, sites, "site");
            } else if sc.site.iter().any(|s| &s.name == c && s.brokers == 0) {
                p.e(key, format!("site `{c}` has no brokers to hold a cluster"));
            } else if d.clusters[..j].contains(c) {
                p.e(key, format!("site `{c}` is listed twice"));
            }
        }
        for (j, t) in d.topics.iter().enumerate() {
            check_ref(p, &format!("design[{i}].topics[{j}]"), t, topics, "topic");
        }
        if d.kind != DesignKind::Hybrid && !d.stretched.is_empty() {
            p.help(
                k("stretched"),
                "only a hybrid design has a stretched cluster besides its copies".into(),
                Some("set `kind = \"hybrid\"`, or remove `stretched`".into()),
            );
        }
        for (j, c) in d.stretched.iter().enumerate() {
            let key = format!("design[{i}].stretched[{j}]");
            if !sites.contains(c.as_str()) {
                check_ref(p, &key, c, sites, "site");
            } else if d.stretched[..j].contains(c) {
                p.e(key, format!("site `{c}` is listed twice"));
            } else if d.clusters.contains(c) {
                p.e(
                    key,
                    format!("site `{c}` is in both `stretched` and `clusters`"),
                );
            }
        }
        if d.kind == DesignKind::Hybrid
            && !d
                .stretched
                .iter()
                .any(|n| sc.site.iter().any(|s| &s.name == n && s.brokers > 0))
        {
            p.help(
                k("stretched"),
                "a hybrid design needs the sites of its stretched cluster, at least one with brokers".into(),
                Some("e.g. `stretched = [\"dc1\", \"dc2\"]`: the metro pair; a site with `brokers = 0` and controllers joins its quorum as tie-breaker".into()),
            );
        }
        if d.kind == DesignKind::Stretched {
            continue;
        }
        let lay = crate::scenario::DesignLayout::of(sc, d);
        if lay.clusters.len() < 2 {
            p.e(
                k("clusters"),
                format!(
                    "an {} design needs at least two clusters (sites with brokers)",
                    if d.kind == DesignKind::Hybrid {
                        "hybrid"
                    } else {
                        "async"
                    }
                ),
            );
        }
        if d.kind == DesignKind::Hybrid
            && let Some(metro) = lay.clusters.first()
        {
            // The stretched cluster keeps each topic's placement: its groups
            // must name racks or sites of that cluster.
            let ours = |rack: &str| metro.iter().any(|&si| holds_rack(&sc.site[si], rack));
            for (ti, t) in sc.topic.iter().enumerate() {
                let Some(pl) = &t.placement else { continue };
                for (kind, groups) in [("replicas", &pl.replicas), ("observers", &pl.observers)] {
                    for (j, g) in groups.iter().enumerate() {
                        if !ours(&g.rack) {
                            p.help(
                                format!("topic[{ti}].placement.{kind}[{j}].rack"),
                                format!(
                                    "`{}` is outside the stretched cluster {} of hybrid design `{}`, which places this topic",
                                    g.rack,
                                    lay.cluster_name(sc, 0),
                                    d.name
                                ),
                                Some("name a rack or site of the design's `stretched` sites".into()),
                            );
                        }
                    }
                }
            }
        }
        let in_clusters = |n: &str| {
            lay.clusters.iter().any(|c| {
                c.iter()
                    .any(|&x| sc.site.get(x).is_some_and(|s| s.name == n))
            })
        };
        for (key, v) in [("primary", &d.primary), ("hub", &d.hub)] {
            if let Some(v) = v
                && !in_clusters(v)
            {
                p.e(
                    k(key),
                    format!("`{v}` is not one of this design's clusters"),
                );
            }
        }
        if d.copier_site != "target"
            && d.copier_site != "source"
            && !sites.contains(d.copier_site.as_str())
        {
            p.help(
                k("copier_site"),
                format!(
                    "`{}` is neither `target`, `source` nor a site",
                    d.copier_site
                ),
                Some(
                    "`target` runs the copier next to the target cluster (it pulls over the WAN)"
                        .into(),
                ),
            );
        }
        if d.tasks_max == 0 {
            p.e(k("\"tasks.max\""), "must be ≥ 1".into());
        }
        if d.tasks_max > 1024 {
            p.e(
                k("\"tasks.max\""),
                "at most 1024 tasks are supported".into(),
            );
        }
        if d.producer_max_in_flight == 0 {
            p.e(
                k("\"producer.max.in.flight.requests.per.connection\""),
                "must be ≥ 1".into(),
            );
        }
        if d.producer_batch_size == 0 {
            p.e(k("\"producer.batch.size\""), "must be > 0".into());
        }
        if d.replication_factor == 0 {
            p.e(k("\"replication.factor\""), "must be ≥ 1".into());
        }
        if d.max_partition_fetch_bytes == 0 || d.fetch_max_bytes() == 0 {
            p.e(
                k("\"consumer.fetch.max.bytes\""),
                "fetch sizes must be > 0".into(),
            );
        }
        if let Some(r) = d.compression_ratio
            && !(r.is_finite() && r >= 1.0)
        {
            p.e(k("compression_ratio"), "must be ≥ 1".into());
        }
        if d.emit_checkpoints_interval_seconds == 0 || d.sync_group_offsets_interval_seconds == 0 {
            p.e(
                k("\"emit.checkpoints.interval.seconds\""),
                "intervals must be ≥ 1 s".into(),
            );
        }
        for (role, list) in [
            (
                "producer",
                sc.producer.iter().map(|x| &x.site).collect::<Vec<_>>(),
            ),
            (
                "consumer",
                sc.consumer.iter().map(|x| &x.site).collect::<Vec<_>>(),
            ),
        ] {
            for (j, site) in list.into_iter().enumerate() {
                if sites.contains(site.as_str()) && !in_clusters(site) {
                    p.help(
                        k("clusters"),
                        format!(
                            "{role}[{j}] runs in `{site}`, which holds no cluster in this design"
                        ),
                        Some(
                            "list the site in `clusters` (it needs brokers) or move the client"
                                .into(),
                        ),
                    );
                }
            }
        }
        validate_tool_keys(d, &k, p);
        if d.keeps_names()
            && let Some(cycle) = lay.cycle()
        {
            let names: Vec<String> = cycle.iter().map(|&c| lay.cluster_name(sc, c)).collect();
            let cycle = names.join(" → ");
            let (key, msg, help) = match d.tool {
                CopierTool::Mirrormaker2 => (
                    "\"replication.policy.class\"",
                    format!(
                        "IdentityReplicationPolicy in a cycle: {cycle} — the copy keeps the topic name, so every record would be copied around this cycle forever"
                    ),
                    "use DefaultReplicationPolicy (remote topics are named `<source>.<topic>` and are not copied back), or a one-way topology",
                ),
                CopierTool::Replicator if d.provenance_header_enable => (
                    "\"provenance.header.enable\"",
                    format!(
                        "Replicator keeps topic names in a cycle ({cycle}) and relies on provenance headers to drop records coming back: ktopo does not model provenance filtering (one topic holding both sites' records)"
                    ),
                    "give the copies their own name, e.g. `\"topic.rename.format\" = \"${topic}.replica\"`, or use a one-way topology",
                ),
                CopierTool::Replicator => (
                    "\"topic.rename.format\"",
                    format!(
                        "Replicator keeps topic names (`${{topic}}`) in a cycle: {cycle} — without provenance headers every record would be copied around this cycle forever"
                    ),
                    "rename the copies, e.g. `\"topic.rename.format\" = \"${topic}.replica\"`, or use a one-way topology (Replicator's own remedy, `provenance.header.enable = true`, is not modelled)",
                ),
                CopierTool::ClusterLinking => (
                    "\"cluster.link.prefix\"",
                    format!(
                        "Cluster Linking mirror topics keep the source name and are read-only: a cycle of links ({cycle}) needs a prefix"
                    ),
                    "set `\"cluster.link.prefix\" = \"mirror.\"` (mirror topics become `mirror.<topic>`, local producers keep writing `<topic>`)",
                ),
                CopierTool::Ureplicator => (
                    "topology",
                    format!(
                        "uReplicator keeps topic names and has no loop prevention: a cycle ({cycle}) would copy every record around forever"
                    ),
                    "use a one-way topology (active-passive, fan-in or hub-and-spoke)",
                ),
                CopierTool::Flink => (
                    "topology",
                    format!(
                        "the Flink job writes the source topic's name: a cycle ({cycle}) would copy every record around forever"
                    ),
                    "use a one-way topology (active-passive, fan-in or hub-and-spoke)",
                ),
                CopierTool::ClusterMirroring | CopierTool::RedpandaShadowing => (
                    "topology",
                    format!(
                        "{} keeps topic names and its mirror topics are read-only: a cycle ({cycle}) would need a topic that is both a mirror and written locally",
                        d.tool.label()
                    ),
                    "use a one-way topology (active-passive, fan-in or hub-and-spoke), or `tool = \"cluster-linking\"` with a `cluster.link.prefix`",
                ),
            };
            p.help(k(key), msg, Some(help.into()));
        }
    }
}

/// Settings of one copier set on a design of another tool are errors: they would
/// be silently ignored.
fn validate_tool_keys(d: &Design, k: &dyn Fn(&str) -> String, p: &mut Problems) {
    let owned = [
        (
            "replication.policy.class",
            CopierTool::Mirrormaker2,
            d.replication_policy != ReplicationPolicy::Default,
        ),
        (
            "refresh.topics.interval.seconds",
            CopierTool::Mirrormaker2,
            d.refresh_topics_interval_seconds != 600,
        ),
        (
            "emit.checkpoints.interval.seconds",
            CopierTool::Mirrormaker2,
            d.emit_checkpoints_interval_seconds != 60,
        ),
        (
            "offset.lag.max",
            CopierTool::Mirrormaker2,
            d.offset_lag_max != 100,
        ),
        (
            "sync.group.offsets.enabled",
            CopierTool::Mirrormaker2,
            d.sync_group_offsets_enabled,
        ),
        (
            "topic.rename.format",
            CopierTool::Replicator,
            d.topic_rename_format != "${topic}",
        ),
        (
            "provenance.header.enable",
            CopierTool::Replicator,
            d.provenance_header_enable,
        ),
        (
            "topic.poll.interval.ms",
            CopierTool::Replicator,
            d.topic_poll_interval_ms != 120_000,
        ),
        (
            "offset.translator.batch.period.ms",
            CopierTool::Replicator,
            d.offset_translator_batch_period_ms != 60_000,
        ),
        (
            "cluster.link.prefix",
            CopierTool::ClusterLinking,
            !d.cluster_link_prefix.is_empty(),
        ),
        ("parallelism", CopierTool::Flink, d.parallelism != 1),
        (
            "execution.checkpointing.interval",
            CopierTool::Flink,
            d.checkpointing_interval_ms != 10_000,
        ),
        (
            "delivery.guarantee",
            CopierTool::Flink,
            d.delivery_guarantee != crate::scenario::DeliveryGuarantee::ExactlyOnce,
        ),
    ];
    // Shared by the offset-preserving class (each tool's consumer offset sync).
    if d.consumer_offset_sync_ms != 30_000 && !d.tool.offset_preserving() {
        p.help(
            k("\"consumer.offset.sync.ms\""),
            format!(
                "`consumer.offset.sync.ms` is a setting of the offset-preserving mirrors (cluster-linking, cluster-mirroring, redpanda-shadowing); this design's tool is `{}`, which would ignore it",
                d.tool.label()
            ),
            Some("remove it, or set `tool = \"cluster-linking\"`".into()),
        );
    }
    for (key, tool, set) in owned {
        if set && d.tool != tool {
            p.help(
                k(&format!("\"{key}\"")),
                format!(
                    "`{key}` is a {} setting; this design's tool is `{}`, which would ignore it",
                    tool.label(),
                    d.tool.label()
                ),
                Some(format!("remove it, or set `tool = \"{}\"`", tool.label())),
            );
        }
    }
    if d.tool == CopierTool::Replicator && !d.topic_rename_format.contains("${topic}") {
        p.help(
            k("\"topic.rename.format\""),
            format!(
                "`{}` does not contain `${{topic}}`: every topic would be copied into one",
                d.topic_rename_format
            ),
            Some("e.g. `${topic}` (names kept) or `${topic}.replica`".into()),
        );
    }
    if d.tool == CopierTool::Flink && (d.parallelism == 0 || d.checkpointing_interval_ms == 0) {
        p.e(
            k("\"execution.checkpointing.interval\""),
            "Flink's parallelism and checkpoint interval must be > 0 (a copier needs checkpoints: its restart point and, exactly-once, its commits)".into(),
        );
    }
    if d.refresh_topics_interval_seconds == 0
        || d.topic_poll_interval_ms == 0
        || d.offset_translator_batch_period_ms == 0
    {
        p.e(
            k("\"refresh.topics.interval.seconds\""),
            "topic refresh and translation intervals must be > 0".into(),
        );
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

/// A placement group's `rack` names site `s`: its name, or one of its
/// brokers' `broker.rack` values.
pub fn holds_rack(s: &Site, rack: &str) -> bool {
    s.name == rack || site_racks(s).contains(&rack)
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

/// Longest file name most file systems take (ext4, XFS, APFS, NTFS: 255).
pub const MAX_FILE_NAME: usize = 255;
/// Room a name leaves in a file name for what ktopo adds around it (the
/// temporary file's `.` and `.tmp`, a sweep's variant suffix).
const FILE_NAME_ROOM: usize = 55;

/// A name that becomes a folder name (`safe_name`) must fit one.
fn file_name(p: &mut Problems, key: String, name: &str) {
    let n = crate::scenario::safe_name(name).len();
    let max = MAX_FILE_NAME - FILE_NAME_ROOM;
    if n > max {
        p.e(
            key,
            format!(
                "is {n} characters long as a folder name, at most {max}: reports are written under it, and file systems take at most {MAX_FILE_NAME} per file name"
            ),
        );
    }
}

/// Round trip inside one site, at most (a LAN; a campus is a few ms).
pub const MAX_LAN_RTT_MS: f64 = 100.0;
/// Round trip of a link, at most: half the Earth's circumference in fibre
/// (≈ 20 000 km at ≈ 200 km/ms each way, 200 ms) with routing detours, or a
/// geostationary satellite hop (≈ 600 ms), stays below this.
pub const MAX_RTT_MS: f64 = 1000.0;
/// Link capacity in Mbit/s, at least 10 kbit/s ...
pub const MIN_BANDWIDTH_MBPS: f64 = 0.01;
/// ... and at most 10 Tbit/s, beyond the largest aggregated inter-site links.
pub const MAX_BANDWIDTH_MBPS: f64 = 10_000_000.0;

fn rtt_bound(p: &mut Problems, key: String, v: f64) {
    if !(v.is_finite() && (0.0..=MAX_RTT_MS).contains(&v)) {
        p.e(
            key,
            format!(
                "must be between 0 and {MAX_RTT_MS} ms: light in fibre goes round half the Earth and back in about 200 ms, a geostationary satellite round trip takes about 600 ms"
            ),
        );
    }
}

fn jitter_bound(p: &mut Problems, key: String, v: f64) {
    if !(v.is_finite() && (0.0..=MAX_RTT_MS).contains(&v)) {
        p.e(key, format!("must be between 0 and {MAX_RTT_MS} ms"));
    }
}

fn bandwidth_bound(p: &mut Problems, key: String, v: f64, hint: &str) {
    if !(v.is_finite() && (MIN_BANDWIDTH_MBPS..=MAX_BANDWIDTH_MBPS).contains(&v)) {
        p.e(
            key,
            format!(
                "must be between {MIN_BANDWIDTH_MBPS} Mbit/s (10 kbit/s) and {MAX_BANDWIDTH_MBPS} Mbit/s (10 Tbit/s){hint}"
            ),
        );
    }
}

/// Two faults on the same subject whose intervals overlap: the end of the inner
/// one would undo the outer one early (a site brought back while another
/// `site-down` still holds it down). Rejected, naming both, rather than merged:
/// the file should say what it means. Same subject: the same site, the same
/// broker, a broker and its site, the same link with the same kind of fault.
fn overlapping_faults(sc: &Scenario, p: &mut Problems) {
    let end = |f: &Fault| f.duration_s.map_or(f64::INFINITY, |d| f.at_s + d);
    // The site of broker node.id `id` (brokers are numbered 1.. in site order).
    let site_of = |id: u32| {
        let mut n = 0u64;
        for s in &sc.site {
            n += u64::from(s.brokers);
            if u64::from(id) <= n {
                return Some(s.name.as_str());
            }
        }
        None
    };
    let link = |f: &Fault| {
        f.between.as_ref().map(|b| {
            let (x, y) = if b[0] <= b[1] {
                (&b[0], &b[1])
            } else {
                (&b[1], &b[0])
            };
            format!("{x}↔{y}")
        })
    };
    let label = |f: &Fault| match f.kind {
        FaultKind::SiteDown => format!("site-down `{}`", f.site.as_deref().unwrap_or("")),
        FaultKind::BrokerDown => format!("broker-down {}", f.broker.unwrap_or(0)),
        FaultKind::LinkPartition => format!("link-partition `{}`", link(f).unwrap_or_default()),
        FaultKind::LinkDegrade => format!("link-degrade `{}`", link(f).unwrap_or_default()),
        FaultKind::Corruption => "corruption".into(),
        FaultKind::TopicDeletion => "topic-deletion".into(),
    };
    let span = |f: &Fault| {
        if end(f).is_finite() {
            format!("{} s to {} s", f.at_s, end(f))
        } else {
            format!("{} s to the end", f.at_s)
        }
    };
    let same = |a: &Fault, b: &Fault| {
        use FaultKind::*;
        match (a.kind, b.kind) {
            (SiteDown, SiteDown) => a.site.is_some() && a.site == b.site,
            (BrokerDown, BrokerDown) => a.broker.is_some() && a.broker == b.broker,
            (SiteDown, BrokerDown) => {
                a.site.is_some() && b.broker.and_then(site_of) == a.site.as_deref()
            }
            (BrokerDown, SiteDown) => {
                b.site.is_some() && a.broker.and_then(site_of) == b.site.as_deref()
            }
            // A partition and a degradation of one link are different changes.
            (LinkPartition, LinkPartition) | (LinkDegrade, LinkDegrade) => {
                link(a).is_some() && link(a) == link(b)
            }
            _ => false,
        }
    };
    for (j, b) in sc.fault.iter().enumerate() {
        for (i, a) in sc.fault[..j].iter().enumerate() {
            if !(same(a, b) && a.at_s < end(b) && b.at_s < end(a)) {
                continue;
            }
            p.help(
                format!("fault[{j}].at_s"),
                format!(
                    "{} from {} overlaps fault[{i}], {} from {}: the end of one would bring their subject back while the other still holds it down",
                    label(b),
                    span(b),
                    label(a),
                    span(a)
                ),
                Some(
                    "make them one fault covering both intervals, or move one so that they do not overlap".into(),
                ),
            );
        }
    }
}

/// The retry and idempotence keys of `[[producer]]` `i`, refused where
/// Kafka's `ProducerConfig` refuses them: `retries` is a Java int,
/// `retry.backoff.max.ms` exists from 3.7 (KIP-580), and an explicit
/// `enable.idempotence = true` needs `acks = all`, `retries` > 0 and at most
/// 5 requests in flight (`postProcessAndValidateIdempotenceConfigs`).
fn producer_retries(p: &mut Problems, i: usize, pr: &Producer, version: KafkaVersion) {
    if pr.retries > i32::MAX as u32 {
        p.e(
            format!("producer[{i}].retries"),
            format!("must be ≤ {} (a Java int, as Kafka's)", i32::MAX),
        );
    }
    if pr.retry_backoff_max_ms.is_some() && !version.exponential_retry_backoff() {
        p.e(
            format!("producer[{i}].\"retry.backoff.max.ms\""),
            "exists from Kafka 3.7 (KIP-580); set model.kafka_version to 3.7 or later, or remove it (the backoff is retry.backoff.ms every time before 3.7)".into(),
        );
    }
    if pr.enable_idempotence == Some(true)
        && let Some(why) = pr.idempotence_conflict()
    {
        p.e(
            format!("producer[{i}].\"enable.idempotence\""),
            format!("the idempotent producer needs acks = \"all\", retries > 0 and max.in.flight.requests.per.connection ≤ 5 ({why}); Kafka refuses this configuration"),
        );
    }
}
