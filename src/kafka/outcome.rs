//! Building the `Outcome` at the end of a run: sites, links, faults and their
//! recovery, replication, cost. Read-only over the `World`. `World::outcome`
//! assembles one function per part: `site_outcomes`, `fault_outcomes`,
//! `link_outcomes`, `cluster_outcome`, `durability_outcome`,
//! `timeline_outcome`, `replication_outcome` and `cost`; a fault's recovery
//! figures one function per case (`async_site_loss`, `not_backup`,
//! `absorbed_in_cluster`, `catch_up`) over a `FaultWindow`.

use super::*;
use copier::Exposure;

/// What a measured RTO is, as the recovery notes say it (`FaultWindow::measured`).
macro_rules! outage_note {
    () => {
        "the end of the outage (the last interval with a write refused, timed out or not made before the fault ended, or of the run of them across its end)"
    };
}

impl World<'_> {
    /// The run's `Outcome`, assembled from the parts below.
    pub(super) fn outcome(&self) -> Outcome {
        let sc = self.sc;
        let links = self.link_outcomes();
        let cost = self.design.map(|_| self.cost(&links));
        Outcome {
            schema_version: SCHEMA_VERSION,
            scenario: sc.name.clone(),
            design: self.design.map_or("stretched".into(), |d| d.name.clone()),
            seed: sc.seed,
            duration_s: sc.duration_s,
            fidelity: match self.flow {
                Some(_) => "flow",
                None => "request",
            }
            .into(),
            sites: self.site_outcomes(),
            durability: self.durability_outcome(),
            cluster: self.cluster_outcome(),
            faults: self.fault_outcomes(),
            links,
            brokers: self.broker_outcomes(),
            timeline: self.timeline_outcome(),
            events_processed: self.events,
            follower_fetch_responses: self.fetch_data_responses,
            request_handling: self.request_handling(),
            replication: self.replication_outcome(),
            cost,
        }
    }

    /// Per site, its application producers (latency, records by fate, those
    /// still in flight at the end) and consumers (end-to-end latency, records
    /// read); copier producers are left out.
    fn site_outcomes(&self) -> Vec<SiteOutcome> {
        let mut sites = Vec::new();
        for (si, s) in self.topo.sites.iter().enumerate() {
            let produce = self
                .producers
                .iter()
                .enumerate()
                .filter(|(_, p)| p.home == si && !p.copier)
                .map(|(pi, p)| {
                    let in_flight: u64 = self
                        .reqs
                        .iter()
                        .filter(|r| !r.done && r.prod as usize == pi)
                        .flat_map(|r| r.parts.iter().map(|x| x.1 as u64))
                        .sum();
                    ProduceOutcome {
                        topic: self.topic_names[p.topic as usize].clone(),
                        acks: p.acks.label().to_string(),
                        latency: LatencySummary::of(&p.latency),
                        latency_steady: LatencySummary::of(&p.steady),
                        accumulator_wait: LatencySummary::of(&p.acc_wait),
                        records_sent: p.sent,
                        records_acked: p.acked,
                        records_rejected: p.rejected,
                        records_timed_out: p.timed_out,
                        records_unavailable: p.unavailable,
                        records_blocked: p.blocked,
                        records_in_flight_at_end: in_flight,
                        records_retried: p.retry.retried,
                        records_expired: p.retry.expired,
                        records_duplicated: p.retry.duplicated,
                        latency_cdf: latency_cdf(&p.latency),
                    }
                })
                .collect();
            let consume = self
                .consumers
                .iter()
                .filter(|c| c.home == si)
                .map(|c| ConsumeOutcome {
                    topic: self.topic_names[c.topic as usize].clone(),
                    follower_fetching: c.follower_fetching,
                    end_to_end: LatencySummary::of(&c.e2e),
                    end_to_end_steady: LatencySummary::of(&c.e2e_steady),
                    records_consumed: c.consumed,
                })
                .collect();
            sites.push(SiteOutcome {
                site: s.name.clone(),
                produce,
                consume,
            });
        }
        sites
    }

    /// Per fault: its subject and window, the unavailable partition-seconds
    /// from its start to 60 s after its end, the acknowledged records lost, the
    /// latencies in its window and, in runs of a design, its recovery.
    fn fault_outcomes(&self) -> Vec<FaultOutcome> {
        let sc = self.sc;
        let iv = to_s(self.interval);
        sc.fault
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let end_s = f
                    .duration_s
                    .map(|d| f.at_s + d)
                    .unwrap_or(sc.duration_s)
                    .min(sc.duration_s);
                let from = (f.at_s / iv).floor() as usize;
                let to = (((end_s + 60.0) / iv).ceil() as usize)
                    .min(self.timeline.unavailable_partitions.len());
                let unavailable: u64 = self
                    .timeline
                    .unavailable_partitions
                    .get(from..to.max(from))
                    .unwrap_or(&[])
                    .iter()
                    .map(|&x| x as u64)
                    .sum();
                let subject = match f.kind {
                    FaultKind::SiteDown => f.site.clone().unwrap_or_default(),
                    FaultKind::BrokerDown => format!("broker {}", f.broker.unwrap_or(0)),
                    _ => f
                        .between
                        .as_ref()
                        .map(|b| format!("{}<->{}", b[0], b[1]))
                        .unwrap_or_default(),
                };
                FaultOutcome {
                    index: i,
                    kind: serde_json::to_value(f.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(String::from))
                        .unwrap_or_default(),
                    subject,
                    at_s: f.at_s,
                    end_s,
                    unavailable_partition_s: round3(unavailable as f64 * iv),
                    lost_acked_records: self.fault_lost[i],
                    produce_latency: LatencySummary::of(&self.fault_latency[i]),
                    delivery_latency: LatencySummary::of(&self.fault_delivery[i]),
                    end_to_end_latency: LatencySummary::of(&self.fault_e2e[i]),
                    recovery: self.design.map(|_| self.recovery(i)),
                }
            })
            .collect()
    }

    /// Per directed link: bytes carried, and utilization per timeline
    /// interval, mean, maximum and the time above 80 %.
    fn link_outcomes(&self) -> Vec<LinkOutcome> {
        let iv = to_s(self.interval);
        self.net
            .usage(self.end)
            .into_iter()
            .map(|u| {
                let mut max: f64 = 0.0;
                let mut above = 0usize;
                let mut total = 0u64;
                let mut capacity = 0.0;
                let mut utilization = Vec::with_capacity(u.bytes_per_bucket.len());
                for (&b, &cap) in u.bytes_per_bucket.iter().zip(&u.capacity_bytes_per_bucket) {
                    total += b;
                    capacity += cap;
                    let util = if cap > 0.0 { b as f64 / cap } else { 0.0 };
                    utilization.push(round3(util));
                    max = max.max(util);
                    if util > 0.8 {
                        above += 1;
                    }
                }
                LinkOutcome {
                    from: self.topo.sites[u.from].name.clone(),
                    to: self.topo.sites[u.to].name.clone(),
                    bandwidth_mbps: u.bandwidth_bps / 1e6,
                    bytes: total,
                    utilization_mean: round3(if capacity > 0.0 {
                        total as f64 / capacity
                    } else {
                        0.0
                    }),
                    utilization_max: round3(max),
                    above_80pct_s: round3(above as f64 * iv),
                    utilization,
                }
            })
            .collect()
    }

    /// Each broker's NIC in and out and disk writes and reads: bytes over the
    /// capacity of each timeline interval (for the disk, the share of its time
    /// the writes and the reads take); then its io and network threads' busy
    /// share (§5a), the rows `io_threads` and `network_threads`.
    fn broker_outcomes(&self) -> Vec<BrokerOutcome> {
        let requests = self.request_handling();
        let iv = to_s(self.interval);
        let n = self.end.div_ceil(self.interval).max(1) as usize;
        let hw = build::broker_hardware(self.sc, &self.topo);
        let nics = self.net.nic_usage(self.end);
        let row = |resource: &str, bytes: &[u64], per_s: f64| {
            let cap = per_s * iv;
            let (mut total, mut peak) = (0u64, 0.0f64);
            for &b in bytes.iter().take(n) {
                total += b;
                peak = peak.max(b as f64 / cap.max(1.0));
            }
            ResourceUse {
                resource: resource.into(),
                capacity_mb_s: round3(per_s / 1e6),
                mb: round3(total as f64 / 1e6),
                busy_mean: round3(total as f64 / (cap * n as f64).max(1.0)),
                busy_peak: round3(peak),
            }
        };
        self.topo
            .brokers
            .iter()
            .enumerate()
            .map(|(b, info)| {
                let h = &hw[b];
                let mut resources = Vec::with_capacity(6);
                if let Some(u) = nics.get(b) {
                    resources.push(row("nic_in", &u.in_bytes_per_bucket, u.bytes_per_s));
                    resources.push(row("nic_out", &u.out_bytes_per_bucket, u.bytes_per_s));
                }
                let d = &self.disks[b];
                resources.push(row(
                    "disk_write",
                    &d.write_bytes,
                    h.disk_write_bytes_per_s(),
                ));
                resources.push(row("disk_read", &d.read_bytes, h.disk_read_bytes_per_s()));
                if let Some(r) = requests.get(b) {
                    let threads = |resource: &str, mean: f64, peak: f64| ResourceUse {
                        resource: resource.into(),
                        capacity_mb_s: 0.0,
                        mb: 0.0,
                        busy_mean: round3(mean / 100.0),
                        busy_peak: round3(peak / 100.0),
                    };
                    resources.push(threads(
                        "io_threads",
                        r.io_busy_pct_mean,
                        r.io_busy_pct_peak,
                    ));
                    resources.push(threads(
                        "network_threads",
                        r.network_busy_pct_mean,
                        r.network_busy_pct_peak,
                    ));
                }
                BrokerOutcome {
                    broker: info.node_id,
                    site: self.topo.sites[info.site].name.clone(),
                    resources,
                }
            })
            .collect()
    }

    /// The cluster figures (quorum and partition unavailability), rounded.
    fn cluster_outcome(&self) -> ClusterOutcome {
        let mut cluster = self.stats.clone();
        cluster.no_quorum_s = round3(cluster.no_quorum_s);
        cluster.unavailable_partition_s = round3(cluster.unavailable_partition_s);
        cluster
    }

    /// The acknowledged records lost, with the oldest loss's age rounded.
    fn durability_outcome(&self) -> Durability {
        let mut durability = self.lost.clone();
        durability.lost_acked_age_s_max = round3(durability.lost_acked_age_s_max);
        durability
    }

    /// The timeline, with the copiers' lag and backlog per interval.
    fn timeline_outcome(&self) -> Timeline {
        let mut timeline = self.timeline.clone();
        timeline.replication_lag_s = self.cp.lag_timeline.clone();
        timeline.replication_backlog_bytes = self.cp.backlog_timeline.clone();
        timeline
    }

    /// The cross-cluster replication figures of a run of a design with copied
    /// partitions: per flow, and lag, backlog, volumes, retention losses,
    /// offset syncs and checkpoints overall.
    fn replication_outcome(&self) -> Option<ReplicationOutcome> {
        let d = self.design?;
        if self.cp.parts.is_empty() {
            return None;
        }
        let cp = &self.cp;
        let name = |c: usize| self.layout.cluster_name(self.sc, c);
        Some(ReplicationOutcome {
            tool: cp.tool.label().into(),
            topology: serde_json::to_value(d.topology)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            flows: cp
                .flows
                .iter()
                .map(
                    |&(a, b, site, tasks, partitions, records, bytes)| FlowOutcome {
                        from_cluster: name(a),
                        to_cluster: name(b),
                        copier_site: self.topo.sites[site].name.clone(),
                        tasks,
                        partitions,
                        records_copied: records,
                        bytes_copied: bytes,
                    },
                )
                .collect(),
            lag: LatencySummary::of(&cp.lag),
            lag_s_max: cp.lag_timeline.iter().copied().fold(0.0, f64::max),
            backlog_bytes_max: cp.backlog_timeline.iter().copied().max().unwrap_or(0),
            records_copied: cp.copied_records,
            bytes_copied: cp.copied_bytes,
            producer_wire_bytes: cp.wire_bytes,
            compression_ratio: cp.ratio,
            records_lost_to_retention: cp.lost_retention_records,
            bytes_lost_to_retention: cp.lost_retention_bytes,
            offset_syncs: cp.offset_syncs,
            checkpoints: cp.checkpoints,
            records_recopied: cp.recopied,
        })
    }

    /// Recovery figures of fault `i` (runs of a design): one function per kind
    /// of fault and design (an async design's site loss, an async design's
    /// link fault, corruption or deletion, and everything a single cluster
    /// absorbs), then the copier's catch-up.
    fn recovery(&self, i: usize) -> RecoveryOutcome {
        let w = FaultWindow::new(self, i);
        let f = w.f;
        let e = self
            .cp
            .exposures
            .get(i)
            .cloned()
            .flatten()
            .unwrap_or_default();
        let mut r = RecoveryOutcome {
            rto_s: None,
            rpo_records: 0,
            rpo_bytes: 0,
            rpo_s: 0.0,
            duplicates: 0,
            duplicates_from_translation: 0,
            duplicates_from_interval: 0,
            duplicates_measured: None,
            duplicates_over_phases: None,
            records_never_read: 0,
            producers_failed_over: 0,
            consumers_failed_over: 0,
            catch_up_s: None,
            disrupted_after_end_s: None,
            reaches_all_copies_s: None,
            backup_restore_point_age_s: None,
            note: String::new(),
        };
        match f.kind {
            FaultKind::SiteDown if w.is_async && self.site_holds_cluster(i, &f.site) => {
                self.async_site_loss(&w, &e, &mut r)
            }
            FaultKind::LinkPartition | FaultKind::LinkDegrade if w.is_async => {
                r.rpo_records = e.rpo_records;
                r.rpo_bytes = e.rpo_bytes;
                r.rpo_s = e.rpo_s;
                r.note = "no failover: each cluster keeps serving; the copier falls behind and catches up".into();
            }
            FaultKind::Corruption | FaultKind::TopicDeletion => self.not_backup(&w, &e, &mut r),
            _ => self.absorbed_in_cluster(&w, &mut r),
        }
        r.catch_up_s = self.catch_up(&w);
        r.disrupted_after_end_s = w.after_end(self);
        r
    }

    /// Whether a lost site took its cluster with it (a hybrid design's
    /// stretched cluster that kept a site up follows the in-cluster rules).
    fn site_holds_cluster(&self, i: usize, name: &Option<String>) -> bool {
        !self.fault_cluster_survived[i]
            && self
                .topo
                .site_index(name.as_deref().unwrap_or_default())
                .is_some_and(|s| self.layout.clusters.iter().any(|c| c.contains(&s)))
    }

    /// Whether application producers or consumers live in site `name`.
    fn clients_in(&self, name: &Option<String>) -> bool {
        let s = self.topo.site_index(name.as_deref().unwrap_or_default());
        self.producers
            .iter()
            .any(|p| !p.copier && Some(p.home) == s)
            || self.consumers.iter().any(|c| Some(c.home) == s)
    }

    /// Whether application clients use the lost site's cluster (its site, or
    /// for a hybrid design's stretched cluster lost site by site, any of its
    /// sites).
    fn clients_of_cluster(&self, name: &Option<String>) -> bool {
        let s = self.topo.site_index(name.as_deref().unwrap_or_default());
        let c = s.and_then(|s| self.layout.cluster_of(s));
        let of =
            |home: usize| Some(home) == s || (c.is_some() && self.layout.cluster_of(home) == c);
        self.producers.iter().any(|p| !p.copier && of(p.home))
            || self.consumers.iter().any(|x| of(x.home))
    }

    /// An async design loses the site of a cluster: the applications fail over
    /// to the copy (or stay down), losing what the copier had not copied and
    /// re-reading what offset translation cannot place.
    fn async_site_loss(&self, w: &FaultWindow, e: &Exposure, r: &mut RecoveryOutcome) {
        let fo = &self.sc.failover;
        if !self.clients_of_cluster(&w.f.site) {
            r.note = "no application client in the lost site: nothing fails over; copying into or out of it stops until it returns".into();
            return;
        }
        let stay_down = fo.clients == ClientFailover::StayDown;
        // What the applications could not write, measured; with consumers
        // only, the time until they resume at the target.
        r.rto_s = if w.written && !stay_down {
            Some(w.measured(self).max(round3(w.restart_s(true))))
        } else if w.written {
            Some(w.measured(self))
        } else if stay_down {
            None
        } else {
            Some(round3(
                fo.detection_s + fo.decision_s + fo.dns_ttl_s + fo.client_restart_s,
            ))
        };
        r.rpo_records = e.rpo_records;
        r.rpo_bytes = e.rpo_bytes;
        r.rpo_s = e.rpo_s;
        // Consumers that stay down with their site, or whose site returns
        // before their failover, restart there, at their group's last commit.
        let back_first = self.fault_restarts[w.i]
            .as_ref()
            .is_some_and(|rr| rr.restarted > 0);
        if stay_down || back_first {
            self.restart_rereads(w.i, r);
        } else {
            r.duplicates = e.duplicates;
            r.duplicates_from_translation = e.dup_translation;
            r.duplicates_from_interval = e.dup_interval;
            r.duplicates_measured = self.cp_measured_duplicates(w.i);
            r.duplicates_over_phases =
                e.over_phases
                    .map(|(min, mean, max)| PhaseRange { min, mean, max });
            r.records_never_read = e.never_read;
        }
        if e.resumed.is_some() {
            r.producers_failed_over = e.producers_failed_over;
            r.consumers_failed_over = e.consumers_failed_over;
        }
        r.note = if stay_down {
            "clients stay down with their site (failover.clients = \"stay-down\"): measured until writes resume".into()
        } else {
            format!(
                "failover: detection {} s + decision {} s + DNS TTL {} s + client restart {} s; {} consumer(s) resume at the target{}",
                fo.detection_s,
                fo.decision_s,
                fo.dns_ttl_s,
                fo.client_restart_s,
                e.consumers_failed_over,
                if w.written {
                    concat!("; RTO measured: ", outage_note!())
                } else {
                    ""
                }
            )
        };
    }

    /// The lost site's consumers that restart inside their cluster (a
    /// stretched site loss, or their own site's return) resume at their
    /// group's committed offsets (§19): what they re-read.
    fn restart_rereads(&self, i: usize, r: &mut RecoveryOutcome) {
        let Some(rr) = &self.fault_restarts[i] else {
            return;
        };
        r.duplicates = rr.expected;
        r.duplicates_from_interval = rr.expected;
        r.duplicates_over_phases = Some(PhaseRange {
            min: rr.phases.0,
            mean: rr.phases.1,
            max: rr.phases.2,
        });
        if rr.restarted > 0 {
            r.consumers_failed_over = rr.failed_over;
            r.records_never_read = rr.never_read;
            r.duplicates_measured = Some(self.reread_since(&rr.resumed));
        }
    }

    /// Corruption or a topic deletion: replication copies it everywhere; only
    /// a backup restores the data.
    fn not_backup(&self, w: &FaultWindow, e: &Exposure, r: &mut RecoveryOutcome) {
        r.reaches_all_copies_s = Some(if w.is_async { e.reaches_copies_s } else { 0.0 });
        r.note = match &self.sc.backup {
            Some(b) => {
                let age = w.f.at_s.rem_euclid(b.interval_s);
                r.backup_restore_point_age_s = Some(round3(age));
                format!(
                    "replication is not backup: every copy has it within the lag; the backup taken {:.0} s before restores the data, losing what was written since",
                    age
                )
            }
            None => "replication is not backup: every copy has it within the lag, and there is no backup to restore from".into(),
        };
    }

    /// A fault one cluster absorbs (a stretched design's site loss, any broker,
    /// disk or link fault inside a cluster): every producer shows the outage,
    /// those of a lost site as silence until they fail over; with no producer
    /// writing at all, the fencing time is the only estimate.
    fn absorbed_in_cluster(&self, w: &FaultWindow, r: &mut RecoveryOutcome) {
        let (f, i) = (w.f, w.i);
        let fo = &self.sc.failover;
        let stay_down = fo.clients == ClientFailover::StayDown;
        let estimate = f.kind == FaultKind::SiteDown && !w.written;
        let clients_in = f.kind == FaultKind::SiteDown && self.clients_in(&f.site);
        r.rto_s = Some(if estimate {
            round3(self.sc.broker.broker_session_timeout_ms as f64 / 1000.0)
        } else if clients_in && !stay_down {
            w.measured(self).max(round3(w.restart_s(false)))
        } else {
            w.measured(self)
        });
        r.rpo_records = self.fault_lost[i];
        r.rpo_bytes = self.fault_lost[i] * self.parts.first().map_or(0, |p| p.record_bytes as u64);
        r.rpo_s = if self.fault_lost[i] > 0 {
            round3(self.lost.lost_acked_age_s_max)
        } else {
            0.0
        };
        self.restart_rereads(i, r);
        r.note = if estimate {
            "estimate: broker.session.timeout.ms (fencing) before partitions move; no producer wrote to measure it".into()
        } else if clients_in {
            if stay_down {
                concat!(
                    "measured: ",
                    outage_note!(),
                    "; the lost site's clients stay down with it"
                )
                .into()
            } else {
                format!(
                    concat!(
                        "measured: ",
                        outage_note!(),
                        "; the lost site's clients fail over after detection {} s + decision {} s + client restart {} s (no DNS change: the bootstrap list names the other sites)"
                    ),
                    fo.detection_s, fo.decision_s, fo.client_restart_s
                )
            }
        } else {
            "measured: the end of the outage (the last interval with an unavailable partition before the fault ended, or of the run of them across its end)".into()
        };
    }

    /// An async design's catch-up after a link fault or a site's return: from
    /// the fault's end to the first interval whose lag is back within twice
    /// the lag before the fault (or 5 s).
    fn catch_up(&self, w: &FaultWindow) -> Option<f64> {
        let f = w.f;
        let end = w.end_s?;
        let tl = &self.cp.lag_timeline;
        if !w.is_async
            || tl.is_empty()
            || !matches!(
                f.kind,
                FaultKind::LinkPartition | FaultKind::LinkDegrade | FaultKind::SiteDown
            )
        {
            return None;
        }
        let iv = w.iv;
        let before = ((f.at_s / iv).floor() as usize).saturating_sub(1);
        let base: f64 = tl.get(before).copied().unwrap_or(0.0);
        let threshold = (2.0 * base).max(5.0);
        let from = (end / iv).floor() as usize;
        (from..tl.len())
            .find(|&k| tl[k] <= threshold)
            .map(|k| round3(((k + 1) as f64 * iv - end).max(0.0)))
    }

    /// The monthly cost of a run of a design: brokers, storage (each
    /// partition's write rate kept for its retention, times its replicas), the
    /// links' bytes and the copier workers.
    fn cost(&self, links: &[LinkOutcome]) -> CostOutcome {
        let sc = self.sc;
        let mut stored = 0.0;
        for (pi, p) in self.parts.iter().enumerate() {
            let topic = &sc.topic[self.topic_origin[p.topic as usize]];
            let leo = self.max_leo(pi);
            let rate = leo as f64 * p.record_bytes as f64 / sc.duration_s.max(1e-9);
            let keep_s = if topic.retention_ms < 0 {
                crate::cost::MONTH_S
            } else {
                (topic.retention_ms as f64 / 1000.0).min(crate::cost::MONTH_S)
            };
            let mut bytes = rate * keep_s;
            if topic.retention_bytes > 0 {
                bytes = bytes.min(topic.retention_bytes as f64);
            }
            stored += bytes * p.slots.len() as f64;
        }
        let workers = if self.cp.tool.offset_preserving() {
            0
        } else {
            self.cp.tasks.len() as u32
        };
        crate::cost::monthly(sc, links, self.nb as u32, stored, workers)
    }
}

/// The timeline window a fault's recovery figures are read from: from the
/// fault's start to 60 s after its end (or the run's end).
struct FaultWindow<'a> {
    i: usize,
    f: &'a crate::scenario::Fault,
    fo: &'a crate::scenario::FailoverConfig,
    /// The timeline's interval, s.
    iv: f64,
    end_s: Option<f64>,
    is_async: bool,
    /// Producers wrote (or fell silent) in the window: the timeline then
    /// measures what the applications could not write.
    written: bool,
    from: usize,
    to: usize,
}

impl<'a> FaultWindow<'a> {
    fn new(w: &'a World<'_>, i: usize) -> Self {
        let sc = w.sc;
        let f = &sc.fault[i];
        let iv = to_s(w.interval);
        let end_s = f.duration_s.map(|d| f.at_s + d);
        let from = (f.at_s / iv).floor() as usize;
        let to = ((end_s.unwrap_or(sc.duration_s) + 60.0) / iv).ceil() as usize;
        let tl = &w.timeline.written_partitions;
        let written = (from..to.min(tl.len())).any(|k| tl[k] > 0);
        FaultWindow {
            i,
            f,
            fo: &sc.failover,
            iv,
            end_s,
            is_async: !w.layout.flows.is_empty(),
            written,
            from,
            to,
        }
    }

    /// The fault's outage, from its start: to the end of the last interval
    /// with an unavailable partition that began before the fault's end, or,
    /// when that outage runs on across the end, to the end of its run; 0
    /// when nothing was unavailable. A disruption that begins once the
    /// fault is over (followers catching up, leaders moving back) is not
    /// the fault's recovery: [`Self::after_end`] reports it.
    fn measured(&self, w: &World<'_>) -> f64 {
        let (last, _) = self.split(w);
        round3(last.map_or(0.0, |k| ((k + 1) as f64 * self.iv - self.f.at_s).max(0.0)))
    }

    /// Writes disrupted again once the fault was over: the seconds of
    /// intervals with an unavailable partition from its end (after the
    /// outage, when that ran on across it) to 60 s after it. `None` for a
    /// fault that does not end within the run.
    fn after_end(&self, w: &World<'_>) -> Option<f64> {
        self.end_s.filter(|&e| e < w.sc.duration_s)?;
        let (_, after) = self.split(w);
        Some(round3(after as f64 * self.iv))
    }

    /// [`outage_split`] of this window.
    fn split(&self, w: &World<'_>) -> (Option<usize>, usize) {
        let tl = &w.timeline.unavailable_partitions;
        let end_k = self
            .end_s
            .map_or(self.to, |e| ((e / self.iv).ceil() as usize).max(self.from));
        outage_split(tl, self.from, end_k, self.to)
    }

    /// The clients' restart after a site loss: writes cannot resume before
    /// it, even when the run ends first.
    fn restart_s(&self, dns: bool) -> f64 {
        let fo = self.fo;
        fo.detection_s + fo.decision_s + fo.client_restart_s + if dns { fo.dns_ttl_s } else { 0.0 }
    }
}

/// A fault's window over the timeline's unavailable partitions `tl`, from
/// interval `from` (its start) to `to` (60 s after its end), `end_k` the first
/// interval that begins at or after its end: the last interval of its outage
/// (the last unavailable one before `end_k`, or, when the outage runs on
/// across `end_k`, the last of that run), and the unavailable intervals after
/// the outage from `end_k` on.
fn outage_split(tl: &[u32], from: usize, end_k: usize, to: usize) -> (Option<usize>, usize) {
    let to = to.min(tl.len());
    let end_k = end_k.clamp(from.min(to), to);
    let mut last = (from..end_k).rev().find(|&k| tl[k] > 0);
    if let Some(k) = last.as_mut()
        && *k + 1 == end_k
    {
        while *k + 1 < to && tl[*k + 1] > 0 {
            *k += 1;
        }
    }
    let after_from = last.map_or(end_k, |k| (k + 1).max(end_k));
    let after = (after_from..to).filter(|&k| tl[k] > 0).count();
    (last, after)
}

#[cfg(test)]
mod tests {
    use super::outage_split;

    /// The outage ends where writes came back during the fault; a blip when
    /// the fault ends is reported after it, not as the outage; an outage that
    /// runs on across the end ends with its run.
    #[test]
    fn an_outage_ends_where_writes_came_back_not_at_a_later_blip() {
        // Fault over intervals 2..8 (end_k 8), window to 12.
        let resumed_then_blip = [0, 0, 5, 5, 1, 0, 0, 0, 3, 0, 2, 0];
        assert_eq!(outage_split(&resumed_then_blip, 2, 8, 12), (Some(4), 2));
        let across = [0, 0, 5, 5, 5, 5, 5, 5, 5, 4, 0, 1];
        assert_eq!(outage_split(&across, 2, 8, 12), (Some(9), 1));
        let quiet_then_after = [0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 7, 0];
        assert_eq!(outage_split(&quiet_then_after, 2, 8, 12), (None, 2));
        let lasts_the_run = [0, 0, 5, 0, 5, 0];
        assert_eq!(outage_split(&lasts_the_run, 2, 6, 6), (Some(4), 0));
        // A timeline shorter than the window (the run ended first).
        assert_eq!(outage_split(&[0, 0, 5, 5], 2, 8, 12), (Some(3), 0));
    }
}
