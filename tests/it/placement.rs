//! Properties of the replica placers.

use std::collections::BTreeSet;

use ktopo::placement::{classic_rack_aware, rack_aware};
use ktopo::topology::{Assignment, BrokerInfo, SiteInfo, Topology};
use proptest::prelude::*;

/// One site, `racks` racks of `per_rack` brokers each, racks assigned round-robin
/// as `Topology::build` does.
fn grid(per_rack: usize, racks: usize) -> Topology {
    uneven(per_rack * racks, racks)
}

/// `n` brokers over `racks` racks round-robin: rack sizes differ by up to one.
fn uneven(n: usize, racks: usize) -> Topology {
    let brokers = (0..n)
        .map(|i| BrokerInfo {
            node_id: i as u32 + 1,
            site: 0,
            rack: format!("r{}", i % racks),
        })
        .collect();
    Topology {
        sites: vec![SiteInfo {
            name: "dc1".into(),
            lan_rtt_ms: 0.2,
        }],
        brokers,
        controllers: Vec::new(),
    }
}

fn racks_of(topo: &Topology, a: &Assignment) -> BTreeSet<String> {
    a.replicas
        .iter()
        .map(|&b| topo.brokers[b].rack.clone())
        .collect()
}

fn leader_counts(topo: &Topology, asg: &[Assignment]) -> Vec<usize> {
    let mut c = vec![0; topo.brokers.len()];
    for a in asg {
        c[a.replicas[0]] += 1;
    }
    c
}

fn replica_counts(topo: &Topology, asg: &[Assignment]) -> Vec<usize> {
    let mut c = vec![0; topo.brokers.len()];
    for a in asg {
        for &b in &a.replicas {
            c[b] += 1;
        }
    }
    c
}

fn spread(c: &[usize]) -> usize {
    c.iter().max().unwrap() - c.iter().min().unwrap()
}

fn check_spread(topo: &Topology, asg: &[Assignment], racks: usize, rf: usize, partitions: usize) {
    assert_eq!(asg.len(), partitions);
    for a in asg {
        assert_eq!(a.replicas.len(), rf);
        let distinct: BTreeSet<usize> = a.replicas.iter().copied().collect();
        assert_eq!(distinct.len(), rf, "a broker used twice: {a:?}");
        assert_eq!(racks_of(topo, a).len(), racks.min(rf), "{a:?}");
        assert!(a.observers.is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Every partition covers min(#racks, RF) racks, never uses a broker twice.
    #[test]
    fn striped_spreads_over_racks(
        per_rack in 1usize..5,
        racks in 1usize..6,
        extra_seed in 0usize..8,
        rf_seed in 0usize..64,
        partitions in 1usize..80,
        topic in 0usize..50,
    ) {
        let n = per_rack * racks + extra_seed % racks;
        let topo = uneven(n, racks);
        let rf = 1 + rf_seed % n.min(5);
        let asg = rack_aware(&topo, partitions, rf, topic);
        check_spread(&topo, &asg, racks, rf, partitions);
    }

    #[test]
    fn classic_spreads_over_racks(
        per_rack in 1usize..5,
        racks in 1usize..6,
        extra_seed in 0usize..8,
        rf_seed in 0usize..64,
        partitions in 1usize..80,
        topic in 0usize..50,
    ) {
        let n = per_rack * racks + extra_seed % racks;
        let topo = uneven(n, racks);
        let rf = 1 + rf_seed % n.min(5);
        let asg = classic_rack_aware(&topo, partitions, rf, topic);
        check_spread(&topo, &asg, racks, rf, partitions);
    }

    /// The classic placer's leaders are exactly balanced when partitions is a
    /// multiple of the broker count.
    #[test]
    fn classic_balances_leaders(
        per_rack in 1usize..5,
        racks in 1usize..6,
        rf_seed in 0usize..64,
        rounds in 1usize..5,
        topic in 0usize..50,
    ) {
        let topo = grid(per_rack, racks);
        let n = per_rack * racks;
        let rf = 1 + rf_seed % n.min(5);
        let asg = classic_rack_aware(&topo, n * rounds, rf, topic);
        prop_assert!(spread(&leader_counts(&topo, &asg)) <= 1);
    }

    /// Where the striped placer does balance: equal racks and RF ≤ #racks give
    /// every broker exactly partitions·RF/n replicas; with one rack, or RF 1,
    /// leaders are balanced within one partition.
    #[test]
    fn striped_balances_where_kafka_does(
        per_rack in 1usize..5,
        racks in 1usize..6,
        rf_seed in 0usize..64,
        rounds in 1usize..5,
        topic in 0usize..50,
    ) {
        let topo = grid(per_rack, racks);
        let n = per_rack * racks;
        let rf = 1 + rf_seed % racks.min(5);
        let asg = rack_aware(&topo, n * rounds, rf, topic);
        let rc = replica_counts(&topo, &asg);
        prop_assert!(rc.iter().all(|&c| c == rounds * rf), "{rc:?}");
        if racks == 1 || rf == 1 {
            prop_assert!(spread(&leader_counts(&topo, &asg)) <= 1);
        }
        // The leader count per rack is balanced whatever RF.
        let mut per_rack_leaders = vec![0; racks];
        for a in &asg {
            per_rack_leaders[a.replicas[0] % racks] += 1;
        }
        prop_assert!(spread(&per_rack_leaders) <= 1, "{per_rack_leaders:?}");
    }
}

/// Kafka's striped placer does not balance leaders over brokers inside a rack
/// (apache/kafka#12529): 3 racks × 3 brokers, RF 3, 9 partitions put every
/// leader on just 3 brokers, one per rack. We reproduce that, on purpose.
#[test]
fn striped_leader_skew_matches_kafka() {
    let topo = grid(3, 3);
    for topic in 0..10 {
        let asg = rack_aware(&topo, 9, 3, topic);
        let leaders = leader_counts(&topo, &asg);
        assert_eq!(leaders.iter().filter(|&&c| c > 0).count(), 3, "{leaders:?}");
        assert!(leaders.iter().all(|&c| c == 0 || c == 3));
    }
}

#[test]
fn placement_is_deterministic_and_varies_by_topic() {
    let topo = grid(2, 3);
    assert_eq!(rack_aware(&topo, 12, 3, 4), rack_aware(&topo, 12, 3, 4));
    let firsts: BTreeSet<usize> = (0..20)
        .map(|t| rack_aware(&topo, 1, 3, t)[0].replicas[0])
        .collect();
    assert!(firsts.len() > 1, "every topic starts on the same broker");
}

#[test]
fn rf_above_brokers_is_clamped() {
    let topo = grid(1, 2);
    let asg = rack_aware(&topo, 3, 5, 0);
    assert!(asg.iter().all(|a| a.replicas.len() == 2));
}

const EXPLICIT: &str = r#"
name = "t"
[[site]]
name = "west"
racks = ["w1", "w2"]
brokers = 4
controllers = 2
[[site]]
name = "east"
brokers = 3
controllers = 1
[[site]]
name = "arbiter"
controllers = 1
[[link]]
between = ["west", "east"]
rtt_ms = 5.0
[[link]]
between = ["west", "arbiter"]
rtt_ms = 5.0
[[link]]
between = ["east", "arbiter"]
rtt_ms = 5.0
[[topic]]
name = "orders"
partitions = 12
"replication.factor" = 3
"min.insync.replicas" = 2
[topic.placement]
replicas = [{ count = 1, rack = "w1" }, { count = 1, rack = "west" }, { count = 1, rack = "east" }]
observers = [{ count = 2, rack = "east" }]
"#;

#[test]
fn explicit_counts_balance_and_disjoint_observers() {
    let sc = ktopo::scenario::parse_str(EXPLICIT, "t.toml").expect("valid scenario");
    let topo = Topology::build(&sc);
    let asg = topo.assign(&sc, &sc.topic[0], 0);
    assert_eq!(asg.len(), 12);
    let site = |b: usize| topo.sites[topo.brokers[b].site].name.as_str();
    for a in &asg {
        assert_eq!(a.replicas.len(), 3);
        assert_eq!(a.observers.len(), 2);
        assert_eq!(topo.brokers[a.replicas[0]].rack, "w1");
        assert_eq!(site(a.replicas[1]), "west");
        assert_eq!(site(a.replicas[2]), "east");
        assert!(a.observers.iter().all(|&b| site(b) == "east"));
        let all: BTreeSet<usize> = a.replicas.iter().chain(&a.observers).copied().collect();
        assert_eq!(all.len(), 5, "a broker used twice: {a:?}");
    }
    // Leaders balanced over the two w1 brokers: 6 each.
    let leaders = leader_counts(&topo, &asg);
    let w1: Vec<usize> = (0..topo.brokers.len())
        .filter(|&b| topo.brokers[b].rack == "w1")
        .collect();
    assert_eq!(w1.len(), 2);
    assert!(w1.iter().all(|&b| leaders[b] == 6), "{leaders:?}");
    // Replicas plus observers balanced over the east brokers: 12·3 / 3 = 12 each.
    let mut east_load = vec![0; topo.brokers.len()];
    for a in &asg {
        for &b in a.replicas.iter().chain(&a.observers) {
            if site(b) == "east" {
                east_load[b] += 1;
            }
        }
    }
    let east: Vec<usize> = east_load.iter().copied().filter(|&c| c > 0).collect();
    assert_eq!(east, vec![12, 12, 12]);
}
