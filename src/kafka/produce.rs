//! Producers and the leader's produce path: accumulation per `linger.ms` and
//! `batch.size`, produce requests per leader broker (at most
//! `max.in.flight.requests.per.connection`), append, `acks`, the high watermark.

use super::retry::Failure;
use super::*;

/// Kafka's `max.request.size` default (a copier's producer keeps it).
const MAX_REQUEST_BYTES: u64 = 1_048_576;
/// Kafka's `buffer.memory` default (a copier's producer keeps it).
const BUFFER_MEMORY_BYTES: u64 = 33_554_432;
/// Kafka's client `reconnect.backoff.max.ms` default: the wait before a closed
/// or refused connection is tried again (the exponential ramp from
/// `reconnect.backoff.ms`, 50 ms, is not modelled).
const RECONNECT_BACKOFF: Nanos = 1_000 * NS_PER_MS;

impl ProducerState {
    /// Records in the accumulator: batches not yet sent (bulk and held
    /// probes) and retried batches waiting for their backoff.
    pub(super) fn accumulated_records(&self) -> u64 {
        self.held.iter().map(|h| h.1 as u64).sum::<u64>()
            + self.probe_held.iter().map(|h| h.1 as u64).sum::<u64>()
            + self.retry.waiting_records()
    }

    /// The run-time state of a producer that has sent nothing yet, towards
    /// `nb` brokers: no cursor, nothing in flight, empty histograms and
    /// counters. A builder states the configuration fields and takes the rest
    /// from here (`..ProducerState::fresh(nb)`), so an application producer
    /// and a copier's producer start alike.
    pub(super) fn fresh(nb: usize) -> ProducerState {
        ProducerState {
            site: 0,
            home: 0,
            cluster: 0,
            copier: false,
            topic: 0,
            start: 0,
            acks: Acks::All,
            rate_bytes_s: 0.0,
            record_bytes: 0,
            tick: 0,
            linger: 0,
            batch_records: 1,
            max_in_flight: 1,
            buffer_memory: BUFFER_MEMORY_BYTES,
            max_request: MAX_REQUEST_BYTES,
            request_timeout: 0,
            window: 0,
            carry_records: 0.0,
            cursor: 0,
            sticky_fill: 0,
            probe_cursor: 0,
            probe_slot: 0,
            probe_held: Vec::new(),
            probe_drain: None,
            in_flight: vec![0; nb],
            fluid_busy: vec![0; nb],
            arrives: vec![0; nb],
            bulk_out: vec![false; nb],
            probe_trip: vec![(0, 0.0); nb],
            reconnect_at: vec![0; nb],
            deadlines: Default::default(),
            held: Vec::new(),
            latency: Histogram::default(),
            steady: Histogram::default(),
            acc_wait: Histogram::default(),
            sent: 0,
            acked: 0,
            rejected: 0,
            timed_out: 0,
            unavailable: 0,
            blocked: 0,
            retry: Default::default(),
        }
    }

    /// The whole records a tick creates at `factor` × the producer's rate; the
    /// fraction carries over to the next tick.
    fn tick_records(&mut self, factor: f64) -> u64 {
        let records = self.rate_bytes_s * factor * to_s(self.tick) / self.record_bytes as f64
            + self.carry_records;
        let n = records.floor();
        self.carry_records = records - n;
        n as u64
    }

    /// Put request parts (partition, records, created, result) back in the
    /// accumulator, in order: they go out again at a later tick.
    fn requeue(&mut self, parts: impl IntoIterator<Item = (u32, u32, Nanos, u8)>) {
        self.held.extend(
            parts
                .into_iter()
                .map(|(part, k, created, _)| (part, k, created)),
        );
    }
}

/// Flow fidelity: the most emptied waiter-list buffers kept for reuse, and
/// the largest kept (in waiters): 512 KB at most.
const WAITER_POOL: usize = 1024;
const WAITER_POOL_MAX_CAP: usize = 16;

impl World<'_> {
    /// A broker of `cluster` whose metadata a client in `site` uses: the first live
    /// broker of its own site, else the first live broker it can reach.
    pub(super) fn bootstrap(&self, site: usize, cluster: u8) -> Option<B> {
        let ok = |b: usize| self.broker_alive[b] && self.broker_cluster[b] == cluster;
        let local = (0..self.nb).find(|&b| ok(b) && self.broker_site[b] == site);
        local
            .or_else(|| {
                (0..self.nb).find(|&b| ok(b) && self.net.reachable(site, self.broker_site[b]))
            })
            .map(|b| b as B)
    }

    /// Requests of one producer share request.timeout.ms, so their deadlines are
    /// in send order: a FIFO checked at every tick replaces one timer per request.
    fn expire_requests(&mut self, i: usize) {
        while let Some(&(deadline, id, tag)) = self.producers[i].deadlines.front() {
            if deadline > self.now {
                break;
            }
            self.producers[i].deadlines.pop_front();
            self.produce_timeout(id, tag);
        }
    }

    /// Application producer `i` is down with its site (it has not failed over):
    /// what it would have written in this tick is unavailable, and its topic's
    /// partitions count as written and unavailable in the interval.
    fn producer_silent(&mut self, i: usize) {
        let now = self.now;
        let p = &mut self.producers[i];
        if p.copier {
            return;
        }
        let n = p.tick_records(self.load.factor_at(now));
        p.unavailable += n;
        if n > 0 {
            for &part in &self.topic_parts[p.topic as usize] {
                let part = &mut self.parts[part as usize];
                part.attempted = true;
                part.failed_in_interval = true;
            }
        }
    }

    pub(super) fn producer_tick(&mut self, i: usize) {
        let now = self.now;
        let tick = self.producers[i].tick;
        if now + tick <= self.end {
            self.at(now + tick, Ev::ProducerTick { prod: i as u16 });
        }
        self.expire_requests(i);
        let flow = self.flow.is_some();
        let site = self.producers[i].site;
        if now < self.producers[i].start {
            return;
        }
        if !self.site_up[site] {
            self.producer_silent(i);
            return;
        }
        let topic = self.producers[i].topic as usize;
        {
            let p = &mut self.producers[i];
            // A bulk step stands for the records created over the step before
            // it; the first step after the producer started, only for the time
            // since (a whole step of records at a random phase in the first
            // step was a burst of up to a step's worth that did not exist).
            let (mut factor, mut span) = (self.load.factor_at(now), tick);
            if flow && now - p.start < tick {
                span = now - p.start;
                factor *= span as f64 / tick as f64;
            }
            let mut n = p.tick_records(factor);
            // The records' creation stamp: the mean of the span at request
            // fidelity (a tick is linger.ms). At flow fidelity a step's records
            // stand for traffic spread over the step, in transit while it lasts
            // (the fluid, `Net::send_fluid`): they are stamped as the records of
            // one linger.ms tick sent now, as the probes' are (`probe_tick`).
            // The mean of the step charged every bulk record half a step of
            // aggregation that a record never waits at request fidelity: an
            // async copier's lag read half a step high (docs/model.md §18).
            let created = now.saturating_sub(span.min(p.linger) / 2);
            let parts = &self.topic_parts[topic];
            let held_bytes = p.accumulated_records() * p.record_bytes as u64;
            if held_bytes > p.buffer_memory {
                // buffer.memory is full: send() would block the application.
                p.blocked += n;
                n = 0;
            }
            // At flow fidelity, when the step has a batch.size turn for every
            // partition, one bulk batch per partition holds the step's records
            // for it, spread evenly as the sticky partitioner does over many
            // batches. With fewer records, the sticky partitioner below fills
            // turns on consecutive partitions as at request fidelity: a step
            // touches the partitions that get records, not all of them.
            if flow && n / parts.len() as u64 >= p.batch_records.max(1) as u64 {
                let each = n / parts.len() as u64;
                let extra = n % parts.len() as u64;
                let (len, cur) = (parts.len(), p.cursor as usize % parts.len());
                for (j, &part) in parts.iter().enumerate() {
                    // (j − cursor) mod len, without a division per partition.
                    let rot = if j >= cur { j - cur } else { j + len - cur };
                    let mut k = each + u64::from((rot as u64) < extra);
                    while k > 0 {
                        let c = k.min(u32::MAX as u64);
                        p.held.push((part, c as u32, created));
                        k -= c;
                    }
                }
                p.cursor = ((p.cursor as u64 + extra) % parts.len() as u64) as u32;
                n = 0;
            }
            // The sticky partitioner (KIP-794, `BuiltInPartitioner`) moves to
            // the next partition once batch.size bytes were produced to the
            // current one: a batch sent at linger.ms before it was full
            // leaves the rest of the turn to the next tick's records, so
            // every partition gets the same share of the records. Records join
            // the partition's open batch while it still waits in the
            // accumulator with room (`RecordAccumulator.tryAppend`), keeping
            // its creation time.
            while n > 0 {
                let turn = p.batch_records.max(1);
                let k = n.min(turn.saturating_sub(p.sticky_fill).max(1) as u64) as u32;
                let part = parts[p.cursor as usize % parts.len()];
                let mut fresh = k;
                if let Some(h) = p.held.last_mut()
                    && h.0 == part
                    && h.1 < p.batch_records
                {
                    let add = fresh.min(p.batch_records - h.1);
                    h.1 += add;
                    fresh -= add;
                }
                if fresh > 0 {
                    p.held.push((part, fresh, created));
                }
                p.sticky_fill += k;
                if p.sticky_fill >= turn {
                    p.sticky_fill = 0;
                    p.cursor = p.cursor.wrapping_add(1);
                }
                n -= k as u64;
            }
        }
        self.drain(i);
    }

    /// Kafka's `Sender` / `RecordAccumulator.drain`: the batches waiting in
    /// producer `i`'s accumulator go to their leaders, at most
    /// `max.in.flight.requests.per.connection` requests per broker, each holding
    /// at most one batch per partition (its oldest) within `max.request.size`
    /// (`RecordAccumulator.drainBatchesForOneNode`). At flow fidelity, one bulk
    /// request per broker and step.
    fn drain(&mut self, i: usize) {
        let now = self.now;
        let flow = self.flow.is_some();
        let site = self.producers[i].site;
        let delivery_timeout = ms(self.sc.producer[i].delivery_timeout_ms as f64);
        if !flow && !self.producers[i].retry.waiting.is_empty() {
            // Retried batches first: they are at the front of their
            // partitions' queues.
            self.drain_retries(i, self.producers[i].max_request);
        }
        let view = self.bootstrap(site, self.producers[i].cluster);
        let acks = self.producers[i].acks;
        let mut held = std::mem::take(&mut self.producers[i].held);
        let mut keep = std::mem::take(&mut self.spare_held);
        let mut by_broker = std::mem::take(&mut self.spare_by_broker);
        by_broker.resize_with(self.nb, Vec::new);
        for (part, k, created) in held.drain(..) {
            self.parts[part as usize].attempted = true;
            let leader = view
                .map(|b| self.views.leader(b as usize, part as usize))
                .unwrap_or(NO_LEADER);
            if now.saturating_sub(created) >= delivery_timeout {
                self.expired_in_accumulator(i, part, k, leader);
                continue;
            }
            if leader == NO_LEADER
                || now < self.producers[i].reconnect_at[leader as usize]
                || self.retry_blocks(i, part)
            {
                // No leader known, its connection is in reconnect backoff, or
                // a retried batch of the partition waits before it: the batch
                // waits in the accumulator.
                keep.push((part, k, created));
                continue;
            }
            if !flow
                && acks != Acks::Zero
                && self.producers[i].in_flight[leader as usize] >= self.producers[i].max_in_flight
            {
                keep.push((part, k, created));
                continue;
            }
            let list = &mut by_broker[leader as usize];
            if list.capacity() == 0 {
                *list = self.spare_lists.pop().unwrap_or_default();
            }
            list.push((part, k, created, 0));
        }
        self.producers[i].held = keep;
        self.spare_held = held;
        let rb = self.producers[i].record_bytes as u64;
        if flow {
            // An aggregate of the step's requests: neither max.request.size nor
            // the in-flight limit applies to it as a whole; what the connection
            // cannot move in one step stays in the accumulator (and fills
            // buffer.memory), as the in-flight limit would keep it there.
            for (b, slot) in by_broker.iter_mut().enumerate() {
                let mut list = std::mem::take(slot);
                if list.is_empty() {
                    *slot = list;
                    continue;
                }
                if acks != Acks::Zero && self.producers[i].bulk_out[b] {
                    // The previous step's aggregate is still in flight: like a
                    // full in-flight window, this step's records wait.
                    self.producers[i].requeue(list.drain(..));
                    *slot = list;
                    continue;
                }
                let budget = self
                    .flow_budget(
                        site,
                        self.broker_site[b],
                        (None, Some(b as B)),
                        self.bulk_window(i),
                    )
                    .unwrap_or(u64::MAX);
                // One batch per partition per request (as at request fidelity):
                // in a step, a partition gets at most max.in.flight × batch.size
                // per request round trip to its leader (at least one window).
                let cap = if acks == Acks::Zero {
                    u64::MAX
                } else {
                    let (step, probe) = self.flow.map_or((1, 1), |f| (f.step, f.probe));
                    // The round trips of the step: the probes sample the round
                    // trip at their send times, spread evenly over the step, so
                    // the step held step × their mean rate (1 / the harmonic
                    // mean trip). The longest probe would let one slow moment
                    // (the first step's burst, a short congestion) throttle the
                    // whole step.
                    let base =
                        to_s(self.net.rtt(site, self.broker_site[b]) + self.hot.produce_proc);
                    let trip = match std::mem::take(&mut self.producers[i].probe_trip[b]) {
                        (0, _) => base,
                        (n, rates) => base.max(n as f64 / rates),
                    };
                    let trips = (to_s(step) / trip.max(1e-9)).max(1.0);
                    let pr = &self.producers[i];
                    let window = pr.max_in_flight as f64 * pr.batch_records as f64 * trips;
                    // The probes' batches (`probe_tick`) use the same window.
                    let nparts = self.topic_parts[pr.topic as usize].len() as f64;
                    let per_linger = pr.rate_bytes_s * self.load.factor_at(now) * to_s(pr.linger)
                        / pr.record_bytes as f64;
                    let probe_k = per_linger.round().clamp(1.0, pr.batch_records as f64);
                    let probes = step as f64 / probe as f64 / nparts * probe_k;
                    (window - probes).max(0.0) as u64
                };
                self.drain_round = self.drain_round.wrapping_add(1);
                let round = self.drain_round;
                let mut rest = self.spare_lists.pop().unwrap_or_default();
                let mut bytes = 0u64;
                // Records the budget still takes: (budget − bytes) / rb, kept
                // as a count rather than divided again for every partition.
                let mut left = budget / rb;
                let mut kept = 0;
                for j in 0..list.len() {
                    let (part, k, created, r) = list[j];
                    let pi = part as usize;
                    if self.drain_mark[pi] != round {
                        self.drain_mark[pi] = round;
                        self.drain_taken[pi] = 0;
                    }
                    let room = (cap - self.drain_taken[pi]).min(left).min(k as u64) as u32;
                    if room > 0 {
                        list[kept] = (part, room, created, r);
                        kept += 1;
                        self.drain_taken[pi] += room as u64;
                        bytes += room as u64 * rb;
                        left -= room as u64;
                    }
                    if room < k {
                        rest.push((part, k - room, created, r));
                    }
                }
                list.truncate(kept);
                self.producers[i].requeue(rest.drain(..));
                self.recycle_list(rest);
                if !list.is_empty() {
                    self.send_produce(i, b as B, list, bytes, true);
                } else {
                    *slot = list;
                }
            }
            self.spare_by_broker = by_broker;
            return;
        }
        let max_request = self.producers[i].max_request;
        for (b, slot) in by_broker.iter_mut().enumerate() {
            let mut list = std::mem::take(slot);
            if list.is_empty() {
                *slot = list;
                continue;
            }
            while !list.is_empty() {
                // One request: the oldest batch of each partition, in order,
                // while they fit in max.request.size (a larger single batch
                // goes alone); the rest waits for the next request.
                self.drain_round = self.drain_round.wrapping_add(1);
                let round = self.drain_round;
                let mut req = self.spare_lists.pop().unwrap_or_default();
                let mut rest = self.spare_lists.pop().unwrap_or_default();
                let mut bytes = 0;
                for e in list.drain(..) {
                    let eb = e.1 as u64 * rb;
                    let mark = &mut self.drain_mark[e.0 as usize];
                    if *mark != round && (req.is_empty() || bytes + eb <= max_request) {
                        *mark = round;
                        bytes += eb;
                        req.push(e);
                    } else {
                        rest.push(e);
                    }
                }
                self.recycle_list(list);
                self.send_produce(i, b as B, req, bytes, false);
                list = rest;
                if acks != Acks::Zero
                    && self.producers[i].in_flight[b] >= self.producers[i].max_in_flight
                {
                    self.producers[i].requeue(list.drain(..));
                }
            }
            self.recycle_list(list);
        }
        self.spare_by_broker = by_broker;
    }

    /// Keep an emptied request list for reuse. Lists come back from every
    /// request but are taken only for a broker's first request of a tick, so
    /// the pool is bounded (unbounded, it grew by a list per probe: 1 GB over
    /// a simulated day at flow fidelity).
    fn recycle_list(&mut self, mut list: Vec<(u32, u32, Nanos, u8)>) {
        if list.capacity() > 0 && self.spare_lists.len() < self.nb * 4 {
            list.clear();
            self.spare_lists.push(list);
        }
    }

    /// Flow fidelity: one request-level batch for the next partition in rotation,
    /// as big as `linger.ms` of the producer's records (the sticky partitioner
    /// fills one partition's batch at a time), at most `batch.size`. Its records
    /// come out of the producer's budget, so the total rate is unchanged.
    pub(super) fn probe_tick(&mut self, i: usize) {
        let Some(flow) = self.flow else { return };
        let now = self.now;
        let next = if flow.probe_jitter {
            // Stratified: one probe at a uniform moment of each interval.
            let slot = self.producers[i].probe_slot + flow.probe;
            self.producers[i].probe_slot = slot;
            slot + self.rng.below(flow.probe)
        } else {
            now + flow.probe
        };
        if next <= self.end {
            self.at(next, Ev::ProbeTick { prod: i as u16 });
        }
        self.expire_requests(i);
        let site = self.producers[i].site;
        if !self.site_up[site] || now < self.producers[i].start {
            return;
        }
        let topic = self.producers[i].topic as usize;
        let factor = self.load.factor_at(now);
        let p = &mut self.producers[i];
        let parts = &self.topic_parts[topic];
        let part = parts[p.probe_cursor as usize % parts.len()];
        p.probe_cursor = p.probe_cursor.wrapping_add(1);
        let per_linger = p.rate_bytes_s * factor * to_s(p.linger) / p.record_bytes as f64;
        let k = (per_linger.round() as u64).clamp(1, p.batch_records as u64) as u32;
        let created = now.saturating_sub(p.linger / 2);
        p.carry_records -= k as f64;
        p.probe_held.push((part, k, created, 0));
        self.parts[part as usize].attempted = true;
        self.drain_probes(i);
    }

    /// Flow fidelity: send producer `i`'s held probe batches whose partition
    /// has a known leader, a connection out of its reconnect backoff and a free
    /// in-flight slot, past their retry backoff; the others wait in the
    /// accumulator, as request fidelity's batches do (`drain`). A probe that
    /// could not be sent used to be dropped, so a stall was sampled only by
    /// the probes sent into it, not by the ones that waited it out (a site
    /// loss's `send()` p99 read 1.7 s at flow fidelity, 9.7 s at request
    /// fidelity; docs/model.md §16). Those that wait are checked again when
    /// what holds them can change: the end of a retry or reconnect backoff;
    /// for an unknown leader, the producer's next metadata refresh,
    /// `retry.backoff.ms` later (`Sender` requests one at once and refreshes
    /// no faster); for a full in-flight window, its next response
    /// (`produce_response`). A check every `linger.ms` cost a stalled
    /// run a pass over up to `delivery.timeout.ms` of probes 200 times a
    /// simulated second.
    pub(super) fn drain_probes(&mut self, i: usize) {
        if self.producers[i].probe_held.is_empty() {
            return;
        }
        let now = self.now;
        let site = self.producers[i].site;
        if !self.site_up[site] {
            return;
        }
        let view = self.bootstrap(site, self.producers[i].cluster);
        let delivery_timeout = self.producers[i].retry.delivery_timeout;
        let mut held = std::mem::take(&mut self.producers[i].probe_held);
        let mut kept = 0;
        let mut wake: Option<Nanos> = None;
        for j in 0..held.len() {
            let (part, k, created, not_before) = held[j];
            let leader = view
                .map(|b| self.views.leader(b as usize, part as usize))
                .unwrap_or(NO_LEADER);
            if now.saturating_sub(created) >= delivery_timeout {
                self.expired_in_accumulator(i, part, k, leader);
                continue;
            }
            let p = &mut self.producers[i];
            let until = if now < not_before {
                Some(not_before)
            } else if leader == NO_LEADER {
                Some(now + p.retry.backoff.max(NS_PER_MS))
            } else if now < p.reconnect_at[leader as usize] {
                Some(p.reconnect_at[leader as usize])
            } else if p.acks != Acks::Zero && p.in_flight[leader as usize] >= p.max_in_flight {
                // Its next response drains again.
                None
            } else {
                let bytes = k as u64 * p.record_bytes as u64;
                let parts = vec![(part, k, created, 0)];
                if not_before == 0 {
                    self.send_produce(i, leader, parts, bytes, false);
                } else {
                    // A resend: its accumulator wait was recorded at its first
                    // send, and its produce latency runs from this one.
                    self.send_request(i, leader, parts, bytes, false);
                }
                continue;
            };
            held[kept] = held[j];
            kept += 1;
            if let Some(t) = until {
                wake = Some(wake.map_or(t, |w: Nanos| w.min(t)));
            }
        }
        held.truncate(kept);
        let p = &mut self.producers[i];
        debug_assert!(p.probe_held.is_empty());
        p.probe_held = held;
        if let Some(t) = wake {
            self.probe_drain_at(i, t);
        }
    }

    /// `delivery.timeout.ms` expired for `k` records of `part` still in producer
    /// `i`'s accumulator (`ProducerBatch.hasReachedDeliveryTimeout`): with no
    /// leader known they were unavailable, else expired.
    fn expired_in_accumulator(&mut self, i: usize, part: u32, k: u32, leader: B) {
        self.parts[part as usize].failed_in_interval = true;
        let p = &mut self.producers[i];
        if leader == NO_LEADER {
            p.unavailable += k as u64;
        } else {
            p.retry.expired += k as u64;
        }
    }

    /// Flow fidelity: producer `i` checks its held probes at `t` (or sooner).
    pub(super) fn probe_drain_at(&mut self, i: usize, t: Nanos) {
        let p = &mut self.producers[i];
        if p.probe_drain.is_none_or(|q| q > t) {
            p.probe_drain = Some(t);
            self.at(t, Ev::ProbeDrain { prod: i as u16 });
        }
    }

    pub(super) fn send_produce(
        &mut self,
        i: usize,
        b: B,
        parts: Vec<(u32, u32, Nanos, u8)>,
        bytes: u64,
        bulk: bool,
    ) -> u32 {
        let p = &mut self.producers[i];
        if !bulk && !p.copier {
            // Accumulator wait: from the records' creation to their first
            // send (a retry's resend is not recorded again).
            for &(_, k, created, _) in &parts {
                p.acc_wait
                    .record(self.now.saturating_sub(created), k as u64);
            }
        }
        self.send_request(i, b, parts, bytes, bulk)
    }

    /// A produce request of producer `i` to broker `b` leaves: counted in
    /// flight with its deadline, sent over the network.
    pub(super) fn send_request(
        &mut self,
        i: usize,
        b: B,
        parts: Vec<(u32, u32, Nanos, u8)>,
        bytes: u64,
        bulk: bool,
    ) -> u32 {
        let records: u64 = parts.iter().map(|x| x.1 as u64).sum();
        let n = parts.len() as u16;
        let req = ProduceReq {
            prod: i as u16,
            broker: b,
            sent: self.now,
            parts,
            bulk,
            pending: n,
            responded: false,
            done: false,
            tag: 0,
            not_before: 0,
            appended: Vec::new(),
            resent: Vec::new(),
        };
        let id = match self.free_reqs.pop() {
            Some(id) => {
                let old = &mut self.reqs[id as usize];
                let tag = old.tag + 1;
                let (mut appended, mut resent) = (
                    std::mem::take(&mut old.appended),
                    std::mem::take(&mut old.resent),
                );
                appended.clear();
                resent.clear();
                self.reqs[id as usize] = ProduceReq {
                    tag,
                    appended,
                    resent,
                    ..req
                };
                id
            }
            None => {
                self.reqs.push(req);
                (self.reqs.len() - 1) as u32
            }
        };
        let tag = self.reqs[id as usize].tag;
        let p = &mut self.producers[i];
        p.sent += records;
        let (site, timeout) = (p.site, p.request_timeout);
        let window = if bulk { self.bulk_window(i) } else { p.window };
        let p = &mut self.producers[i];
        if p.acks != Acks::Zero {
            if bulk {
                p.bulk_out[b as usize] = true;
            } else {
                p.in_flight[b as usize] += 1;
            }
            p.deadlines.push_back((self.now + timeout, id, tag));
        }
        let to = self.broker_site[b as usize];
        let sent = if bulk {
            let mut busy = self.producers[i].fluid_busy[b as usize];
            let t = self.send_data(
                self.now,
                site,
                to,
                (None, Some(b)),
                bytes + 100,
                window,
                &mut busy,
            );
            self.producers[i].fluid_busy[b as usize] = busy;
            t
        } else {
            self.send_via(self.now, site, to, None, Some(b), bytes + 100, window)
        };
        if let Some(t) = sent {
            let t = t.max(self.producers[i].arrives[b as usize]);
            self.producers[i].arrives[b as usize] = t;
            if bulk && !self.producers[i].copier {
                let d = &mut self.bulk_due[b as usize];
                if d.0 == self.now {
                    d.1 = d.1.max(t);
                } else {
                    *d = (self.now, t);
                }
            }
            self.at(t, Ev::ProduceArrive { req: id, tag });
        } else if self.producers[i].acks == Acks::Zero {
            self.free_req(id);
        }
        id
    }

    /// Flow fidelity: the window of a bulk produce request, which stands for
    /// many requests of up to max.request.size, max.in.flight of them on the
    /// wire at once, each with the connection's window.
    fn bulk_window(&self, i: usize) -> u64 {
        let p = &self.producers[i];
        p.window.saturating_mul(p.max_in_flight.max(1) as u64)
    }

    pub(super) fn free_req(&mut self, id: u32) {
        let r = &mut self.reqs[id as usize];
        r.done = true;
        let list = std::mem::take(&mut r.parts);
        self.recycle_list(list);
        self.free_reqs.push(id);
    }

    pub(super) fn req_live(&self, id: u32, tag: u32) -> bool {
        let r = &self.reqs[id as usize];
        r.tag == tag && !r.done
    }

    /// A produce request reaches its broker: it goes through the broker's
    /// request handling (`handle_request`) and is appended when an io thread
    /// has served it (`ProduceHandled`, then `produce_arrive`). The service:
    /// `model.produce_processing_ms` per request, plus per partition and per
    /// byte of records (`[broker_hardware]`). At flow fidelity a bulk request
    /// (a step's aggregate) is appended at once and its service counts as
    /// io-thread utilization (`bulk_work`).
    pub(super) fn produce_queue(&mut self, id: u32, tag: u32) {
        if !self.req_live(id, tag) {
            return;
        }
        let r = &self.reqs[id as usize];
        let (b, prod, bulk) = (r.broker, r.prod as usize, r.bulk);
        if !self.broker_alive[b as usize] {
            return self.produce_arrive(id, tag);
        }
        let rb = self.producers[prod].record_bytes as u64;
        let records: u64 = r.parts.iter().map(|x| x.1 as u64).sum();
        if bulk {
            let service = self.bulk_produce_service(id);
            self.bulk_work(b, service, records * rb);
            return self.produce_arrive(id, tag);
        }
        let service = self.service(b, self.hot.produce_proc, r.parts.len(), records * rb);
        let done = self.handle_request(b, prod, records * rb + 100, service);
        self.at(done, Ev::ProduceHandled { req: id, tag });
    }

    /// Flow fidelity: the io time of bulk produce request `id`, a step's
    /// aggregate of its connection's requests, as request fidelity makes
    /// them: each `linger.ms` the producer makes that linger's records, the
    /// sticky partitioner fills full batches and leaves one partial batch, and
    /// the sender drains the ready batches of each node into one request. So
    /// per linger a connection gets x = (its records per linger) ÷ `batch.size`
    /// in records + its share of the topic's partitions batches, in
    /// min(1, x) requests, at most `max.in.flight.requests.per.connection`
    /// per round trip: that many `produce_processing_ms`, x per linger times
    /// `request_partition_us` (a batch is one partition of one request), and
    /// `request_mb_us` per MB. (The reference workload, 3 × 66.7 MB/s over
    /// 600 partitions on 12 leaders: one request per connection per linger,
    /// 7.2 k/s in all, as request fidelity simulates; `scenarios/stretched-2dc.toml`,
    /// 2 × 5 MB/s on 4 leaders: 0.64 per linger, 1 020/s against request
    /// fidelity's 985/s, where counting full batches gave 624/s.) A copier's
    /// producer sends what its task holds (`copier::cp_bulk_requests`).
    fn bulk_produce_service(&self, id: u32) -> f64 {
        let r = &self.reqs[id as usize];
        let (b, p) = (r.broker, &self.producers[r.prod as usize]);
        let records: u64 = r.parts.iter().map(|x| x.1 as u64).sum();
        let bytes = records * p.record_bytes as u64;
        let step = self.flow.map_or(1, |f| f.step);
        // (requests, batches) before the in-flight limit.
        let (requests, batches) = if p.copier {
            self.cp_bulk_requests(id)
        } else if p.linger == 0 {
            return self.service(b, self.hot.produce_proc, r.parts.len(), bytes);
        } else {
            let lingers = step.div_ceil(p.linger) as f64;
            let share =
                r.parts.len() as f64 / self.topic_parts[p.topic as usize].len().max(1) as f64;
            let per_linger = records as f64 / lingers / p.batch_records.max(1) as f64 + share;
            (lingers * per_linger.min(1.0), lingers * per_linger)
        };
        let trip = self.net.rtt(p.site, self.broker_site[b as usize]) + self.hot.produce_proc;
        let in_flight = if p.acks == Acks::Zero {
            f64::MAX
        } else {
            p.max_in_flight.max(1) as f64 * (step / trip.max(1)).max(1) as f64
        };
        let requests = requests.min(in_flight).max(1.0);
        let batches = batches.max(requests);
        requests * self.hot.produce_proc as f64
            + self.service(b, 0, 0, bytes)
            + self.service(b, 0, 1, 0) * batches
    }

    pub(super) fn produce_arrive(&mut self, id: u32, tag: u32) {
        if !self.req_live(id, tag) {
            return;
        }
        let b = self.reqs[id as usize].broker;
        let prod = self.reqs[id as usize].prod as usize;
        let acks = self.producers[prod].acks;
        if !self.broker_alive[b as usize] {
            if acks == Acks::Zero {
                self.free_req(id);
            } else {
                self.produce_disconnected(id);
            }
            return;
        }
        let mut touched = std::mem::take(&mut self.spare_touched);
        let mut appended = 0u64;
        let mut rolls = 0u32;
        let seg = self.hot.seg_bytes;
        let bulk = self.reqs[id as usize].bulk;
        let n = self.reqs[id as usize].parts.len();
        // Application producers remember where each attempt appended, for
        // their retries (`retry.rs`); a request of retried batches is checked
        // for copies the log already holds.
        let track = !bulk && acks != Acks::Zero && !self.producers[prod].copier;
        let retried = !self.reqs[id as usize].resent.is_empty();
        let idempotent = self.producers[prod].retry.idempotent;
        for ix in 0..n {
            let (p, k, created, _) = self.reqs[id as usize].parts[ix];
            let view = self.views[(b as usize, p as usize)];
            let copy = if retried && view.leader == b {
                self.parts[p as usize]
                    .slot_of(b)
                    .and_then(|ls| self.held_copy(id, ix, p, ls))
            } else {
                None
            };
            let part = &mut self.parts[p as usize];
            let result = if view.leader != b {
                3
            } else {
                let ls = part.slot_of(b).expect("leader hosts the partition");
                let isr = part.effective_isr(ls, view.isr);
                if acks == Acks::All && isr.count_ones() < part.effective_min_isr() {
                    2
                } else if let Some((copy_epoch, end)) = copy.filter(|_| idempotent) {
                    // The leader's producer state knows this sequence: a
                    // duplicate, answered with the first copy's offsets and
                    // not appended (`UnifiedLog.analyzeAndValidateProducerState`).
                    // acks=all waits for the high watermark to cover that copy;
                    // once answered, that copy is an acknowledged write.
                    if acks == Acks::All && self.pos[part.r0 as usize + ls].hw < end {
                        let at = part.waiters.partition_point(|w| w.end <= end);
                        part.waiters.insert(
                            at,
                            Waiter {
                                slot: ls as u8,
                                epoch: view.leader_epoch,
                                batch_epoch: copy_epoch,
                                end,
                                req: id,
                                tag,
                                part_ix: ix as u16,
                            },
                        );
                        0
                    } else {
                        part.mark_acked(copy_epoch, end);
                        1
                    }
                } else {
                    if copy.is_some() {
                        // Not idempotent: the log gets the batch a second time.
                        self.producers[prod].retry.duplicated += k as u64;
                    }
                    let lpos = &mut self.pos[part.r0 as usize + ls];
                    let start = lpos.leo;
                    lpos.leo += k as u64;
                    let rb = part.record_bytes as u64;
                    appended += k as u64 * rb;
                    // The append fills the active segment past
                    // `log.segment.bytes`: the log rolls (the log's bytes are
                    // its offsets × the partition's record size), once per
                    // boundary crossed (a flow step's aggregate may cross
                    // several).
                    let by_size = (lpos.leo * rb / seg - start * rb / seg) as u32;
                    rolls += by_size;
                    if self.time_rolls.on {
                        // …and by age (`log.roll.ms`, `segment.ms`).
                        rolls += self.time_rolls.on_append(
                            part.r0 as usize + ls,
                            p as usize,
                            self.now,
                            by_size,
                            &mut self.rng,
                        );
                    }
                    part.batches.push_back(Batch {
                        epoch: view.leader_epoch,
                        start,
                        count: k,
                        created,
                        acked: acks == Acks::One,
                        leader: b,
                        sampled: !bulk,
                        span_ms: 0,
                    });
                    // The append can raise the HW only if no other ISR member
                    // already holds it where it is: a follower at or below the
                    // HW keeps it there (what `advance_hw` would compute), so
                    // the call is skipped, with the same outcome.
                    let hw = self.pos[part.r0 as usize + ls].hw;
                    let others = isr & !(1u32 << ls);
                    let held = (0..part.slots.len()).any(|s| {
                        others & (1u32 << s) != 0 && self.tracks[part.link(ls, s)].leo <= hw
                    });
                    touched.push((p, ls, !held));
                    if track {
                        let at = (ix as u16, view.leader_epoch, start);
                        self.reqs[id as usize].appended.push(at);
                    }
                    if acks == Acks::All {
                        if part.waiters.capacity() == 0
                            && let Some(buf) = self.waiter_pool.pop()
                        {
                            part.waiters = buf;
                        }
                        part.waiters.push_back(Waiter {
                            slot: ls as u8,
                            epoch: view.leader_epoch,
                            batch_epoch: view.leader_epoch,
                            end: start + k as u64,
                            req: id,
                            tag,
                            part_ix: ix as u16,
                        });
                        0
                    } else {
                        1
                    }
                }
            };
            if result != 0 {
                self.reqs[id as usize].parts[ix].3 = result;
                self.reqs[id as usize].pending -= 1;
            }
        }
        if appended > 0 {
            // A segment roll stalls the append; the append goes to the page
            // cache, and past the dirty limit it waits for the disk. The
            // response waits for both.
            let stall = if rolls > 0 {
                self.segment_rolled(b, rolls, true)
            } else {
                0
            };
            let wait = stall + self.disks[b as usize].append(self.now, appended);
            if wait > 0 {
                self.reqs[id as usize].not_before = self.now + wait;
            }
        }
        for &(p, ls, _) in &touched {
            self.replica_changed(p, ls);
        }
        let due = match self.bulk_due[b as usize] {
            (sent, due) if bulk && sent == self.reqs[id as usize].sent => due,
            _ => self.now,
        };
        for &(p, _, _) in &touched {
            self.wake_followers(p, b, due);
        }
        if acks == Acks::Zero {
            // No acknowledgement exists: an append is what shows the partition
            // took writes in this interval.
            for &(p, _, _) in &touched {
                self.parts[p as usize].acked_in_interval = true;
            }
            self.free_req(id);
        } else {
            if self.reqs[id as usize].pending == 0 {
                self.respond_produce(id);
            }
            for &(p, ls, may_raise) in &touched {
                if may_raise {
                    self.advance_hw(p, ls, b);
                }
            }
        }
        touched.clear();
        self.spare_touched = touched;
    }

    /// The connection carrying request `id` was closed because its broker
    /// stopped, or refused because the broker is down: the producer learns it
    /// after a one-way trip and, as Kafka's `Sender` does for a disconnection
    /// (`NETWORK_EXCEPTION`, retriable), puts the batches that had no answer
    /// back in its accumulator (answered like NOT_LEADER_OR_FOLLOWER). An answer
    /// already on its way is left to arrive; a reset that cannot cross (the link
    /// is cut) leaves the request to time out.
    pub(super) fn produce_disconnected(&mut self, id: u32) {
        let r = &self.reqs[id as usize];
        if r.done || r.responded || self.producers[r.prod as usize].acks == Acks::Zero {
            return;
        }
        let from = self.broker_site[r.broker as usize];
        let to = self.producers[r.prod as usize].site;
        let Some(t) = self
            .net
            .send(self.now, from, to, 100, u64::MAX, &mut self.rng)
        else {
            return;
        };
        let prod = r.prod as usize;
        let b = r.broker as usize;
        let again = t + RECONNECT_BACKOFF;
        let pr = &mut self.producers[prod];
        pr.reconnect_at[b] = pr.reconnect_at[b].max(again);
        let r = &mut self.reqs[id as usize];
        r.responded = true;
        // Waiters and the deadline of the old tag are now stale.
        r.tag += 1;
        for x in r.parts.iter_mut() {
            if x.3 == 0 {
                x.3 = 3;
            }
        }
        let tag = r.tag;
        self.at(t, Ev::ProduceResponse { req: id, tag });
    }

    pub(super) fn respond_produce(&mut self, id: u32) {
        let r = &mut self.reqs[id as usize];
        if r.responded {
            return;
        }
        r.responded = true;
        let tag = r.tag;
        let (b, prod) = (r.broker, r.prod as usize);
        let not_before = r.not_before;
        let from = self.broker_site[b as usize];
        let to = self.producers[prod].site;
        // The handling happened before the append (`produce_queue`); the
        // connection's processor writes the response, after the disk when
        // the append waited past the dirty limit.
        let out = self.write_response(b, prod, 100).max(not_before);
        if let Some(t) = self.send_via(out, from, to, Some(b), None, 100, u64::MAX) {
            self.at(t, Ev::ProduceResponse { req: id, tag });
        }
    }

    pub(super) fn produce_response(&mut self, id: u32, tag: u32) {
        if !self.req_live(id, tag) {
            return;
        }
        let r = &self.reqs[id as usize];
        let (prod, b, sent, bulk) = (r.prod as usize, r.broker as usize, r.sent, r.bulk);
        if self.producers[prod].copier {
            return self.cp_produce_response(id);
        }
        let lat = self.now - sent;
        if !bulk {
            let t = &mut self.producers[prod].probe_trip[b];
            t.0 += 1;
            t.1 += 1.0 / to_s(lat.max(1));
        }
        let parts = std::mem::take(&mut self.reqs[id as usize].parts);
        let resent = std::mem::take(&mut self.reqs[id as usize].resent);
        for (ix, &(p, k, created, result)) in parts.iter().enumerate() {
            let again = resent.iter().find(|x| x.ix as usize == ix).copied();
            if result != 1 {
                // NOT_ENOUGH_REPLICAS (2), NOT_LEADER_OR_FOLLOWER or a closed
                // connection (3): retriable (`retry.rs`).
                let why = if result == 2 {
                    Failure::NotEnoughReplicas
                } else {
                    Failure::NotLeaderOrDisconnected
                };
                self.part_failed(id, ix, (p, k, created), again, why);
                continue;
            }
            if again.is_some() {
                self.retry_landed(prod, p);
            }
            let pr = &mut self.producers[prod];
            if self.now.saturating_sub(created) >= pr.retry.delivery_timeout {
                // In flight past delivery.timeout.ms the batch had expired
                // (`Sender.getExpiredInflightBatches`): the answer is too late.
                pr.retry.expired += k as u64;
                self.parts[p as usize].failed_in_interval = true;
                continue;
            }
            pr.acked += k as u64;
            if !bulk {
                // A retried batch's latency runs from its first send.
                let lat = again.map_or(lat, |a| self.now - a.first_sent);
                pr.latency.record(lat, k as u64);
                record_by_window(
                    &self.fault_window,
                    &mut self.fault_latency,
                    &mut pr.steady,
                    self.now,
                    lat,
                    k as u64,
                );
                // What the application's send() waited: the accumulator too.
                record_in_windows(
                    &self.fault_window,
                    &mut self.fault_delivery,
                    self.now,
                    self.now.saturating_sub(created),
                    k as u64,
                );
            }
            self.interval_acked += k as u64;
            self.parts[p as usize].acked_in_interval = true;
        }
        self.reqs[id as usize].parts = parts;
        self.reqs[id as usize].resent = resent;
        self.release_slot(prod, b, bulk);
        self.free_req(id);
        // The Sender wakes on a response and sends what is ready: batches that
        // waited for an in-flight slot are past linger.ms, and retried
        // batches whose backoff is over.
        let p = &self.producers[prod];
        if self.flow.is_none()
            && (!p.held.is_empty() || !p.retry.waiting.is_empty())
            && self.site_up[p.site]
            && self.now >= p.start
        {
            self.drain(prod);
        }
        if self.flow.is_some() && !bulk {
            // A probe's slot is free: held probes may go.
            self.drain_probes(prod);
        }
    }

    /// A request of producer `prod` to broker `b` completed or expired.
    pub(super) fn release_slot(&mut self, prod: usize, b: usize, bulk: bool) {
        let p = &mut self.producers[prod];
        if bulk {
            p.bulk_out[b] = false;
        } else {
            p.in_flight[b] -= 1;
        }
    }

    pub(super) fn produce_timeout(&mut self, id: u32, tag: u32) {
        if !self.req_live(id, tag) {
            return;
        }
        let r = &self.reqs[id as usize];
        let (prod, b, bulk) = (r.prod as usize, r.broker as usize, r.bulk);
        if !self.producers[prod].copier {
            // REQUEST_TIMED_OUT, retriable (`retry.rs`).
            self.fail_request(id, Failure::TimedOut);
            if !bulk {
                // Kafka's `NetworkClient.handleTimedOutRequests` closes the
                // connection: the other requests in flight on it fail
                // (NETWORK_EXCEPTION, retriable), and it reconnects after
                // the backoff.
                let pr = &mut self.producers[prod];
                pr.reconnect_at[b] = pr.reconnect_at[b].max(self.now + RECONNECT_BACKOFF);
                for j in 0..self.producers[prod].deadlines.len() {
                    let (_, other, t) = self.producers[prod].deadlines[j];
                    if self.req_live(other, t) && self.reqs[other as usize].broker as usize == b {
                        self.fail_request(other, Failure::NotLeaderOrDisconnected);
                    }
                }
            }
            return;
        }
        let records: u64 = r.parts.iter().map(|x| x.1 as u64).sum();
        for &(p, ..) in &self.reqs[id as usize].parts {
            let part = &mut self.parts[p as usize];
            part.attempted = true;
            part.failed_in_interval = true;
        }
        self.producers[prod].timed_out += records;
        self.release_slot(prod, b, bulk);
        self.free_req(id);
    }

    /// Recompute the high watermark of partition `p` at its leader slot `ls`:
    /// the minimum log end offset over the (maximal) ISR, frozen while the ISR is
    /// below min.insync.replicas (Kafka ≥ 3.7: `Partition.maybeIncrementLeaderHW`
    /// returns at once when `isUnderMinIsr`, KAFKA-15583).
    pub(super) fn advance_hw(&mut self, p: u32, ls: usize, b: B) {
        let view = self.views[(b as usize, p as usize)];
        self.advance_hw_in(p, ls, b, view);
    }

    /// [`Self::advance_hw`] with broker `b`'s view of `p`, `view`, already at hand.
    pub(super) fn advance_hw_in(&mut self, p: u32, ls: usize, b: B, view: PState) {
        debug_assert!(self.views[(b as usize, p as usize)] == view);
        let part = &mut self.parts[p as usize];
        debug_assert_eq!(part.slot(ls), b);
        if view.leader != b {
            return;
        }
        // Promoted observers count (Confluent's automatic observer promotion);
        // other observers are never in the ISR.
        let isr = part.effective_isr(ls, view.isr);
        if self.hot.strict_min_isr && isr.count_ones() < part.effective_min_isr() {
            return;
        }
        let lpos = &mut self.pos[part.r0 as usize + ls];
        let mut hw = lpos.leo;
        for s in 0..part.slots.len() {
            if s != ls && isr & (1 << s) != 0 {
                hw = hw.min(self.tracks[part.link(ls, s)].leo);
            }
        }
        if hw <= lpos.hw {
            return;
        }
        lpos.hw = hw;
        self.replica_changed(p, ls);
        let part = &mut self.parts[p as usize];
        // Complete acks=all requests now covered.
        let mut done = std::mem::take(&mut self.spare_waiters);
        while let Some(w) = part.waiters.front() {
            if w.slot as usize != ls || w.epoch != view.leader_epoch {
                part.waiters.pop_front();
                continue;
            }
            if w.end > hw {
                break;
            }
            let w = part.waiters.pop_front().expect("front");
            part.mark_acked(w.batch_epoch, w.end);
            done.push(w);
        }
        // At flow fidelity a partition is appended to a few times a step, so
        // the waiters of one append are all answered long before the next:
        // an emptied list gives its buffer to a shared pool rather than keep
        // it idle (128 bytes for each of 100 000 partitions in the scale
        // benchmark), and the next list that needs one takes it from there
        // (freeing and reallocating every step cost 3% of a flow run).
        if self.flow.is_some() && part.waiters.is_empty() && part.waiters.capacity() > 0 {
            let buf = std::mem::take(&mut part.waiters);
            if self.waiter_pool.len() < WAITER_POOL && buf.capacity() <= WAITER_POOL_MAX_CAP {
                self.waiter_pool.push(buf);
            }
        }
        for &w in &done {
            if self.req_live(w.req, w.tag) {
                let r = &mut self.reqs[w.req as usize];
                r.parts[w.part_ix as usize].3 = 1;
                r.pending -= 1;
                if r.pending == 0 {
                    self.respond_produce(w.req);
                }
            }
        }
        done.clear();
        self.spare_waiters = done;
        self.trim_batches(p, ls);
        self.wake_consumers(p, b);
        self.cp_wake(p, b);
        if !self.read_replicas.is_empty() {
            self.wake_read_replicas(p, b);
        }
    }

    /// Drop batches that are committed and read by every consumer.
    pub(super) fn trim_batches(&mut self, p: u32, ls: usize) {
        let part = &self.parts[p as usize];
        let t = part.topic as usize;
        let local = (p - self.topic_parts[t][0]) as usize;
        let lpos = self.pos[part.r0 as usize + ls];
        let mut point = lpos.hw;
        for &c in &self.topic_consumers[t] {
            point = point.min(self.consumers[c as usize].pos[local]);
        }
        point = point.min(self.cp_floor(p));
        let read = point;
        // Unclean election may make any replica leader, whatever it lacks of
        // the committed log, and a policy that may elect an observer once
        // every synchronous replica is gone makes what the observers lack
        // losable: keep those batches for the loss accounting (§12) until
        // every such replica holds them.
        let first = if self.hot.unclean {
            0
        } else if part.slots.len() > part.n_replicas as usize
            && matches!(
                self.promotion_policy(p),
                Some(
                    ObserverPromotionPolicy::UnderMinIsr | ObserverPromotionPolicy::UnderReplicated
                )
            )
        {
            part.n_replicas as usize
        } else {
            part.slots.len()
        };
        for s in first..part.slots.len() {
            if s != ls {
                point = point.min(self.tracks[part.link(ls, s)].leo);
            }
        }
        let part = &mut self.parts[p as usize];
        while let Some(f) = part.batches.front() {
            if f.end() <= point && part.rep[ls].holds(lpos.leo, f) {
                part.batches.pop_front();
            } else {
                break;
            }
        }
        if point < read {
            // Below `point` every replica holds the records: a range that
            // straddles it keeps only what lies above, so that it does not
            // grow from the front for as long as it absorbs newer batches.
            if let Some(f) = part.batches.front_mut()
                && f.span_ms > 0
                && f.start < point
                && f.end() > point
            {
                *f = f.split_off(point - f.start);
            }
            merge_read_batches(&mut part.batches, read);
        }
        // At flow fidelity a partition's batches come in bursts (a step's
        // bulk from each producer, then a probe now and then): a list that
        // grew past 8 slots for a burst and is back to a quarter of its
        // capacity shrinks to 8, rather than keep the burst's capacity for the
        // rest of the run (the lists of the scale benchmark grew from 5.5 to
        // 23 MB over its 60 s that way). Up to 8 slots (256 bytes) stay: a
        // step's bulk batches from a few producers fit without reallocating
        // every step.
        let (len, cap) = (part.batches.len(), part.batches.capacity());
        if self.flow.is_some() && cap > 8 && len * 4 <= cap {
            part.batches.shrink_to(8);
        }
    }

    /// Every lag/2, a leader drops from the ISR followers that have not caught up
    /// within replica.lag.time.max.ms (an AlterPartition to the controller).
    pub(super) fn isr_check(&mut self, b: B) {
        if !self.broker_alive[b as usize] {
            return;
        }
        let lag = ms(self.sc.broker.replica_lag_time_max_ms as f64);
        self.at(self.now + lag / 2, Ev::IsrCheck { broker: b });
        let now = self.now;
        for hi in 0..self.hosted[b as usize].len() {
            let (p, ls) = self.hosted[b as usize][hi];
            let view = self.views[(b as usize, p as usize)];
            if view.leader != b {
                continue;
            }
            if let Some((at, _)) = self.parts[p as usize].pending_alter(ls as usize) {
                if now - at < lag / 2 {
                    continue;
                }
                // No answer within lag/2: the proposal was lost (controller
                // failover) or refused. Abandon it, so that a proposed addition
                // stops counting in the maximal ISR and a new proposal can go.
                self.parts[p as usize].set_pending_alter(ls as usize, None);
            }
            let part = &self.parts[p as usize];
            let leo = self.pos[part.r0 as usize + ls as usize].leo;
            let mut out = 0u32;
            for s in 0..part.slots.len() {
                if s == ls as usize || view.isr & (1 << s) == 0 {
                    continue;
                }
                // Kafka's Replica.isCaughtUp: at the leader's log end, or caught
                // up to it within replica.lag.time.max.ms.
                let t = &self.tracks[part.link(ls as usize, s)];
                if t.leo != leo && now.saturating_sub(t.last_caught_up) > lag {
                    out |= 1 << s;
                }
            }
            // Promoted observers the synchronous replicas no longer need go too.
            out |= self.demotable(p, ls as usize, view.isr & !out);
            if out != 0 {
                self.send_alter(p, ls as usize, view.isr & !out);
            }
        }
    }
}

/// Batches committed, read by every consumer and copier (below `read`) and
/// kept only for the loss accounting (an out-of-sync replica may still be
/// elected, `trim_batches`): adjacent ones of one epoch, leader and
/// acknowledgement merge into one range (created when its oldest was, with
/// the span to its newest, `Batch::span_ms`), so that
/// a replica down for hours keeps a few ranges rather than every batch
/// appended since (a day at flow fidelity held 220 MiB of them). The loss
/// paths count what is lost of a range (`Replica::held_prefix`).
fn merge_read_batches(batches: &mut std::collections::VecDeque<Batch>, read: u64) {
    let mut i = 0;
    while i + 1 < batches.len() && batches[i + 1].end() <= read {
        let (a, b) = (batches[i], batches[i + 1]);
        let first = a.created.min(b.created);
        let last = (a.created + a.span_ms as Nanos * 1_000_000)
            .max(b.created + b.span_ms as Nanos * 1_000_000);
        let span_ms = (last - first) / 1_000_000;
        let fits =
            a.count as u64 + b.count as u64 <= u32::MAX as u64 && span_ms <= u32::MAX as Nanos;
        if fits
            && a.end() == b.start
            && a.epoch == b.epoch
            && a.leader == b.leader
            && a.acked == b.acked
        {
            let m = &mut batches[i];
            m.count += b.count;
            m.created = first;
            m.span_ms = span_ms as u32;
            m.sampled = false;
            batches.remove(i + 1);
        } else {
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(epoch: u32, start: u64, count: u32, created_ms: u64, acked: bool) -> Batch {
        Batch {
            epoch,
            start,
            count,
            created: created_ms * 1_000_000,
            acked,
            leader: 1,
            sampled: true,
            span_ms: 0,
        }
    }

    /// Below `read`, adjacent batches of one epoch, leader and
    /// acknowledgement become one range spanning their creation times; a
    /// change of epoch or acknowledgement, a gap, or a batch not all below
    /// `read` starts another.
    #[test]
    fn merge_read_batches_keeps_one_range_per_run() {
        let mut q: std::collections::VecDeque<Batch> = [
            batch(1, 0, 10, 100, true),
            batch(1, 10, 10, 200, true),
            batch(1, 20, 5, 150, true),
            batch(2, 25, 10, 300, true),
            batch(2, 35, 10, 400, false),
            batch(2, 45, 10, 500, false),
            batch(2, 60, 10, 600, false),
            batch(2, 70, 10, 700, false),
            batch(2, 80, 10, 800, false),
        ]
        .into();
        merge_read_batches(&mut q, 85);
        let got: Vec<_> = q
            .iter()
            .map(|b| {
                (
                    b.epoch,
                    b.start,
                    b.count,
                    b.created / 1_000_000,
                    b.span_ms,
                    b.acked,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (1, 0, 25, 100, 100, true),
                (2, 25, 10, 300, 0, true),
                (2, 35, 20, 400, 100, false),
                (2, 60, 20, 600, 100, false),
                (2, 80, 10, 800, 0, false),
            ]
        );
        assert!(!q[0].sampled && q[4].sampled);
    }
}
