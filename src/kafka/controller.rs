//! The KRaft quorum (voters, fetch timeouts, elections), the active controller
//! (heartbeats, fencing, leader election, AlterPartition, preferred leaders) and
//! metadata: every change waits `controller.quorum.append.linger.ms`, then a
//! majority of voters, then reaches each broker over the network.

use super::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    Follower,
    Candidate,
    Leader,
}

#[derive(Clone)]
pub(super) struct Voter {
    pub site: usize,
    /// Index of the cluster whose quorum this voter belongs to.
    pub cluster: u8,
    pub alive: bool,
    pub role: Role,
    pub epoch: u32,
    pub voted_epoch: u32,
    pub leader: Option<u8>,
    pub last_contact: Nanos,
    pub votes: u32,
    /// KIP-996: a candidate still asking for pre-votes (Kafka's `ProspectiveState`).
    pub prospective: bool,
    pub tag: u32,
    /// As leader: when each voter last fetched.
    pub last_fetch_from: Vec<Nanos>,
}

#[derive(Clone)]
pub(super) struct MetaBatch {
    epoch: u32,
    leader: u8,
    parts: Vec<(u32, PState)>,
    fences: Vec<(B, bool)>,
    acks: u64,
}

#[derive(Clone)]
pub(super) struct Alter {
    part: u32,
    broker: B,
    isr: u32,
    leader_epoch: u32,
    part_epoch: u32,
}

/// The metadata log and pending changes of one cluster's quorum.
#[derive(Clone)]
pub(super) struct ClusterCtl {
    /// This cluster's voters (indices into `Controller::voters`).
    pub voters: Vec<u8>,
    /// This cluster's brokers.
    pub brokers: Vec<B>,
    batches: Vec<MetaBatch>,
    /// Index of the first batch not yet committed (batches commit in order).
    next_commit: usize,
    pending_parts: Vec<u32>,
    pending_fences: Vec<(B, bool)>,
    flush_scheduled: bool,
    next_rebalance: Nanos,
}

/// Every cluster's KRaft quorum and active controller. Voters, partition states
/// and fencing are held in global vectors (a partition or broker belongs to one
/// cluster, and only that cluster's controller touches it); the metadata log is
/// per cluster (`cl`).
#[derive(Clone)]
pub(super) struct Controller {
    pub voters: Vec<Voter>,
    pub committed: Vec<PState>,
    working: Vec<PState>,
    pub fenced_committed: Vec<bool>,
    fenced_working: Vec<bool>,
    last_hb: Vec<Nanos>,
    /// KIP-966 Eligible Leader Replicas of each partition (slot mask), kept with
    /// the working state while `elr_enabled` (`model.kafka_version` ≥ 4.1).
    elr: Vec<u32>,
    elr_enabled: bool,
    /// Brokers restarted after a crash whose first heartbeat has not yet
    /// reached an active controller (an unclean shutdown, for KIP-966).
    unclean_restart: Vec<bool>,
    pub cl: Vec<ClusterCtl>,
    alters: Vec<Alter>,
    tick: Nanos,
}

pub(super) const FULL_SNAPSHOT: u32 = u32::MAX;

impl Controller {
    /// `voters`: (site, cluster) of each voter; `broker_cluster`: cluster of each
    /// broker; `n_clusters` quorums. The first voter of each cluster leads epoch 1.
    pub fn new(
        voters: &[(usize, u8)],
        broker_cluster: &[u8],
        n_clusters: usize,
        sc: &Scenario,
        init: Vec<PState>,
    ) -> Controller {
        let n = voters.len();
        let cl: Vec<ClusterCtl> = (0..n_clusters)
            .map(|c| ClusterCtl {
                voters: (0..n)
                    .filter(|&v| voters[v].1 as usize == c)
                    .map(|v| v as u8)
                    .collect(),
                brokers: (0..broker_cluster.len())
                    .filter(|&b| broker_cluster[b] as usize == c)
                    .map(|b| b as B)
                    .collect(),
                batches: Vec::new(),
                next_commit: 0,
                pending_parts: Vec::new(),
                pending_fences: Vec::new(),
                flush_scheduled: false,
                next_rebalance: secs(sc.broker.leader_imbalance_check_interval_seconds as f64),
            })
            .collect();
        let voters = voters
            .iter()
            .map(|&(site, c)| Voter {
                site,
                cluster: c,
                alive: true,
                role: Role::Follower,
                epoch: 1,
                voted_epoch: 1,
                leader: cl[c as usize].voters.first().copied(),
                last_contact: 0,
                votes: 0,
                prospective: false,
                tag: 0,
                last_fetch_from: vec![0; n],
            })
            .collect();
        let nb = broker_cluster.len();
        Controller {
            voters,
            elr: vec![0; init.len()],
            elr_enabled: sc.model.kafka_version.eligible_leader_replicas(),
            unclean_restart: vec![false; nb],
            working: init.clone(),
            committed: init,
            fenced_committed: vec![false; nb],
            fenced_working: vec![false; nb],
            last_hb: vec![0; nb],
            cl,
            alters: Vec::new(),
            tick: 250 * NS_PER_MS,
        }
    }

    pub fn majority(&self, c: usize) -> u32 {
        self.cl[c].voters.len() as u32 / 2 + 1
    }

    /// Cluster `c`'s active controller: a live voter in the leader role (highest epoch).
    pub fn active(&self, c: usize) -> Option<u8> {
        self.cl[c]
            .voters
            .iter()
            .map(|&v| v as usize)
            .filter(|&v| self.voters[v].alive && self.voters[v].role == Role::Leader)
            .max_by_key(|&v| self.voters[v].epoch)
            .map(|v| v as u8)
    }

    /// Does every cluster have an active controller?
    pub fn all_active(&self) -> bool {
        (0..self.cl.len()).all(|c| self.active(c).is_some())
    }

    fn peers(&self, v: u8) -> Vec<u8> {
        self.cl[self.voters[v as usize].cluster as usize]
            .voters
            .clone()
    }
}

impl World<'_> {
    pub(super) fn start_quorum(&mut self) {
        if self.ctl.voters.is_empty() {
            self.no_quorum_since = Some(0);
            return;
        }
        // Each cluster's first voter starts as leader of epoch 1.
        for c in 0..self.ctl.cl.len() {
            if let Some(&v) = self.ctl.cl[c].voters.first() {
                self.ctl.voters[v as usize].role = Role::Leader;
            }
        }
        for v in 0..self.ctl.voters.len() {
            let phase = self.rng.below(self.ctl.tick);
            self.at(phase, Ev::VoterTick { voter: v as u8 });
        }
        for c in 0..self.ctl.cl.len() {
            self.at(self.ctl.tick, Ev::ControllerTick { cl: c as u8 });
        }
    }

    fn voter_send(&mut self, from: u8, to: u8, ev: Ev) {
        let (a, b) = (
            self.ctl.voters[from as usize].site,
            self.ctl.voters[to as usize].site,
        );
        if let Some(t) = self.send(a, b, 200, u64::MAX) {
            self.at(t, ev);
        }
    }

    fn note_quorum(&mut self) {
        let has = self.ctl.all_active();
        match (has, self.no_quorum_since) {
            (true, Some(since)) => {
                self.stats.no_quorum_s += to_s(self.now - since);
                self.no_quorum_since = None;
            }
            (false, None) => self.no_quorum_since = Some(self.now),
            _ => {}
        }
    }

    pub(super) fn set_voter_alive(&mut self, v: u8, alive: bool) {
        let now = self.now;
        let voter = &mut self.ctl.voters[v as usize];
        voter.alive = alive;
        voter.tag += 1;
        if alive {
            voter.role = Role::Follower;
            voter.leader = None;
            voter.last_contact = now;
            self.at(now, Ev::VoterTick { voter: v });
        }
        self.note_quorum();
    }

    pub(super) fn voter_tick(&mut self, v: u8) {
        let vi = v as usize;
        if !self.ctl.voters[vi].alive {
            return;
        }
        let now = self.now;
        let tick = self.ctl.tick;
        self.at(now + tick, Ev::VoterTick { voter: v });
        let fetch_timeout = ms(self.sc.controller.fetch_timeout_ms as f64);
        let c = self.ctl.voters[vi].cluster as usize;
        let maj = self.ctl.majority(c);
        match self.ctl.voters[vi].role {
            Role::Leader => {
                // Check quorum: resign without fetches from a majority within the fetch timeout.
                let voter = &self.ctl.voters[vi];
                let fresh = self.ctl.cl[c]
                    .voters
                    .iter()
                    .map(|&u| u as usize)
                    .filter(|&u| {
                        u == vi || now.saturating_sub(voter.last_fetch_from[u]) <= fetch_timeout
                    })
                    .count() as u32;
                if fresh < maj {
                    let voter = &mut self.ctl.voters[vi];
                    voter.role = Role::Follower;
                    voter.leader = None;
                    voter.last_contact = now;
                    self.note_quorum();
                }
            }
            Role::Follower | Role::Candidate if self.ctl.voters[vi].leader.is_none() => {
                // A voter without a leader (restarted, or after a resignation) learns
                // of a reachable active leader as KRaft's BeginQuorumEpoch/Fetch do.
                if let Some(a) = self.ctl.active(c)
                    && a != v
                    && self.ctl.voters[a as usize].epoch >= self.ctl.voters[vi].epoch
                    && self
                        .net
                        .reachable(self.ctl.voters[vi].site, self.ctl.voters[a as usize].site)
                {
                    let epoch = self.ctl.voters[a as usize].epoch;
                    let voter = &mut self.ctl.voters[vi];
                    voter.role = Role::Follower;
                    voter.tag += 1;
                    voter.epoch = epoch;
                    voter.leader = Some(a);
                    voter.last_contact = now;
                } else if self.ctl.voters[vi].role == Role::Follower
                    && now.saturating_sub(self.ctl.voters[vi].last_contact) > fetch_timeout
                {
                    self.become_candidate_later(v);
                }
            }
            Role::Follower => {
                let voter = &self.ctl.voters[vi];
                if let Some(l) = voter.leader {
                    let epoch = voter.epoch;
                    self.voter_send(
                        v,
                        l,
                        Ev::QuorumFetchArrive {
                            from: v,
                            to: l,
                            epoch,
                        },
                    );
                }
                if now.saturating_sub(self.ctl.voters[vi].last_contact) > fetch_timeout {
                    self.become_candidate_later(v);
                }
            }
            Role::Candidate => {}
        }
    }

    /// Wait a random part of `controller.quorum.election.timeout.ms`, then stand.
    fn become_candidate_later(&mut self, v: u8) {
        let et = ms(self.sc.controller.election_timeout_ms as f64);
        let voter = &mut self.ctl.voters[v as usize];
        voter.role = Role::Candidate;
        voter.leader = None;
        voter.tag += 1;
        let tag = voter.tag;
        let delay = self.rng.below(et.max(1));
        self.at(self.now + delay, Ev::CandidateStart { voter: v, tag });
    }

    pub(super) fn candidate_start(&mut self, v: u8, tag: u32) {
        let vi = v as usize;
        let voter = &self.ctl.voters[vi];
        if !voter.alive || voter.tag != tag || voter.role != Role::Candidate {
            return;
        }
        if !self.sc.model.kafka_version.pre_vote() {
            self.stand(v);
            return;
        }
        // KIP-996 (Kafka ≥ 4.0): first a pre-vote for the next epoch, without
        // bumping its own (`ProspectiveState`); only a majority of pre-votes
        // starts the election.
        let voter = &mut self.ctl.voters[vi];
        voter.prospective = true;
        voter.votes = 1;
        voter.tag += 1;
        let (epoch, tag) = (voter.epoch + 1, voter.tag);
        self.ask_votes(v, epoch, true);
        let et = ms(self.sc.controller.election_timeout_ms as f64);
        let delay = et + self.rng.below(et.max(1));
        self.at(self.now + delay, Ev::CandidateStart { voter: v, tag });
        self.check_pre_won(v);
    }

    /// Voter `v` asks every other voter of its quorum for a vote (a pre-vote
    /// when `pre`) at `epoch`.
    fn ask_votes(&mut self, v: u8, epoch: u32, pre: bool) {
        for u in self.ctl.peers(v) {
            if u != v {
                self.voter_send(
                    v,
                    u,
                    Ev::VoteArrive {
                        from: v,
                        to: u,
                        epoch,
                        pre,
                    },
                );
            }
        }
    }

    /// A prospective voter with a majority of pre-votes stands for election.
    fn check_pre_won(&mut self, v: u8) {
        let voter = &self.ctl.voters[v as usize];
        let maj = self.ctl.majority(voter.cluster as usize);
        if voter.role == Role::Candidate && voter.prospective && voter.votes >= maj {
            self.stand(v);
        }
    }

    /// Bump the epoch, vote for itself and ask the others.
    fn stand(&mut self, v: u8) {
        let vi = v as usize;
        let voter = &mut self.ctl.voters[vi];
        voter.prospective = false;
        voter.epoch += 1;
        voter.voted_epoch = voter.epoch;
        voter.votes = 1;
        voter.tag += 1;
        let (epoch, tag) = (voter.epoch, voter.tag);
        self.ask_votes(v, epoch, false);
        self.check_won(v);
        // No majority within the election timeout: stand again.
        let et = ms(self.sc.controller.election_timeout_ms as f64);
        let delay = et + self.rng.below(et.max(1));
        self.at(self.now + delay, Ev::CandidateStart { voter: v, tag });
    }

    pub(super) fn vote_arrive(&mut self, from: u8, to: u8, epoch: u32, pre: bool) {
        let fetch_timeout = ms(self.sc.controller.fetch_timeout_ms as f64);
        let now = self.now;
        let pre_vote = self.sc.model.kafka_version.pre_vote();
        let voter = &mut self.ctl.voters[to as usize];
        if !voter.alive {
            return;
        }
        let has_leader = match voter.role {
            Role::Leader => true,
            Role::Follower => {
                voter.leader.is_some() && now.saturating_sub(voter.last_contact) <= fetch_timeout
            }
            Role::Candidate => false,
        };
        let granted = if pre {
            // KIP-996: a pre-vote is granted by a voter that has not heard from
            // a leader within the fetch timeout; it changes nothing.
            epoch > voter.epoch && !has_leader
        } else if pre_vote {
            // Kafka ≥ 4.0: a voter that still hears from a leader rejects the
            // vote too, so a voter cut off alone cannot depose a healthy leader.
            let granted = epoch > voter.voted_epoch && !has_leader;
            if granted {
                voter.voted_epoch = epoch;
                voter.epoch = voter.epoch.max(epoch);
                if voter.role == Role::Candidate {
                    voter.role = Role::Follower;
                    voter.prospective = false;
                    voter.tag += 1;
                }
                voter.last_contact = now;
            }
            granted
        } else {
            // Kafka < 4.0 (no pre-vote): a vote request of a higher epoch moves
            // every voter to that epoch, a leader included, which resigns
            // (`KafkaRaftClient.handleVoteRequest` → unattached); the vote is
            // granted if the voter has not voted in that epoch.
            let mut resigned = false;
            if epoch > voter.epoch {
                resigned = voter.role == Role::Leader;
                if voter.role != Role::Follower {
                    voter.role = Role::Follower;
                    voter.tag += 1;
                }
                voter.epoch = epoch;
                voter.leader = None;
                voter.last_contact = now;
            }
            let granted = epoch == voter.epoch && epoch > voter.voted_epoch;
            if granted {
                voter.voted_epoch = epoch;
                voter.last_contact = now;
            }
            if resigned {
                self.note_quorum();
            }
            granted
        };
        self.voter_send(
            to,
            from,
            Ev::VoteResp {
                to: from,
                epoch,
                granted,
                pre,
            },
        );
    }

    pub(super) fn vote_resp(&mut self, to: u8, epoch: u32, granted: bool, pre: bool) {
        let voter = &mut self.ctl.voters[to as usize];
        if !voter.alive || voter.role != Role::Candidate || !granted {
            return;
        }
        if pre {
            if voter.prospective && voter.epoch + 1 == epoch {
                voter.votes += 1;
                self.check_pre_won(to);
            }
            return;
        }
        if voter.prospective || voter.epoch != epoch {
            return;
        }
        voter.votes += 1;
        self.check_won(to);
    }

    fn check_won(&mut self, v: u8) {
        let cl = self.ctl.voters[v as usize].cluster as usize;
        let maj = self.ctl.majority(cl);
        let now = self.now;
        let voter = &mut self.ctl.voters[v as usize];
        if voter.role != Role::Candidate || voter.votes < maj {
            return;
        }
        voter.role = Role::Leader;
        voter.leader = Some(v);
        voter.tag += 1;
        for t in voter.last_fetch_from.iter_mut() {
            *t = now;
        }
        let epoch = voter.epoch;
        self.stats.controller_elections += 1;
        // A new active controller: uncommitted changes are gone; brokers get fresh sessions.
        let c = &mut self.ctl;
        for p in 0..c.working.len() {
            if self.part_cluster[p] as usize == cl {
                c.working[p] = c.committed[p];
                // The ELR is not rolled back (a simplification): members back
                // in the committed ISR leave it.
                c.elr[p] &= !c.committed[p].isr;
            }
        }
        for &b in &c.cl[cl].brokers {
            c.fenced_working[b as usize] = c.fenced_committed[b as usize];
            c.last_hb[b as usize] = now;
        }
        let q = &mut c.cl[cl];
        q.batches.truncate(q.next_commit);
        q.pending_parts.clear();
        q.pending_fences.clear();
        q.flush_scheduled = false;
        for u in self.ctl.peers(v).into_iter().map(|u| u as usize) {
            if u != v as usize {
                self.voter_send(
                    v,
                    u as u8,
                    Ev::QuorumFetchResp {
                        to: u as u8,
                        leader: v,
                        epoch,
                    },
                );
            }
        }
        self.note_quorum();
    }

    pub(super) fn quorum_fetch_arrive(&mut self, from: u8, to: u8, epoch: u32) {
        let now = self.now;
        let l = &mut self.ctl.voters[to as usize];
        if !l.alive || l.role != Role::Leader || epoch > l.epoch {
            return;
        }
        l.last_fetch_from[from as usize] = now;
        let e = l.epoch;
        self.voter_send(
            to,
            from,
            Ev::QuorumFetchResp {
                to: from,
                leader: to,
                epoch: e,
            },
        );
    }

    pub(super) fn quorum_fetch_resp(&mut self, to: u8, leader: u8, epoch: u32) {
        let now = self.now;
        let v = &mut self.ctl.voters[to as usize];
        if !v.alive || epoch < v.epoch || (v.role == Role::Leader && epoch == v.epoch) {
            return;
        }
        if v.role == Role::Leader {
            // A leader of an older epoch steps down.
            v.role = Role::Follower;
        }
        if v.role == Role::Candidate {
            v.role = Role::Follower;
            v.tag += 1;
        }
        v.epoch = epoch;
        v.voted_epoch = v.voted_epoch.max(epoch);
        v.leader = Some(leader);
        v.last_contact = now;
        self.note_quorum();
    }

    // ---- the active controller ----

    pub(super) fn heartbeat(&mut self, b: B) {
        if !self.broker_alive[b as usize] {
            return;
        }
        let hb = ms(self.sc.broker.broker_heartbeat_interval_ms as f64);
        self.at(self.now + hb, Ev::Heartbeat { broker: b });
        if let Some(v) = self.ctl.active(self.broker_cluster[b as usize] as usize) {
            let (from, to) = (
                self.broker_site[b as usize],
                self.ctl.voters[v as usize].site,
            );
            if let Some(t) = self.send(from, to, 200, u64::MAX) {
                self.at(
                    t,
                    Ev::HeartbeatArrive {
                        broker: b,
                        voter: v,
                    },
                );
            }
        }
    }

    pub(super) fn heartbeat_arrive(&mut self, b: B, v: u8) {
        let cl = self.broker_cluster[b as usize] as usize;
        if self.ctl.active(cl) != Some(v) || !self.broker_alive[b as usize] {
            return;
        }
        self.ctl.last_hb[b as usize] = self.now;
        if std::mem::take(&mut self.ctl.unclean_restart[b as usize]) {
            // KIP-966: a broker back from an unclean shutdown may have lost
            // unflushed records, so it leaves every ELR
            // (`ReplicationControlManager.handleBrokerUncleanShutdown`).
            for &(p, slot) in &self.hosted[b as usize] {
                self.ctl.elr[p as usize] &= !(1u32 << slot);
            }
        }
        if self.ctl.fenced_working[b as usize] {
            self.unfence(b);
        }
        // A broker behind on metadata (restarted, or cut off) catches up. A restarted
        // broker knows nothing, even when its cluster never committed a change.
        let bi = b as usize;
        let knows_nothing = self.hosted[bi]
            .first()
            .is_some_and(|&(p, _)| self.views[(bi, p as usize)] == PState::UNKNOWN);
        if (self.views.applied(bi) as usize) < self.ctl.cl[cl].next_commit || knows_nothing {
            let (from, to) = (
                self.ctl.voters[v as usize].site,
                self.broker_site[b as usize],
            );
            if let Some(t) = self.send(from, to, 1000, u64::MAX) {
                self.at(
                    t,
                    Ev::MetaDeliver {
                        broker: b,
                        batch: FULL_SNAPSHOT,
                    },
                );
            }
        }
    }

    pub(super) fn controller_tick(&mut self, cl: u8) {
        let now = self.now;
        let c = cl as usize;
        self.at(now + self.ctl.tick, Ev::ControllerTick { cl });
        if self.ctl.active(c).is_none() {
            return;
        }
        let session = ms(self.sc.broker.broker_session_timeout_ms as f64);
        for i in 0..self.ctl.cl[c].brokers.len() {
            let b = self.ctl.cl[c].brokers[i] as usize;
            if !self.ctl.fenced_working[b] && now.saturating_sub(self.ctl.last_hb[b]) > session {
                self.fence(b as B);
            }
        }
        if self.sc.broker.auto_leader_rebalance_enable && now >= self.ctl.cl[c].next_rebalance {
            self.ctl.cl[c].next_rebalance =
                now + secs(self.sc.broker.leader_imbalance_check_interval_seconds as f64);
            self.rebalance_leaders(c);
        }
    }

    fn change(&mut self, p: u32, new: PState) {
        let old = self.ctl.working[p as usize];
        if old == new {
            return;
        }
        self.ctl.working[p as usize] = new;
        let cl = self.part_cluster[p as usize] as usize;
        self.ctl.cl[cl].pending_parts.push(p);
        self.schedule_flush(cl);
    }

    fn schedule_flush(&mut self, cl: usize) {
        if !self.ctl.cl[cl].flush_scheduled
            && let Some(v) = self.ctl.active(cl)
        {
            self.ctl.cl[cl].flush_scheduled = true;
            let linger = ms(self.sc.controller.append_linger_ms as f64);
            let epoch = self.ctl.voters[v as usize].epoch;
            self.at(
                self.now + linger,
                Ev::MetaFlush {
                    cl: cl as u8,
                    epoch,
                },
            );
        }
    }

    /// A broker restarted after a crash: its first heartbeat to reach an active
    /// controller counts as an unclean shutdown's registration (KIP-966).
    pub(super) fn broker_restarted(&mut self, b: B) {
        self.ctl.unclean_restart[b as usize] = true;
    }

    /// KIP-966 `PartitionChangeBuilder.maybePopulateTargetElr`: while the ISR is
    /// below the minimum, replicas leaving it stay eligible (the HW has not moved
    /// since it fell below, so they hold every committed record); an ISR at the
    /// minimum clears the ELR.
    fn populate_elr(&mut self, p: u32, old_isr: u32, new_isr: u32) {
        if !self.ctl.elr_enabled {
            return;
        }
        let pi = p as usize;
        if new_isr.count_ones() >= self.parts[pi].effective_min_isr() {
            self.ctl.elr[pi] = 0;
        } else {
            self.ctl.elr[pi] = (self.ctl.elr[pi] | old_isr) & !new_isr;
        }
    }

    /// `PartitionChangeBuilder.electAnyLeader`: the first unfenced in-sync replica
    /// in replica order (a promoted observer in the ISR counts, as in Confluent
    /// Server); else, with ELR and an empty ISR, the first unfenced eligible
    /// replica, which becomes the ISR alone (a clean election); else, when the
    /// topic's `observerPromotionPolicy` is `under-min-isr` or
    /// `under-replicated`, the first unfenced observer, promoted into an ISR of
    /// its own (Confluent's automatic observer promotion after the loss of every
    /// synchronous replica; what it lacked of the acknowledged log is lost,
    /// §12); else (unclean election, which clears the ELR) any unfenced replica,
    /// observers last; else none.
    fn elect(&mut self, p: u32, isr: u32) -> (B, u32) {
        let part = &self.parts[p as usize];
        let n = part.slots.len();
        let unfenced = |s: usize| !self.ctl.fenced_working[part.slot(s) as usize];
        if let Some(s) = (0..n).find(|&s| isr & (1 << s) != 0 && unfenced(s)) {
            return (part.slot(s), isr);
        }
        let elr = self.ctl.elr[p as usize];
        if self.ctl.elr_enabled
            && isr == 0
            && let Some(s) = (0..n).find(|&s| elr & (1 << s) != 0 && unfenced(s))
        {
            let b = part.slot(s);
            self.ctl.elr[p as usize] &= !(1 << s);
            self.stats.elr_elections += 1;
            return (b, 1 << s);
        }
        let first_observer = part.n_replicas as usize;
        if matches!(
            self.promotion_policy(p),
            Some(ObserverPromotionPolicy::UnderMinIsr | ObserverPromotionPolicy::UnderReplicated)
        ) && let Some(s) = (first_observer..n).find(|&s| unfenced(s))
        {
            self.ctl.elr[p as usize] = 0;
            return (part.slot(s), 1 << s);
        }
        if self.sc.broker.unclean_leader_election_enable
            && let Some(s) = (0..n).find(|&s| unfenced(s))
        {
            self.ctl.elr[p as usize] = 0;
            return (part.slot(s), 1 << s);
        }
        (NO_LEADER, isr)
    }

    fn fence(&mut self, b: B) {
        let cl = self.broker_cluster[b as usize] as usize;
        self.ctl.fenced_working[b as usize] = true;
        self.ctl.cl[cl].pending_fences.push((b, true));
        for hi in 0..self.hosted[b as usize].len() {
            let (p, slot) = self.hosted[b as usize][hi];
            let mut st = self.ctl.working[p as usize];
            let bit = 1u32 << slot;
            // Removed from the ISR unless it is the last member; with ELR the
            // ISR may become empty, the member staying eligible.
            let old_isr = st.isr;
            if st.isr & bit != 0 && (st.isr != bit || self.ctl.elr_enabled) {
                st.isr &= !bit;
            }
            self.populate_elr(p, old_isr, st.isr);
            if st.leader == b {
                let (l, isr) = self.elect(p, st.isr);
                st.leader = l;
                st.isr = isr;
                st.leader_epoch += 1;
            }
            if st != self.ctl.working[p as usize] {
                st.part_epoch += 1;
                self.change(p, st);
            }
        }
        self.schedule_flush(cl);
    }

    fn unfence(&mut self, b: B) {
        let cl = self.broker_cluster[b as usize] as usize;
        self.ctl.fenced_working[b as usize] = false;
        self.ctl.cl[cl].pending_fences.push((b, false));
        for hi in 0..self.hosted[b as usize].len() {
            let (p, _) = self.hosted[b as usize][hi];
            let st = self.ctl.working[p as usize];
            if st.leader == NO_LEADER {
                let (l, isr) = self.elect(p, st.isr);
                if l != NO_LEADER {
                    self.change(
                        p,
                        PState {
                            leader: l,
                            isr,
                            leader_epoch: st.leader_epoch + 1,
                            part_epoch: st.part_epoch + 1,
                        },
                    );
                }
            }
        }
        self.schedule_flush(cl);
    }

    /// `auto.leader.rebalance.enable`: move leadership back to preferred replicas of
    /// brokers whose imbalance exceeds `leader.imbalance.per.broker.percentage`.
    fn rebalance_leaders(&mut self, cl: usize) {
        let pct = self.sc.broker.leader_imbalance_per_broker_percentage as f64 / 100.0;
        for i in 0..self.ctl.cl[cl].brokers.len() {
            let b = self.ctl.cl[cl].brokers[i] as usize;
            if self.ctl.fenced_working[b] {
                continue;
            }
            let preferred: Vec<u32> = self.hosted[b]
                .iter()
                .filter(|&&(_, s)| s == 0)
                .map(|&(p, _)| p)
                .collect();
            if preferred.is_empty() {
                continue;
            }
            let not_led = preferred
                .iter()
                .filter(|&&p| self.ctl.working[p as usize].leader != b as B)
                .count();
            if (not_led as f64 / preferred.len() as f64) <= pct {
                continue;
            }
            for p in preferred {
                let st = self.ctl.working[p as usize];
                if st.leader != b as B && st.isr & 1 != 0 {
                    self.change(
                        p,
                        PState {
                            leader: b as B,
                            leader_epoch: st.leader_epoch + 1,
                            part_epoch: st.part_epoch + 1,
                            ..st
                        },
                    );
                }
            }
        }
    }

    /// A leader asks the controller to change the ISR.
    pub(super) fn send_alter(&mut self, p: u32, ls: usize, isr: u32) {
        let b = self.parts[p as usize].slot(ls);
        let view = self.views[(b as usize, p as usize)];
        self.parts[p as usize].set_pending_alter(ls, Some((self.now, isr)));
        let Some(v) = self.ctl.active(self.part_cluster[p as usize] as usize) else {
            return;
        };
        self.ctl.alters.push(Alter {
            part: p,
            broker: b,
            isr,
            leader_epoch: view.leader_epoch,
            part_epoch: view.part_epoch,
        });
        let id = (self.ctl.alters.len() - 1) as u32;
        let (from, to) = (
            self.broker_site[b as usize],
            self.ctl.voters[v as usize].site,
        );
        if let Some(t) = self.send(from, to, 200, u64::MAX) {
            self.at(t, Ev::AlterArrive { alter: id });
        }
    }

    pub(super) fn alter_arrive(&mut self, id: u32) {
        let a = &self.ctl.alters[id as usize];
        if self
            .ctl
            .active(self.part_cluster[a.part as usize] as usize)
            .is_none()
        {
            return;
        }
        let (p, b, isr, le, pe) = (a.part, a.broker, a.isr, a.leader_epoch, a.part_epoch);
        let st = self.ctl.working[p as usize];
        if st.leader != b || st.leader_epoch != le || st.part_epoch != pe {
            return;
        }
        // KIP-841: only unfenced brokers may join the ISR.
        let part = &self.parts[p as usize];
        let added = isr & !st.isr;
        for s in 0..part.slots.len() {
            if added & (1 << s) != 0 && self.ctl.fenced_working[part.slot(s) as usize] {
                return;
            }
        }
        self.populate_elr(p, st.isr, isr);
        self.change(
            p,
            PState {
                isr,
                part_epoch: pe + 1,
                ..st
            },
        );
    }

    pub(super) fn meta_flush(&mut self, cl: u8, epoch: u32) {
        let c = cl as usize;
        self.ctl.cl[c].flush_scheduled = false;
        let Some(v) = self.ctl.active(c) else { return };
        if self.ctl.voters[v as usize].epoch != epoch {
            return;
        }
        let mut parts = std::mem::take(&mut self.ctl.cl[c].pending_parts);
        parts.sort_unstable();
        parts.dedup();
        let parts: Vec<(u32, PState)> = parts
            .into_iter()
            .map(|p| (p, self.ctl.working[p as usize]))
            .collect();
        let fences = std::mem::take(&mut self.ctl.cl[c].pending_fences);
        if parts.is_empty() && fences.is_empty() {
            return;
        }
        self.ctl.cl[c].batches.push(MetaBatch {
            epoch,
            leader: v,
            parts,
            fences,
            acks: 1 << v,
        });
        let id = (self.ctl.cl[c].batches.len() - 1) as u32;
        for u in self.ctl.peers(v).into_iter().map(|u| u as usize) {
            if u != v as usize {
                self.voter_send(
                    v,
                    u as u8,
                    Ev::MetaAppendArrive {
                        voter: u as u8,
                        batch: id,
                    },
                );
            }
        }
        self.try_commit(c);
    }

    pub(super) fn meta_append_arrive(&mut self, u: u8, batch: u32) {
        let c = self.ctl.voters[u as usize].cluster as usize;
        let Some(bt) = self.ctl.cl[c].batches.get(batch as usize) else {
            return;
        };
        let (epoch, leader) = (bt.epoch, bt.leader);
        let voter = &self.ctl.voters[u as usize];
        if !voter.alive || voter.epoch > epoch {
            return;
        }
        self.voter_send(u, leader, Ev::MetaAckArrive { voter: u, batch });
    }

    pub(super) fn meta_ack_arrive(&mut self, u: u8, batch: u32) {
        let c = self.ctl.voters[u as usize].cluster as usize;
        let Some(bt) = self.ctl.cl[c].batches.get_mut(batch as usize) else {
            return;
        };
        let leader = bt.leader;
        if !self.ctl.voters[leader as usize].alive
            || self.ctl.voters[leader as usize].role != Role::Leader
        {
            return;
        }
        bt.acks |= 1 << u;
        self.try_commit(c);
    }

    /// Commit batches in order once a majority holds each; then tell the brokers.
    fn try_commit(&mut self, c: usize) {
        let maj = self.ctl.majority(c);
        while self.ctl.cl[c].next_commit < self.ctl.cl[c].batches.len() {
            let i = self.ctl.cl[c].next_commit;
            if self.ctl.cl[c].batches[i].acks.count_ones() < maj {
                break;
            }
            self.ctl.cl[c].next_commit += 1;
            self.stats.metadata_commits += 1;
            let parts = std::mem::take(&mut self.ctl.cl[c].batches[i].parts);
            for &(p, st) in &parts {
                let old = self.ctl.committed[p as usize];
                if st.leader != old.leader && st.leader != NO_LEADER {
                    self.stats.leader_elections += 1;
                }
                let (gone, came) = (
                    (old.isr & !st.isr).count_ones(),
                    (st.isr & !old.isr).count_ones(),
                );
                {
                    self.stats.isr_shrinks += u64::from(gone > 0);
                }
                self.stats.isr_expands += u64::from(came > 0);
                let observers = !self.parts[p as usize].replica_mask();
                self.stats.observer_promotions += u64::from((st.isr & !old.isr & observers) != 0);
                self.ctl.committed[p as usize] = st;
                self.views.commit(i as u32, p as usize, st);
            }
            self.ctl.cl[c].batches[i].parts = parts;
            for &(b, f) in &self.ctl.cl[c].batches[i].fences {
                self.ctl.fenced_committed[b as usize] = f;
                if f {
                    self.stats.brokers_fenced += 1;
                }
            }
            let from = self.ctl.voters[self.ctl.cl[c].batches[i].leader as usize].site;
            let bytes = 100 + 40 * self.ctl.cl[c].batches[i].parts.len() as u64;
            for bi in 0..self.ctl.cl[c].brokers.len() {
                let b = self.ctl.cl[c].brokers[bi] as usize;
                if let Some(t) = self.send(from, self.broker_site[b], bytes, u64::MAX) {
                    self.at(
                        t,
                        Ev::MetaDeliver {
                            broker: b as B,
                            batch: i as u32,
                        },
                    );
                }
            }
        }
    }

    /// A broker applies committed metadata: leadership and ISR changes of its replicas.
    pub(super) fn meta_deliver(&mut self, b: B, batch: u32) {
        let bi = b as usize;
        if !self.broker_alive[bi] {
            return;
        }
        let cl = self.broker_cluster[bi] as usize;
        let applied = self.views.applied(bi);
        let changes: Vec<(u32, PState)> = if batch == FULL_SNAPSHOT {
            (0..self.parts.len() as u32)
                .filter(|&p| self.part_cluster[p as usize] as usize == cl)
                .map(|p| (p, self.ctl.committed[p as usize]))
                .collect()
        } else {
            if batch < applied {
                return;
            }
            self.ctl.cl[cl].batches[batch as usize].parts.clone()
        };
        let mut changed = false;
        for (p, st) in changes {
            let old = self.views[(bi, p as usize)];
            if old == st {
                continue;
            }
            self.views.set(bi, p as usize, st);
            changed = true;
            if let Some(slot) = self.parts[p as usize].slot_of(b) {
                self.replica_changed(p, slot);
                self.apply_role(p, slot, old, st);
            }
        }
        // The broker's applied position: a snapshot brings it to the committed
        // end; a batch past a gap (one lost while cut off) leaves it behind, so
        // the next heartbeat brings a full snapshot.
        if batch == FULL_SNAPSHOT {
            let next = self.ctl.cl[cl].next_commit as u32;
            let part_cluster = &self.part_cluster;
            let ps = (0..part_cluster.len()).filter(|&p| part_cluster[p] as usize == cl);
            self.views.snapshot_applied(bi, next, ps);
        } else if batch == applied {
            let parts = &self.ctl.cl[cl].batches[batch as usize].parts;
            let ps = parts.iter().map(|&(p, _)| p as usize);
            self.views.set_applied(bi, batch + 1, ps);
        }
        if changed {
            // Clients see the change once a broker has applied it.
            self.refresh_consumers();
            self.start_broker_sessions(b);
            for l in 0..self.nb {
                for k in 0..self.nf {
                    if let Some(sess) = self.fsess_ix(l, bi, k) {
                        self.fsess[sess].dirty = true;
                    }
                }
            }
        }
    }

    /// Become leader or follower of a partition as the new metadata says.
    fn apply_role(&mut self, p: u32, slot: usize, old: PState, new: PState) {
        let now = self.now;
        let b = self.parts[p as usize].slot(slot);
        let epoch_changed = old.leader_epoch != new.leader_epoch || old.leader != new.leader;
        if new.leader == b && epoch_changed {
            self.reset_tracking(p, slot, now);
        }
        let leo = self.pos_of(p as usize, slot).leo;
        let part = &mut self.parts[p as usize];
        if new.leader == b {
            if epoch_changed {
                let rep = &mut part.rep[slot];
                if rep.last_epoch() < new.leader_epoch {
                    rep.push_epoch(new.leader_epoch, leo);
                }
                // Batches of earlier epochs that the new leader lacks can no longer
                // be committed: every other holder truncates them when it follows.
                let lrep = &part.rep[slot];
                let rb = part.record_bytes as u64;
                let mut lost = Vec::new();
                part.batches.retain_mut(|bt| {
                    if bt.epoch >= new.leader_epoch {
                        return true;
                    }
                    // What the new leader lacks of it (a range of batches the
                    // loss accounting merged may be held in part, `trim_batches`).
                    let held = lrep.held_prefix(leo, bt);
                    if held < bt.count as u64 {
                        lost.push(bt.split_off(held));
                    }
                    bt.count > 0
                });
                for bt in lost {
                    self.count_lost(&bt, rb);
                }
                self.advance_hw(p, slot, b);
                return;
            } else if let Some((_, proposed)) = part.pending_alter(slot)
                && proposed == new.isr
            {
                part.set_pending_alter(slot, None);
            }
            if old.part_epoch != new.part_epoch {
                part.set_pending_alter(slot, None);
            }
            self.advance_hw(p, slot, b);
            return;
        }
        if old.leader == b {
            // Lost leadership: waiting acks=all requests fail (NOT_LEADER_OR_FOLLOWER).
            part.set_pending_alter(slot, None);
            let mut failed = Vec::new();
            part.waiters.retain(|w| {
                if w.slot as usize == slot {
                    failed.push(*w);
                    false
                } else {
                    true
                }
            });
            for w in failed {
                if self.reqs[w.req as usize].tag == w.tag && !self.reqs[w.req as usize].done {
                    let r = &mut self.reqs[w.req as usize];
                    r.parts[w.part_ix as usize].3 = 3;
                    r.pending -= 1;
                    if r.pending == 0 {
                        self.respond_produce(w.req);
                    }
                }
            }
        }
        if new.leader != NO_LEADER && epoch_changed {
            self.truncate_to_leader(p, slot, new.leader);
        }
    }

    /// KIP-101 / KIP-279: a follower truncates to where its last epoch ends in the
    /// new leader's log; acknowledged batches that no replica holds any more are lost.
    fn truncate_to_leader(&mut self, p: u32, slot: usize, leader: B) {
        let part = &mut self.parts[p as usize];
        let Some(ls) = part.slot_of(leader) else {
            return;
        };
        let r0 = part.r0 as usize;
        let frep = &part.rep[slot];
        let end = part.rep[ls].end_of_epoch(self.pos[r0 + ls].leo, frep.last_epoch());
        let before_leo = self.pos[r0 + slot].leo;
        if end >= before_leo {
            return;
        }
        let before = part.rep[slot].clone();
        part.rep[slot].truncate_to(&mut self.pos[r0 + slot], end);
        self.replica_changed(p, slot);
        let part = &mut self.parts[p as usize];
        let rb = part.record_bytes as u64;
        let mut lost = Vec::new();
        let pos = &self.pos;
        part.batches.retain_mut(|bt| {
            if bt.end() <= end || !before.holds(before_leo, bt) {
                return true;
            }
            // The part of it no replica holds any more (a merged range may be
            // held in part, `trim_batches`).
            let still = part
                .rep
                .iter()
                .enumerate()
                .map(|(s, r)| r.held_prefix(pos[r0 + s].leo, bt))
                .max()
                .unwrap_or(0);
            if still < bt.count as u64 {
                lost.push(bt.split_off(still));
            }
            bt.count > 0
        });
        for bt in lost {
            self.count_lost(&bt, rb);
        }
    }
}
