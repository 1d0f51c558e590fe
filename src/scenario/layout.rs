//! The clusters and copy flows a `[[design]]` lays over the sites: pure
//! arithmetic on the parsed scenario, here (not in `topology`) because
//! validation needs it (an async design's clusters, the cycle check of
//! identity naming) and `scenario` imports nothing above it.

use super::{Design, DesignKind, DesignTopology, Scenario};

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
    pub fn of(sc: &Scenario, d: &Design) -> DesignLayout {
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

    /// A cycle of flows (as cluster indices, first repeated at the end), if any.
    pub fn cycle(&self) -> Option<Vec<usize>> {
        let n = self.clusters.len();
        // Depth-first search in cluster order: deterministic.
        fn dfs(
            u: usize,
            flows: &[(usize, usize)],
            state: &mut [u8],
            stack: &mut Vec<usize>,
        ) -> Option<Vec<usize>> {
            state[u] = 1;
            stack.push(u);
            for &(a, b) in flows {
                if a != u {
                    continue;
                }
                if state[b] == 1 {
                    let i = stack.iter().position(|&x| x == b).unwrap_or(0);
                    let mut c = stack[i..].to_vec();
                    c.push(b);
                    return Some(c);
                }
                if state[b] == 0
                    && let Some(c) = dfs(b, flows, state, stack)
                {
                    return Some(c);
                }
            }
            stack.pop();
            state[u] = 2;
            None
        }
        let mut state = vec![0u8; n];
        for u in 0..n {
            if state[u] == 0
                && let Some(c) = dfs(u, &self.flows, &mut state, &mut Vec::new())
            {
                return Some(c);
            }
        }
        None
    }
}
