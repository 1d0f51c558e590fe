//! Scenario files: parsing, defaults and validation. Only this module reads files.
//!
//! Parsing never stops at the first problem: every problem found is returned as a
//! [`Diagnostic`] carrying the file, line, column and key it concerns.

mod hardware;
mod model;

pub use hardware::{BrokerHardware, BrokerHardwarePatch};
pub use model::*;

use std::fmt;
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in a scenario file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: String,
    /// 1-based; 0 when the problem has no single place in the file.
    pub line: usize,
    pub col: usize,
    /// Dotted path of the key, e.g. `link[1].rtt_ms`.
    pub key: String,
    pub message: String,
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at `line`:`col` of `file` (0:0 when it has no single place).
    pub fn error(
        file: &str,
        line: usize,
        col: usize,
        key: String,
        message: String,
        help: Option<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            file: file.to_string(),
            line,
            col,
            key,
            message,
            help,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.line == 0 {
            write!(f, "{}: {sev}: ", self.file)?;
        } else {
            write!(f, "{}:{}:{}: {sev}: ", self.file, self.line, self.col)?;
        }
        if !self.key.is_empty() {
            write!(f, "`{}`: ", self.key)?;
        }
        write!(f, "{}", self.message)?;
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

/// Read and validate a scenario file.
pub fn load(path: &Path) -> Result<Scenario, Vec<Diagnostic>> {
    let file = path.display().to_string();
    let err = |line, col, message: String| {
        Err(vec![Diagnostic::error(
            &file,
            line,
            col,
            String::new(),
            message,
            None,
        )])
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return err(0, 0, format!("cannot read the scenario file: {e}")),
    };
    match String::from_utf8(bytes) {
        Ok(text) => {
            let mut sc = parse_str(&text, &file)?;
            attach_trace(&mut sc, path, &file).map_err(|d| vec![d])?;
            Ok(sc)
        }
        Err(e) => {
            let bytes = e.as_bytes();
            let good = e.utf8_error().valid_up_to();
            // The prefix up to `good` is valid UTF-8 by definition.
            let prefix = std::str::from_utf8(&bytes[..good]).unwrap_or("");
            let (line, col) = Locator::new(prefix).line_col(good);
            err(
                line,
                col,
                "the scenario file is not valid UTF-8 text".to_string(),
            )
        }
    }
}

/// Read a scenario file for `ktopo plan`: its text (the planner fills in
/// what it leaves open) and the scenario it describes. Controllers are the
/// planner's to place, so a file without any is accepted here: it is
/// validated as if each site with brokers held one.
pub fn load_for_plan(path: &Path) -> Result<(String, Scenario), Vec<Diagnostic>> {
    let file = path.display().to_string();
    let fail = |message: String| vec![Diagnostic::error(&file, 0, 0, String::new(), message, None)];
    let bytes =
        std::fs::read(path).map_err(|e| fail(format!("cannot read the scenario file: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| fail("the scenario file is not valid UTF-8 text".to_string()))?;
    let mut sc = parse_for_plan(&text, &file)?;
    attach_trace(&mut sc, path, &file).map_err(|d| vec![d])?;
    Ok((text, sc))
}

/// Check a scenario whose values were changed after parsing (a Monte Carlo
/// draw): the problems validation finds, as `key: message`.
pub fn revalidate(sc: &Scenario) -> Result<(), String> {
    let mut problems = validate::Problems::default();
    validate::validate(sc, &mut problems);
    match problems.0.first() {
        None => Ok(()),
        Some((key, message, _)) => Err(format!("`{key}`: {message}")),
    }
}

/// [`parse_str`] for `ktopo plan`: a file without any controller is read as
/// if each site with brokers held one (the planner places the voters).
pub fn parse_for_plan(text: &str, file: &str) -> Result<Scenario, Vec<Diagnostic>> {
    let fail = |message: String| vec![Diagnostic::error(file, 0, 0, String::new(), message, None)];
    match parse_str(text, file) {
        Ok(sc) => Ok(sc),
        Err(diags) => {
            let open = |d: &Diagnostic| {
                d.key == "site" && d.message.starts_with("no site has KRaft controllers")
            };
            if !diags.iter().all(open) {
                return Err(diags);
            }
            let mut doc: toml::Table = toml::from_str(text).map_err(|e| fail(e.to_string()))?;
            if let Some(toml::Value::Array(sites)) = doc.get_mut("site") {
                for s in sites.iter_mut() {
                    if let toml::Value::Table(t) = s
                        && t.get("brokers").and_then(|b| b.as_integer()).unwrap_or(0) > 0
                    {
                        t.insert("controllers".into(), toml::Value::Integer(1));
                    }
                }
            }
            let filled = toml::to_string(&doc).map_err(|e| fail(e.to_string()))?;
            parse_str(&filled, file)
        }
    }
}

/// Read the load trace a scenario names (relative to the scenario file `path`).
fn attach_trace(sc: &mut Scenario, path: &Path, file: &str) -> Result<(), Diagnostic> {
    if sc.load.profile != LoadProfile::Trace {
        return Ok(());
    }
    let Some(tf) = sc.load.trace_file.clone() else {
        return Ok(());
    };
    let tp = path.parent().unwrap_or(Path::new(".")).join(&tf);
    let fail = |line: usize, message: String| {
        let message = if line > 0 {
            format!("{}:{line}: {message}", tp.display())
        } else {
            format!("{}: {message}", tp.display())
        };
        Diagnostic::error(file, 0, 0, "load.trace_file".into(), message, None)
    };
    match std::fs::read_to_string(&tp) {
        Ok(t) => match parse_trace(&t) {
            Ok(points) => {
                sc.load.trace = points;
                Ok(())
            }
            Err((line, m)) => Err(fail(line, m)),
        },
        Err(e) => Err(fail(0, format!("cannot read the trace: {e}"))),
    }
}

/// Parse and validate scenario text; `file` names it in diagnostics.
///
/// Every problem is reported at once: unknown keys (with a suggestion), values of
/// the wrong type, missing required keys, then the semantic problems of the
/// scenario (ranges, references, consistency), each with a 1-based line and
/// column. A TOML syntax error is reported alone. Diagnostics are sorted by
/// position. Never panics.
pub fn parse_str(text: &str, file: &str) -> Result<Scenario, Vec<Diagnostic>> {
    let doc = parse_toml(text, file)?;
    parse_doc(text, &doc, file)
}

/// 1-based line and column of the key at `path` (`producer[0].rate_mb_s`,
/// `broker_hardware.nic_gbps`) in the scenario text `text`: the key itself
/// when stated, else its closest enclosing table or element that is. None
/// when `text` is not TOML.
pub fn key_position(text: &str, path: &str) -> Option<(usize, usize)> {
    let doc = toml::de::DeTable::parse(text).ok()?;
    Some(Locator::new(text).line_col(diag::locate(&doc, path)))
}

/// The TOML document of `text`, or its syntax error alone.
fn parse_toml<'t>(
    text: &'t str,
    file: &str,
) -> Result<toml::Spanned<toml::de::DeTable<'t>>, Vec<Diagnostic>> {
    toml::de::DeTable::parse(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        let (line, col) = Locator::new(text).line_col(offset);
        let message = e.message().trim_end().to_string();
        vec![Diagnostic::error(
            file,
            line,
            col,
            String::new(),
            message,
            None,
        )]
    })
}

/// [`parse_str`] on a parsed document whose spans point into `text` (a sweep
/// variant is the file's document with values replaced).
fn parse_doc<'t>(
    text: &'t str,
    doc: &toml::Spanned<toml::de::DeTable<'t>>,
    file: &str,
) -> Result<Scenario, Vec<Diagnostic>> {
    use serde::Deserialize;

    let loc = Locator::new(text);
    let diag = |offset: usize, key: String, message: String, help: Option<String>| {
        let (line, col) = loc.line_col(offset);
        Diagnostic::error(file, line, col, key, message, help)
    };
    let mut walk = diag::Walk::new(text);
    let repaired = walk.root(doc);
    let mut diags: Vec<Diagnostic> = std::mem::take(&mut walk.found)
        .into_iter()
        .map(|f| diag(f.offset, f.key, f.message, f.help))
        .collect();
    let mut sc = match Scenario::deserialize(toml::de::Deserializer::from(repaired)) {
        Ok(sc) => sc,
        Err(e) => {
            // Only reachable if the schema in diag/schema.rs lags behind model.rs.
            if diags.is_empty() {
                let offset = e.span().map_or(0, |s| s.start);
                let msg = e.message().trim_end().to_string();
                diags.push(diag(offset, String::new(), msg, None));
            }
            sort(&mut diags);
            return Err(diags);
        }
    };
    // Ranges: their fitted distributions, each key set to its range's mid.
    let mut bad_ranges: Vec<String> = Vec::new();
    for (key, offset, message, help) in ranges::resolve(&mut sc, std::mem::take(&mut walk.ranges)) {
        bad_ranges.push(key.clone());
        diags.push(diag(offset, key, message, help));
    }
    let mut problems = validate::Problems::default();
    validate::validate(&sc, &mut problems);
    for (key, message, help) in problems.0 {
        if walk.suppressed(&key) || bad_ranges.contains(&key) {
            continue;
        }
        let offset = diag::locate(doc, &key);
        diags.push(diag(offset, key, message, help));
    }
    if diags.is_empty() {
        Ok(sc)
    } else {
        sort(&mut diags);
        Err(diags)
    }
}

/// Position order, then key and message, so the output never depends on map order.
fn sort(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| {
        (a.line, a.col, &a.key, &a.message).cmp(&(b.line, b.col, &b.key, &b.message))
    });
    diags.dedup();
}

/// Byte offset → 1-based line and column (the column counts characters).
struct Locator<'t> {
    text: &'t str,
    line_starts: Vec<usize>,
}

impl<'t> Locator<'t> {
    fn new(text: &'t str) -> Self {
        let mut line_starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i + 1);
            }
        }
        Locator { text, line_starts }
    }

    fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let col = match self.text.get(start..offset) {
            Some(s) => s.chars().count(),
            None => offset - start,
        };
        (line, col + 1)
    }
}

mod diag;
mod layout;
mod ranges;
mod sweep;
pub mod toml_text;
mod validate;
pub use layout::DesignLayout;
pub use ranges::{
    DEFAULT_CONFIDENCE, MAX_DRAWS, RANGE_KEYS, RangeDist, RangeInput, RangeTarget, fit_beta,
};
pub use sweep::{
    ArgValues, MAX_RUNS, ParamArg, ParamSource, SweepArgs, SweepParam, SweepPlan, SweepVariant,
    load_sweep, load_sweep_text, parse_param_arg, show_value, sweep_str, toml_value,
};
pub use validate::{holds_rack, site_racks};

/// A directory-safe version of a scenario name: letters, digits, `-` and `_`
/// only, never `..`, never empty.
pub fn safe_name(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    s = s.trim_matches('-').to_string();
    if s.is_empty() {
        s = "scenario".into();
    }
    s
}

/// Parse a `time_s,MB/s` CSV (header line and `#` comments allowed).
/// Returns the points or (line, message) of the first bad line.
pub fn parse_trace(text: &str) -> Result<Vec<(f64, f64)>, (usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let mut it = l.split([',', ';', '\t']);
        let (a, b) = (
            it.next().unwrap_or("").trim(),
            it.next().unwrap_or("").trim(),
        );
        match (a.parse::<f64>(), b.parse::<f64>()) {
            (Ok(t), Ok(v)) if t.is_finite() && v.is_finite() && t >= 0.0 && v >= 0.0 => {
                out.push((t, v))
            }
            _ if out.is_empty() && i == 0 => {} // a header
            _ => {
                return Err((
                    i + 1,
                    format!("expected `time_s,MB/s` with two non-negative numbers, found `{l}`"),
                ));
            }
        }
    }
    if out.is_empty() {
        return Err((0, "the trace has no data lines".into()));
    }
    Ok(out)
}
