//! The site graph: sites as nodes, `[[link]]`s as edges (petgraph). It answers
//! the graph questions of the network: the route between two sites, which
//! sites still reach each other after link cuts and site losses, and the
//! connected components that are left.
//!
//! The routing rule, shared by the simulator (`net`) and `check`:
//!
//! - two sites joined by a `[[link]]` talk over that link; when it is cut they
//!   are partitioned from each other (a `link-partition` fault partitions the
//!   pair; it is not routed around, so a partial partition, where both still
//!   reach a third site, stays expressible);
//! - two sites without a direct link talk over the shortest path by round trip
//!   through other sites (Dijkstra over the links that are up; ties go to the
//!   path with fewer hops, then to the lower link indices), never through a
//!   site that is down. With no such path they are partitioned.
//!
//! Knows nothing of time or Kafka: costs are whatever the caller passes (the
//! links' round trips in nanoseconds).

use petgraph::Incoming;
use petgraph::algo::dijkstra;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::unionfind::UnionFind;
use petgraph::visit::{Bfs, EdgeFiltered, EdgeRef};

use crate::scenario::Scenario;

/// One hop of a route: `link` crossed from site `from` to site `to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hop {
    pub link: usize,
    pub from: usize,
    pub to: usize,
}

/// Sites and links as a graph. Each link is two arcs, one per direction,
/// weighted by the link's index.
#[derive(Clone, Debug)]
pub struct SiteGraph {
    g: DiGraph<(), usize>,
    /// Ends of each link, in `[[link]]` order.
    ends: Vec<(usize, usize)>,
    /// `a * n + b` → the direct link between sites a and b.
    direct: Vec<Option<usize>>,
}

/// The state a question is asked in: which links are cut (by link index) and
/// which sites are down (by site index). Empty slices mean "none".
#[derive(Clone, Copy, Debug, Default)]
pub struct Faults<'a> {
    pub cut: &'a [bool],
    pub down: &'a [bool],
}

impl Faults<'_> {
    fn cut(&self, link: usize) -> bool {
        self.cut.get(link).copied().unwrap_or(false)
    }
    fn down(&self, site: usize) -> bool {
        self.down.get(site).copied().unwrap_or(false)
    }
}

/// Dijkstra's key: the cost in the high bits, one per hop in the low ones, so
/// that of two paths with the same round trip the one with fewer hops wins.
fn key(cost: u64) -> u128 {
    ((cost as u128) << 20) | 1
}

impl SiteGraph {
    /// `n_sites` sites and the links `(a, b)` between them, in link order.
    /// Links naming a site out of range or joining a site to itself are kept
    /// as indices but carry nothing (validation rejects them).
    pub fn new(n_sites: usize, links: &[(usize, usize)]) -> SiteGraph {
        let mut g = DiGraph::with_capacity(n_sites, 2 * links.len());
        for _ in 0..n_sites {
            g.add_node(());
        }
        let mut direct = vec![None; n_sites * n_sites];
        for (i, &(a, b)) in links.iter().enumerate() {
            if a >= n_sites || b >= n_sites || a == b {
                continue;
            }
            g.add_edge(NodeIndex::new(a), NodeIndex::new(b), i);
            g.add_edge(NodeIndex::new(b), NodeIndex::new(a), i);
            direct[a * n_sites + b].get_or_insert(i);
            direct[b * n_sites + a].get_or_insert(i);
        }
        SiteGraph {
            g,
            ends: links.to_vec(),
            direct,
        }
    }

    /// The graph of a scenario's `[[site]]`s and `[[link]]`s (links naming an
    /// unknown site are left out; validation reports them).
    pub fn of(sc: &Scenario) -> SiteGraph {
        let ix = |n: &str| sc.site.iter().position(|s| s.name == n);
        let links: Vec<(usize, usize)> = sc
            .link
            .iter()
            .map(|l| match (ix(&l.between[0]), ix(&l.between[1])) {
                (Some(a), Some(b)) => (a, b),
                _ => (usize::MAX, usize::MAX),
            })
            .collect();
        SiteGraph::new(sc.site.len(), &links)
    }

    pub fn n_sites(&self) -> usize {
        self.g.node_count()
    }

    /// The link joining `a` and `b` directly, if any.
    pub fn direct(&self, a: usize, b: usize) -> Option<usize> {
        let n = self.n_sites();
        if a >= n || b >= n {
            return None;
        }
        self.direct[a * n + b]
    }

    /// The two sites link `link` joins, as given.
    pub fn ends(&self, link: usize) -> (usize, usize) {
        self.ends[link]
    }

    /// The route from `src` to every site (index = target), by the rule of
    /// the module: the direct link when there is one (`None` while it is
    /// cut), else the shortest path by `cost(link)` over links not cut,
    /// through sites not down (the ends may be down). `Some(vec![])` for
    /// `src` itself. One Dijkstra run (petgraph's `algo::dijkstra`), then
    /// each path read back from the distances, taking the lowest link index
    /// among equally short predecessors.
    pub fn routes_from(
        &self,
        src: usize,
        cost: impl Fn(usize) -> u64,
        faults: Faults,
    ) -> Vec<Option<Vec<Hop>>> {
        let n = self.n_sites();
        let mut out: Vec<Option<Vec<Hop>>> = vec![None; n];
        if src >= n {
            return out;
        }
        out[src] = Some(Vec::new());
        let usable = |e: petgraph::graph::EdgeReference<'_, usize>| {
            let from = e.source().index();
            !faults.cut(*e.weight()) && (from == src || !faults.down(from))
        };
        let view = EdgeFiltered::from_fn(&self.g, usable);
        // petgraph returns a hash map: it is only looked up here, never
        // iterated, so no order of it reaches a result.
        let dist_map = dijkstra(&view, NodeIndex::new(src), None, |e| key(cost(*e.weight())));
        let dist: Vec<Option<u128>> = (0..n)
            .map(|i| dist_map.get(&NodeIndex::new(i)).copied())
            .collect();
        for (t, slot) in out.iter_mut().enumerate() {
            if t == src {
                continue;
            }
            if let Some(l) = self.direct(src, t) {
                if !faults.cut(l) {
                    *slot = Some(vec![Hop {
                        link: l,
                        from: src,
                        to: t,
                    }]);
                }
                continue;
            }
            if dist[t].is_none() {
                continue;
            }
            let mut hops = Vec::new();
            let mut at = t;
            while at != src && hops.len() < n {
                let Some(d_at) = dist[at] else { break };
                let prev = self
                    .g
                    .edges_directed(NodeIndex::new(at), Incoming)
                    .filter(|e| usable(*e))
                    .filter_map(|e| {
                        let u = e.source().index();
                        let w = key(cost(*e.weight()));
                        (dist[u].and_then(|du| du.checked_add(w)) == Some(d_at))
                            .then_some((*e.weight(), u))
                    })
                    .min();
                let Some((link, u)) = prev else { break };
                hops.push(Hop {
                    link,
                    from: u,
                    to: at,
                });
                at = u;
            }
            if at == src {
                hops.reverse();
                *slot = Some(hops);
            }
        }
        out
    }

    /// The route from `a` to `b` (see [`Self::routes_from`]).
    pub fn route(
        &self,
        a: usize,
        b: usize,
        cost: impl Fn(usize) -> u64,
        faults: Faults,
    ) -> Option<Vec<Hop>> {
        self.routes_from(a, cost, faults)
            .into_iter()
            .nth(b)
            .flatten()
    }

    /// The route from `a` to `b` in scenario `sc` (whose graph this is) with
    /// every link up, by the links' `rtt_ms`.
    pub fn scenario_route(&self, sc: &Scenario, a: usize, b: usize) -> Option<Vec<Hop>> {
        let rtt_ns = |li: usize| {
            sc.link
                .get(li)
                .map_or(0, |l| (l.rtt_ms.max(0.0) * 1e6).round() as u64)
        };
        self.route(a, b, rtt_ns, Faults::default())
    }

    /// Which sites `a` reaches under `faults` (index = site; `a` reaches itself):
    /// where [`Self::routes_from`] finds a route, without building the paths
    /// (a breadth-first search, petgraph's `Bfs`, over the same arcs).
    pub fn reach_from(&self, a: usize, faults: Faults) -> Vec<bool> {
        let n = self.n_sites();
        let mut out = vec![false; n];
        if a >= n {
            return out;
        }
        let view =
            EdgeFiltered::from_fn(&self.g, |e: petgraph::graph::EdgeReference<'_, usize>| {
                let from = e.source().index();
                !faults.cut(*e.weight()) && (from == a || !faults.down(from))
            });
        let mut bfs = Bfs::new(&view, NodeIndex::new(a));
        while let Some(x) = bfs.next(&view) {
            out[x.index()] = true;
        }
        for (t, r) in out.iter_mut().enumerate() {
            if let Some(l) = self.direct(a, t) {
                *r = !faults.cut(l);
            }
        }
        out
    }

    /// Connected components of the sites that are up, over the links not cut
    /// (petgraph's `UnionFind`): for each site the smallest site index of its
    /// component, `None` for a site that is down. Sites in different
    /// components cannot reach each other; sites in one component can, except
    /// a directly linked pair whose own link is cut (see the module rule).
    pub fn components(&self, faults: Faults) -> Vec<Option<usize>> {
        let n = self.n_sites();
        let mut uf = UnionFind::<usize>::new(n);
        for (i, &(a, b)) in self.ends.iter().enumerate() {
            if a < n && b < n && !faults.cut(i) && !faults.down(a) && !faults.down(b) {
                uf.union(a, b);
            }
        }
        let mut smallest = vec![usize::MAX; n];
        for s in 0..n {
            if !faults.down(s) {
                let r = uf.find(s);
                smallest[r] = smallest[r].min(s);
            }
        }
        (0..n)
            .map(|s| (!faults.down(s)).then(|| smallest[uf.find(s)]))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain() -> SiteGraph {
        // 0 — 1 — 2, and 0 — 3 — 2 (slower), 4 isolated.
        SiteGraph::new(5, &[(0, 1), (1, 2), (0, 3), (3, 2)])
    }

    fn cost(l: usize) -> u64 {
        [10, 20, 25, 25][l]
    }

    #[test]
    fn shortest_path_by_cost_and_direct_links() {
        let g = chain();
        let r = g.route(0, 2, cost, Faults::default()).unwrap();
        assert_eq!(
            r,
            vec![
                Hop {
                    link: 0,
                    from: 0,
                    to: 1
                },
                Hop {
                    link: 1,
                    from: 1,
                    to: 2
                }
            ]
        );
        // Reverse direction, same links.
        let back = g.route(2, 0, cost, Faults::default()).unwrap();
        assert_eq!(back.iter().map(|h| h.link).collect::<Vec<_>>(), [1, 0]);
        assert!(g.route(0, 4, cost, Faults::default()).is_none());
    }

    #[test]
    fn cut_reroutes_hubbed_pairs_but_partitions_direct_ones() {
        let g = chain();
        let cut = [false, true, false, false];
        let f = Faults {
            cut: &cut,
            down: &[],
        };
        let r = g.route(0, 2, cost, f).unwrap();
        assert_eq!(r.iter().map(|h| h.link).collect::<Vec<_>>(), [2, 3]);
        // 1 and 2 are directly linked: the cut partitions them.
        assert!(g.route(1, 2, cost, f).is_none());
        assert_eq!(
            g.components(f),
            vec![Some(0), Some(0), Some(0), Some(0), Some(4)]
        );
    }

    #[test]
    fn no_transit_through_a_site_that_is_down() {
        let g = chain();
        let down = [false, true, false, false, false];
        let f = Faults {
            cut: &[],
            down: &down,
        };
        // Not through 1: over 3.
        let r = g.route(0, 2, cost, f).unwrap();
        assert_eq!(r.iter().map(|h| h.link).collect::<Vec<_>>(), [2, 3]);
        // To 1 itself (an end may be down): the direct link.
        assert!(g.route(0, 1, cost, f).is_some());
        let down = [false, true, false, true, false];
        let f = Faults {
            cut: &[],
            down: &down,
        };
        assert!(g.route(0, 2, cost, f).is_none());
        assert_eq!(g.components(f), vec![Some(0), None, Some(2), None, Some(4)]);
    }

    /// `reach_from` (a search) agrees with `routes_from` (the paths) under
    /// every combination of one cut link and one site down.
    #[test]
    fn reach_agrees_with_routes() {
        let g = chain();
        for li in 0..5 {
            for down_site in 0..6 {
                let mut cut = [false; 4];
                if li < 4 {
                    cut[li] = true;
                }
                let mut down = [false; 5];
                if down_site < 5 {
                    down[down_site] = true;
                }
                let f = Faults {
                    cut: &cut,
                    down: &down,
                };
                for a in 0..5 {
                    let routes: Vec<bool> = g
                        .routes_from(a, cost, f)
                        .iter()
                        .map(|r| r.is_some())
                        .collect();
                    assert_eq!(
                        g.reach_from(a, f),
                        routes,
                        "cut {li} down {down_site} from {a}"
                    );
                }
            }
        }
    }

    #[test]
    fn equal_cost_ties_go_to_fewer_hops_then_lower_links() {
        // 0 — 1 — 2 and 0 — 3 — 2 (10 + 10 each), and 0 — 4 — 5 — 2 with the
        // same total in three hops: two hops win, then the lower links.
        let g = SiteGraph::new(6, &[(0, 1), (1, 2), (0, 3), (3, 2), (0, 4), (4, 5), (5, 2)]);
        let c = |l: usize| [10, 10, 10, 10, 5, 10, 5][l];
        let r = g.route(0, 2, c, Faults::default()).unwrap();
        assert_eq!(r.iter().map(|h| h.link).collect::<Vec<_>>(), [0, 1]);
        let r = g.route(2, 0, c, Faults::default()).unwrap();
        assert_eq!(r.iter().map(|h| h.link).collect::<Vec<_>>(), [1, 0]);
    }
}
