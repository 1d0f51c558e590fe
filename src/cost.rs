//! Monthly cost of a design at the modelled load: cross-site transfer per link,
//! broker compute (every cluster, standby included), storage of what retention
//! keeps, and copier workers. Arithmetic on an outcome's figures; prices come
//! from `[cost]` and each link's `transfer_usd_per_gb`.

use crate::metrics::{CostOutcome, LinkOutcome, round3};
use crate::scenario::Scenario;

/// Hours and seconds in the 30-day month the estimate uses.
pub const MONTH_H: f64 = 720.0;
pub const MONTH_S: f64 = MONTH_H * 3600.0;

/// `stored_bytes`: bytes retention keeps on disk in steady state, all replicas.
pub fn monthly(
    sc: &Scenario,
    links: &[LinkOutcome],
    brokers: u32,
    stored_bytes: f64,
    copier_workers: u32,
) -> CostOutcome {
    let scale = MONTH_S / sc.duration_s.max(1e-9);
    let mut transfer = 0.0;
    for l in links {
        let price = sc
            .link
            .iter()
            .find(|x| {
                (x.between[0] == l.from && x.between[1] == l.to)
                    || (x.between[0] == l.to && x.between[1] == l.from)
            })
            .map_or(0.0, |x| x.transfer_usd_per_gb);
        transfer += l.bytes as f64 * scale / 1e9 * price;
    }
    let c = &sc.cost;
    let brokers_usd = brokers as f64 * MONTH_H * c.broker_usd_per_hour;
    let storage = stored_bytes / 1e9 * c.storage_usd_per_gb_month;
    let copier = copier_workers as f64 * MONTH_H * c.copier_worker_usd_per_hour;
    CostOutcome {
        transfer_usd_month: round3(transfer),
        brokers_usd_month: round3(brokers_usd),
        storage_usd_month: round3(storage),
        copier_usd_month: round3(copier),
        total_usd_month: round3(transfer + brokers_usd + storage + copier),
    }
}
