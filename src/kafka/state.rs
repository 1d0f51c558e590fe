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

/// What every broker believes about every partition, in O(partitions) memory.
///
/// KRaft brokers replay one log (`__cluster_metadata`) at their own pace
/// (`MetadataLoader` applies its batches, `BrokerMetadataPublisher` publishes
/// the image), so a broker's view of a partition is the state of the newest
/// change it has applied. The model keeps that log once per partition:
///
/// - `head[p]`: the newest committed state of `p` and its *key*, the applied
///   position (count of its cluster's batches applied in order) from which a
///   broker sees it; older states in `older[p]` while a broker that has not
///   applied that far may still read them (pruned on the next commit of `p`);
/// - per broker: its applied position (KRaft's applied offset) and
///   whether it knows nothing (after a restart, until a snapshot);
/// - `over[p]`: the few brokers whose view differs from what their position
///   says: a batch applied past a gap (one missed while cut off), or a change
///   applied while the batch is still being applied.
///
/// A broker sees partitions of other clusters as the initial state, or as
/// unknown once it has restarted (it learns only its own cluster's metadata).
#[derive(Clone)]
pub struct Views {
    head: Vec<Head>,
    older: Vec<Vec<(u32, PState)>>,
    over: Vec<Vec<(B, PState)>>,
    init: Vec<PState>,
    brokers: Vec<Applied>,
}

#[derive(Clone, Copy)]
struct Head {
    st: PState,
    /// Seen by brokers whose applied position is at least this.
    key: u32,
    /// Entries in `over` for this partition.
    n_over: u32,
    cluster: u8,
}

#[derive(Clone, Copy)]
struct Applied {
    /// Batches of its cluster applied in order (the next one it expects).
    applied: u32,
    /// Entries in `over` for this broker.
    n_over: u32,
    cluster: u8,
    /// Restarted and no snapshot applied since: it knows nothing of its cluster.
    blank: bool,
    /// Restarted at least once: it knows nothing of other clusters.
    restarted: bool,
}

impl Views {
    /// Every broker starts with `init` (one entry per partition) applied.
    pub fn new(broker_cluster: &[u8], part_cluster: &[u8], init: &[PState]) -> Views {
        Views {
            head: init
                .iter()
                .zip(part_cluster)
                .map(|(&st, &cluster)| Head {
                    st,
                    key: 0,
                    n_over: 0,
                    cluster,
                })
                .collect(),
            older: vec![Vec::new(); init.len()],
            over: vec![Vec::new(); init.len()],
            init: init.to_vec(),
            brokers: broker_cluster
                .iter()
                .map(|&cluster| Applied {
                    applied: 0,
                    n_over: 0,
                    cluster,
                    blank: false,
                    restarted: false,
                })
                .collect(),
        }
    }

    /// Broker `b`'s leader of partition `p`.
    #[inline]
    pub fn leader(&self, b: usize, p: usize) -> B {
        let h = &self.head[p];
        let a = &self.brokers[b];
        if h.n_over == 0 && a.cluster == h.cluster && !a.blank && a.applied >= h.key {
            h.st.leader
        } else {
            self.view(b, p).leader
        }
    }

    #[inline(never)]
    fn view(&self, b: usize, p: usize) -> &PState {
        if let Some((_, st)) = self.over[p].iter().find(|&&(x, _)| x as usize == b) {
            return st;
        }
        self.base(b, p)
    }

    /// What broker `b`'s applied position says of partition `p`.
    fn base(&self, b: usize, p: usize) -> &PState {
        let h = &self.head[p];
        let a = &self.brokers[b];
        if a.cluster != h.cluster {
            if a.restarted {
                &PState::UNKNOWN
            } else {
                &self.init[p]
            }
        } else if a.blank {
            &PState::UNKNOWN
        } else if a.applied >= h.key {
            &h.st
        } else {
            let old = &self.older[p];
            let i = old.partition_point(|&(k, _)| k <= a.applied);
            // The first entry is never pruned while a broker needs it.
            old.get(i.max(1) - 1).map_or(&h.st, |e| &e.1)
        }
    }

    /// Broker `b` now believes `st` of partition `p` (applied out of order
    /// with its position, until `set_applied` or `snapshot_applied`).
    pub fn set(&mut self, b: usize, p: usize, st: PState) {
        let same = *self.base(b, p) == st;
        let list = &mut self.over[p];
        match list.iter().position(|&(x, _)| x as usize == b) {
            Some(i) if same => {
                list.swap_remove(i);
                self.head[p].n_over -= 1;
                self.brokers[b].n_over -= 1;
            }
            Some(i) => list[i].1 = st,
            None if same => {}
            None => {
                list.push((b as B, st));
                self.head[p].n_over += 1;
                self.brokers[b].n_over += 1;
            }
        }
    }

    /// Drop broker `b`'s entry for `p` if its position now says the same.
    fn settle(&mut self, b: usize, p: usize) {
        if self.head[p].n_over == 0 {
            return;
        }
        if let Some(i) = self.over[p].iter().position(|&(x, _)| x as usize == b)
            && *self.base(b, p) == self.over[p][i].1
        {
            self.over[p].swap_remove(i);
            self.head[p].n_over -= 1;
            self.brokers[b].n_over -= 1;
        }
    }

    /// The metadata batches broker `b` has applied in order (the next it expects).
    pub fn applied(&self, b: usize) -> u32 {
        self.brokers[b].applied
    }

    /// Broker `b` applied batch `applied - 1` in order, which changed the
    /// partitions `touched`.
    pub fn set_applied(&mut self, b: usize, applied: u32, touched: impl Iterator<Item = usize>) {
        self.brokers[b].applied = applied;
        if self.brokers[b].n_over > 0 {
            for p in touched {
                self.settle(b, p);
            }
        }
    }

    /// Broker `b` applied a full snapshot of its cluster at position
    /// `applied` (every partition of `cluster_parts` now as committed).
    pub fn snapshot_applied(
        &mut self,
        b: usize,
        applied: u32,
        cluster_parts: impl Iterator<Item = usize>,
    ) {
        let a = &mut self.brokers[b];
        a.applied = applied;
        a.blank = false;
        if a.n_over > 0 {
            for p in cluster_parts {
                self.settle(b, p);
            }
        }
    }

    /// Broker `b` restarted: it forgets all metadata (every view unknown) and
    /// expects the log from its start.
    pub fn forget(&mut self, b: usize) {
        if self.brokers[b].n_over > 0 {
            for p in 0..self.over.len() {
                if let Some(i) = self.over[p].iter().position(|&(x, _)| x as usize == b) {
                    self.over[p].swap_remove(i);
                    self.head[p].n_over -= 1;
                }
            }
        }
        let a = &mut self.brokers[b];
        a.n_over = 0;
        a.applied = 0;
        a.blank = true;
        a.restarted = true;
    }

    /// Batch `batch` of `p`'s cluster committed `st` for `p`: brokers that
    /// apply that batch in order see it.
    pub fn commit(&mut self, batch: u32, p: usize, st: PState) {
        let key = batch + 1;
        let h = &mut self.head[p];
        if h.key == key {
            h.st = st;
            return;
        }
        self.older[p].push((h.key, h.st));
        h.key = key;
        h.st = st;
        // Prune states no broker of the cluster can read any more: those
        // followed by a state every broker has applied.
        let cluster = h.cluster;
        let min = self
            .brokers
            .iter()
            .filter(|a| a.cluster == cluster && !a.blank)
            .map(|a| a.applied)
            .min()
            .unwrap_or(u32::MAX);
        let old = &mut self.older[p];
        let keep_from = old.partition_point(|&(k, _)| k <= min).max(1) - 1;
        let keep_from = if key <= min { old.len() } else { keep_from };
        old.drain(..keep_from);
    }
}

impl std::ops::Index<(usize, usize)> for Views {
    type Output = PState;
    #[inline]
    fn index(&self, (b, p): (usize, usize)) -> &PState {
        let h = &self.head[p];
        let a = &self.brokers[b];
        if h.n_over == 0 && a.cluster == h.cluster && !a.blank && a.applied >= h.key {
            &h.st
        } else {
            self.view(b, p)
        }
    }
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
    /// A range of merged batches (`merge_read_batches`): its newest record was
    /// created this many ms after its oldest (`created`); 0 for one batch.
    pub span_ms: u32,
}

const _: () = assert!(std::mem::size_of::<Batch>() == 32);

impl Batch {
    pub fn end(&self) -> u64 {
        self.start + self.count as u64
    }

    /// Keep the first `keep` records (fewer than `count`) and return the
    /// rest, whose creation is interpolated over a range's span (exact for one
    /// batch, whose span is 0).
    pub fn split_off(&mut self, keep: u64) -> Batch {
        debug_assert!(keep < self.count as u64);
        let cut_ms = (self.span_ms as u64 * keep / self.count as u64) as u32;
        let tail = Batch {
            start: self.start + keep,
            count: self.count - keep as u32,
            created: self.created + cut_ms as Nanos * 1_000_000,
            span_ms: self.span_ms - cut_ms,
            ..*self
        };
        self.count = keep as u32;
        self.span_ms = cut_ms;
        tail
    }

    /// What [`Self::split_off`] would return, leaving this batch as it is.
    pub fn tail(&self, keep: u64) -> Batch {
        let mut head = *self;
        head.split_off(keep)
    }
}

/// A produce request part waiting for the high watermark (acks=all).
#[derive(Clone, Copy, Debug)]
pub struct Waiter {
    pub slot: u8,
    /// The leader epoch it waits under (a new epoch ends the wait).
    pub epoch: u32,
    /// The epoch of the batch it acknowledges: `epoch` for an append, the
    /// first copy's for a duplicate an idempotent producer resent.
    pub batch_epoch: u32,
    pub end: u64,
    pub req: u32,
    pub tag: u32,
    pub part_ix: u16,
}

/// What a leader knows of one follower slot from its fetches (Kafka's
/// `Replica` state on the leader). Kept in `World::tracks`, per (partition,
/// leader slot, follower slot) at `Partition::link`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Track {
    /// The follower's log end offset, as of its latest fetch.
    pub leo: u64,
    pub last_caught_up: Nanos,
    pub last_fetch: Nanos,
    /// The leader's log end offset at the follower's previous fetch.
    pub leo_at_last_fetch: u64,
}

/// A replica's log end offset and high watermark: the two numbers every fetch
/// reads. Kept apart from the rest of the replica in `World::pos`, the slots of
/// one partition adjacent.
#[derive(Clone, Copy, Debug, Default)]
pub struct Pos {
    pub leo: u64,
    pub hw: u64,
}

/// The `Pos` of every replica, four to a cache line: a partition's slots start a
/// line, so one of up to four slots reads its offsets in one line.
#[derive(Clone, Default)]
pub struct PosTable {
    lines: Vec<PosLine>,
}

#[derive(Clone, Copy, Default)]
#[repr(C, align(64))]
struct PosLine([Pos; 4]);

impl PosTable {
    /// Free the room reserved beyond the slots added.
    pub fn shrink_to_fit(&mut self) {
        self.lines.shrink_to_fit();
    }

    /// The slot indices in use (and the padding of each partition's lines).
    pub fn slots(&self) -> usize {
        self.lines.len() * 4
    }

    /// Room for `n` more slots, from the start of a line: the index of the first.
    pub fn add_partition(&mut self, n: usize) -> u32 {
        let r0 = self.lines.len() * 4;
        self.lines
            .resize(self.lines.len() + n.div_ceil(4), PosLine::default());
        r0 as u32
    }
}

impl std::ops::Index<usize> for PosTable {
    type Output = Pos;
    #[inline]
    fn index(&self, r: usize) -> &Pos {
        &self.lines[r >> 2].0[r & 3]
    }
}

impl std::ops::IndexMut<usize> for PosTable {
    #[inline]
    fn index_mut(&mut self, r: usize) -> &mut Pos {
        &mut self.lines[r >> 2].0[r & 3]
    }
}

/// The rest of a replica: its log's epochs and its pending ISR proposal.
/// (The options are spelled out as flags: 56 bytes rather than 72, one per
/// replica.)
#[derive(Clone, Debug, Default)]
pub struct Replica {
    /// (leader epoch, first offset of that epoch in this log), ascending.
    lineage: Vec<(u32, u64)>,
    /// The last entry of `lineage` (if `has_last`), kept here so that a
    /// follower's append reads no lineage when the epoch does not change.
    last_start: u64,
    /// An AlterPartition in flight (if `has_pending`): sent at, proposed ISR;
    /// see `Partition::set_pending_alter`.
    pending_at: Nanos,
    last_epoch: u32,
    pending_isr: u32,
    has_last: bool,
    has_pending: bool,
}

const _: () = assert!(std::mem::size_of::<Replica>() == 56);

impl Replica {
    #[inline]
    fn last(&self) -> Option<(u32, u64)> {
        self.has_last.then_some((self.last_epoch, self.last_start))
    }

    fn set_last(&mut self, last: Option<(u32, u64)>) {
        self.has_last = last.is_some();
        (self.last_epoch, self.last_start) = last.unwrap_or((0, 0));
    }

    fn pending_alter(&self) -> Option<(Nanos, u32)> {
        self.has_pending
            .then_some((self.pending_at, self.pending_isr))
    }

    fn set_pending(&mut self, alter: Option<(Nanos, u32)>) {
        self.has_pending = alter.is_some();
        (self.pending_at, self.pending_isr) = alter.unwrap_or((0, 0));
    }

    /// Start epoch `epoch` at offset `start` (after the current last epoch).
    pub fn push_epoch(&mut self, epoch: u32, start: u64) {
        // Most logs hold one or two epochs: grow from one entry, not from
        // Vec's minimum of four (16 rather than 64 bytes per replica).
        if self.lineage.len() == self.lineage.capacity() {
            self.lineage.reserve_exact(self.lineage.len().max(1));
        }
        self.lineage.push((epoch, start));
        self.set_last(Some((epoch, start)));
    }

    /// Leader epoch of the record at `offset` in this log (which ends at `leo`),
    /// if it holds it.
    pub fn epoch_at(&self, leo: u64, offset: u64) -> Option<u32> {
        if offset >= leo {
            return None;
        }
        // Usually in the last epoch: no need to search the lineage.
        if let Some((e, s)) = self.last()
            && offset >= s
        {
            return Some(e);
        }
        let i = self.lineage.partition_point(|&(_, s)| s <= offset);
        if i == 0 {
            None
        } else {
            Some(self.lineage[i - 1].0)
        }
    }

    /// Does this log, ending at `leo`, hold batch `b`?
    pub fn holds(&self, leo: u64, b: &Batch) -> bool {
        leo >= b.end() && self.epoch_at(leo, b.start) == Some(b.epoch)
    }

    /// How many records of batch `b`, from its start, this log (ending at
    /// `leo`) holds under `b`'s epoch: `b.count` when it holds the whole
    /// batch, fewer when the log ends, or a later epoch begins, inside it.
    pub fn held_prefix(&self, leo: u64, b: &Batch) -> u64 {
        if self.epoch_at(leo, b.start) != Some(b.epoch) {
            return 0;
        }
        let i = self.lineage.partition_point(|&(_, s)| s <= b.start);
        let run_end = self.lineage.get(i).map_or(leo, |e| e.1.min(leo));
        run_end.min(b.end()) - b.start
    }

    pub fn last_epoch(&self) -> u32 {
        self.last().map_or(0, |e| e.0)
    }

    /// End offset of `epoch` in this log (which ends at `leo`) as Kafka's
    /// OffsetsForLeaderEpoch answers it: the start of the first later epoch, or
    /// the log end.
    pub fn end_of_epoch(&self, leo: u64, epoch: u32) -> u64 {
        let i = self.lineage.partition_point(|&(e, _)| e <= epoch);
        if i == 0 {
            0
        } else if i < self.lineage.len() {
            self.lineage[i].1
        } else {
            leo
        }
    }

    pub fn truncate_to(&mut self, pos: &mut Pos, offset: u64) {
        if offset < pos.leo {
            pos.leo = offset;
            pos.hw = pos.hw.min(offset);
            while self.lineage.last().is_some_and(|&(_, s)| s >= offset) {
                self.lineage.pop();
            }
            self.set_last(self.lineage.last().copied());
        }
    }

    /// Copy the epochs of `leader`'s log over `[from, to)` after appending them.
    pub fn extend_lineage_from(&mut self, leader: &Replica, from: u64, to: u64) {
        // The usual case: the leader's last epoch began by `from`, and this log
        // already ends with it (or a later one): nothing to copy.
        if let (Some((le, ls)), Some((fe, _))) = (leader.last(), self.last())
            && ls <= from
            && fe >= le
        {
            return;
        }
        let i = leader.lineage.partition_point(|&(_, s)| s <= from).max(1) - 1;
        for &(e, s) in leader.lineage.get(i..).unwrap_or(&[]) {
            if s >= to {
                break;
            }
            if self.last_epoch() < e || self.lineage.is_empty() {
                self.push_epoch(e, s.max(from));
            }
        }
    }
}

// Two cache lines: the first holds what every event on the partition reads
// (scalars, slots, replicas), the second its batches and waiters.
#[repr(C, align(64))]
#[derive(Clone)]
pub struct Partition {
    pub topic: u16,
    pub n_replicas: u8,
    pub min_isr: u8,
    /// Producers had records for this partition in the current interval.
    pub attempted: bool,
    pub acked_in_interval: bool,
    /// A write to it was refused or timed out in the current interval, or its
    /// producer had fallen silent with a lost site.
    pub failed_in_interval: bool,
    /// Replicas with an AlterPartition in flight.
    n_pending: u8,
    /// The first four of `slots` (`NO_LEADER` past the end), read without
    /// leaving this cache line.
    head: [B; 4],
    pub record_bytes: u32,
    /// Index in `World::pos` of slot 0 (slot `s` is at `r0 + s`).
    pub r0: u32,
    /// Index in `World::tracks` and `World::links` of this partition's (leader
    /// slot, follower slot) pairs (`link`).
    pub l0: u32,
    /// Broker of each slot: replicas first (slot 0 is the preferred leader), then observers.
    pub slots: Box<[B]>,
    pub rep: Box<[Replica]>,
    pub batches: VecDeque<Batch>,
    pub waiters: VecDeque<Waiter>,
}

// The layout above: two cache lines.
const _: () = assert!(std::mem::size_of::<Partition>() == 128);

impl Partition {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        topic: u16,
        slots: Vec<B>,
        n_replicas: u8,
        min_isr: u8,
        record_bytes: u32,
        r0: u32,
        l0: u32,
    ) -> Partition {
        let mut head = [NO_LEADER; 4];
        for (h, &b) in head.iter_mut().zip(&slots) {
            *h = b;
        }
        Partition {
            topic,
            n_replicas,
            min_isr,
            attempted: false,
            acked_in_interval: false,
            failed_in_interval: false,
            n_pending: 0,
            head,
            record_bytes,
            r0,
            l0,
            rep: (0..slots.len()).map(|_| Replica::default()).collect(),
            slots: slots.into_boxed_slice(),
            batches: VecDeque::new(),
            waiters: VecDeque::new(),
        }
    }

    /// Broker of slot `s`.
    #[inline]
    pub fn slot(&self, s: usize) -> B {
        if s < 4 { self.head[s] } else { self.slots[s] }
    }

    pub fn slot_of(&self, b: B) -> Option<usize> {
        if self.slots.len() <= 4 {
            self.head[..self.slots.len()].iter().position(|&x| x == b)
        } else {
            self.slots.iter().position(|&x| x == b)
        }
    }

    /// The batch of leader epoch `epoch` ending at `end`, if still kept, was
    /// acknowledged to its producer: its loss counts as an acknowledged loss.
    #[inline(always)]
    pub fn mark_acked(&mut self, epoch: u32, end: u64) {
        let i = self.batches.partition_point(|x| x.end() < end);
        if let Some(bt) = self.batches.get_mut(i)
            && bt.end() == end
            && bt.epoch == epoch
        {
            bt.acked = true;
        }
    }

    /// The AlterPartition slot `s` has in flight, if any.
    pub fn pending_alter(&self, s: usize) -> Option<(Nanos, u32)> {
        if self.n_pending == 0 {
            None
        } else {
            self.rep[s].pending_alter()
        }
    }

    pub fn set_pending_alter(&mut self, s: usize, alter: Option<(Nanos, u32)>) {
        let r = &mut self.rep[s];
        self.n_pending = self.n_pending + u8::from(alter.is_some()) - u8::from(r.has_pending);
        r.set_pending(alter);
    }

    /// The ISR slot `s` uses for its high watermark as leader: committed ISR
    /// `isr` plus any member it proposed to add (KIP-497's "maximal ISR"; a
    /// proposed shrink is not yet applied).
    pub fn effective_isr(&self, s: usize, isr: u32) -> u32 {
        match self.pending_alter(s) {
            Some((_, proposed)) => isr | proposed,
            None => isr,
        }
    }

    /// Index in `World::tracks` (and `World::links`) of what slot `ls` knows
    /// of slot `fs` (another slot) as its leader: `n × (n − 1)` pairs per
    /// partition of `n` slots, a slot's pair with itself left out.
    #[inline]
    pub fn link(&self, ls: usize, fs: usize) -> usize {
        debug_assert!(ls != fs);
        self.l0 as usize + ls * (self.slots.len() - 1) + fs - usize::from(fs > ls)
    }

    /// The (leader slot, follower slot) pairs of a partition of `n` slots.
    pub fn n_links(n: usize) -> usize {
        n * n.saturating_sub(1)
    }

    pub fn replica_mask(&self) -> u32 {
        (1u32 << self.n_replicas) - 1
    }

    /// The effective minimum ISR: since 3.7, min(min.insync.replicas, RF)
    /// (capped when the partition is built).
    pub fn effective_min_isr(&self) -> u32 {
        self.min_isr as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Views` against a plain (broker, partition) table driven the way
    /// `meta_deliver` and a restart drive it: commits, batches delivered in
    /// order, out of order and past gaps, snapshots and restarts.
    #[test]
    fn views_match_a_full_table() {
        let (nb, np) = (5usize, 7usize);
        let broker_cluster = [0u8, 0, 0, 0, 1];
        let part_cluster = [0u8, 0, 0, 0, 0, 0, 1];
        let st = |l: u16, e: u32| PState {
            leader: l,
            leader_epoch: e,
            isr: 7,
            part_epoch: e,
        };
        let init: Vec<PState> = (0..np).map(|p| st(p as u16 % 4, 1)).collect();
        let mut v = Views::new(&broker_cluster, &part_cluster, &init);
        let mut table = vec![init.clone(); nb];
        let mut batches: Vec<Vec<(usize, PState)>> = Vec::new();
        let mut committed = init.clone();
        let mut x = 12345u64;
        let mut draw = |n: u64| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) % n
        };
        for step in 0..4000 {
            match draw(10) {
                0..=2 => {
                    // Commit a batch of one to three cluster-0 partitions.
                    let i = batches.len() as u32;
                    let mut parts = Vec::new();
                    for _ in 0..=draw(3) {
                        let p = draw(6) as usize;
                        let s = st(draw(4) as u16, step + 2);
                        parts.push((p, s));
                        committed[p] = s;
                        v.commit(i, p, s);
                    }
                    batches.push(parts);
                }
                3..=7 if !batches.is_empty() => {
                    // Deliver a recent batch to a cluster-0 broker.
                    let b = draw(4) as usize;
                    let back = draw(3.min(batches.len() as u64)) as usize;
                    let i = batches.len() - 1 - back;
                    if (i as u32) < v.applied(b) {
                        continue;
                    }
                    let applied = v.applied(b);
                    for &(p, s) in &batches[i] {
                        table[b][p] = s;
                        v.set(b, p, s);
                    }
                    if i as u32 == applied {
                        v.set_applied(b, applied + 1, batches[i].iter().map(|&(p, _)| p));
                    }
                }
                8 => {
                    let b = draw(4) as usize;
                    for p in 0..6 {
                        table[b][p] = committed[p];
                        v.set(b, p, committed[p]);
                    }
                    v.snapshot_applied(b, batches.len() as u32, 0..6);
                }
                _ => {
                    let b = draw(nb as u64) as usize;
                    table[b] = vec![PState::UNKNOWN; np];
                    v.forget(b);
                }
            }
            for b in 0..nb {
                for p in 0..np {
                    assert_eq!(
                        v[(b, p)],
                        table[b][p],
                        "step {step}, broker {b}, partition {p}"
                    );
                    assert_eq!(v.leader(b, p), table[b][p].leader);
                }
            }
        }
        // Pruning keeps the history short while every broker keeps up.
        assert!(v.older.iter().map(Vec::len).sum::<usize>() < 4 * np);
    }

    fn batch(epoch: u32, start: u64, count: u32, created_ms: u64) -> Batch {
        Batch {
            epoch,
            start,
            count,
            created: created_ms * 1_000_000,
            acked: true,
            leader: 1,
            sampled: false,
            span_ms: 0,
        }
    }

    /// `held_prefix`: the records from a batch's start that a log holds under
    /// the batch's epoch; none under another epoch, fewer when the log ends
    /// or a later epoch begins inside the batch.
    #[test]
    fn held_prefix_stops_at_the_log_end_and_at_a_new_epoch() {
        let mut r = Replica::default();
        r.push_epoch(1, 0);
        r.push_epoch(2, 100);
        let b = batch(1, 90, 20, 0);
        // Epoch 1 runs 0..100 in this log: 10 of [90, 110) under epoch 1.
        assert_eq!(r.held_prefix(150, &b), 10);
        assert!(r.holds(150, &b), "holds() looks at the start only");
        // The log ends at 95: 5 held.
        assert_eq!(r.held_prefix(95, &b), 5);
        // A batch of epoch 2 inside epoch 2's run, whole or cut by the end.
        assert_eq!(r.held_prefix(150, &batch(2, 120, 20, 0)), 20);
        assert_eq!(r.held_prefix(130, &batch(2, 120, 20, 0)), 10);
        // Another epoch at the start: nothing.
        assert_eq!(r.held_prefix(150, &batch(3, 120, 20, 0)), 0);
        assert_eq!(r.held_prefix(80, &b), 0);
    }

    /// `split_off` keeps the head and returns the tail with its creation
    /// interpolated over the span; for one batch (span 0) both keep its time.
    #[test]
    fn split_off_dates_the_tail_within_the_span() {
        let mut one = batch(1, 0, 10, 5);
        let tail = one.split_off(4);
        assert_eq!((one.start, one.count, one.created), (0, 4, 5_000_000));
        assert_eq!((tail.start, tail.count, tail.created), (4, 6, 5_000_000));
        let mut range = Batch {
            span_ms: 1000,
            ..batch(1, 100, 1000, 2000)
        };
        let tail = range.split_off(250);
        assert_eq!((range.count, range.span_ms), (250, 250));
        assert_eq!((tail.start, tail.count), (350, 750));
        assert_eq!((tail.created, tail.span_ms), (2_250_000_000, 750));
        assert_eq!(
            tail.created + tail.span_ms as Nanos * 1_000_000,
            3_000_000_000
        );
    }
}
