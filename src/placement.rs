//! Replica placement: Kafka's rack-aware placer and explicit placement in the
//! spirit of Confluent's replica-placement JSON.

use crate::scenario::Placement;
use crate::topology::{Assignment, Topology};

/// Kafka's rack-aware assignment (simplified first version): spread each
/// partition over min(#racks, RF) racks, round-robin over sorted racks with a
/// rotating start, then round-robin inside a rack.
pub fn rack_aware(topo: &Topology, partitions: usize, rf: usize, start: usize) -> Vec<Assignment> {
    let mut racks: Vec<&str> = topo.brokers.iter().map(|b| b.rack.as_str()).collect();
    racks.sort();
    racks.dedup();
    let by_rack: Vec<Vec<usize>> = racks
        .iter()
        .map(|r| {
            (0..topo.brokers.len())
                .filter(|&i| topo.brokers[i].rack == *r)
                .collect()
        })
        .collect();
    let mut out = Vec::with_capacity(partitions);
    for p in 0..partitions {
        let mut reps = Vec::with_capacity(rf);
        let mut k = 0;
        while reps.len() < rf.min(topo.brokers.len()) {
            let r = (start + p + k) % racks.len();
            let inside = &by_rack[r];
            let round = k / racks.len();
            let b = inside[(p / racks.len() + round + start) % inside.len()];
            if !reps.contains(&b) {
                reps.push(b);
            }
            k += 1;
            if k > 64 * topo.brokers.len() {
                break;
            }
        }
        out.push(Assignment {
            replicas: reps,
            observers: Vec::new(),
        });
    }
    out
}

/// Explicit placement: `count` replicas (then observers) from each named rack or site,
/// rotating through the brokers of that rack/site partition by partition.
pub fn explicit(
    topo: &Topology,
    pl: &Placement,
    partitions: usize,
    start: usize,
) -> Vec<Assignment> {
    let pick = |groups: &[crate::scenario::PlacementGroup], p: usize, taken: &mut Vec<usize>| {
        let mut chosen = Vec::new();
        for g in groups {
            let pool: Vec<usize> = (0..topo.brokers.len())
                .filter(|&i| {
                    let b = &topo.brokers[i];
                    b.rack == g.rack || topo.sites[b.site].name == g.rack
                })
                .collect();
            let mut k = 0;
            let mut n = 0;
            while n < g.count as usize && k < pool.len() {
                let b = pool[(p + start + k) % pool.len()];
                if !taken.contains(&b) {
                    taken.push(b);
                    chosen.push(b);
                    n += 1;
                }
                k += 1;
            }
        }
        chosen
    };
    (0..partitions)
        .map(|p| {
            let mut taken = Vec::new();
            let replicas = pick(&pl.replicas, p, &mut taken);
            let observers = pick(&pl.observers, p, &mut taken);
            Assignment {
                replicas,
                observers,
            }
        })
        .collect()
}
