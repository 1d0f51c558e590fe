//! MirrorMaker 2's offset-sync store (`OffsetSyncStore`, Kafka ≥ 3.5,
//! KAFKA-14666): per partition, 64 (upstream, downstream) offset syncs spaced
//! about exponentially back from the latest, so that a consumer group's
//! committed offset far behind the copy's position can still be translated,
//! less precisely the older it is.
//!
//! Slot 0 holds the latest sync. For slots i < j holding distinct syncs, slot
//! j's upstream offset is at most 2^j − 2^i behind slot i's (recent enough)
//! and at least 2^(i−2) behind it (spread apart). Each new sync goes to slot
//! 0 and the older ones move down where they keep both bounds, as the store's
//! `updateSyncArray` does; a sync whose upstream offset is below the latest
//! (the source was truncated) replaces the whole store.

/// Syncs kept per partition (`OffsetSyncStore.SYNCS_PER_PARTITION`).
const SLOTS: usize = 64;

/// One partition's syncs, newest first; empty until the first sync. The
/// slots live in one boxed array, updated in place: a push touches only the
/// newest few slots, as a rule (it stops at the first that already holds).
#[derive(Clone, Debug, Default)]
pub(super) struct SyncStore {
    slots: Option<Box<[(u64, u64); SLOTS]>>,
}

/// Slot `j`'s sync `b` is recent enough for slot `i`'s `a` (i < j < 64).
fn recent(a: (u64, u64), b: (u64, u64), i: usize, j: usize) -> bool {
    b.0.checked_add((1u64 << j) - (1u64 << i))
        .is_none_or(|limit| a.0 <= limit)
}

/// Slot `i`'s `a` is far enough ahead of the next older sync `b` (i < 64).
fn apart(a: (u64, u64), b: (u64, u64), i: usize) -> bool {
    b.0.checked_add(1u64 << i.saturating_sub(2))
        .is_some_and(|least| a.0 >= least)
}

impl SyncStore {
    /// Apply a new sync (upstream, downstream).
    pub(super) fn push(&mut self, sync: (u64, u64)) {
        let slots = match &mut self.slots {
            Some(slots) if sync.0 >= slots[0].0 => slots,
            _ => {
                // The first sync, or the source was truncated: the store
                // holds only this one.
                self.slots = Some(Box::new([sync; SLOTS]));
                return;
            }
        };
        // `updateSyncArray` reads the store as it was before this sync
        // (`original`) while it rewrites it. Slot `k` is read as it was only
        // while the rewrite is at slot `k` or later, so each slot's old value
        // is kept in `saved` as it is overwritten.
        let mut saved = [(0u64, 0u64); SLOTS];
        saved[0] = slots[0];
        slots[0] = sync;
        // The candidate for the current slot, and the next old slot to offer.
        let (mut candidate, mut next_old) = (sync, 0);
        for cur in 1..SLOTS {
            let prev = cur - 1;
            let old = |k: usize, slots: &[(u64, u64); SLOTS]| {
                if k < cur { saved[k] } else { slots[k] }
            };
            loop {
                let offered = old(next_old, slots);
                let fits_prev = apart(slots[prev], offered, prev);
                let fits_next = cur + 1 >= SLOTS || apart(offered, slots[cur + 1], cur);
                let take = recent(slots[prev], offered, prev, cur) && fits_prev && fits_next;
                if take {
                    candidate = offered;
                }
                let repeated = next_old + 1 < SLOTS && offered == old(next_old + 1, slots);
                let skip = repeated || !fits_prev;
                if take || skip {
                    next_old += 1;
                }
                if !(skip && next_old < cur) {
                    break;
                }
            }
            if recent(slots[prev], slots[cur], prev, cur) {
                // The older slots already hold.
                break;
            }
            saved[cur] = slots[cur];
            slots[cur] = candidate;
        }
    }

    /// `OffsetSyncStore.translateDownstream`: the newest sync at or before
    /// `up`, its downstream offset if exact, else one past it; `None` when
    /// every kept sync is past `up` (MirrorCheckpointTask then emits no
    /// checkpoint: "offsets we cannot translate accurately").
    pub(super) fn translate(&self, up: u64) -> Option<u64> {
        let s = self.slots.as_ref()?.iter().find(|s| s.0 <= up)?;
        Some(if s.0 == up { s.1 } else { s.1 + 1 })
    }

    /// The newest sync's downstream offset.
    #[cfg(test)]
    fn latest(&self) -> Option<(u64, u64)> {
        self.slots.as_ref().map(|s| s[0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distinct(s: &SyncStore) -> Vec<u64> {
        let mut v: Vec<u64> = s.slots.iter().flat_map(|x| x.iter()).map(|x| x.0).collect();
        v.dedup();
        v
    }

    /// A sync every 100 offsets up to 1 000 000 (10 000 syncs): the newest is
    /// exact, and an offset far behind, which a window of the last 64 syncs
    /// (6 400 offsets) could not place, still translates, to a sync no
    /// further behind it than it is behind the newest. The spacing bounds
    /// hold between every pair of adjacent distinct slots.
    #[test]
    fn old_offsets_still_translate_with_exponentially_spaced_syncs() {
        let mut s = SyncStore::default();
        for k in 0..10_000u64 {
            s.push((k * 100, k * 100));
        }
        assert_eq!(s.latest(), Some((999_900, 999_900)));
        assert_eq!(s.translate(999_900), Some(999_900));
        for behind in [1_000u64, 10_000, 100_000, 500_000] {
            let up = 999_900 - behind;
            let down = s.translate(up).expect("translated");
            assert!(down <= up + 1, "{up} → {down}: never past the position");
            assert!(up - down <= behind, "{up} → {down}: within {behind}");
        }
        let d = distinct(&s);
        assert!(d.len() > 10 && d.windows(2).all(|w| w[0] > w[1]));
        for (i, w) in s.slots.as_ref().expect("filled").windows(2).enumerate() {
            if w[0] != w[1] {
                assert!(recent(w[0], w[1], i, i + 1) && apart(w[0], w[1], i));
            }
        }
    }

    /// The spacing rules in wide arithmetic, as the store's Java states them.
    fn recent_wide(a: (u64, u64), b: (u64, u64), i: usize, j: usize) -> bool {
        u128::from(a.0) <= u128::from(b.0) + (1u128 << j) - (1u128 << i)
    }

    fn apart_wide(a: (u64, u64), b: (u64, u64), i: usize) -> bool {
        u128::from(a.0) >= u128::from(b.0) + (1u128 << i.saturating_sub(2))
    }

    /// `updateSyncArray` as written: a copy of the store is the `original`
    /// it reads while it rewrites the store.
    fn push_copying(slots: &mut Vec<(u64, u64)>, sync: (u64, u64)) {
        if slots.first().is_none_or(|s| sync.0 < s.0) {
            *slots = vec![sync; SLOTS];
            return;
        }
        let old = slots.clone();
        slots[0] = sync;
        let (mut candidate, mut next_old) = (sync, 0);
        for cur in 1..SLOTS {
            let prev = cur - 1;
            loop {
                let offered = old[next_old];
                let fits_prev = apart_wide(slots[prev], offered, prev);
                let fits_next = cur + 1 >= SLOTS || apart_wide(offered, slots[cur + 1], cur);
                let take = recent_wide(slots[prev], offered, prev, cur) && fits_prev && fits_next;
                if take {
                    candidate = offered;
                }
                let repeated = next_old + 1 < SLOTS && offered == old[next_old + 1];
                let skip = repeated || !fits_prev;
                if take || skip {
                    next_old += 1;
                }
                if !(skip && next_old < cur) {
                    break;
                }
            }
            if recent_wide(slots[prev], slots[cur], prev, cur) {
                break;
            }
            slots[cur] = candidate;
        }
    }

    use proptest::prelude::Just;

    proptest::proptest! {
        /// The in-place update keeps exactly the syncs the copying one does,
        /// for any sequence of syncs: steps of any size, repeats, rewinds,
        /// and offsets near the top of the range.
        #[test]
        fn updating_in_place_keeps_the_same_syncs(
            steps in proptest::collection::vec((0u64..5_000, 0u8..20), 1..400),
            base in proptest::prop_oneof![Just(0u64), Just(u64::MAX - (1 << 22))],
        ) {
            let (mut fast, mut slow) = (SyncStore::default(), Vec::new());
            let mut up = base;
            for (i, (gap, roll)) in steps.into_iter().enumerate() {
                // One step in 20 rewinds the source; the rest move ahead.
                up = if roll == 0 { base + (up - base) / 2 } else { up + gap };
                let sync = (up, i as u64);
                fast.push(sync);
                push_copying(&mut slow, sync);
                proptest::prop_assert_eq!(&fast.slots.as_deref().expect("filled")[..], &slow[..]);
            }
        }
    }

    /// A sync behind the newest (the source was truncated and rewritten)
    /// replaces the store.
    #[test]
    fn a_rewind_clears_the_store() {
        let mut s = SyncStore::default();
        for k in 1..100u64 {
            s.push((k * 10, k));
        }
        s.push((5, 200));
        assert_eq!(distinct(&s), vec![5]);
        assert_eq!(s.translate(4), None);
        assert_eq!(s.translate(7), Some(201));
    }
}
