//! `netem.sh`: the scenario's link matrix as `tc` rules for a test bed.
//!
//! Run on every host: `./netem.sh SITE [DEV]`. Traffic from this host towards each
//! other site's subnet goes through an HTB class at the link's bandwidth and a
//! netem qdisc with, per direction:
//! - `delay` RTT/2 + `jitter_ms` and jitter `jitter_ms`, normal distribution: the
//!   same mean and standard deviation as ktopo's exponential jitter of mean `jitter_ms`;
//! - `loss` `loss_pct` %;
//! - a queue `limit` of twice the bandwidth-delay product in 1500-byte packets (at least 1000).
//!
//! Shaping is per host egress: the rate caps each host, not the site pair as a
//! whole. For an exact pair cap, route a site through one gateway and run it there.

use std::fmt::Write;

use super::sh_quote;
use crate::scenario::Scenario;

fn ms(x: f64) -> String {
    format!("{:.3}ms", x.max(0.0))
}

pub fn render(sc: &Scenario) -> String {
    let mut o = String::new();
    let names: Vec<String> = sc.site.iter().map(|s| sh_quote(&s.name)).collect();
    let _ = writeln!(o, "#!/bin/sh");
    let _ = writeln!(
        o,
        "# ktopo export of scenario {:?}: reproduce its links with tc netem.",
        sc.name
    );
    let _ = writeln!(
        o,
        "# Run as root on every host of the test bed:  ./netem.sh SITE [DEV]"
    );
    let _ = writeln!(
        o,
        "# Per direction: delay = RTT/2 + jitter with ±jitter (normal), loss, rate = bandwidth."
    );
    let _ = writeln!(
        o,
        "# The rate shapes this host's egress only. Undo: tc qdisc del dev DEV root"
    );
    let _ = writeln!(o, "set -eu");
    let _ = writeln!(
        o,
        "SITE=\"${{1:?usage: netem.sh SITE [DEV]  (SITE: {})}}\"",
        names.join(" ").replace(['}', '"'], "")
    );
    let _ = writeln!(o, "DEV=\"${{2:-eth0}}\"");
    let _ = writeln!(
        o,
        "# The subnet of each site's hosts: edit, or set in the environment."
    );
    for (i, s) in sc.site.iter().enumerate() {
        let _ = writeln!(
            o,
            "SUBNET_{i}=\"${{SUBNET_{i}:-10.0.{}.0/24}}\"   # site {}",
            (i + 1) % 256,
            s.name.replace('\n', " ")
        );
    }
    let _ = writeln!(o, "tc qdisc del dev \"$DEV\" root 2>/dev/null || true");
    let _ = writeln!(o, "tc qdisc add dev \"$DEV\" root handle 1: htb default 1");
    let _ = writeln!(
        o,
        "tc class add dev \"$DEV\" parent 1: classid 1:1 htb rate 100gbit"
    );
    let _ = writeln!(o, "case \"$SITE\" in");
    let graph = crate::sites::SiteGraph::of(sc);
    for (i, s) in sc.site.iter().enumerate() {
        let _ = writeln!(o, "{})", sh_quote(&s.name));
        let mut class = 10;
        for (j, other) in sc.site.iter().enumerate() {
            if i == j {
                continue;
            }
            // The pair's own link, or its route through other sites as one
            // path: the hops' delays and jitters added, their losses
            // combined, the narrowest bandwidth (this emulates the route's
            // latency and bottleneck, not the hops' shared capacity).
            let Some(hops) = graph.scenario_route(sc, i, j) else {
                continue;
            };
            let mut path = crate::scenario::Link {
                between: [s.name.clone(), other.name.clone()],
                rtt_ms: 0.0,
                jitter_ms: 0.0,
                loss_pct: 0.0,
                bandwidth_mbps: f64::INFINITY,
                ..sc.link[hops[0].link].clone()
            };
            let mut delivered = 1.0;
            for h in &hops {
                let l = &sc.link[h.link];
                path.rtt_ms += l.rtt_ms;
                path.jitter_ms += l.jitter_ms;
                path.bandwidth_mbps = path.bandwidth_mbps.min(l.bandwidth_mbps);
                delivered *= 1.0 - l.loss_pct / 100.0;
            }
            path.loss_pct = if hops.len() == 1 {
                sc.link[hops[0].link].loss_pct
            } else {
                ((1.0 - delivered) * 100.0 * 1e6).round() / 1e6
            };
            let l = &path;
            let via: Vec<&str> = hops[..hops.len() - 1]
                .iter()
                .map(|h| sc.site[h.to].name.as_str())
                .collect();
            class += 1;
            let bdp_pkts = l.bandwidth_mbps * 1e6 / 8.0 * l.rtt_ms / 1000.0 / 1500.0;
            let limit = ((2.0 * bdp_pkts).ceil() as u64).max(1000);
            let _ = writeln!(
                o,
                "  # → {}{}: RTT {} ms, jitter {} ms, loss {} %, {} Mbit/s",
                other.name.replace('\n', " "),
                if via.is_empty() {
                    String::new()
                } else {
                    format!(" via {}", via.join(", ").replace('\n', " "))
                },
                l.rtt_ms,
                l.jitter_ms,
                l.loss_pct,
                l.bandwidth_mbps
            );
            let _ = writeln!(
                o,
                "  tc class add dev \"$DEV\" parent 1: classid 1:{class} htb rate {}kbit",
                (l.bandwidth_mbps * 1000.0).round().max(1.0) as u64
            );
            let mut netem = format!("delay {}", ms(l.rtt_ms / 2.0 + l.jitter_ms));
            if l.jitter_ms > 0.0 {
                let _ = write!(netem, " {} distribution normal", ms(l.jitter_ms));
            }
            if l.loss_pct > 0.0 {
                let _ = write!(netem, " loss {}%", l.loss_pct);
            }
            let _ = writeln!(
                o,
                "  tc qdisc add dev \"$DEV\" parent 1:{class} handle {class}: netem {netem} limit {limit}"
            );
            let _ = writeln!(
                o,
                "  tc filter add dev \"$DEV\" parent 1: protocol ip prio 1 u32 match ip dst \"$SUBNET_{j}\" flowid 1:{class}"
            );
        }
        let _ = writeln!(o, "  ;;");
    }
    let _ = writeln!(o, "*) echo \"unknown site: $SITE\" >&2; exit 2 ;;");
    let _ = writeln!(o, "esac");
    o
}
