//! `sweep.html`: a sweep on one self-contained page (inline CSS and SVG, no
//! script, no external asset), in the style of `report.html`.
//!
//! Order: the summary (sentences derived from the results), the parameters,
//! the table (one row per variant and design), one chart per (output, swept
//! parameter), the assumptions and the replay command. Every string from the
//! scenario or the results goes through [`esc`].

use super::{OutputDef, Sweep, cell, header, num, repeats};
use crate::metrics::SCHEMA_VERSION;
use crate::report::charts::{self, Chart, Series};
use crate::report::{CSS, SIMPLIFICATIONS, esc, figure, settings_and_simplifications};
use crate::scenario::{ParamSource, Scenario, SweepParam, SweepValue, show_value};
use std::fmt::Write as _;

/// Largest magnitude drawn on an axis: plotters' tick search does not end on
/// ranges near f64's limits, so larger figures are left to the table.
const AXIS_MAX: f64 = 1e15;

/// The parameter's values as numbers, when they all are (and fit an axis);
/// otherwise the chart places them as categories.
fn numeric(p: &SweepParam) -> Option<Vec<f64>> {
    p.values
        .iter()
        .map(|v| match v {
            SweepValue::Int(i) => Some(*i as f64),
            SweepValue::Float(x) => Some(*x),
            _ => None,
        })
        .map(|x| x.filter(|x| x.is_finite() && x.abs() < AXIS_MAX))
        .collect()
}

/// Variant index of a choice of values (the first parameter varies slowest).
fn rank(s: &Sweep, choice: &[usize]) -> usize {
    let mut index = 0;
    for (p, &c) in s.parameters.iter().zip(choice) {
        index = index * p.values.len().max(1) + c;
    }
    index
}

/// Whether every design's output is the same in every variant.
fn constant(s: &Sweep, id: &str) -> bool {
    (0..s.designs.len()).all(|d| {
        let first = s.value(0, d, id);
        (0..s.variants.len()).all(|v| s.value(v, d, id) == first)
    })
}

/// The chart of output `o` against parameter `p`; None when nothing draws a line.
fn chart(s: &Sweep, o: &OutputDef, p: usize) -> Option<(charts::Rendered, String)> {
    let param = &s.parameters[p];
    let xs: Vec<f64> =
        numeric(param).unwrap_or_else(|| (0..param.values.len()).map(|j| j as f64).collect());
    let categories = numeric(param).is_none();
    let others: Vec<usize> = (0..s.parameters.len())
        .filter(|&q| q != p && s.parameters[q].values.len() > 1)
        .collect();
    let several = s.designs.len() > 1;
    // Lines: (label, choice of the other parameters) per design.
    let mut lines: Vec<(String, usize, Vec<usize>)> = Vec::new();
    for (d, info) in s.designs.iter().enumerate() {
        let name = if several {
            format!("{} · ", info.design)
        } else {
            String::new()
        };
        if let [q] = others.as_slice() {
            for k in 0..s.parameters[*q].values.len() {
                let mut c = vec![0; s.parameters.len()];
                c[*q] = k;
                lines.push((
                    format!(
                        "{name}{} = {}",
                        s.parameters[*q].key,
                        show_value(&s.parameters[*q].values[k])
                    ),
                    d,
                    c,
                ));
            }
        } else {
            let label = if several {
                info.design.clone()
            } else {
                o.label.clone()
            };
            lines.push((label, d, vec![0; s.parameters.len()]));
        }
    }
    // With --runs N: each line's p95 over the draws too, as a line of its own
    // (the chart code shades x intervals only, not a band between two lines).
    let with_p95 = s.monte_carlo.is_some();
    let lines: Vec<(String, usize, Vec<usize>, bool)> = lines
        .into_iter()
        .flat_map(|(label, d, c)| {
            let p95 = with_p95.then(|| (format!("{label} · p95"), d, c.clone(), true));
            std::iter::once((label, d, c, false)).chain(p95)
        })
        .collect();
    let mut series = Vec::new();
    let mut ys = Vec::new();
    for (label, d, mut c, p95) in lines {
        let points: Vec<Option<(f64, f64)>> = (0..param.values.len())
            .map(|j| {
                c[p] = j;
                let v = rank(s, &c);
                if p95 {
                    s.p95(v, d, &o.id)
                } else {
                    s.value(v, d, &o.id)
                }
                .filter(|y| y.abs() < AXIS_MAX)
                .map(|y| (xs[j], y))
            })
            .collect();
        // A legend entry must draw a line: two neighbouring points at least.
        if !points.windows(2).any(|w| w[0].is_some() && w[1].is_some()) {
            continue;
        }
        ys.extend(points.iter().flatten().map(|x| x.1));
        series.push(Series { label, points });
    }
    if series.is_empty() {
        return None;
    }
    let lo = ys.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = ys.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let y = if o.unit == "%" {
        (if lo > 90.0 { 90.0 } else { 0.0 }, 101.0)
    } else if hi <= 1e-9 {
        (lo.min(0.0), 1.0)
    } else {
        (lo.min(0.0), charts::nice_ceil(hi * 1.1))
    };
    let (xlo, xhi) = (
        xs.iter().copied().fold(f64::INFINITY, f64::min),
        xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    // Never a span below a millionth of the values' size: plotters' ticks must
    // stay above the float spacing.
    let size = xlo.abs().max(xhi.abs()).max(1.0);
    let pad = ((xhi - xlo) * 0.04).max(if categories { 0.3 } else { size * 1e-6 });
    let (x0, x1) = if xhi - xlo > size * 1e-6 {
        (xlo - pad, xhi + pad)
    } else {
        (xlo - size * 0.1, xhi + size * 0.1)
    };
    // Whole-number values over a short span (or categories): a tick per unit.
    let whole = xs.iter().all(|x| x.fract() == 0.0);
    let ticks = (whole && xhi - xlo <= 15.0).then(|| (xhi - xlo).round() as usize + 1);
    let rendered = charts::render(&Chart {
        x_desc: param.key.clone(),
        y_desc: header(o),
        x: (x0, x1),
        y,
        log_x: false,
        series,
        bands: Vec::new(),
        dashed: Vec::new(),
        markers: true,
        x_labels: categories.then(|| param.values.iter().map(show_value).collect()),
        coarse_grid: true,
        x_ticks: ticks,
    })?;
    let mut caption = format!("{} against {}: ", header(o), param.key);
    match others.as_slice() {
        [q] => {
            let _ = write!(
                caption,
                "one line per {}value of {}.",
                if several { "design and " } else { "" },
                s.parameters[*q].key
            );
        }
        [] => caption.push_str(if several {
            "one line per design."
        } else {
            "the output at each value."
        }),
        many => {
            let held: Vec<String> = many
                .iter()
                .map(|&q| {
                    format!(
                        "{} = {}",
                        s.parameters[q].key,
                        show_value(&s.parameters[q].values[0])
                    )
                })
                .collect();
            let _ = write!(
                caption,
                "{}the other parameters held at their first value ({}).",
                if several { "one line per design, " } else { "" },
                held.join(", ")
            );
        }
    }
    if s.seeds_per_variant > 1 {
        let _ = write!(
            caption,
            " Mean of {} seeds (the table gives the range).",
            s.seeds_per_variant
        );
    }
    if let Some(mc) = &s.monte_carlo {
        let _ = write!(
            caption,
            " Mean of {} draws, and each line's p95 over the draws (“· p95”).",
            mc.draws
        );
    }
    Some((rendered, caption))
}

/// The whole `sweep.html` page. `sc` is the scenario as written (for the
/// assumptions), `replay` the command that reruns the sweep.
pub fn sweep_html(s: &Sweep, sc: &Scenario, replay: &str) -> String {
    let mut h = String::new();
    let title = esc(&s.scenario);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>ktopo sweep: {title}</title>\n<style>{CSS}.wide {{ overflow-x:auto; }}\n.wide table {{ width:auto; }}\n.wide td {{ white-space:nowrap; }}\n.wide th {{ min-width:5em; }}\n</style>\n</head>\n<body>\n<main>\n"
    );
    let _ = writeln!(h, "<header>\n<h1>{title}</h1>");
    if !s.description.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(&s.description));
    }
    let designs: Vec<String> = s.designs.iter().map(|d| esc(&d.design)).collect();
    let _ = writeln!(
        h,
        "<p class=\"meta\">Sweep · design{}: {} · {} variant(s) × {} = {} runs · seed {} · {} s simulated each</p>\n</header>",
        if designs.len() > 1 { "s" } else { "" },
        designs.join(", "),
        s.variants.len(),
        repeats(s),
        s.runs,
        s.seed,
        num(s.duration_s)
    );

    if let Some(note) = super::partial_note(s) {
        let _ = writeln!(h, "<p class=\"note\"><strong>{}</strong></p>", esc(&note));
    }

    // 1. Summary.
    let _ = writeln!(
        h,
        "<section id=\"summary\">\n<h2>Summary</h2>\n<p>{}</p>\n</section>",
        esc(&s.summary.join(" "))
    );

    // 2. Parameters.
    let _ = writeln!(
        h,
        "<section id=\"parameters\">\n<h2>Parameters</h2>\n<table>\n<tr><th>key</th><th>key path</th><th>values</th><th>from</th></tr>"
    );
    for p in &s.parameters {
        let vals: Vec<String> = p.values.iter().map(show_value).collect();
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(&p.key),
            esc(&p.path),
            esc(&vals.join(", ")),
            match p.source {
                ParamSource::File => "the file's [sweep]",
                ParamSource::CommandLine => "--param",
            }
        );
    }
    let _ = writeln!(
        h,
        "</table>\n<p class=\"note\">Every combination of values is a variant; each variant runs {} with the same workload, faults and seed{}.</p>\n</section>",
        if s.designs.len() > 1 {
            "every design"
        } else {
            "the scenario"
        },
        if s.seeds_per_variant > 1 {
            format!(
                "s ({} per variant; figures are means, the range in parentheses)",
                s.seeds_per_variant
            )
        } else {
            String::new()
        }
    );
    if let Some(mc) = &s.monte_carlo {
        let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(&super::draws_note(mc)));
        if !mc.ranges.is_empty() {
            let _ = writeln!(
                h,
                "<table>\n<tr><th>range</th><th>low</th><th>mid</th><th>high</th><th>distribution</th><th>drawn mean</th><th>drawn p50</th><th>drawn p95</th></tr>"
            );
            for r in &mc.ranges {
                let cells: Vec<String> = super::range_row(r).iter().map(|c| esc(c)).collect();
                let _ = writeln!(
                    h,
                    "<tr><td><code>{}</code></td><td>{}</td></tr>",
                    esc(&r.key),
                    cells.join("</td><td>")
                );
            }
            let _ = writeln!(h, "</table>");
        }
    }

    // 3. Results table.
    let _ = writeln!(
        h,
        "<section id=\"results\">\n<h2>Results</h2>\n<div class=\"wide\">\n<table>\n<tr><th class=\"n\">variant</th>"
    );
    for p in &s.parameters {
        let _ = write!(h, "<th><code>{}</code></th>", esc(&p.key));
    }
    let _ = write!(h, "<th>design</th>");
    for o in &s.outputs {
        let _ = write!(h, "<th class=\"n\">{}</th>", esc(&header(o)));
    }
    let _ = writeln!(h, "</tr>");
    for (v, vr) in s.variants.iter().enumerate() {
        for (d, info) in s.designs.iter().enumerate() {
            let _ = write!(h, "<tr><td class=\"n\">{}</td>", vr.index);
            for x in &vr.values {
                let _ = write!(h, "<td>{}</td>", esc(&show_value(x)));
            }
            let _ = write!(h, "<td>{}</td>", esc(&info.design));
            for o in &s.outputs {
                let _ = write!(h, "<td class=\"n\">{}</td>", esc(&cell(s, v, d, &o.id)));
            }
            let _ = writeln!(h, "</tr>");
        }
    }
    let _ = writeln!(
        h,
        "</table>\n</div>\n<p class=\"note\">Definitions as in the comparison report (docs/report-schema.md, <code>sweep.json</code>): produce p99 is the worst topic's of the site; RPO is the worst fault's; a dash means the output does not apply to the design.</p>\n</section>"
    );

    // 4. Charts: each output against each swept parameter.
    let _ = writeln!(h, "<section id=\"charts\">\n<h2>Charts</h2>");
    let swept: Vec<usize> = (0..s.parameters.len())
        .filter(|&p| s.parameters[p].values.len() > 1)
        .collect();
    let mut flat = Vec::new();
    let mut drawn = 0;
    if swept.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"note\">Every parameter has a single value, so there is nothing to plot against.</p>"
        );
    }
    for (oi, o) in s.outputs.iter().enumerate() {
        if swept.is_empty() {
            break;
        }
        if constant(s, &o.id) {
            let vals: Vec<String> = s
                .designs
                .iter()
                .enumerate()
                .map(|(d, info)| {
                    let v = cell(s, 0, d, &o.id);
                    if s.designs.len() > 1 {
                        format!("{} {v}", info.design)
                    } else {
                        v
                    }
                })
                .collect();
            flat.push(format!("{}: {}", header(o), vals.join(", ")));
            continue;
        }
        for &p in &swept {
            match chart(s, o, p) {
                Some((r, caption)) => {
                    figure(&mut h, &format!("chart-{oi}-{p}"), &caption, &r);
                    drawn += 1;
                }
                None => {
                    let _ = writeln!(
                        h,
                        "<p class=\"note\">{} against {}: no two neighbouring values have a figure, so there is no line to draw (see the table).</p>",
                        esc(&header(o)),
                        esc(&s.parameters[p].key)
                    );
                }
            }
        }
    }
    if !flat.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"note\" id=\"constant-outputs\">The same in every variant, so not charted: {}.</p>",
            esc(&flat.join("; "))
        );
    }
    if drawn == 0 && !swept.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"note\">No output changes with the swept parameters.</p>"
        );
    }
    let _ = writeln!(h, "</section>");

    // 5. Assumptions and replay.
    settings_and_simplifications(
        &mut h,
        sc,
        "These are the file's own values; in each variant the swept keys take the values of its row instead. Every other setting is at its default (docs/scenario.md lists them).",
        s.simplifications
            .iter()
            .filter_map(|&i| SIMPLIFICATIONS.get(i)),
    );
    let seeds = if let Some(mc) = &s.monte_carlo {
        format!(
            "Draws 0 to {} for every variant and design, draw k seeded from seed {} and k",
            mc.draws.saturating_sub(1),
            s.seed
        )
    } else if s.seeds_per_variant > 1 {
        format!(
            "Seeds {} to {} for every variant",
            s.seed,
            s.seed.wrapping_add(u64::from(s.seeds_per_variant) - 1)
        )
    } else {
        format!("Seed {} for every variant", s.seed)
    };
    let _ = writeln!(
        h,
        "<h3>Replay</h3>\n<p>{seeds}. This command reproduces the sweep exactly (same scenario file, same seeds, same page, whatever the number of threads):</p>\n<pre><code>{}</code></pre>\n</section>",
        esc(replay)
    );
    let _ = writeln!(
        h,
        "<footer><p>Generated by ktopo from the sweep's results (sweep.json, schema version {SCHEMA_VERSION}) and the scenario; the same scenario and seeds give the same page.</p></footer>\n</main>\n</body>\n</html>"
    );
    h
}
