//! A broker's log disk and page cache, at flow level: one server per broker
//! that drains appended bytes to disk at `disk_write_mb_s` and serves reads
//! of evicted data at `disk_read_mb_s`, in one FIFO (the disk is one device
//! to the writes and the reads). Bytes, never records.
//!
//! Kafka writes the log with `FileChannel.write` into the page cache and
//! leaves flushing to the OS (`log.flush.interval.messages` unset): an append
//! costs nothing until the dirty pages the kernel allows
//! (`vm.dirty_ratio`, 20 % of memory by default) are full, and from then the
//! writer waits for writeback (`balance_dirty_pages`). Reads go through the
//! page cache too (`FileRecords` sent with `sendfile`): what the cache still
//! holds costs no disk time; older data is read from disk, queued behind the
//! writeback, and delays the response that carries it.
//!
//! What the cache holds: the page cache keeps the most recently written
//! `page_cache_gb` of the broker's logs (LRU over logs that are only
//! appended). Data is in memory while fewer than that many bytes have been
//! appended to the broker since it was written, so at a steady write rate the
//! age of data still cached is `page_cache_gb ÷ write rate`. The bytes appended
//! since an offset are estimated from the partition's records after it,
//! scaled by the broker's appended bytes over the partition's log (its share
//! of the broker's writes, taken as steady over the run): O(1), no per-record
//! times.

use crate::scenario::BrokerHardware;
use crate::sim::{NS_PER_S, Nanos};

/// Share of the page cache dirty pages may fill before writers wait
/// (Linux `vm.dirty_ratio` default, 20 %).
const DIRTY_RATIO: f64 = 0.20;

#[derive(Clone, Debug)]
pub(crate) struct Disk {
    write_ns_per_byte: f64,
    read_ns_per_byte: f64,
    cache_bytes: f64,
    /// The dirty bytes allowed, as disk time to write them back.
    dirty_limit: Nanos,
    /// When the disk has written back every dirty byte and served every queued read.
    busy: Nanos,
    bucket: Nanos,
    /// Bytes appended in all: how much of the logs the page cache holds.
    appended: u64,
    /// Bytes written to disk and read from disk, per timeline interval.
    pub(crate) write_bytes: Vec<u64>,
    pub(crate) read_bytes: Vec<u64>,
}

impl Disk {
    pub(crate) fn new(h: &BrokerHardware, bucket: Nanos) -> Disk {
        let write_ns_per_byte = NS_PER_S as f64 / h.disk_write_bytes_per_s().max(1.0);
        let cache_bytes = h.page_cache_bytes();
        Disk {
            write_ns_per_byte,
            read_ns_per_byte: NS_PER_S as f64 / h.disk_read_bytes_per_s().max(1.0),
            cache_bytes,
            dirty_limit: (cache_bytes * DIRTY_RATIO * write_ns_per_byte) as Nanos,
            busy: 0,
            bucket: bucket.max(1),
            appended: 0,

            write_bytes: Vec::new(),
            read_bytes: Vec::new(),
        }
    }

    /// Count `bytes` of disk work over [start, end) in `v`.
    fn book(v: &mut Vec<u64>, start: Nanos, end: Nanos, bytes: u64, bucket: Nanos) {
        let (k0, k1) = ((start / bucket) as usize, (end.max(start + 1) - 1) / bucket);
        let k1 = k1 as usize;
        if v.len() <= k1 {
            v.resize(k1 + 1, 0);
        }
        if k0 == k1 {
            v[k0] += bytes;
            return;
        }
        let span = (end - start) as f64;
        let mut left = bytes;
        for (k, x) in v.iter_mut().enumerate().take(k1 + 1).skip(k0) {
            let lo = (k as Nanos * bucket).max(start);
            let hi = ((k as Nanos + 1) * bucket).min(end);
            let share = if k == k1 {
                left
            } else {
                ((bytes as f64 * (hi - lo) as f64 / span) as u64).min(left)
            };
            *x += share;
            left -= share;
        }
    }

    /// An append of `bytes` at `now`: into the page cache, drained to disk in
    /// turn. Returns how long the writer waits: the time until the dirty
    /// bytes are back under the limit (0 while the disk keeps up).
    #[inline(always)]
    pub(crate) fn append(&mut self, now: Nanos, bytes: u64) -> Nanos {
        self.appended += bytes;
        let start = now.max(self.busy);
        self.busy = start + (bytes as f64 * self.write_ns_per_byte) as Nanos;
        Self::book(&mut self.write_bytes, start, self.busy, bytes, self.bucket);
        (self.busy - now).saturating_sub(self.dirty_limit)
    }

    /// Has more than the page cache been appended (else everything is cached)?
    #[inline(always)]
    pub(crate) fn may_evict(&self) -> bool {
        self.appended as f64 > self.cache_bytes
    }

    /// Is the record at offset `from` of a log whose end is `end` still in
    /// the page cache? The bytes appended to the broker since it was written
    /// are taken as the broker's appended bytes × (end − from) ÷ end.
    #[inline(always)]
    pub(crate) fn cached_back(&self, from: u64, end: u64) -> bool {
        if end == 0 || from >= end {
            return true;
        }
        let since = self.appended as f64 * (end - from) as f64 / end as f64;
        since <= self.cache_bytes
    }

    /// A read of `bytes` no longer cached, at `now`: queued behind the disk's
    /// work, then read at the disk's read rate. Returns when it is read.
    pub(crate) fn read(&mut self, now: Nanos, bytes: u64) -> Nanos {
        let start = now.max(self.busy);
        self.busy = start + (bytes as f64 * self.read_ns_per_byte) as Nanos;
        Self::book(&mut self.read_bytes, start, self.busy, bytes, self.bucket);
        self.busy
    }
}

impl super::World<'_> {
    /// When broker `b` has records [`from`, ...) of partition `p` (`bytes` of
    /// them) ready to send: now when the page cache still holds them, else
    /// once its disk has read them (`Disk::read`).
    #[inline(always)]
    pub(super) fn read_ready(&mut self, b: super::B, p: u32, from: u64, bytes: u64) -> Nanos {
        if bytes == 0 || !self.disks[b as usize].may_evict() {
            return self.now;
        }
        self.read_evicted(b, p, from, bytes)
    }

    /// [`Self::read_ready`] for a caller that knows broker `b`'s replica of
    /// the partition (`rep`, its index in `pos`).
    #[inline(always)]
    pub(super) fn read_ready_at(&mut self, b: super::B, rep: u32, from: u64, bytes: u64) -> Nanos {
        if bytes == 0 || !self.disks[b as usize].may_evict() {
            return self.now;
        }
        self.read_from(b, rep as usize, from, bytes)
    }

    /// Now when broker `b`'s page cache still holds the records from `from`
    /// of its replica `rep` (index in `pos`), else when its disk has read them.
    #[inline(always)]
    fn read_from(&mut self, b: super::B, rep: usize, from: u64, bytes: u64) -> Nanos {
        let end = self.pos[rep].leo;
        let disk = &mut self.disks[b as usize];
        if disk.cached_back(from, end) {
            return self.now;
        }
        disk.read(self.now, bytes)
    }

    /// How far back `from` is, in bytes appended to the broker since it was
    /// written: the partition's records after it, scaled by the broker's
    /// appended bytes over the partition's (the partition's share of the
    /// broker's writes, taken as steady over the run).
    #[cold]
    #[inline(never)]
    fn read_evicted(&mut self, b: super::B, p: u32, from: u64, bytes: u64) -> Nanos {
        let part = &self.parts[p as usize];
        let Some(ls) = part.slot_of(b) else {
            return self.now;
        };
        self.read_from(b, part.r0 as usize + ls, from, bytes)
    }
}

/// Log segment rolls by time (`log.roll.ms` / topic `segment.ms`), checked on
/// append as Kafka does: `UnifiedLog.maybeRoll` asks the active segment
/// `LogSegment.shouldRoll`, which rolls a non-empty segment when the append's
/// timestamp is more than `segment.ms` − the segment's jitter after the
/// segment's first record (`timeWaitedForRoll`). Each new segment draws its
/// jitter uniformly below min(`segment.jitter.ms`, `segment.ms`)
/// (`LogConfig.randomSegmentJitter`). Per replica: the time after which its
/// next append rolls; a roll by size starts a new segment too.
#[derive(Clone)]
pub(crate) struct TimeRolls {
    /// Some run is long enough for a segment to age out; when not, nothing is
    /// checked.
    pub(crate) on: bool,
    /// Per partition: `segment.ms` and `segment.jitter.ms`, ns.
    age: Vec<(Nanos, Nanos)>,
    /// Per replica slot (`World::pos` index): its next append rolls after
    /// this; `UNSET` while its log is empty.
    due: Vec<Nanos>,
}

const UNSET: Nanos = Nanos::MAX;

impl TimeRolls {
    /// `age[p]`: partition `p`'s (`segment.ms`, `segment.jitter.ms`) in ns;
    /// `slots`: the replica slots; `end`: the run's end.
    pub(crate) fn new(age: Vec<(Nanos, Nanos)>, slots: usize, end: Nanos) -> TimeRolls {
        // A segment can only age out if its roll age (less the largest
        // jitter) is shorter than the run.
        let on = age
            .iter()
            .any(|&(ms, j)| ms.saturating_sub(j.min(ms)) < end);
        TimeRolls {
            on,
            due: if on { vec![UNSET; slots] } else { Vec::new() },
            age,
        }
    }

    /// Replica slot `r` of partition `p` appends now, crossing `size_rolls`
    /// segment boundaries by size: the rolls by time this adds (0 or 1; a
    /// roll by time and one by size in the same append are one roll).
    pub(crate) fn on_append(
        &mut self,
        r: usize,
        p: usize,
        now: Nanos,
        size_rolls: u32,
        rng: &mut crate::sim::SimRng,
    ) -> u32 {
        let due = self.due[r];
        let by_time = due != UNSET && now > due;
        if by_time || size_rolls > 0 || due == UNSET {
            // A new segment: this append is its first record.
            let (ms, jitter) = self.age[p];
            let j = if jitter > 0 {
                // Whole ms, as `randomSegmentJitter` draws them.
                rng.below(jitter.min(ms) / crate::sim::NS_PER_MS) * crate::sim::NS_PER_MS
            } else {
                0
            };
            self.due[r] = now.saturating_add(ms - j);
        }
        u32::from(by_time && size_rolls == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::NS_PER_MS;

    fn hw(write: f64, read: f64, cache_gb: f64) -> BrokerHardware {
        BrokerHardware {
            disk_write_mb_s: write,
            disk_read_mb_s: read,
            page_cache_gb: cache_gb,
            ..BrokerHardware::default()
        }
    }

    /// Appends cost nothing while the disk keeps up; past the dirty limit the
    /// writer waits for what exceeds it (closed form: backlog − limit).
    #[test]
    fn appends_wait_only_past_the_dirty_limit() {
        // 100 MB/s disk, 1 GB cache: dirty limit 200 MB = 2 s of writeback.
        let mut d = Disk::new(&hw(100.0, 200.0, 1.0), NS_PER_S);
        assert_eq!(d.append(0, 100_000_000), 0, "1 s of writeback < 2 s");
        assert_eq!(d.append(0, 100_000_000), 0, "2 s, at the limit");
        let w = d.append(0, 50_000_000);
        assert_eq!(
            w,
            500 * NS_PER_MS,
            "2.5 s of writeback, 0.5 s past the limit"
        );
        assert_eq!(
            d.write_bytes[0], 100_000_000,
            "100 MB/s in the first second"
        );
    }

    /// The cache holds the last `page_cache_gb` appended: data older than that
    /// is read from disk, behind the writeback, at the read rate.
    #[test]
    fn evicted_data_is_read_from_disk() {
        let mut d = Disk::new(&hw(1000.0, 500.0, 1.0), NS_PER_S);
        // 0.5 GB per second for 4 s: the cache holds the last 2 s.
        for s in 0..4 {
            d.append(s * NS_PER_S, 500_000_000);
        }
        let now = 4 * NS_PER_S;
        // One log of 2000 records: the last half (1 GB) is cached.
        assert!(d.cached_back(1500, 2000));
        assert!(d.cached_back(1000, 2000));
        assert!(!d.cached_back(999, 2000));
        // The disk is idle at 4 s (each 0.5 GB took 0.5 s): a 50 MB read takes 0.1 s.
        assert_eq!(d.read(now, 50_000_000), now + 100 * NS_PER_MS);
    }
}
