//! The library's imports run one way (ARCHITECTURE.md, "Layers"): this test
//! reads every `crate::…` path in `src/` and fails on an import that goes up
//! the layer order, on any cycle between top-level modules, and on a cycle
//! between the files of one directory module (siblings importing each other).

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layers, bottom first. A module may import modules of its own layer or
/// of a lower one, never of a higher one; within a layer the imports must not
/// form a cycle.
const LAYERS: &[(&str, &[&str])] = &[
    // The scenario file: schema, parsing, validation, design layouts, the
    // TOML text of scenarios, the report-folder names.
    ("input", &["scenario"]),
    // Sites, brokers and racks; replica placement on them; the site graph.
    ("topology", &["topology", "placement", "sites"]),
    // The simulator: kernel, network, load profiles, the World, and the
    // Outcome it fills (with its cost).
    ("model", &["sim", "net", "load", "metrics", "cost", "kafka"]),
    // Static findings.
    ("analysis", &["check"]),
    // Rendering an Outcome: report.json/md/html, the verdict.
    ("report", &["report"]),
    // Running designs and variants and writing their reports.
    // `shard`: the manifest of runs, shard files and merging them back.
    (
        "runs",
        &[
            "interrupt",
            "pool",
            "compare",
            "shard",
            "sweep",
            "montecarlo",
            "plan",
        ],
    ),
    // Kafka's own files, in and out (export builds on import's MM2 model).
    ("translation", &["import", "export"]),
    // The plumbing of the commands (the binary, src/main.rs and src/cli/,
    // uses the library through `ktopo::` paths and sits above everything).
    ("commands", &["run"]),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, ms)| ms.contains(&module))
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("src/ is readable")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The code of `text` without comments (line comments, doc comments and
/// block comments): a doc link names a module without importing it.
fn code(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for line in text.lines() {
        let mut rest = line;
        let mut kept = String::new();
        loop {
            if depth > 0 {
                match rest.find("*/") {
                    Some(i) => {
                        depth -= 1;
                        rest = &rest[i + 2..];
                    }
                    None => break,
                }
            } else {
                let lc = rest.find("//");
                let bc = rest.find("/*");
                match (lc, bc) {
                    (Some(l), b) if b.is_none_or(|b| l < b) => {
                        kept.push_str(&rest[..l]);
                        break;
                    }
                    (_, Some(b)) => {
                        kept.push_str(&rest[..b]);
                        depth += 1;
                        rest = &rest[b + 2..];
                    }
                    _ => {
                        kept.push_str(rest);
                        break;
                    }
                }
            }
        }
        out.push_str(&kept);
        out.push('\n');
    }
    out
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The paths `crate::a::b…` in `code`, as (a, b) with b possibly empty; a
/// group `crate::{a, b::c}` gives each of its first-level names.
fn crate_paths(code: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().last();
        rest = &rest[i + "crate::".len()..];
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
            continue; // `$crate::`, `mycrate::`
        }
        if let Some(group) = rest.strip_prefix('{') {
            // One level of braces is enough for this crate's style.
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let item = item.trim();
                let top = ident_at(item);
                let sub = item
                    .strip_prefix(top)
                    .and_then(|r| r.strip_prefix("::"))
                    .map(ident_at)
                    .unwrap_or("");
                if !top.is_empty() {
                    out.push((top.to_string(), sub.to_string()));
                }
            }
        } else {
            let top = ident_at(rest);
            let sub = rest[top.len()..]
                .strip_prefix("::")
                .map(ident_at)
                .unwrap_or("");
            out.push((top.to_string(), sub.to_string()));
        }
    }
    out
}

/// `super::name` paths in `code`.
fn super_paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("super::") {
        rest = &rest[i + "super::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                out.push(ident_at(item.trim()).to_string());
            }
        } else {
            out.push(ident_at(rest).to_string());
        }
    }
    out
}

/// A cycle in `edges` (a node list, first repeated at the end), if any.
fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn dfs(
        u: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(u.to_string(), 1);
        stack.push(u.to_string());
        for v in edges.get(u).into_iter().flatten() {
            match state.get(v.as_str()).copied().unwrap_or(0) {
                1 => {
                    let i = stack.iter().position(|x| x == v).unwrap_or(0);
                    let mut c = stack[i..].to_vec();
                    c.push(v.clone());
                    return Some(c);
                }
                0 => {
                    if let Some(c) = dfs(v, edges, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(u.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for u in edges.keys() {
        if state.get(u.as_str()).copied().unwrap_or(0) == 0
            && let Some(c) = dfs(u, edges, &mut state, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

/// The library's files as (top-level module, file module within it or "" for
/// the module's root file, path).
fn library_files() -> Vec<(String, String, PathBuf)> {
    let root = src();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut out = Vec::new();
    for p in files {
        let rel: Vec<String> = p
            .strip_prefix(&root)
            .expect("under src/")
            .iter()
            .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string())
            .collect();
        let top = rel[0].clone();
        if top == "lib" || top == "main" || top == "cli" {
            continue; // the crate root and the binary
        }
        let sub = match rel.get(1) {
            Some(s) if s != "mod" => s.clone(),
            _ => String::new(),
        };
        out.push((top, sub, p));
    }
    out
}

#[test]
fn imports_run_one_way_between_layers_without_cycles() {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut problems = Vec::new();
    let files = library_files();
    let tops: BTreeSet<&str> = files.iter().map(|(t, _, _)| t.as_str()).collect();
    for t in &tops {
        if layer_of(t).is_none() {
            problems.push(format!(
                "src/{t}: a top-level module with no layer: add it to LAYERS in tests/it/layers.rs and to ARCHITECTURE.md"
            ));
        }
    }
    for (top, _, path) in &files {
        let text = std::fs::read_to_string(path).expect("a source file");
        for (to, _) in crate_paths(&code(&text)) {
            if &to == top || !tops.contains(to.as_str()) {
                continue;
            }
            if let (Some(a), Some(b)) = (layer_of(top), layer_of(&to))
                && b > a
            {
                problems.push(format!(
                    "{}: `{top}` ({} layer) imports `crate::{to}` ({} layer), a higher layer",
                    path.display(),
                    LAYERS[a].0,
                    LAYERS[b].0
                ));
            }
            edges.entry(top.clone()).or_default().insert(to);
        }
    }
    if let Some(c) = find_cycle(&edges) {
        problems.push(format!(
            "a cycle between top-level modules: {}",
            c.join(" -> ")
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The test sees the imports it is meant to see.
    assert!(edges["kafka"].contains("scenario") && edges["report"].contains("metrics"));
}

#[test]
fn files_of_one_module_import_each_other_one_way() {
    let files = library_files();
    // Per top-level module, the graph between its files (the root file,
    // which declares the others, is left out); per folder module inside one
    // (`scenario/diag`), the graph between the files of that folder, whose
    // `super::` names their own folder's files.
    let mut graphs: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    let root = src();
    for (top, sub, path) in &files {
        if sub.is_empty() {
            continue;
        }
        let dir = path.parent().expect("a file has a folder");
        let inner = dir != root.join(top) && path.file_stem().is_some_and(|s| s != "mod");
        if inner {
            let rel = dir.strip_prefix(&root).expect("under src/");
            let key = rel.to_string_lossy().replace('\\', "/");
            let stem = path.file_stem().expect("a file name").to_string_lossy();
            let siblings: BTreeSet<String> = files
                .iter()
                .filter(|(_, _, p)| p.parent() == Some(dir))
                .filter_map(|(_, _, p)| p.file_stem().map(|s| s.to_string_lossy().to_string()))
                .filter(|s| s != "mod")
                .collect();
            let text = code(&std::fs::read_to_string(path).expect("a source file"));
            let e = graphs
                .entry(key)
                .or_default()
                .entry(stem.to_string())
                .or_default();
            for s in super_paths(&text) {
                if s != stem && siblings.contains(&s) {
                    e.insert(s);
                }
            }
        }
        let siblings: BTreeSet<&str> = files
            .iter()
            .filter(|(t, s, _)| t == top && !s.is_empty())
            .map(|(_, s, _)| s.as_str())
            .collect();
        let text = code(&std::fs::read_to_string(path).expect("a source file"));
        // An inner file's `super::` is its own folder, handled above.
        let mut to: Vec<String> = if inner {
            Vec::new()
        } else {
            super_paths(&text)
        };
        to.extend(
            crate_paths(&text)
                .into_iter()
                .filter(|(t, _)| t == top)
                .map(|(_, s)| s),
        );
        let g = graphs.entry(top.clone()).or_default();
        let e = g.entry(sub.clone()).or_default();
        for s in to {
            if s != *sub && siblings.contains(s.as_str()) {
                e.insert(s);
            }
        }
    }
    for (top, g) in &graphs {
        if let Some(c) = find_cycle(g) {
            panic!(
                "a cycle between the files of src/{top}/: {}",
                c.join(" -> ")
            );
        }
    }
    // The test sees sibling imports: import's readers use its properties reader.
    assert!(graphs["import"]["server"].contains("props"));
    // ... and inside a folder module: the diagnostics walk reads the schema.
    assert!(graphs["scenario/diag"]["walk"].contains("schema"));
}

#[test]
fn the_parser_finds_paths_and_skips_comments() {
    let text = "use crate::{a, b::c};\n// crate::x\nfn f() { crate::d::e(); } /* crate::y */\n/// [`crate::z`]\n";
    let got = crate_paths(&code(text));
    let want: Vec<(String, String)> = [("a", ""), ("b", "c"), ("d", "e")]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(got, want);
    let mut edges = BTreeMap::new();
    edges.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    edges.insert("b".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(
        find_cycle(&edges),
        Some(vec!["a".to_string(), "b".to_string(), "a".to_string()])
    );
}
