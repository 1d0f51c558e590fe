//! Runs beyond one machine: static index sharding of a command's runs, the
//! shard files a share of the runs writes, and reading them back to merge.
//!
//! A command that makes many independent runs (`ktopo sweep`; later `plan` and
//! `--runs N`) numbers them in a fixed order and gives each a *key* (what the
//! run is: its parameter values, design and seed) and a seed derived from that
//! key. That list is the manifest ([`RunSpec`]). A shard `K/N` makes the runs
//! whose index ≡ K − 1 (mod N) ([`select`]): round robin rather than
//! contiguous blocks, so that a sweep whose later variants are slower (a
//! longer round trip, more partitions) spreads them over every shard. Because
//! no seed depends on N or on the order, any sharding gives the same per-run
//! results, and merging them gives the report of the single-machine run.
//!
//! A shard file is JSON Lines: a [`Header`] (ktopo's version, the report schema
//! version, a hash of the scenario text and the arguments that change runs,
//! which runs it holds, and what the command needs to rebuild its manifest),
//! then one [`RunLine`] per run (index, key, seed, the run's result as the
//! command serializes it). It is written atomically ([`AtomicFile`]: a
//! temporary file in the same directory, fsync, rename), so a shard that is
//! killed leaves no file under a shard's name. [`read_dirs`] reads every shard
//! file of some directories; [`same_run`] refuses files of different
//! scenarios, versions or schemas; [`combine`] lays the runs out by index,
//! drops duplicates (a retried pod) and fails when two copies of a run differ.
//!
//! No scheduler, coordinator or network protocol: the shard index comes from
//! the command line or from the batch scheduler's variables ([`from_env`]).

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// Version of the shard file format (the header and run lines).
pub const FORMAT: u32 = 1;

/// One run of a command: its place in the order results are reported in, what
/// it is, and its seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSpec {
    /// 0-based; shard `K/N` makes the runs with `index % N == K - 1`.
    pub index: usize,
    /// What the run is, as text: the same run has the same key in every
    /// invocation of the same scenario and arguments.
    pub key: String,
    pub seed: u64,
    /// The run's parameters by name (for a sweep: each swept key's value, and
    /// the design).
    pub parameters: IndexMap<String, serde_json::Value>,
}

/// Shard `k` of `n` (1-based `k`, as on the command line `--shard K/N`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub k: usize,
    pub n: usize,
}

/// Most shards a run may be split into.
pub const MAX_SHARDS: usize = 1_000_000;

impl Shard {
    /// `K/N` with 1 ≤ K ≤ N.
    pub fn parse(s: &str) -> Result<Shard, String> {
        let (k, n) = s.split_once('/').ok_or_else(|| {
            format!("`{s}` is not K/N (for example 2/4: the second of four shards)")
        })?;
        let k: usize = k
            .trim()
            .parse()
            .map_err(|_| format!("`{s}`: K, `{k}`, is not a whole number"))?;
        let n: usize = n
            .trim()
            .parse()
            .map_err(|_| format!("`{s}`: N, `{n}`, is not a whole number"))?;
        Shard::new(k, n).map_err(|e| format!("`{s}`: {e}"))
    }

    pub fn new(k: usize, n: usize) -> Result<Shard, String> {
        if n == 0 || n > MAX_SHARDS {
            return Err(format!(
                "the number of shards must be from 1 to {MAX_SHARDS}, not {n}"
            ));
        }
        if k == 0 || k > n {
            return Err(format!(
                "shard {k} of {n}: K counts from 1 to N ({k} is not in 1..={n})"
            ));
        }
        Ok(Shard { k, n })
    }
}

/// The runs of `0..total` shard `s` makes: index ≡ K − 1 (mod N).
pub fn select(total: usize, s: Shard) -> Vec<usize> {
    (s.k - 1..total).step_by(s.n).collect()
}

/// Shard index and count from a batch scheduler's environment (`get` reads a
/// variable), with `count` from `--shard-count` (which wins over the
/// scheduler's own count). Returns the shard and a sentence saying where it
/// came from.
///
/// - Kubernetes Indexed Job: `JOB_COMPLETION_INDEX`, 0-based; the count
///   (the Job's `completions`) is not in the environment: `--shard-count`.
/// - Slurm job array: `SLURM_ARRAY_TASK_ID`, numbered from
///   `SLURM_ARRAY_TASK_MIN` (0 when unset) in steps of `SLURM_ARRAY_TASK_STEP`
///   (1 when unset), so `--array=1-4` and `--array=0-3` both give shards 1..4;
///   the count from `SLURM_ARRAY_TASK_COUNT`.
/// - AWS Batch array job: `AWS_BATCH_JOB_ARRAY_INDEX`, 0-based; the count (the
///   array's `size`) is not in the environment: `--shard-count`.
pub fn from_env(
    get: &dyn Fn(&str) -> Option<String>,
    count: Option<usize>,
) -> Result<(Shard, String), String> {
    const SCHEDULERS: [(&str, &str); 3] = [
        ("JOB_COMPLETION_INDEX", "Kubernetes Indexed Job"),
        ("SLURM_ARRAY_TASK_ID", "Slurm job array"),
        ("AWS_BATCH_JOB_ARRAY_INDEX", "AWS Batch array job"),
    ];
    let set: Vec<(&str, &str, String)> = SCHEDULERS
        .iter()
        .filter_map(|&(var, who)| get(var).map(|v| (var, who, v)))
        .collect();
    let number = |var: &str, v: &str| -> Result<usize, String> {
        v.trim()
            .parse::<usize>()
            .map_err(|_| format!("{var} = `{v}` is not a whole number"))
    };
    let (var, who, value) = match set.as_slice() {
        [] => {
            return Err(
                "--shard-from-env: none of JOB_COMPLETION_INDEX (Kubernetes Indexed Job), SLURM_ARRAY_TASK_ID (Slurm job array), AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job) is set; use --shard K/N outside a scheduler".into(),
            );
        }
        [one] => one.clone(),
        many => {
            let names: Vec<&str> = many.iter().map(|x| x.0).collect();
            return Err(format!(
                "--shard-from-env: {} are all set; which scheduler runs this is ambiguous (unset all but one, or use --shard K/N)",
                names.join(" and ")
            ));
        }
    };
    let index = number(var, &value)?;
    let (k, n) = match var {
        "SLURM_ARRAY_TASK_ID" => {
            let min = match get("SLURM_ARRAY_TASK_MIN") {
                Some(m) => number("SLURM_ARRAY_TASK_MIN", &m)?,
                None => 0,
            };
            let step = match get("SLURM_ARRAY_TASK_STEP") {
                Some(s) => number("SLURM_ARRAY_TASK_STEP", &s)?.max(1),
                None => 1,
            };
            if index < min || (index - min) % step != 0 {
                return Err(format!(
                    "SLURM_ARRAY_TASK_ID = {index} is not SLURM_ARRAY_TASK_MIN ({min}) plus a multiple of the step ({step}): use a range array such as --array=1-4"
                ));
            }
            let n = match count {
                Some(n) => n,
                None => match get("SLURM_ARRAY_TASK_COUNT") {
                    Some(c) => number("SLURM_ARRAY_TASK_COUNT", &c)?,
                    None => {
                        return Err("--shard-from-env: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; pass --shard-count N (the number of array tasks)".into());
                    }
                },
            };
            ((index - min) / step + 1, n)
        }
        _ => {
            let Some(n) = count else {
                return Err(format!(
                    "--shard-from-env: {var} ({who}) gives the index but not the number of shards, which {who}s do not export: pass --shard-count N ({})",
                    if var == "JOB_COMPLETION_INDEX" {
                        "the Job's completions"
                    } else {
                        "the array's size"
                    }
                ));
            };
            (index + 1, n)
        }
    };
    let shard = Shard::new(k, n).map_err(|e| format!("--shard-from-env ({var} = {index}): {e}"))?;
    Ok((shard, format!("{who}: {var} = {index}, shard {k} of {n}")))
}

/// A list of run indices, `3,17,42` (0-based, as `--list` shows them), sorted
/// and without repeats.
pub fn parse_runs(s: &str) -> Result<Vec<usize>, String> {
    let mut out = Vec::new();
    for part in s.split(',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let i: usize = part
            .parse()
            .map_err(|_| format!("`{part}` is not a run index (a whole number from 0)"))?;
        out.push(i);
    }
    if out.is_empty() {
        return Err(format!("`{s}` names no run"));
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// A stable hash of `parts` (each length-prefixed, so no two lists of parts
/// hash alike by concatenation): SHA-256, in hex.
pub fn hash(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    let mut out = String::with_capacity(64);
    for b in h.finalize().iter() {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// A figure through a shard file without loss: a finite number as JSON
/// writes it (the shortest decimal that reads back to the same `f64`;
/// serde_json's `float_roundtrip` reads it back exactly), a non-finite one,
/// which JSON has no number for, as the string `"inf"`, `"-inf"` or `"nan"`
/// (plain serde_json would write null, and the figure would not read back).
/// A run's result is serialized with it so that a report assembled from
/// shard files is the same bytes as one assembled in the process that ran.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Exact(pub f64);

impl Serialize for Exact {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if v.is_finite() {
            s.serialize_f64(v)
        } else if v.is_nan() {
            s.serialize_str("nan")
        } else if v > 0.0 {
            s.serialize_str("inf")
        } else {
            s.serialize_str("-inf")
        }
    }
}

impl<'de> Deserialize<'de> for Exact {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Exact, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Fig {
            Num(f64),
            Word(String),
        }
        match Fig::deserialize(d)? {
            Fig::Num(n) => Ok(Exact(n)),
            Fig::Word(w) => match w.as_str() {
                "inf" => Ok(Exact(f64::INFINITY)),
                "-inf" => Ok(Exact(f64::NEG_INFINITY)),
                "nan" => Ok(Exact(f64::NAN)),
                _ => Err(serde::de::Error::custom(format!("`{w}` is not a figure"))),
            },
        }
    }
}

/// `Option<f64>` ↔ `Option<Exact>`.
pub fn exact(v: Option<f64>) -> Option<Exact> {
    v.map(Exact)
}

/// `Option<Exact>` ↔ `Option<f64>`.
pub fn inexact(v: Option<Exact>) -> Option<f64> {
    v.map(|x| x.0)
}

/// An objective check as a shard file carries it (the objective by name).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckLine {
    pub objective: String,
    pub bound: String,
    pub target: Exact,
    pub actual: Option<Exact>,
    pub met: Option<bool>,
    pub detail: Option<String>,
}

impl CheckLine {
    pub fn of(c: &crate::report::ObjectiveCheck) -> CheckLine {
        CheckLine {
            objective: c.objective.to_string(),
            bound: c.bound.clone(),
            target: Exact(c.target),
            actual: exact(c.actual),
            met: c.met,
            detail: c.detail.clone(),
        }
    }

    /// The check again; Err when the objective is not one this ktopo knows.
    pub fn check(&self) -> Result<crate::report::ObjectiveCheck, String> {
        let objective = crate::report::objective_key(&self.objective)
            .ok_or_else(|| format!("`{}` is not an objective of [objectives]", self.objective))?;
        Ok(crate::report::ObjectiveCheck {
            objective,
            bound: self.bound.clone(),
            target: self.target.0,
            actual: inexact(self.actual),
            met: self.met,
            detail: self.detail.clone(),
        })
    }
}

/// Which runs a shard file holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// `--shard K/N`.
    Shard { shard: usize, shards: usize },
    /// `--runs-only I,J,…`.
    Runs { runs: Vec<usize> },
}

/// The first line of a shard file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// [`FORMAT`].
    pub ktopo_shard: u32,
    /// The command whose runs these are: `sweep`, `plan` or `simulate --runs`.
    pub kind: String,
    pub ktopo_version: String,
    /// `metrics::SCHEMA_VERSION`.
    pub schema_version: u32,
    pub scenario: String,
    /// [`hash`] of the scenario text and of the arguments that change runs.
    pub scenario_hash: String,
    /// Runs in the whole manifest.
    pub runs_total: usize,
    pub selection: Selection,
    /// What the command needs to rebuild its manifest and report (for a
    /// sweep: the file as named, its text, `--param`, `--seed`, `--seeds`).
    pub source: serde_json::Value,
}

/// One run in a shard file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunLine {
    pub index: usize,
    pub key: String,
    pub seed: u64,
    pub result: serde_json::Value,
}

/// The name of the shard file of `h`: the scenario's folder name, the first
/// 12 hex digits of its hash, and the selection, e.g.
/// `sweep-rtt.3fa2b1c09d4e.shard-0003-of-0007.jsonl`; shards of one run never
/// share a name, nor do runs of two scenarios.
pub fn file_name(safe_scenario: &str, h: &Header) -> String {
    let short = h.scenario_hash.get(..12).unwrap_or(&h.scenario_hash);
    let what = match &h.selection {
        Selection::Shard { shard, shards } => format!("shard-{shard:04}-of-{shards:04}"),
        Selection::Runs { runs } => {
            let list: Vec<String> = runs.iter().map(|r| r.to_string()).collect();
            let tag = hash(&[list.join(",").as_bytes()]);
            format!("runs-{}-{}", runs.len(), &tag[..12])
        }
    };
    format!("{safe_scenario}.{short}.{what}.jsonl")
}

/// A file that appears under its name only once complete: written to a
/// temporary file in the same directory (`.NAME.PID.N.tmp`, created
/// exclusively), then
/// [`commit`](AtomicFile::commit) flushes it to disk (fsync), renames it over
/// NAME (atomic within a directory) and syncs the directory. Dropped without a
/// commit (an error on the way), it removes its temporary file; a process
/// killed before the rename leaves at most that hidden temporary file, never a
/// file under NAME, and [`read_dirs`] reads only `*.jsonl` names.
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<io::BufWriter<std::fs::File>>,
}

impl AtomicFile {
    pub fn create(path: &Path) -> io::Result<AtomicFile> {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("shard");
        // Created exclusively: two processes with the same id (pid 1 in two
        // containers, a retried pod while the first still runs) writing the
        // same shard to a shared volume never share a temporary file.
        let mut n = 0u32;
        let (tmp, file) = loop {
            let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
            {
                Ok(f) => break (tmp, f),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
                Err(e) => return Err(e),
            }
        };
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp,
            file: Some(io::BufWriter::new(file)),
        })
    }

    /// The temporary file being written.
    pub fn temp_path(&self) -> &Path {
        &self.tmp
    }

    pub fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self.file.as_mut() {
            Some(f) => f.write_all(bytes),
            None => Err(io::Error::other("the file is already committed")),
        }
    }

    /// Flush and fsync the temporary file, rename it to its name, and sync
    /// the directory so the rename is durable.
    pub fn commit(mut self) -> io::Result<PathBuf> {
        let Some(f) = self.file.take() else {
            return Err(io::Error::other("the file is already committed"));
        };
        let f = f.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&self.tmp, &self.path)?;
        if let Some(dir) = self.path.parent() {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            // Not every platform opens directories (Windows): best effort.
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(self.path.clone())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// One JSON line (no newline inside: serde_json's compact form escapes them).
fn line<T: Serialize>(x: &T) -> io::Result<String> {
    let mut s = serde_json::to_string(x).map_err(io::Error::other)?;
    s.push('\n');
    Ok(s)
}

/// Begin the shard file of `h` in `dir` (its header written); add the runs
/// with [`ShardWriter::finish`].
pub struct ShardWriter {
    file: AtomicFile,
}

impl ShardWriter {
    pub fn create(dir: &Path, safe_scenario: &str, h: &Header) -> io::Result<ShardWriter> {
        let mut file = AtomicFile::create(&dir.join(file_name(safe_scenario, h)))?;
        file.write_all(line(h)?.as_bytes())?;
        Ok(ShardWriter { file })
    }

    pub fn temp_path(&self) -> &Path {
        self.file.temp_path()
    }

    /// Write the runs, in index order, and commit the file; returns its path.
    pub fn finish(mut self, mut runs: Vec<RunLine>) -> io::Result<PathBuf> {
        runs.sort_by_key(|r| r.index);
        for r in &runs {
            self.file.write_all(line(r)?.as_bytes())?;
        }
        self.file.commit()
    }
}

/// A shard file read back.
#[derive(Clone, Debug)]
pub struct ShardFile {
    pub path: PathBuf,
    pub header: Header,
    pub runs: Vec<RunLine>,
}

/// Why shard files cannot be merged.
#[derive(Debug)]
pub enum MergeError {
    /// A directory or file could not be read.
    Read(PathBuf, io::Error),
    /// A line is not what a shard file holds.
    Bad {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// No shard file in the directories.
    None(Vec<PathBuf>),
    /// Files of different scenarios, arguments, versions or schemas: each
    /// group's stamp and files.
    Mixed(Vec<(String, Vec<PathBuf>)>),
    /// Two copies of one run differ.
    NonDeterministic {
        index: usize,
        key: String,
        files: [PathBuf; 2],
    },
    /// A run that is not the manifest's run of its index.
    Foreign {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

impl std::fmt::Display for MergeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MergeError::Read(p, e) => write!(f, "cannot read {}: {e}", p.display()),
            MergeError::Bad {
                path,
                line,
                message,
            }
            | MergeError::Foreign {
                path,
                line,
                message,
            } => write!(f, "{}:{line}: {message}", path.display()),
            MergeError::None(dirs) => {
                let d: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
                write!(
                    f,
                    "no shard file (*.jsonl written by `ktopo sweep|plan|simulate --runs N --shard`) in {}",
                    d.join(", ")
                )
            }
            MergeError::Mixed(groups) => {
                writeln!(
                    f,
                    "the shard files are not of one run: they differ in command (sweep, plan, simulate --runs), scenario (its text, --param, --seed, --seeds, --runs), ktopo version or schema version; merge the files of one run only"
                )?;
                for (i, (stamp, files)) in groups.iter().enumerate() {
                    let names: Vec<String> =
                        files.iter().map(|p| p.display().to_string()).collect();
                    write!(f, "  {stamp}: {}", names.join(", "))?;
                    if i + 1 < groups.len() {
                        writeln!(f)?;
                    }
                }
                Ok(())
            }
            MergeError::NonDeterministic { index, key, files } => write!(
                f,
                "run {index} ({key}) has different results in {} and {}: the runs are not deterministic (a different build or platform?); rerun it and merge again",
                files[0].display(),
                files[1].display()
            ),
        }
    }
}

/// Every shard file (`*.jsonl`, not hidden) of `paths` (directories, read in
/// name order, or files), read and parsed.
pub fn read_dirs(paths: &[PathBuf]) -> Result<Vec<ShardFile>, MergeError> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_file() {
            files.push(p.clone());
            continue;
        }
        let rd = std::fs::read_dir(p).map_err(|e| MergeError::Read(p.clone(), e))?;
        let mut names = Vec::new();
        for e in rd {
            let e = e.map_err(|e| MergeError::Read(p.clone(), e))?;
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".jsonl") && !name.starts_with('.') {
                names.push(e.path());
            }
        }
        names.sort();
        files.extend(names);
    }
    if files.is_empty() {
        return Err(MergeError::None(paths.to_vec()));
    }
    files.iter().map(|f| read_file(f)).collect()
}

fn read_file(path: &Path) -> Result<ShardFile, MergeError> {
    let text = std::fs::read_to_string(path).map_err(|e| MergeError::Read(path.into(), e))?;
    let bad = |line: usize, message: String| MergeError::Bad {
        path: path.into(),
        line,
        message,
    };
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, first)) = lines.next() else {
        return Err(bad(1, "empty: not a shard file".into()));
    };
    let header: Header = serde_json::from_str(first).map_err(|e| {
        bad(
            1,
            format!("not a ktopo shard header ({e}); is this a file of `ktopo sweep|plan|simulate --runs N --shard`?"),
        )
    })?;
    if header.ktopo_shard != FORMAT {
        return Err(bad(
            1,
            format!(
                "shard file format {} (from ktopo {}); this ktopo ({}) reads format {FORMAT}",
                header.ktopo_shard,
                header.ktopo_version,
                env!("CARGO_PKG_VERSION")
            ),
        ));
    }
    let mut runs = Vec::new();
    for (i, l) in lines {
        let r: RunLine =
            serde_json::from_str(l).map_err(|e| bad(i + 1, format!("not a run line: {e}")))?;
        runs.push(r);
    }
    Ok(ShardFile {
        path: path.into(),
        header,
        runs,
    })
}

/// What must agree between the files of one run.
fn stamp(h: &Header) -> String {
    format!(
        "{} of scenario `{}` (hash {}), ktopo {}, schema version {}, {} runs",
        h.kind,
        h.scenario,
        h.scenario_hash.get(..12).unwrap_or(&h.scenario_hash),
        h.ktopo_version,
        h.schema_version,
        h.runs_total
    )
}

/// The header every file shares (the first file's), or the groups of files
/// that differ.
pub fn same_run(files: &[ShardFile]) -> Result<&Header, MergeError> {
    let mut groups: Vec<(String, Vec<PathBuf>)> = Vec::new();
    for f in files {
        let s = stamp(&f.header);
        match groups.iter_mut().find(|g| g.0 == s) {
            Some(g) => g.1.push(f.path.clone()),
            None => groups.push((s, vec![f.path.clone()])),
        }
    }
    match (groups.len(), files.first()) {
        (1, Some(f)) => Ok(&f.header),
        (_, None) => Err(MergeError::None(Vec::new())),
        _ => Err(MergeError::Mixed(groups)),
    }
}

/// The runs of `files` laid out by index (`manifest.len()` slots), each
/// checked against the manifest (its key and seed); a run found in several
/// files is kept once if every copy has the same result, else
/// [`MergeError::NonDeterministic`]. Returns the slots (None: missing).
pub fn combine(
    files: &[ShardFile],
    manifest: &[RunSpec],
) -> Result<Vec<Option<serde_json::Value>>, MergeError> {
    let mut slots: Vec<Option<(serde_json::Value, &Path)>> = vec![None; manifest.len()];
    for f in files {
        for (i, r) in f.runs.iter().enumerate() {
            let foreign = |message: String| MergeError::Foreign {
                path: f.path.clone(),
                line: i + 2,
                message,
            };
            let Some(spec) = manifest.get(r.index) else {
                return Err(foreign(format!(
                    "run {} is past the manifest's last run ({})",
                    r.index,
                    manifest.len().saturating_sub(1)
                )));
            };
            if spec.key != r.key || spec.seed != r.seed {
                return Err(foreign(format!(
                    "run {} is `{}` seed {}, but the manifest's run {} is `{}` seed {}",
                    r.index, r.key, r.seed, spec.index, spec.key, spec.seed
                )));
            }
            match &slots[r.index] {
                Some((res, from)) => {
                    if *res != r.result {
                        return Err(MergeError::NonDeterministic {
                            index: r.index,
                            key: r.key.clone(),
                            files: [from.to_path_buf(), f.path.clone()],
                        });
                    }
                }
                None => slots[r.index] = Some((r.result.clone(), &f.path)),
            }
        }
    }
    Ok(slots.into_iter().map(|s| s.map(|x| x.0)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_robin_covers_every_run_once() {
        for n in 1..=8 {
            let mut all: Vec<usize> = (1..=n)
                .flat_map(|k| select(23, Shard::new(k, n).unwrap()))
                .collect();
            all.sort_unstable();
            assert_eq!(all, (0..23).collect::<Vec<_>>(), "n = {n}");
        }
        assert_eq!(select(10, Shard::new(3, 4).unwrap()), vec![2, 6]);
        assert!(select(2, Shard::new(5, 7).unwrap()).is_empty());
    }

    #[test]
    fn shard_arguments() {
        assert_eq!(Shard::parse("3/7"), Ok(Shard { k: 3, n: 7 }));
        for bad in ["0/4", "5/4", "1/0", "x/2", "2", "1/-1", "-1/4"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_runs("17, 3,42,3"), Ok(vec![3, 17, 42]));
        assert!(parse_runs("3,x").is_err());
        assert!(parse_runs(",").is_err());
    }

    #[test]
    fn the_hash_is_stable_and_separates_parts() {
        // SHA-256 of the length-prefixed parts: fixed, whatever the process.
        assert_eq!(hash(&[b"ab", b"c"]), hash(&[b"ab", b"c"]));
        assert_ne!(hash(&[b"ab", b"c"]), hash(&[b"a", b"bc"]));
        assert_eq!(hash(&[]).len(), 64);
        // SHA-256 of no bytes at all (the FIPS 180-2 empty-message digest) is
        // not what `hash(&[])` is: a part count of zero hashes nothing, so
        // check the primitive against the published value instead.
        let empty: String = Sha256::digest(b"")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            empty,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn an_uncommitted_file_leaves_nothing() {
        let dir = std::env::temp_dir().join(format!("ktopo-atomic-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("x.jsonl");
        {
            let mut f = AtomicFile::create(&path).unwrap();
            f.write_all(b"{\"half\":").unwrap();
            assert!(f.temp_path().exists());
            // Dropped here, as on an error before the rename.
        }
        assert!(!path.exists());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        // Two writers of one name at once get two temporary files.
        let other = AtomicFile::create(&path).unwrap();
        let mut f = AtomicFile::create(&path).unwrap();
        assert_ne!(other.temp_path(), f.temp_path());
        drop(other);
        f.write_all(b"done\n").unwrap();
        let tmp = f.temp_path().to_path_buf();
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "done\n");
        assert!(!tmp.exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn scheduler_variables() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let k8s = env(&[("JOB_COMPLETION_INDEX", "3")]);
        assert_eq!(from_env(&k8s, Some(4)).unwrap().0, Shard { k: 4, n: 4 });
        assert!(from_env(&k8s, None).unwrap_err().contains("--shard-count"));
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert_eq!(from_env(&slurm, None).unwrap().0, Shard { k: 2, n: 4 });
        let stepped = env(&[
            ("SLURM_ARRAY_TASK_ID", "7"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_STEP", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert_eq!(from_env(&stepped, None).unwrap().0, Shard { k: 4, n: 4 });
        let no_count = env(&[("SLURM_ARRAY_TASK_ID", "0")]);
        assert!(
            from_env(&no_count, None)
                .unwrap_err()
                .contains("SLURM_ARRAY_TASK_COUNT")
        );
        let aws = env(&[("AWS_BATCH_JOB_ARRAY_INDEX", "0")]);
        assert_eq!(from_env(&aws, Some(2)).unwrap().0, Shard { k: 1, n: 2 });
        let past = env(&[("AWS_BATCH_JOB_ARRAY_INDEX", "2")]);
        assert!(from_env(&past, Some(2)).is_err());
        let none = env(&[]);
        assert!(
            from_env(&none, Some(2))
                .unwrap_err()
                .contains("JOB_COMPLETION_INDEX")
        );
        let two = env(&[
            ("JOB_COMPLETION_INDEX", "0"),
            ("AWS_BATCH_JOB_ARRAY_INDEX", "0"),
        ]);
        assert!(from_env(&two, Some(2)).unwrap_err().contains("ambiguous"));
        let junk = env(&[("JOB_COMPLETION_INDEX", "one")]);
        assert!(
            from_env(&junk, Some(2))
                .unwrap_err()
                .contains("not a whole number")
        );
    }
}
