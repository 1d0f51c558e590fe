//! Partition and replica state: logs as (epoch, start offset) lineages, the
//! leader's view of its followers, and truncation with loss accounting.

use crate::sim::Nanos;
use std::collections::VecDeque;

pub type B = u16;
pub const NO_LEADER: B = B::MAX;

/// What one broker believes about one partition (from the metadata it applied).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PState {
    pub leader: B,
    pub leader_epoch: u32,
    /// In-sync replicas as a bit mask over the partition's slots.
    pub isr: u32,
    pub part_epoch: u32,
}

impl PState {
    pub const UNKNOWN: PState = PState {
        leader: NO_LEADER,
        leader_epoch: 0,
        isr: 0,
        part_epoch: 0,
    };
}

/// A produced batch, kept while it could still be lost or read.
#[derive(Clone, Copy, Debug)]
pub struct Batch {
    pub epoch: u32,
    pub start: u64,
    pub count: u32,
    pub created: Nanos,
    pub acked: bool,
    /// The broker that appended it as leader.
    pub leader: B,
    /// Its latencies are sampled: always at request fidelity, only probes at flow.
    pub sampled: bool,
}

impl Batch {
    pub fn end(&self) -> u64 {
        self.start + self.count as u64
    }
}

/// A produce request part waiting for the high watermark (acks=all).
#[derive(Clone, Copy, Debug)]
pub struct Waiter {
    pub slot: u8,
    pub epoch: u32,
    pub end: u64,
    pub req: u32,
    pub tag: u32,
    pub part_ix: u16,
}

/// What a leader knows of one replica slot from its fetches (Kafka's
/// `Replica` state on the leader): one cache line per follower.
#[derive(Clone, Copy, Debug, Default)]
pub struct Track {
    /// The follower's log end offset, as of its latest fetch.
    pub leo: u64,
    pub last_caught_up: Nanos,
    pub last_fetch: Nanos,
    /// The leader's log end offset at the follower's previous fetch.
    pub leo_at_last_fetch: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Replica {
    pub leo: u64,
    pub hw: u64,
    /// (leader epoch, first offset of that epoch in this log), ascending.
    pub lineage: Vec<(u32, u64)>,
    // Valid while this replica leads: what it knows of every slot.
    pub track: Vec<Track>,
    /// An AlterPartition in flight: (sent at, proposed ISR).
    pub pending_alter: Option<(Nanos, u32)>,
}

impl Replica {
    /// Leader epoch of the record at `offset` in this log, if it holds it.
    pub fn epoch_at(&self, offset: u64) -> Option<u32> {
        if offset >= self.leo {
            return None;
        }
        let i = self.lineage.partition_point(|&(_, s)| s <= offset);
        if i == 0 {
            None
        } else {
            Some(self.lineage[i - 1].0)
        }
    }

    pub fn holds(&self, b: &Batch) -> bool {
        self.leo >= b.end() && self.epoch_at(b.start) == Some(b.epoch)
    }

    pub fn last_epoch(&self) -> u32 {
        self.lineage.last().map(|e| e.0).unwrap_or(0)
    }

    /// End offset of `epoch` in this log as Kafka's OffsetsForLeaderEpoch answers
    /// it: the start of the first later epoch, or the log end.
    pub fn end_of_epoch(&self, epoch: u32) -> u64 {
        let i = self.lineage.partition_point(|&(e, _)| e <= epoch);
        if i == 0 {
            0
        } else if i < self.lineage.len() {
            self.lineage[i].1
        } else {
            self.leo
        }
    }

    pub fn truncate_to(&mut self, offset: u64) {
        if offset < self.leo {
            self.leo = offset;
            self.hw = self.hw.min(offset);
            while self.lineage.last().is_some_and(|&(_, s)| s >= offset) {
                self.lineage.pop();
            }
        }
    }

    /// Copy the epochs of `leader`'s log over `[from, to)` after appending them.
    pub fn extend_lineage_from(&mut self, leader: &Replica, from: u64, to: u64) {
        let i = leader.lineage.partition_point(|&(_, s)| s <= from).max(1) - 1;
        for &(e, s) in leader.lineage.get(i..).unwrap_or(&[]) {
            if s >= to {
                break;
            }
            if self.last_epoch() < e || self.lineage.is_empty() {
                self.lineage.push((e, s.max(from)));
            }
        }
    }

    pub fn reset_tracking(&mut self, n: usize, now: Nanos) {
        self.track = vec![
            Track {
                leo: 0,
                last_caught_up: now,
                last_fetch: 0,
                leo_at_last_fetch: 0,
            };
            n
        ];
        self.pending_alter = None;
    }
}

pub struct Partition {
    pub topic: u16,
    /// Broker of each slot: replicas first (slot 0 is the preferred leader), then observers.
    pub slots: Vec<B>,
    pub n_replicas: u8,
    pub min_isr: u8,
    pub record_bytes: u32,
    pub rep: Vec<Replica>,
    pub batches: VecDeque<Batch>,
    pub waiters: VecDeque<Waiter>,
    /// Producers had records for this partition in the current interval.
    pub attempted: bool,
    pub acked_in_interval: bool,
}

impl Partition {
    pub fn slot_of(&self, b: B) -> Option<usize> {
        self.slots.iter().position(|&x| x == b)
    }

    pub fn replica_mask(&self) -> u32 {
        (1u32 << self.n_replicas) - 1
    }

    /// Kafka ≥ 3.7: the effective minimum ISR is min(min.insync.replicas, RF).
    pub fn effective_min_isr(&self) -> u32 {
        (self.min_isr as u32).min(self.n_replicas as u32)
    }
}
