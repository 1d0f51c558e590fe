//! The Kafka model: brokers, partitions, ISR and high watermark, the KRaft
//! quorum and controller, producers and consumers, as event handlers over one
//! [`World`]. Every message crosses [`crate::net::Net`].

mod build;
mod controller;
mod copier;
mod disk;
mod faults;
mod fetch;
mod handler;
mod outcome;
mod produce;
mod retry;
mod state;
mod syncs;

use crate::metrics::*;
use crate::net::{LinkParams, Net};
use crate::scenario::{
    Acks, BrokerHardware, ClientFailover, FaultKind, ObserverPromotionPolicy, RACK_AWARE_SELECTOR,
    Scenario,
};
use crate::sim::{EventQueue, NS_PER_MS, NS_PER_S, Nanos, SimRng, ms, secs, to_s};
use crate::topology::{DesignLayout, Topology};
use state::*;
pub use state::{NO_LEADER, PState};

/// Every event of the model. Small and `Copy`: bulk data lives in the world.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ev {
    ProducerTick {
        prod: u16,
    },
    /// Flow fidelity: a producer's request-level probe batch.
    /// Flow fidelity: producer `prod` checks its held probe batches again.
    ProbeDrain {
        prod: u16,
    },
    ProbeTick {
        prod: u16,
    },
    ProduceArrive {
        req: u32,
        tag: u32,
    },
    /// An io thread finished handling a produce request (its append happens now).
    ProduceHandled {
        req: u32,
        tag: u32,
    },
    ProduceResponse {
        req: u32,
        tag: u32,
    },
    FetchArrive {
        sess: u32,
        tag: u32,
    },
    FetchHandled {
        sess: u32,
        tag: u32,
    },
    FetchWake {
        sess: u32,
    },
    /// Flow fidelity: the long-poll timer of every follower session that
    /// leader `broker` serves (one per leader, not one per session).
    FlowFetchWake {
        broker: B,
    },
    FetchResponse {
        sess: u32,
        tag: u32,
    },
    FetchRetry {
        sess: u32,
        tag: u32,
    },
    ConsumerStart {
        cons: u16,
    },
    CFetchArrive {
        sess: u32,
    },
    CFetchHandled {
        sess: u32,
        tag: u32,
    },
    CFetchWake {
        sess: u32,
    },
    CFetchResponse {
        sess: u32,
        tag: u32,
    },
    CFetchRetry {
        sess: u32,
        tag: u32,
    },
    IsrCheck {
        broker: B,
    },
    Heartbeat {
        broker: B,
    },
    HeartbeatArrive {
        broker: B,
        voter: u8,
    },
    VoterTick {
        voter: u8,
    },
    QuorumFetchArrive {
        from: u8,
        to: u8,
        epoch: u32,
    },
    QuorumFetchResp {
        to: u8,
        leader: u8,
        epoch: u32,
    },
    CandidateStart {
        voter: u8,
        tag: u32,
    },
    VoteArrive {
        from: u8,
        to: u8,
        epoch: u32,
        /// A KIP-996 pre-vote (the candidate's epoch is not bumped).
        pre: bool,
    },
    VoteResp {
        to: u8,
        epoch: u32,
        granted: bool,
        pre: bool,
    },
    ControllerTick {
        cl: u8,
    },
    MetaFlush {
        cl: u8,
        epoch: u32,
    },
    MetaAppendArrive {
        voter: u8,
        batch: u32,
    },
    MetaAckArrive {
        voter: u8,
        batch: u32,
    },
    MetaDeliver {
        broker: B,
        batch: u32,
    },
    AlterArrive {
        alter: u32,
    },
    FaultStart {
        fault: u16,
    },
    FaultEnd {
        fault: u16,
    },
    Sample,
    CpFetchArrive {
        sess: u32,
    },
    CpFetchHandled {
        sess: u32,
        tag: u32,
    },
    CpFetchWake {
        sess: u32,
        tag: u32,
    },
    CpFetchResponse {
        sess: u32,
        tag: u32,
    },
    CpFetchRetry {
        sess: u32,
        tag: u32,
    },
    CpTick,
    Failover {
        fault: u16,
        /// The delay included the DNS TTL (the clients change cluster).
        dns: bool,
    },
}

/// Kafka's `AbstractFetcherManager.getFetcherId`: the replica fetcher thread
/// (of `fetchers`) that replicates partition `partition` of `topic`, from Java's
/// `String.hashCode` of the topic name.
pub(crate) fn fetcher_id(topic: &str, partition: usize, fetchers: usize) -> usize {
    let h = topic
        .encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32));
    let v = h.wrapping_mul(31).wrapping_add(partition as i32);
    // Kafka's Utils.abs maps Integer.MIN_VALUE to 0.
    let abs = if v == i32::MIN { 0 } else { v.unsigned_abs() };
    abs as usize % fetchers.max(1)
}

/// Problems that end a run early.
#[derive(Debug)]
pub enum SimError {
    EventLimit { limit: u64, at_s: f64 },
}

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SimError::EventLimit { limit, at_s } => write!(
                f,
                "stopped after {limit} events at simulated time {at_s:.1} s (model.max_events); shorten duration_s, lower rates, or raise the limit"
            ),
        }
    }
}

#[derive(Clone)]
pub(crate) struct ProducerState {
    site: usize,
    /// Site the application runs in at the start (reports group by it; `site`
    /// changes when it fails over).
    home: usize,
    /// Cluster this client talks to.
    cluster: u8,
    /// A copier task's producer (not an application producer): its responses go to the copier.
    copier: bool,
    topic: u16,
    /// The topic's creation (`created_at_s`): nothing is produced before it.
    start: Nanos,
    acks: Acks,
    rate_bytes_s: f64,
    record_bytes: u32,
    /// Interval of the producer's sends: `linger.ms`, or the bulk step at flow fidelity.
    tick: Nanos,
    /// `linger.ms`: the accumulation a batch sees at request level (probes use it).
    linger: Nanos,
    batch_records: u32,
    max_in_flight: u8,
    /// `buffer.memory` and `max.request.size`, in bytes.
    buffer_memory: u64,
    max_request: u64,
    request_timeout: Nanos,
    window: u64,
    carry_records: f64,
    cursor: u32,
    /// Request fidelity: records given to the partition at `cursor` in its
    /// current sticky turn (it keeps them coming until `batch_records`).
    sticky_fill: u32,
    /// Flow fidelity: next partition (index in the topic) to probe.
    probe_cursor: u32,
    /// Flow fidelity with probe jitter: the start of the current probe's interval.
    probe_slot: Nanos,
    /// Flow fidelity: probe batches waiting in the accumulator (partition,
    /// records, created, not before), for a leader, an in-flight slot, the
    /// end of a reconnect or retry backoff (`produce::drain_probes`).
    probe_held: Vec<(u32, u32, Nanos, Nanos)>,
    /// Flow fidelity: when the `ProbeDrain` queued for this producer fires.
    probe_drain: Option<Nanos>,
    in_flight: Vec<u8>,
    /// Flow fidelity: the fluid clock of the connection to each broker.
    fluid_busy: Vec<Nanos>,
    /// When the latest request sent on the connection to each broker arrives:
    /// TCP delivers one connection's requests in order, so one held back by
    /// the connection's window or a retransmit holds back those sent after
    /// it (the link orders only what every connection shares, `net`).
    arrives: Vec<Nanos>,
    /// Flow fidelity: a bulk request to each broker is in flight (one at a
    /// time: it stands for a full window of max.in.flight requests).
    bulk_out: Vec<bool>,
    /// Flow fidelity: per broker, the probes answered since the last step
    /// (count, and the sum of their round-trip rates in 1/s): what the step's
    /// request round trips were under the link's queueing.
    probe_trip: Vec<(u32, f64)>,
    /// Until when each broker's connection is in reconnect backoff after it was
    /// closed or refused (nothing is sent to it before).
    reconnect_at: Vec<Nanos>,
    /// (deadline, request, tag) of requests in flight, in send order.
    deadlines: std::collections::VecDeque<(Nanos, u32, u32)>,
    /// Batches waiting to be (re)sent: (partition, records, created).
    held: Vec<(u32, u32, Nanos)>,
    latency: Histogram,
    /// Latency of what was acknowledged outside every fault's window.
    steady: Histogram,
    /// Records' time in the accumulator before their request was sent.
    acc_wait: Histogram,
    sent: u64,
    acked: u64,
    rejected: u64,
    timed_out: u64,
    unavailable: u64,
    blocked: u64,
    /// Retries and idempotence (`retry.rs`): the settings, the retried
    /// batches waiting to be resent, and their counts.
    retry: retry::Retries,
}

#[derive(Clone)]
pub(crate) struct ProduceReq {
    prod: u16,
    broker: B,
    sent: Nanos,
    /// (partition, records, created, result) — result: 0 pending, 1 ok, 2 rejected, 3 not leader.
    parts: Vec<(u32, u32, Nanos, u8)>,
    /// Flow fidelity: an aggregate of many requests; its latency is not sampled.
    bulk: bool,
    pending: u16,
    responded: bool,
    done: bool,
    tag: u32,
    /// The leader's append waited for its disk (dirty pages over the limit):
    /// the response leaves no earlier.
    not_before: Nanos,
    /// Application producers: where this attempt appended each part it
    /// appended, (part index, leader epoch, start offset), so a retry knows
    /// what the log may already hold (`retry.rs`).
    appended: Vec<(u16, u32, u64)>,
    /// The parts that are retried batches (`retry.rs`): empty for a first send.
    resent: Vec<retry::Resent>,
}

#[derive(Clone)]
pub(crate) struct ConsumerState {
    site: usize,
    home: usize,
    cluster: u8,
    topic: u16,
    follower_fetching: bool,
    rack: Option<String>,
    max_wait: Nanos,
    /// Next offset to read, per partition of the topic.
    pos: Vec<u64>,
    /// The group's committed offsets (`enable.auto.commit`: every
    /// `auto_commit`, on the consumer's own clock), `None` before the first
    /// commit. Where a restarted consumer resumes (§19).
    committed: Option<Vec<u64>>,
    /// `auto.commit.interval.ms` (Kafka's default 5 000 ms, with
    /// `enable.auto.commit` true), at least 1 ms: the group commits on it, and
    /// so does its group at a copier's target.
    auto_commit: Nanos,
    /// `receive.buffer.bytes` (its TCP window), `max.partition.fetch.bytes`
    /// and `fetch.max.bytes`.
    window: u64,
    partition_fetch_max: u64,
    fetch_max: u64,
    /// The consumer's next auto-commit.
    next_commit: Nanos,
    /// The summed position at each timeline sample over the last commit
    /// period and two intervals, for the re-reads over the commit's phases.
    hist: std::collections::VecDeque<(Nanos, u64)>,
    e2e: Histogram,
    /// End-to-end latency of what was consumed outside every fault's window.
    e2e_steady: Histogram,
    consumed: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SessState {
    Idle,
    InFlight,
    Parked,
}

/// A site lost inside one cluster (a stretched design, or a hybrid design's
/// stretched cluster that keeps a site): its consumers' processes die with
/// it and restart in another site, where they resume at their group's
/// committed offsets and read again what they had read since (§19).
#[derive(Clone, Default)]
pub(crate) struct RestartRereads {
    /// At the loss: records the site's consumers had read past their
    /// committed offsets (this run's commit phase), and the (min, mean, max)
    /// of that over the auto-commit's phases.
    expected: u64,
    phases: (u64, u64, u64),
    /// At the restart: (consumer, partition, resume offset, position before).
    resumed: Vec<(u16, usize, u64, u64)>,
    /// Records skipped: a group with no commit yet starts at
    /// `auto.offset.reset` = `latest`.
    never_read: u64,
    /// Consumers lost with the site; of them restarted so far, and of those
    /// in another site (failed over).
    consumers: u32,
    restarted: u32,
    failed_over: u32,
}

/// Flow fidelity: bulk records move in one aggregated batch per partition and
/// producer every `step`; a request-level probe batch goes every `probe`.
#[derive(Clone, Copy)]
pub(crate) struct Flow {
    step: Nanos,
    probe: Nanos,
    /// Each probe at a random moment of its interval (`ModelConfig::probe_jitter`).
    probe_jitter: bool,
}

/// Scenario settings the hot paths use, converted to nanoseconds and bytes once.
#[derive(Clone, Copy)]
pub(crate) struct Hot {
    /// `model.fetch_processing_ms`.
    fetch_proc: Nanos,
    /// `model.produce_processing_ms`.
    produce_proc: Nanos,
    /// `replica.fetch.wait.max.ms`.
    replica_wait: Nanos,
    /// The replica fetcher's window: `replica.socket.receive.buffer.bytes`.
    replica_window: u64,
    /// `model.kafka_version` ≥ 3.7: the HW stays while the ISR is below the minimum.
    strict_min_isr: bool,
    /// `unclean.leader.election.enable`: any replica may become leader, so
    /// what any replica lacks can be lost.
    unclean: bool,
    /// `log.segment.bytes`.
    seg_bytes: u64,
}

/// A fetch session: a follower (or consumer) with one broker; one request outstanding.
// Fields in the order the fetch path uses them, from the start of a cache
// line: the first line serves a fetch's arrival, the second the rest of it
// and the response.
#[repr(C, align(64))]
#[derive(Clone)]
pub(crate) struct Session {
    /// Follower broker, or consumer index for consumer sessions.
    client: u16,
    server: B,
    state: SessState,
    dirty: bool,
    tag: u32,
    /// The partitions in the session, in increasing partition order, with
    /// their slots resolved when the session was (re)built.
    parts: Vec<SessPart>,
    /// Indices into `parts` to look at. Consumer sessions: those that may have
    /// records to read (their HW moved, or a capped response left some), with
    /// a flag per part in `is_ready`. Follower sessions: those whose offsets,
    /// HW or leader metadata changed since the leader last found them caught
    /// up, in the ISR and with the HW known to the follower (`fetch_arrive`),
    /// flagged in `Link::ready`.
    ready: Vec<u32>,
    /// Follower sessions: when the leader last took a fetch of this session.
    last_arrive: Nanos,
    sent: Nanos,
    /// A parked fetch is answered empty at this time (long poll).
    park_until: Nanos,
    /// The session's pending wake-up timer, if any: at most one is queued.
    timer_at: Option<Nanos>,
    /// Response being carried: (index in `parts`, from offset, records, hw).
    resp: Vec<(u32, u64, u32, u64)>,
    /// Flow fidelity: the fluid clock of the server→client connection.
    fluid_busy: Nanos,
    is_ready: Vec<bool>,
    /// Consumer sessions: per 64 partitions `at_base + i` of the consumer's
    /// topic, a bit per partition set if it is in `parts`, and the count of
    /// bits set in the words before: the index in `parts` (which is in
    /// partition order) of a listed partition is its rank. Small enough to
    /// stay in cache, and O(partitions / 64) per session rather than
    /// O(partitions).
    at: Vec<(u64, u32)>,
    at_base: u32,
    /// Where the next response starts filling: the index in `parts` after the
    /// last partition that returned records in the last capped response (see
    /// [`Fill`]).
    rot: u32,
}

/// Where a follower session carries a (partition, leader slot, follower slot).
#[derive(Clone, Copy)]
pub(crate) struct Link {
    /// The follower session that can carry it (the one of the two brokers and
    /// the partition's fetcher).
    sess: u32,
    /// Index in that session's `parts` while it is there, else `NOT_LISTED`.
    ix: u32,
    /// In the session's `ready` list (only while listed).
    ready: bool,
}

const NOT_LISTED: u32 = u32::MAX;
/// `PAIRS[n][s]`: of a partition of `n` slots, the bits (`Partition::link`
/// less `l0`) of the pairs with slot `s` as leader or as follower.
const PAIRS: [[u64; 8]; 9] = {
    let mut t = [[0u64; 8]; 9];
    let mut n = 1;
    while n <= 8 {
        let mut s = 0;
        while s < n {
            let mut o = 0;
            while o < n {
                if o != s {
                    t[n][s] |= 1 << (s * (n - 1) + o - (o > s) as usize);
                    t[n][s] |= 1 << (o * (n - 1) + s - (s > o) as usize);
                }
                o += 1;
            }
            s += 1;
        }
        n += 1;
    }
    t
};
const NO_BIT: u8 = u8::MAX;

/// A partition in a fetch session. Slots never change (no reassignment), so
/// they are resolved once per rebuild instead of on every fetch.
#[derive(Clone, Copy)]
pub(crate) struct SessPart {
    p: u32,
    /// Index of the partition within its topic (consumer positions).
    local: u32,
    /// Index in `World::pos` of the serving replica, and of the follower's
    /// (follower sessions only).
    lr: u32,
    fr: u32,
    /// Index in `World::links` and `World::tracks` of the pair (follower
    /// sessions only).
    lk: u32,
    /// Bit of the pair in `World::skipped` (`NO_BIT` above 8 slots).
    lb: u8,
    /// `Partition::record_bytes`.
    rb: u32,
    /// Slot of the serving broker (the leader for a follower session).
    ss: u8,
    /// Slot of the fetching follower (follower sessions only).
    fs: u8,
    /// 1 ÷ the records per full batch of the partition's topic
    /// (`World::topic_batch`).
    per_batch: f32,
}

// The layout above: three cache lines.
const _: () = assert!(std::mem::size_of::<Session>() == 192);

impl SessPart {
    /// The producer batches `n` of its records came in: full batches of
    /// its topic, rounded up.
    #[inline]
    fn batches(&self, n: u64) -> f64 {
        // Rounded up without `f32::ceil`, a libm call on baseline x86-64.
        let x = n as f32 * self.per_batch;
        let whole = x as u64;
        (whole + u64::from((whole as f32) < x)) as f64
    }
}

impl Session {
    /// Index in `parts` of partition `p` (consumer sessions).
    fn index_of(&self, p: u32) -> Option<usize> {
        let i = p.checked_sub(self.at_base)? as usize;
        let (w, rank) = *self.at.get(i / 64)?;
        let bit = 1u64 << (i % 64);
        if w & bit == 0 {
            return None;
        }
        Some(rank as usize + (w & (bit - 1)).count_ones() as usize)
    }

    /// Is this the live request `tag` in `state`? (A stale timer or response finds a newer tag.)
    fn is(&self, tag: u32, state: SessState) -> bool {
        self.tag == tag && self.state == state
    }

    /// Park the fetch at the server until `until`. Returns the time of a wake-up
    /// timer to schedule, if the one already queued does not do: a session keeps
    /// at most one timer queued, and a timer that fires before the current
    /// park's end re-arms itself (`timer_fired`), so fetches woken by data leave
    /// no stale timers behind.
    fn park(&mut self, until: Nanos) -> Option<Nanos> {
        self.state = SessState::Parked;
        self.tag += 1;
        self.park_until = until;
        match self.timer_at {
            Some(t) if t <= until => None,
            _ => {
                self.timer_at = Some(until);
                Some(until)
            }
        }
    }

    /// The wake-up timer queued for `at` fired at `now`. `Ok(true)`: the parked
    /// fetch is due; `Err(t)`: re-arm for `t`; `Ok(false)`: nothing to do.
    fn timer_fired(&mut self, now: Nanos) -> Result<bool, Nanos> {
        if self.timer_at != Some(now) {
            // A superseded timer (an earlier park needed a sooner one).
            return Ok(false);
        }
        self.timer_at = None;
        if self.state != SessState::Parked {
            return Ok(false);
        }
        if now >= self.park_until {
            return Ok(true);
        }
        self.timer_at = Some(self.park_until);
        Err(self.park_until)
    }
}

#[derive(Clone)]
pub(crate) struct World<'a> {
    sc: &'a Scenario,
    topo: Topology,
    q: EventQueue<Ev>,
    now: Nanos,
    end: Nanos,
    rng: SimRng,
    net: Net,
    /// Each broker's log disk and page cache.
    disks: Vec<disk::Disk>,
    /// Log segment rolls by time (`log.roll.ms`, `segment.ms`).
    time_rolls: disk::TimeRolls,
    nb: usize,
    broker_alive: Vec<bool>,
    /// When each dead broker stopped.
    broker_down_since: Vec<Option<Nanos>>,
    /// When each broker last stopped (kept after it returns).
    broker_last_stop: Vec<Option<Nanos>>,
    broker_site: Vec<usize>,
    site_up: Vec<bool>,
    /// `views[(b, p)]`: broker b's metadata for partition p.
    views: Views,
    /// (partition, slot) pairs hosted by each broker.
    hosted: Vec<Vec<(u32, u8)>>,
    /// `num.replica.fetchers`: fetch sessions per (follower, leader) pair.
    nf: usize,
    /// The fetcher (of `nf`) that replicates each partition.
    fetcher_of: Vec<u8>,
    parts: Vec<Partition>,
    /// Log end offset and HW of every replica (`Partition::r0` + slot).
    pos: PosTable,
    /// What each leader knows of its followers: per (partition, leader slot,
    /// follower slot), at `Partition::link(ls, fs)`.
    tracks: Vec<Track>,
    /// Where a follower session carries each (partition, leader slot, follower
    /// slot), at `Partition::link(ls, fs)` as in `tracks`.
    links: Vec<Link>,
    /// Per partition of at most 8 slots: bit `ls * slots + fs` set while a
    /// session is skipping pair (ls, fs) (listed, not ready).
    skipped: Vec<u64>,
    topic_parts: Vec<Vec<u32>>,
    topic_names: Vec<String>,
    producers: Vec<ProducerState>,
    reqs: Vec<ProduceReq>,
    free_reqs: Vec<u32>,
    /// Emptied vectors kept for their allocations: request part lists, and
    /// scratch space of the produce path (taken, used, put back).
    spare_lists: Vec<Vec<(u32, u32, Nanos, u8)>>,
    spare_held: Vec<(u32, u32, Nanos)>,
    spare_by_broker: Vec<Vec<(u32, u32, Nanos, u8)>>,
    /// Per partition, the number of the produce request being drained that last
    /// took one of its batches (`drain_round`): one batch per partition per request.
    drain_mark: Vec<u32>,
    drain_round: u32,
    /// Flow fidelity: records of each partition taken into the bulk request
    /// being drained (valid where `drain_mark` is the current round).
    drain_taken: Vec<u64>,
    spare_touched: Vec<(u32, usize, bool)>,
    /// `fetch_respond`'s parts with something to send: (index in the
    /// session, records available, the follower's LEO, the leader's HW).
    spare_fill: Vec<(u32, u64, u64, u64)>,
    spare_waiters: Vec<Waiter>,
    /// Flow fidelity: emptied waiter lists' buffers, for the next partition
    /// that needs one (at most `WAITER_POOL`).
    waiter_pool: Vec<std::collections::VecDeque<Waiter>>,
    consumers: Vec<ConsumerState>,
    /// Consumers of each topic.
    topic_consumers: Vec<Vec<u16>>,
    /// Flow fidelity: each topic's records per full batch, what a fetch under
    /// a continuous stream of that topic finds each round trip at least
    /// (`World::stream_wait`; `build::topic_batches`).
    topic_batch: Vec<f64>,
    /// Follower sessions, `nf` per (follower, leader) pair that replicates
    /// (`fetch::fsess_ix`).
    fsess: Vec<Session>,
    /// The pair number of (follower f, leader l) at `f · nb + l`; `u32::MAX`
    /// when they share no partition.
    fpair: Vec<u32>,
    /// Flow fidelity: the follower sessions each leader serves, and the time
    /// of the one long-poll timer queued for them (`fetch::flow_fetch_wake`).
    served: Vec<Vec<u32>>,
    served_wake: Vec<Option<Nanos>>,
    /// Flow fidelity: brokers in the rack of a consumer that fetches from
    /// followers (KIP-392), whose high watermark that consumer reads
    /// (`fetch::wake_read_replicas`); empty when there are none.
    read_replicas: Vec<bool>,
    /// Flow fidelity: per leader, the moment the producers' bulk requests of
    /// the newest step were sent and when the last of them arrives
    /// (`fetch::wake_followers_bulk`).
    bulk_due: Vec<(Nanos, Nanos)>,
    /// Flow fidelity, per follower and per consumer session: what its
    /// responses carried in the step, their rate (`World::stream_wait`) and
    /// the fetches they stand for (`fetch::StreamStep`).
    fsess_stream: Vec<fetch::StreamStep>,
    csess_stream: Vec<fetch::StreamStep>,
    csess: Vec<Session>,
    ctl: controller::Controller,
    /// Cluster of each broker, partition and site (a site with no brokers: the
    /// first cluster). One cluster for a stretched design.
    broker_cluster: Vec<u8>,
    part_cluster: Vec<u8>,
    site_cluster: Vec<u8>,
    layout: DesignLayout,
    design: Option<&'a crate::scenario::Design>,
    /// Scenario topic of each internal topic (a topic in one cluster).
    topic_origin: Vec<usize>,
    cp: copier::Copiers,
    load: crate::load::Profile,
    // measurements
    lost: Durability,
    stats: ClusterOutcome,
    timeline: Timeline,
    fault_lost: Vec<u64>,
    /// Per `site-down` fault: its site's cluster kept another site with brokers
    /// up (a hybrid design's stretched cluster losing one site): the stretched
    /// rules apply, not the copy's.
    fault_cluster_survived: Vec<bool>,
    /// Per `site-down` fault that one cluster absorbs: what the lost site's
    /// consumers re-read where they restart (§19).
    fault_restarts: Vec<Option<RestartRereads>>,
    /// Per fault: its window [start, end + 60 s) and the produce latencies answered in it.
    fault_window: Vec<(Nanos, Nanos)>,
    fault_latency: Vec<Histogram>,
    /// Per fault window: from a record's creation to its acknowledgement.
    fault_delivery: Vec<Histogram>,
    /// End-to-end latency of records consumed in each fault's window.
    fault_e2e: Vec<Histogram>,
    interval_acked: u64,
    events: u64,
    /// Follower fetch responses that carried records (`Outcome::follower_fetch_responses`).
    fetch_data_responses: u64,
    no_quorum_since: Option<Nanos>,
    interval: Nanos,
    /// Flow fidelity settings; `None` at request level.
    flow: Option<Flow>,
    /// Settings used on every request, converted once.
    hot: Hot,
    /// Request handling of each broker (threads and request queue).
    handlers: Vec<handler::Handler>,
}

/// Run one scenario to completion (as one stretched cluster, whatever its designs).
pub fn simulate(sc: &Scenario) -> Result<Outcome, SimError> {
    simulate_with(sc, &mut |_| {})
}

/// Events between two calls of the progress callback of [`simulate_with`].
pub const PROGRESS_EVERY_EVENTS: u64 = 1 << 16;

/// [`simulate`], calling `progress` with the fraction of simulated time done
/// (0.0 to 1.0) every [`PROGRESS_EVERY_EVENTS`] events. The callback only
/// observes: it cannot change the run, which stays deterministic.
pub fn simulate_with(sc: &Scenario, progress: &mut dyn FnMut(f64)) -> Result<Outcome, SimError> {
    let mut w = World::new(sc, None);
    w.run(progress)?;
    Ok(w.outcome())
}

/// Run design `d` (an index into `sc.design`) of a scenario to completion.
pub fn simulate_design(sc: &Scenario, d: usize) -> Result<Outcome, SimError> {
    let mut w = World::new(sc, sc.design.get(d));
    w.run(&mut |_| {})?;
    Ok(w.outcome())
}

/// Design `d` of a scenario simulated up to, not including, the first event
/// at or after `at`: the part of a run that runs differing only in faults
/// from `at` on have in common. [`Prefix::finish`] continues a copy of it
/// under each of them, with the same result, to the byte, as simulating that
/// scenario from the start: nothing before a fault's start depends on the
/// fault (its events are queued from the start, so they keep their places;
/// its window, the same in every run, only sorts samples from its start).
/// The planner's standard cases (every fault at `[plan].fault_at_s`) share
/// their first `fault_at_s` this way.
pub struct Prefix<'a> {
    w: World<'a>,
    at: Nanos,
    /// The run ended before `at`: there is nothing to continue.
    ended: bool,
}

impl<'a> Prefix<'a> {
    pub fn run(sc: &'a Scenario, d: usize, at_s: f64) -> Result<Prefix<'a>, SimError> {
        let at = secs(at_s);
        let mut w = World::new(sc, sc.design.get(d));
        w.start();
        let ended = w.advance(Some(at), &mut |_| {})?;
        Ok(Prefix { w, at, ended })
    }

    /// Whether a run of `sc` continues this prefix: the same scenario but for
    /// its faults, which start at or after the prefix's end and match the
    /// prefix's own in number, start and duration (their kinds and subjects
    /// may differ).
    fn continues(&self, sc: &Scenario) -> bool {
        let own = self.w.sc;
        !self.ended
            && sc.seed == own.seed
            && sc.duration_s == own.duration_s
            && sc.fault.len() == own.fault.len()
            && sc.fault.iter().zip(&own.fault).all(|(a, b)| {
                a.at_s == b.at_s && a.duration_s == b.duration_s && secs(a.at_s) >= self.at
            })
    }

    /// Design `d` of `sc` to the end, from a copy of this prefix when `sc`
    /// continues it, else from the start.
    pub fn finish(&self, sc: &'a Scenario, d: usize) -> Result<Outcome, SimError> {
        if !self.continues(sc) {
            return simulate_design(sc, d);
        }
        let mut w = self.w.clone();
        w.sc = sc;
        w.design = sc.design.get(d);
        w.advance(None, &mut |_| {})?;
        Ok(w.outcome())
    }
}

fn buffer(v: i64, autotune: u64) -> u64 {
    if v < 0 { autotune } else { v as u64 }
}

impl<'a> World<'a> {
    /// Slot `ls` of `p` becomes leader: it knows nothing of its followers yet.
    fn reset_tracking(&mut self, p: u32, ls: usize, now: Nanos) {
        self.replica_changed(p, ls);
        let part = &mut self.parts[p as usize];
        for fs in (0..part.slots.len()).filter(|&fs| fs != ls) {
            self.tracks[part.link(ls, fs)] = Track {
                leo: 0,
                last_caught_up: now,
                last_fetch: 0,
                leo_at_last_fetch: 0,
            };
        }
        part.set_pending_alter(ls, None);
    }

    /// The offsets, HW or metadata of slot `s` of `p` changed: the follower
    /// sessions that carry it, as leader or as follower, look at it again.
    /// Must come before the change is read and before any other write to
    /// the tracks concerned.
    #[inline(always)]
    fn replica_changed(&mut self, p: u32, s: usize) {
        // Only the pairs a session is skipping need a touch: usually none.
        if self.skipped[p as usize] == 0 && self.parts[p as usize].slots.len() <= 8 {
            return;
        }
        self.touch_changed(p, s);
    }

    #[inline(never)]
    fn touch_changed(&mut self, p: u32, s: usize) {
        let part = &self.parts[p as usize];
        let (l0, n) = (part.l0 as usize, part.slots.len());
        if n <= 8 {
            let skipped = self.skipped[p as usize];
            // The pairs with s as leader and with s as follower.
            let mut m = PAIRS[n][s] & skipped;
            while m != 0 {
                let b = m.trailing_zeros() as usize;
                m &= m - 1;
                self.touch(p, l0 + b);
            }
            return;
        }
        for o in 0..n {
            if o != s {
                let part = &self.parts[p as usize];
                let (lead, follow) = (part.link(s, o), part.link(o, s));
                self.touch(p, lead);
                self.touch(p, follow);
            }
        }
    }

    /// Link `lk` (an index into `links`) must be looked at by the next fetch
    /// of its session. If that session has been skipping it as unchanged, it
    /// first gets the fetch times those fetches would have written
    /// (`fetch_arrive`).
    fn touch(&mut self, p: u32, lk: usize) {
        let l = &mut self.links[lk];
        if l.ix == NOT_LISTED || l.ready {
            return;
        }
        l.ready = true;
        let bit = lk - self.parts[p as usize].l0 as usize;
        if bit < 64 {
            self.skipped[p as usize] &= !(1 << bit);
        }
        let s = &mut self.fsess[l.sess as usize];
        s.ready.push(l.ix);
        let t = &mut self.tracks[lk];
        t.last_caught_up = s.last_arrive;
        t.last_fetch = s.last_arrive;
    }

    /// Position of slot `s` of partition `p`.
    fn pos_of(&self, p: usize, s: usize) -> Pos {
        self.pos[self.parts[p].r0 as usize + s]
    }

    /// Highest log end offset over the replicas of `p`.
    fn max_leo(&self, p: usize) -> u64 {
        (0..self.parts[p].slots.len())
            .map(|s| self.pos_of(p, s).leo)
            .max()
            .unwrap_or(0)
    }

    fn at(&mut self, t: Nanos, ev: Ev) {
        self.q.push(t, ev);
    }

    fn run(&mut self, progress: &mut dyn FnMut(f64)) -> Result<(), SimError> {
        self.start();
        self.advance(None, progress)?;
        Ok(())
    }

    /// Queue what the run starts with.
    fn start(&mut self) {
        // Initial leaders start tracking; followers start fetching.
        for p in 0..self.parts.len() {
            self.reset_tracking(p as u32, 0, 0);
        }
        for b in 0..self.nb {
            self.start_broker_sessions(b as B);
            let hb = ms(self.sc.broker.broker_heartbeat_interval_ms as f64);
            let phase = self.rng.below(hb.max(1));
            self.at(phase, Ev::Heartbeat { broker: b as B });
            let isr = ms(self.sc.broker.replica_lag_time_max_ms as f64) / 2;
            let phase = self.rng.below(isr.max(1));
            self.at(phase, Ev::IsrCheck { broker: b as B });
        }
        // At flow fidelity every producer's bulk step starts at one shared phase, so
        // that one follower fetch per step carries what all producers sent.
        let bulk_phase = self.flow.map(|f| self.rng.below(f.step));
        for i in 0..self.producers.len() {
            let phase = match bulk_phase {
                Some(ph) => ph,
                None => self.rng.below(self.producers[i].tick),
            };
            self.at(phase, Ev::ProducerTick { prod: i as u16 });
            // The sticky partitioner's first partition is a uniform draw
            // (`BuiltInPartitioner.nextPartition`, no load statistics yet), so
            // independent producers of one topic do not write the same
            // partitions at the same moments.
            let n = self.topic_parts[self.producers[i].topic as usize].len() as u64;
            let first = self.rng.below(n) as u32;
            self.producers[i].cursor = first;
            self.producers[i].probe_cursor = first;
            if let Some(f) = self.flow {
                let phase = self.rng.below(f.probe);
                self.at(phase, Ev::ProbeTick { prod: i as u16 });
            }
        }
        for c in 0..self.consumers.len() {
            self.at(0, Ev::ConsumerStart { cons: c as u16 });
        }
        self.start_quorum();
        self.start_copiers();
        for (i, f) in self.sc.fault.iter().enumerate() {
            self.q
                .push(secs(f.at_s), Ev::FaultStart { fault: i as u16 });
            if let Some(d) = f.duration_s {
                self.q
                    .push(secs(f.at_s + d), Ev::FaultEnd { fault: i as u16 });
            }
        }
        self.at(self.interval, Ev::Sample);
    }

    /// Handle events in order: up to the end of the run, which is then
    /// finished (Ok(true)), or with `stop`, until the next event is at or
    /// after it (Ok(false); that event stays first in the queue).
    fn advance(
        &mut self,
        stop: Option<Nanos>,
        progress: &mut dyn FnMut(f64),
    ) -> Result<bool, SimError> {
        let limit = self.sc.model.max_events;
        // One comparison per event: the next event count that needs a look
        // (a progress report or the limit).
        let mut check_at = PROGRESS_EVERY_EVENTS.min(limit.saturating_add(1));
        while let Some((t, ev)) = self.q.pop() {
            if t > self.end {
                break;
            }
            if stop.is_some_and(|s| t >= s) {
                self.q.unpop();
                return Ok(false);
            }
            self.now = t;
            self.events += 1;
            if self.events >= check_at {
                if self.events > limit {
                    return Err(SimError::EventLimit {
                        limit,
                        at_s: to_s(t),
                    });
                }
                if self.events.is_multiple_of(PROGRESS_EVERY_EVENTS) {
                    progress(t as f64 / self.end.max(1) as f64);
                }
                check_at = (self.events + PROGRESS_EVERY_EVENTS
                    - self.events % PROGRESS_EVERY_EVENTS)
                    .min(limit.saturating_add(1));
            }
            self.handle(ev);
        }
        self.now = self.end;
        self.finish();
        Ok(true)
    }

    #[inline(always)]
    fn handle(&mut self, ev: Ev) {
        match ev {
            Ev::ProducerTick { prod } => self.producer_tick(prod as usize),
            Ev::ProbeTick { prod } => self.probe_tick(prod as usize),
            Ev::ProbeDrain { prod } => {
                // A drain superseded by an earlier one does nothing.
                if self.producers[prod as usize].probe_drain == Some(self.now) {
                    self.producers[prod as usize].probe_drain = None;
                    self.drain_probes(prod as usize);
                }
            }
            Ev::ProduceArrive { req, tag } => self.produce_queue(req, tag),
            Ev::ProduceHandled { req, tag } => self.produce_arrive(req, tag),
            Ev::ProduceResponse { req, tag } => self.produce_response(req, tag),
            Ev::FetchArrive { sess, tag } => self.fetch_queue(sess as usize, tag),
            Ev::FetchHandled { sess, tag } => self.fetch_arrive(sess as usize, tag),
            Ev::FetchWake { sess } => self.fetch_wake(sess as usize),
            Ev::FlowFetchWake { broker } => self.flow_fetch_wake(broker),
            Ev::FetchResponse { sess, tag } => self.fetch_response(sess as usize, tag),
            Ev::FetchRetry { sess, tag } => self.fetch_retry(sess as usize, tag),
            Ev::ConsumerStart { cons } => self.consumer_start(cons as usize),
            Ev::CFetchArrive { sess } => self.cfetch_queue(sess as usize),
            Ev::CFetchHandled { sess, tag } => self.cfetch_handled(sess as usize, tag),
            Ev::CFetchWake { sess } => self.cfetch_wake(sess as usize),
            Ev::CFetchResponse { sess, tag } => self.cfetch_response(sess as usize, tag),
            Ev::CFetchRetry { sess, tag } => self.cfetch_retry(sess as usize, tag),
            Ev::IsrCheck { broker } => self.isr_check(broker),
            Ev::Heartbeat { broker } => self.heartbeat(broker),
            Ev::HeartbeatArrive { broker, voter } => self.heartbeat_arrive(broker, voter),
            Ev::VoterTick { voter } => self.voter_tick(voter),
            Ev::QuorumFetchArrive { from, to, epoch } => self.quorum_fetch_arrive(from, to, epoch),
            Ev::QuorumFetchResp { to, leader, epoch } => self.quorum_fetch_resp(to, leader, epoch),
            Ev::CandidateStart { voter, tag } => self.candidate_start(voter, tag),
            Ev::VoteArrive {
                from,
                to,
                epoch,
                pre,
            } => self.vote_arrive(from, to, epoch, pre),
            Ev::VoteResp {
                to,
                epoch,
                granted,
                pre,
            } => self.vote_resp(to, epoch, granted, pre),
            Ev::ControllerTick { cl } => self.controller_tick(cl),
            Ev::MetaFlush { cl, epoch } => self.meta_flush(cl, epoch),
            Ev::MetaAppendArrive { voter, batch } => self.meta_append_arrive(voter, batch),
            Ev::MetaAckArrive { voter, batch } => self.meta_ack_arrive(voter, batch),
            Ev::MetaDeliver { broker, batch } => self.meta_deliver(broker, batch),
            Ev::AlterArrive { alter } => self.alter_arrive(alter),
            Ev::FaultStart { fault } => self.fault(fault as usize, true),
            Ev::FaultEnd { fault } => self.fault(fault as usize, false),
            Ev::Sample => self.sample(),
            Ev::CpFetchArrive { sess } => self.cp_fetch_queue(sess as usize),
            Ev::CpFetchHandled { sess, tag } => self.cp_fetch_handled(sess as usize, tag),
            Ev::CpFetchWake { sess, tag } => self.cp_fetch_wake(sess as usize, tag),
            Ev::CpFetchResponse { sess, tag } => self.cp_fetch_response(sess as usize, tag),
            Ev::CpFetchRetry { sess, tag } => self.cp_fetch_retry(sess as usize, tag),
            Ev::CpTick => self.cp_tick(),
            Ev::Failover { fault, dns } => self.clients_fail_over(fault as usize, dns),
        }
    }

    /// Send a message between sites; `None` when the link is cut.
    fn send(&mut self, from: usize, to: usize, bytes: u64, window: u64) -> Option<Nanos> {
        self.net
            .send(self.now, from, to, bytes, window, &mut self.rng)
    }

    /// Send a message between sites from broker `out` (its NIC out) to broker
    /// `inn` (its NIC in), at `at`; `None` for a client's end (clients'
    /// interfaces are not modelled). `None` when the link is cut.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn send_via(
        &mut self,
        at: Nanos,
        from: usize,
        to: usize,
        out: Option<B>,
        inn: Option<B>,
        bytes: u64,
        window: u64,
    ) -> Option<Nanos> {
        self.net.send_via(
            at,
            from,
            to,
            out.map(usize::from),
            inn.map(usize::from),
            bytes,
            window,
            &mut self.rng,
        )
    }

    /// Send a message that carries records, at `at`, from broker `out` to
    /// broker `inn` (as [`Self::send_via`]). At request fidelity it is one
    /// message; at flow fidelity its records stand for a bulk step's worth of
    /// traffic and move as a fluid (`Net::send_fluid_via`) on the connection
    /// whose fluid clock is `busy`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn send_data(
        &mut self,
        at: Nanos,
        from: usize,
        to: usize,
        (out, inn): (Option<B>, Option<B>),
        bytes: u64,
        window: u64,
        busy: &mut Nanos,
    ) -> Option<Nanos> {
        let (out, inn) = (out.map(usize::from), inn.map(usize::from));
        match self.flow {
            Some(f) => self.net.send_fluid_via(
                at,
                from,
                to,
                out,
                inn,
                bytes,
                window,
                f.step,
                busy,
                &mut self.rng,
            ),
            None => self
                .net
                .send_via(at, from, to, out, inn, bytes, window, &mut self.rng),
        }
    }

    /// Close the current timeline interval.
    fn sample(&mut self) {
        let mut unavailable = 0u32;
        let mut written = 0u32;
        for p in self.parts.iter_mut() {
            if p.attempted {
                written += 1;
                if !p.acked_in_interval || p.failed_in_interval {
                    unavailable += 1;
                }
            }
            p.attempted = false;
            p.acked_in_interval = false;
            p.failed_in_interval = false;
        }
        self.stats.unavailable_partition_s += unavailable as f64 * to_s(self.interval);
        self.timeline.unavailable_partitions.push(unavailable);
        self.timeline.written_partitions.push(written);
        let lag = self.hw_lag_max();
        self.timeline.hw_lag_ms_max.push(round3(to_s(lag) * 1e3));
        self.timeline.acked_records.push(self.interval_acked);
        self.interval_acked = 0;
        self.timeline.quorum.push(self.ctl.all_active());
        let mut lag = 0u64;
        for (p, part) in self.parts.iter().enumerate() {
            let leader = self.ctl.committed[p].leader;
            let Some(ls) = part.slot_of(leader) else {
                continue;
            };
            let end = self.pos_of(p, ls).leo;
            for (s, &b) in part.slots.iter().enumerate() {
                if s != ls && self.broker_alive[b as usize] {
                    lag += end.saturating_sub(self.pos_of(p, s).leo);
                }
            }
        }
        self.timeline.replica_lag_records.push(lag);
        self.handlers_sample();
        // Consumers' positions, for the re-reads over the auto-commit's phases.
        for c in self.consumers.iter_mut() {
            let horizon = c.auto_commit + 2 * self.interval;
            let sum = c.pos.iter().sum();
            c.hist.push_back((self.now, sum));
            while c.hist.len() > 2 && c.hist[1].0 + horizon <= self.now {
                c.hist.pop_front();
            }
        }
        if !self.cp.parts.is_empty() {
            self.cp_sample();
        }
        if self.now + self.interval <= self.end {
            self.at(self.now + self.interval, Ev::Sample);
        }
    }

    /// The `observerPromotionPolicy` of partition `p`'s topic, when the
    /// partition has observers (an async design's clusters place rack-aware,
    /// without observers, so the policy never applies there).
    fn promotion_policy(&self, p: u32) -> Option<ObserverPromotionPolicy> {
        let part = &self.parts[p as usize];
        if part.slots.len() == part.n_replicas as usize {
            return None;
        }
        self.sc.topic[self.topic_origin[part.topic as usize]]
            .placement
            .as_ref()?
            .observer_promotion_policy
    }

    /// Whether `p`'s policy lets the leader at slot `ls` promote a caught-up
    /// observer now, its ISR being `isr` (Confluent's automatic observer
    /// promotion): `under-min-isr` while the ISR has fewer members than the
    /// effective `min.insync.replicas`, `under-replicated` while it has fewer
    /// than the placement's synchronous replicas, `leader-is-observer` while the
    /// leader is itself an observer.
    fn promotes(&self, p: u32, ls: usize, isr: u32) -> bool {
        let part = &self.parts[p as usize];
        match self.promotion_policy(p) {
            None => false,
            Some(ObserverPromotionPolicy::UnderMinIsr) => {
                isr.count_ones() < part.effective_min_isr()
            }
            Some(ObserverPromotionPolicy::UnderReplicated) => {
                isr.count_ones() < u32::from(part.n_replicas)
            }
            Some(ObserverPromotionPolicy::LeaderIsObserver) => ls >= part.n_replicas as usize,
        }
    }

    /// The promoted observers (not the leader at `ls`) that the ISR `isr` no
    /// longer needs: those the policy would not promote once the synchronous
    /// replicas back in the ISR are counted alone. Confluent demotes promoted
    /// observers when the failed replicas have caught up again.
    fn demotable(&self, p: u32, ls: usize, isr: u32) -> u32 {
        let part = &self.parts[p as usize];
        let observers = isr & !part.replica_mask() & !(1u32 << ls);
        if observers == 0 || self.promotes(p, ls, isr & part.replica_mask()) {
            return 0;
        }
        observers
    }

    /// Largest age, over partitions whose committed leader is alive and knows it
    /// leads, of the oldest record that leader holds above its high watermark.
    fn hw_lag_max(&self) -> Nanos {
        let mut lag = 0;
        for (p, part) in self.parts.iter().enumerate() {
            let leader = self.ctl.committed[p].leader;
            if leader == NO_LEADER
                || !self.broker_alive[leader as usize]
                || self.views.leader(leader as usize, p) != leader
            {
                continue;
            }
            let Some(ls) = part.slot_of(leader) else {
                continue;
            };
            let rep = &part.rep[ls];
            let lpos = self.pos_of(p, ls);
            let i = part.batches.partition_point(|b| b.end() <= lpos.hw);
            if let Some(b) = part.batches.range(i..).find(|b| rep.holds(lpos.leo, b)) {
                lag = lag.max(self.now.saturating_sub(b.created));
            }
        }
        lag
    }

    /// End of run: close the quorum clock and count records that can only be lost.
    fn finish(&mut self) {
        if let Some(since) = self.no_quorum_since.take() {
            self.stats.no_quorum_s += to_s(self.end - since);
        }
        for p in 0..self.parts.len() {
            let leader = self.ctl.committed[p].leader;
            let Some(ls) = self.parts[p].slot_of(leader) else {
                continue;
            };
            let leo = self.pos_of(p, ls).leo;
            let part = &mut self.parts[p];
            let rb = part.record_bytes as u64;
            let lrep = &part.rep[ls];
            let mut lost = Vec::new();
            for b in part.batches.iter() {
                // From an older epoch and not in the committed leader's log: whoever
                // still holds it truncates it when it follows that leader.
                if b.acked && b.epoch < lrep.last_epoch() {
                    let held = lrep.held_prefix(leo, b);
                    if held < b.count as u64 {
                        lost.push(b.tail(held));
                    }
                }
            }
            for b in lost {
                self.count_lost(&b, rb);
            }
        }
    }

    fn count_lost(&mut self, b: &Batch, record_bytes: u64) {
        if !b.acked {
            return;
        }
        self.lost.lost_acked_records += b.count as u64;
        self.lost.lost_acked_bytes += b.count as u64 * record_bytes;
        // Age of the data when its holder stopped (crashed), else when the
        // loss became certain. A loss counted after the holder returned (a
        // returning leader's truncation, a mirror's fail-back) dates from
        // its stop, if it held the data then.
        let l = b.leader as usize;
        let stopped = self.broker_down_since[l]
            .or(self.broker_last_stop[l].filter(|&t| t >= b.created))
            .unwrap_or(self.now);
        let age = to_s(stopped.saturating_sub(b.created));
        if age > self.lost.lost_acked_age_s_max {
            self.lost.lost_acked_age_s_max = age;
        }
        // Attributed to the fault that started last before the loss.
        let t = to_s(self.now);
        let latest = (0..self.sc.fault.len())
            .filter(|&i| self.sc.fault[i].at_s <= t)
            .max_by(|&a, &b| self.sc.fault[a].at_s.total_cmp(&self.sc.fault[b].at_s));
        if let Some(i) = latest {
            self.fault_lost[i] += b.count as u64;
        }
    }
}

/// Records a latency sample of weight `n` taken at `now` in the histogram of
/// every fault window holding `now` (a fault's start to its end + 60 s), or,
/// outside all of them, in the steady state's `steady`.
fn record_by_window(
    windows: &[(Nanos, Nanos)],
    per_fault: &mut [Histogram],
    steady: &mut Histogram,
    now: Nanos,
    lat: Nanos,
    n: u64,
) {
    if !record_in_windows(windows, per_fault, now, lat, n) {
        steady.record(lat, n);
    }
}

/// Records a latency sample of weight `n` taken at `now` in the histogram of
/// every fault window holding `now`; whether there was one.
fn record_in_windows(
    windows: &[(Nanos, Nanos)],
    per_fault: &mut [Histogram],
    now: Nanos,
    lat: Nanos,
    n: u64,
) -> bool {
    let mut inside = false;
    for (h, &(a, b)) in per_fault.iter_mut().zip(windows) {
        if (a..b).contains(&now) {
            h.record(lat, n);
            inside = true;
        }
    }
    inside
}
