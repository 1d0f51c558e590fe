//! Faults: a scenario fault starting and ending (site down, broker down, link
//! partition and degradation, corruption and topic deletion), brokers stopping
//! and restarting, and the clients of a lost site failing over.

use super::*;

impl World<'_> {
    pub(super) fn fault(&mut self, i: usize, start: bool) {
        let f = &self.sc.fault[i];
        match f.kind {
            FaultKind::SiteDown => {
                let s = self
                    .topo
                    .site_index(f.site.as_deref().unwrap_or_default())
                    .expect("validated");
                self.site_up[s] = !start;
                self.net.set_site_up(s, !start);
                for b in 0..self.nb {
                    if self.broker_site[b] == s {
                        self.set_broker_alive(b as B, !start);
                    }
                }
                for v in 0..self.ctl.voters.len() {
                    if self.ctl.voters[v].site == s {
                        self.set_voter_alive(v as u8, !start);
                    }
                }
                if !start {
                    for c in 0..self.consumers.len() {
                        if self.consumers[c].site == s {
                            // A process that died with the site restarts at its commit.
                            self.restart_at_commit(c, i, false);
                            self.consumer_start(c);
                        }
                    }
                }
                if start {
                    self.fault_cluster_survived[i] = self.cluster_serves_elsewhere(s);
                    self.consumers_lost(s, i);
                }
                self.cp_site(s, start, i);
                if start {
                    self.clients_lost(s, i);
                }
            }
            FaultKind::BrokerDown => {
                let b = self
                    .topo
                    .broker_index(f.broker.unwrap_or(0))
                    .expect("validated");
                self.set_broker_alive(b as B, !start);
            }
            FaultKind::LinkPartition | FaultKind::LinkDegrade => {
                let bw = f.between.as_ref().expect("validated");
                let a = self.topo.site_index(&bw[0]).expect("validated");
                let b = self.topo.site_index(&bw[1]).expect("validated");
                let li = self.net.link_index(a, b).expect("validated");
                if f.kind == FaultKind::LinkPartition {
                    self.net.set_cut(li, start);
                } else if start {
                    self.net.degrade(
                        self.now,
                        li,
                        f.rtt_ms.map(ms),
                        f.jitter_ms.map(ms),
                        f.bandwidth_mbps.map(|v| v * 1e6),
                        f.loss_pct.map(|v| v / 100.0),
                    );
                } else {
                    self.net.degrade(self.now, li, None, None, None, None);
                }
                if start && f.kind == FaultKind::LinkPartition {
                    self.cp_fault_exposure(i, None);
                }
            }
            FaultKind::Corruption | FaultKind::TopicDeletion => {
                if start {
                    self.cp_fault_exposure(i, None);
                }
            }
        }
    }

    /// Site `site` was lost by fault `fault`: its application producers and
    /// consumers fail over to a surviving site after `[failover]` detection +
    /// decision + client restart, plus the DNS TTL where their bootstrap address
    /// must change (another cluster); a stretched cluster's bootstrap list already
    /// names the other sites. With `clients = "stay-down"` they wait for their site.
    pub(super) fn clients_lost(&mut self, site: usize, fault: usize) {
        let fo = &self.sc.failover;
        if fo.clients == ClientFailover::StayDown {
            return;
        }
        let clients = self.producers.iter().any(|p| !p.copier && p.site == site)
            || self.consumers.iter().any(|c| c.site == site);
        if !clients {
            return;
        }
        let src = self.site_cluster[site] as usize;
        let dns = if self.layout.flows.is_empty() || self.cluster_serves_elsewhere(site) {
            // One cluster, or a hybrid design's stretched cluster that keeps
            // another site: the bootstrap list already names it.
            0.0
        } else if self.layout.cluster_of(site).is_some()
            && self.layout.flows.iter().any(|f| f.0 == src)
        {
            fo.dns_ttl_s
        } else {
            // Its cluster copies nowhere: there is no other copy to fail over to.
            return;
        };
        let delay = fo.detection_s + fo.decision_s + fo.client_restart_s + dns;
        self.at(
            self.now + secs(delay),
            Ev::Failover {
                fault: fault as u16,
                dns: dns > 0.0,
            },
        );
    }

    /// Site `site` was lost by fault `fault`: its consumers' processes die
    /// with it, and their auto-commit clocks stop. They restart inside their
    /// cluster ([`Self::clients_fail_over`]'s stretched rule, or in their
    /// site when it returns first); across clusters they resume from the
    /// copy's offsets instead (`cp_failover`).
    /// What they had read past their committed offsets they will read again
    /// where they restart: this run's figure, and the range over the commit's
    /// phases (`rereads_over_phases`) from their recorded positions.
    fn consumers_lost(&mut self, site: usize, fault: usize) {
        let now = self.now;
        let mut r = RestartRereads::default();
        for c in 0..self.consumers.len() {
            if self.consumers[c].site != site {
                continue;
            }
            let earliest =
                self.sc.consumer[c].auto_offset_reset == crate::scenario::AutoOffsetReset::Earliest;
            let cons = &mut self.consumers[c];
            cons.commit_due(now);
            let read: u64 = cons.pos.iter().sum();
            r.expected += match &cons.committed {
                Some(v) => cons
                    .pos
                    .iter()
                    .zip(v)
                    .map(|(&p, &k)| p.saturating_sub(k))
                    .sum(),
                None if earliest => read,
                None => 0,
            };
            let (lo, mean, hi) = copier::rereads_over_phases(
                &cons.hist,
                (now, read),
                &[cons.auto_commit],
                read,
                0,
                earliest,
            );
            r.phases = (r.phases.0 + lo, r.phases.1 + mean, r.phases.2 + hi);
            r.consumers += 1;
        }
        if r.consumers > 0 {
            self.fault_restarts[fault] = Some(r);
        }
    }

    /// Consumer `c`, lost with its site by fault `fault`, restarts (where it
    /// fails over, or in its site when that returns first): it
    /// resumes at its group's committed offsets (`ConsumerCoordinator`
    /// fetches them when it joins), or with none yet where
    /// `auto.offset.reset` says (`earliest`: the log start; `latest`: the
    /// partition's HW, skipping what it had not read).
    fn restart_at_commit(&mut self, c: usize, fault: usize, failover: bool) {
        let Some(mut r) = self.fault_restarts[fault].take() else {
            return;
        };
        let earliest =
            self.sc.consumer[c].auto_offset_reset == crate::scenario::AutoOffsetReset::Earliest;
        let t = self.consumers[c].topic as usize;
        for k in 0..self.consumers[c].pos.len() {
            let had = self.consumers[c].pos[k];
            let resume = match &self.consumers[c].committed {
                Some(v) => v.get(k).copied().unwrap_or(had),
                None if earliest => 0,
                None => {
                    let p = self.topic_parts[t][k] as usize;
                    let leader = self.ctl.committed[p].leader;
                    self.parts[p]
                        .slot_of(leader)
                        .map_or(had, |s| self.pos_of(p, s).hw)
                }
            };
            if resume < had {
                r.resumed.push((c as u16, k, resume, had));
            } else {
                r.never_read += resume - had;
            }
            self.consumers[c].pos[k] = resume;
        }
        r.restarted += 1;
        r.failed_over += u32::from(failover);
        self.fault_restarts[fault] = Some(r);
    }

    /// Does the cluster of `site` have brokers in another site that is up? Only
    /// a hybrid design's stretched cluster can: a lost site of it is a
    /// stretched cluster's site loss (leaders move, clients stay in the
    /// cluster), not the loss of a copy's source.
    pub(super) fn cluster_serves_elsewhere(&self, site: usize) -> bool {
        let Some(c) = self.layout.cluster_of(site) else {
            return false;
        };
        // Sites of the layout's cluster only: brokers of a site that holds no
        // cluster carry cluster index 0 without belonging to it.
        let sites = &self.layout.clusters[c];
        (0..self.nb).any(|b| {
            let s = self.broker_site[b];
            s != site && self.site_up[s] && sites.contains(&s)
        })
    }

    /// The site that `site-down` fault `fault` took down, while it is still down.
    pub(super) fn site_still_down(&self, fault: usize) -> Option<usize> {
        let site = self
            .sc
            .fault
            .get(fault)
            .and_then(|f| f.site.as_deref())
            .and_then(|n| self.topo.site_index(n))?;
        (!self.site_up[site]).then_some(site)
    }

    /// The clients of the site lost by fault `fault` restart elsewhere (unless it
    /// came back meanwhile). Async designs: in the cluster their cluster copies
    /// to ([`Self::cp_failover`]). One cluster (stretched): in `failover.to_site`,
    /// else the nearest surviving site with brokers of their cluster; producers
    /// keep their topic (what they held died with the process), consumers their
    /// positions (the group's offsets live in the cluster).
    ///
    /// A hybrid design's stretched cluster that still has a site up keeps its
    /// clients (the stretched rule); once all its sites are down they go to the
    /// cluster it copies to, after the DNS TTL (scheduled again with it when the
    /// loss began as a stretched one, `dns` false).
    pub(super) fn clients_fail_over(&mut self, fault: usize, dns: bool) {
        let Some(site) = self.site_still_down(fault) else {
            return;
        };
        if !self.layout.flows.is_empty() && !self.cluster_serves_elsewhere(site) {
            let ttl = self.sc.failover.dns_ttl_s;
            if !dns && ttl > 0.0 {
                self.at(
                    self.now + secs(ttl),
                    Ev::Failover {
                        fault: fault as u16,
                        dns: true,
                    },
                );
                return;
            }
            return self.cp_failover(fault);
        }
        let cluster = self.site_cluster[site];
        let serves = |w: &World, s: usize| {
            w.site_up[s]
                && (0..w.nb).any(|b| w.broker_site[b] == s && w.broker_cluster[b] == cluster)
        };
        let named = self
            .sc
            .failover
            .to_site
            .as_deref()
            .and_then(|n| self.topo.site_index(n))
            .filter(|&s| serves(self, s));
        let nearest = (0..self.topo.sites.len())
            .filter(|&s| s != site && serves(self, s))
            .min_by_key(|&s| (self.net.rtt(site, s), s));
        let Some(new_site) = named.or(nearest) else {
            return;
        };
        for i in 0..self.producers.len() {
            let p = &self.producers[i];
            if p.copier || p.site != site {
                continue;
            }
            let lost = self.drop_accumulator(i);
            let p = &mut self.producers[i];
            p.unavailable += lost;
            p.site = new_site;
        }
        for c in 0..self.consumers.len() {
            if self.consumers[c].site != site {
                continue;
            }
            self.restart_at_commit(c, fault, true);
            self.consumers[c].site = new_site;
            for b in 0..self.nb {
                let s = &mut self.csess[c * self.nb + b];
                s.state = SessState::Idle;
                s.tag += 1;
            }
            self.consumer_start(c);
        }
    }

    pub(super) fn set_broker_alive(&mut self, b: B, alive: bool) {
        let bi = b as usize;
        if self.broker_alive[bi] == alive {
            return;
        }
        self.broker_alive[bi] = alive;
        self.broker_down_since[bi] = if alive { None } else { Some(self.now) };
        if !alive {
            self.broker_last_stop[bi] = Some(self.now);
        }
        if !alive {
            // The process is gone: its own sessions stop; waiting produce
            // requests will time out. Its followers' fetchers see their
            // connections closed and retry (`connection_lost`).
            for s in 0..self.nb {
                for k in 0..self.nf {
                    if let Some(own) = self.fsess_ix(bi, s, k) {
                        self.fsess[own].state = SessState::Idle;
                        self.fsess[own].tag += 1;
                    }
                    if let Some(theirs) = self.fsess_ix(s, bi, k)
                        && s != bi
                        && self.fsess[theirs].state != SessState::Idle
                    {
                        self.connection_lost(theirs);
                    }
                }
            }
            for id in 0..self.reqs.len() as u32 {
                if self.reqs[id as usize].broker == b {
                    self.produce_disconnected(id);
                }
            }
            for c in 0..self.consumers.len() {
                let idx = c * self.nb + bi;
                self.csess[idx].state = SessState::Idle;
                self.csess[idx].tag += 1;
            }
        } else {
            // Restart: logs survive; metadata is relearned from the controller.
            self.views.forget(bi);
            for i in 0..self.hosted[bi].len() {
                let (p, slot) = self.hosted[bi][i];
                self.replica_changed(p, slot as usize);
            }
            for &(p, slot) in &self.hosted[bi] {
                let part = &mut self.parts[p as usize];
                part.waiters.retain(|w| w.slot != slot);
                part.set_pending_alter(slot as usize, None);
            }
            self.broker_restarted(b);
            self.at(self.now, Ev::Heartbeat { broker: b });
            let isr = ms(self.sc.broker.replica_lag_time_max_ms as f64) / 2;
            self.at(self.now + isr, Ev::IsrCheck { broker: b });
        }
    }
}
