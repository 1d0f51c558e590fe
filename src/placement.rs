//! Replica placement: the placer a KRaft controller runs when a topic is created,
//! Kafka's older ZooKeeper-era placer, and explicit placement in the spirit of
//! Confluent's replica-placement JSON.
//!
//! # Which placer Kafka uses
//!
//! In KRaft (3.x, 4.x) `CreateTopics` is served by the active controller, whose
//! `ReplicationControlManager` asks its `ReplicaPlacer`; the only implementation is
//! `StripedReplicaPlacer`
//! (`metadata/src/main/java/org/apache/kafka/metadata/placement/StripedReplicaPlacer.java`).
//! [`rack_aware`] follows it and is what [`Topology::assign`] uses. The older
//! `AdminUtils.assignReplicasToBrokersRackAware` (server-common,
//! `org/apache/kafka/admin/AdminUtils.java`) is what ZooKeeper-mode brokers used and
//! what `kafka-reassign-partitions --generate` still uses; [`classic_rack_aware`]
//! follows it.
//!
//! # Determinism
//!
//! Both Kafka placers draw from `java.util.Random`. Here every draw comes from a
//! SplitMix64 stream seeded by the topic's index in the scenario only, so a
//! placement depends on nothing but the topology and the topic's position in the
//! file: changing the run's `seed` changes network randomness, never placement.
//! The draws cannot reproduce what a given Kafka cluster picked (its seeds are
//! wall-clock based); they reproduce the *shape* of its placements.

use crate::scenario::{Placement, PlacementGroup};
use crate::scenario::{Scenario, Topic};
use crate::topology::{Assignment, Topology};

impl Topology {
    /// Replica assignment of every partition of `topic` (index `topic_index` in the
    /// scenario, which rotates the placer's start so topics do not all start on
    /// the same broker).
    pub fn assign(&self, sc: &Scenario, topic: &Topic, topic_index: usize) -> Vec<Assignment> {
        let rf = topic
            .replication_factor
            .unwrap_or(sc.broker.default_replication_factor) as usize;
        match &topic.placement {
            Some(p) => explicit(self, p, topic.partitions as usize, topic_index),
            None => rack_aware(self, topic.partitions as usize, rf, topic_index),
        }
    }
}

/// Salt for the placement stream, so topic 0 does not start from seed 0.
const PLACEMENT_SALT: u64 = 0x6b74_6f70_6f5f_706c; // "ktopo_pl"

/// A small deterministic random stream (SplitMix64) standing in for the
/// controller's `java.util.Random`.
struct Draws(u64);

impl Draws {
    fn for_topic(topic_index: usize) -> Draws {
        Draws(PLACEMENT_SALT ^ (topic_index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0). The modulo bias is below 2⁻⁵⁰ for our sizes.
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Fisher–Yates, the same distribution as `Collections.shuffle`.
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

/// Distinct `broker.rack` values, sorted, each with its brokers (indices into
/// [`Topology::brokers`]) sorted by node id.
fn brokers_by_rack(topo: &Topology) -> Vec<(String, Vec<usize>)> {
    let mut racks: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, b) in topo.brokers.iter().enumerate() {
        match racks.iter_mut().find(|(r, _)| *r == b.rack) {
            Some((_, v)) => v.push(i),
            None => racks.push((b.rack.clone(), vec![i])),
        }
    }
    racks.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, v) in &mut racks {
        v.sort_by_key(|&i| topo.brokers[i].node_id);
    }
    racks
}

/// One rack as the striped placer walks it: a ring of brokers read from a moving
/// offset. Each partition is a new "epoch": the first time a partition asks this
/// rack for a broker, the offset moves one step and the rack can hand out each of
/// its brokers once more.
struct RackRing {
    brokers: Vec<usize>,
    offset: usize,
    handed_out: usize,
    epoch: Option<usize>,
}

impl RackRing {
    fn take(&mut self, epoch: usize) -> Option<usize> {
        let n = self.brokers.len();
        if self.epoch != Some(epoch) {
            self.epoch = Some(epoch);
            self.handed_out = 0;
            self.offset = (self.offset + 1) % n;
        }
        if self.handed_out >= n {
            return None;
        }
        let b = self.brokers[(self.offset + self.handed_out) % n];
        self.handed_out += 1;
        Some(b)
    }
}

/// The KRaft controller's placer (`StripedReplicaPlacer`), with every broker
/// registered and unfenced, as at topic creation in a healthy cluster.
///
/// How it works:
/// - racks are sorted by name; each rack keeps its brokers sorted by node id
///   and a ring offset that starts at a random position; the rack to start
///   from is random too;
/// - partition `p` starts at the rack after the one partition `p − 1` started
///   at. Its leader is the next broker of that rack; the other replicas are
///   taken one per rack walking the rack list round-robin from the start rack
///   (the leader's rack is skipped on the first lap), so a partition covers
///   min(#racks, RF) racks before any rack gets a second replica;
/// - a rack's ring advances one step on each partition that uses it;
/// - after as many partitions as there are brokers, the rack order and every
///   rack's broker order are reshuffled so the pattern does not repeat.
///
/// Rack spread is guaranteed; leader balance over brokers is not (Kafka's own
/// tests say so, apache/kafka#12529): with 3 racks of 3 brokers and RF 3, the
/// first 9 partitions put their leaders on only 3 brokers. [`classic_rack_aware`]
/// balances leaders exactly.
///
/// Differences from the Java code, both immaterial to the placements' shape:
/// randomness comes from [`Draws`] seeded by `topic_index`; the epoch is the
/// partition number and is not reset to 0 at each reshuffle (Kafka's reset can
/// leave a rack last used in epoch 0 looking exhausted in the next cycle).
/// An RF above the broker count (Kafka rejects it) is clamped to the broker count.
pub fn rack_aware(
    topo: &Topology,
    partitions: usize,
    rf: usize,
    topic_index: usize,
) -> Vec<Assignment> {
    let n = topo.brokers.len();
    let rf = rf.min(n);
    if n == 0 || rf == 0 {
        return no_replicas(partitions);
    }
    let mut draws = Draws::for_topic(topic_index);
    let mut racks: Vec<RackRing> = brokers_by_rack(topo)
        .into_iter()
        .map(|(_, brokers)| RackRing {
            brokers,
            offset: 0,
            handed_out: 0,
            epoch: None,
        })
        .collect();
    for r in &mut racks {
        r.offset = draws.below(r.brokers.len());
    }
    let nr = racks.len();
    let mut start = draws.below(nr);
    let mut since_shuffle = 0;
    let mut out = Vec::with_capacity(partitions);
    for p in 0..partitions {
        if since_shuffle == n && n > 1 {
            draws.shuffle(&mut racks);
            for r in &mut racks {
                draws.shuffle(&mut r.brokers);
            }
            since_shuffle = 0;
        }
        start %= nr;
        let mut reps = Vec::with_capacity(rf);
        // The leader: from the start rack, or the next rack that still has one.
        let mut lead_rack = start;
        loop {
            if let Some(b) = racks[lead_rack].take(p) {
                reps.push(b);
                break;
            }
            lead_rack = (lead_rack + 1) % nr;
        }
        // Followers: one per rack round-robin from the start rack, passing over
        // the leader's rack once.
        let mut skip = Some(lead_rack);
        let mut r = start;
        while reps.len() < rf {
            if skip == Some(r) {
                skip = None;
            } else if let Some(b) = racks[r].take(p) {
                reps.push(b);
            }
            r = (r + 1) % nr;
        }
        out.push(Assignment {
            replicas: reps,
            observers: Vec::new(),
        });
        start += 1;
        since_shuffle += 1;
    }
    out
}

/// The ZooKeeper-era placer (`AdminUtils.assignReplicasToBrokersRackAware`).
///
/// Brokers are arranged rack-alternated (first broker of each sorted rack, then
/// the second of each, ...). Partition `p`'s leader is the arranged broker at
/// `(start + p) mod n`, so leaders are balanced exactly. Each further replica is
/// found by stepping through the arranged list with a per-partition shift
/// (growing by one every n partitions) and passing over brokers whose rack
/// already holds a replica of the partition until every rack holds one, and
/// brokers already holding one. `start` and the initial shift are drawn from
/// [`Draws`] seeded by `topic_index` (Kafka draws them from `Random`).
pub fn classic_rack_aware(
    topo: &Topology,
    partitions: usize,
    rf: usize,
    topic_index: usize,
) -> Vec<Assignment> {
    let n = topo.brokers.len();
    let rf = rf.min(n);
    if n == 0 || rf == 0 {
        return no_replicas(partitions);
    }
    let racks = brokers_by_rack(topo);
    let nr = racks.len();
    let mut arranged = Vec::with_capacity(n);
    let mut round = 0;
    while arranged.len() < n {
        for (_, brokers) in &racks {
            if let Some(&b) = brokers.get(round) {
                arranged.push(b);
            }
        }
        round += 1;
    }
    let rack_of = |b: usize| topo.brokers[b].rack.as_str();
    let mut draws = Draws::for_topic(topic_index);
    let start = draws.below(n);
    let mut shift = draws.below(n);
    // Position of the k-th candidate after the leader at `first`.
    let step = |first: usize, shift: usize, k: usize| -> usize {
        let hop = 1 + (shift + k) % (n - 1).max(1);
        (first + hop) % n
    };
    let mut out = Vec::with_capacity(partitions);
    for p in 0..partitions {
        if p > 0 && p % n == 0 {
            shift += 1;
        }
        let first = (p + start) % n;
        let mut reps = vec![arranged[first]];
        let mut racks_used = vec![rack_of(arranged[first])];
        let mut k = 0;
        while reps.len() < rf {
            let b = arranged[step(first, shift * nr, k)];
            k += 1;
            let rack_ok = !racks_used.contains(&rack_of(b)) || racks_used.len() == nr;
            let broker_ok = !reps.contains(&b);
            if rack_ok && broker_ok {
                reps.push(b);
                if !racks_used.contains(&rack_of(b)) {
                    racks_used.push(rack_of(b));
                }
            }
        }
        out.push(Assignment {
            replicas: reps,
            observers: Vec::new(),
        });
    }
    out
}

/// Explicit placement: for each partition, `count` replicas from each named
/// group in order (the first replica of the first group is the preferred
/// leader), then the observers the same way. A group's `rack` names a
/// `broker.rack` or a site (any rack of that site).
///
/// Inside a group the broker is chosen by load so far in this topic: the
/// leader slot goes to the group broker with the fewest leaders (then fewest
/// replicas), other slots to the one with the fewest replicas plus observers;
/// ties go round-robin from a position that rotates with the partition and the
/// topic index. A broker is never used twice in one partition, even when
/// groups overlap; if a group runs out of unused brokers the partition gets
/// fewer replicas there (validation rejects counts above a group's size).
pub fn explicit(
    topo: &Topology,
    pl: &Placement,
    partitions: usize,
    topic_index: usize,
) -> Vec<Assignment> {
    let pools: Vec<Vec<usize>> = pl
        .replicas
        .iter()
        .chain(pl.observers.iter())
        .map(|g| group_pool(topo, g))
        .collect();
    let (rep_pools, obs_pools) = pools.split_at(pl.replicas.len());
    let mut leaders = vec![0usize; topo.brokers.len()];
    let mut load = vec![0usize; topo.brokers.len()];
    let mut out = Vec::with_capacity(partitions);
    for p in 0..partitions {
        let rot = p + topic_index;
        let mut taken: Vec<usize> = Vec::new();
        let mut replicas = Vec::new();
        for (g, pool) in pl.replicas.iter().zip(rep_pools) {
            for _ in 0..g.count {
                let want_leader = replicas.is_empty();
                let Some(b) = pick_least(pool, &taken, rot, |b| {
                    if want_leader {
                        (leaders[b], load[b])
                    } else {
                        (load[b], 0)
                    }
                }) else {
                    break;
                };
                if want_leader {
                    leaders[b] += 1;
                }
                load[b] += 1;
                taken.push(b);
                replicas.push(b);
            }
        }
        let mut observers = Vec::new();
        for (g, pool) in pl.observers.iter().zip(obs_pools) {
            for _ in 0..g.count {
                let Some(b) = pick_least(pool, &taken, rot, |b| (load[b], 0)) else {
                    break;
                };
                load[b] += 1;
                taken.push(b);
                observers.push(b);
            }
        }
        out.push(Assignment {
            replicas,
            observers,
        });
    }
    out
}

/// Brokers a placement group may use, in node-id order.
fn group_pool(topo: &Topology, g: &PlacementGroup) -> Vec<usize> {
    (0..topo.brokers.len())
        .filter(|&i| {
            let b = &topo.brokers[i];
            b.rack == g.rack || topo.sites[b.site].name == g.rack
        })
        .collect()
}

/// The unused broker of `pool` with the smallest key; ties broken by position
/// in the pool counted from `rot`.
fn pick_least(
    pool: &[usize],
    taken: &[usize],
    rot: usize,
    key: impl Fn(usize) -> (usize, usize),
) -> Option<usize> {
    let n = pool.len();
    (0..n)
        .map(|k| pool[(rot + k) % n])
        .filter(|b| !taken.contains(b))
        .enumerate()
        .min_by_key(|&(order, b)| (key(b), order))
        .map(|(_, b)| b)
}

/// Assignments with no replicas, for a topic that cannot be placed.
fn no_replicas(partitions: usize) -> Vec<Assignment> {
    vec![
        Assignment {
            replicas: Vec::new(),
            observers: Vec::new(),
        };
        partitions
    ]
}
