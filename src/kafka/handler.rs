//! Broker request handling, as Kafka's `SocketServer` / `RequestChannel` /
//! `KafkaRequestHandlerPool` do it: a request is read by the processor
//! (network thread) its connection belongs to, put in the request queue
//! (`queued.max.requests`; when full the processor blocks and stops reading),
//! taken by the first free io thread (`num.io.threads`, at most `cores` at
//! once) for its service time, and its response is written back by the same
//! processor. Purgatory (acks=all waiting for the HW, parked fetches) holds no
//! thread. Every server is a FIFO clock computed when the request arrives
//! (Lindley's recursion), so a request costs one event for its arrival and one
//! for the end of its service, whatever its partitions.

use super::*;
use rand_distr::LogNormal;
use std::collections::VecDeque;

/// Service costs of one broker (its site's `[broker_hardware]`), in ns.
#[derive(Clone, Copy)]
pub(crate) struct Costs {
    per_part: f64,
    per_byte: f64,
    net_per_byte: f64,
    /// The lognormal factor (median 1, σ from `service_p99_over_p50`) on io
    /// service times; `None` when p99 = p50.
    tail: Option<LogNormal<f64>>,
    /// Bytes read into the heap between JVM pauses (0: none), and a pause's length.
    gc_mean: f64,
    gc_pause: Nanos,
    queued_max: usize,
    /// Stall of an append that rolls a log segment (`segment_roll_ms`).
    roll: Nanos,
}

/// The request-handling state of one broker.
#[derive(Clone)]
pub(crate) struct Handler {
    costs: Costs,
    /// When each processor (network thread) is free.
    net_free: Vec<Nanos>,
    /// When each io thread that can run at once is free.
    io_free: Vec<Nanos>,
    /// Io start times of the requests waiting in the request queue, ascending.
    waiting: VecDeque<Nanos>,
    /// The last JVM pause, [start, end).
    gc: (Nanos, Nanos),
    /// Bytes still to read into the heap before the next pause.
    gc_left: f64,
    /// Flow fidelity: io demand of bulk work in the current step, and the
    /// utilization it gave in the last full step.
    fluid_step_start: Nanos,
    fluid_demand: f64,
    fluid_util: f64,
    // Measurements: busy time over the run and in the current timeline
    // interval (counted when the work is assigned), the busiest interval,
    // the longest request queue.
    io_busy: f64,
    net_busy: f64,
    io_interval: f64,
    net_interval: f64,
    io_peak: f64,
    net_peak: f64,
    queue_max: u32,
    /// Log segments rolled on this broker (leader and follower appends).
    segment_rolls: u64,
}

impl Handler {
    pub(super) fn new(sc: &Scenario, hw: &crate::scenario::BrokerHardware) -> Handler {
        let ratio = hw.service_p99_over_p50.max(1.0);
        let costs = Costs {
            per_part: hw.request_partition_us * 1e3,
            per_byte: hw.request_mb_us * 1e3 / 1e6,
            net_per_byte: hw.network_mb_us * 1e3 / 1e6,
            // p99 of a lognormal is its median × e^(2.326 σ).
            tail: (ratio > 1.0)
                .then(|| LogNormal::new(0.0, ratio.ln() / 2.326_348).ok())
                .flatten(),
            gc_mean: if hw.gc_pause_ms > 0.0 {
                hw.gc_young_gen_mb * 1e6
            } else {
                0.0
            },
            gc_pause: ms(hw.gc_pause_ms),
            queued_max: sc.broker.queued_max_requests.max(1) as usize,
            roll: ms(hw.segment_roll_ms),
        };
        let io = sc.broker.num_io_threads.min(hw.cores).max(1) as usize;
        Handler {
            costs,
            net_free: vec![0; sc.broker.num_network_threads.max(1) as usize],
            io_free: vec![0; io],
            waiting: VecDeque::new(),
            gc: (0, 0),
            gc_left: costs.gc_mean,
            fluid_step_start: 0,
            fluid_demand: 0.0,
            fluid_util: 0.0,
            io_busy: 0.0,
            net_busy: 0.0,
            io_interval: 0.0,
            net_interval: 0.0,
            io_peak: 0.0,
            net_peak: 0.0,
            queue_max: 0,
            segment_rolls: 0,
        }
    }

    /// `t`, or the end of the JVM pause it falls in.
    fn unpaused(&self, t: Nanos) -> Nanos {
        if self.gc.0 <= t && t < self.gc.1 {
            self.gc.1
        } else {
            t
        }
    }

    /// `bytes` were read into the heap at `t`: when they fill the young
    /// generation (`gc_young_gen_mb`; empty at the start of the run), a
    /// stop-the-world collection starts at `t` and empties it.
    fn allocate(&mut self, bytes: u64) -> bool {
        if self.costs.gc_mean <= 0.0 {
            return false;
        }
        self.gc_left -= bytes as f64;
        if self.gc_left < 0.0 {
            self.gc_left += self.costs.gc_mean;
            return true;
        }
        false
    }

    fn pause_at(&mut self, t: Nanos) {
        if t >= self.gc.1 {
            self.gc = (t, t + self.costs.gc_pause);
        }
    }

    /// `[start, start + d)` of work that a JVM pause beginning inside it stretches.
    fn end_of(&self, start: Nanos, d: Nanos) -> Nanos {
        let end = start + d;
        if self.costs.gc_mean > 0.0 && self.gc.0 > start && self.gc.0 < end {
            end + (self.gc.1 - self.gc.0)
        } else {
            end
        }
    }

    /// The lognormal factor (median 1) on a service time, drawn from the
    /// run's RNG (`rand_distr::LogNormal`).
    fn spread(&self, rng: &mut SimRng) -> f64 {
        self.costs.tail.as_ref().map_or(1.0, |d| rng.sample(d))
    }

    /// Flow fidelity: the share of the io threads bulk work took in the last
    /// step stretches a request's service as processor sharing would
    /// (service / (1 − utilization), utilization capped at 0.95).
    fn stretch(&self) -> f64 {
        1.0 / (1.0 - self.fluid_util.min(0.95))
    }
}

/// A timeline interval ended: the busy fraction of its threads.
fn close_interval(h: &mut Handler, interval: Nanos) {
    let span = interval.max(1) as f64;
    let io = h.io_interval / (span * h.io_free.len() as f64);
    let net = h.net_interval / (span * h.net_free.len() as f64);
    h.io_peak = h.io_peak.max(io.min(1.0));
    h.net_peak = h.net_peak.max(net.min(1.0));
    h.io_interval = 0.0;
    h.net_interval = 0.0;
}

impl World<'_> {
    /// The io-thread time of a request carrying `parts` partitions and
    /// `bytes` bytes of records to append, with `base` per request
    /// (`model.produce_processing_ms` or `model.fetch_processing_ms`).
    pub(super) fn service(&self, b: B, base: Nanos, parts: usize, bytes: u64) -> f64 {
        let c = &self.handlers[b as usize].costs;
        base as f64 + c.per_part * parts as f64 + c.per_byte * bytes as f64
    }

    /// A request of `req_bytes` on connection `conn` reaches broker `b` now
    /// and needs `service` ns of an io thread: read by the connection's
    /// processor, queued, served. Returns when its io thread is done.
    pub(super) fn handle_request(
        &mut self,
        b: B,
        conn: usize,
        req_bytes: u64,
        service: f64,
    ) -> Nanos {
        let now = self.now;
        let h = &mut self.handlers[b as usize];
        let rng = &mut self.rng;
        // The processor reads the request.
        let p = conn % h.net_free.len();
        let read = (h.costs.net_per_byte * req_bytes as f64) as Nanos;
        let start = h.unpaused(now.max(h.net_free[p]));
        let mut t = h.end_of(start, read);
        if h.allocate(req_bytes) {
            h.pause_at(t);
        }
        h.net_busy += read as f64;
        h.net_interval += read as f64;
        // Into the request queue; a full queue blocks the processor until
        // an io thread takes the oldest waiting request
        // (`RequestChannel.sendRequest` is a blocking put).
        while h.waiting.front().is_some_and(|&s| s <= t) {
            h.waiting.pop_front();
        }
        if h.waiting.len() >= h.costs.queued_max {
            t = h.waiting[h.waiting.len() - h.costs.queued_max];
            while h.waiting.front().is_some_and(|&s| s <= t) {
                h.waiting.pop_front();
            }
        }
        h.net_free[p] = t;
        // The first free io thread serves it.
        let (k, free) = h
            .io_free
            .iter()
            .copied()
            .enumerate()
            .min_by_key(|&(_, f)| f)
            .expect("at least one io thread");
        let mut s = service * h.spread(rng);
        if self.flow.is_some() {
            if now >= h.fluid_step_start + self.flow.map_or(1, |f| f.step) {
                let step = self.flow.map_or(1, |f| f.step) as f64;
                h.fluid_util = h.fluid_demand / (step * h.io_free.len() as f64);
                h.fluid_demand = 0.0;
                h.fluid_step_start = now;
            }
            s *= h.stretch();
        }
        let start = h.unpaused(t.max(free));
        let done = h.end_of(start, s as Nanos);
        h.io_free[k] = done;
        h.io_busy += s;
        h.io_interval += s;
        if start > t {
            let i = h.waiting.partition_point(|&x| x <= start);
            h.waiting.insert(i, start);
            h.queue_max = h.queue_max.max(h.waiting.len() as u32);
        }
        done
    }

    /// A response of `bytes` to connection `conn` leaves broker `b` now: its
    /// processor writes it. Returns when it is on the wire. At flow fidelity
    /// a response's bytes are a step's worth: their write counts as busy
    /// time, not as a delay of the one message that stands for them.
    pub(super) fn write_response(&mut self, b: B, conn: usize, bytes: u64) -> Nanos {
        let now = self.now;
        let flow = self.flow.is_some();
        let h = &mut self.handlers[b as usize];
        let w = h.costs.net_per_byte * bytes as f64;
        h.net_busy += w;
        h.net_interval += w;
        if flow {
            return h.unpaused(now);
        }
        let p = conn % h.net_free.len();
        let start = h.unpaused(now.max(h.net_free[p]));
        let done = h.end_of(start, w as Nanos);
        h.net_free[p] = done;
        done
    }

    /// Flow fidelity: `others` more fetches of a session of `parts`
    /// partitions reached `b` (`fetch::StreamStep`, the fetches a step's
    /// responses stand for): their io time (`fetch_processing_ms` plus the
    /// session's partitions each) and request bytes are bulk work. Without
    /// them a flow run's io threads read 7–40× less busy than the same run's
    /// at request fidelity (`tests/it/fidelity.rs`).
    pub(super) fn fetches_stood_for(&mut self, b: B, parts: usize, others: f64) {
        if others >= 1.0 {
            let service = self.service(b, self.hot.fetch_proc, parts, 0);
            let bytes = (100 + 30 * parts as u64) as f64;
            self.bulk_work(b, others * service, (others * bytes) as u64);
        }
    }

    /// Flow fidelity: bulk work of `service` ns on broker `b`'s io threads
    /// (an aggregate of a step's requests, `bytes` read into the heap):
    /// counted as busy time and in the
    /// step's utilization, which stretches the requests that queue
    /// (`handle_request`). Its network threads read those bytes
    /// (`network_mb_us` per MB, as `handle_request` charges a request): busy
    /// time, not a delay of the message that stands for them (a flow run's
    /// network threads read 0.6–0.9× as busy as at request fidelity when the
    /// bulk requests' bytes were left out).
    pub(super) fn bulk_work(&mut self, b: B, service: f64, bytes: u64) {
        let now = self.now;
        let h = &mut self.handlers[b as usize];
        if h.allocate(bytes) {
            h.pause_at(now);
        }
        let read = h.costs.net_per_byte * bytes as f64;
        h.net_busy += read;
        h.net_interval += read;
        h.io_busy += service;
        h.io_interval += service;
        h.fluid_demand += service;
    }

    /// Broker `b` rolled `rolls` log segments in an append now
    /// (`UnifiedLog.maybeRoll` → `LocalLog.roll`: the new segment's files and
    /// mmapped indexes are created, the old one's indexes trimmed, a producer
    /// snapshot written, under the log's lock). Returns the stall of the
    /// append, `segment_roll_ms` each. On the leader the io thread that
    /// appends is held that much longer: the thread pool's next free slot
    /// moves by it (the requests already given a thread keep their times).
    #[cold]
    #[inline(never)]
    pub(super) fn segment_rolled(&mut self, b: B, rolls: u32, io_thread: bool) -> Nanos {
        let now = self.now;
        let h = &mut self.handlers[b as usize];
        h.segment_rolls += rolls as u64;
        let stall = h.costs.roll * rolls as Nanos;
        if io_thread && stall > 0 {
            if let Some(free) = h.io_free.iter_mut().min() {
                *free = (*free).max(now) + stall;
            }
            h.io_busy += stall as f64;
            h.io_interval += stall as f64;
        }
        stall
    }

    /// Broker `b` read `bytes` into its heap now outside a request (a replica
    /// fetch response), towards its next JVM pause.
    pub(super) fn heap_read(&mut self, b: B, bytes: u64) {
        let now = self.now;
        let h = &mut self.handlers[b as usize];
        if h.allocate(bytes) {
            h.pause_at(now);
        }
    }

    /// Close every broker's timeline interval (from `sample`).
    pub(super) fn handlers_sample(&mut self) {
        let interval = self.interval;
        for h in self.handlers.iter_mut() {
            close_interval(h, interval);
        }
    }

    /// The per-broker request-handling figures of the run.
    pub(super) fn request_handling(&self) -> Vec<BrokerRequests> {
        let span = self.end.max(1) as f64;
        self.handlers
            .iter()
            .enumerate()
            .map(|(b, h)| BrokerRequests {
                broker: self.topo.brokers[b].node_id,
                site: self.topo.sites[self.broker_site[b]].name.clone(),
                io_threads: h.io_free.len() as u32,
                network_threads: h.net_free.len() as u32,
                io_busy_pct_mean: round3(100.0 * h.io_busy / (span * h.io_free.len() as f64)),
                io_busy_pct_peak: round3(100.0 * h.io_peak),
                network_busy_pct_mean: round3(
                    100.0 * h.net_busy / (span * h.net_free.len() as f64),
                ),
                network_busy_pct_peak: round3(100.0 * h.net_peak),
                request_queue_max: h.queue_max,
                segment_rolls: h.segment_rolls,
            })
            .collect()
    }
}
