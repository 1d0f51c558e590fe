//! Links between sites: propagation with jitter, serialization at the link's
//! bandwidth with FIFO queueing per direction, a per-connection cap of
//! window / RTT, a loss cap after Mathis et al. (1997), and partitions.
//!
//! Two sites without a direct link talk over the shortest path through other
//! sites ([`crate::sites::SiteGraph`]): every hop's propagation, jitter and
//! serialisation is paid in turn, every traversed link carries the bytes, and
//! the connection's window and loss caps use the end-to-end round trip. Such
//! routes are recomputed whenever a link is cut, restored or degraded, or a
//! site goes down or comes back.
//!
//! Hosts with a network interface of their own (brokers) are numbered by the
//! caller ([`Net::set_nics`]): [`Net::send_via`] and [`Net::send_fluid_via`]
//! put a message through the sender's NIC out and the receiver's NIC in, each
//! a FIFO at the interface's rate like a link direction, inside a site too.
//!
//! `send` computes a message's arrival time when it is sent; the caller schedules
//! one event at that time. Nothing here knows about brokers.

use crate::sim::{NS_PER_S, Nanos, SimRng};
use crate::sites::{Faults, SiteGraph};

/// One direction of an inter-site link.
#[derive(Clone, Debug, Default)]
struct Dir {
    /// When the link's transmitter is free again (FIFO queueing).
    busy_until: Nanos,
    /// The latest arrival in this direction: messages reach the far end in
    /// the order they were put on the link (jitter models queueing on the
    /// path, not reordering), as [`deliver`] keeps it.
    last_arrival: Nanos,
    /// Bytes serialized, bucketed by timeline interval.
    bytes: Vec<u64>,
    /// Of those, bytes sent as fluid (flow fidelity), bucketed the same way.
    fluid: Vec<u64>,
    /// Flow fidelity: when the fluid backlog on this direction is drained.
    fluid_busy: Nanos,
    /// The bucket of `bytes` a message last went to whole, and its span
    /// [lo, hi): the next one that falls in it needs no division.
    acc_k: usize,
    acc_lo: Nanos,
    acc_hi: Nanos,
}

impl Dir {
    /// Fluid `bytes` entering at `start` that take `ser` at the direction's
    /// rate, accounted over [start, max(start + ser, now)) (`fill`): each
    /// interval carries at most its capacity less what is counted there. The
    /// direction is busy with fluid until the last byte is carried; returned.
    fn carry_fluid(
        &mut self,
        start: Nanos,
        ser: Nanos,
        now: Nanos,
        bytes: u64,
        bucket: Nanos,
        npb: f64,
    ) -> Nanos {
        let planned = (start + ser).max(now);
        let carried = fill(
            &mut self.bytes,
            &mut self.fluid,
            start,
            planned,
            bytes,
            bucket,
            npb,
        );
        self.fluid_busy = if carried > planned {
            carried
        } else {
            start + ser
        };
        self.fluid_busy
    }

    /// Flow fidelity: a message put on the link over [start, end) while fluid
    /// is booked ahead of it (a backlog, up to `fluid_busy`) shares the
    /// link: the fluid that would take an interval over its capacity moves to
    /// after the fluid's end, which moves that end later.
    #[cold]
    #[inline(never)]
    fn make_room(&mut self, start: Nanos, end: Nanos, bucket: Nanos, ns_per_byte: f64) {
        let per_bucket = (bucket as f64 / ns_per_byte.max(1e-12)) as u64;
        let mut moved = 0u64;
        for k in (start / bucket) as usize..=((end - 1) / bucket) as usize {
            let (Some(b), Some(f)) = (self.bytes.get_mut(k), self.fluid.get_mut(k)) else {
                break;
            };
            // Only fluid still to cross (after `start`) can make way.
            let ahead = ((self.fluid_busy.min((k as Nanos + 1) * bucket))
                .saturating_sub(start.max(k as Nanos * bucket)) as f64
                / ns_per_byte) as u64;
            let over = b.saturating_sub(per_bucket).min(*f).min(ahead);
            *b -= over;
            *f -= over;
            moved += over;
        }
        if moved > 0 {
            let from = self.fluid_busy;
            let to = from + (moved as f64 * ns_per_byte) as Nanos;
            self.fluid_busy = fill(
                &mut self.bytes,
                &mut self.fluid,
                from,
                to,
                moved,
                bucket,
                ns_per_byte,
            );
        }
    }

    /// Count `bytes` serialized over [start, start + ser_ns).
    #[inline(always)]
    fn book(&mut self, start: Nanos, ser_ns: Nanos, bytes: u64, bucket: Nanos) {
        let end = (start + ser_ns).max(start + 1);
        if start >= self.acc_lo && end <= self.acc_hi && self.acc_k < self.bytes.len() {
            // What `account` does for a message within one existing bucket.
            self.bytes[self.acc_k] += bytes;
        } else {
            account(&mut self.bytes, None, start, start + ser_ns, bytes, bucket);
            self.acc_k = (start / bucket) as usize;
            self.acc_lo = self.acc_k as Nanos * bucket;
            self.acc_hi = self.acc_lo + bucket;
        }
    }
}

#[derive(Clone, Debug)]
pub struct LinkParams {
    pub rtt: Nanos,
    pub jitter: Nanos,
    pub bandwidth_bps: f64,
    /// Packet loss probability (0..1).
    pub loss: f64,
}

impl LinkParams {
    /// The Mathis et al. (1997) throughput cap of one TCP connection, bytes/s:
    /// MSS / RTT × 1.22 / √loss.
    fn mathis_rate(&self, mss: f64) -> f64 {
        let rtt_s = (self.rtt as f64 / NS_PER_S as f64).max(1e-6);
        (mss / rtt_s) * 1.22 / self.loss.sqrt()
    }
}

#[derive(Clone, Debug)]
struct LinkState {
    a: usize,
    b: usize,
    base: LinkParams,
    cur: LinkParams,
    /// Count of active partition faults on this link.
    cut: u32,
    /// (from time, bandwidth in bit/s): the link's capacity over the run.
    bw_log: Vec<(Nanos, f64)>,
    dirs: [Dir; 2],
    /// Other traffic per direction (bits/s) and the share reserved for Kafka (0..1).
    background_bps: f64,
    reserved: f64,
    /// Serialization time of a byte at `usable_bps()`, in ns: kept by
    /// `refresh` whenever the bandwidth or the background changes.
    ns_per_byte: f64,
    /// The same in fixed point, × 2^32.
    ser_fp: u64,
}

impl LinkState {
    fn refresh(&mut self) {
        self.ns_per_byte = 8.0 * NS_PER_S as f64 / self.usable_bps();
        self.ser_fp = (self.ns_per_byte * (1u64 << 32) as f64) as u64;
    }

    /// Serialization of `bytes` on direction `dir` at `now`, at what fluid
    /// traffic (flow fidelity) left of the bandwidth in the previous timeline
    /// interval: (ns, ns per byte).
    #[inline(always)]
    fn ser_time(&self, dir: usize, now: Nanos, bytes: u64, bucket: Nanos) -> (Nanos, f64) {
        let fluid = &self.dirs[dir].fluid;
        let fluid_prev = if fluid.is_empty() {
            0
        } else {
            match ((now / bucket) as usize).checked_sub(1) {
                Some(j) => fluid.get(j).copied().unwrap_or(0),
                None => 0,
            }
        };
        if fluid_prev == 0 {
            // Fixed point: `ser_fp` is ns per byte × 2^32.
            let ser = (bytes as u128 * self.ser_fp as u128) >> 32;
            (ser.min(u64::MAX as u128 / 4) as Nanos, self.ns_per_byte)
        } else {
            let bw = self.usable_bps();
            let used = fluid_prev as f64 * 8.0 / (bucket as f64 / NS_PER_S as f64);
            let npb = 8.0 * NS_PER_S as f64 / (bw * (1.0 - used / bw).max(0.05));
            ((bytes as f64 * npb) as Nanos, npb)
        }
    }

    /// Bandwidth Kafka's traffic gets: the capacity less the background, but never
    /// less than the reserved share (the capacity itself without background).
    fn usable_bps(&self) -> f64 {
        let bw = self.cur.bandwidth_bps;
        if self.background_bps > 0.0 {
            (bw - self.background_bps)
                .max(self.reserved * bw)
                .max(bw * 1e-3)
        } else {
            bw
        }
    }
}

/// The path between two sites without a direct link, kept current by
/// [`Net::reroute`].
#[derive(Clone, Debug)]
struct Route {
    /// (link, direction) of each hop in order; empty while no path exists.
    hops: Vec<(usize, usize)>,
    /// The end-to-end path as one connection sees it: the sum of the hops'
    /// round trips, the narrowest bandwidth, the loss of any hop
    /// (1 − Π(1 − loss)); no jitter of its own (each hop draws its own).
    path: LinkParams,
    /// The latest arrival over the route ([`deliver`], as `Dir::last_arrival`).
    last_arrival: Nanos,
}

/// The network between sites.
#[derive(Clone)]
pub struct Net {
    n_sites: usize,
    /// `site_a * n + site_b` → link index.
    link_of: Vec<Option<usize>>,
    links: Vec<LinkState>,
    /// Sites as nodes, links as edges: routes between sites without a link.
    graph: SiteGraph,
    /// `site_a * n + site_b` → index into `routes`, for pairs of different
    /// sites without a direct link.
    route_of: Vec<Option<usize>>,
    routes: Vec<Route>,
    /// Sites down (a `site-down` fault): no route passes through them.
    down: Vec<bool>,
    lan_half_rtt: Vec<Nanos>,
    mss: f64,
    bucket: Nanos,
    /// Network interfaces of hosts (brokers), by the caller's host number.
    nics: Vec<Nic>,
}

/// Direction of a [`Nic`]: what the host receives, what it sends.
const NIC_IN: usize = 0;
const NIC_OUT: usize = 1;

/// One host's network interface, full duplex: each direction a FIFO server at
/// the interface's rate, with its own fluid backlog at flow fidelity (a
/// [`Dir`], as a link direction).
#[derive(Clone, Debug)]
struct Nic {
    /// Serialization time of a byte, ns, and the same × 2^32.
    ns_per_byte: f64,
    ser_fp: u64,
    dirs: [Dir; 2],
}

impl Nic {
    /// When a message handed to direction `dir` at `now` starts (see `book`).
    #[inline(always)]
    fn start(&self, dir: usize, now: Nanos) -> Nanos {
        let d = &self.dirs[dir];
        now.max(d.busy_until).max(d.fluid_busy)
    }

    /// A request-level message through direction `dir` from `now`: it waits for
    /// what is queued before it (messages, and the fluid backlog beyond `now`)
    /// and is serialized at the interface's rate. Returns (start, done).
    #[inline(always)]
    fn book(&mut self, dir: usize, now: Nanos, bytes: u64, bucket: Nanos) -> (Nanos, Nanos) {
        let ser = ((bytes as u128 * self.ser_fp as u128) >> 32).min(u64::MAX as u128 / 4) as Nanos;
        let d = &mut self.dirs[dir];
        let start = now.max(d.busy_until).max(d.fluid_busy);
        d.busy_until = start + ser;
        d.book(start, ser, bytes, bucket);
        (start, start + ser)
    }

    /// Fluid `bytes` standing for traffic spread over the `span` before `now`
    /// through direction `dir`: each timeline interval carries at most the
    /// interface's capacity less what is counted there already; returns when
    /// the fluid backlog is drained (at or before `now` when it keeps up).
    fn book_fluid(
        &mut self,
        dir: usize,
        now: Nanos,
        span: Nanos,
        bytes: u64,
        bucket: Nanos,
    ) -> Nanos {
        let npb = self.ns_per_byte;
        let d = &mut self.dirs[dir];
        let start = d.fluid_busy.max(now.saturating_sub(span));
        let ser = (bytes as f64 * npb) as Nanos;
        d.carry_fluid(start, ser, now, bytes, bucket, npb)
    }
}

/// What a host's network interface carried over the run.
#[derive(Clone, Debug)]
pub struct NicUsage {
    /// Capacity per direction, bytes/s.
    pub bytes_per_s: f64,
    /// Bytes received (in) and sent (out) per timeline interval.
    pub in_bytes_per_bucket: Vec<u64>,
    pub out_bytes_per_bucket: Vec<u64>,
}

/// What a link reported over the run, per direction.
#[derive(Clone, Debug)]
pub struct LinkUsage {
    pub from: usize,
    pub to: usize,
    pub bandwidth_bps: f64,
    pub bytes_per_bucket: Vec<u64>,
    /// Bytes the direction could carry in each bucket at its bandwidth of the
    /// time (degradations included).
    pub capacity_bytes_per_bucket: Vec<f64>,
}

/// When a message arrives that the link (or route) would deliver at `link`
/// and its connection's own limits (window, loss cap, a retransmit) no earlier
/// than `conn`, after `last`, the previous arrival in its direction, which it
/// moves on. Data (`control` false) is in the link's order for what the link
/// does only: one connection held back by its own limits does not hold back
/// the others (TCP orders each connection's bytes; a data connection keeps its
/// own messages in order: one request out at a time for fetch sessions,
/// `ProducerState::arrives` for producers). A control message (sent without a
/// window) keeps the whole order, its connection's delays included, so that
/// one connection's control messages (metadata to a broker, votes) never
/// overtake each other under loss.
#[inline(always)]
fn deliver(last: &mut Nanos, link: Nanos, conn: Nanos, control: bool) -> Nanos {
    if control {
        *last = link.max(conn).max(*last);
        *last
    } else {
        *last = link.max(*last);
        (*last).max(conn)
    }
}

/// Add `bytes`, sent evenly over [from, to), to per-bucket counters (and to
/// `fluid` too, when given). Bytes past the end of the run land in buckets the
/// report does not read.
fn account(
    bytes_v: &mut Vec<u64>,
    mut fluid: Option<&mut Vec<u64>>,
    from: Nanos,
    to: Nanos,
    bytes: u64,
    bucket: Nanos,
) {
    let to = to.max(from + 1);
    let (first, last) = ((from / bucket) as usize, ((to - 1) / bucket) as usize);
    if first == last && first < bytes_v.len() && fluid.is_none() {
        bytes_v[first] += bytes;
        return;
    }
    if bytes_v.len() <= last {
        bytes_v.resize(last + 1, 0);
    }
    if let Some(f) = fluid.as_deref_mut()
        && f.len() <= last
    {
        f.resize(last + 1, 0);
    }
    let span = (to - from) as u128;
    let mut left = bytes;
    for k in first..=last {
        let lo = (k as Nanos * bucket).max(from);
        let hi = ((k as Nanos + 1) * bucket).min(to);
        let share = if k == last {
            left
        } else {
            ((bytes as u128 * (hi - lo) as u128) / span) as u64
        }
        .min(left);
        bytes_v[k] += share;
        if let Some(f) = fluid.as_deref_mut() {
            f[k] += share;
        }
        left -= share;
    }
}

/// Flow fidelity: add fluid `bytes` planned evenly over [from, to) to the
/// per-bucket counters, each bucket taking at most what the direction carries
/// in a bucket at `ns_per_byte` less what is counted there already
/// (request-level messages, earlier fluid): the link is shared, so what does
/// not fit moves on to the next buckets. Returns when the last byte is
/// carried: `to`, or later when bytes moved on.
fn fill(
    bytes_v: &mut Vec<u64>,
    fluid: &mut Vec<u64>,
    from: Nanos,
    to: Nanos,
    bytes: u64,
    bucket: Nanos,
    ns_per_byte: f64,
) -> Nanos {
    let to = to.max(from + 1);
    let per_bucket = (bucket as f64 / ns_per_byte.max(1e-12)) as u64;
    let span = (to - from) as u128;
    let last = ((to - 1) / bucket) as usize;
    let (mut k, mut placed) = ((from / bucket) as usize, 0u64);
    loop {
        if bytes_v.len() <= k {
            bytes_v.resize(k + 1, 0);
        }
        if fluid.len() <= k {
            fluid.resize(k + 1, 0);
        }
        let hi = (k as Nanos + 1) * bucket;
        // What the even plan puts up to the end of bucket k, less what is placed.
        let want = if k >= last {
            bytes - placed
        } else {
            ((bytes as u128 * (hi - from) as u128 / span) as u64).saturating_sub(placed)
        };
        let put = want.min(per_bucket.saturating_sub(bytes_v[k]));
        bytes_v[k] += put;
        fluid[k] += put;
        placed += put;
        if placed >= bytes {
            if k <= last {
                return to;
            }
            // Moved on: done once the bucket's bytes have crossed.
            let lo = k as Nanos * bucket;
            return (lo + (bytes_v[k] as f64 * ns_per_byte) as Nanos).clamp(lo + 1, hi);
        }
        if k > last && put == 0 && per_bucket == 0 {
            return to;
        }
        k += 1;
    }
}

/// A queue that drains at `busy` (at `old` ns per byte) re-timed at `new` ns
/// per byte from `now`: the bytes it still holds, counted evenly over
/// [now, busy) at the old rate, are taken out of those intervals (and of
/// `fluid`, when given) and counted over the time they take at the new rate.
/// Returns the new drain time.
#[allow(clippy::too_many_arguments)]
fn retime(
    bytes_v: &mut Vec<u64>,
    mut fluid: Option<&mut Vec<u64>>,
    now: Nanos,
    busy: Nanos,
    old: f64,
    new: f64,
    bucket: Nanos,
) -> Nanos {
    if busy <= now || old <= 0.0 {
        return busy;
    }
    let queued = ((busy - now) as f64 / old) as u64;
    let first = (now / bucket) as usize;
    let last = ((busy - 1) / bucket) as usize;
    for k in first..=last {
        let lo = (k as Nanos * bucket).max(now);
        let hi = ((k as Nanos + 1) * bucket).min(busy);
        let share = ((hi - lo) as f64 / old) as u64;
        if let Some(b) = bytes_v.get_mut(k) {
            *b = b.saturating_sub(share);
        }
        if let Some(f) = fluid.as_deref_mut().and_then(|f| f.get_mut(k)) {
            *f = f.saturating_sub(share);
        }
    }
    let end = now + ((queued as f64 * new) as Nanos).max(1);
    account(bytes_v, fluid, now, end, queued, bucket);
    end
}

impl Net {
    /// `links`: (site a, site b, params). `lan_rtt`: per-site round trip inside the site.
    pub fn new(
        n_sites: usize,
        links: Vec<(usize, usize, LinkParams)>,
        lan_rtt: Vec<Nanos>,
        mss: u32,
        bucket: Nanos,
    ) -> Net {
        let mut link_of = vec![None; n_sites * n_sites];
        let mut ls = Vec::new();
        let ends: Vec<(usize, usize)> = links.iter().map(|l| (l.0, l.1)).collect();
        for (i, (a, b, p)) in links.into_iter().enumerate() {
            link_of[a * n_sites + b] = Some(i);
            link_of[b * n_sites + a] = Some(i);
            ls.push(LinkState {
                bw_log: vec![(0, p.bandwidth_bps)],
                a,
                b,
                cur: p.clone(),
                base: p,
                cut: 0,
                dirs: [Dir::default(), Dir::default()],
                background_bps: 0.0,
                reserved: 0.0,
                ns_per_byte: 0.0,
                ser_fp: 0,
            });
            ls.last_mut().expect("pushed").refresh();
        }
        let mut route_of = vec![None; n_sites * n_sites];
        let mut routes = Vec::new();
        for a in 0..n_sites {
            for b in 0..n_sites {
                if a != b && link_of[a * n_sites + b].is_none() {
                    route_of[a * n_sites + b] = Some(routes.len());
                    routes.push(Route {
                        hops: Vec::new(),
                        path: LinkParams {
                            rtt: Nanos::MAX / 4,
                            jitter: 0,
                            bandwidth_bps: 0.0,
                            loss: 0.0,
                        },
                        last_arrival: 0,
                    });
                }
            }
        }
        let mut net = Net {
            n_sites,
            link_of,
            links: ls,
            graph: SiteGraph::new(n_sites, &ends),
            route_of,
            routes,
            down: vec![false; n_sites],
            lan_half_rtt: lan_rtt.into_iter().map(|r| r / 2).collect(),
            mss: mss as f64,
            bucket: bucket.max(1),
            nics: Vec::new(),
        };
        net.reroute();
        net
    }

    /// Recompute the route of every pair of sites without a direct link: the
    /// shortest path by current round trip over the links not cut, through
    /// sites not down ([`SiteGraph::routes_from`]). A no-op in a full mesh.
    fn reroute(&mut self) {
        if self.routes.is_empty() {
            return;
        }
        let n = self.n_sites;
        let cut: Vec<bool> = self.links.iter().map(|l| l.cut > 0).collect();
        let faults = Faults {
            cut: &cut,
            down: &self.down,
        };
        for a in 0..n {
            if (0..n).all(|b| self.route_of[a * n + b].is_none()) {
                continue;
            }
            let all = self
                .graph
                .routes_from(a, |li| self.links[li].cur.rtt, faults);
            for (b, hops) in all.into_iter().enumerate() {
                let Some(ri) = self.route_of[a * n + b] else {
                    continue;
                };
                let hops: Vec<(usize, usize)> = hops
                    .unwrap_or_default()
                    .iter()
                    .map(|h| (h.link, usize::from(h.from != self.links[h.link].a)))
                    .collect();
                let mut path = LinkParams {
                    rtt: 0,
                    jitter: 0,
                    bandwidth_bps: f64::INFINITY,
                    loss: 0.0,
                };
                let mut delivered = 1.0;
                for &(li, _) in &hops {
                    let l = &self.links[li];
                    path.rtt += l.cur.rtt;
                    path.bandwidth_bps = path.bandwidth_bps.min(l.usable_bps());
                    delivered *= 1.0 - l.cur.loss;
                }
                path.loss = 1.0 - delivered;
                if hops.is_empty() {
                    path.rtt = Nanos::MAX / 4;
                    path.bandwidth_bps = 0.0;
                }
                let r = &mut self.routes[ri];
                r.hops = hops;
                r.path = path;
            }
        }
    }

    /// Site `site` goes down (`up` false) or comes back: routes between other
    /// sites stop or start passing through it.
    pub fn set_site_up(&mut self, site: usize, up: bool) {
        if let Some(d) = self.down.get_mut(site)
            && *d == up
        {
            *d = !up;
            self.reroute();
        }
    }

    /// The links a message from `a` to `b` crosses right now, in order
    /// (empty within a site or when partitioned).
    pub fn path(&self, a: usize, b: usize) -> Vec<usize> {
        if a == b {
            return Vec::new();
        }
        match self.link_of[a * self.n_sites + b] {
            Some(li) if self.links[li].cut == 0 => vec![li],
            Some(_) => Vec::new(),
            None => self.route_of[a * self.n_sites + b]
                .map(|ri| self.routes[ri].hops.iter().map(|h| h.0).collect())
                .unwrap_or_default(),
        }
    }

    pub fn link_index(&self, a: usize, b: usize) -> Option<usize> {
        self.link_of[a * self.n_sites + b]
    }

    /// Round-trip time between two sites as currently configured (no queueing).
    #[inline]
    pub fn rtt(&self, a: usize, b: usize) -> Nanos {
        if a == b {
            return self.lan_half_rtt[a] * 2;
        }
        match self.link_of[a * self.n_sites + b] {
            Some(i) => self.links[i].cur.rtt,
            None => self.route(a, b).map_or(Nanos::MAX / 4, |r| r.path.rtt),
        }
    }

    /// The current route between two sites without a direct link, if a path
    /// exists.
    fn route(&self, a: usize, b: usize) -> Option<&Route> {
        let r = &self.routes[self.route_of[a * self.n_sites + b]?];
        (!r.hops.is_empty()).then_some(r)
    }

    /// Can a message go from site `a` to site `b` right now?
    pub fn reachable(&self, a: usize, b: usize) -> bool {
        a == b
            || match self.link_of[a * self.n_sites + b] {
                Some(i) => self.links[i].cut == 0,
                None => self.route(a, b).is_some(),
            }
    }

    /// Share link `link` with `background_bps` of other traffic per direction; Kafka
    /// keeps at least `reserved` (0..1) of the capacity (QoS), else what is left.
    pub fn set_background(&mut self, link: usize, background_bps: f64, reserved: f64) {
        let l = &mut self.links[link];
        l.background_bps = background_bps.max(0.0);
        l.reserved = reserved.clamp(0.0, 1.0);
        l.refresh();
        self.reroute();
    }

    pub fn set_cut(&mut self, link: usize, cut: bool) {
        let l = &mut self.links[link];
        let was = l.cut > 0;
        if cut {
            l.cut += 1;
        } else {
            l.cut = l.cut.saturating_sub(1);
        }
        if was != (l.cut > 0) {
            self.reroute();
        }
    }

    /// Apply (or, with `None`s, revert) a degradation at time `now`.
    pub fn degrade(
        &mut self,
        now: Nanos,
        link: usize,
        rtt: Option<Nanos>,
        jitter: Option<Nanos>,
        bw: Option<f64>,
        loss: Option<f64>,
    ) {
        let bucket = self.bucket;
        let l = &mut self.links[link];
        l.cur = LinkParams {
            rtt: rtt.unwrap_or(l.base.rtt),
            jitter: jitter.unwrap_or(l.base.jitter),
            bandwidth_bps: bw.unwrap_or(l.base.bandwidth_bps),
            loss: loss.unwrap_or(l.base.loss),
        };
        l.bw_log.push((now, l.cur.bandwidth_bps));
        let old = l.ns_per_byte;
        l.refresh();
        // The bytes still queued on each direction cross at the new rate: their
        // share of the intervals after `now` is counted again at that rate, and
        // the queue drains correspondingly later (messages already handed over
        // keep the arrival time they were given).
        let new = l.ns_per_byte;
        if old != new {
            for d in &mut l.dirs {
                d.busy_until = retime(&mut d.bytes, None, now, d.busy_until, old, new, bucket);
                d.fluid_busy = retime(
                    &mut d.bytes,
                    Some(&mut d.fluid),
                    now,
                    d.fluid_busy,
                    old,
                    new,
                    bucket,
                );
            }
        }
        // Routes through this link see its new round trip, bandwidth and loss.
        self.reroute();
    }

    /// Send `bytes` from site `a` to site `b` over a connection whose window (the
    /// receiver's socket buffer) is `window` bytes. Returns the arrival time, or
    /// `None` when the link is cut.
    #[inline(always)]
    pub fn send(
        &mut self,
        now: Nanos,
        a: usize,
        b: usize,
        bytes: u64,
        window: u64,
        rng: &mut SimRng,
    ) -> Option<Nanos> {
        self.send_half(now, a, b, bytes, window, rng)
            .map(|(arrival, _)| arrival)
    }

    /// [`Self::send`], and the one-way propagation between the sites
    /// ([`Self::half_rtt`]), which the caller would otherwise look up again.
    #[inline(always)]
    fn send_half(
        &mut self,
        now: Nanos,
        a: usize,
        b: usize,
        bytes: u64,
        window: u64,
        rng: &mut SimRng,
    ) -> Option<(Nanos, Nanos)> {
        if a == b {
            let half = self.lan_half_rtt[a];
            return Some((now + half, half));
        }
        let Some(li) = self.link_of[a * self.n_sites + b] else {
            let arrival = self.send_routed(now, a, b, bytes, window, rng)?;
            return Some((arrival, self.half_rtt(a, b)));
        };
        let mss = self.mss;
        let bucket = self.bucket;
        let l = &mut self.links[li];
        if l.cut > 0 {
            return None;
        }
        let dir = usize::from(a != l.a);
        // Serialization on the shared link.
        let (ser_ns, ns_per_byte) = l.ser_time(dir, now, bytes, bucket);
        // The connection's own limits: at most `window` bytes per round trip once the
        // message exceeds one window, and the Mathis loss cap.
        let p = &l.cur;
        let mut conn_ns = ser_ns;
        let mut extra = 0;
        if bytes > window.max(1) {
            let window = window.max(1) as f64;
            let cap = (bytes as f64 / window - 1.0) * p.rtt as f64 + window * ns_per_byte;
            conn_ns = conn_ns.max(cap as Nanos);
        }
        if p.loss > 0.0 {
            let bytes_f = bytes as f64;
            conn_ns = conn_ns.max((bytes_f / p.mathis_rate(mss) * NS_PER_S as f64) as Nanos);
            // A message that loses a segment waits for a fast retransmit (one RTT).
            let packets = (bytes_f / mss).ceil().max(1.0);
            if rng.chance(1.0 - (1.0 - p.loss).powf(packets)) {
                extra = p.rtt;
            }
        }
        let jitter = rng.exp_ns(l.cur.jitter);
        let half = p.rtt / 2;
        let link_npb = l.ns_per_byte;
        let d = &mut l.dirs[dir];
        let start = now.max(d.busy_until);
        d.busy_until = start + ser_ns;
        d.book(start, ser_ns, bytes, bucket);
        if !d.fluid.is_empty() && d.fluid_busy > start {
            d.make_room(start, (start + ser_ns).max(start + 1), bucket, link_npb);
        }
        let conn_done = now + conn_ns + extra;
        let arrival = deliver(
            &mut d.last_arrival,
            d.busy_until + half + jitter,
            conn_done + half + jitter,
            window == u64::MAX,
        );
        Some((arrival, half))
    }

    /// Flow fidelity: the most a connection with `window` can move from `a` to
    /// `b` per second right now: its window / RTT and loss caps, and the link's
    /// bandwidth. `None` within a site (no limit) or across a cut link.
    pub fn fluid_rate(&self, a: usize, b: usize, window: u64) -> Option<f64> {
        if a == b {
            return None;
        }
        let Some(li) = self.link_of[a * self.n_sites + b] else {
            return self.fluid_rate_routed(a, b, window);
        };
        let l = &self.links[li];
        if l.cut > 0 {
            return None;
        }
        let p = &l.cur;
        let rtt_s = (p.rtt as f64 / NS_PER_S as f64).max(1e-6);
        let mut rate = (window.max(1) as f64 / rtt_s).min(l.usable_bps() / 8.0);
        if p.loss > 0.0 {
            rate = rate.min(p.mathis_rate(self.mss));
        }
        Some(rate)
    }

    /// Flow fidelity: send `bytes` that stand for traffic spread evenly over the
    /// `span` before `now`, as a fluid rather than one message. The bytes take
    /// their share of the link's bandwidth and of the connection's window / RTT
    /// (and loss) cap, but only the part that exceeds what those could carry
    /// within the span delays the arrival: traffic the link keeps up with
    /// arrives one propagation delay after `now`, a backlog drains at the
    /// capacity. `conn_busy` is the connection's own fluid clock. Returns the
    /// arrival time, or `None` when the link is cut.
    #[allow(clippy::too_many_arguments)]
    pub fn send_fluid(
        &mut self,
        now: Nanos,
        a: usize,
        b: usize,
        bytes: u64,
        window: u64,
        span: Nanos,
        conn_busy: &mut Nanos,
        rng: &mut SimRng,
    ) -> Option<Nanos> {
        if a == b {
            return Some(now + self.lan_half_rtt[a]);
        }
        let Some(li) = self.link_of[a * self.n_sites + b] else {
            return self.send_fluid_routed(now, a, b, bytes, window, span, conn_busy, rng);
        };
        let (mss, bucket) = (self.mss, self.bucket);
        let l = &mut self.links[li];
        if l.cut > 0 {
            return None;
        }
        let p = &l.cur;
        let rtt_s = (p.rtt as f64 / NS_PER_S as f64).max(1e-6);
        let mut conn_rate = window.max(1) as f64 / rtt_s;
        if p.loss > 0.0 {
            conn_rate = conn_rate.min(p.mathis_rate(mss));
        }
        let bytes_f = bytes as f64;
        let dir = usize::from(a != l.a);
        let link_ns = (bytes_f * 8.0 / l.usable_bps() * NS_PER_S as f64) as Nanos;
        let conn_ns = (bytes_f / conn_rate * NS_PER_S as f64) as Nanos;
        let jitter = rng.exp_ns(l.cur.jitter);
        let half = p.rtt / 2;
        let from = now.saturating_sub(span);
        let npb = l.ns_per_byte;
        let d = &mut l.dirs[dir];
        let start = d.fluid_busy.max(from);
        *conn_busy = (*conn_busy).max(from) + conn_ns;
        // Account the bytes over the span they stand for, or, when the link
        // cannot carry them within it (a backlog, a bandwidth cut), over the
        // time it takes at the link's rate after what is queued before them.
        // Each interval carries at most its capacity less what request-level
        // messages put on the link in it; the rest crosses later, and so
        // arrives later.
        d.carry_fluid(start, link_ns, now, bytes, bucket, npb);
        Some(deliver(
            &mut d.last_arrival,
            now.max(d.fluid_busy) + half + jitter,
            *conn_busy + half + jitter,
            false,
        ))
    }

    /// [`Self::send`] between two sites without a direct link: the message
    /// crosses the hops in turn, each with its FIFO queue, its serialization at
    /// its bandwidth, half its round trip and a jitter draw of its own, and
    /// arrivals in order per hop. Routers forward packets, not messages: a hop
    /// starts sending once the first bytes are there and finishes no earlier
    /// than the last bytes arrive, so a large message moves at the narrowest
    /// hop's rate rather than paying every hop's serialization in full. The
    /// connection's window and loss caps apply to
    /// the end-to-end path: at most `window` bytes per end-to-end round trip,
    /// the Mathis cap at the end-to-end round trip and the path's loss, a
    /// fast retransmit costing one end-to-end round trip. `None` when no path
    /// remains.
    #[inline(never)]
    fn send_routed(
        &mut self,
        now: Nanos,
        a: usize,
        b: usize,
        bytes: u64,
        window: u64,
        rng: &mut SimRng,
    ) -> Option<Nanos> {
        let (mss, bucket) = (self.mss, self.bucket);
        let ri = self.route_of[a * self.n_sites + b]?;
        let r = &mut self.routes[ri];
        if r.hops.is_empty() {
            return None;
        }
        // `first`/`last`: when the message's first and last bytes reach the
        // current hop's transmitter.
        let (mut first, mut last) = (now, now);
        let mut npb_max = 0.0f64;
        let mut propagation = 0;
        for &(li, dir) in &r.hops {
            let l = &mut self.links[li];
            let (ser_ns, npb) = l.ser_time(dir, first, bytes, bucket);
            npb_max = npb_max.max(npb);
            let jitter = rng.exp_ns(l.cur.jitter);
            let half = l.cur.rtt / 2;
            let d = &mut l.dirs[dir];
            let start = first.max(d.busy_until);
            let done = (start + ser_ns).max(last);
            d.busy_until = done;
            d.book(start, done - start, bytes, bucket);
            first = start + half + jitter;
            last = (done + half + jitter).max(d.last_arrival);
            d.last_arrival = last;
            propagation += half + jitter;
        }
        let p = &r.path;
        let bytes_f = bytes as f64;
        let mut conn_ns = 0;
        let mut extra = 0;
        if bytes > window.max(1) {
            let window = window.max(1) as f64;
            let cap = (bytes_f / window - 1.0) * p.rtt as f64 + window * npb_max;
            conn_ns = cap as Nanos;
        }
        if p.loss > 0.0 {
            conn_ns = conn_ns.max((bytes_f / p.mathis_rate(mss) * NS_PER_S as f64) as Nanos);
            let packets = (bytes_f / mss).ceil().max(1.0);
            if rng.chance(1.0 - (1.0 - p.loss).powf(packets)) {
                extra = p.rtt;
            }
        }
        let conn_done = now + conn_ns + extra + propagation;
        Some(deliver(
            &mut r.last_arrival,
            last,
            conn_done,
            window == u64::MAX,
        ))
    }

    /// [`Self::fluid_rate`] between two sites without a direct link: the
    /// narrowest hop's bandwidth, `window` per end-to-end round trip, and the
    /// Mathis cap of the path.
    fn fluid_rate_routed(&self, a: usize, b: usize, window: u64) -> Option<f64> {
        let p = &self.route(a, b)?.path;
        let rtt_s = (p.rtt as f64 / NS_PER_S as f64).max(1e-6);
        let mut rate = (window.max(1) as f64 / rtt_s).min(p.bandwidth_bps / 8.0);
        if p.loss > 0.0 {
            rate = rate.min(p.mathis_rate(self.mss));
        }
        Some(rate)
    }

    /// [`Self::send_fluid`] between two sites without a direct link: the
    /// bytes are booked on every hop (each hop's fluid backlog drains at its
    /// own usable bandwidth), so the flow moves at the narrowest residual
    /// capacity on the path: it arrives when the slowest hop has drained it
    /// (and the connection's end-to-end cap allows), plus every hop's
    /// propagation and jitter.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn send_fluid_routed(
        &mut self,
        now: Nanos,
        a: usize,
        b: usize,
        bytes: u64,
        window: u64,
        span: Nanos,
        conn_busy: &mut Nanos,
        rng: &mut SimRng,
    ) -> Option<Nanos> {
        let (mss, bucket) = (self.mss, self.bucket);
        let ri = self.route_of[a * self.n_sites + b]?;
        let r = &mut self.routes[ri];
        if r.hops.is_empty() {
            return None;
        }
        let p = &r.path;
        let rtt_s = (p.rtt as f64 / NS_PER_S as f64).max(1e-6);
        let mut conn_rate = window.max(1) as f64 / rtt_s;
        if p.loss > 0.0 {
            conn_rate = conn_rate.min(p.mathis_rate(mss));
        }
        let bytes_f = bytes as f64;
        let from = now.saturating_sub(span);
        let mut drained = now;
        let mut propagation = 0;
        for &(li, dir) in &r.hops {
            let l = &mut self.links[li];
            let link_ns = (bytes_f * 8.0 / l.usable_bps() * NS_PER_S as f64) as Nanos;
            let jitter = rng.exp_ns(l.cur.jitter);
            propagation += l.cur.rtt / 2 + jitter;
            let d = &mut l.dirs[dir];
            let start = d.fluid_busy.max(from);
            d.fluid_busy = start + link_ns;
            account(
                &mut d.bytes,
                Some(&mut d.fluid),
                start,
                d.fluid_busy.max(now),
                bytes,
                bucket,
            );
            drained = drained.max(d.fluid_busy);
        }
        let conn_ns = (bytes_f / conn_rate * NS_PER_S as f64) as Nanos;
        *conn_busy = (*conn_busy).max(from) + conn_ns;
        Some(deliver(
            &mut r.last_arrival,
            drained + propagation,
            *conn_busy + propagation,
            false,
        ))
    }

    /// Give hosts `0..rates.len()` a network interface of `rates[h]` bytes/s
    /// in each direction (for [`Self::send_via`] and [`Self::send_fluid_via`]).
    pub fn set_nics(&mut self, rates: &[f64]) {
        self.nics = rates
            .iter()
            .map(|&r| {
                let ns_per_byte = NS_PER_S as f64 / r.max(1.0);
                Nic {
                    ns_per_byte,
                    ser_fp: (ns_per_byte * (1u64 << 32) as f64) as u64,
                    dirs: [Dir::default(), Dir::default()],
                }
            })
            .collect();
    }

    /// One-way propagation between two sites as configured (no queueing).
    #[inline]
    fn half_rtt(&self, a: usize, b: usize) -> Nanos {
        if a == b {
            self.lan_half_rtt[a]
        } else {
            self.rtt(a, b) / 2
        }
    }

    /// [`Self::send`] from host `out` (its NIC out; `None`: a client without
    /// a modelled interface) to host `inn` (its NIC in). The message is put on
    /// the sender's interface when the messages queued before it are through
    /// (`start`), crosses the sites' path from then, and reaches the receiver's
    /// interface, whose FIFO is kept in the same sending order. Like routers,
    /// the interfaces pass bytes on as they come: the message arrives when the
    /// slowest of the three (NIC out, path, NIC in) has carried its last byte,
    /// plus the propagation. A 16 KiB batch on an idle 25 Gbit/s interface
    /// costs 5 µs. `None` when no path remains.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub fn send_via(
        &mut self,
        now: Nanos,
        a: usize,
        b: usize,
        out: Option<usize>,
        inn: Option<usize>,
        bytes: u64,
        window: u64,
        rng: &mut SimRng,
    ) -> Option<Nanos> {
        if self.nics.is_empty() || (out.is_none() && inn.is_none()) {
            return self.send(now, a, b, bytes, window, rng);
        }
        let bucket = self.bucket;
        let start = match out.and_then(|h| self.nics.get(h)) {
            Some(n) => n.start(NIC_OUT, now),
            None => now,
        };
        let (arrival, half) = self.send_half(start, a, b, bytes, window, rng)?;
        let out_done = match out.and_then(|h| self.nics.get_mut(h)) {
            Some(n) => n.book(NIC_OUT, now, bytes, bucket).1,
            None => now,
        };
        let in_done = match inn.and_then(|h| self.nics.get_mut(h)) {
            Some(n) => n.book(NIC_IN, start, bytes, bucket).1,
            None => start,
        };
        let last = out_done.max(in_done);
        if last > start {
            Some(arrival.max(last + half))
        } else {
            Some(arrival)
        }
    }

    /// [`Self::send_fluid`] through host `out`'s NIC out and host `inn`'s NIC
    /// in: the fluid takes its share of each interface as of a link, and
    /// arrives no earlier than the interfaces' backlogs drain plus the
    /// propagation. `None` when no path remains.
    #[allow(clippy::too_many_arguments)]
    pub fn send_fluid_via(
        &mut self,
        now: Nanos,
        a: usize,
        b: usize,
        out: Option<usize>,
        inn: Option<usize>,
        bytes: u64,
        window: u64,
        span: Nanos,
        conn_busy: &mut Nanos,
        rng: &mut SimRng,
    ) -> Option<Nanos> {
        if self.nics.is_empty() || (out.is_none() && inn.is_none()) {
            return self.send_fluid(now, a, b, bytes, window, span, conn_busy, rng);
        }
        if !self.reachable(a, b) {
            return None;
        }
        let bucket = self.bucket;
        let mut drained = now;
        for (h, dir) in [(out, NIC_OUT), (inn, NIC_IN)] {
            if let Some(n) = h.and_then(|h| self.nics.get_mut(h)) {
                drained = drained.max(n.book_fluid(dir, now, span, bytes, bucket));
            }
        }
        let arrival = self.send_fluid(now, a, b, bytes, window, span, conn_busy, rng)?;
        if drained > now {
            Some(arrival.max(drained + self.half_rtt(a, b)))
        } else {
            Some(arrival)
        }
    }

    /// Flow fidelity: the most one connection through host `out`'s NIC out and
    /// host `inn`'s NIC in moves per second: [`Self::fluid_rate`] and the
    /// interfaces' rates. `None` when nothing limits it.
    pub fn fluid_rate_via(
        &self,
        a: usize,
        b: usize,
        out: Option<usize>,
        inn: Option<usize>,
        window: u64,
    ) -> Option<f64> {
        let mut rate = self.fluid_rate(a, b, window);
        for h in [out, inn].into_iter().flatten() {
            if let Some(n) = self.nics.get(h) {
                let r = NS_PER_S as f64 / n.ns_per_byte;
                rate = Some(rate.map_or(r, |x| x.min(r)));
            }
        }
        rate
    }

    /// What every host's interface carried, per timeline interval up to `end`.
    pub fn nic_usage(&self, end: Nanos) -> Vec<NicUsage> {
        let n = end.div_ceil(self.bucket).max(1) as usize;
        self.nics
            .iter()
            .map(|nic| {
                let mut i = nic.dirs[NIC_IN].bytes.clone();
                let mut o = nic.dirs[NIC_OUT].bytes.clone();
                i.resize(n, 0);
                o.resize(n, 0);
                NicUsage {
                    bytes_per_s: NS_PER_S as f64 / nic.ns_per_byte,
                    in_bytes_per_bucket: i,
                    out_bytes_per_bucket: o,
                }
            })
            .collect()
    }

    /// Per-direction usage over the run up to `end`, in link order then
    /// direction a→b, b→a.
    pub fn usage(&self, end: Nanos) -> Vec<LinkUsage> {
        let bucket = self.bucket;
        let n = end.div_ceil(bucket).max(1) as usize;
        let mut out = Vec::new();
        for l in &self.links {
            // Capacity of each bucket: the bandwidth integrated over it.
            let mut cap = vec![0.0f64; n];
            for (i, &(t0, bw)) in l.bw_log.iter().enumerate() {
                let t1 = l.bw_log.get(i + 1).map_or(end, |x| x.0).min(end);
                let mut t = t0;
                while t < t1 {
                    let k = (t / bucket) as usize;
                    let hi = ((k as Nanos + 1) * bucket).min(t1);
                    cap[k] += bw / 8.0 * (hi - t) as f64 / NS_PER_S as f64;
                    t = hi;
                }
            }
            for (dir, (from, to)) in [(l.a, l.b), (l.b, l.a)].into_iter().enumerate() {
                let mut bytes = l.dirs[dir].bytes.clone();
                bytes.resize(n, 0);
                out.push(LinkUsage {
                    from,
                    to,
                    bandwidth_bps: l.base.bandwidth_bps,
                    bytes_per_bucket: bytes,
                    capacity_bytes_per_bucket: cap.clone(),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{NS_PER_MS, ms};

    fn one_link(rtt_ms: f64, mbps: f64, loss: f64) -> Net {
        Net::new(
            2,
            vec![(
                0,
                1,
                LinkParams {
                    rtt: ms(rtt_ms),
                    jitter: 0,
                    bandwidth_bps: mbps * 1e6,
                    loss,
                },
            )],
            vec![ms(0.2), ms(0.2)],
            1460,
            crate::sim::NS_PER_S,
        )
    }

    /// A window-limited request/response loop moves about window / RTT.
    #[test]
    fn window_caps_throughput_at_window_over_rtt() {
        let mut net = one_link(80.0, 10_000.0, 0.0);
        let mut rng = SimRng::new(1);
        // 1 MiB responses, 64 KiB window, one outstanding at a time, for 100 rounds.
        let mut t = 0;
        for _ in 0..100 {
            let req = net.send(t, 1, 0, 100, 65536, &mut rng).unwrap();
            t = net.send(req, 0, 1, 1 << 20, 65536, &mut rng).unwrap();
        }
        let rate = 100.0 * (1u64 << 20) as f64 / (t as f64 / 1e9);
        let expect = 65536.0 / 0.080;
        assert!((rate / expect - 1.0).abs() < 0.1, "rate {rate} vs {expect}");
    }

    /// A connection held back by its own window delays its own message, not
    /// the other connections' on the link (TCP orders each connection's bytes;
    /// the link only queues, serialises and carries them): a 1 MiB response
    /// over a 64 KiB window at 80 ms takes 15 round trips, a heartbeat sent
    /// 1 ms after it still arrives one propagation delay later. Likewise at
    /// flow fidelity for a fluid its connection cannot carry within its span,
    /// and over a route of two hops. What the link does still keeps order: a
    /// message behind another on the transmitter arrives after it; and control
    /// messages (no window) keep the whole order, a retransmit's delay
    /// included.
    #[test]
    fn a_window_held_connection_does_not_hold_back_the_others() {
        let mut rng = SimRng::new(1);
        let mut net = one_link(80.0, 10_000.0, 0.0);
        let big = net.send(0, 0, 1, 1 << 20, 65536, &mut rng).unwrap();
        assert!(big >= 15 * ms(80.0), "window-capped: {big}");
        let small = net.send(NS_PER_MS, 0, 1, 100, u64::MAX, &mut rng).unwrap();
        assert!(
            small < NS_PER_MS + ms(40.0) + 10_000,
            "heartbeat at {small}"
        );
        let next = net.send(NS_PER_MS, 0, 1, 100, u64::MAX, &mut rng).unwrap();
        assert!(next >= small, "link order kept: {next} < {small}");

        let mut net = one_link(80.0, 10_000.0, 0.0);
        let (mut slow, mut other) = (0, 0);
        let s = crate::sim::NS_PER_S;
        // 100 MB over 64 KiB / 80 ms (819 KB/s): about two minutes.
        let big = net
            .send_fluid(s, 0, 1, 100_000_000, 65536, s, &mut slow, &mut rng)
            .unwrap();
        assert!(big > 100 * s, "window-capped fluid: {big}");
        let small = net
            .send_fluid(s + 1, 0, 1, 10_000, u64::MAX, s, &mut other, &mut rng)
            .unwrap();
        assert!(small < s + ms(41.0), "other connection at {small}");

        let hop = LinkParams {
            rtt: ms(40.0),
            jitter: 0,
            bandwidth_bps: 10e9,
            loss: 0.0,
        };
        let mut net = Net::new(
            3,
            vec![(0, 1, hop.clone()), (1, 2, hop)],
            vec![ms(0.2); 3],
            1460,
            s,
        );
        let big = net.send(0, 0, 2, 1 << 20, 65536, &mut rng).unwrap();
        assert!(big >= 15 * ms(80.0), "routed, window-capped: {big}");
        let small = net.send(NS_PER_MS, 0, 2, 100, u64::MAX, &mut rng).unwrap();
        assert!(small < NS_PER_MS + ms(42.0), "routed heartbeat at {small}");
        let (mut slow, mut other) = (0, 0);
        net.send_fluid(s, 0, 2, 100_000_000, 65536, s, &mut slow, &mut rng)
            .unwrap();
        let small = net
            .send_fluid(s + 1, 0, 2, 10_000, u64::MAX, s, &mut other, &mut rng)
            .unwrap();
        assert!(small < s + ms(42.0), "routed fluid at {small}");

        // Control messages (no window) keep the link's order, retransmits
        // included: metadata batches to a broker never overtake each other.
        let mut net = one_link(50.0, 1000.0, 0.2);
        let (mut last, mut retransmitted) = (0, 0);
        for i in 0..400u64 {
            let t = net.send(i * 1000, 0, 1, 1000, u64::MAX, &mut rng).unwrap();
            assert!(t >= last, "control message {i} overtook the one before");
            // Queued behind at most 400 × 8 µs, then 25 ms: later is a retransmit.
            retransmitted += u32::from(t > i * 1000 + ms(3.2) + ms(25.0) + ms(40.0));
            last = t;
        }
        assert!(retransmitted > 0, "20 % loss retransmits some");
    }

    /// Bandwidth serializes back-to-back messages (FIFO queueing).
    #[test]
    fn fifo_queueing_at_bandwidth() {
        let mut net = one_link(10.0, 8.0, 0.0); // 1 MB/s
        let mut rng = SimRng::new(1);
        let a1 = net.send(0, 0, 1, 1_000_000, u64::MAX, &mut rng).unwrap();
        let a2 = net.send(0, 0, 1, 1_000_000, u64::MAX, &mut rng).unwrap();
        assert_eq!(a1, crate::sim::NS_PER_S + 5 * NS_PER_MS);
        assert_eq!(a2, 2 * crate::sim::NS_PER_S + 5 * NS_PER_MS);
    }

    /// Utilization is bytes over the capacity of the time: a sender that keeps
    /// the link just busy stays at about 1 per interval, also while a
    /// degradation halves the bandwidth, and a 30 MB message's bytes land in the
    /// intervals its serialization takes. (Bytes queued when the bandwidth
    /// changes are re-timed at the new rate, see `bandwidth_cut_retimes_the_queue`.)
    #[test]
    fn utilization_follows_the_capacity_of_the_time() {
        let mut net = one_link(10.0, 80.0, 0.0); // 10 MB/s, 1 s buckets
        let mut rng = SimRng::new(1);
        let mut t = 0;
        let mut degraded = (false, false);
        while t < 6 * NS_PER_S {
            if !degraded.0 && t >= 2 * NS_PER_S {
                net.degrade(t, 0, None, None, Some(40e6), None);
                degraded.0 = true;
            }
            if !degraded.1 && t >= 4 * NS_PER_S {
                net.degrade(t, 0, None, None, None, None);
                degraded.1 = true;
            }
            // Send the next message when the link has serialized the last one.
            let arrival = net.send(t, 0, 1, 100_000, u64::MAX, &mut rng).unwrap();
            t = arrival - 5 * NS_PER_MS;
        }
        let mut big = one_link(10.0, 80.0, 0.0);
        big.send(500 * NS_PER_MS, 0, 1, 30_000_000, u64::MAX, &mut rng)
            .unwrap();
        let spread = &big.usage(5 * NS_PER_S)[0].bytes_per_bucket;
        assert_eq!(spread[0], 5_000_000, "0.5 s of 3 s at 10 MB/s");
        assert_eq!(spread[1], 10_000_000);

        let u = &net.usage(6 * NS_PER_S)[0];
        let cap = &u.capacity_bytes_per_bucket;
        assert_eq!(cap.len(), 6);
        assert!((cap[1] - 10e6).abs() < 1.0 && (cap[2] - 5e6).abs() < 1.0);
        for (k, (&b, &c)) in u.bytes_per_bucket.iter().zip(cap).enumerate() {
            let util = b as f64 / c;
            assert!(util > 0.95 && util <= 1.03, "interval {k}: {util}");
        }
    }

    /// Issue 11: 10 MB queued on a 1 Gbit/s link when it drops to 20 Mbit/s
    /// were counted at the old rate in the interval after the cut (5.5 × its
    /// capacity in a scenario). Now the queue drains at the new rate: 2.5 MB
    /// per 1 s interval (20 Mbit/s) until the 10 MB are through, 4 s later.
    #[test]
    fn bandwidth_cut_retimes_the_queue() {
        let mut net = one_link(10.0, 1000.0, 0.0); // 125 MB/s, 1 s buckets
        let mut rng = SimRng::new(1);
        let t0 = 999 * NS_PER_MS;
        // Ten 1 MB messages at 0.999 s: the queue drains at 1.079 s.
        for _ in 0..10 {
            net.send(t0, 0, 1, 1_000_000, u64::MAX, &mut rng).unwrap();
        }
        net.degrade(crate::sim::NS_PER_S, 0, None, None, Some(20e6), None);
        let u = &net.usage(7 * crate::sim::NS_PER_S)[0];
        let (b, c) = (&u.bytes_per_bucket, &u.capacity_bytes_per_bucket);
        // 1 ms at 125 MB/s before the cut, then 2.5 MB per interval.
        assert_eq!(b[0], 125_000);
        for k in 1..=3 {
            assert!(
                b[k] as f64 <= c[k] + 1.0,
                "interval {k}: {} of {}",
                b[k],
                c[k]
            );
            assert!((b[k] as f64 - 2.5e6).abs() < 2.0, "interval {k}: {}", b[k]);
        }
        assert_eq!(b.iter().sum::<u64>(), 10_000_000, "every byte counted once");
        // A message sent after the cut waits for the re-timed queue: 9.875 MB at
        // 2.5 MB/s from 1 s, then its own 1 kB, then half the RTT.
        let arrival = net
            .send(crate::sim::NS_PER_S, 0, 1, 1000, u64::MAX, &mut rng)
            .unwrap();
        let drained = crate::sim::NS_PER_S + 3_950 * NS_PER_MS;
        assert!(
            arrival >= drained + 5 * NS_PER_MS && arrival < drained + 6 * NS_PER_MS,
            "{arrival}"
        );
    }

    #[test]
    fn cut_link_drops() {
        let mut net = one_link(10.0, 100.0, 0.0);
        net.set_cut(0, true);
        assert!(net.send(0, 0, 1, 10, 65536, &mut SimRng::new(1)).is_none());
        net.set_cut(0, false);
        assert!(net.send(0, 0, 1, 10, 65536, &mut SimRng::new(1)).is_some());
    }
}
