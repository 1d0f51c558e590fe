//! Charts as inline SVG, drawn with plotters' SVG backend (no font library: the
//! backend writes text as `<text>` elements and the browser picks the font).
//!
//! Every chart takes a list of `(design name, &Outcome)` so one renderer serves a
//! single run and a comparison of designs. A chart with nothing to draw returns
//! `None`, and the page says why instead of showing an empty frame.

use crate::metrics::Outcome;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;

pub const WIDTH: u32 = 820;
pub const HEIGHT: u32 = 340;

/// Line colours, distinct in print and for the common colour-vision deficiencies
/// as far as ten colours allow.
const PALETTE: [RGBColor; 10] = [
    RGBColor(0, 90, 160),
    RGBColor(230, 120, 0),
    RGBColor(20, 140, 60),
    RGBColor(200, 30, 40),
    RGBColor(120, 60, 170),
    RGBColor(140, 90, 40),
    RGBColor(210, 80, 160),
    RGBColor(90, 90, 90),
    RGBColor(150, 150, 20),
    RGBColor(0, 150, 160),
];
const FAULT_SHADE: RGBColor = RGBColor(230, 60, 60);

/// A drawn chart: the SVG and its legend, which the page lays out in HTML
/// below the chart so it never hides data.
pub struct Rendered {
    pub svg: String,
    pub legend: Vec<LegendEntry>,
}

/// How a legend entry is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    Line,
    /// A dot: a series of separate points (a scatter; the page styles `.mark.dot`).
    Dot,
    Dashed,
    Band,
}

pub struct LegendEntry {
    pub label: String,
    /// `#rrggbb`.
    pub color: String,
    pub mark: Mark,
}

fn hex(c: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// One line: a label for the legend and its points. A `None` point breaks the line.
pub struct Series {
    pub label: String,
    pub points: Vec<Option<(f64, f64)>>,
}

/// A chart before drawing. `x` and `y` are the axis ranges.
pub struct Chart {
    pub x_desc: String,
    pub y_desc: String,
    pub x: (f64, f64),
    pub y: (f64, f64),
    pub log_x: bool,
    pub series: Vec<Series>,
    /// Shaded vertical bands (fault windows): (from, to).
    pub bands: Vec<(f64, f64)>,
    /// Dashed reference lines (capacity).
    pub dashed: Vec<Dashed>,
    /// Mark every point with a dot (few points: a sweep's values).
    pub markers: bool,
    /// Category names for x = 0, 1, …: the x axis shows them instead of numbers.
    pub x_labels: Option<Vec<String>>,
    /// Grid lines at the labelled ticks only (a lighter SVG for pages with many charts).
    pub coarse_grid: bool,
    /// At most this many labelled ticks on the x axis (plotters' choice otherwise).
    pub x_ticks: Option<usize>,
}

/// A dashed reference line with its legend label.
pub struct Dashed {
    pub points: Vec<(f64, f64)>,
    pub color: RGBColor,
    pub label: String,
}

/// The prefix for a series label: the design's name when there are several.
fn prefix(designs: &[(&str, &Outcome)], name: &str) -> String {
    if designs.len() > 1 {
        format!("{name} · ")
    } else {
        String::new()
    }
}

/// Fault windows of the first design (faults belong to the scenario, so every
/// design shares them).
fn fault_bands(designs: &[(&str, &Outcome)]) -> Vec<(f64, f64)> {
    designs
        .first()
        .map(|(_, o)| o.faults.iter().map(|f| (f.at_s, f.end_s)).collect())
        .unwrap_or_default()
}

fn label_num(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if a >= 100.0 || (a - a.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.1}")
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').to_string()
    }
}

/// The smallest of 1, 2, 5 × 10^k at or above `v` (> 0).
pub(crate) fn nice_ceil(v: f64) -> f64 {
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|&x| x >= v * (1.0 - 1e-12))
        .unwrap_or(10.0 * p)
}

/// What the produce-latency CDF cannot show as a curve, in words: a producer
/// with no acknowledged record (an empty distribution), and one whose records
/// all fell in one histogram bucket (a constant: its CDF is a single step).
/// "p99 0 ms" never stands for "no samples".
pub fn latency_cdf_notes(designs: &[(&str, &Outcome)]) -> Vec<String> {
    let mut out = Vec::new();
    for (name, o) in designs {
        for site in &o.sites {
            for p in &site.produce {
                let who = format!(
                    "{}{} ({}, acks={})",
                    prefix(designs, name),
                    site.site,
                    p.topic,
                    p.acks
                );
                if p.latency.count == 0 || p.latency_cdf.is_empty() {
                    out.push(format!(
                        "{who}: no record acknowledged, so no latency to plot (not 0 ms)."
                    ));
                } else if p.latency_cdf.len() == 1 {
                    out.push(format!(
                        "{who}: all {} acknowledged records fell in one histogram bucket, {} ms: a constant, whose CDF is a single step there.",
                        p.latency.count,
                        label_num(p.latency_cdf[0].latency_ms)
                    ));
                }
            }
        }
    }
    out
}

/// Produce-latency CDF: one line per producer (site, topic, acks) and design.
/// A producer whose records all fell in one bucket is a vertical step at that
/// latency; `None` when no producer has more than one bucket (nothing but
/// steps: [`latency_cdf_notes`] says it in words).
pub fn latency_cdf(designs: &[(&str, &Outcome)]) -> Option<Rendered> {
    let mut series = Vec::new();
    let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
    let mut curves = 0;
    for (name, o) in designs {
        for site in &o.sites {
            for p in &site.produce {
                if p.latency_cdf.is_empty() || p.latency.count == 0 {
                    continue;
                }
                let mut pts: Vec<_> = p
                    .latency_cdf
                    .iter()
                    .map(|c| Some((c.latency_ms.max(0.001), c.fraction)))
                    .collect();
                if let [Some((x, _))] = pts[..] {
                    // A constant: the CDF steps from 0 to 1 at its value.
                    pts = vec![Some((x, 0.0)), Some((x, 1.0))];
                } else {
                    curves += 1;
                }
                for &(x, _) in pts.iter().flatten() {
                    lo = lo.min(x);
                    hi = hi.max(x);
                }
                series.push(Series {
                    label: format!(
                        "{}{} ({}, acks={})",
                        prefix(designs, name),
                        site.site,
                        p.topic,
                        p.acks
                    ),
                    points: pts,
                });
            }
        }
    }
    if curves == 0 {
        return None;
    }
    let lo = 10f64.powf(lo.log10().floor());
    let hi = nice_ceil(hi).max(lo * 10.0);
    render(&Chart {
        x_desc: "produce latency, ms (log scale)".into(),
        y_desc: "fraction of records".into(),
        x: (lo, hi),
        y: (0.0, 1.0),
        log_x: true,
        series,
        bands: Vec::new(),
        dashed: Vec::new(),
        markers: false,
        x_labels: None,
        coarse_grid: false,
        x_ticks: None,
    })
}

/// Time axis of one design: the end of interval k, or its middle.
fn at(o: &Outcome, k: usize, mid: bool) -> f64 {
    let iv = o.timeline.interval_s;
    if mid {
        (k as f64 + 0.5) * iv
    } else {
        (k as f64 + 1.0) * iv
    }
}

fn duration(designs: &[(&str, &Outcome)]) -> f64 {
    designs
        .iter()
        .map(|(_, o)| o.duration_s)
        .fold(0.0, f64::max)
        .max(1e-3)
}

/// High-watermark lag over time (the age of the oldest record not yet
/// replicated to the whole ISR), one line per design, fault windows shaded.
pub fn hw_lag(designs: &[(&str, &Outcome)]) -> Option<Rendered> {
    // (design, label, per-interval lag in ms)
    let mut lines: Vec<(&Outcome, String, Vec<f64>)> = Vec::new();
    for (name, o) in designs {
        let t = &o.timeline.hw_lag_ms_max;
        if !t.is_empty() {
            lines.push((
                o,
                format!("{}HW lag, max over partitions", prefix(designs, name)),
                t.clone(),
            ));
        }
    }
    if lines.is_empty() {
        return None;
    }
    // Milliseconds unless the lag reaches seconds.
    let hi = lines
        .iter()
        .flat_map(|l| l.2.iter().copied())
        .fold(0.0, f64::max);
    let (unit, scale) = if hi >= 2000.0 {
        ("s", 1e-3)
    } else {
        ("ms", 1.0)
    };
    let series = lines
        .into_iter()
        .map(|(o, label, v)| Series {
            label,
            points: v
                .iter()
                .enumerate()
                .map(|(k, &x)| Some((at(o, k, false), x * scale)))
                .collect(),
        })
        .collect();
    render_over_time(Chart {
        x_desc: String::new(),
        y_desc: format!("lag, {unit}"),
        x: (0.0, duration(designs)),
        y: (0.0, (hi * scale * 1.1).max(scale)),
        log_x: false,
        series,
        bands: fault_bands(designs),
        dashed: Vec::new(),
        markers: false,
        x_labels: None,
        coarse_grid: false,
        x_ticks: None,
    })
}

/// Records the replicas lack (leader log end minus replica log end, summed over
/// partitions and live replicas), one line per design, fault windows shaded.
pub fn replica_lag(designs: &[(&str, &Outcome)]) -> Option<Rendered> {
    let mut series = Vec::new();
    let mut hi = 0u64;
    for (name, o) in designs {
        let t = &o.timeline.replica_lag_records;
        if t.is_empty() {
            continue;
        }
        hi = t.iter().copied().fold(hi, u64::max);
        series.push(Series {
            label: format!("{}records the replicas lack", prefix(designs, name)),
            points: t
                .iter()
                .enumerate()
                .map(|(k, &v)| Some((at(o, k, false), v as f64)))
                .collect(),
        });
    }
    if series.is_empty() {
        return None;
    }
    render_over_time(Chart {
        x_desc: String::new(),
        y_desc: "replica lag, records".into(),
        x: (0.0, duration(designs)),
        y: (0.0, (hi as f64 * 1.1).max(1.0)),
        log_x: false,
        series,
        bands: fault_bands(designs),
        dashed: Vec::new(),
        markers: false,
        x_labels: None,
        coarse_grid: false,
        x_ticks: None,
    })
}

/// Cross-cluster copy lag over time (asynchronous designs): the age of the
/// oldest record a copier has not yet made readable at its target, one line per
/// design, fault windows shaded.
pub fn copy_lag(designs: &[(&str, &Outcome)]) -> Option<Rendered> {
    let mut series = Vec::new();
    let mut hi = 0.0f64;
    for (name, o) in designs {
        let t = &o.timeline.replication_lag_s;
        if t.is_empty() {
            continue;
        }
        hi = t.iter().copied().fold(hi, f64::max);
        series.push(Series {
            label: format!("{}copy lag", prefix(designs, name)),
            points: t
                .iter()
                .enumerate()
                .map(|(k, &v)| Some((at(o, k, false), v)))
                .collect(),
        });
    }
    if series.is_empty() {
        return None;
    }
    render_over_time(Chart {
        x_desc: String::new(),
        y_desc: "copy lag, s".into(),
        x: (0.0, duration(designs)),
        y: (0.0, (hi * 1.1).max(1.0)),
        log_x: false,
        series,
        bands: fault_bands(designs),
        dashed: Vec::new(),
        markers: false,
        x_labels: None,
        coarse_grid: false,
        x_ticks: None,
    })
}

/// Link utilization per direction over time against the capacity of the time
/// (100 %; a `link-degrade` lowers the capacity, so a degraded link shows its
/// real load). Directions that carried nothing are left out.
pub fn link_utilization(designs: &[(&str, &Outcome)]) -> Option<Rendered> {
    let mut series = Vec::new();
    let mut hi = 0.0f64;
    for (name, o) in designs {
        for l in &o.links {
            if l.bytes == 0 || l.utilization.is_empty() {
                continue;
            }
            hi = l.utilization.iter().copied().fold(hi, f64::max);
            series.push(Series {
                label: format!(
                    "{}{} → {} ({} Mbit/s nominal)",
                    prefix(designs, name),
                    l.from,
                    l.to,
                    label_num(l.bandwidth_mbps)
                ),
                points: l
                    .utilization
                    .iter()
                    .enumerate()
                    .map(|(k, &u)| Some((at(o, k, true), u * 100.0)))
                    .collect(),
            });
        }
    }
    if series.is_empty() {
        return None;
    }
    // Show the capacity line when the traffic's scale reaches it; otherwise
    // scale to the traffic and say that capacity is off the chart.
    let peak = hi * 100.0;
    let x = (0.0, duration(designs));
    let (top, dashed, y_desc) = if nice_ceil((peak * 1.15).max(0.01)) >= 100.0 {
        (
            (peak * 1.1).max(110.0),
            vec![Dashed {
                points: vec![(x.0, 100.0), (x.1, 100.0)],
                color: BLACK,
                label: "capacity (100 %)".into(),
            }],
            "utilization, % of capacity".to_string(),
        )
    } else {
        (
            nice_ceil((peak * 1.15).max(0.01)),
            Vec::new(),
            "utilization, % of capacity (100 % is off scale)".to_string(),
        )
    };
    render_over_time(Chart {
        x_desc: String::new(),
        y_desc,
        x,
        y: (0.0, top),
        log_x: false,
        series,
        bands: fault_bands(designs),
        dashed,
        markers: false,
        x_labels: None,
        coarse_grid: false,
        x_ticks: None,
    })
}

/// Write availability over time per design: the share of partitions producers
/// wrote to that had a record acknowledged in the interval. Intervals without
/// any write break the line.
pub fn write_availability(designs: &[(&str, &Outcome)]) -> Option<Rendered> {
    let mut series = Vec::new();
    let mut lo = 100.0f64;
    for (name, o) in designs {
        let t = &o.timeline;
        if t.written_partitions.iter().all(|&w| w == 0) {
            continue;
        }
        let points: Vec<_> = t
            .written_partitions
            .iter()
            .zip(&t.unavailable_partitions)
            .enumerate()
            .map(|(k, (&w, &u))| {
                (w > 0).then(|| {
                    let a = 100.0 * (w - u.min(w)) as f64 / w as f64;
                    lo = lo.min(a);
                    (at(o, k, true), a)
                })
            })
            .collect();
        series.push(Series {
            label: if designs.len() > 1 {
                (*name).to_string()
            } else {
                "partitions written that were acknowledged".into()
            },
            points,
        });
    }
    if series.is_empty() {
        return None;
    }
    render_over_time(Chart {
        x_desc: String::new(),
        y_desc: "write availability, %".into(),
        x: (0.0, duration(designs)),
        y: (if lo > 90.0 { 90.0 } else { 0.0 }, 101.0),
        log_x: false,
        series,
        bands: fault_bands(designs),
        dashed: Vec::new(),
        markers: false,
        x_labels: None,
        coarse_grid: false,
        x_ticks: None,
    })
}

/// Draw a chart whose x axis is simulated time in seconds, in seconds, minutes
/// or hours depending on its length.
fn render_over_time(mut c: Chart) -> Option<Rendered> {
    let span = c.x.1 - c.x.0;
    let (div, unit) = if span > 4.0 * 3600.0 {
        (3600.0, "h")
    } else if span > 60.0 * 60.0 {
        (60.0, "min")
    } else {
        (1.0, "s")
    };
    c.x_desc = format!("simulated time, {unit}");
    if div != 1.0 {
        c.x = (c.x.0 / div, c.x.1 / div);
        for s in &mut c.series {
            for (x, _) in s.points.iter_mut().flatten() {
                *x /= div;
            }
        }
        for b in &mut c.bands {
            *b = (b.0 / div, b.1 / div);
        }
        for d in &mut c.dashed {
            for (x, _) in &mut d.points {
                *x /= div;
            }
        }
    }
    render(&c)
}

/// Draw `c` as an SVG document (a string starting with `<svg`) and its legend.
pub fn render(c: &Chart) -> Option<Rendered> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).ok()?;
        if c.log_x {
            draw(&root, c, (c.x.0..c.x.1).log_scale())?;
        } else {
            draw(&root, c, c.x.0..c.x.1)?;
        }
        root.present().ok()?;
    }
    let mut legend = Vec::new();
    if c.bands.iter().any(|&(a, b)| b.min(c.x.1) > a.max(c.x.0)) {
        legend.push(LegendEntry {
            label: "fault window".into(),
            color: hex(FAULT_SHADE),
            mark: Mark::Band,
        });
    }
    for d in &c.dashed {
        legend.push(LegendEntry {
            label: d.label.clone(),
            color: hex(d.color),
            mark: Mark::Dashed,
        });
    }
    for (i, sr) in c.series.iter().enumerate() {
        // No two points in a row: nothing is joined, the legend shows a dot.
        let scatter = c.markers
            && sr
                .points
                .windows(2)
                .all(|w| w[0].is_none() || w[1].is_none());
        legend.push(LegendEntry {
            label: sr.label.clone(),
            color: hex(PALETTE[i % PALETTE.len()]),
            mark: if scatter { Mark::Dot } else { Mark::Line },
        });
    }
    Some(Rendered { svg: buf, legend })
}

fn draw<X>(root: &DrawingArea<SVGBackend, plotters::coord::Shift>, c: &Chart, x: X) -> Option<()>
where
    X: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .margin_right(36)
        .x_label_area_size(42)
        .y_label_area_size(62)
        .build_cartesian_2d(x, c.y.0..c.y.1)
        .ok()?;
    let category = |v: &f64| -> String {
        let r = v.round();
        match &c.x_labels {
            Some(l) if (v - r).abs() < 1e-6 && r >= 0.0 && (r as usize) < l.len() => {
                l[r as usize].clone()
            }
            Some(_) => String::new(),
            None => label_num(*v),
        }
    };
    let mut mesh = chart.configure_mesh();
    if c.coarse_grid {
        mesh.max_light_lines(0);
    }
    if let Some(n) = c.x_ticks {
        mesh.x_labels(n);
    }
    mesh.x_desc(c.x_desc.as_str())
        .y_desc(c.y_desc.as_str())
        .x_label_formatter(&category)
        .y_label_formatter(&|v| label_num(*v))
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(215, 215, 215))
        .label_style(("sans-serif", 12))
        .axis_desc_style(("sans-serif", 13))
        .draw()
        .ok()?;
    for &(a, b) in &c.bands {
        let a = a.max(c.x.0);
        let b = b.min(c.x.1);
        if b <= a {
            continue;
        }
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(a, c.y.0), (b, c.y.1)],
                FAULT_SHADE.mix(0.12).filled(),
            )))
            .ok()?;
    }
    for d in &c.dashed {
        let clipped: Vec<_> = d
            .points
            .iter()
            .map(|&(x, y)| (x.clamp(c.x.0, c.x.1), y))
            .collect();
        chart
            .draw_series(DashedLineSeries::new(
                clipped,
                6,
                4,
                ShapeStyle::from(&d.color).stroke_width(if d.color == BLACK { 1 } else { 2 }),
            ))
            .ok()?;
    }
    for (i, s) in c.series.iter().enumerate() {
        let style = PALETTE[i % PALETTE.len()].stroke_width(2);
        // Split at gaps; each run is one path.
        let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for p in &s.points {
            match p {
                Some(p) => runs.last_mut().expect("one run").push(*p),
                None => {
                    if !runs.last().expect("one run").is_empty() {
                        runs.push(Vec::new());
                    }
                }
            }
        }
        for run in runs.into_iter().filter(|r| !r.is_empty()) {
            chart
                .draw_series(LineSeries::new(run.clone(), style))
                .ok()?;
            if c.markers {
                let color = PALETTE[i % PALETTE.len()];
                chart
                    .draw_series(run.iter().map(|&p| Circle::new(p, 3, color.filled())))
                    .ok()?;
            }
        }
    }
    Some(())
}
