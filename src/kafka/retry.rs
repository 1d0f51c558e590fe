//! Producer retries and idempotence. Kafka's producer retries a batch that
//! failed with a retriable error (`Sender.completeBatch`, `canRetry`) after a
//! backoff (`RecordAccumulator.reenqueue`, `shouldBackoff`, KIP-580's
//! `ExponentialBackoff`), until the batch's `delivery.timeout.ms` has passed
//! since its creation (`ProducerBatch.hasReachedDeliveryTimeout`). An
//! idempotent producer's retried batch that the leader's log already holds is
//! answered without a second append (the broker's `ProducerStateManager`,
//! `UnifiedLog.analyzeAndValidateProducerState`); without idempotence it is
//! appended again, a duplicate every consumer reads.

use super::*;
use crate::scenario::{KafkaVersion, Producer};

/// Kafka's `CommonClientConfigs.RETRY_BACKOFF_JITTER`: each backoff is the
/// exponential term times a factor drawn in [0.8, 1.2) (the exponent's base,
/// `RETRY_BACKOFF_EXP_BASE`, is 2).
const JITTER: f64 = 0.2;

/// Why a batch's attempt failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Failure {
    /// NOT_ENOUGH_REPLICAS: the ISR was below `min.insync.replicas`.
    NotEnoughReplicas,
    /// NOT_LEADER_OR_FOLLOWER, or the connection closed or refused
    /// (NETWORK_EXCEPTION).
    NotLeaderOrDisconnected,
    /// No answer within `request.timeout.ms` (REQUEST_TIMED_OUT).
    TimedOut,
}

/// A producer's retry settings and its retried batches.
#[derive(Clone)]
pub(crate) struct Retries {
    /// `retries`: the resends a batch may have (0 for a copier's producer,
    /// whose requests the copier handles).
    pub limit: u32,
    /// `retry.backoff.ms`.
    pub backoff: Nanos,
    /// `retry.backoff.max.ms` (equal to `backoff` before Kafka 3.7).
    pub backoff_max: Nanos,
    /// `delivery.timeout.ms`.
    pub delivery_timeout: Nanos,
    /// `enable.idempotence`, after Kafka's rules (`Producer::idempotent`).
    pub idempotent: bool,
    /// KIP-951 (3.7): a retried batch whose partition has a newer leader
    /// epoch than when it failed is resent without waiting for its backoff
    /// (`ProducerBatch.hasLeaderChangedForTheOngoingRetry`).
    pub skip_backoff_on_new_leader: bool,
    /// Retried batches waiting in the accumulator to be resent; a
    /// partition's in the order they were first sent.
    pub waiting: Vec<Retry>,
    /// Per partition of the topic (its index in the topic): retried batches
    /// waiting, and retried batches in flight.
    pub waiting_in: Vec<u16>,
    pub flying_in: Vec<u16>,
    /// Records resent after a retriable error (a record resent n times counts n).
    pub retried: u64,
    /// Records failed because `delivery.timeout.ms` passed while a leader was known.
    pub expired: u64,
    /// Records appended again by a retry while the leader's log held them
    /// (not idempotent): every consumer of the topic reads them twice.
    pub duplicated: u64,
}

impl Default for Retries {
    /// No retries (a copier's producer).
    fn default() -> Retries {
        Retries {
            limit: 0,
            backoff: 0,
            backoff_max: 0,
            delivery_timeout: Nanos::MAX,
            idempotent: false,
            skip_backoff_on_new_leader: false,
            waiting: Vec::new(),
            waiting_in: Vec::new(),
            flying_in: Vec::new(),
            retried: 0,
            expired: 0,
            duplicated: 0,
        }
    }
}

impl Retries {
    /// The retry settings of an application producer.
    pub(super) fn of(p: &Producer, version: KafkaVersion) -> Retries {
        Retries {
            limit: p.retries,
            backoff: ms(p.retry_backoff_ms as f64),
            backoff_max: ms(p.retry_backoff_max_ms(version) as f64),
            delivery_timeout: ms(p.delivery_timeout_ms as f64),
            idempotent: p.idempotent(),
            skip_backoff_on_new_leader: version.exponential_retry_backoff(),
            ..Retries::default()
        }
    }

    /// Records of retried batches waiting in the accumulator.
    pub(super) fn waiting_records(&self) -> u64 {
        self.waiting.iter().map(|r| r.k as u64).sum()
    }
}

/// A batch that failed at least once, waiting to be resent.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Retry {
    pub part: u32,
    pub k: u32,
    pub created: Nanos,
    /// The batch's first send: its produce latency runs from there.
    pub first_sent: Nanos,
    /// Attempts that failed so far (Kafka's `ProducerBatch.attempts`).
    pub attempts: u32,
    /// End of its backoff.
    pub ready_at: Nanos,
    /// The partition's leader epoch the producer knew when it failed.
    pub epoch: u32,
    /// Where an earlier attempt was appended: (leader epoch, start offset).
    pub prior: Option<(u32, u64)>,
    /// Its last attempt was refused or timed out (not a leader change or a
    /// closed connection): while it waits, its partition shows unavailable.
    pub refused: bool,
}

/// A retried batch in a produce request: its part index and its history.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Resent {
    pub ix: u16,
    pub attempts: u32,
    pub first_sent: Nanos,
    pub prior: Option<(u32, u64)>,
}

impl World<'_> {
    /// Index of partition `part` in producer `i`'s topic; `None` for a
    /// partition of the topic it wrote before it failed over to another
    /// cluster.
    fn local_part(&self, i: usize, part: u32) -> Option<usize> {
        let parts = &self.topic_parts[self.producers[i].topic as usize];
        let local = part.checked_sub(parts[0])? as usize;
        (local < parts.len()).then_some(local)
    }

    /// A retried batch of the same partition waits in producer `i`'s
    /// accumulator: newer batches of the partition wait behind it (the
    /// retried batch goes back to the front of the partition's queue,
    /// `RecordAccumulator.reenqueue`, and `drainBatchesForOneNode` looks only
    /// at the first batch of a partition, skipping it while it backs off).
    #[inline]
    pub(super) fn retry_blocks(&self, i: usize, part: u32) -> bool {
        let r = &self.producers[i].retry;
        !r.waiting.is_empty()
            && self
                .local_part(i, part)
                .is_some_and(|l| r.waiting_in.get(l).is_some_and(|&w| w > 0))
    }

    /// Kafka's `ExponentialBackoff.backoff(attempts)`: `retry.backoff.ms` ×
    /// 2^attempts, capped at `retry.backoff.max.ms`, times a jitter factor in
    /// [0.8, 1.2); a fixed `retry.backoff.ms` when the cap is not above it (as
    /// before Kafka 3.7).
    fn retry_backoff(&mut self, i: usize, attempts: u32) -> Nanos {
        let r = &self.producers[i].retry;
        let (init, max) = (r.backoff.min(r.backoff_max), r.backoff_max);
        if max <= init {
            return init;
        }
        let exp_max = (max as f64 / init.max(1) as f64).log2();
        let term = init as f64 * (attempts as f64).min(exp_max).exp2();
        let factor = 1.0 - JITTER + 2.0 * JITTER * self.rng.unit();
        ((factor * term) as Nanos).min(max)
    }

    /// The leader of `part` and its epoch in producer `i`'s metadata.
    fn producer_leader(&self, i: usize, part: u32) -> (B, u32) {
        let p = &self.producers[i];
        match self.bootstrap(p.site, p.cluster) {
            Some(b) => {
                let v = self.views[(b as usize, part as usize)];
                (v.leader, v.leader_epoch)
            }
            None => (NO_LEADER, 0),
        }
    }

    /// An attempt of producer `i`'s batch `f` failed with `why` (`f.attempts`:
    /// the attempts that failed before this one; `resent`: this attempt was a
    /// retry, counted in flight). As `Sender.completeBatch` / `canRetry`: past
    /// `delivery.timeout.ms` the batch expires; with `retries` used up it
    /// fails with the error; otherwise it goes back to the accumulator and is
    /// resent after its backoff. At flow fidelity a retried batch goes back
    /// into the accumulator's bulk (`held`): the next step (`flow_step_ms`,
    /// 1 s, about the capped backoff) resends it; a probe batch (`probe`)
    /// goes back to the held probes, resent after `retry.backoff.max.ms`
    /// (`produce::drain_probes`), so that its wait stays sampled.
    pub(super) fn batch_failed(
        &mut self,
        i: usize,
        f: Retry,
        why: Failure,
        resent: bool,
        probe: bool,
    ) {
        let now = self.now;
        let k = f.k as u64;
        let part = &mut self.parts[f.part as usize];
        part.attempted = true;
        if why != Failure::NotLeaderOrDisconnected {
            // A refused or timed-out write shows the partition unavailable
            // in this interval (§15), retried or not.
            part.failed_in_interval = true;
        }
        let Some(local) = self.local_part(i, f.part) else {
            // Sent before the application failed over to another cluster:
            // it died with the process that sent it.
            self.producers[i].unavailable += k;
            return;
        };
        if resent {
            let fly = &mut self.producers[i].retry.flying_in;
            if let Some(n) = fly.get_mut(local) {
                *n = n.saturating_sub(1);
            }
        }
        let pr = &mut self.producers[i];
        if now.saturating_sub(f.created) >= pr.retry.delivery_timeout {
            pr.retry.expired += k;
            self.parts[f.part as usize].failed_in_interval = true;
            return;
        }
        if f.attempts >= pr.retry.limit {
            match why {
                Failure::TimedOut => pr.timed_out += k,
                _ => pr.rejected += k,
            }
            self.parts[f.part as usize].failed_in_interval = true;
            return;
        }
        // Sent once, when it is acknowledged or fails for good.
        pr.sent = pr.sent.saturating_sub(k);
        pr.retry.retried += k;
        if probe {
            let at = (now + pr.retry.backoff_max).max(1);
            pr.probe_held.push((f.part, f.k, f.created, at));
            self.probe_drain_at(i, at);
            return;
        }
        if self.flow.is_some() {
            pr.held.push((f.part, f.k, f.created));
            return;
        }
        let backoff = self.retry_backoff(i, f.attempts);
        let (_, epoch) = self.producer_leader(i, f.part);
        let n = self.topic_parts[self.producers[i].topic as usize].len();
        let r = &mut self.producers[i].retry;
        if r.waiting_in.len() < n {
            r.waiting_in.resize(n, 0);
            r.flying_in.resize(n, 0);
        }
        r.waiting_in[local] += 1;
        let entry = Retry {
            attempts: f.attempts + 1,
            ready_at: now + backoff,
            epoch,
            refused: why != Failure::NotLeaderOrDisconnected,
            ..f
        };
        // In first-send order within the partition (an idempotent producer
        // keeps a partition's queue in sequence order,
        // `RecordAccumulator.insertInSequenceOrder`): a resent batch was at
        // the head of its partition's retries and goes back there, ahead of
        // batches first sent at the same instant; a first failure goes after
        // them.
        let at = r
            .waiting
            .iter()
            .position(|w| {
                w.part == f.part
                    && (w.first_sent > f.first_sent || (resent && w.first_sent == f.first_sent))
            })
            .unwrap_or(r.waiting.len());
        r.waiting.insert(at, entry);
    }

    /// Resend producer `i`'s retried batches whose backoff is over, or whose
    /// partition has a new leader (KIP-951), ahead of its new batches: one
    /// request per leader, at most one batch per partition, within the
    /// in-flight limit and `max.request.size`. An idempotent producer has at
    /// most one retried batch of a partition in flight, in sequence order
    /// (`RecordAccumulator.shouldStopDrainBatchesForPartition`: "this
    /// effectively reduces our in flight request count to 1"). A retried
    /// batch past `delivery.timeout.ms` expires here, in the accumulator.
    pub(super) fn drain_retries(&mut self, i: usize, max_request_bytes: u64) {
        let now = self.now;
        let waiting = std::mem::take(&mut self.producers[i].retry.waiting);
        let mut keep = Vec::with_capacity(waiting.len());
        // Partitions already seen in this pass (a later retried batch of a
        // partition never overtakes an earlier one), the batches to send
        // with their leader, and each leader's request size.
        let mut seen: Vec<u32> = Vec::new();
        let mut out: Vec<(B, Retry)> = Vec::new();
        let mut sizes: Vec<(B, u64)> = Vec::new();
        let rb = self.producers[i].record_bytes as u64;
        for e in waiting {
            let Some(local) = self.local_part(i, e.part) else {
                continue;
            };
            let part = &mut self.parts[e.part as usize];
            part.attempted = true;
            // A write refused (NotEnoughReplicas, a timeout) and still not
            // acknowledged keeps its partition unavailable in every interval
            // it waits through, whatever other writes to it were acknowledged
            // (§15): its backoff, up to `retry.backoff.max.ms` (1 s), can span
            // a whole interval without an attempt.
            part.failed_in_interval |= e.refused;
            let (leader, epoch) = self.producer_leader(i, e.part);
            let pr = &mut self.producers[i];
            if now.saturating_sub(e.created) >= pr.retry.delivery_timeout {
                pr.retry.waiting_in[local] -= 1;
                if leader == NO_LEADER {
                    pr.unavailable += e.k as u64;
                } else {
                    pr.retry.expired += e.k as u64;
                }
                self.parts[e.part as usize].failed_in_interval = true;
                continue;
            }
            let r = &pr.retry;
            let ready = now >= e.ready_at
                || (r.skip_backoff_on_new_leader && leader != NO_LEADER && epoch > e.epoch);
            let first = !seen.contains(&e.part);
            seen.push(e.part);
            let bytes = e.k as u64 * rb;
            let size = sizes.iter().position(|s| s.0 == leader);
            let sendable = ready
                && first
                && !(r.idempotent && r.flying_in[local] > 0)
                && leader != NO_LEADER
                && now >= pr.reconnect_at[leader as usize]
                && match size {
                    // Joins the request to its leader within max.request.size.
                    Some(s) => sizes[s].1 + bytes <= max_request_bytes,
                    None => pr.in_flight[leader as usize] < pr.max_in_flight,
                };
            if !sendable {
                keep.push(e);
                continue;
            }
            match size {
                Some(s) => sizes[s].1 += bytes,
                None => sizes.push((leader, bytes)),
            }
            pr.retry.waiting_in[local] -= 1;
            pr.retry.flying_in[local] += 1;
            out.push((leader, e));
        }
        self.producers[i].retry.waiting = keep;
        for (b, bytes) in sizes {
            let mut parts = self.spare_lists.pop().unwrap_or_default();
            parts.clear();
            let mut resent = Vec::new();
            for (_, e) in out.iter().filter(|x| x.0 == b) {
                resent.push(Resent {
                    ix: parts.len() as u16,
                    attempts: e.attempts,
                    first_sent: e.first_sent,
                    prior: e.prior,
                });
                parts.push((e.part, e.k, e.created, 0));
            }
            let id = self.send_request(i, b, parts, bytes, false);
            self.reqs[id as usize].resent = resent;
        }
    }

    /// Whether the log of partition `p`'s leader slot `ls` still holds what
    /// an earlier attempt of part `ix` of request `id` appended (same
    /// offsets, same leader epoch there: KIP-101's lineage). For an
    /// idempotent producer that stands for the leader's producer state
    /// (`ProducerStateEntry`, built from the log, the last 5 batches per
    /// producer) finding the batch's sequence
    /// (`ProducerStateEntry.findDuplicateBatch`): a retried batch is always
    /// among its producer's 5 most recent, since at most 5 are in flight.
    /// Returns the held copy's leader epoch and end offset.
    pub(super) fn held_copy(&self, id: u32, ix: usize, p: u32, ls: usize) -> Option<(u32, u64)> {
        let r = &self.reqs[id as usize];
        let prior = r.resent.iter().find(|x| x.ix as usize == ix)?.prior?;
        let k = r.parts[ix].1;
        let part = &self.parts[p as usize];
        let copy = Batch {
            epoch: prior.0,
            start: prior.1,
            count: k,
            created: 0,
            acked: false,
            leader: 0,
            sampled: false,
            span_ms: 0,
        };
        part.rep[ls]
            .holds(self.pos[part.r0 as usize + ls].leo, &copy)
            .then(|| (copy.epoch, copy.end()))
    }

    /// Part `ix` of request `id`, `(partition, records, created)`, failed
    /// with `why`; `again`: it was a retried batch.
    pub(super) fn part_failed(
        &mut self,
        id: u32,
        ix: usize,
        (part, k, created): (u32, u32, Nanos),
        again: Option<Resent>,
        why: Failure,
    ) {
        let r = &self.reqs[id as usize];
        // This attempt's append, else an earlier one's.
        let prior = r
            .appended
            .iter()
            .find(|a| a.0 as usize == ix)
            .map(|a| (a.1, a.2))
            .or(again.and_then(|a| a.prior));
        let f = Retry {
            part,
            k,
            created,
            first_sent: again.map_or(r.sent, |a| a.first_sent),
            attempts: again.map_or(0, |a| a.attempts),
            ready_at: 0,
            epoch: 0,
            prior,
            refused: false,
        };
        let probe = self.flow.is_some() && !r.bulk && !self.producers[r.prod as usize].copier;
        self.batch_failed(r.prod as usize, f, why, again.is_some(), probe);
    }

    /// Every part of request `id` failed with `why` (a request timeout, or
    /// its connection closed by one): the request ends.
    pub(super) fn fail_request(&mut self, id: u32, why: Failure) {
        let r = &self.reqs[id as usize];
        let (prod, b, bulk) = (r.prod as usize, r.broker as usize, r.bulk);
        self.release_slot(prod, b, bulk);
        let parts = std::mem::take(&mut self.reqs[id as usize].parts);
        let resent = std::mem::take(&mut self.reqs[id as usize].resent);
        for (ix, &(p, k, created, _)) in parts.iter().enumerate() {
            let again = resent.iter().find(|x| x.ix as usize == ix).copied();
            self.part_failed(id, ix, (p, k, created), again, why);
        }
        self.reqs[id as usize].parts = parts;
        self.reqs[id as usize].resent = resent;
        self.free_req(id);
    }

    /// A retried batch of partition `part` was acknowledged.
    pub(super) fn retry_landed(&mut self, i: usize, part: u32) {
        if let Some(local) = self.local_part(i, part)
            && let Some(n) = self.producers[i].retry.flying_in.get_mut(local)
        {
            *n = n.saturating_sub(1);
        }
    }

    /// Producer `i`'s process is replaced (a client failover to another site):
    /// the batches in its accumulator (bulk, held probes, retries waiting)
    /// die with it. Returns their records.
    pub(super) fn drop_accumulator(&mut self, i: usize) -> u64 {
        let p = &mut self.producers[i];
        let lost = p.accumulated_records();
        let r = &mut p.retry;
        r.waiting.clear();
        // Its retried batches in flight are the old process's; the counts
        // start again (for the topic it writes from now on).
        r.waiting_in.clear();
        r.flying_in.clear();
        p.held.clear();
        p.probe_held.clear();
        lost
    }
}
