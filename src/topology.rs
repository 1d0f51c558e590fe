//! Sites, racks, brokers and controllers, as plain data (replica placement,
//! `Topology::assign`, is in `placement`, which builds on this module).
//! Knows nothing of time: the simulator builds its state from a [`Topology`].

use crate::scenario::Scenario;

/// The layout of a design's clusters: computed in `scenario` (validation
/// needs it), named here too for the code that builds on a topology.
pub use crate::scenario::DesignLayout;

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
