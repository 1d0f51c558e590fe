//! Building the `World` from a scenario (`World::new`): the layout's internal
//! topics, partitions and placement, producers and consumers, fetch and consumer
//! sessions, the quorums, and the fault windows (the copiers are set up when
//! the run starts, `World::start_copiers` in `copier.rs`). `World::new`
//! assembles what one function per concern builds: `build_network`,
//! `build_partitions`, `build_producers`, `build_consumers`,
//! `build_sessions`, `build_controller`, `fault_windows` and `hot_settings`.

use super::*;

/// One internal topic: a scenario topic in one cluster, under its name there.
struct TopicSpec {
    origin: usize,
    /// A local topic of its cluster (not a remote copy).
    local: bool,
    cluster: usize,
    name: String,
    rf: u32,
    min_isr: u32,
}

/// The internal topics of a layout: local topics of every cluster (cluster-major),
/// then the remote topics the flows create (deduplicated by cluster and name).
fn topic_specs(
    sc: &Scenario,
    layout: &DesignLayout,
    design: Option<&crate::scenario::Design>,
    topo: &Topology,
) -> Vec<TopicSpec> {
    let mut out: Vec<TopicSpec> = Vec::new();
    let Some(d) = design.filter(|_| !layout.flows.is_empty()) else {
        for (ti, t) in sc.topic.iter().enumerate() {
            out.push(TopicSpec {
                origin: ti,
                local: true,
                cluster: 0,
                name: t.name.clone(),
                rf: t
                    .replication_factor
                    .unwrap_or(sc.broker.default_replication_factor),
                min_isr: t
                    .min_insync_replicas
                    .unwrap_or(sc.broker.min_insync_replicas),
            });
        }
        return out;
    };
    let size = |c: usize| {
        topo.brokers
            .iter()
            .filter(|b| layout.clusters[c].contains(&b.site))
            .count() as u32
    };
    for c in 0..layout.clusters.len() {
        for (ti, t) in sc.topic.iter().enumerate() {
            let rf = t
                .replication_factor
                .unwrap_or(sc.broker.default_replication_factor)
                .min(size(c))
                .max(1);
            out.push(TopicSpec {
                origin: ti,
                local: true,
                cluster: c,
                name: t.name.clone(),
                rf,
                min_isr: t
                    .min_insync_replicas
                    .unwrap_or(sc.broker.min_insync_replicas)
                    .min(rf),
            });
        }
    }
    for &(a, b) in &layout.flows {
        for (ti, t) in sc.topic.iter().enumerate() {
            if !d.topics.is_empty() && !d.topics.contains(&t.name) {
                continue;
            }
            let name = copier::remote_name(sc, layout, d, a, &t.name);
            if out.iter().any(|x| x.cluster == b && x.name == name) {
                continue;
            }
            let rf = d.replication_factor.min(size(b)).max(1);
            out.push(TopicSpec {
                origin: ti,
                local: false,
                cluster: b,
                name,
                rf,
                min_isr: t
                    .min_insync_replicas
                    .unwrap_or(sc.broker.min_insync_replicas)
                    .min(rf),
            });
        }
    }
    out
}

/// Where each site and broker belongs in a layout: the cluster of every site,
/// then of every broker (through its site).
fn cluster_maps(topo: &Topology, layout: &DesignLayout) -> (Vec<u8>, Vec<u8>) {
    let mut site_cluster = vec![0u8; topo.sites.len()];
    for (c, sites) in layout.clusters.iter().enumerate() {
        for &s in sites {
            site_cluster[s] = c as u8;
        }
    }
    let broker_cluster = topo.brokers.iter().map(|b| site_cluster[b.site]).collect();
    (site_cluster, broker_cluster)
}

/// Each broker's hardware: `[broker_hardware]` with its site's override.
pub(super) fn broker_hardware(sc: &Scenario, topo: &Topology) -> Vec<BrokerHardware> {
    topo.brokers
        .iter()
        .map(|b| {
            let name = &topo.sites[b.site].name;
            let o = sc.site.iter().find(|s| &s.name == name);
            sc.broker_hardware
                .with(o.and_then(|s| s.broker_hardware.as_ref()))
        })
        .collect()
}

/// The network: the scenario's links (RTT, jitter, bandwidth, loss), each
/// site's LAN round trip, and the background traffic sharing a link.
fn build_network(sc: &Scenario, topo: &Topology, interval: Nanos) -> Net {
    let mut links = Vec::new();
    for l in &sc.link {
        let a = topo.site_index(&l.between[0]).expect("validated");
        let b = topo.site_index(&l.between[1]).expect("validated");
        links.push((
            a,
            b,
            LinkParams {
                rtt: ms(l.rtt_ms),
                jitter: ms(l.jitter_ms),
                bandwidth_bps: l.bandwidth_mbps * 1e6,
                loss: l.loss_pct / 100.0,
            },
        ));
    }
    let lan = topo.sites.iter().map(|s| ms(s.lan_rtt_ms)).collect();
    let mut net = Net::new(
        topo.sites.len(),
        links,
        lan,
        sc.model.tcp_mss_bytes,
        interval,
    );
    let nic: Vec<f64> = broker_hardware(sc, topo)
        .iter()
        .map(|h| h.nic_bytes_per_s())
        .collect();
    net.set_nics(&nic);
    for (i, l) in sc.link.iter().enumerate() {
        if l.background_mbps > 0.0 {
            net.set_background(
                i,
                l.background_mbps * 1e6,
                l.reserved_replication_pct / 100.0,
            );
        }
    }
    net
}

/// The partitions of every internal topic and what hangs off their placement.
struct Partitions {
    parts: Vec<Partition>,
    pos: PosTable,
    /// Replica pairs over all partitions (`Partition::n_links` each).
    n_links: usize,
    part_cluster: Vec<u8>,
    /// The partitions of each internal topic, in partition order.
    topic_parts: Vec<Vec<u32>>,
    /// Per broker, the (partition, slot) it hosts.
    hosted: Vec<Vec<(u32, u8)>>,
    /// Per partition, its replica fetcher (`fetcher_id`).
    fetcher_of: Vec<u8>,
    /// The initial metadata: preferred leaders, full ISR.
    init: Vec<PState>,
}

/// Partitions and placement: each internal topic's partitions placed rack-aware
/// within its cluster (the whole topology when there is one cluster), its
/// effective `min.insync.replicas`, record size and replica fetcher, and the
/// initial metadata every broker knows.
fn build_partitions(
    sc: &Scenario,
    topo: &Topology,
    layout: &DesignLayout,
    specs: &[TopicSpec],
    nf: usize,
) -> Partitions {
    let mut parts = Vec::new();
    let mut pos = PosTable::default();
    let mut n_links = 0;
    let mut part_cluster = Vec::new();
    let mut topic_parts = Vec::new();
    let mut hosted = vec![Vec::new(); topo.brokers.len()];
    let mut fetcher_of = Vec::new();
    let multi = layout.clusters.len() > 1;
    let restricted: Vec<(Topology, Vec<usize>)> = if multi {
        layout.clusters.iter().map(|c| topo.restricted(c)).collect()
    } else {
        Vec::new()
    };
    for (ti, spec) in specs.iter().enumerate() {
        let t = &sc.topic[spec.origin];
        let min_isr = spec.min_isr;
        let (mut w_bytes, mut w_rate) = (0.0, 0.0);
        for p in sc.producer.iter().filter(|p| p.topic == t.name) {
            w_bytes += p.record_size_bytes as f64 * p.rate_mb_s;
            w_rate += p.rate_mb_s;
        }
        let record_bytes = if w_rate > 0.0 {
            (w_bytes / w_rate).round() as u32
        } else {
            1024
        };
        let mut ids = Vec::new();
        let assignments = if multi {
            let (sub, map) = &restricted[spec.cluster];
            // A hybrid design's stretched cluster keeps the topic's placement;
            // a cluster of one site places rack-aware.
            match &t.placement {
                Some(pl) if spec.local && layout.clusters[spec.cluster].len() > 1 => {
                    crate::placement::explicit(sub, pl, t.partitions as usize, ti)
                }
                _ => crate::placement::rack_aware(sub, t.partitions as usize, spec.rf as usize, ti),
            }
            .into_iter()
            .map(|a| crate::topology::Assignment {
                replicas: a.replicas.iter().map(|&b| map[b]).collect(),
                observers: a.observers.iter().map(|&b| map[b]).collect(),
            })
            .collect()
        } else {
            topo.assign(sc, t, ti)
        };
        for (pn, a) in assignments.into_iter().enumerate() {
            fetcher_of.push(fetcher_id(&spec.name, pn, nf) as u8);
            let pi = parts.len() as u32;
            let slots: Vec<B> = a
                .replicas
                .iter()
                .chain(a.observers.iter())
                .map(|&b| b as B)
                .collect();
            for (s, &b) in slots.iter().enumerate() {
                hosted[b as usize].push((pi, s as u8));
            }
            let n = slots.len();
            let l0 = n_links as u32;
            n_links += Partition::n_links(n);
            parts.push(Partition::new(
                ti as u16,
                slots,
                a.replicas.len() as u8,
                // Since 3.7 (KAFKA-15583) the effective minimum is
                // min(min.insync.replicas, replicas); before, the setting as is.
                if sc.model.kafka_version.strict_min_isr() {
                    min_isr.min(a.replicas.len() as u32)
                } else {
                    min_isr
                }
                .min(255) as u8,
                record_bytes.max(1),
                pos.add_partition(n),
                l0,
            ));
            part_cluster.push(spec.cluster as u8);
            ids.push(pi);
        }
        topic_parts.push(ids);
    }
    // Grown one partition at a time: give back the slack (at 100 000
    // partitions, a quarter of 20 MB).
    parts.shrink_to_fit();
    pos.shrink_to_fit();
    // Initial metadata: preferred leaders, full ISR, every broker knows it.
    let init: Vec<PState> = parts
        .iter()
        .map(|p| PState {
            leader: p.slots.first().copied().unwrap_or(NO_LEADER),
            leader_epoch: 1,
            isr: p.replica_mask(),
            part_epoch: 1,
        })
        .collect();
    for p in parts.iter_mut() {
        p.rep[0].push_epoch(1, 0);
    }
    Partitions {
        parts,
        pos,
        n_links,
        part_cluster,
        topic_parts,
        hosted,
        fetcher_of,
        init,
    }
}

/// The internal topic a client in `cluster` uses for scenario topic `name`:
/// the local topic, else a remote copy of it there.
fn topic_index(sc: &Scenario, specs: &[TopicSpec], name: &str, cluster: u8) -> u16 {
    let origin = sc
        .topic
        .iter()
        .position(|t| t.name == name)
        .expect("validated");
    specs
        .iter()
        .position(|x| x.cluster == cluster as usize && x.origin == origin)
        .unwrap_or(origin) as u16
}

/// The scenario's producers: topic in their cluster, start (the topic's
/// creation), `linger.ms` for the version, batch size in records, in-flight
/// cap, timeout and TCP window (the smaller of the send and the broker's
/// receive buffer); the tick is the linger, or the flow step at flow fidelity.
fn build_producers(
    sc: &Scenario,
    topo: &Topology,
    specs: &[TopicSpec],
    site_cluster: &[u8],
    flow: Option<Flow>,
) -> Vec<ProducerState> {
    let nb = topo.brokers.len();
    sc.producer
        .iter()
        .map(|p| {
            let linger = ms(p.linger_ms(sc.model.kafka_version) as f64).max(NS_PER_MS);
            let tick = match flow {
                Some(f) => f.step,
                None => linger,
            };
            let site = topo.site_index(&p.site).expect("validated");
            ProducerState {
                site,
                home: site,
                cluster: site_cluster[site],
                copier: false,
                topic: topic_index(sc, specs, &p.topic, site_cluster[site]),
                start: sc
                    .topic
                    .iter()
                    .find(|t| t.name == p.topic)
                    .map_or(0, |t| secs(t.created_at_s)),
                acks: p.acks,
                rate_bytes_s: p.rate_mb_s * 1e6,
                record_bytes: p.record_size_bytes,
                tick,
                linger,
                batch_records: (p.batch_size / p.record_size_bytes as u64).clamp(1, u32::MAX as u64)
                    as u32,
                max_in_flight: p.max_in_flight.min(255) as u8,
                buffer_memory: p.buffer_memory,
                max_request: p.max_request_size,
                request_timeout: ms(p.request_timeout_ms as f64),
                retry: retry::Retries::of(p, sc.model.kafka_version),
                window: buffer(p.send_buffer_bytes, sc.model.tcp_autotune_max_bytes).min(buffer(
                    sc.broker.socket_receive_buffer_bytes,
                    sc.model.tcp_autotune_max_bytes,
                )),
                ..ProducerState::fresh(nb)
            }
        })
        .collect()
}

/// The scenario's consumers, each on the internal topic it reads in its
/// cluster, with follower fetching when the rack-aware replica selector is set
/// and the consumer names a rack; and the consumers of each internal topic.
fn build_consumers(
    sc: &Scenario,
    topo: &Topology,
    specs: &[TopicSpec],
    site_cluster: &[u8],
    topic_parts: &[Vec<u32>],
) -> (Vec<ConsumerState>, Vec<Vec<u16>>) {
    let selector = sc.broker.replica_selector_class.as_deref() == Some(RACK_AWARE_SELECTOR);
    let mut topic_consumers = vec![Vec::new(); specs.len()];
    let consumers = sc
        .consumer
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let site = topo.site_index(&c.site).expect("validated");
            let cl = site_cluster[site];
            // A consumer reads its cluster's local topic when something produces
            // to it there, else the remote copy of it in its cluster, if any.
            let produced_here = sc.producer.iter().any(|p| {
                p.topic == c.topic
                    && topo
                        .site_index(&p.site)
                        .is_some_and(|s| site_cluster[s] == cl)
            });
            let remote = specs.iter().position(|x| {
                x.cluster == cl as usize && sc.topic[x.origin].name == c.topic && x.name != c.topic
            });
            let t = match remote {
                Some(r) if !produced_here => r as u16,
                _ => topic_index(sc, specs, &c.topic, cl),
            };
            topic_consumers[t as usize].push(ci as u16);
            // 0, a commit at every poll, is taken as 1 ms.
            let commit = ms(c.auto_commit_interval_ms as f64).max(NS_PER_MS);
            ConsumerState {
                site,
                home: site,
                cluster: site_cluster[site],
                topic: t,
                follower_fetching: selector && c.client_rack.is_some(),
                rack: c.client_rack.clone(),
                max_wait: ms(c.fetch_max_wait_ms as f64),
                pos: vec![0; topic_parts[t as usize].len()],
                committed: None,
                auto_commit: commit,
                window: buffer(c.receive_buffer_bytes, sc.model.tcp_autotune_max_bytes),
                partition_fetch_max: c.max_partition_fetch_bytes,
                fetch_max: c.fetch_max_bytes,
                // The clock's phase comes from a stream of its own, derived
                // from the seed, so that it moves no other draw of the run.
                next_commit: SimRng::new(
                    sc.seed ^ (0xA17C_0000 + ci as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                )
                .below(commit),
                hist: [(0, 0)].into(),
                e2e: Histogram::default(),
                e2e_steady: Histogram::default(),
                consumed: 0,
            }
        })
        .collect::<Vec<_>>();
    (consumers, topic_consumers)
}

/// The fetch sessions: one per (follower, leader, replica fetcher), the
/// session carrying each replica pair of each partition, and one per
/// (consumer, broker).
struct Sessions {
    fsess: Vec<Session>,
    fpair: Vec<u32>,
    links: Vec<Link>,
    csess: Vec<Session>,
}

/// An idle, empty session of `client` with broker `server`.
fn idle_session(client: usize, server: usize) -> Session {
    Session {
        client: client as u16,
        server: server as B,
        parts: Vec::new(),
        dirty: true,
        state: SessState::Idle,
        tag: 0,
        sent: 0,
        fluid_busy: 0,
        park_until: 0,
        timer_at: None,
        ready: Vec::new(),
        is_ready: Vec::new(),
        last_arrive: 0,
        at: Vec::new(),
        at_base: 0,
        rot: 0,
        resp: Vec::new(),
    }
}

/// The (follower slot, leader slot) pairs of `part` that replicate: distinct
/// brokers, the leader at its first slot (a broker twice in a partition
/// replicates once, as `slot_of`).
fn replica_pairs(part: &Partition) -> impl Iterator<Item = (usize, usize)> + '_ {
    let n = part.slots.len();
    (0..n)
        .flat_map(move |fs| (0..n).map(move |ls| (fs, ls)))
        .filter(move |&(fs, ls)| {
            let (f, l) = (part.slot(fs), part.slot(ls));
            f != l && part.slot_of(l) == Some(ls)
        })
}

/// Follower sessions for every (follower, leader) pair of brokers that share
/// a partition, `nf` fetchers each (`fetch::fsess_ix`), the session of each
/// replica pair, and the consumer sessions. Replica sets never change (no
/// reassignment), so the pairs are known here: memory grows with the pairs
/// that replicate, not with brokers² (3 000 brokers held 9 M sessions, 1.7 GB).
fn build_sessions(p: &Partitions, nb: usize, nf: usize, n_consumers: usize) -> Sessions {
    // Pair numbers in (follower, leader) order, so sessions are laid out as
    // the dense table was.
    let mut fpair = vec![u32::MAX; nb * nb];
    for part in &p.parts {
        for (fs, ls) in replica_pairs(part) {
            fpair[part.slot(fs) as usize * nb + part.slot(ls) as usize] = 0;
        }
    }
    let mut fsess = Vec::new();
    for (i, pair) in fpair.iter_mut().enumerate() {
        if *pair == 0 {
            *pair = (fsess.len() / nf) as u32;
            fsess.extend((0..nf).map(|_| idle_session(i / nb, i % nb)));
        }
    }
    // The session of each pair.
    let mut links = vec![
        Link {
            sess: u32::MAX,
            ix: NOT_LISTED,
            ready: false,
        };
        p.n_links
    ];
    // Per partition and pair, not per session and hosted partition:
    // O(partitions × RF²) rather than O(brokers × partitions).
    for (part, &k) in p.parts.iter().zip(&p.fetcher_of) {
        for (fs, ls) in replica_pairs(part) {
            let (f, l) = (part.slot(fs) as usize, part.slot(ls) as usize);
            links[part.link(ls, fs)].sess = fpair[f * nb + l] * nf as u32 + k as u32;
        }
    }
    let csess = (0..n_consumers * nb)
        .map(|i| idle_session(i / nb, i % nb))
        .collect();
    Sessions {
        fsess,
        fpair,
        links,
        csess,
    }
}

/// The KRaft quorums: the voters are the controllers of each cluster's sites
/// (all of them when there is one cluster); a cluster without any gets one
/// voter in its first site (combined mode).
fn build_controller(
    sc: &Scenario,
    topo: &Topology,
    layout: &DesignLayout,
    broker_cluster: &[u8],
    init: Vec<PState>,
) -> controller::Controller {
    let multi = layout.clusters.len() > 1;
    let mut voters: Vec<(usize, u8)> = Vec::new();
    for (c, sites) in layout.clusters.iter().enumerate() {
        let before = voters.len();
        for v in &topo.controllers {
            if sites.contains(&v.site) || (!multi && c == 0) {
                voters.push((v.site, c as u8));
            }
        }
        if voters.len() == before
            && let Some(&s) = sites.first()
        {
            voters.push((s, c as u8));
        }
    }
    controller::Controller::new(&voters, broker_cluster, layout.clusters.len(), sc, init)
}

/// Each fault's window for the per-fault figures: from its start to 60 s after
/// its end (the run's end for a fault without a duration).
fn fault_windows(sc: &Scenario) -> Vec<(Nanos, Nanos)> {
    sc.fault
        .iter()
        .map(|f| {
            let end = f.duration_s.map_or(sc.duration_s, |d| f.at_s + d);
            (secs(f.at_s), secs(end + 60.0))
        })
        .collect()
}

/// The settings the hot paths read, converted once.
fn hot_settings(sc: &Scenario) -> Hot {
    Hot {
        fetch_proc: ms(sc.model.fetch_processing_ms),
        produce_proc: ms(sc.model.produce_processing_ms),
        replica_wait: ms(sc.broker.replica_fetch_wait_max_ms as f64),
        replica_window: buffer(
            sc.broker.replica_socket_receive_buffer_bytes,
            sc.model.tcp_autotune_max_bytes,
        ),
        strict_min_isr: sc.model.kafka_version.strict_min_isr(),
        unclean: sc.broker.unclean_leader_election_enable,
        seg_bytes: sc.broker.log_segment_bytes.max(1),
    }
}

/// Each topic's records per full batch: the mean `batch.size` over the record
/// size of the application producers that write it. A topic no application
/// producer writes (a copy's target, written by the copier's producer) takes
/// the mean over every application producer, and 1 when there is none.
fn topic_batches(producers: &[ProducerState], topics: usize) -> Vec<f64> {
    let mean = |it: &mut dyn Iterator<Item = &ProducerState>| {
        let (n, sum) = it.fold((0u32, 0f64), |(n, s), p| {
            (n + 1, s + p.batch_records.max(1) as f64)
        });
        (n > 0).then(|| sum / n as f64)
    };
    let apps = || producers.iter().filter(|p| !p.copier);
    let all = mean(&mut apps()).unwrap_or(1.0);
    (0..topics)
        .map(|t| mean(&mut apps().filter(|p| p.topic as usize == t)).unwrap_or(all))
        .collect()
}

impl<'a> World<'a> {
    /// The world at time zero of a run of `sc` (as `design` lays it out, else
    /// one stretched cluster), assembled from the parts built above.
    pub(super) fn new(sc: &'a Scenario, design: Option<&'a crate::scenario::Design>) -> World<'a> {
        let topo = Topology::build(sc);
        let nb = topo.brokers.len();
        let ns = topo.sites.len();
        let layout = match design {
            Some(d) => DesignLayout::of(sc, d),
            None => DesignLayout::stretched(sc),
        };
        let (site_cluster, broker_cluster) = cluster_maps(&topo, &layout);
        let specs = topic_specs(sc, &layout, design, &topo);
        let interval = secs(sc.model.timeline_interval_s).max(NS_PER_MS);
        let flow = (sc.model.fidelity == crate::scenario::Fidelity::Flow).then(|| Flow {
            step: ms(sc.model.flow_step_ms).max(NS_PER_MS),
            probe: ms(sc.model.probe_interval_ms(sc.duration_s)).max(NS_PER_MS),
            probe_jitter: sc.model.probe_jitter(sc.duration_s),
        });
        let net = build_network(sc, &topo, interval);
        let nf = sc.broker.num_replica_fetchers.max(1) as usize;
        // Each broker's request handling, on its site's hardware.
        let handlers = topo
            .brokers
            .iter()
            .map(|b| {
                let patch = sc.site.get(b.site).and_then(|s| s.broker_hardware.as_ref());
                handler::Handler::new(sc, &sc.broker_hardware.with(patch))
            })
            .collect();
        let partitions = build_partitions(sc, &topo, &layout, &specs, nf);
        let producers = build_producers(sc, &topo, &specs, &site_cluster, flow);
        let topic_batch = topic_batches(&producers, specs.len());
        let (consumers, topic_consumers) =
            build_consumers(sc, &topo, &specs, &site_cluster, &partitions.topic_parts);
        // Flow fidelity: brokers whose HW a follower-fetching consumer reads.
        let read_replicas: Vec<bool> = {
            let racks: Vec<&str> = consumers
                .iter()
                .filter(|c| c.follower_fetching)
                .filter_map(|c| c.rack.as_deref())
                .collect();
            if flow.is_some() && !racks.is_empty() {
                topo.brokers
                    .iter()
                    .map(|b| racks.contains(&b.rack.as_str()))
                    .collect()
            } else {
                Vec::new()
            }
        };
        let Sessions {
            fsess,
            fpair,
            links,
            csess,
        } = build_sessions(&partitions, nb, nf, consumers.len());
        let Partitions {
            parts,
            pos,
            n_links,
            part_cluster,
            topic_parts,
            hosted,
            fetcher_of,
            init,
        } = partitions;
        let views = Views::new(&broker_cluster, &part_cluster, &init);
        let ctl = build_controller(sc, &topo, &layout, &broker_cluster, init);
        let end = secs(sc.duration_s);
        let n_parts = parts.len();
        // Each partition's roll age and jitter: its topic's `segment.ms` and
        // `segment.jitter.ms`, else the broker's `log.roll.ms` and
        // `log.roll.jitter.ms` (a remote copy takes its source topic's).
        let time_rolls = disk::TimeRolls::new(
            parts
                .iter()
                .map(|p| {
                    let t = &sc.topic[specs[p.topic as usize].origin];
                    let age = t.segment_ms.unwrap_or(sc.broker.log_roll_ms);
                    let jitter = t.segment_jitter_ms.unwrap_or(sc.broker.log_roll_jitter_ms);
                    (
                        age.max(1).saturating_mul(NS_PER_MS),
                        jitter.saturating_mul(NS_PER_MS),
                    )
                })
                .collect(),
            pos.slots(),
            end,
        );
        World {
            sc,
            nb,
            broker_alive: vec![true; nb],
            broker_down_since: vec![None; nb],
            broker_last_stop: vec![None; nb],
            broker_site: topo.brokers.iter().map(|b| b.site).collect(),
            disks: broker_hardware(sc, &topo)
                .iter()
                .map(|h| disk::Disk::new(h, interval))
                .collect(),
            time_rolls,
            site_up: vec![true; ns],
            views,
            hosted,
            nf,
            fetcher_of,
            parts,
            pos,
            tracks: vec![Track::default(); n_links],
            links,
            skipped: vec![0; n_parts],
            topic_parts,
            topic_names: specs.iter().map(|t| t.name.clone()).collect(),
            topic_origin: specs.iter().map(|t| t.origin).collect(),
            producers,
            reqs: Vec::new(),
            free_reqs: Vec::new(),
            spare_lists: Vec::new(),
            spare_held: Vec::new(),
            spare_by_broker: Vec::new(),
            drain_mark: vec![0; n_parts],
            drain_round: 0,
            drain_taken: vec![0; n_parts],
            spare_touched: Vec::new(),
            spare_fill: Vec::new(),
            spare_waiters: Vec::new(),
            waiter_pool: Vec::new(),
            consumers,
            topic_consumers,
            topic_batch,
            served: {
                let mut served = vec![Vec::new(); nb];
                for (s, x) in fsess.iter().enumerate() {
                    served[x.server as usize].push(s as u32);
                }
                served
            },
            served_wake: vec![None; nb],
            read_replicas,
            bulk_due: vec![(Nanos::MAX, 0); nb],
            fsess_stream: vec![fetch::StreamStep::default(); fsess.len()],
            csess_stream: vec![fetch::StreamStep::default(); csess.len()],
            fsess,
            fpair,
            csess,
            ctl,
            broker_cluster,
            part_cluster,
            site_cluster,
            layout,
            design,
            cp: copier::Copiers::default(),
            load: crate::load::Profile::for_run(&sc.load, sc.seed),
            topo,
            q: EventQueue::new(),
            now: 0,
            end,
            rng: SimRng::new(sc.seed),
            net,
            lost: Durability::default(),
            stats: ClusterOutcome::default(),
            timeline: Timeline {
                interval_s: to_s(interval),
                ..Default::default()
            },
            fault_lost: vec![0; sc.fault.len()],
            fault_cluster_survived: vec![false; sc.fault.len()],
            fault_restarts: std::iter::repeat_with(|| None)
                .take(sc.fault.len())
                .collect(),
            fault_window: fault_windows(sc),
            fault_latency: vec![Histogram::default(); sc.fault.len()],
            fault_delivery: vec![Histogram::default(); sc.fault.len()],
            fault_e2e: vec![Histogram::default(); sc.fault.len()],
            interval_acked: 0,
            events: 0,
            fetch_data_responses: 0,
            no_quorum_since: None,
            interval,
            flow,
            hot: hot_settings(sc),
            handlers,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn producer(topic: u16, batch_records: u32, copier: bool) -> ProducerState {
        ProducerState {
            topic,
            batch_records,
            copier,
            ..ProducerState::fresh(1)
        }
    }

    /// A fetch of a topic's partitions is judged against that topic's own
    /// producers' batches; copiers' producers never count, and a topic only
    /// a copier writes falls back on the application producers' mean.
    #[test]
    fn a_topics_batch_is_its_own_producers_mean() {
        let producers = [
            producer(0, 16, false),
            producer(0, 48, false),
            producer(1, 1000, false),
            producer(2, 1, true),
        ];
        assert_eq!(
            topic_batches(&producers, 3),
            vec![32.0, 1000.0, 1064.0 / 3.0]
        );
        assert_eq!(topic_batches(&[producer(0, 1, true)], 2), vec![1.0, 1.0]);
    }
}
