//! Fetch sessions: followers (and observers) long-polling their leader, one
//! session per (follower broker, leader broker) pair as with
//! `num.replica.fetchers=1`; consumers long-polling the replica that serves them.

use super::*;

/// Kafka's consumer `request.timeout.ms` and `retry.backoff.ms`.
const CONSUMER_REQUEST_TIMEOUT: Nanos = 30_000 * NS_PER_MS;
const CONSUMER_BACKOFF: Nanos = 100 * NS_PER_MS;

impl World<'_> {
    /// How long a fetch with nothing to return is parked: the configured
    /// maximum wait, and at flow fidelity at least one bulk step (a fetch that
    /// finds nothing between two steps would find nothing again).
    fn long_poll(&self, wait: Nanos) -> Nanos {
        match self.flow {
            Some(f) => wait.max(f.step),
            None => wait,
        }
    }

    /// At flow fidelity, the most one fetch response may carry: a response
    /// stands for the fetches of a whole bulk step, so Kafka's per-request size
    /// caps give way to what the connection can move in one step at the link's
    /// current state (so that a backlog drains in step-sized pieces, each sent
    /// at the capacity of its moment), and the interfaces of brokers `nics`
    /// (NIC out of the sender, NIC in of the receiver). `None` at request
    /// fidelity.
    pub(super) fn flow_budget(
        &self,
        from: usize,
        to: usize,
        nics: (Option<B>, Option<B>),
        window: u64,
    ) -> Option<u64> {
        let f = self.flow?;
        let (out, inn) = (nics.0.map(usize::from), nics.1.map(usize::from));
        Some(match self.net.fluid_rate_via(from, to, out, inn, window) {
            Some(rate) => (rate * to_s(f.step)).max(1.0) as u64,
            None => u64::MAX,
        })
    }

    /// How a fetch response from `from` to `to` fills: Kafka's `per_partition`
    /// and `total` at request fidelity. At flow fidelity the response stands
    /// for the step's fetches, at most one per round trip, so each cap is
    /// multiplied by the round trips in a step, and the total is at most one
    /// step of the connection's capacity (`flow_budget`).
    #[inline]
    pub(super) fn fetch_fill(
        &self,
        from: usize,
        to: usize,
        nics: (Option<B>, Option<B>),
        window: u64,
        per_partition: u64,
        total: u64,
    ) -> Fill {
        let Some(f) = self.flow else {
            return Fill::new(per_partition, total);
        };
        let budget = self.flow_budget(from, to, nics, window).unwrap_or(u64::MAX);
        let rounds = (to_s(f.step) / to_s(self.net.rtt(from, to).max(1))).max(1.0);
        let scaled = |x: u64| (x as f64 * rounds) as u64;
        Fill::new(scaled(per_partition), budget.min(scaled(total)))
    }

    /// The session of fetcher `k` of follower `f` with leader `l`; None when
    /// they share no partition (no session).
    pub(super) fn fsess_ix(&self, f: usize, l: usize, k: usize) -> Option<usize> {
        let pair = self.fpair[f * self.nb + l];
        (pair != u32::MAX).then(|| pair as usize * self.nf + k)
    }

    /// (Re)start every fetch session of follower `f`.
    pub(super) fn start_broker_sessions(&mut self, f: B) {
        for l in 0..self.nb {
            for k in 0..self.nf {
                let Some(sess) = self.fsess_ix(f as usize, l, k) else {
                    continue;
                };
                self.fsess[sess].dirty = true;
                if self.fsess[sess].state == SessState::Idle {
                    self.fetch_send(sess, self.now);
                }
            }
        }
    }

    fn rebuild(&mut self, sess: usize) {
        let (f, l) = (self.fsess[sess].client as usize, self.fsess[sess].server);
        let mut parts = std::mem::take(&mut self.fsess[sess].parts);
        // The parts leaving the list get the fetch times of the fetches that
        // skipped them (`touch`), then no session carries them.
        for sp in &parts {
            self.touch(sp.p, sp.lk as usize);
            let lk = &mut self.links[sp.lk as usize];
            lk.ix = NOT_LISTED;
            lk.ready = false;
        }
        parts.clear();
        let k = sess % self.nf;
        if f != l as usize {
            for &(p, fs) in &self.hosted[f] {
                if self.views.leader(f, p as usize) == l
                    && self.fetcher_of[p as usize] as usize == k
                {
                    let part = &self.parts[p as usize];
                    let Some(ls) = part.slot_of(l) else {
                        continue;
                    };
                    parts.push(SessPart {
                        p,
                        local: 0,
                        lr: part.r0 + ls as u32,
                        fr: part.r0 + fs as u32,
                        lk: part.link(ls, fs as usize) as u32,
                        lb: if part.slots.len() <= 8 {
                            (part.link(ls, fs as usize) - part.l0 as usize) as u8
                        } else {
                            NO_BIT
                        },
                        rb: part.record_bytes,
                        ss: ls as u8,
                        fs,
                        per_batch: (1.0 / self.topic_batch[part.topic as usize]) as f32,
                    });
                }
            }
        }
        // The list lives until the next metadata change: no growth slack
        // (5.6 of 8.2 MB were parts in the scale benchmark's 90 000 sessions).
        parts.shrink_to_fit();
        for (ix, sp) in parts.iter().enumerate() {
            let lk = &mut self.links[sp.lk as usize];
            lk.ix = ix as u32;
            lk.ready = true;
        }
        let s = &mut self.fsess[sess];
        s.ready.clear();
        s.ready.extend(0..parts.len() as u32);
        s.parts = parts;
        s.dirty = false;
    }

    pub(super) fn fetch_send(&mut self, sess: usize, at: Nanos) {
        let f = self.fsess[sess].client as usize;
        if !self.broker_alive[f] {
            self.fsess[sess].state = SessState::Idle;
            return;
        }
        if self.fsess[sess].dirty {
            self.rebuild(sess);
        }
        if self.fsess[sess].parts.is_empty() {
            self.fsess[sess].state = SessState::Idle;
            return;
        }
        let l = self.fsess[sess].server as usize;
        let s = &mut self.fsess[sess];
        s.state = SessState::InFlight;
        s.sent = at;
        let tag = s.tag;
        let bytes = 100 + 30 * s.parts.len() as u64;
        let (from, to) = (self.broker_site[f], self.broker_site[l]);
        let (fb, lb) = (Some(f as B), Some(l as B));
        match self.send_via(at, from, to, fb, lb, bytes, u64::MAX) {
            Some(t) => self.at(
                t,
                Ev::FetchArrive {
                    sess: sess as u32,
                    tag,
                },
            ),
            None => {
                let backoff = ms(self.sc.broker.replica_fetch_backoff_ms as f64);
                self.at(
                    at + backoff,
                    Ev::FetchRetry {
                        sess: sess as u32,
                        tag,
                    },
                );
            }
        }
    }

    /// The follower's connection to its leader's broker is closed or refused
    /// (the leader's process stopped, or is not back yet): the reset reaches the
    /// follower after a one-way trip, and its fetcher retries
    /// `replica.fetch.backoff.ms` later, as `AbstractFetcherThread` delays
    /// partitions whose fetch failed. A reset that cannot cross (the link is
    /// cut) leaves the follower to notice at `replica.socket.timeout.ms`.
    pub(super) fn connection_lost(&mut self, sess: usize) {
        let (f, l) = (
            self.fsess[sess].client as usize,
            self.fsess[sess].server as usize,
        );
        let s = &mut self.fsess[sess];
        s.tag += 1;
        s.state = SessState::InFlight;
        let (tag, sent) = (s.tag, s.sent);
        let (from, to) = (self.broker_site[l], self.broker_site[f]);
        let t = match self
            .net
            .send(self.now, from, to, 100, u64::MAX, &mut self.rng)
        {
            Some(t) => t + ms(self.sc.broker.replica_fetch_backoff_ms as f64),
            None => (sent + ms(self.sc.broker.replica_socket_timeout_ms as f64)).max(self.now),
        };
        self.at(
            t,
            Ev::FetchRetry {
                sess: sess as u32,
                tag,
            },
        );
    }

    pub(super) fn fetch_retry(&mut self, sess: usize, tag: u32) {
        if self.fsess[sess].is(tag, SessState::InFlight) {
            self.fetch_send(sess, self.now);
        }
    }

    /// A follower fetch reaches the leader's broker: it goes through the
    /// broker's request handling and is handled (`fetch_arrive`) when an io
    /// thread has served it: `model.fetch_processing_ms` plus a cost per
    /// partition of the fetch session (the leader reads every partition of
    /// the session, `IncrementalFetchContext.foreachPartition`).
    pub(super) fn fetch_queue(&mut self, sess: usize, tag: u32) {
        let (f, l) = (self.fsess[sess].client as usize, self.fsess[sess].server);
        if !self.fsess[sess].is(tag, SessState::InFlight)
            || !self.broker_alive[f]
            || !self.broker_alive[l as usize]
        {
            return self.fetch_arrive(sess, tag);
        }
        let n = self.fsess[sess].parts.len();
        let service = self.service(l, self.hot.fetch_proc, n, 0);
        if self.flow.is_some() {
            // At flow fidelity a fetch stands for the step's fetches: handled
            // at once as bulk work, like a bulk produce request (docs/model.md
            // §5a, Flow fidelity), without an event for its io thread.
            self.bulk_work(l, service, 100 + 30 * n as u64);
            return self.fetch_arrive(sess, tag);
        }
        let done = self.handle_request(l, sess, 100 + 30 * n as u64, service);
        self.at(
            done,
            Ev::FetchHandled {
                sess: sess as u32,
                tag,
            },
        );
    }

    /// The fetch is handled at the leader: follower progress is known from the fetch
    /// offset, the HW may move, then the leader answers or parks the fetch.
    pub(super) fn fetch_arrive(&mut self, sess: usize, tag: u32) {
        let (f, l) = (self.fsess[sess].client as usize, self.fsess[sess].server);
        if !self.fsess[sess].is(tag, SessState::InFlight) || !self.broker_alive[f] {
            return;
        }
        if !self.broker_alive[l as usize] {
            self.connection_lost(sess);
            return;
        }
        let now = self.now;
        // Kafka's leader reads the log for the fetch first, then updates the
        // follower's fetch state (`Partition.fetchRecords`: `readFromLocalLog`,
        // then `updateFollowerFetchState`, which may advance the HW): a response
        // with records carries the HW from before this fetch's offsets moved
        // it, so a follower learns an HW one fetch after the leader computes it.
        let any_data = self.fsess[sess].ready.iter().any(|&ix| {
            let sp = self.fsess[sess].parts[ix as usize];
            self.views[(l as usize, sp.p as usize)].leader == l
                && self.pos[sp.lr as usize].leo > self.pos[sp.fr as usize].leo
        });
        if any_data {
            self.fetch_respond(sess);
        }
        // Kafka's leader updates the fetch state of every partition in the
        // session. A part it found caught up, in the ISR and with the HW known
        // to the follower stays so until its offsets, HW or metadata change
        // (`replica_changed`); until then a fetch would only set its
        // `last_caught_up` and `last_fetch` to now, so it is skipped and those
        // are set when it changes (`touch`), to `last_arrive`.
        self.fsess[sess].last_arrive = now;
        let mut ready = std::mem::take(&mut self.fsess[sess].ready);
        ready.sort_unstable();
        let mut kept = 0;
        for j in 0..ready.len() {
            let ix = ready[j];
            let sp = self.fsess[sess].parts[ix as usize];
            let view = self.views[(l as usize, sp.p as usize)];
            if view.leader != l {
                ready[kept] = ix;
                kept += 1;
                continue;
            }
            // A leader's tracking is reset whenever it becomes leader
            // (`apply_role`, and at the start for the initial leaders).
            let fo = self.pos[sp.fr as usize].leo;
            let lpos = self.pos[sp.lr as usize];
            let leader_leo = lpos.leo;
            let t = &mut self.tracks[sp.lk as usize];
            // Kafka's Replica.updateFetchState: caught up if the fetch reaches the
            // leader's end now, or the end it had at the previous fetch.
            if fo >= leader_leo {
                t.last_caught_up = now;
            } else if fo >= t.leo_at_last_fetch {
                t.last_caught_up = t.last_caught_up.max(t.last_fetch);
            }
            t.leo_at_last_fetch = leader_leo;
            t.last_fetch = now;
            let moved = t.leo != fo;
            t.leo = fo;
            // The HW and ISR depend on follower offsets only: nothing to redo when
            // this follower's offset is unchanged.
            if view.isr & (1u32 << sp.fs) == 0 && (moved || fo >= lpos.hw) {
                self.maybe_expand(sp);
            }
            if moved {
                self.advance_hw_in(sp.p, sp.ss as usize, l, view);
            }
            let (lpos, fpos) = (self.pos[sp.lr as usize], self.pos[sp.fr as usize]);
            let quiet = fpos.leo == lpos.leo
                && view.isr & (1u32 << sp.fs) != 0
                && lpos.hw.min(fpos.leo) <= fpos.hw;
            if quiet {
                self.links[sp.lk as usize].ready = false;
                if sp.lb != NO_BIT {
                    self.skipped[sp.p as usize] |= 1 << sp.lb;
                }
            } else {
                ready[kept] = ix;
                kept += 1;
            }
        }
        ready.truncate(kept);
        // Handling a part changes no other part of the same session.
        debug_assert!(self.fsess[sess].ready.is_empty());
        let s = &mut self.fsess[sess];
        ready.append(&mut s.ready);
        s.ready = ready;
        if !any_data && self.read_replicas.get(f).copied().unwrap_or(false) && self.hw_to_send(sess)
        {
            // Flow fidelity: the HW this fetch moved, for a follower whose
            // HW a consumer reads (`wake_read_replicas`).
            self.fetch_respond(sess);
        } else if !any_data {
            let wait = self.long_poll(self.hot.replica_wait);
            if self.flow.is_some() {
                // One timer per leader for its sessions (`flow_fetch_wake`):
                // each session's would fire once a step, to re-arm.
                let until = now + wait;
                let s = &mut self.fsess[sess];
                s.state = SessState::Parked;
                s.tag += 1;
                s.park_until = until;
                if self.served_wake[l as usize].is_none_or(|t| t > until) {
                    self.served_wake[l as usize] = Some(until);
                    self.at(until, Ev::FlowFetchWake { broker: l });
                }
            } else if let Some(t) = self.fsess[sess].park(now + wait) {
                self.at(t, Ev::FetchWake { sess: sess as u32 });
            }
        }
    }

    /// Flow fidelity: leader `l`'s long-poll timer. The parked sessions it
    /// serves whose wait is over are answered (as `fetch_wake` does), and the
    /// timer re-arms for the earliest wait still running: the same moments as
    /// one timer per session, with one event per leader and step instead of
    /// one per session and step.
    pub(super) fn flow_fetch_wake(&mut self, l: B) {
        if self.served_wake[l as usize] != Some(self.now) {
            // Superseded by an earlier one.
            return;
        }
        self.served_wake[l as usize] = None;
        let mut next: Option<Nanos> = None;
        for j in 0..self.served[l as usize].len() {
            let sess = self.served[l as usize][j] as usize;
            let s = &self.fsess[sess];
            if s.state != SessState::Parked {
                continue;
            }
            if s.park_until <= self.now {
                self.fetch_respond(sess);
            } else {
                next = Some(next.map_or(s.park_until, |t| t.min(s.park_until)));
            }
        }
        if let Some(t) = next
            && self.served_wake[l as usize].is_none_or(|q| q > t)
        {
            self.served_wake[l as usize] = Some(t);
            self.at(t, Ev::FlowFetchWake { broker: l });
        }
    }

    /// A follower not in the ISR that reached the HW is proposed for the ISR
    /// (`Partition.isFollowerInSync`: its log end ≥ the leader's HW). An
    /// observer is proposed by the same rule, but only while the topic's
    /// `observerPromotionPolicy` calls for it (`World::promotes`). A synchronous
    /// replica rejoining takes out the promoted observers the ISR then no longer
    /// needs (`World::demotable`).
    fn maybe_expand(&mut self, sp: SessPart) {
        let (p, ls, fs) = (sp.p, sp.ss as usize, sp.fs as usize);
        let part = &self.parts[p as usize];
        let l = part.slot(ls);
        let view = self.views[(l as usize, p as usize)];
        let bit = 1u32 << fs;
        if view.isr & bit != 0 || part.pending_alter(ls).is_some() {
            return;
        }
        let observer = fs >= part.n_replicas as usize;
        if observer && !self.promotes(p, ls, view.isr) {
            return;
        }
        let f = part.slot(fs) as usize;
        if self.tracks[sp.lk as usize].leo >= self.pos[sp.lr as usize].hw
            && !self.ctl.fenced_committed[f]
        {
            let mut isr = view.isr | bit;
            if !observer {
                isr &= !self.demotable(p, ls, isr);
            }
            self.send_alter(p, ls, isr);
        }
    }

    pub(super) fn fetch_wake(&mut self, sess: usize) {
        match self.fsess[sess].timer_fired(self.now) {
            Ok(true) => self.fetch_respond(sess),
            Ok(false) => {}
            Err(t) => self.at(t, Ev::FetchWake { sess: sess as u32 }),
        }
    }

    /// An append at leader `l` completes the parked fetches of `p`'s followers.
    /// At flow fidelity a bulk append whose step's other bulk requests reach
    /// `l` by `due` leaves a parked session parked until then, when its
    /// fetch would otherwise still be on its way back (within one round trip
    /// to the follower): one response then carries every producer's bulk.
    pub(super) fn wake_followers(&mut self, p: u32, l: B, due: Nanos) {
        for si in 0..self.parts[p as usize].slots.len() {
            let Some((f, sess)) = self.follower_session(p, si, l) else {
                continue;
            };
            if self.fsess[sess].state == SessState::Parked {
                if due > self.now {
                    let until = self.fsess[sess].park_until;
                    if until <= due {
                        // Already left parked for this step's bulk (or its
                        // long poll ends sooner).
                        continue;
                    }
                    let rtt = self
                        .net
                        .rtt(self.broker_site[l as usize], self.broker_site[f as usize]);
                    if due <= self.now + rtt {
                        self.fsess[sess].park_until = due;
                        if self.served_wake[l as usize].is_none_or(|t| t > due) {
                            self.served_wake[l as usize] = Some(due);
                            self.at(due, Ev::FlowFetchWake { broker: l });
                        }
                        continue;
                    }
                }
                if due <= self.now && self.hold_for_stream(sess, l, f, p) {
                    continue;
                }
                self.fsess[sess].tag += 1;
                self.fetch_respond(sess);
            }
        }
    }

    /// Flow fidelity: the moments leader `b`'s HW moved in the current step:
    /// the follower fetches that reached it this step (`StreamStep` of the
    /// sessions it serves), each session's divided by its partitions'
    /// followers, since a partition's HW moves at the last of its followers'
    /// fetches.
    pub(super) fn hw_advances(&self, b: B, step: Nanos) -> f64 {
        self.served[b as usize]
            .iter()
            .map(|&s| {
                let followers = self.fsess[s as usize].parts.first().map_or(1, |sp| {
                    self.parts[sp.p as usize]
                        .slots
                        .len()
                        .saturating_sub(1)
                        .max(1)
                });
                self.fsess_stream[s as usize].this_step(self.now, step) / followers as f64
            })
            .sum()
    }

    /// The producer batches `n` records of partition `p` came in: full
    /// batches of its topic (`topic_batch`), rounded up.
    pub(super) fn batches_of(&self, p: u32, n: u64) -> f64 {
        if n == 0 {
            return 0.0;
        }
        (n as f64 / self.topic_batch[self.parts[p as usize].topic as usize]).ceil()
    }

    /// Flow fidelity: how long new records wait for a session's next fetch
    /// when its stream is continuous. A fetcher (a follower's, a consumer's, a
    /// copier's) has one fetch in flight per broker and sends the next when
    /// the response is in (`AbstractFetcherThread.maybeFetch`,
    /// `AbstractFetch.prepareFetchRequests`), so under a stream that gives
    /// every fetch records the fetches reach the broker once a round trip
    /// (`rtt`), and records that come at a random moment wait a uniform part
    /// of it for the next. Between flow steps the session is parked at the
    /// broker, which would answer at once: half a round trip early on
    /// average. `None`: answer now (the session carried fewer records per
    /// round trip over the last step, `rate` in records per ns, than a full
    /// batch of `batch` records, when a fetch does wait parked).
    pub(super) fn stream_wait(&mut self, rate: f64, rtt: Nanos, batch: f64) -> Option<Nanos> {
        if rtt == 0 || rate * (rtt as f64) < batch {
            return None;
        }
        Some(self.rng.below(rtt))
    }

    /// Flow fidelity: the HW of `p` moved at its leader `l`, and some of its
    /// followers serve consumers that fetch from followers (KIP-392), reading
    /// up to the follower's HW. A parked follower fetch learns an HW only with
    /// its next response (`DelayedFetch` is not completed by an HW change),
    /// which under a continuous stream of records comes at once: the next
    /// records complete it. Between flow steps no records come, so those
    /// followers' parked fetches are answered now, with the HW (a consumer
    /// reading from a follower saw a probe's records only at the next probe to
    /// that leader, 213 ms after they were created, where a consumer reading
    /// from the leader saw them after 33 ms; `tests/it/fidelity.rs`). Other
    /// followers learn the HW
    /// with the next step's records, as before: no reader waits for them.
    pub(super) fn wake_read_replicas(&mut self, p: u32, l: B) {
        for si in 0..self.parts[p as usize].slots.len() {
            let Some((f, sess)) = self.follower_session(p, si, l) else {
                continue;
            };
            if self.read_replicas[f as usize]
                && self.fsess[sess].state == SessState::Parked
                && self.hw_to_send(sess)
                && !self.hold_for_stream(sess, l, f, p)
            {
                self.fsess[sess].tag += 1;
                self.fetch_respond(sess);
            }
        }
    }

    /// Flow fidelity: leave follower `f`'s parked session `sess` with leader
    /// `l` parked until its stream's next fetch would reach `l`
    /// (`stream_wait`), through the leader's wake timer; true when it is
    /// left parked, or already answers within a round trip (what is new goes
    /// with that answer).
    fn hold_for_stream(&mut self, sess: usize, l: B, f: B, p: u32) -> bool {
        if self.flow.is_none() {
            return false;
        }
        let rtt = self
            .net
            .rtt(self.broker_site[l as usize], self.broker_site[f as usize]);
        let (until, rate) = (self.fsess[sess].park_until, self.fsess_stream[sess].rate());
        match self.stream_hold(until, rate, rtt, p) {
            Hold::Now => false,
            Hold::Answering => true,
            Hold::Until(due) => {
                self.fsess[sess].park_until = due;
                if self.served_wake[l as usize].is_none_or(|t| t > due) {
                    self.served_wake[l as usize] = Some(due);
                    self.at(due, Ev::FlowFetchWake { broker: l });
                }
                true
            }
        }
    }

    /// Flow fidelity: what becomes of a parked fetch (parked until `until`,
    /// its stream's `rate`, `rtt` to its broker) when records of partition
    /// `p` come for it: the stream is continuous if it carried a batch of
    /// `p`'s topic per round trip.
    fn stream_hold(&mut self, until: Nanos, rate: f64, rtt: Nanos, p: u32) -> Hold {
        if until > self.now && until <= self.now + rtt {
            return Hold::Answering;
        }
        let batch = self.topic_batch[self.parts[p as usize].topic as usize];
        match self.stream_wait(rate, rtt, batch) {
            Some(wait) => Hold::Until(self.now + wait),
            None => Hold::Now,
        }
    }

    /// The broker in slot `si` of partition `p` and its fetch session with
    /// leader `l`, unless it is `l` or replicates nothing from it.
    fn follower_session(&self, p: u32, si: usize, l: B) -> Option<(B, usize)> {
        let f = self.parts[p as usize].slot(si);
        if f == l {
            return None;
        }
        let k = self.fetcher_of[p as usize] as usize;
        self.fsess_ix(f as usize, l as usize, k)
            .map(|sess| (f, sess))
    }

    /// Some part of follower session `sess` has records or an HW to send.
    fn hw_to_send(&self, sess: usize) -> bool {
        let l = self.fsess[sess].server;
        self.fsess[sess]
            .ready
            .iter()
            .any(|&ix| self.sendable(sess, l, ix).is_some())
    }

    /// What part `ix` of follower session `sess` has for leader `l` to send:
    /// (records available, the follower's LEO, the leader's HW); `None` when
    /// `l` no longer leads it or it has neither records nor an HW the
    /// follower has not seen (an incremental fetch response, KIP-227,
    /// carries only those).
    #[inline(always)]
    fn sendable(&self, sess: usize, l: B, ix: u32) -> Option<(u64, u64, u64)> {
        let sp = &self.fsess[sess].parts[ix as usize];
        if self.views.leader(l as usize, sp.p as usize) != l {
            return None;
        }
        let (lrep, frep) = (self.pos[sp.lr as usize], self.pos[sp.fr as usize]);
        let avail = lrep.leo.saturating_sub(frep.leo);
        if avail == 0 && lrep.hw.min(frep.leo) <= frep.hw {
            return None;
        }
        Some((avail, frep.leo, lrep.hw))
    }

    fn fetch_respond(&mut self, sess: usize) {
        let (f, l) = (self.fsess[sess].client, self.fsess[sess].server);
        let (ls_site, fs_site) = (self.broker_site[l as usize], self.broker_site[f as usize]);
        let mut fill = self.fetch_fill(
            ls_site,
            fs_site,
            (Some(l), Some(f)),
            self.hot.replica_window,
            self.sc.broker.replica_fetch_max_bytes,
            self.sc.broker.replica_fetch_response_max_bytes,
        );
        let mut resp = std::mem::take(&mut self.fsess[sess].resp);
        resp.clear();
        let mut bytes = 100u64;
        // Parts not in `ready` have no records and no HW to send (`fetch_arrive`).
        // Filled in the session's rotating order (`Fill`).
        // `ready` stays sorted (`fetch_arrive` sorts it again, cheaply), and
        // is read from the start index round to it rather than rotated.
        let mut ready = std::mem::take(&mut self.fsess[sess].ready);
        ready.sort_unstable();
        let (wrapped, from_start) =
            ready.split_at(ready.partition_point(|&ix| ix < self.fsess[sess].rot));
        if self.flow.is_some() {
            // The response is shared out by what every part has to send: the
            // parts with something to send, read once for both passes.
            let mut send = std::mem::take(&mut self.spare_fill);
            send.clear();
            let (mut with_data, mut want) = (0, 0u64);
            for &ix in from_start.iter().chain(wrapped) {
                if let Some((avail, from, hw)) = self.sendable(sess, l, ix) {
                    let rb = self.fsess[sess].parts[ix as usize].rb as u64;
                    with_data += u64::from(avail > 0);
                    want = want.saturating_add(avail * rb);
                    send.push((ix, avail, from, hw));
                }
            }
            fill.share(with_data, want);
            let (mut records, mut batches) = (0u64, 0f64);
            for &(ix, avail, from, hw) in &send {
                let sp = self.fsess[sess].parts[ix as usize];
                let rb = sp.rb as u64;
                let n = fill.take(ix, avail, rb);
                bytes += 50 + n * rb;
                records += n;
                batches += sp.batches(n);
                resp.push((ix, from, n as u32, hw));
            }
            self.spare_fill = send;
            let step = self.flow.map_or(0, |f| f.step);
            let rtt = self.net.rtt(ls_site, fs_site);
            let more =
                self.fsess_stream[sess].carried(self.now, step, (records, batches), 0.0, rtt);
            self.fetches_stood_for(l, self.fsess[sess].parts.len(), more);
        } else {
            for &ix in from_start.iter().chain(wrapped) {
                if let Some((avail, from, hw)) = self.sendable(sess, l, ix) {
                    let rb = self.fsess[sess].parts[ix as usize].rb as u64;
                    let n = fill.take(ix, avail, rb);
                    bytes += 50 + n * rb;
                    resp.push((ix, from, n as u32, hw));
                }
            }
        }
        if resp.iter().any(|x| x.2 > 0) {
            self.fetch_data_responses += 1;
        }
        // Records the page cache no longer holds are read from disk first
        // (the request's service time was the io thread's, `handler`).
        let mut at = self.now;
        for &(ix, from, n, _) in &resp {
            let sp = self.fsess[sess].parts[ix as usize];
            at = at.max(self.read_ready_at(l, sp.lr, from, n as u64 * sp.rb as u64));
        }
        let s = &mut self.fsess[sess];
        s.rot = fill.next_start(s.rot);
        s.ready = ready;
        s.resp = resp;
        s.state = SessState::InFlight;
        let tag = s.tag;
        let window = self.hot.replica_window;
        let (from, to) = (self.broker_site[l as usize], self.broker_site[f as usize]);
        let out = self.write_response(l, sess, bytes).max(at);
        let mut busy = self.fsess[sess].fluid_busy;
        let nics = (Some(l), Some(f));
        let sent = self.send_data(out, from, to, nics, bytes, window, &mut busy);
        self.fsess[sess].fluid_busy = busy;
        match sent {
            Some(t) => self.at(
                t,
                Ev::FetchResponse {
                    sess: sess as u32,
                    tag,
                },
            ),
            None => {
                let t = self.fsess[sess].sent + ms(self.sc.broker.replica_socket_timeout_ms as f64);
                self.at(
                    t.max(self.now),
                    Ev::FetchRetry {
                        sess: sess as u32,
                        tag,
                    },
                );
            }
        }
    }

    /// The follower appends what it received, learns the leader's HW, fetches again.
    pub(super) fn fetch_response(&mut self, sess: usize, tag: u32) {
        let (f, l) = (self.fsess[sess].client, self.fsess[sess].server);
        if self.fsess[sess].tag != tag || !self.broker_alive[f as usize] {
            return;
        }
        let resp = std::mem::take(&mut self.fsess[sess].resp);
        let mut appended = 0u64;
        let mut rolls = 0u32;
        let seg = self.hot.seg_bytes;
        for &(ix, from, n, hw) in &resp {
            let sp = self.fsess[sess].parts[ix as usize];
            if self.views.leader(f as usize, sp.p as usize) != l {
                continue;
            }
            let fpos = &mut self.pos[sp.fr as usize];
            if fpos.leo != from {
                continue;
            }
            let to = from + n as u64;
            if n > 0 {
                appended += n as u64 * sp.rb as u64;
                // One roll per segment boundary crossed (§5a, Stalls).
                let by_size = (to * sp.rb as u64 / seg - from * sp.rb as u64 / seg) as u32;
                rolls += by_size;
                if self.time_rolls.on {
                    rolls += self.time_rolls.on_append(
                        sp.fr as usize,
                        sp.p as usize,
                        self.now,
                        by_size,
                        &mut self.rng,
                    );
                }
                fpos.leo = to;
                let part = &mut self.parts[sp.p as usize];
                let (lrep, frep) = pair_mut(&mut part.rep, sp.ss as usize, sp.fs as usize);
                frep.extend_lineage_from(lrep, from, to);
            }
            let fpos = &mut self.pos[sp.fr as usize];
            let new_hw = hw.min(fpos.leo);
            let hw_moved = new_hw > fpos.hw;
            if hw_moved {
                fpos.hw = new_hw;
            }
            if n > 0 || hw_moved {
                self.replica_changed(sp.p, sp.fs as usize);
            }
            if hw_moved {
                self.wake_consumers(sp.p, f);
            }
        }
        // The follower's fetcher thread appends what it received before it
        // fetches again (`AbstractFetcherThread.processFetchRequest`):
        // `model.fetch_processing_ms` plus the bytes appended (the partition
        // cost of replication is the leader's, `fetch_queue`); at flow
        // fidelity the bytes (a step's worth) are left out.
        let append_bytes = if self.flow.is_some() { 0 } else { appended };
        let append = self.service(f, self.hot.fetch_proc, 0, append_bytes);
        self.heap_read(f, appended);
        self.fsess[sess].resp = resp;
        // A segment roll stalls the fetcher thread's append (it is not an
        // io thread); past the dirty limit the append waits for the disk.
        let stall = if rolls > 0 {
            self.segment_rolled(f, rolls, false)
        } else {
            0
        };
        let wait = stall
            + if appended > 0 {
                self.disks[f as usize].append(self.now, appended)
            } else {
                0
            };
        self.fetch_send(sess, self.now + append as Nanos + wait);
    }

    // ---- consumers ----

    pub(super) fn consumer_start(&mut self, c: usize) {
        for b in 0..self.nb {
            let sess = c * self.nb + b;
            self.csess[sess].dirty = true;
            if self.csess[sess].state == SessState::Idle {
                self.cfetch_send(sess);
            }
        }
    }

    /// Which broker serves partition `p` to consumer `c`. Without follower
    /// fetching, the leader. With it, Kafka's `RackAwareReplicaSelector` as the
    /// leader applies it (KIP-392): the leader if it is in the consumer's rack;
    /// else, among the live replicas in that rack (observers too) that the
    /// leader knows to hold the consumer's position, the one with the highest
    /// log end offset; else the leader.
    fn serving_broker(&self, c: usize, p: u32, view_from: B) -> B {
        let v = self.views[(view_from as usize, p as usize)];
        let cons = &self.consumers[c];
        if !cons.follower_fetching || v.leader == NO_LEADER {
            return v.leader;
        }
        let rack = cons.rack.as_deref().unwrap_or_default();
        let in_rack = |b: B| self.topo.brokers[b as usize].rack == rack;
        if in_rack(v.leader) {
            return v.leader;
        }
        let part = &self.parts[p as usize];
        let Some(ls) = part.slot_of(v.leader) else {
            return v.leader;
        };
        let local = (p - self.topic_parts[part.topic as usize][0]) as usize;
        let pos = cons.pos[local];
        let mut best: Option<(u64, B)> = None;
        for (s, &b) in part.slots.iter().enumerate() {
            if s == ls {
                continue;
            }
            // What the leader knows of slot `s` (0 if it never led).
            let leo = self.tracks[part.link(ls, s)].leo;
            if in_rack(b)
                && self.broker_alive[b as usize]
                && leo >= pos
                && best.is_none_or(|(l, _)| leo > l)
            {
                best = Some((leo, b));
            }
        }
        best.map_or(v.leader, |(_, b)| b)
    }

    fn crebuild(&mut self, sess: usize) {
        let (c, b) = (self.csess[sess].client as usize, self.csess[sess].server);
        let mut parts = std::mem::take(&mut self.csess[sess].parts);
        parts.clear();
        if let Some(vb) = self.bootstrap(self.consumers[c].site, self.consumers[c].cluster) {
            let t = self.consumers[c].topic as usize;
            for i in 0..self.topic_parts[t].len() {
                let p = self.topic_parts[t][i];
                if self.serving_broker(c, p, vb) == b {
                    let part = &self.parts[p as usize];
                    let Some(ss) = part.slot_of(b) else {
                        continue;
                    };
                    parts.push(SessPart {
                        p,
                        local: i as u32,
                        lr: part.r0 + ss as u32,
                        fr: 0,
                        lk: 0,
                        lb: NO_BIT,
                        rb: part.record_bytes,
                        ss: ss as u8,
                        fs: 0,
                        per_batch: (1.0 / self.topic_batch[part.topic as usize]) as f32,
                    });
                }
            }
        }
        parts.shrink_to_fit();
        let t = self.consumers[c].topic as usize;
        let s = &mut self.csess[sess];
        s.at.clear();
        s.at_base = self.topic_parts[t].first().copied().unwrap_or(0);
        if !parts.is_empty() {
            let n = self.topic_parts[t].len();
            s.at.resize(n.div_ceil(64), (0, 0));
        }
        for sp in &parts {
            let i = (sp.p - s.at_base) as usize;
            s.at[i / 64].0 |= 1 << (i % 64);
        }
        let mut rank = 0;
        for e in &mut s.at {
            e.1 = rank;
            rank += e.0.count_ones();
        }
        s.is_ready.clear();
        s.is_ready.resize(parts.len(), true);
        s.ready.clear();
        s.ready.extend(0..parts.len() as u32);
        s.parts = parts;
        s.dirty = false;
    }

    /// Metadata changed: consumers re-pick the replicas they read from.
    pub(super) fn refresh_consumers(&mut self) {
        for c in 0..self.consumers.len() {
            if self.site_up[self.consumers[c].site] {
                self.consumer_start(c);
            }
        }
    }

    fn cfetch_send(&mut self, sess: usize) {
        let c = self.csess[sess].client as usize;
        if !self.site_up[self.consumers[c].site] {
            self.csess[sess].state = SessState::Idle;
            return;
        }
        if self.csess[sess].dirty {
            self.crebuild(sess);
        }
        if self.csess[sess].parts.is_empty() {
            self.csess[sess].state = SessState::Idle;
            return;
        }
        let b = self.csess[sess].server as usize;
        let s = &mut self.csess[sess];
        s.state = SessState::InFlight;
        s.sent = self.now;
        let tag = s.tag;
        let bytes = 100 + 30 * s.parts.len() as u64;
        let (from, to) = (self.consumers[c].site, self.broker_site[b]);
        match self.send_via(self.now, from, to, None, Some(b as B), bytes, u64::MAX) {
            Some(t) => self.at(t, Ev::CFetchArrive { sess: sess as u32 }),
            None => self.at(
                self.now + CONSUMER_BACKOFF,
                Ev::CFetchRetry {
                    sess: sess as u32,
                    tag,
                },
            ),
        }
    }

    pub(super) fn cfetch_retry(&mut self, sess: usize, tag: u32) {
        if self.csess[sess].is(tag, SessState::InFlight) {
            self.cfetch_send(sess);
        }
    }

    /// Records a consumer may read from broker `b`'s replica of `p`: below its HW.
    fn readable(&mut self, c: usize, sp: SessPart) -> u64 {
        let rep = self.pos[sp.lr as usize];
        if self.consumers[c].pos[sp.local as usize] > rep.leo {
            // Offset out of range after a truncation: resume at the HW.
            self.consumers[c].commit_due(self.now);
            self.consumers[c].pos[sp.local as usize] = rep.hw;
        }
        let pos = &self.consumers[c].pos[sp.local as usize];
        // Flink exactly-once targets: read_committed consumers stop at the
        // last stable offset (`cp_set_lso`), below the HW while a transaction
        // is open.
        let lso = self
            .cp
            .lso_cap
            .get(sp.p as usize)
            .copied()
            .unwrap_or(u64::MAX);
        rep.hw.min(lso).saturating_sub(*pos)
    }

    /// A consumer fetch reaches its broker: handled (`cfetch_arrive`) when an
    /// io thread has served it, as a follower fetch (`fetch_queue`).
    pub(super) fn cfetch_queue(&mut self, sess: usize) {
        let b = self.csess[sess].server;
        if self.csess[sess].state != SessState::InFlight || !self.broker_alive[b as usize] {
            return self.cfetch_arrive(sess);
        }
        let n = self.csess[sess].parts.len();
        let service = self.service(b, self.hot.fetch_proc, n, 0);
        if self.flow.is_some() {
            // As a follower's fetch (`fetch_queue`): bulk work, handled at once.
            self.bulk_work(b, service, 100 + 30 * n as u64);
            return self.cfetch_arrive(sess);
        }
        let done = self.handle_request(b, sess + 1, 100 + 30 * n as u64, service);
        let tag = self.csess[sess].tag;
        self.at(
            done,
            Ev::CFetchHandled {
                sess: sess as u32,
                tag,
            },
        );
    }

    pub(super) fn cfetch_handled(&mut self, sess: usize, tag: u32) {
        if self.csess[sess].tag == tag {
            self.cfetch_arrive(sess);
        }
    }

    pub(super) fn cfetch_arrive(&mut self, sess: usize) {
        let (c, b) = (self.csess[sess].client as usize, self.csess[sess].server);
        if self.csess[sess].state != SessState::InFlight {
            return;
        }
        if !self.broker_alive[b as usize] {
            let t = self.csess[sess].sent + CONSUMER_REQUEST_TIMEOUT;
            let tag = self.csess[sess].tag;
            self.at(
                t.max(self.now),
                Ev::CFetchRetry {
                    sess: sess as u32,
                    tag,
                },
            );
            return;
        }
        // Only partitions marked ready can have records to read; drop those that
        // turn out to have none.
        let mut ready = std::mem::take(&mut self.csess[sess].ready);
        ready.retain(|&ix| {
            let sp = self.csess[sess].parts[ix as usize];
            let keep = self.readable(c, sp) > 0;
            if !keep {
                self.csess[sess].is_ready[ix as usize] = false;
            }
            keep
        });
        let any = !ready.is_empty();
        self.csess[sess].ready = ready;
        if any {
            self.cfetch_respond(sess);
        } else {
            let wait = self.long_poll(self.consumers[c].max_wait);
            if let Some(t) = self.csess[sess].park(self.now + wait) {
                self.at(t, Ev::CFetchWake { sess: sess as u32 });
            }
        }
    }

    pub(super) fn cfetch_wake(&mut self, sess: usize) {
        match self.csess[sess].timer_fired(self.now) {
            Ok(true) => self.cfetch_respond(sess),
            Ok(false) => {}
            Err(t) => self.at(t, Ev::CFetchWake { sess: sess as u32 }),
        }
    }

    /// The HW of `p` moved on broker `b`: parked consumer fetches there complete.
    pub(super) fn wake_consumers(&mut self, p: u32, b: B) {
        let t = self.parts[p as usize].topic as usize;
        for i in 0..self.topic_consumers[t].len() {
            let c = self.topic_consumers[t][i] as usize;
            let sess = c * self.nb + b as usize;
            let s = &mut self.csess[sess];
            let Some(ix) = s.index_of(p) else {
                continue;
            };
            if !s.is_ready[ix] {
                s.is_ready[ix] = true;
                s.ready.push(ix as u32);
            }
            if s.state == SessState::Parked {
                if self.flow.is_some() {
                    let site = self.consumers[c].site;
                    let rtt = self.net.rtt(self.broker_site[b as usize], site);
                    let (until, rate) =
                        (self.csess[sess].park_until, self.csess_stream[sess].rate());
                    match self.stream_hold(until, rate, rtt, p) {
                        Hold::Now => {}
                        Hold::Answering => continue,
                        Hold::Until(due) => {
                            let s = &mut self.csess[sess];
                            s.park_until = due;
                            if s.timer_at.is_none_or(|t| t > due) {
                                s.timer_at = Some(due);
                                self.at(due, Ev::CFetchWake { sess: sess as u32 });
                            }
                            continue;
                        }
                    }
                }
                let s = &mut self.csess[sess];
                s.tag += 1;
                self.cfetch_respond(sess);
            }
        }
    }

    fn cfetch_respond(&mut self, sess: usize) {
        let (c, b) = (self.csess[sess].client as usize, self.csess[sess].server);
        let mut resp = std::mem::take(&mut self.csess[sess].resp);
        resp.clear();
        let (bs, cs) = (self.broker_site[b as usize], self.consumers[c].site);
        let (window, part_max, fetch_max) = {
            let k = &self.consumers[c];
            (k.window, k.partition_fetch_max, k.fetch_max)
        };
        let mut fill = self.fetch_fill(bs, cs, (Some(b), None), window, part_max, fetch_max);
        let (mut bytes, mut batches) = (100u64, 0f64);
        // In the session's rotating order (`Fill`); a partition stays ready
        // while the caps leave records behind.
        let mut ready = std::mem::take(&mut self.csess[sess].ready);
        in_fill_order(&mut ready, self.csess[sess].rot);
        if self.flow.is_some() {
            let (mut with_data, mut want) = (0, 0u64);
            for &ix in &ready {
                let sp = self.csess[sess].parts[ix as usize];
                let avail = self.readable(c, sp);
                with_data += u64::from(avail > 0);
                want = want.saturating_add(avail * sp.rb as u64);
            }
            fill.share(with_data, want);
        }
        ready.retain(|&ix| {
            let sp = self.csess[sess].parts[ix as usize];
            let avail = self.readable(c, sp);
            let local = sp.local as usize;
            let rb = sp.rb as u64;
            let n = if avail > 0 {
                fill.take(ix, avail, rb)
            } else {
                0
            };
            if n > 0 {
                bytes += 50 + n * rb;
                batches += sp.batches(n);
                resp.push((ix, self.consumers[c].pos[local], n as u32, 0));
            }
            let more = n < avail;
            if !more {
                self.csess[sess].is_ready[ix as usize] = false;
            }
            more
        });
        self.csess[sess].rot = fill.next_start(self.csess[sess].rot);
        self.csess[sess].ready = ready;
        if let Some(f) = self.flow {
            let records = resp.iter().map(|x| x.2 as u64).sum();
            let rtt = self.net.rtt(bs, cs);
            let advances = self.hw_advances(b, f.step);
            let carried = (records, batches);
            let more = self.csess_stream[sess].carried(self.now, f.step, carried, advances, rtt);
            self.fetches_stood_for(b, self.csess[sess].parts.len(), more);
        }
        // Records the page cache no longer holds are read from disk first
        // (the request's service time was the io thread's, `handler`).
        let mut at = self.now;
        for &(ix, from, n, _) in &resp {
            let sp = self.csess[sess].parts[ix as usize];
            at = at.max(self.read_ready_at(b, sp.lr, from, n as u64 * sp.rb as u64));
        }
        let s = &mut self.csess[sess];
        s.resp = resp;
        s.state = SessState::InFlight;
        let tag = s.tag;
        let (from, to) = (self.broker_site[b as usize], self.consumers[c].site);
        let out = self.write_response(b, sess + 1, bytes).max(at);
        let mut busy = self.csess[sess].fluid_busy;
        let sent = self.send_data(out, from, to, (Some(b), None), bytes, window, &mut busy);
        self.csess[sess].fluid_busy = busy;
        match sent {
            Some(t) => self.at(
                t,
                Ev::CFetchResponse {
                    sess: sess as u32,
                    tag,
                },
            ),
            None => {
                let t = self.csess[sess].sent + CONSUMER_REQUEST_TIMEOUT;
                self.at(
                    t.max(self.now),
                    Ev::CFetchRetry {
                        sess: sess as u32,
                        tag,
                    },
                );
            }
        }
    }

    pub(super) fn cfetch_response(&mut self, sess: usize, tag: u32) {
        let c = self.csess[sess].client as usize;
        if self.csess[sess].tag != tag || !self.site_up[self.consumers[c].site] {
            return;
        }
        let now = self.now;
        self.consumers[c].commit_due(now);
        let resp = std::mem::take(&mut self.csess[sess].resp);
        for &(ix, from, n, _) in &resp {
            let SessPart { p, local, .. } = self.csess[sess].parts[ix as usize];
            let local = local as usize;
            let part = &self.parts[p as usize];
            if self.consumers[c].pos[local] != from {
                continue;
            }
            let to = from + n as u64;
            let cons = &mut self.consumers[c];
            let mut i = part.batches.partition_point(|x| x.end() <= from);
            while let Some(bt) = part.batches.get(i) {
                if bt.start >= to {
                    break;
                }
                if bt.sampled {
                    let overlap = bt.end().min(to) - bt.start.max(from);
                    let lat = now.saturating_sub(bt.created);
                    cons.e2e.record(lat, overlap);
                    record_by_window(
                        &self.fault_window,
                        &mut self.fault_e2e,
                        &mut cons.e2e_steady,
                        now,
                        lat,
                        overlap,
                    );
                }
                i += 1;
            }
            cons.pos[local] = to;
            cons.consumed += n as u64;
        }
        self.csess[sess].resp = resp;
        self.cfetch_send(sess);
    }
}

/// The filling of one fetch response: Kafka's caps, and the partition order.
///
/// Kafka keeps a partition that returned records from starving the others
/// when a response is capped: the replica fetcher moves it to the end of its
/// fetch order (`AbstractFetcherThread.processFetchRequest`,
/// `PartitionStates.updateAndMoveToEnd`), the broker's incremental fetch
/// session does the same with its cached partitions (KIP-227,
/// `IncrementalFetchContext.updateAndGenerateResponseData`), and so does the
/// consumer (`SubscriptionState.movePartitionToEnd` once a fetched partition
/// is drained). A session keeps the equivalent as one rotating start index:
/// after a response that left records behind, the next starts after the last
/// partition that returned some (`next_start`).
///
/// At flow fidelity a response stands for the step's fetches, which rotate
/// in turn over the partitions with data: when they want more than the
/// budget, each gets an equal share of what is left (`share`).
pub(super) struct Fill {
    max_part: u64,
    budget: u64,
    /// Partitions with data still to fill when the budget is shared equally.
    fair_left: Option<u64>,
    /// Index of the last partition that returned records, and whether some
    /// partition was left with records.
    last: Option<u32>,
    capped: bool,
}

impl Fill {
    pub(super) fn new(max_part: u64, budget: u64) -> Self {
        Fill {
            max_part,
            budget,
            fair_left: None,
            last: None,
            capped: false,
        }
    }

    /// `with_data` partitions want `want` bytes in all: if that is over the
    /// budget, each gets an equal share of what the previous ones left.
    pub(super) fn share(&mut self, with_data: u64, want: u64) {
        if want > self.budget {
            self.fair_left = Some(with_data);
        }
    }

    /// Records of `rb` bytes to take, of the `avail` of partition `ix`.
    pub(super) fn take(&mut self, ix: u32, avail: u64, rb: u64) -> u64 {
        let mut room = self.max_part.min(self.budget);
        if let Some(left) = self.fair_left.as_mut()
            && avail > 0
        {
            room = room.min(self.budget / (*left).max(1));
            *left = left.saturating_sub(1);
        }
        let n = records_within(avail, rb, room, self.budget > 0);
        self.budget = self.budget.saturating_sub(n * rb);
        if n > 0 {
            self.last = Some(ix);
        }
        self.capped |= n < avail;
        n
    }

    /// Where the session's next response starts: after the last partition
    /// that returned records if this one left records behind, else where
    /// this one started.
    pub(super) fn next_start(&self, start: u32) -> u32 {
        match self.last {
            Some(ix) if self.capped => ix + 1,
            _ => start,
        }
    }
}

/// A session's ready partition indices in the order a response fills them:
/// ascending from `start` (the session's rotating start, `Fill::next_start`),
/// then wrapping round to the lower ones.
fn in_fill_order(ready: &mut [u32], start: u32) {
    ready.sort_unstable();
    let first = ready.partition_point(|&ix| ix < start);
    ready.rotate_left(first);
}

/// Of `avail` records of `rb` bytes, how many fit in `room` bytes, at least
/// one if `one` (a fetch returns at least one batch while it has budget):
/// `avail.min((room / rb).max(one))`, without the division when all fit.
fn records_within(avail: u64, rb: u64, room: u64, one: bool) -> u64 {
    if avail.saturating_mul(rb) <= room {
        avail
    } else {
        avail.min((room / rb).max(u64::from(one)))
    }
}

/// Two distinct elements of a slice, one shared and one mutable.
fn pair_mut<T>(v: &mut [T], a: usize, b: usize) -> (&T, &mut T) {
    assert_ne!(a, b);
    if a < b {
        let (x, y) = v.split_at_mut(b);
        (&x[a], &mut y[0])
    } else {
        let (x, y) = v.split_at_mut(a);
        (&y[0], &mut x[b])
    }
}

impl ConsumerState {
    /// The consumer's auto-commits up to `t`: the positions change only here
    /// and where this is called first, so the positions now are those of
    /// every commit tick since the last change (`ConsumerCoordinator`'s
    /// auto-commit on `poll`, without its request: the commit is durable at
    /// its tick).
    pub(super) fn commit_due(&mut self, t: Nanos) {
        if t < self.next_commit {
            return;
        }
        let v = self.committed.get_or_insert_with(Vec::new);
        v.clear();
        v.extend_from_slice(&self.pos);
        let ticks = (t - self.next_commit) / self.auto_commit + 1;
        self.next_commit += ticks * self.auto_commit;
    }
}

/// Flow fidelity: what a session's responses carried in the current step
/// (since `start`, at least a step long), for two readings.
///
/// - `rate`: records per ns over the last span of at least a step, whether
///   its stream is continuous (`World::stream_wait`).
/// - The fetches the step's responses stand for at request fidelity. A
///   session keeps one fetch in flight, and a fetch returns as soon as a batch
///   is there (`fetch.min.bytes` 1): each cycle is a round trip plus the wait
///   at the leader for the next batch, half the gap between batches when they
///   come evenly (producers send once per `linger.ms`). Over a step of
///   `batches` batches that is step ÷ (RTT + step ÷ 2·batches) fetches: one
///   per round trip under a dense stream, at most one per batch under a
///   sparse one. A consumer's (or a copier's) parked fetch is completed by any
///   HW advance of its partitions, not only by an append: its step holds at
///   least as many of those as `World::hw_advances` counts. Each response's
///   own fetch was handled (`fetch_queue`); `carried` returns how many more
///   the step's batches (or HW advances) call for so far.
#[derive(Clone, Copy, Default)]
pub(super) struct StreamStep {
    start: Nanos,
    records: u64,
    rate: f64,
    batches: f64,
    fetches: f64,
}

impl StreamStep {
    /// Records per ns over the last span of at least a step.
    pub(super) fn rate(&self) -> f64 {
        self.rate
    }

    /// The fetches counted in the step under way at `now`.
    pub(super) fn this_step(&self, now: Nanos, step: Nanos) -> f64 {
        if now < self.start + step {
            self.fetches
        } else {
            0.0
        }
    }

    /// A response now carried `records` records in `batches` producer
    /// batches, `rtt` from its session's client, its broker's HW having moved
    /// `advances` times this step (0 for a follower): the fetches to add to
    /// the ones counted this step. The records count toward the span that
    /// ends now, the batches and the fetch toward the step that starts.
    pub(super) fn carried(
        &mut self,
        now: Nanos,
        step: Nanos,
        (records, batches): (u64, f64),
        advances: f64,
        rtt: Nanos,
    ) -> f64 {
        self.records += records;
        if now >= self.start + step {
            let rate = self.records as f64 / (now - self.start).max(1) as f64;
            *self = StreamStep {
                start: now,
                rate,
                ..StreamStep::default()
            };
        }
        self.batches += batches;
        self.fetches += 1.0;
        let events = self.batches.max(advances);
        if events <= 0.0 {
            return 0.0;
        }
        let step = step as f64;
        let cycle = rtt as f64 + step / (2.0 * events);
        let more = (events.min(step / cycle) - self.fetches).floor();
        if more < 1.0 {
            return 0.0;
        }
        self.fetches += more;
        more
    }
}

/// Flow fidelity: a parked fetch that records came for (`World::stream_hold`).
enum Hold {
    /// Answer it now.
    Now,
    /// It already answers within a round trip: the records go with that.
    Answering,
    /// Leave it parked until this moment, its stream's next fetch.
    Until(Nanos),
}
