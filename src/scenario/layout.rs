//! The clusters and copy flows a `[[design]]` lays over the sites: pure
//! arithmetic on the parsed scenario, here (not in `topology`) because
//! validation needs it (an async design's clusters, the cycle check of
//! identity naming) and `scenario` imports nothing above it.

use super::{Design, DesignKind, DesignTopology, Scenario};

/// The clusters and copy flows of one design, as plain data.
///
/// A stretched design is one cluster over every site. An async design is one
/// cluster per listed site (default: every site with brokers); a hybrid design
/// one stretched cluster (cluster 0) and one cluster per other site; `flows`
/// are the (source cluster, target cluster) pairs its topology copies along.
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
    ///
    /// A hybrid design's cluster 0 is its stretched cluster: the `stretched`
    /// sites plus every site with `brokers = 0` and controllers (the quorum's
    /// tie-breaker), in file order; then one cluster per other site with
    /// brokers (or per `clusters` entry), as an async design.
    pub fn of(sc: &Scenario, d: &Design) -> DesignLayout {
        if d.kind == DesignKind::Stretched {
            return Self::stretched(sc);
        }
        let site_ix = |n: &str| sc.site.iter().position(|s| s.name == n);
        let mut clusters: Vec<Vec<usize>> = Vec::new();
        let mut taken: Vec<usize> = Vec::new();
        if d.kind == DesignKind::Hybrid {
            let named: Vec<usize> = d.stretched.iter().filter_map(|n| site_ix(n)).collect();
            let metro: Vec<usize> = (0..sc.site.len())
                .filter(|&i| {
                    named.contains(&i) || (sc.site[i].brokers == 0 && sc.site[i].controllers > 0)
                })
                .collect();
            taken.extend(&metro);
            clusters.push(metro);
        }
        let sites: Vec<usize> = if d.clusters.is_empty() {
            (0..sc.site.len())
                .filter(|&i| sc.site[i].brokers > 0 && !taken.contains(&i))
                .collect()
        } else {
            d.clusters
                .iter()
                .filter_map(|n| site_ix(n))
                .filter(|i| !taken.contains(i))
                .collect()
        };
        clusters.extend(sites.into_iter().map(|s| vec![s]));
        let n = clusters.len();
        let cl_of = |name: &Option<String>, default: usize| {
            name.as_deref()
                .and_then(site_ix)
                .and_then(|s| clusters.iter().position(|c| c.contains(&s)))
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
        DesignLayout { clusters, flows }
    }

    /// The cluster holding site `s`, if any.
    pub fn cluster_of(&self, s: usize) -> Option<usize> {
        self.clusters.iter().position(|c| c.contains(&s))
    }

    /// The site standing for cluster `c` (routes to it, its copier site): its
    /// first site with brokers (a stretched cluster may list a controller-only
    /// tie-breaker first).
    pub fn anchor(&self, sc: &Scenario, c: usize) -> usize {
        let sites = &self.clusters[c];
        sites
            .iter()
            .copied()
            .find(|&s| sc.site[s].brokers > 0)
            .unwrap_or(sites[0])
    }

    /// A cluster's name in reports and messages: its sites joined by `+`.
    pub fn cluster_name(&self, sc: &Scenario, c: usize) -> String {
        self.clusters[c]
            .iter()
            .map(|&s| sc.site[s].name.as_str())
            .collect::<Vec<_>>()
            .join("+")
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
