//! Scenario files: parsing, defaults and validation. Only this module reads files.
//!
//! Parsing never stops at the first problem: every problem found is returned as a
//! [`Diagnostic`] carrying the file, line, column and key it concerns.

mod model;

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

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}:{}:{}: {sev}: ", self.file, self.line, self.col)?;
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
    match std::fs::read_to_string(path) {
        Ok(text) => parse_str(&text, &file),
        Err(e) => Err(vec![Diagnostic {
            severity: Severity::Error,
            file,
            line: 0,
            col: 0,
            key: String::new(),
            message: format!("cannot read the scenario file: {e}"),
            help: None,
        }]),
    }
}

/// Parse and validate scenario text; `file` names it in diagnostics.
pub fn parse_str(text: &str, file: &str) -> Result<Scenario, Vec<Diagnostic>> {
    let loc = Locator::new(text);
    let sc: Scenario = match toml::from_str(text) {
        Ok(s) => s,
        Err(e) => {
            let (line, col) = e.span().map(|s| loc.line_col(s.start)).unwrap_or((0, 0));
            return Err(vec![Diagnostic {
                severity: Severity::Error,
                file: file.to_string(),
                line,
                col,
                key: String::new(),
                message: e.message().to_string(),
                help: None,
            }]);
        }
    };
    let mut problems = validate::Problems::default();
    validate::validate(&sc, &mut problems);
    let diags: Vec<Diagnostic> = problems
        .0
        .into_iter()
        .map(|(key, message, help)| Diagnostic {
            severity: Severity::Error,
            file: file.to_string(),
            line: 0,
            col: 0,
            key,
            message,
            help,
        })
        .collect();
    if diags.is_empty() { Ok(sc) } else { Err(diags) }
}

/// Byte offset → 1-based line and column.
struct Locator {
    line_starts: Vec<usize>,
}

impl Locator {
    fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i + 1);
            }
        }
        Locator { line_starts }
    }

    fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let start = self.line_starts[line.saturating_sub(1)];
        (line, offset - start + 1)
    }
}

mod validate;
pub use validate::site_racks;
