//! Sites, racks, brokers, controllers and replica placement, as plain data.
//! Knows nothing of time: the simulator builds its state from a [`Topology`].

use crate::scenario::{Scenario, Topic};

#[derive(Clone, Debug)]
pub struct SiteInfo {
    pub name: String,
    pub lan_rtt_ms: f64,
}

#[derive(Clone, Debug)]
pub struct BrokerInfo {
    /// Kafka `node.id`: brokers are numbered 1.. in site order.
    pub node_id: u32,
    /// Index into [`Topology::sites`].
    pub site: usize,
    /// `broker.rack`.
    pub rack: String,
}

#[derive(Clone, Debug)]
pub struct ControllerInfo {
    /// Kafka `node.id`: controllers are numbered from 3000 in site order.
    pub node_id: u32,
    pub site: usize,
}

/// Replicas of one partition, as indices into [`Topology::brokers`].
/// `replicas[0]` is the preferred leader. Observers are never in the ISR.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    pub replicas: Vec<usize>,
    pub observers: Vec<usize>,
}

#[derive(Clone, Debug)]
pub struct Topology {
    pub sites: Vec<SiteInfo>,
    pub brokers: Vec<BrokerInfo>,
    pub controllers: Vec<ControllerInfo>,
}

pub const FIRST_CONTROLLER_ID: u32 = 3000;

impl Topology {
    /// Build from a validated scenario.
    pub fn build(sc: &Scenario) -> Topology {
        let mut sites = Vec::new();
        let mut brokers = Vec::new();
        let mut controllers = Vec::new();
        let mut next_broker = 1;
        let mut next_ctrl = FIRST_CONTROLLER_ID;
        for (si, s) in sc.site.iter().enumerate() {
            sites.push(SiteInfo {
                name: s.name.clone(),
                lan_rtt_ms: s.lan_rtt_ms,
            });
            let racks = crate::scenario::site_racks(s);
            for b in 0..s.brokers as usize {
                brokers.push(BrokerInfo {
                    node_id: next_broker,
                    site: si,
                    rack: racks[b % racks.len()].to_string(),
                });
                next_broker += 1;
            }
            for _ in 0..s.controllers {
                controllers.push(ControllerInfo {
                    node_id: next_ctrl,
                    site: si,
                });
                next_ctrl += 1;
            }
        }
        Topology {
            sites,
            brokers,
            controllers,
        }
    }

    pub fn site_index(&self, name: &str) -> Option<usize> {
        self.sites.iter().position(|s| s.name == name)
    }

    pub fn broker_index(&self, node_id: u32) -> Option<usize> {
        self.brokers.iter().position(|b| b.node_id == node_id)
    }

    /// Replica assignment of every partition of `topic` (index `topic_index` in the
    /// scenario, which rotates the placer's start so topics do not all start on
    /// the same broker).
    pub fn assign(&self, sc: &Scenario, topic: &Topic, topic_index: usize) -> Vec<Assignment> {
        let rf = topic
            .replication_factor
            .unwrap_or(sc.broker.default_replication_factor) as usize;
        match &topic.placement {
            Some(p) => crate::placement::explicit(self, p, topic.partitions as usize, topic_index),
            None => crate::placement::rack_aware(self, topic.partitions as usize, rf, topic_index),
        }
    }
}

/// The clusters and copy flows of one design, as plain data.
///
/// A stretched design is one cluster over every site. An async design is one
/// cluster per listed site (default: every site with brokers); `flows` are the
/// (source cluster, target cluster) pairs its topology copies along.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DesignLayout {
    /// Sites of each cluster (a stretched cluster holds every site).
    pub clusters: Vec<Vec<usize>>,
    /// (source cluster, target cluster), in a fixed order.
    pub flows: Vec<(usize, usize)>,
}

impl DesignLayout {
    /// The single stretched cluster of a scenario without designs.
    pub fn stretched(sc: &Scenario) -> DesignLayout {
        DesignLayout {
            clusters: vec![(0..sc.site.len()).collect()],
            flows: Vec::new(),
        }
    }

    /// Clusters and flows of `d`. Names that do not resolve are skipped
    /// (validation reports them).
    pub fn of(sc: &Scenario, d: &crate::scenario::Design) -> DesignLayout {
        use crate::scenario::{DesignKind, DesignTopology};
        if d.kind == DesignKind::Stretched {
            return Self::stretched(sc);
        }
        let site_ix = |n: &str| sc.site.iter().position(|s| s.name == n);
        let sites: Vec<usize> = if d.clusters.is_empty() {
            (0..sc.site.len())
                .filter(|&i| sc.site[i].brokers > 0)
                .collect()
        } else {
            d.clusters.iter().filter_map(|n| site_ix(n)).collect()
        };
        let n = sites.len();
        let cl_of = |name: &Option<String>, default: usize| {
            name.as_deref()
                .and_then(site_ix)
                .and_then(|s| sites.iter().position(|&x| x == s))
                .unwrap_or(default)
        };
        let mut flows = Vec::new();
        match d.topology {
            DesignTopology::ActivePassive => {
                let p = cl_of(&d.primary, 0);
                flows.extend((0..n).filter(|&c| c != p).map(|c| (p, c)));
            }
            DesignTopology::FanIn => {
                let h = cl_of(&d.hub, n.saturating_sub(1));
                flows.extend((0..n).filter(|&c| c != h).map(|c| (c, h)));
            }
            DesignTopology::HubAndSpoke => {
                let h = cl_of(&d.hub, n.saturating_sub(1));
                flows.extend((0..n).filter(|&c| c != h).map(|c| (h, c)));
            }
            DesignTopology::ActiveActive | DesignTopology::Mesh => {
                for a in 0..n {
                    for b in 0..n {
                        if a != b {
                            flows.push((a, b));
                        }
                    }
                }
            }
        }
        DesignLayout {
            clusters: sites.into_iter().map(|s| vec![s]).collect(),
            flows,
        }
    }

    /// A cycle of flows (as cluster indices, first repeated at the end), if any:
    /// the shortest cycle through the lowest cluster that lies on one. The
    /// flows as a petgraph `DiGraph`: `is_cyclic_directed`, then the strongly
    /// connected components (`tarjan_scc`), then within the component of that
    /// cluster `u` the shortest path `u → v` (`astar` with unit costs) back
    /// along the lowest-cost, lowest-index flow `v → u`. Deterministic.
    pub fn cycle(&self) -> Option<Vec<usize>> {
        use petgraph::algo::{astar, is_cyclic_directed, tarjan_scc};
        use petgraph::graph::{DiGraph, NodeIndex};
        use petgraph::visit::NodeFiltered;
        let n = self.clusters.len();
        let mut g = DiGraph::<(), ()>::with_capacity(n, self.flows.len());
        for _ in 0..n {
            g.add_node(());
        }
        for &(a, b) in &self.flows {
            if a < n && b < n {
                g.add_edge(NodeIndex::new(a), NodeIndex::new(b), ());
            }
        }
        if !is_cyclic_directed(&g) {
            return None;
        }
        // Components that hold a cycle: several clusters, or one copying to itself.
        let on_cycle = |c: &Vec<NodeIndex>| c.len() > 1 || g.contains_edge(c[0], c[0]);
        let scc = tarjan_scc(&g)
            .into_iter()
            .filter(|c| !c.is_empty() && on_cycle(c))
            .min_by_key(|c| c.iter().map(|x| x.index()).min())?;
        let u = *scc.iter().min()?;
        let inside = NodeFiltered::from_fn(&g, |x: NodeIndex| scc.contains(&x));
        let back = self
            .flows
            .iter()
            .filter(|&&(a, b)| b == u.index() && scc.contains(&NodeIndex::new(a)))
            .filter_map(|&(v, _)| {
                let v = NodeIndex::new(v);
                let (cost, path) = astar(&inside, u, |x| x == v, |_| 1usize, |_| 0)?;
                Some((cost, v.index(), path))
            })
            .min_by_key(|&(cost, v, _)| (cost, v))?;
        let mut cycle: Vec<usize> = back.2.into_iter().map(|x| x.index()).collect();
        cycle.push(u.index());
        Some(cycle)
    }
}

impl Topology {
    /// The same sites, restricted to the brokers in `sites` (for placing a
    /// cluster's topics), with the map from the restricted broker index back to
    /// the full one.
    pub fn restricted(&self, sites: &[usize]) -> (Topology, Vec<usize>) {
        let mut map = Vec::new();
        let mut brokers = Vec::new();
        for (i, b) in self.brokers.iter().enumerate() {
            if sites.contains(&b.site) {
                map.push(i);
                brokers.push(b.clone());
            }
        }
        let t = Topology {
            sites: self.sites.clone(),
            brokers,
            controllers: self
                .controllers
                .iter()
                .filter(|c| sites.contains(&c.site))
                .cloned()
                .collect(),
        };
        (t, map)
    }
}

#[cfg(test)]
mod tests {
    use super::DesignLayout;

    fn layout(n: usize, flows: &[(usize, usize)]) -> DesignLayout {
        DesignLayout {
            clusters: (0..n).map(|s| vec![s]).collect(),
            flows: flows.to_vec(),
        }
    }

    /// One-way topologies have no cycle; active-active, a ring and a cycle
    /// away from cluster 0 are found, shortest first, through the lowest
    /// cluster on one.
    #[test]
    fn cycles_of_flows() {
        assert_eq!(layout(3, &[(0, 1), (0, 2)]).cycle(), None);
        assert_eq!(layout(3, &[(0, 1), (1, 2)]).cycle(), None);
        assert_eq!(layout(2, &[(0, 1), (1, 0)]).cycle(), Some(vec![0, 1, 0]));
        let mesh: Vec<(usize, usize)> = (0..3)
            .flat_map(|a| (0..3).filter(move |&b| b != a).map(move |b| (a, b)))
            .collect();
        assert_eq!(layout(3, &mesh).cycle(), Some(vec![0, 1, 0]));
        assert_eq!(
            layout(3, &[(0, 1), (1, 2), (2, 0)]).cycle(),
            Some(vec![0, 1, 2, 0])
        );
        assert_eq!(
            layout(3, &[(0, 1), (1, 2), (2, 1)]).cycle(),
            Some(vec![1, 2, 1])
        );
        assert_eq!(layout(2, &[(1, 1)]).cycle(), Some(vec![1, 1]));
    }
}
