//! The server's modules import each other without a circle: reading any module needs only
//! the ones below it (`docs/architecture.md`, "The server's modules").
//!
//! The graph is read from the sources: an edge from top-level module `a` to `b` for every
//! `crate::b` path in `a`'s code, leaving out comments and test code (a test may reach
//! anywhere). A circle fails the test with its path.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).expect("a source directory") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            found.extend(sources(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
    found
}

/// The top-level module a file belongs to (`room/actor/mod.rs` → `room`).
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).expect("under src");
    let first = relative
        .components()
        .next()
        .expect("a component")
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_owned()
}

/// The code of a file that counts: before its first `#[cfg(test)]`, without comments.
/// A file that is itself a test module (`tests.rs`) counts for nothing.
fn code_of(file: &Path, text: &str) -> String {
    if file.file_name().is_some_and(|name| name == "tests.rs") {
        return String::new();
    }
    let before_tests = text.split("#[cfg(test)]").next().unwrap_or_default();
    before_tests
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The modules a piece of code names as `crate::module`.
fn named_modules(code: &str) -> BTreeSet<String> {
    code.match_indices("crate::")
        .map(|(at, prefix)| {
            code[at + prefix.len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|name| !name.is_empty())
        .collect()
}

fn server_graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph = Graph::new();
    for file in sources(&src) {
        let module = module_of(&src, &file);
        if module == "lib" || module == "main" {
            continue;
        }
        let text = fs::read_to_string(&file).expect("readable source");
        let uses = graph.entry(module.clone()).or_default();
        for named in named_modules(&code_of(&file, &text)) {
            if named != module {
                uses.insert(named);
            }
        }
    }
    graph
}

/// A circle in `graph`, as the path that closes it, if there is one.
fn find_circle(graph: &Graph) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done,
    }
    fn visit(
        node: &str,
        graph: &Graph,
        marks: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Visiting) => {
                let start = path.iter().position(|n| n == node).unwrap_or(0);
                let mut circle = path[start..].to_vec();
                circle.push(node.to_owned());
                return Some(circle);
            }
            None => {}
        }
        marks.insert(node.to_owned(), Mark::Visiting);
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(circle) = visit(next, graph, marks, path) {
                return Some(circle);
            }
        }
        path.pop();
        marks.insert(node.to_owned(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut marks, &mut Vec::new()))
}

#[test]
fn the_servers_modules_import_each_other_without_a_circle() {
    let graph = server_graph();
    for expected in ["connection", "http", "registry", "room", "storage"] {
        assert!(graph.contains_key(expected), "{expected} in {graph:?}");
    }
    assert!(
        graph["http"].contains("connection"),
        "the graph is read: http serves connections ({graph:?})"
    );
    if let Some(circle) = find_circle(&graph) {
        panic!("import circle: {}", circle.join(" → "));
    }
}

#[test]
fn a_circle_is_found_and_named() {
    let edges = [("a", "b"), ("b", "c"), ("c", "a"), ("d", "a")];
    let mut graph = Graph::new();
    for (from, to) in edges {
        graph
            .entry(from.to_owned())
            .or_default()
            .insert(to.to_owned());
    }
    let circle = find_circle(&graph).expect("a circle");
    assert_eq!(circle, ["a", "b", "c", "a"]);
    graph.get_mut("c").expect("c").clear();
    assert_eq!(find_circle(&graph), None);
}

#[test]
fn comments_and_test_code_name_no_module() {
    let text = "use crate::room::X;\n// crate::storage in a comment\n/// see [`crate::http`]\nfn f() {}\n#[cfg(test)]\nmod tests { use crate::registry; }\n";
    let named = named_modules(&code_of(Path::new("x.rs"), text));
    assert_eq!(named, BTreeSet::from(["room".to_owned()]));
}
