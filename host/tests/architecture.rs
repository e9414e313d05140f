//! The shape of `host/src`, checked on the source text: the top-level modules depend on each
//! other in one direction only (no cycles, of any length), no file grows past 600 lines unless
//! its `//!` line says why its length is earned, and the store keeps its SQL out of macros.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Longest a source file may be without saying why.
const MAX_LINES: usize = 600;

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file under `src` (`store/mod.rs` is `[store]`, `store/db.rs` is
/// `[store, db]`, `lib.rs` is `[]`).
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if parts
        .last()
        .is_some_and(|p| p == "mod" || p == "lib" || p == "main")
    {
        parts.pop();
    }
    parts
}

/// The first identifier of `text`.
fn ident(text: &str) -> Option<&str> {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    (end > 0).then(|| &text[..end])
}

/// The top-level modules a `crate::...` path (the text after `crate::`) names: one, or
/// several for `crate::{a, b::c}`.
fn named_modules(after: &str, out: &mut BTreeSet<String>) {
    if let Some(group) = after.strip_prefix('{') {
        let mut depth = 0;
        let mut start = true;
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    start = true;
                    continue;
                }
                _ => {}
            }
            if start && depth == 0 && !c.is_whitespace() {
                if let Some(name) = ident(&group[i..]) {
                    out.insert(name.to_owned());
                }
                start = false;
            }
        }
    } else if let Some(name) = ident(after) {
        out.insert(name.to_owned());
    }
}

/// Top-level module -> the other top-level modules its files name.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let root = src_dir();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(&root).unwrap().to_owned();
        let path = module_path(&rel);
        let Some(top) = path.first().cloned() else {
            continue; // lib.rs / main.rs: the root wires everything together.
        };
        let to_root = format!("{}::", vec!["super"; path.len()].join("::"));
        let text = std::fs::read_to_string(&file).unwrap();
        let mut named = BTreeSet::new();
        for line in text.lines() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for (i, _) in code.match_indices("crate::") {
                named_modules(&code[i + "crate::".len()..], &mut named);
            }
            for (i, _) in code.match_indices(&to_root) {
                let after = &code[i + to_root.len()..];
                if !after.starts_with("super") {
                    named_modules(after, &mut named);
                }
            }
        }
        named.remove(&top);
        graph.entry(top).or_default().extend(named);
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for deps in graph.values_mut() {
        deps.retain(|d| modules.contains(d));
    }
    graph
}

/// A cycle through `start`, if there is one.
fn cycle_through(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![(start.to_owned(), vec![start.to_owned()])];
    let mut seen = BTreeSet::new();
    while let Some((node, path)) = stack.pop() {
        for next in graph.get(&node).into_iter().flatten() {
            if next == start {
                let mut cycle = path.clone();
                cycle.push(start.to_owned());
                return Some(cycle);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push((next.clone(), longer));
            }
        }
    }
    None
}

#[test]
fn the_top_level_modules_form_no_cycle() {
    let graph = module_graph();
    assert!(graph.len() > 10, "the scan found the modules: {graph:?}");
    assert!(graph["http"].contains("store"), "the scan sees imports");
    let cycles: Vec<String> = graph
        .keys()
        .filter_map(|m| cycle_through(&graph, m))
        .map(|c| c.join(" -> "))
        .collect();
    assert!(cycles.is_empty(), "module cycles: {cycles:#?}");
}

#[test]
fn the_leaf_modules_import_nothing_of_the_crate() {
    let graph = module_graph();
    for leaf in ["model", "net", "mentions", "flags", "secrets"] {
        assert_eq!(graph[leaf], BTreeSet::new(), "{leaf} must stay a leaf");
    }
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec!["a"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(
        cycle_through(&graph, "a").unwrap(),
        ["a", "b", "c", "a"].map(str::to_owned)
    );
    assert_eq!(cycle_through(&graph, "d"), None);
    let mut named = BTreeSet::new();
    named_modules(
        "{store::{Store, StoreError}, model, net::ssrf};",
        &mut named,
    );
    assert_eq!(named, ["model", "net", "store"].map(str::to_owned).into());
}

#[test]
fn no_file_is_longer_than_600_lines_without_saying_why() {
    let root = src_dir();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut long = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines = text.lines().count();
        let earned = text
            .lines()
            .take_while(|l| l.starts_with("//!"))
            .any(|l| l.contains("length is earned"));
        if lines > MAX_LINES && !earned {
            long.push(format!("{} ({lines} lines)", file.display()));
        }
    }
    assert!(long.is_empty(), "files over {MAX_LINES} lines: {long:#?}");
}

#[test]
fn the_store_has_no_sql_in_macros() {
    let mut files = Vec::new();
    rust_files(&src_dir().join("store"), &mut files);
    assert!(files.len() > 5);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            !text.contains("macro_rules!"),
            "{} defines a macro",
            file.display()
        );
    }
}
