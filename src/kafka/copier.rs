//! Cross-cluster copiers: MirrorMaker 2, Confluent Replicator, uReplicator
//! (Connect-style: tasks that consume from the source cluster and produce to the
//! target) and Cluster Linking (destination brokers fetch from source leaders).
//!
//! Every copier task is a real client of both clusters:
//! - one fetch session per (task, source broker), one fetch in flight, long poll
//!   `fetch.max.wait.ms`, `max.partition.fetch.bytes` / `fetch.max.bytes`, the
//!   response crossing [`crate::net::Net`] with the consumer's receive buffer as
//!   window (so a connection moves at most buffer / RTT);
//! - a producer (an entry of `World::producers` flagged `copier`) with `acks=all`,
//!   `max.in.flight.requests.per.connection` (1 for Connect), one batch of at
//!   most `batch.size` per partition per request, `max.request.size`, and wire
//!   bytes = payload ÷ the codec ratio of `producer.compression.type`.
//!
//! A fetch carries whatever is available up to the limits and a produce request
//! whatever is buffered: never one event per record or per batch.
//!
//! Replication lag is measured end to end: from a record's creation at the
//! source producer to the moment the target leader's high watermark covers it
//! (the copier's acknowledgement, minus the one-way delay it travelled).

use super::*;
use crate::scenario::{AutoOffsetReset, CopierTool, Design, ReplicationPolicy};
use std::collections::VecDeque;

/// Kafka producer `buffer.memory` and `max.request.size`.
const BUFFER_MEMORY: u64 = 33_554_432;
const MAX_REQUEST: u64 = 1_048_576;
/// Consumer `request.timeout.ms` and reconnect backoff.
const REQUEST_TIMEOUT: Nanos = 30_000 * NS_PER_MS;
const RECONNECT: Nanos = 1_000 * NS_PER_MS;
/// How often the copier checks timeouts, offset flushes and checkpoints.
const TICK: Nanos = 100 * NS_PER_MS;

/// Remote topic name of `topic` copied from cluster `from` under the design's policy.
pub(super) fn remote_name(
    sc: &Scenario,
    layout: &DesignLayout,
    d: &Design,
    from: usize,
    topic: &str,
) -> String {
    match d.tool {
        CopierTool::Replicator => return d.topic_rename_format.replace("${topic}", topic),
        // Mirror topics keep the source name behind the link's optional prefix.
        CopierTool::ClusterLinking => return format!("{}{topic}", d.cluster_link_prefix),
        // uReplicator, KIP-1279 mirror topics and Redpanda shadow topics keep names.
        CopierTool::Ureplicator
        | CopierTool::ClusterMirroring
        | CopierTool::RedpandaShadowing
        | CopierTool::Flink => {
            return topic.to_string();
        }
        CopierTool::Mirrormaker2 => {}
    }
    match d.replication_policy {
        ReplicationPolicy::Identity => topic.to_string(),
        ReplicationPolicy::Default => {
            let alias = &sc.site[layout.anchor(sc, from)].name;
            format!("{alias}{}{topic}", d.replication_policy_separator)
        }
    }
}

/// How often consumer offsets are translated: MM2's checkpoints, Replicator's
/// offset translator; the other tools do not translate (the period only paces
/// a check that finds nothing to do).
fn translation_period(d: &Design) -> Nanos {
    match d.tool {
        CopierTool::Replicator => ms(d.offset_translator_batch_period_ms as f64),
        _ => secs(d.emit_checkpoints_interval_seconds as f64),
    }
    .max(NS_PER_MS)
}

/// When a copier finds a topic created at `created`: MM2 at its next
/// `refresh.topics.interval.seconds` (the first refresh comes one interval after
/// the start), Replicator at its next `topic.poll.interval.ms`; Cluster Linking
/// mirror topics and uReplicator whitelisting are set up with the topic (an
/// operator step, assumed done at creation).
fn discovery(d: &Design, created: Nanos) -> Nanos {
    let every = match d.tool {
        CopierTool::Mirrormaker2 => secs(d.refresh_topics_interval_seconds as f64),
        CopierTool::Replicator => ms(d.topic_poll_interval_ms as f64),
        CopierTool::ClusterLinking
        | CopierTool::ClusterMirroring
        | CopierTool::RedpandaShadowing
        | CopierTool::Ureplicator
        | CopierTool::Flink => return created,
    }
    .max(NS_PER_MS);
    if created == 0 {
        0
    } else {
        created.div_ceil(every) * every
    }
}

/// One copier task (a Connect task, a uReplicator worker, or for Cluster
/// Linking a destination broker).
#[derive(Clone)]
pub(super) struct Task {
    flow: u16,
    site: usize,
    /// Its producer in `World::producers`.
    prod: u16,
    window: u64,
    parts: Vec<u32>,
    /// Payload bytes fetched and not yet acknowledged by the target.
    buffered: u64,
    /// `buffer.memory` full: fetching waits.
    blocked: bool,
    /// Per target broker, the index in `parts` its next request starts at
    /// (Kafka's `RecordAccumulator.nodesDrainIndex`).
    drain: Vec<u32>,
    /// Flow fidelity: per target broker, the round trips of requests the
    /// connection has in hand (at most a step's, a step's at the start) and
    /// when that was counted (`cp_request_caps`).
    rounds: Vec<(f64, Nanos)>,
    /// Bit `i`: `parts[i]` may have records to send (not in flight, buffer
    /// not empty). A superset: set whenever a partition may become ready
    /// (`cp_may_send`), cleared when `cp_send_produces` finds it is not, so
    /// that it visits only these rather than every partition of the task.
    ready: Vec<u64>,
}

/// The first set bit of `bits` at or after `from`.
fn next_ready(bits: &[u64], from: usize) -> Option<usize> {
    let mut w = from / 64;
    let mut word = bits.get(w)? & (u64::MAX << (from % 64));
    loop {
        if word != 0 {
            return Some(w * 64 + word.trailing_zeros() as usize);
        }
        w += 1;
        word = *bits.get(w)?;
    }
}

/// One mirrored partition: a source partition and its remote copy.
#[derive(Clone)]
pub(super) struct MPart {
    src: u32,
    dst: u32,
    task: u16,
    /// Its index in its task's `parts`.
    ix: u32,
    /// Next source offset to fetch.
    fetch_pos: u64,
    /// Source offsets below this are readable at the target (or were lost to retention).
    acked: u64,
    /// Records this copier wrote to the target partition (its downstream offset).
    down: u64,
    /// Fetched, not yet sent: (source offset, records), in order.
    buf: VecDeque<(u64, u32)>,
    in_flight: bool,
    /// Source ranges deleted by retention before they were fetched.
    gaps: VecDeque<(u64, u64)>,
    /// Records deleted by retention before they were copied (cumulative).
    skipped: u64,
    /// Offset syncs (upstream, downstream), oldest first.
    syncs: super::syncs::SyncStore,
    last_sync_down: Option<u64>,
    prev_up: Option<u64>,
    /// When the copier finds the topic (its topic refresh after `created_at_s`):
    /// the partition is not fetched before.
    found: Nanos,
    /// Offset-preserving tools: failover promoted the target (the mirror
    /// stopped); the last mirrored offset then (KIP-1279's LMO).
    promoted: Option<u64>,
    /// Promoted, then its old source truncated and mirrored back.
    failed_back: bool,
    /// Flink: the source offset of the pending checkpoint's barrier, and of
    /// the last completed checkpoint (the restart point; exactly-once: the
    /// last stable offset read_committed consumers see at the target).
    barrier: u64,
    ck: u64,
    /// Flink exactly-once, downstream offsets: where the pending checkpoint's
    /// barrier lands at the target (known once the records before it are
    /// acknowledged), and the end of what transactions have decided
    /// (committed, or aborted at a restart). Records from `decided` to `down`
    /// belong to the open transaction.
    barrier_down: Option<u64>,
    decided: u64,
    /// Flow fidelity: the source's high watermark at each of its advances
    /// (offset, time), oldest first, back to the last one at least a step old
    /// (`cp_wake`).
    commits: VecDeque<(u64, Nanos)>,
    /// Flow fidelity: the round trips of produce requests this partition has
    /// in hand at the target and when that was counted (`cp_request_caps`).
    rounds: (f64, Nanos),
    /// Flow fidelity: what the last range made readable at the target
    /// measured: from the source's commit of its last record to readable, and
    /// from that record's creation to readable (`cp_acked`).
    fluid: Option<(Nanos, Nanos)>,
}

impl MPart {
    /// Contiguous buffered records from the first, at most `max`.
    fn contiguous(&self, max: u64) -> u64 {
        let mut n = 0u64;
        let Some(&(from, _)) = self.buf.front() else {
            return 0;
        };
        for &(f, c) in &self.buf {
            if f != from + n || n >= max {
                break;
            }
            n += (c as u64).min(max - n);
        }
        n
    }

    /// Take the first `n` buffered records (contiguous); returns their first offset.
    fn take(&mut self, n: u64) -> u64 {
        let from = self.buf.front().map_or(self.fetch_pos, |b| b.0);
        let mut left = n;
        while left > 0 {
            let Some(front) = self.buf.front_mut() else {
                break;
            };
            if front.1 as u64 <= left {
                left -= front.1 as u64;
                self.buf.pop_front();
            } else {
                front.0 += left;
                front.1 -= left as u32;
                left = 0;
            }
        }
        self.in_flight = true;
        from
    }
}

#[derive(Clone)]
struct Range {
    mp: u32,
    from: u64,
    n: u32,
}

/// A produce request being assembled.
/// Flow fidelity: the terms of a copier connection's token buckets in round
/// trips (`cp_request_caps`): what one round carries in all (`payload`) and
/// of each partition (`batch`), the round trip, and the most rounds in hand.
#[derive(Clone, Copy)]
struct Rounds {
    payload: u64,
    batch: u64,
    rtt: Nanos,
    most: f64,
}

struct Pending {
    leader: B,
    /// (partition, records, created, result), as `World::send_produce` takes them.
    parts: Vec<(u32, u32, Nanos, u8)>,
    /// The source ranges they carry.
    ranges: Vec<Range>,
    payload: u64,
    /// Limits (`cp_request_caps`): payload bytes, payload bytes per partition.
    cap: u64,
    part_cap: u64,
    /// Flow fidelity: the token buckets' terms (`cp_request_caps`).
    rounds: Option<Rounds>,
    /// A batch did not fit: the request takes no more.
    full: bool,
}

#[derive(Clone)]
pub(super) struct CSess {
    task: u16,
    broker: B,
    parts: Vec<u32>,
    dirty: bool,
    state: SessState,
    tag: u32,
    sent: Nanos,
    resp: Vec<(u32, u64, u32)>,
    /// Flow fidelity: the connection's fluid clock.
    fluid_busy: Nanos,
    /// Where the next response starts filling (`Fill`).
    rot: u32,
    /// Flow fidelity: what this session's responses carried in the step:
    /// their rate (`cp_stream_wait`) and the fetches they stand for.
    stream: super::fetch::StreamStep,
    /// Flow fidelity: a parked fetch (of this tag) answers at this moment,
    /// when the fetch of a continuous stream would next reach the leader.
    wake_at: Option<(Nanos, u32)>,
}

impl CSess {
    fn is(&self, tag: u32, st: SessState) -> bool {
        self.tag == tag && self.state == st
    }
}

/// A consumer of a mirrored source topic: what it would resume from after failing
/// over to the target.
#[derive(Clone)]
pub(super) struct Group {
    consumer: u16,
    /// Mirrored partition of each local partition index of the topic.
    mps: Vec<u32>,
    /// Committed offset (auto-commit every `auto.commit.interval.ms`, on the
    /// consumer's own clock).
    committed: Vec<u64>,
    /// The consumer's next auto-commit.
    next_commit: Nanos,
    /// (time, Σ position over mirrored partitions) at each interval's end, for
    /// the re-reads over the clocks' phases; long enough to cover every clock.
    hist: VecDeque<(Nanos, u64)>,
    /// Upstream offset and its translation at the last checkpoint.
    ck: Vec<Option<(u64, u64)>>,
    /// Group offsets written to the target by `sync.group.offsets.enabled` (upstream, downstream).
    synced: Vec<Option<(u64, u64)>>,
    /// Cluster Linking: consumer offsets copied every `consumer.offset.sync.ms`.
    cl_synced: Vec<Option<u64>>,
}

/// What a fault exposed.
#[derive(Clone, Debug, Default)]
pub(super) struct Exposure {
    pub rpo_records: u64,
    pub rpo_bytes: u64,
    pub rpo_s: f64,
    pub duplicates: u64,
    pub dup_translation: u64,
    pub dup_interval: u64,
    /// Records the failed-over consumers skip: a group without a translated
    /// offset starts where `auto.offset.reset` says (`latest`: the log end).
    pub never_read: u64,
    /// Re-reads over the phases of the clocks (commit, checkpoint, group sync):
    /// (min, mean, max).
    pub over_phases: Option<(u64, u64, u64)>,
    pub consumers_failed_over: u32,
    /// Set when the clients actually failed over during the run: consumers'
    /// (partition, resume offset, offset equivalent to what they had read) at the target.
    pub resumed: Option<Vec<(u16, usize, u64, u64)>>,
    pub producers_failed_over: u32,
    /// How long a bad write or deletion takes to reach every copy (the lag).
    pub reaches_copies_s: f64,
}

#[derive(Clone, Default)]
pub(super) struct Copiers {
    pub tool: CopierTool,
    /// `fetch.min.bytes` of the copier's fetches (`Design::fetch_min_bytes`).
    fetch_min_bytes: u64,
    /// Flink: exactly-once (records visible at the checkpoint's commit), the
    /// checkpoint interval, the next trigger, a checkpoint in progress.
    eos: bool,
    ck_every: Nanos,
    next_ck: Nanos,
    ck_pending: bool,
    /// Flink: records copied again after a restart from a checkpoint.
    pub recopied: u64,
    /// Flink exactly-once: per world partition, the last stable offset that
    /// read_committed consumers of a target partition stop at while the job's
    /// transaction on it is open (`u64::MAX`: none open); empty otherwise.
    pub lso_cap: Vec<u64>,
    /// Clients failed over to the job's target: the cap is lifted for good.
    lso_off: bool,
    pub tasks: Vec<Task>,
    pub parts: Vec<MPart>,
    pub sess: Vec<CSess>,
    pub groups: Vec<Group>,
    /// Mirrored partitions reading each world partition (empty: none).
    pub src_parts: Vec<Vec<u32>>,
    req_ranges: Vec<Vec<Range>>,
    pub ratio: f64,
    batch_bytes: u64,
    pub lag: Histogram,
    pub exposures: Vec<Option<Exposure>>,
    next_flush: Nanos,
    next_checkpoint: Nanos,
    next_group_sync: Nanos,
    next_cl_sync: Nanos,
    pub lost_retention_records: u64,
    pub lost_retention_bytes: u64,
    pub offset_syncs: u64,
    pub checkpoints: u64,
    pub copied_records: u64,
    pub copied_bytes: u64,
    pub wire_bytes: u64,
    pub lag_timeline: Vec<f64>,
    pub backlog_timeline: Vec<u64>,
    /// (source cluster, target cluster, copier site, tasks, partitions, records, payload bytes)
    pub flows: Vec<(usize, usize, usize, u32, u32, u64, u64)>,
    /// Tasks that find new topics at a later topic refresh: (when, task), in time order.
    discoveries: VecDeque<(Nanos, u16)>,
}

impl Copiers {
    /// Mirrored partition `mp` may have become ready to send: its task's
    /// `cp_send_produces` looks at it again.
    fn may_send(&mut self, mp: u32) {
        let m = &self.parts[mp as usize];
        let ix = m.ix as usize;
        self.tasks[m.task as usize].ready[ix / 64] |= 1u64 << (ix % 64);
    }
}

impl World<'_> {
    /// Internal topic of scenario topic `origin` named `name` in cluster `c`.
    fn internal_topic(&self, origin: usize, c: usize, name: &str) -> Option<usize> {
        (0..self.topic_names.len()).find(|&t| {
            self.topic_origin[t] == origin
                && self.topic_names[t] == name
                && self.topic_parts[t]
                    .first()
                    .is_some_and(|&p| self.part_cluster[p as usize] as usize == c)
        })
    }

    /// The site a cluster's copier runs in (`copier_site` target or source) and
    /// its failed-over clients restart in: its first site with brokers.
    fn cluster_site(&self, c: usize) -> usize {
        let sites = &self.layout.clusters[c];
        sites
            .iter()
            .copied()
            .find(|&s| self.broker_site.contains(&s))
            .unwrap_or(sites[0])
    }

    /// Is some site of the source cluster of mirrored partition `mp` up? Offset
    /// syncs live in the source cluster (`offset-syncs.topic.location=source`) and
    /// checkpoints read the source's group offsets: both stop while it is down.
    fn cp_source_up(&self, mp: usize) -> bool {
        let flow = self.cp.tasks[self.cp.parts[mp].task as usize].flow as usize;
        let src = self.layout.flows[flow].0;
        self.layout.clusters[src].iter().any(|&s| self.site_up[s])
    }

    /// Build the copiers of the design and start them.
    pub(super) fn start_copiers(&mut self) {
        let Some(d) = self.design else { return };
        if self.layout.flows.is_empty() {
            return;
        }
        let sc = self.sc;
        let mut cp = Copiers {
            tool: d.tool,
            ratio: if d.tool.offset_preserving() {
                1.0
            } else {
                d.compression_ratio
                    .unwrap_or_else(|| d.compression_type.default_ratio())
            },
            batch_bytes: d.producer_batch_size.max(1),
            fetch_min_bytes: d.fetch_min_bytes().max(1),
            src_parts: vec![Vec::new(); self.parts.len()],
            exposures: vec![None; sc.fault.len()],
            ..Default::default()
        };
        // Each clock runs on its own schedule with its own phase (the copier and
        // the consumers started at unrelated times before the run): its first tick
        // is uniform over one period.
        let mut phase = |period: Nanos| self.rng.below(period.max(1));
        cp.next_flush = phase(ms(d.offset_flush_interval_ms as f64).max(NS_PER_MS));
        cp.next_checkpoint = phase(translation_period(d));
        cp.next_group_sync =
            phase(secs(d.sync_group_offsets_interval_seconds as f64).max(NS_PER_MS));
        cp.next_cl_sync = phase(ms(d.consumer_offset_sync_ms as f64).max(NS_PER_MS));
        if d.tool == CopierTool::Flink {
            cp.eos = d.delivery_guarantee == crate::scenario::DeliveryGuarantee::ExactlyOnce;
            cp.ck_every = ms(d.checkpointing_interval_ms as f64).max(NS_PER_MS);
            cp.next_ck = phase(cp.ck_every);
            if cp.eos {
                cp.lso_cap = vec![u64::MAX; self.parts.len()];
            }
        }
        let flows = self.layout.flows.clone();
        for (fi, &(a, b)) in flows.iter().enumerate() {
            // Mirrored partitions of this flow, topic by topic.
            let mut pairs: Vec<(u32, u32, Nanos)> = Vec::new();
            for (ti, t) in sc.topic.iter().enumerate() {
                if !d.topics.is_empty() && !d.topics.contains(&t.name) {
                    continue;
                }
                let Some(st) = self.internal_topic(ti, a, &t.name) else {
                    continue;
                };
                let rname = remote_name(sc, &self.layout, d, a, &t.name);
                let Some(dt) = self.internal_topic(ti, b, &rname) else {
                    continue;
                };
                let found = discovery(d, secs(t.created_at_s));
                for (k, &sp) in self.topic_parts[st].iter().enumerate() {
                    pairs.push((sp, self.topic_parts[dt][k], found));
                }
            }
            let copier_site = match d.copier_site.as_str() {
                "target" => self.cluster_site(b),
                "source" => self.cluster_site(a),
                name => self.topo.site_index(name).unwrap_or(self.cluster_site(b)),
            };
            self.cp_add_flow(
                &mut cp,
                fi,
                (a, b),
                copier_site,
                &pairs,
                &vec![0; pairs.len()],
            );
        }
        // Consumer groups on mirrored source topics.
        for c in 0..self.consumers.len() {
            let t = self.consumers[c].topic as usize;
            let parts = &self.topic_parts[t];
            let mps: Vec<u32> = parts
                .iter()
                .map(|&p| {
                    cp.src_parts[p as usize]
                        .first()
                        .copied()
                        .unwrap_or(u32::MAX)
                })
                .collect();
            if mps.iter().all(|&m| m == u32::MAX) {
                continue;
            }
            let n = mps.len();
            let next_commit = self.rng.below(self.consumers[c].auto_commit);
            cp.groups.push(Group {
                consumer: c as u16,
                mps,
                committed: vec![0; n],
                next_commit,
                hist: VecDeque::from([(0, 0)]),
                ck: vec![None; n],
                synced: vec![None; n],
                cl_synced: vec![None; n],
            });
        }
        Self::cp_add_sessions(&mut cp, self.nb);
        let mut found: Vec<(Nanos, u16)> = cp.discoveries.drain(..).collect();
        found.sort_unstable();
        found.dedup();
        cp.discoveries = found.into();
        self.cp = cp;
        self.at(TICK, Ev::CpTick);
        for t in 0..self.cp.tasks.len() {
            self.cp_kick(t);
        }
    }

    /// One fetch session per (task, broker) for the tasks that have none yet
    /// (session `t × brokers + b`).
    fn cp_add_sessions(cp: &mut Copiers, nb: usize) {
        for i in cp.sess.len()..cp.tasks.len() * nb {
            cp.sess.push(CSess {
                task: (i / nb) as u16,
                broker: (i % nb) as B,
                parts: Vec::new(),
                dirty: true,
                state: SessState::Idle,
                tag: 0,
                sent: 0,
                resp: Vec::new(),
                fluid_busy: 0,
                rot: 0,
                stream: Default::default(),
                wake_at: None,
            });
        }
    }

    /// The tasks, producers and mirrored partitions of flow `fi` (clusters
    /// `a` → `b`): `pairs` (source partition, target partition, when found),
    /// each copied from offset `start` (0 at the run's start; the point of
    /// divergence for a fail-back's reverse mirror).
    fn cp_add_flow(
        &mut self,
        cp: &mut Copiers,
        fi: usize,
        (a, b): (usize, usize),
        copier_site: usize,
        pairs: &[(u32, u32, Nanos)],
        start: &[u64],
    ) {
        let d = self.design.expect("copiers exist only in designs");
        let sc = self.sc;
        // Tasks: Connect tasks over min(tasks.max, partitions), round-robin; for
        // Cluster Linking, each destination broker for the partitions it leads.
        let task_sites: Vec<usize>;
        let owner: Vec<usize>;
        if d.tool.offset_preserving() {
            let dst_brokers: Vec<usize> = (0..self.nb)
                .filter(|&x| self.broker_cluster[x] as usize == b)
                .collect();
            task_sites = dst_brokers.iter().map(|&x| self.broker_site[x]).collect();
            owner = pairs
                .iter()
                .map(|&(_, dp, _)| {
                    let lead = self.parts[dp as usize].slot(0) as usize;
                    dst_brokers.iter().position(|&x| x == lead).unwrap_or(0)
                })
                .collect();
        } else {
            let tasks = if d.tool == CopierTool::Flink {
                d.parallelism
            } else {
                d.tasks_max
            };
            let n = (tasks as usize).min(pairs.len()).max(1);
            task_sites = vec![copier_site; n];
            owner = (0..pairs.len()).map(|i| i % n).collect();
        }
        let first_task = cp.tasks.len();
        let mut fps = 0u32;
        for (k, &site) in task_sites.iter().enumerate() {
            if !owner.contains(&k) {
                continue;
            }
            let prod = self.producers.len() as u16;
            let window = buffer(
                d.producer_send_buffer_bytes,
                sc.model.tcp_autotune_max_bytes,
            )
            .min(buffer(
                sc.broker.socket_receive_buffer_bytes,
                sc.model.tcp_autotune_max_bytes,
            ));
            let in_flight = if d.tool.offset_preserving() {
                5
            } else {
                d.producer_max_in_flight.min(255) as u8
            };
            self.producers.push(ProducerState {
                site,
                home: site,
                cluster: b as u8,
                copier: true,
                topic: 0,
                start: 0,
                acks: Acks::All,
                rate_bytes_s: 0.0,
                record_bytes: 1024,
                tick: NS_PER_S,
                linger: 0,
                batch_records: 1,
                max_in_flight: in_flight,
                request_timeout: REQUEST_TIMEOUT,
                window,
                ..ProducerState::fresh(self.nb)
            });
            let ti = cp.tasks.len() as u16;
            let mut tparts = Vec::new();
            for (i, &(sp, dp, found)) in pairs.iter().enumerate() {
                if owner[i] != k {
                    continue;
                }
                if found > 0 {
                    cp.discoveries.push_back((found, ti));
                }
                let id = cp.parts.len() as u32;
                cp.parts.push(MPart {
                    src: sp,
                    dst: dp,
                    task: ti,
                    ix: tparts.len() as u32,
                    fetch_pos: start[i],
                    acked: start[i],
                    down: start[i],
                    buf: VecDeque::new(),
                    in_flight: false,
                    gaps: VecDeque::new(),
                    skipped: 0,
                    syncs: Default::default(),
                    last_sync_down: None,
                    prev_up: None,
                    found,
                    promoted: None,
                    failed_back: false,
                    barrier: start[i],
                    ck: start[i],
                    barrier_down: None,
                    decided: start[i],
                    commits: VecDeque::new(),
                    fluid: None,
                    rounds: (f64::INFINITY, 0),
                });
                cp.src_parts[sp as usize].push(id);
                tparts.push(id);
                fps += 1;
            }
            let recv = buffer(d.receive_buffer_bytes, sc.model.tcp_autotune_max_bytes);
            cp.tasks.push(Task {
                flow: fi as u16,
                site,
                prod,
                window: recv,
                buffered: 0,
                blocked: false,
                drain: vec![0; self.nb],
                rounds: vec![(f64::INFINITY, 0); self.nb],
                ready: (0..tparts.len().div_ceil(64))
                    .map(|w| match tparts.len() - w * 64 {
                        n if n >= 64 => u64::MAX,
                        n => (1u64 << n) - 1,
                    })
                    .collect(),
                parts: tparts,
            });
        }
        cp.flows.push((
            a,
            b,
            copier_site,
            (cp.tasks.len() - first_task) as u32,
            fps,
            0,
            0,
        ));
    }

    /// Send every idle fetch of task `t` (after a start, a metadata change or unblocking).
    fn cp_kick(&mut self, t: usize) {
        let flow = self.cp.tasks[t].flow as usize;
        let src = self.layout.flows[flow].0;
        for b in 0..self.nb {
            if self.broker_cluster[b] as usize != src {
                continue;
            }
            let s = t * self.nb + b;
            self.cp.sess[s].dirty = true;
            if self.cp.sess[s].state == SessState::Idle {
                self.cp_fetch_send(s);
            }
        }
    }

    fn cp_src_cluster(&self, t: usize) -> u8 {
        self.layout.flows[self.cp.tasks[t].flow as usize].0 as u8
    }

    fn cp_fetch_send(&mut self, s: usize) {
        let t = self.cp.sess[s].task as usize;
        let site = self.cp.tasks[t].site;
        if !self.site_up[site] || self.cp.tasks[t].blocked {
            self.cp.sess[s].state = SessState::Idle;
            return;
        }
        let b = self.cp.sess[s].broker;
        if self.cp.sess[s].dirty {
            let mut parts = std::mem::take(&mut self.cp.sess[s].parts);
            parts.clear();
            if let Some(vb) = self.bootstrap(site, self.cp_src_cluster(t)) {
                for &mp in &self.cp.tasks[t].parts {
                    let p = self.cp.parts[mp as usize].src as usize;
                    let m = &self.cp.parts[mp as usize];
                    if m.found <= self.now
                        && m.promoted.is_none()
                        && self.views.leader(vb as usize, p) == b
                    {
                        parts.push(mp);
                    }
                }
            }
            self.cp.sess[s].parts = parts;
            self.cp.sess[s].dirty = false;
        }
        if self.cp.sess[s].parts.is_empty() {
            self.cp.sess[s].state = SessState::Idle;
            return;
        }
        let cs = &mut self.cp.sess[s];
        cs.state = SessState::InFlight;
        cs.sent = self.now;
        let tag = cs.tag;
        let bytes = 100 + 30 * cs.parts.len() as u64;
        let to = self.broker_site[b as usize];
        match self.send_via(self.now, site, to, None, Some(b), bytes, u64::MAX) {
            Some(at) => self.at(at, Ev::CpFetchArrive { sess: s as u32 }),
            None => self.at(
                self.now + RECONNECT,
                Ev::CpFetchRetry {
                    sess: s as u32,
                    tag,
                },
            ),
        }
    }

    pub(super) fn cp_fetch_retry(&mut self, s: usize, tag: u32) {
        if self.cp.sess[s].is(tag, SessState::InFlight) {
            self.cp.sess[s].dirty = true;
            self.cp_fetch_send(s);
        }
    }

    /// Records the source leader `b` can serve for mirrored partition `mp`: below its HW.
    fn cp_avail(&self, mp: u32, b: B) -> u64 {
        let m = &self.cp.parts[mp as usize];
        let p = m.src as usize;
        if self.views.leader(b as usize, p) != b {
            return 0;
        }
        let Some(ls) = self.parts[p].slot_of(b) else {
            return 0;
        };
        self.pos_of(p, ls).hw.saturating_sub(m.fetch_pos)
    }

    /// A copier's fetch reaches the source broker: handled (`cp_fetch_arrive`)
    /// when an io thread has served it, as a follower fetch (`fetch_queue`).
    pub(super) fn cp_fetch_queue(&mut self, s: usize) {
        let b = self.cp.sess[s].broker;
        if self.cp.sess[s].state != SessState::InFlight || !self.broker_alive[b as usize] {
            return self.cp_fetch_arrive(s);
        }
        let n = self.cp.sess[s].parts.len();
        let service = self.service(b, self.hot.fetch_proc, n, 0);
        if self.flow.is_some() {
            // As a follower's fetch at flow fidelity (`fetch_queue`): bulk
            // work, handled at once.
            self.bulk_work(b, service, 100 + 30 * n as u64);
            return self.cp_fetch_arrive(s);
        }
        let done = self.handle_request(b, s + 2, 100 + 30 * n as u64, service);
        let tag = self.cp.sess[s].tag;
        self.at(
            done,
            Ev::CpFetchHandled {
                sess: s as u32,
                tag,
            },
        );
    }

    pub(super) fn cp_fetch_handled(&mut self, s: usize, tag: u32) {
        if self.cp.sess[s].tag == tag {
            self.cp_fetch_arrive(s);
        }
    }

    pub(super) fn cp_fetch_arrive(&mut self, s: usize) {
        if self.cp.sess[s].state != SessState::InFlight {
            return;
        }
        let b = self.cp.sess[s].broker;
        if !self.broker_alive[b as usize] {
            let tag = self.cp.sess[s].tag;
            let at = (self.cp.sess[s].sent + REQUEST_TIMEOUT).max(self.now);
            self.at(
                at,
                Ev::CpFetchRetry {
                    sess: s as u32,
                    tag,
                },
            );
            return;
        }
        if self.cp_fetch_ready(s, b) {
            self.cp_fetch_respond(s);
        } else {
            let cs = &mut self.cp.sess[s];
            cs.state = SessState::Parked;
            cs.tag += 1;
            let tag = cs.tag;
            let mut wait = ms(self.design.map_or(500, |d| d.fetch_max_wait_ms) as f64);
            if let Some(f) = self.flow {
                // As for every fetch at flow fidelity: data comes once a step.
                wait = wait.max(f.step);
            }
            self.at(
                self.now + wait,
                Ev::CpFetchWake {
                    sess: s as u32,
                    tag,
                },
            );
        }
    }

    /// Can source broker `b` answer session `s` now? As Kafka's `DelayedFetch`
    /// completes: when the bytes available reach `fetch.min.bytes` (1 byte by
    /// default: any record; Redpanda's shadow link 5 MiB), else at
    /// `fetch.max.wait.ms` (`cp_fetch_wake`).
    fn cp_fetch_ready(&self, s: usize, b: B) -> bool {
        let min = self.cp.fetch_min_bytes;
        let mut bytes = 0u64;
        for &mp in &self.cp.sess[s].parts {
            let avail = self.cp_avail(mp, b);
            if avail > 0 {
                let rb = self.parts[self.cp.parts[mp as usize].src as usize].record_bytes as u64;
                bytes = bytes.saturating_add(avail * rb);
                if bytes >= min {
                    return true;
                }
            }
        }
        false
    }

    pub(super) fn cp_fetch_wake(&mut self, s: usize, tag: u32) {
        if self.cp.sess[s].is(tag, SessState::Parked) {
            self.cp_fetch_respond(s);
        }
    }

    /// The HW of source partition `p` moved at leader `b`: parked copier fetches complete.
    pub(super) fn cp_wake(&mut self, p: u32, b: B) {
        let Some(list) = self.cp.src_parts.get(p as usize) else {
            return;
        };
        if list.is_empty() {
            return;
        }
        if let Some(f) = self.flow
            && let Some(ls) = self.parts[p as usize].slot_of(b)
        {
            // The commit history the fluid exposure reads (`cp_fluid_exposure`).
            let (hw, now) = (
                self.pos[self.parts[p as usize].r0 as usize + ls].hw,
                self.now,
            );
            for i in 0..self.cp.src_parts[p as usize].len() {
                let mp = self.cp.src_parts[p as usize][i] as usize;
                let c = &mut self.cp.parts[mp].commits;
                c.push_back((hw, now));
                while c.len() > 2 && c[1].1 + f.step <= now {
                    c.pop_front();
                }
            }
        }
        for i in 0..self.cp.src_parts[p as usize].len() {
            let mp = self.cp.src_parts[p as usize][i];
            let t = self.cp.parts[mp as usize].task as usize;
            let s = t * self.nb + b as usize;
            if self.cp.sess[s].state == SessState::Parked
                && self.cp.sess[s].parts.contains(&mp)
                && self.cp_fetch_ready(s, b)
            {
                let tag = self.cp.sess[s].tag;
                if self.cp.sess[s].wake_at.is_some_and(|w| w.1 == tag) {
                    // Already answering at its stream's next fetch.
                    continue;
                }
                self.cp.sess[s].tag += 1;
                if let Some(wait) = self.cp_stream_wait(s) {
                    let tag = self.cp.sess[s].tag;
                    self.cp.sess[s].wake_at = Some((self.now + wait, tag));
                    self.at(
                        self.now + wait,
                        Ev::CpFetchWake {
                            sess: s as u32,
                            tag,
                        },
                    );
                } else {
                    self.cp_fetch_respond(s);
                }
            }
        }
    }

    /// Flow fidelity: how long the records that just became readable wait for
    /// session `s`'s next fetch, when its stream is continuous. Kafka's
    /// consumer keeps one fetch in flight per broker and sends the next when
    /// the response is in (`AbstractFetch.prepareFetchRequests` skips a node
    /// with a fetch pending), so under a stream that gives every fetch records
    /// the fetches reach the leader once a round trip, and a record committed
    /// at a random moment waits a uniform part of it for the next. The bulk
    /// reaches a session whose fetch is parked at the leader between steps,
    /// which would answer at once: half a round trip early on average (the
    /// copier's lag p50 over 80 ms read 45 ms at flow fidelity against 92 ms
    /// at request fidelity). `None`: answer now (request fidelity, or fewer
    /// records per round trip over the last step than the source producers'
    /// full `batch.size`, when a fetch does wait parked at the leader for the
    /// next batch).
    fn cp_stream_wait(&mut self, s: usize) -> Option<Nanos> {
        self.flow?;
        let b = self.cp.sess[s].broker;
        let site = self.cp.tasks[self.cp.sess[s].task as usize].site;
        let cycle = self.net.rtt(self.broker_site[b as usize], site);
        // Records come in the source producers' batches: a fetch has records
        // to return each round trip only if a batch per round trip arrives.
        let &mp = self.cp.sess[s].parts.first()?;
        let topic = self.parts[self.cp.parts[mp as usize].src as usize].topic;
        let batch = self.topic_batch[topic as usize];
        self.stream_wait(self.cp.sess[s].stream.rate(), cycle, batch)
    }

    fn cp_fetch_respond(&mut self, s: usize) {
        let d = self.design.expect("copiers exist only in designs");
        let b = self.cp.sess[s].broker;
        let t = self.cp.sess[s].task as usize;
        let mut resp = std::mem::take(&mut self.cp.sess[s].resp);
        resp.clear();
        let window = self.cp.tasks[t].window;
        let (from, to) = (self.broker_site[b as usize], self.cp.tasks[t].site);
        // Kafka's caps, in the session's rotating order (`Fill`); at flow
        // fidelity those of the step's fetches.
        let mut fill = self.fetch_fill(
            from,
            to,
            (Some(b), None),
            window,
            d.max_partition_fetch_bytes,
            d.fetch_max_bytes(),
        );
        let len = self.cp.sess[s].parts.len();
        let start = self.cp.sess[s].rot as usize % len.max(1);
        if self.flow.is_some() {
            let (mut with_data, mut want) = (0, 0u64);
            for &mp in &self.cp.sess[s].parts {
                let avail = self.cp_avail(mp, b);
                let rb = self.parts[self.cp.parts[mp as usize].src as usize].record_bytes as u64;
                with_data += u64::from(avail > 0);
                want = want.saturating_add(avail * rb);
            }
            fill.share(with_data, want);
        }
        let mut bytes = 100u64;
        for k in 0..len {
            let i = (start + k) % len;
            let mp = self.cp.sess[s].parts[i];
            let avail = self.cp_avail(mp, b);
            if avail == 0 {
                continue;
            }
            let rb = self.parts[self.cp.parts[mp as usize].src as usize].record_bytes as u64;
            let n = fill.take(i as u32, avail, rb);
            if n == 0 {
                continue;
            }
            bytes += 50 + n * rb;
            resp.push((mp, self.cp.parts[mp as usize].fetch_pos, n as u32));
        }
        self.cp.sess[s].rot = fill.next_start(start as u32);
        if let Some(f) = self.flow {
            // The stream's rate (for `cp_stream_wait`) and its fetches.
            let n: u64 = resp.iter().map(|x| x.2 as u64).sum();
            let batches = resp
                .iter()
                .map(|x| self.batches_of(self.cp.parts[x.0 as usize].src, x.2 as u64))
                .sum();
            let rtt = self.net.rtt(from, to);
            let advances = self.hw_advances(b, f.step);
            let more =
                self.cp.sess[s]
                    .stream
                    .carried(self.now, f.step, (n, batches), advances, rtt);
            self.fetches_stood_for(b, self.cp.sess[s].parts.len(), more);
        }
        // Records the page cache no longer holds are read from disk first
        // (the request's service time was the io thread's, `handler`).
        let mut at = self.now;
        for &(mp, pos, n) in &resp {
            let src = self.cp.parts[mp as usize].src;
            let rb = self.parts[src as usize].record_bytes as u64;
            at = at.max(self.read_ready(b, src, pos, n as u64 * rb));
        }
        let cs = &mut self.cp.sess[s];
        cs.resp = resp;
        cs.state = SessState::InFlight;
        let tag = cs.tag;
        let out = self.write_response(b, s + 2, bytes).max(at);
        let mut busy = self.cp.sess[s].fluid_busy;
        let nics = (Some(b), None);
        let sent = self.send_data(out, from, to, nics, bytes, window, &mut busy);
        self.cp.sess[s].fluid_busy = busy;
        match sent {
            Some(at) => self.at(
                at,
                Ev::CpFetchResponse {
                    sess: s as u32,
                    tag,
                },
            ),
            None => {
                let at = (self.cp.sess[s].sent + REQUEST_TIMEOUT).max(self.now);
                self.at(
                    at,
                    Ev::CpFetchRetry {
                        sess: s as u32,
                        tag,
                    },
                );
            }
        }
    }

    pub(super) fn cp_fetch_response(&mut self, s: usize, tag: u32) {
        let t = self.cp.sess[s].task as usize;
        if self.cp.sess[s].tag != tag || !self.site_up[self.cp.tasks[t].site] {
            return;
        }
        let resp = std::mem::take(&mut self.cp.sess[s].resp);
        for &(mp, from, n) in &resp {
            let m = &mut self.cp.parts[mp as usize];
            if m.fetch_pos != from || n == 0 {
                continue;
            }
            m.buf.push_back((from, n));
            m.fetch_pos = from + n as u64;
            self.cp.may_send(mp);
            let m = &self.cp.parts[mp as usize];
            let rb = self.parts[m.src as usize].record_bytes as u64;
            self.cp.tasks[t].buffered += n as u64 * rb;
        }
        self.cp.sess[s].resp = resp;
        self.cp_send_produces(t);
        if self.cp.tasks[t].buffered >= BUFFER_MEMORY {
            self.cp.tasks[t].blocked = true;
            self.cp.sess[s].state = SessState::Idle;
        } else {
            self.cp_fetch_send(s);
        }
    }

    /// What one produce request of task `t`'s producer to `leader` may carry:
    /// (payload bytes, payload bytes per partition), and at flow fidelity the
    /// round trips in hand with the limits of one. At request fidelity
    /// `max.request.size` and one batch of `batch.size` per partition. At flow
    /// fidelity a request stands for the requests of the round trips the
    /// connection has in hand: one round of
    /// `max.in.flight.requests.per.connection` requests per round trip, each
    /// within those limits (a partition has one batch in flight at a time), and
    /// at most what the connection moves in a round trip (`flow_budget`, on
    /// wire bytes, so the codec ratio applies). Token buckets in round trips,
    /// one per connection for the request's total and one per partition for
    /// its batches (`MPart::rounds`), each gain one round per round trip, up
    /// to a step's (they start with a step's), and a request spends from each
    /// what it filled (`spend_rounds`). A step's bulk of a copy that keeps up
    /// goes in one request, and a backlog drains at one round's limits per
    /// round trip. (Each bulk request used to carry a
    /// step's round trips: a copier with a backlog, which sends the next
    /// request as soon as the last is answered, drained a step's worth per
    /// round trip, and MirrorMaker 2 pushing 8 MB/s over 150 ms, one request
    /// in flight of 16 KiB per partition, at most 1.3 MB/s, kept up at flow
    /// fidelity where request fidelity fell 250 s behind.)
    fn cp_request_caps(&self, t: usize, prod: usize, leader: B) -> (u64, u64, Option<Rounds>) {
        let batch = self.cp.batch_bytes;
        let Some(f) = self.flow else {
            return (MAX_REQUEST, batch, None);
        };
        let p = &self.producers[prod];
        let to = self.broker_site[leader as usize];
        let in_flight = p.max_in_flight.max(1) as u64;
        let rtt = self.net.rtt(p.site, to).max(1);
        let wire = self
            .flow_budget(
                p.site,
                to,
                (None, Some(leader)),
                p.window.saturating_mul(in_flight),
            )
            .map_or(f64::MAX, |w| w as f64 * rtt as f64 / f.step.max(1) as f64);
        let cap1 = ((MAX_REQUEST * in_flight) as f64)
            .min(wire * self.cp.ratio)
            .max(1.0) as u64;
        let most = (f.step as f64 / rtt as f64).max(1.0);
        let n = rounds_now(
            self.cp.tasks[t].rounds[leader as usize],
            self.now,
            rtt,
            most,
        )
        .max(1.0);
        (
            (cap1 as f64 * n) as u64,
            (batch as f64 * n) as u64,
            Some(Rounds {
                payload: cap1,
                batch,
                rtt,
                most,
            }),
        )
    }

    /// Flow fidelity: the requests and batches bulk produce request `id` of
    /// a copier stands for, before the in-flight limit
    /// (`produce::bulk_produce_service` applies it). A copier's producer sends
    /// what its task holds, one batch (`batch.size`) per partition per request
    /// (`RecordAccumulator.drain`, as `cp_send_produces` packs them at request
    /// fidelity), so the partition with the most batches sets the count.
    pub(super) fn cp_bulk_requests(&self, id: u32) -> (f64, f64) {
        let r = &self.reqs[id as usize];
        let batch = self.cp.batch_bytes.max(1) as f64;
        let (mut most, mut batches) = (1f64, 0f64);
        for x in &r.parts {
            let bytes = x.1 as f64 * self.parts[x.0 as usize].record_bytes as f64;
            let n = (bytes / batch).ceil();
            most = most.max(n);
            batches += n;
        }
        (most, batches)
    }

    /// Send what task `t` holds to the target leaders that have room in flight,
    /// as Kafka's `RecordAccumulator.drain` fills a request per broker: one
    /// batch per partition, until the next batch would pass `max.request.size`
    /// (the first batch goes whatever its size), starting at the broker's drain
    /// index, which stays at the partition that did not fit so that the next
    /// request starts with it (`nodesDrainIndex`): no partition starves when
    /// requests are full. Limits per request: `cp_request_caps`.
    fn cp_send_produces(&mut self, t: usize) {
        let site = self.cp.tasks[t].site;
        let prod = self.cp.tasks[t].prod as usize;
        let dst_cluster = self.producers[prod].cluster;
        let Some(vb) = self.bootstrap(site, dst_cluster) else {
            return;
        };
        let max_in_flight = self.producers[prod].max_in_flight;
        let bulk = self.flow.is_some();
        let mut reqs: Vec<Pending> = Vec::new();
        // Each broker's partitions from its drain index: those at or after it
        // in the first pass, the ones before it in the second.
        for pass in 0..2 {
            let mut next = 0;
            while let Some(i) = next_ready(&self.cp.tasks[t].ready, next) {
                next = i + 1;
                let mp = self.cp.tasks[t].parts[i];
                let m = &self.cp.parts[mp as usize];
                if m.in_flight || m.buf.is_empty() {
                    self.cp.tasks[t].ready[i / 64] &= !(1u64 << (i % 64));
                    continue;
                }
                let leader = self.views.leader(vb as usize, m.dst as usize);
                if leader == NO_LEADER
                    || (i as u32 >= self.cp.tasks[t].drain[leader as usize]) != (pass == 0)
                {
                    continue;
                }
                let p = &self.producers[prod];
                let busy = if bulk {
                    p.bulk_out[leader as usize]
                } else {
                    p.in_flight[leader as usize] >= max_in_flight
                };
                if busy {
                    continue;
                }
                let k = match reqs.iter().position(|r| r.leader == leader) {
                    Some(k) => k,
                    None => {
                        let (cap, part_cap, rounds) = self.cp_request_caps(t, prod, leader);
                        reqs.push(Pending {
                            leader,
                            parts: Vec::new(),
                            ranges: Vec::new(),
                            payload: 0,
                            cap,
                            part_cap,
                            rounds,
                            full: false,
                        });
                        reqs.len() - 1
                    }
                };
                let r = &reqs[k];
                if r.full {
                    continue;
                }
                let m = &self.cp.parts[mp as usize];
                let rb = self.parts[m.src as usize].record_bytes as u64;
                let part_cap = match r.rounds {
                    // A partition's own rounds: one batch of it per round trip.
                    Some(k) => {
                        (k.batch as f64 * rounds_now(m.rounds, self.now, k.rtt, k.most).max(1.0))
                            as u64
                    }
                    None => r.part_cap,
                };
                let mut max_records = (part_cap / rb).max(1);
                if bulk && r.payload > 0 {
                    // An aggregate takes what fits of the partition.
                    max_records = max_records.min((r.cap.saturating_sub(r.payload) / rb).max(1));
                }
                let n = m.contiguous(max_records);
                if r.payload > 0 && r.payload + n * rb > r.cap {
                    reqs[k].full = true;
                    self.cp.tasks[t].drain[leader as usize] = i as u32;
                    continue;
                }
                let m = &mut self.cp.parts[mp as usize];
                let from = m.take(n);
                let src = m.src as usize;
                let dst = m.dst;
                let bi = self.parts[src].batches.partition_point(|x| x.end() <= from);
                let created = self.parts[src]
                    .batches
                    .get(bi)
                    .map_or(self.now, |x| x.created);
                let r = &mut reqs[k];
                r.parts.push((dst, n as u32, created, 0));
                r.ranges.push(Range {
                    mp,
                    from,
                    n: n as u32,
                });
                r.payload += n * rb;
            }
        }
        for r in reqs {
            if r.parts.is_empty() {
                continue;
            }
            let wire = (r.payload as f64 / self.cp.ratio).ceil() as u64 + 60 * r.parts.len() as u64;
            self.cp.wire_bytes += wire;
            // At flow fidelity a bulk request (one per broker in flight, sent
            // as fluid traffic), as the application producers' step aggregates.
            if let Some(k) = r.rounds {
                // The round trips this request spends (`cp_request_caps`), the
                // connection's and each partition's: what it filled, which a
                // request every round trip does not exceed while the copy
                // keeps up.
                let (now, used) = (self.now, r.payload as f64 / k.payload.max(1) as f64);
                spend_rounds(
                    &mut self.cp.tasks[t].rounds[r.leader as usize],
                    now,
                    k,
                    used,
                );
                for x in &r.ranges {
                    let m = &mut self.cp.parts[x.mp as usize];
                    let rb = self.parts[m.src as usize].record_bytes as f64;
                    let used = x.n as f64 * rb / k.batch.max(1) as f64;
                    spend_rounds(&mut m.rounds, now, k, used);
                }
            }
            let id = self.send_produce(prod, r.leader, r.parts, wire, bulk) as usize;
            if self.cp.req_ranges.len() <= id {
                self.cp.req_ranges.resize_with(id + 1, Vec::new);
            }
            self.cp.req_ranges[id] = r.ranges;
        }
    }

    /// Request `id` of copier producer `prod` to broker `b` is over: its slot
    /// in flight is free again.
    fn cp_release(&mut self, prod: usize, id: u32, b: usize) {
        let p = &mut self.producers[prod];
        if self.reqs[id as usize].bulk {
            p.bulk_out[b] = false;
        } else {
            p.in_flight[b] -= 1;
        }
    }

    /// A copier's produce request was answered (hooked from `produce_response`).
    pub(super) fn cp_produce_response(&mut self, id: u32) {
        let (prod, b) = {
            let r = &self.reqs[id as usize];
            (r.prod as usize, r.broker)
        };
        let parts = std::mem::take(&mut self.reqs[id as usize].parts);
        let ranges = std::mem::take(&mut self.cp.req_ranges[id as usize]);
        let t = self.cp_task_of_prod(prod);
        let site = self.cp.tasks[t].site;
        // Readable at the target when the leader's HW covered it: the answer left then.
        let half = self.net.rtt(self.broker_site[b as usize], site) / 2;
        let readable_at = self.now.saturating_sub(half);
        for (k, part) in parts.iter().enumerate() {
            let Some(r) = ranges.get(k) else { continue };
            self.cp.parts[r.mp as usize].in_flight = false;
            self.cp.may_send(r.mp);
            if part.3 == 1 {
                self.cp_acked(r.mp, r.from, r.n, readable_at);
            } else {
                self.cp.parts[r.mp as usize].buf.push_front((r.from, r.n));
            }
        }
        self.cp_release(prod, id, b as usize);
        self.free_req(id);
        self.cp_after_progress(t);
    }

    fn cp_task_of_prod(&self, prod: usize) -> usize {
        self.cp
            .tasks
            .iter()
            .position(|t| t.prod as usize == prod)
            .expect("a copier producer belongs to a task")
    }

    fn cp_after_progress(&mut self, t: usize) {
        if self.cp.tasks[t].blocked && self.cp.tasks[t].buffered < BUFFER_MEMORY {
            self.cp.tasks[t].blocked = false;
            self.cp_kick(t);
        }
        self.cp_send_produces(t);
    }

    /// Source records [from, from+n) of `mp` are readable at the target since `readable_at`.
    fn cp_acked(&mut self, mp: u32, from: u64, n: u32, readable_at: Nanos) {
        let (src, task) = {
            let m = &self.cp.parts[mp as usize];
            (m.src as usize, m.task as usize)
        };
        let to = from + n as u64;
        let rb = self.parts[src].record_bytes as u64;
        self.cp.tasks[task].buffered = self.cp.tasks[task].buffered.saturating_sub(n as u64 * rb);
        // Flink after a restart from its checkpoint: what the target already
        // holds readable is copied again (at-least-once duplicates).
        let fresh = if self.cp.tool == CopierTool::Flink {
            let m = &self.cp.parts[mp as usize];
            let lo = from.max(m.acked.min(to));
            self.cp.recopied += lo - from;
            lo
        } else {
            from
        };
        // Exactly-once: readable to read_committed consumers only at the
        // checkpoint's commit (`cp_checkpoint`), measured there.
        if !self.cp.eos {
            self.cp_record_lag(src, fresh, to, readable_at);
            if self.flow.is_some() && to > from {
                // What the range measured, for the fluid exposure: its last
                // record's commit at the source (the first HW advance that
                // covered it) and its creation.
                let m = &self.cp.parts[mp as usize];
                let committed = m.commits.iter().find(|c| c.0 >= to).map(|c| c.1);
                let part = &self.parts[src];
                let i = part.batches.partition_point(|x| x.end() < to);
                let created = part
                    .batches
                    .get(i)
                    .filter(|b| b.start < to)
                    .map(|b| b.created);
                if let (Some(c), Some(cr)) = (committed, created) {
                    self.cp.parts[mp as usize].fluid = Some((
                        readable_at.saturating_sub(c),
                        readable_at.saturating_sub(cr),
                    ));
                }
            }
        }
        let k = to - fresh;
        self.cp.copied_records += k;
        self.cp.copied_bytes += k * rb;
        let flow = self.cp.tasks[task].flow as usize;
        self.cp.flows[flow].5 += k;
        self.cp.flows[flow].6 += k * rb;
        let lag_max = self.design.map_or(100, |d| d.offset_lag_max);
        let source_up = self.cp_source_up(mp as usize);
        let m = &mut self.cp.parts[mp as usize];
        if m.acked == from {
            m.acked = to;
        } else {
            m.acked = m.acked.max(to);
        }
        while let Some(&(g0, g1)) = m.gaps.front() {
            if m.acked >= g0 {
                m.acked = m.acked.max(g1);
                m.gaps.pop_front();
            } else {
                break;
            }
        }
        // Offset syncs (MirrorSourceTask's PartitionState.update, per record in order):
        // a sync when none was emitted yet, when the downstream offset is
        // `offset.lag.max` past the last sync + 1, or when upstream records were skipped.
        let down0 = m.down;
        m.down += n as u64;
        // Flink exactly-once: the pending barrier's place at the target, once
        // the records before it are acknowledged (one batch in flight per
        // partition: acknowledgements come in offset order).
        if self.cp.eos && self.cp.ck_pending && m.barrier_down.is_none() && to >= m.barrier {
            m.barrier_down = Some(down0 + m.barrier.saturating_sub(from).min(n as u64));
        }
        if self.cp.eos {
            self.cp_set_lso(mp as usize);
        }
        let m = &mut self.cp.parts[mp as usize];
        let skipped = m.prev_up.is_some_and(|p| p + 1 != from);
        // Offset syncs are MirrorMaker 2's: the other tools keep none.
        if !source_up || self.cp.tool != CopierTool::Mirrormaker2 {
            m.prev_up = Some(to - 1);
            return;
        }
        let mut emitted = 0;
        let mut emit = |m: &mut MPart, up: u64, down: u64| {
            m.syncs.push((up, down));
            m.last_sync_down = Some(down);
            emitted += 1;
        };
        if m.last_sync_down.is_none() || skipped {
            emit(m, from, down0);
        }
        loop {
            let next = m.last_sync_down.map_or(down0, |l| l + 1 + lag_max);
            if next >= m.down || next < down0 {
                break;
            }
            emit(m, from + (next - down0), next);
        }
        m.prev_up = Some(to - 1);
        self.cp.offset_syncs += emitted;
    }

    /// Lag samples of source records [from, to) of partition `src`, readable
    /// at the target since `readable_at`.
    fn cp_record_lag(&mut self, src: usize, from: u64, to: u64, readable_at: Nanos) {
        let part = &self.parts[src];
        let mut i = part.batches.partition_point(|x| x.end() <= from);
        while let Some(bt) = part.batches.get(i) {
            if bt.start >= to {
                break;
            }
            let overlap = bt.end().min(to) - bt.start.max(from);
            self.cp
                .lag
                .record(readable_at.saturating_sub(bt.created), overlap);
            i += 1;
        }
    }

    /// Source offsets of `mp` below this are readable at the target: what the
    /// target acknowledged, or for Flink exactly-once what the last completed
    /// checkpoint committed (read_committed).
    fn cp_readable(&self, mp: usize) -> u64 {
        let m = &self.cp.parts[mp];
        if self.cp.eos {
            m.ck.min(m.acked)
        } else {
            m.acked
        }
    }

    /// Flink's checkpoints (`CheckpointCoordinator`, one at a time): every
    /// `execution.checkpointing.interval` the barrier enters each source at its
    /// position; the checkpoint completes once every sink has flushed what came
    /// before it (`KafkaWriter.flush` at `prepareCommit`: the target
    /// acknowledged it), and then the sinks commit (`KafkaCommitter`,
    /// exactly-once: the transaction's records become visible to read_committed
    /// consumers). A job with a subtask whose site is down does not checkpoint.
    fn cp_checkpoint(&mut self) {
        let now = self.now;
        if self.cp.tasks.iter().any(|t| !self.site_up[t.site]) {
            self.cp.ck_pending = false;
            return;
        }
        if !self.cp.ck_pending && now >= self.cp.next_ck {
            while self.cp.next_ck <= now {
                self.cp.next_ck += self.cp.ck_every;
            }
            for m in self.cp.parts.iter_mut() {
                m.barrier = m.fetch_pos;
                m.barrier_down = (m.acked >= m.barrier).then_some(m.down);
            }
            self.cp.ck_pending = true;
        }
        if self.cp.ck_pending && self.cp.parts.iter().all(|m| m.acked >= m.barrier) {
            self.cp.ck_pending = false;
            self.cp.checkpoints += 1;
            for mp in 0..self.cp.parts.len() {
                let (src, ck, barrier) = {
                    let m = &self.cp.parts[mp];
                    (m.src as usize, m.ck, m.barrier)
                };
                if self.cp.eos && barrier > ck {
                    self.cp_record_lag(src, ck, barrier, now);
                }
                let m = &mut self.cp.parts[mp];
                m.ck = m.ck.max(barrier);
                // The commit (`KafkaCommitter`): the transaction's records,
                // up to the barrier, become readable to read_committed
                // consumers; what follows is the next transaction.
                if self.cp.eos {
                    m.decided = m.decided.max(m.barrier_down.take().unwrap_or(m.down));
                    let dst = m.dst;
                    self.cp_set_lso(mp);
                    // The commit markers move the LSO: parked read_committed
                    // fetches complete (`DelayedFetch.tryComplete`).
                    for i in 0..self.parts[dst as usize].slots.len() {
                        let b = self.parts[dst as usize].slots[i];
                        self.wake_consumers(dst, b);
                    }
                }
            }
        }
    }

    /// Flink exactly-once: the last stable offset of `mp`'s target partition
    /// (`ProducerStateManager`'s first unstable offset: the first record of
    /// the open transaction), or none when no transaction is open. Offsets are
    /// the copier's downstream count, the target partition's own while the job
    /// is its only writer; once clients fail over to the target the cap is
    /// lifted (`cp_failover`).
    fn cp_set_lso(&mut self, mp: usize) {
        if self.cp.lso_off {
            return;
        }
        let m = &self.cp.parts[mp];
        let cap = if m.down > m.decided {
            m.decided
        } else {
            u64::MAX
        };
        if let Some(c) = self.cp.lso_cap.get_mut(m.dst as usize) {
            *c = cap;
        }
    }

    /// The oldest source offset of `p` a copier still needs (batches are kept for it).
    pub(super) fn cp_floor(&self, p: u32) -> u64 {
        match self.cp.src_parts.get(p as usize) {
            Some(list) if !list.is_empty() => list
                .iter()
                .filter(|&&mp| self.cp.parts[mp as usize].promoted.is_none())
                .map(|&mp| self.cp_readable(mp as usize))
                .min()
                .unwrap_or(u64::MAX),
            _ => u64::MAX,
        }
    }

    /// MirrorCheckpointTask's translation (OffsetSyncStore.translateDownstream):
    /// the nearest preceding sync; one past it unless it is exact.
    fn cp_translate(&self, mp: u32, up: u64) -> Option<u64> {
        self.cp.parts[mp as usize].syncs.translate(up)
    }

    /// Replicator's translation (by timestamp, `offset.translator.batch.period.ms`):
    /// the first destination record with the committed record's timestamp. Records
    /// of one producer batch share a creation time here, so the translation lands
    /// at the start of the batch holding the committed offset (and never past what
    /// has been copied).
    fn cp_translate_timestamp(&self, mp: u32, up: u64) -> u64 {
        let m = &self.cp.parts[mp as usize];
        let up = up.min(m.acked);
        let part = &self.parts[m.src as usize];
        let i = part.batches.partition_point(|x| x.end() <= up);
        let start = part
            .batches
            .get(i)
            .filter(|b| b.start <= up)
            .map_or(up, |b| b.start);
        start.saturating_sub(m.skipped)
    }

    pub(super) fn cp_tick(&mut self) {
        let now = self.now;
        if now + TICK <= self.end {
            self.at(now + TICK, Ev::CpTick);
        }
        let d = self.design.expect("copiers exist only in designs");
        // Produce requests past request.timeout.ms: their records are sent again.
        for t in 0..self.cp.tasks.len() {
            let prod = self.cp.tasks[t].prod as usize;
            while let Some(&(deadline, id, tag)) = self.producers[prod].deadlines.front() {
                if deadline > now {
                    break;
                }
                self.producers[prod].deadlines.pop_front();
                if !self.req_live(id, tag) {
                    continue;
                }
                let b = self.reqs[id as usize].broker as usize;
                let ranges = std::mem::take(&mut self.cp.req_ranges[id as usize]);
                for r in ranges {
                    let m = &mut self.cp.parts[r.mp as usize];
                    m.in_flight = false;
                    m.buf.push_front((r.from, r.n));
                    self.cp.may_send(r.mp);
                }
                self.cp_release(prod, id, b);
                self.free_req(id);
            }
            if self.site_up[self.cp.tasks[t].site] {
                // Metadata may have moved leaders: re-resolve idle fetches and sends.
                if !self.cp.tasks[t].blocked {
                    self.cp_kick(t);
                }
                self.cp_send_produces(t);
            }
        }
        for g in 0..self.cp.groups.len() {
            if now < self.cp.groups[g].next_commit {
                continue;
            }
            let c = self.cp.groups[g].consumer as usize;
            self.cp.groups[g].next_commit += self.consumers[c].auto_commit;
            if self.site_up[self.consumers[c].site] {
                let pos = self.consumers[c].pos.clone();
                self.cp.groups[g].committed = pos;
            }
        }
        while let Some(&(at, t)) = self.cp.discoveries.front() {
            if at > now {
                break;
            }
            // A topic refresh found new topics: the task's fetch sessions add them.
            self.cp.discoveries.pop_front();
            if self.site_up[self.cp.tasks[t as usize].site] && !self.cp.tasks[t as usize].blocked {
                self.cp_kick(t as usize);
            }
        }
        if self.cp.tool == CopierTool::Flink {
            self.cp_checkpoint();
        }
        if now >= self.cp.next_flush && self.cp.tool == CopierTool::Mirrormaker2 {
            // offset.flush.interval.ms: the latest position of each partition is synced.
            self.cp.next_flush += ms(d.offset_flush_interval_ms as f64).max(NS_PER_MS);
            let up: Vec<bool> = (0..self.cp.parts.len())
                .map(|mp| self.cp_source_up(mp))
                .collect();
            for (mp, m) in self.cp.parts.iter_mut().enumerate() {
                if up[mp] && m.down > 0 && m.last_sync_down != Some(m.down - 1) {
                    let s = (m.acked - 1, m.down - 1);
                    m.syncs.push(s);
                    m.last_sync_down = Some(m.down - 1);
                    self.cp.offset_syncs += 1;
                }
            }
        }
        if now >= self.cp.next_checkpoint {
            self.cp.next_checkpoint += translation_period(d);
            for g in 0..self.cp.groups.len() {
                for k in 0..self.cp.groups[g].mps.len() {
                    let mp = self.cp.groups[g].mps[k];
                    if mp == u32::MAX || !self.cp_source_up(mp as usize) {
                        continue;
                    }
                    let up = self.cp.groups[g].committed[k];
                    let down = match self.cp.tool {
                        CopierTool::Replicator => Some(self.cp_translate_timestamp(mp, up)),
                        _ => self.cp_translate(mp, up),
                    };
                    if let Some(down) = down {
                        self.cp.groups[g].ck[k] = Some((up, down));
                    }
                }
                if matches!(
                    self.cp.tool,
                    CopierTool::Mirrormaker2 | CopierTool::Replicator
                ) {
                    // Only MM2 and Replicator translate offsets.
                    self.cp.checkpoints += 1;
                }
            }
        }
        if d.sync_group_offsets_enabled && now >= self.cp.next_group_sync {
            self.cp.next_group_sync += secs(d.sync_group_offsets_interval_seconds as f64);
            for g in self.cp.groups.iter_mut() {
                // Never rewinds: only a later checkpoint replaces the synced offset.
                for k in 0..g.ck.len() {
                    if let Some(ck) = g.ck[k]
                        && g.synced[k].is_none_or(|s| s.1 <= ck.1)
                    {
                        g.synced[k] = Some(ck);
                    }
                }
            }
        }
        if now >= self.cp.next_cl_sync {
            self.cp.next_cl_sync += ms(d.consumer_offset_sync_ms as f64).max(NS_PER_MS);
            // Read from the source cluster's group offsets: nothing while it is down.
            for g in 0..self.cp.groups.len() {
                for k in 0..self.cp.groups[g].committed.len() {
                    let mp = self.cp.groups[g].mps[k];
                    if mp != u32::MAX && self.cp_source_up(mp as usize) {
                        self.cp.groups[g].cl_synced[k] = Some(self.cp.groups[g].committed[k]);
                    }
                }
            }
        }
    }

    /// Flow fidelity: the exposure of `mp` read as the fluid the bulk stands
    /// for, when the copy keeps up (what the step boundaries show, `discrete`
    /// acknowledged records not yet readable, is at most two steps of the
    /// source's commits). A bulk batch stands for records committed evenly
    /// over its step and made readable at the target as evenly, each after
    /// the delay the last copied range measured from commit to readable: a
    /// stream with that delay always has the records of the delay in flight,
    /// the source's commit rate over the last step × the delay, the oldest of
    /// them as old as that range's last record was when it became readable.
    /// The step boundaries alone show either none (the last bulk was copied)
    /// or a whole step (the fault fell within its copy). `None`: the
    /// discrete figure stands (request fidelity, no measurement yet, or a
    /// copy more than two steps behind, whose backlog is resolved).
    fn cp_fluid_exposure(&self, mp: usize, discrete: u64) -> Option<(u64, Nanos)> {
        let f = self.flow?;
        let m = &self.cp.parts[mp];
        let (delay, oldest) = m.fluid?;
        let (&(hw0, t0), &(hw1, t1)) = (m.commits.front()?, m.commits.back()?);
        // The commit rate over at least half a step.
        if t1 <= t0 || (t1 - t0) * 2 < f.step {
            return None;
        }
        let rate = hw1.saturating_sub(hw0) as f64 / (t1 - t0) as f64;
        let step_records = rate * f.step as f64;
        if discrete as f64 > 2.0 * step_records {
            return None;
        }
        let records = (rate * delay as f64).round() as u64;
        Some((records, if records > 0 { oldest } else { 0 }))
    }

    /// Oldest not-yet-readable record of `mp`: (records behind, age at `now`).
    fn cp_behind(&self, mp: usize) -> (u64, u64, Nanos) {
        let m = &self.cp.parts[mp];
        let readable = self.cp_readable(mp);
        let part = &self.parts[m.src as usize];
        let leo = self.max_leo(m.src as usize);
        let behind = leo.saturating_sub(readable);
        if behind == 0 {
            return (0, 0, 0);
        }
        let mut acked_records = 0;
        let i = part.batches.partition_point(|x| x.end() <= readable);
        let age = part
            .batches
            .get(i)
            .map_or(0, |b| self.now.saturating_sub(b.created));
        for b in part.batches.range(i..) {
            if b.acked {
                acked_records += b.end() - b.start.max(readable);
            }
        }
        (behind, acked_records, age)
    }

    /// Close an interval: lag timeline, backlog, and source retention.
    pub(super) fn cp_sample(&mut self) {
        let mut lag: Nanos = 0;
        let mut backlog = 0u64;
        for mp in 0..self.cp.parts.len() {
            // A source cluster that is down has nothing to copy: its exposure was
            // counted at the failure (RPO), it is not lag. A promoted mirror
            // copies nothing any more.
            if self.cp.parts[mp].promoted.is_some() {
                continue;
            }
            let flow = self.cp.tasks[self.cp.parts[mp].task as usize].flow as usize;
            let src = self.layout.flows[flow].0;
            if !self.layout.clusters[src].iter().any(|&s| self.site_up[s]) {
                continue;
            }
            let (behind, _, mut age) = self.cp_behind(mp);
            // At flow fidelity a copy that keeps up shows no age between steps:
            // the fluid's, as for the RPO (`cp_fluid_exposure`).
            if let Some((_, oldest)) = self.cp_fluid_exposure(mp, behind) {
                age = oldest;
            }
            let rb = self.parts[self.cp.parts[mp].src as usize].record_bytes as u64;
            backlog += behind * rb;
            lag = lag.max(age);
        }
        self.cp.lag_timeline.push(round3(to_s(lag)));
        self.cp.backlog_timeline.push(backlog);
        self.cp_retention();
        // Consumers' read positions, for the re-reads over the clocks' phases.
        let longest_commit = (self.cp.groups.iter())
            .map(|g| self.consumers[g.consumer as usize].auto_commit)
            .max()
            .unwrap_or(0);
        let horizon = self
            .cp_clock_periods(longest_commit)
            .iter()
            .fold(2 * self.interval, |a, &p| a.saturating_add(p));
        for g in 0..self.cp.groups.len() {
            let c = self.cp.groups[g].consumer as usize;
            let sum: u64 = self.cp.groups[g]
                .mps
                .iter()
                .zip(&self.consumers[c].pos)
                .filter(|(m, _)| **m != u32::MAX)
                .map(|(_, &p)| p)
                .sum();
            let h = &mut self.cp.groups[g].hist;
            h.push_back((self.now, sum));
            while h.len() > 2 && h[1].0.saturating_add(horizon) <= self.now {
                h.pop_front();
            }
        }
    }

    /// The periods of the clocks between a consumer's position and the offset it
    /// resumes from at the target: its auto-commit (`auto_commit`), then the
    /// copier's translation (MM2 checkpoints, Replicator's translator, Cluster
    /// Linking's consumer offset sync), then MM2's `sync.group.offsets` when
    /// enabled. uReplicator translates nothing: none.
    fn cp_clock_periods(&self, auto_commit: Nanos) -> Vec<Nanos> {
        let Some(d) = self.design else {
            return Vec::new();
        };
        match self.cp.tool {
            CopierTool::Ureplicator | CopierTool::Flink => Vec::new(),
            CopierTool::ClusterLinking
            | CopierTool::ClusterMirroring
            | CopierTool::RedpandaShadowing => vec![
                auto_commit,
                ms(d.consumer_offset_sync_ms as f64).max(NS_PER_MS),
            ],
            CopierTool::Replicator => vec![auto_commit, translation_period(d)],
            CopierTool::Mirrormaker2 => {
                let mut v = vec![auto_commit, translation_period(d)];
                if d.sync_group_offsets_enabled {
                    v.push(secs(d.sync_group_offsets_interval_seconds as f64));
                }
                v
            }
        }
    }

    /// Records group `g` would re-read if it failed over now, for every phase of
    /// the clocks of [`Self::cp_clock_periods`] ([`rereads_over_phases`]);
    /// `translation` (the distance to the offset sync used, as in this run) is
    /// added to each.
    fn cp_rereads_over_phases(
        &self,
        g: usize,
        read_until: u64,
        translation: u64,
    ) -> (u64, u64, u64) {
        let grp = &self.cp.groups[g];
        let earliest =
            self.sc.consumer[grp.consumer as usize].auto_offset_reset == AutoOffsetReset::Earliest;
        // The history up to now: the recorded samples, then the present position.
        let cur: u64 = grp
            .mps
            .iter()
            .zip(&self.consumers[grp.consumer as usize].pos)
            .filter(|(m, _)| **m != u32::MAX)
            .map(|(_, &p)| p)
            .sum();
        let periods = self.cp_clock_periods(self.consumers[grp.consumer as usize].auto_commit);
        rereads_over_phases(
            &grp.hist,
            (self.now, cur),
            &periods,
            read_until,
            translation,
            earliest,
        )
    }

    /// Records the source deletes (retention.ms / retention.bytes) before the copier
    /// fetched them are skipped and counted as lost.
    fn cp_retention(&mut self) {
        let now = self.now;
        for mp in 0..self.cp.parts.len() {
            if self.cp.parts[mp].promoted.is_some() {
                continue;
            }
            let src = self.cp.parts[mp].src as usize;
            let topic = &self.sc.topic[self.topic_origin[self.parts[src].topic as usize]];
            let part = &self.parts[src];
            let rb = part.record_bytes as u64;
            let leo = self.max_leo(src);
            let pos = self.cp.parts[mp].fetch_pos;
            if pos >= leo {
                continue;
            }
            let mut start = pos;
            if topic.retention_ms > 0 {
                let cutoff = now.saturating_sub(ms(topic.retention_ms as f64));
                let i = part.batches.partition_point(|x| x.end() <= pos);
                let mut j = i;
                while let Some(b) = part.batches.get(j) {
                    if b.created >= cutoff {
                        break;
                    }
                    start = b.end();
                    j += 1;
                }
            }
            if topic.retention_bytes > 0 {
                let keep = topic.retention_bytes as u64 / rb;
                start = start.max(leo.saturating_sub(keep));
            }
            if start > pos {
                let n = start - pos;
                let m = &mut self.cp.parts[mp];
                m.gaps.push_back((pos, start));
                m.fetch_pos = start;
                m.skipped += n;
                if m.buf.is_empty() && !m.in_flight && m.acked == pos {
                    m.acked = start;
                    m.gaps.pop_back();
                }
                self.cp.lost_retention_records += n;
                self.cp.lost_retention_bytes += n * rb;
            }
        }
    }

    /// A site went down (or came back): failover bookkeeping for fault `fault`.
    pub(super) fn cp_site(&mut self, site: usize, start: bool, fault: usize) {
        if self.cp.parts.is_empty() {
            return;
        }
        if start {
            // A hybrid design's stretched cluster losing one of its sites loses
            // no copy source: the copier fetches from the new leaders.
            if !self.fault_cluster_survived[fault] {
                self.cp_fault_exposure(fault, Some(site));
            }
        } else {
            self.cp_fail_back(site);
            for t in 0..self.cp.tasks.len() {
                if self.cp.tasks[t].site == site {
                    // The copier restarts from its committed position: what it had
                    // buffered is fetched again.
                    let parts = self.cp.tasks[t].parts.clone();
                    let (flink, eos) = (self.cp.tool == CopierTool::Flink, self.cp.eos);
                    for mp in parts {
                        let m = &mut self.cp.parts[mp as usize];
                        if !m.in_flight {
                            m.buf.clear();
                            m.fetch_pos = m.acked;
                            if flink {
                                // Flink restarts from its last completed checkpoint:
                                // exactly-once aborts the open transaction (what it
                                // wrote since is never visible), at-least-once finds
                                // it again at the target (`cp_acked` counts it).
                                if eos {
                                    self.cp.recopied += m.acked.saturating_sub(m.ck);
                                    m.acked = m.ck.min(m.acked);
                                    // The aborted records are decided: read_committed
                                    // consumers skip them (the model counts them read).
                                    m.decided = m.down;
                                    m.barrier_down = None;
                                }
                                m.fetch_pos = m.ck.min(m.fetch_pos);
                            }
                        }
                        if flink && eos {
                            self.cp_set_lso(mp as usize);
                        }
                    }
                    self.cp.ck_pending = false;
                    self.cp.tasks[t].buffered = 0;
                    self.cp.tasks[t].blocked = false;
                    // Requests of the stopped process are gone: every session starts over.
                    for b in 0..self.nb {
                        let cs = &mut self.cp.sess[t * self.nb + b];
                        cs.state = SessState::Idle;
                        cs.tag += 1;
                    }
                    self.cp_kick(t);
                }
            }
        }
    }

    /// What fault `fault` exposes: records acknowledged at the source and not yet
    /// readable at the target (the RPO), and what failed-over consumers re-read.
    pub(super) fn cp_fault_exposure(&mut self, fault: usize, site: Option<usize>) {
        if self.cp.parts.is_empty() || fault >= self.cp.exposures.len() {
            return;
        }
        let mut e = Exposure::default();
        let mut max_age: Nanos = 0;
        let src_cluster = site.map(|s| self.site_cluster[s] as usize);
        let site_holds_cluster =
            site.is_some_and(|s| self.layout.clusters.iter().any(|c| c.contains(&s)));
        for mp in 0..self.cp.parts.len() {
            let flow = self.cp.tasks[self.cp.parts[mp].task as usize].flow as usize;
            if (site_holds_cluster && Some(self.layout.flows[flow].0) != src_cluster)
                || self.cp.parts[mp].promoted.is_some()
            {
                continue;
            }
            let (_, mut acked_records, mut age) = self.cp_behind(mp);
            if let Some((records, oldest)) = self.cp_fluid_exposure(mp, acked_records) {
                acked_records = records;
                age = oldest;
            }
            let rb = self.parts[self.cp.parts[mp].src as usize].record_bytes as u64;
            e.rpo_records += acked_records;
            e.rpo_bytes += acked_records * rb;
            max_age = max_age.max(age);
        }
        e.rpo_s = round3(to_s(max_age));
        e.reaches_copies_s = e.rpo_s;
        if let Some(s) = site {
            let d = self.design.expect("copiers exist only in designs");
            for g in 0..self.cp.groups.len() {
                let c = self.cp.groups[g].consumer as usize;
                // The consumers of the lost cluster: of this site, and of its
                // other sites lost before (a hybrid design's stretched cluster)
                // whose consumers have not moved yet.
                let cs = self.consumers[c].site;
                if cs != s && (self.site_up[cs] || self.layout.cluster_of(cs) != src_cluster) {
                    continue;
                }
                e.consumers_failed_over += 1;
                let earliest = self.sc.consumer[c].auto_offset_reset == AutoOffsetReset::Earliest;
                let (mut g_read, mut g_translation) = (0u64, 0u64);
                for k in 0..self.cp.groups[g].mps.len() {
                    let mp = self.cp.groups[g].mps[k];
                    if mp == u32::MAX {
                        continue;
                    }
                    let m = &self.cp.parts[mp as usize];
                    let pos = self.consumers[c].pos[k];
                    // Re-read at the target: from where the group resumes up to what it
                    // had read and the target holds.
                    let read_until = pos.min(m.acked);
                    // No offset at the target: auto.offset.reset (latest: the log
                    // end, which skips what the consumer had not read).
                    let reset = if earliest { (0, 0) } else { (m.acked, m.acked) };
                    let (resume, ck_up) = match self.cp.tool {
                        t if t.offset_preserving() => {
                            self.cp.groups[g].cl_synced[k].map_or(reset, |s| (s, s))
                        }
                        CopierTool::Ureplicator | CopierTool::Flink => reset,
                        _ => {
                            let src = if d.sync_group_offsets_enabled {
                                self.cp.groups[g].synced[k]
                            } else {
                                self.cp.groups[g].ck[k]
                            };
                            match src {
                                // Downstream offset back to the upstream position it stands for.
                                Some((up, down)) => (down + m.skipped, up),
                                None => reset,
                            }
                        }
                    };
                    let dup = read_until.saturating_sub(resume);
                    let from_translation = ck_up.min(read_until).saturating_sub(resume);
                    e.duplicates += dup;
                    e.dup_translation += from_translation;
                    e.dup_interval += dup - from_translation;
                    e.never_read += resume.saturating_sub(pos);
                    g_read += read_until;
                    g_translation += from_translation;
                }
                let (lo, mean, hi) = self.cp_rereads_over_phases(g, g_read, g_translation);
                let (a, b, c) = e.over_phases.unwrap_or((0, 0, 0));
                e.over_phases = Some((a + lo, b + mean, c + hi));
            }
        }
        self.cp.exposures[fault] = Some(e);
    }
}

impl World<'_> {
    /// Fault `fault`'s RTO has passed: the lost site's producers and consumers
    /// restart in the first cluster their cluster copied to. Producers write its
    /// local topic; consumers read the remote copy from their group's resume point
    /// (the same as in [`Self::cp_fault_exposure`]).
    pub(super) fn cp_failover(&mut self, fault: usize) {
        let Some(site) = self.site_still_down(fault) else {
            return;
        };
        let src = self.site_cluster[site] as usize;
        // `failover.to_site` when it holds a cluster this one copies to, else the
        // first such cluster.
        let named = self
            .sc
            .failover
            .to_site
            .as_deref()
            .and_then(|n| self.topo.site_index(n))
            .and_then(|s| {
                self.layout
                    .flows
                    .iter()
                    .find(|f| f.0 == src && self.layout.clusters[f.1].contains(&s))
                    .map(|f| (f.1, s))
            });
        let first = self
            .layout
            .flows
            .iter()
            .find(|f| f.0 == src)
            .map(|f| (f.1, self.cluster_site(f.1)));
        let Some((dst, new_site)) = named.or(first) else {
            return;
        };
        let d = self.design.expect("copiers exist only in designs");
        if d.tool.offset_preserving() {
            self.cp_promote(src, dst);
        }
        // Flink exactly-once: the failed-over producers write the target
        // partitions too, so the job's downstream count no longer names their
        // offsets; its source is gone and its last transaction was committed
        // at the checkpoints since the loss. The cap is lifted.
        if !self.cp.lso_cap.is_empty() {
            self.cp.lso_off = true;
            self.cp.lso_cap.fill(u64::MAX);
        }
        let mut moved_p = 0;
        for i in 0..self.producers.len() {
            let p = &self.producers[i];
            if p.copier || p.site != site {
                continue;
            }
            let origin = self.topic_origin[p.topic as usize];
            let name = self.sc.topic[origin].name.clone();
            let Some(t) = self.internal_topic(origin, dst, &name) else {
                continue;
            };
            // What it held in its accumulator died with the process.
            let lost = self.drop_accumulator(i);
            let p = &mut self.producers[i];
            p.unavailable += lost;
            p.site = new_site;
            p.cluster = dst as u8;
            p.topic = t as u16;
            p.cursor = 0;
            p.sticky_fill = 0;
            moved_p += 1;
        }
        let mut resumed = Vec::new();
        for g in 0..self.cp.groups.len() {
            let c = self.cp.groups[g].consumer as usize;
            if self.consumers[c].site != site {
                continue;
            }
            let Some(&mp0) = self.cp.groups[g].mps.iter().find(|&&m| m != u32::MAX) else {
                continue;
            };
            let dst_topic = self.parts[self.cp.parts[mp0 as usize].dst as usize].topic;
            let old_topic = self.consumers[c].topic as usize;
            let mut pos = vec![0u64; self.topic_parts[dst_topic as usize].len()];
            for k in 0..self.cp.groups[g].mps.len().min(pos.len()) {
                let mp = self.cp.groups[g].mps[k];
                if mp == u32::MAX {
                    continue;
                }
                let m = &self.cp.parts[mp as usize];
                let had_read = self.consumers[c].pos[k].saturating_sub(m.skipped);
                // No offset at the target: auto.offset.reset (latest: the log end).
                let reset = match self.sc.consumer[c].auto_offset_reset {
                    AutoOffsetReset::Earliest => 0,
                    AutoOffsetReset::Latest => self.max_leo(m.dst as usize),
                };
                let resume = match self.cp.tool {
                    t if t.offset_preserving() => self.cp.groups[g].cl_synced[k].unwrap_or(reset),
                    CopierTool::Ureplicator | CopierTool::Flink => reset,
                    _ => {
                        let ck = if d.sync_group_offsets_enabled {
                            self.cp.groups[g].synced[k]
                        } else {
                            self.cp.groups[g].ck[k]
                        };
                        ck.map_or(reset, |x| x.1)
                    }
                };
                pos[k] = resume;
                resumed.push((c as u16, k, resume, had_read));
            }
            self.topic_consumers[old_topic].retain(|&x| x as usize != c);
            self.topic_consumers[dst_topic as usize].push(c as u16);
            let cons = &mut self.consumers[c];
            cons.topic = dst_topic;
            // The group's offsets at the target are where it resumes.
            cons.committed = Some(pos.clone());
            cons.pos = pos;
            cons.site = new_site;
            cons.cluster = dst as u8;
            cons.follower_fetching = false;
            for b in 0..self.nb {
                let s = &mut self.csess[c * self.nb + b];
                s.state = SessState::Idle;
                s.tag += 1;
            }
            self.consumer_start(c);
        }
        if let Some(Some(e)) = self.cp.exposures.get_mut(fault) {
            e.producers_failed_over = moved_p;
            e.resumed = Some(resumed);
        }
    }

    /// Failover promotes the mirrors of flow `src` → `dst` (an offset-preserving
    /// tool): the mirror stops and the target partitions become writable
    /// (Cluster Linking's `failover`, KIP-1279's `RemoveTopicsFromMirror`,
    /// `rpk shadow failover`). Each keeps its last mirrored offset (LMO): what
    /// the target held readable, the source's offsets below it.
    fn cp_promote(&mut self, src: usize, dst: usize) {
        for mp in 0..self.cp.parts.len() {
            let flow = self.cp.tasks[self.cp.parts[mp].task as usize].flow as usize;
            if self.layout.flows[flow] != (src, dst) {
                continue;
            }
            let m = &mut self.cp.parts[mp];
            if m.promoted.is_none() {
                m.promoted = Some(m.acked);
                m.buf.clear();
            }
        }
    }

    /// Site `site` returned after its cluster's mirrors were promoted: fail-back
    /// by truncation. Every replica of each old source partition is truncated
    /// where its copy diverged and the partition becomes a mirror of the
    /// promoted one (a flow back, same offsets). Cluster Linking
    /// (`truncate-and-restore`) and KIP-1279 (`AddTopicsToMirror`: truncate to
    /// the LMO, mirror the delta) truncate at the LMO; Redpanda's failover is
    /// irreversible, so fail-back is a new shadow link the other way, which
    /// recreates the topic and copies it from the start. Acknowledged records
    /// at or past the LMO (written at the source, never copied) are lost.
    fn cp_fail_back(&mut self, site: usize) {
        let c = self.site_cluster[site] as usize;
        if !self.cp.tool.offset_preserving() || self.layout.cluster_of(site) != Some(c) {
            return;
        }
        // Per promoted target cluster: (cluster, partition pairs back, start offsets).
        type Back = (usize, Vec<(u32, u32, Nanos)>, Vec<u64>);
        let mut back: Vec<Back> = Vec::new();
        for mp in 0..self.cp.parts.len() {
            let flow = self.cp.tasks[self.cp.parts[mp].task as usize].flow as usize;
            let (a, b) = self.layout.flows[flow];
            let m = &self.cp.parts[mp];
            let Some(lmo) = m.promoted else { continue };
            if a != c || m.failed_back {
                continue;
            }
            let (old, promoted) = (m.src, m.dst);
            let from = if self.cp.tool == CopierTool::RedpandaShadowing {
                0
            } else {
                lmo
            };
            self.cp.parts[mp].failed_back = true;
            self.cp_truncate(old, from, lmo);
            let k = match back.iter().position(|x| x.0 == b) {
                Some(k) => k,
                None => {
                    back.push((b, Vec::new(), Vec::new()));
                    back.len() - 1
                }
            };
            back[k].1.push((promoted, old, 0));
            back[k].2.push(from);
        }
        let mut cp = std::mem::take(&mut self.cp);
        for (b, pairs, start) in back {
            let fi = self.layout.flows.len();
            self.layout.flows.push((b, c));
            let first = cp.tasks.len();
            let site = self.cluster_site(c);
            self.cp_add_flow(&mut cp, fi, (b, c), site, &pairs, &start);
            Self::cp_add_sessions(&mut cp, self.nb);
            self.cp = cp;
            for t in first..self.cp.tasks.len() {
                self.cp_kick(t);
            }
            cp = std::mem::take(&mut self.cp);
        }
        self.cp = cp;
    }

    /// Truncate every replica of partition `p` to offset `to`; acknowledged
    /// records at or past `lost_from` are counted lost (§12's accounting).
    fn cp_truncate(&mut self, p: u32, to: u64, lost_from: u64) {
        let n = self.parts[p as usize].slots.len();
        for s in 0..n {
            self.replica_changed(p, s);
        }
        let part = &mut self.parts[p as usize];
        let r0 = part.r0 as usize;
        for s in 0..n {
            part.rep[s].truncate_to(&mut self.pos[r0 + s], to);
            for o in (0..n).filter(|&o| o != s) {
                let t = &mut self.tracks[part.link(s, o)];
                t.leo = t.leo.min(to);
            }
        }
        let rb = part.record_bytes as u64;
        let mut lost = Vec::new();
        part.batches.retain_mut(|bt| {
            if bt.end() <= to {
                return true;
            }
            let first = bt.start.max(lost_from);
            if bt.end() > first {
                lost.push(bt.tail(first - bt.start));
            }
            if bt.start < to {
                bt.split_off(to - bt.start);
                true
            } else {
                false
            }
        });
        for bt in lost {
            self.count_lost(&bt, rb);
        }
    }

    /// Records failed-over consumers have re-read so far: from where they resumed
    /// up to what they had read before the failure.
    pub(super) fn cp_measured_duplicates(&self, fault: usize) -> Option<u64> {
        let e = self.cp.exposures.get(fault)?.as_ref()?;
        Some(self.reread_since(e.resumed.as_ref()?))
    }

    /// Records restarted consumers have read again so far: per (consumer,
    /// partition, resume offset, position before), from where they resumed
    /// up to what they had read before.
    pub(super) fn reread_since(&self, list: &[(u16, usize, u64, u64)]) -> u64 {
        list.iter()
            .map(|&(c, k, resume, had_read)| {
                let now = self.consumers[c as usize].pos.get(k).copied().unwrap_or(0);
                now.min(had_read).saturating_sub(resume)
            })
            .sum()
    }
}

/// Records a group would re-read if it resumed now from the end of a chain of
/// clocks of `periods` (its auto-commit, then a copier's translation and
/// group sync), for every phase of them: (min, mean, max). Each clock's age
/// at the moment the next one reads it is uniform over its period and
/// independent of the others, so the resume point stands for the position
/// the group had (sum of the ages) ago, read from its recorded history
/// `hist` of (time, summed position), interpolated, then `now` = (time,
/// position); `translation` is added to each. Before the history starts the
/// group had no offset and starts where `auto.offset.reset` says
/// (`earliest`: everything read again). Min: every clock just ticked; max:
/// every clock about to tick; mean: over an 8-point grid per clock. No
/// clock: no offset is carried, the group starts at `auto.offset.reset`.
pub(super) fn rereads_over_phases(
    hist: &VecDeque<(Nanos, u64)>,
    now: (Nanos, u64),
    periods: &[Nanos],
    read_until: u64,
    translation: u64,
    earliest: bool,
) -> (u64, u64, u64) {
    if periods.is_empty() {
        let r = if earliest { read_until } else { 0 };
        return (r, r, r);
    }
    let (now, cur) = now;
    let at = |t: i128| -> Option<u64> {
        if t < 0 {
            return None;
        }
        let t = t as Nanos;
        let i = hist.partition_point(|x| x.0 <= t);
        let next = hist.get(i).copied().or(Some((now, cur)));
        Some(
            match (i.checked_sub(1).and_then(|k| hist.get(k)), next.as_ref()) {
                (Some(&(t0, v0)), Some(&(t1, v1))) if t1 > t0 => {
                    v0 + ((v1 - v0.min(v1)) as f64 * (t - t0) as f64 / (t1 - t0) as f64) as u64
                }
                (Some(&(_, v0)), _) => v0,
                (None, _) => 0,
            },
        )
    };
    let reread = |stale: Nanos| -> u64 {
        match at(now as i128 - stale as i128) {
            Some(v) => read_until.saturating_sub(v) + translation,
            None if earliest => read_until,
            None => 0,
        }
    };
    const N: usize = 8;
    let total = periods.len() as u32;
    let combos = N.pow(total);
    let mut sum = 0u128;
    for mut k in 0..combos {
        let mut stale: Nanos = 0;
        for &p in periods {
            let i = (k % N) as u64;
            k /= N;
            stale = stale.saturating_add(p / (2 * N as u64) * (2 * i + 1));
        }
        sum += reread(stale) as u128;
    }
    let max_stale: Nanos = periods.iter().fold(0, |a: Nanos, &p| a.saturating_add(p));
    let (lo, hi) = (reread(0), reread(max_stale));
    (lo.min(hi), (sum / combos as u128) as u64, hi.max(lo))
}

/// Round trips in hand (`cp_request_caps`): `had` counted at its time, one
/// more per round trip `rtt` since, at most `most`.
fn rounds_now(had: (f64, Nanos), now: Nanos, rtt: Nanos, most: f64) -> f64 {
    (had.0 + now.saturating_sub(had.1) as f64 / rtt.max(1) as f64).min(most)
}

/// A request sent at `now` spends `used` of the round trips in hand `had`.
fn spend_rounds(had: &mut (f64, Nanos), now: Nanos, k: Rounds, used: f64) {
    *had = ((rounds_now(*had, now, k.rtt, k.most) - used).max(0.0), now);
}

#[cfg(test)]
mod tests {
    use super::next_ready;

    /// The scan finds each set bit once, in order, across words, and never
    /// past the last word.
    #[test]
    fn next_ready_visits_set_bits_in_order() {
        let mut bits = vec![0u64; 3];
        for i in [0usize, 3, 63, 64, 130] {
            bits[i / 64] |= 1 << (i % 64);
        }
        let mut seen = Vec::new();
        let mut from = 0;
        while let Some(i) = next_ready(&bits, from) {
            seen.push(i);
            from = i + 1;
        }
        assert_eq!(seen, vec![0, 3, 63, 64, 130]);
        assert_eq!(next_ready(&bits, 131), None);
        assert_eq!(next_ready(&bits, 192), None);
        assert_eq!(next_ready(&[], 0), None);
    }
}
