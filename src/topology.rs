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
