//! No `use` cycles between modules: reads every `src/**/*.rs` of the library and of each binary,
//! collects which module refers to which, and fails naming every cycle with the lines that make
//! it.
//!
//! The rule:
//! - A node is a module: a file, or an inline `mod name { .. }`.
//! - A reference is a `use` path (grouped `use crate::{a, b::{c, d}}` expanded) or a path in
//!   code, rooted at `crate::`, `super::` or `self::` and resolved to the deepest known module
//!   it names (`crate::builder::data::Kind` -> `builder::data`; `super::x` from `a::b` ->
//!   `a::x`). Paths through other names (external crates, imported items) add nothing.
//! - A reference from module `s` to module `t` is an edge between the two **siblings** under
//!   their nearest common parent that contain `s` and `t`: `builder::eval::cold` using
//!   `builder::train::coldstart` is the edge `eval -> train` among the children of `builder`,
//!   so a cycle through submodules is a cycle of their parents too. Top-level modules are the
//!   siblings under the crate root.
//! - A module referring to its own ancestor or descendant is no edge: a parent declares and
//!   re-exports its children, and a child may use what its parent defines (`super::Split`).
//!   (A limit: an item the parent re-exports from a sibling hides that sibling edge.)
//! - Test-only modules (`#[cfg(test)] mod tests`) and `#[cfg(test)] use` are left out: tests
//!   may use anything.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// A module path inside its crate (`[]` = the crate root).
type ModPath = Vec<String>;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    PathSep,
    Punct(char),
}

/// Tokens of Rust source with their line numbers; comments, char literals and lifetimes are
/// dropped, string literals kept whole (for `#[path = ".."]`).
fn lex(src: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = src.chars().collect();
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    let (mut i, mut line, mut out) = (0usize, 1usize, Vec::new());
    // Skip a string body starting after its opening quote; returns the index after the close.
    let skip_str = |mut j: usize, line: &mut usize, hashes: Option<usize>| -> (usize, String) {
        let start = j;
        while j < c.len() {
            match (c[j], hashes) {
                ('\n', _) => *line += 1,
                ('\\', None) => {
                    if at(j + 1) == '\n' {
                        *line += 1;
                    }
                    j += 1;
                }
                ('"', None) => return (j + 1, c[start..j].iter().collect()),
                ('"', Some(h)) if (1..=h).all(|k| at(j + k) == '#') => {
                    return (j + 1 + h, c[start..j].iter().collect())
                }
                _ => {}
            }
            j += 1;
        }
        (j, c[start..].iter().collect())
    };
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0usize;
            loop {
                if i >= c.len() {
                    break;
                }
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if ch == '"' {
            let l = line;
            let (j, s) = skip_str(i + 1, &mut line, None);
            out.push((Tok::Str(s), l));
            i = j;
        } else if ch == 'b' && at(i + 1) == '"' {
            let l = line;
            let (j, s) = skip_str(i + 2, &mut line, None);
            out.push((Tok::Str(s), l));
            i = j;
        } else if ch == 'b' && at(i + 1) == '\'' {
            i += 1; // a byte literal lexes as a char literal from here
        } else if (ch == 'r' && matches!(at(i + 1), '"' | '#'))
            || (ch == 'b' && at(i + 1) == 'r' && matches!(at(i + 2), '"' | '#'))
        {
            let mut j = if ch == 'b' { i + 2 } else { i + 1 };
            let mut h = 0;
            while at(j) == '#' {
                h += 1;
                j += 1;
            }
            if at(j) == '"' {
                let l = line;
                let (k, s) = skip_str(j + 1, &mut line, Some(h));
                out.push((Tok::Str(s), l));
                i = k;
            } else {
                i = j; // a raw identifier `r#name`: lex `name`
            }
        } else if ch == '\'' {
            if at(i + 1) == '\\' {
                let mut j = i + 3;
                while j < c.len() && c[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1; // a lifetime: its name lexes as an identifier
            }
        } else if ch.is_alphabetic() || ch == '_' {
            let s = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push((Tok::Ident(c[s..i].iter().collect()), line));
        } else if ch.is_ascii_digit() {
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push((Tok::Punct('0'), line));
        } else if ch == ':' && at(i + 1) == ':' {
            out.push((Tok::PathSep, line));
            i += 2;
        } else {
            out.push((Tok::Punct(ch), line));
            i += 1;
        }
    }
    out
}

/// A path as written in one module, before resolution.
#[derive(Debug, Clone)]
struct RawRef {
    from: ModPath,
    path: Vec<String>,
    file: PathBuf,
    line: usize,
}

/// One crate's modules and references.
#[derive(Debug, Default)]
struct Crate {
    modules: BTreeSet<ModPath>,
    refs: Vec<RawRef>,
    /// Files reached (parsed or test-only).
    files: BTreeSet<PathBuf>,
}

fn is_ident(t: Option<&(Tok, usize)>, s: &str) -> bool {
    matches!(t, Some((Tok::Ident(x), _)) if x == s)
}

/// `use` tree at `toks[*p..]` with `prefix`; returns the full paths it names.
fn use_tree(toks: &[(Tok, usize)], p: &mut usize, prefix: &[String]) -> Vec<Vec<String>> {
    let mut path = prefix.to_vec();
    if matches!(toks.get(*p), Some((Tok::PathSep, _))) {
        *p += 1;
    }
    loop {
        match toks.get(*p).map(|t| &t.0) {
            Some(Tok::Ident(x)) => {
                path.push(x.clone());
                *p += 1;
                if matches!(toks.get(*p), Some((Tok::PathSep, _))) {
                    *p += 1;
                    continue;
                }
                if is_ident(toks.get(*p), "as") {
                    *p += 2;
                }
                return vec![path];
            }
            Some(Tok::Punct('*')) => {
                *p += 1;
                return vec![path];
            }
            Some(Tok::Punct('{')) => {
                *p += 1;
                let mut out = Vec::new();
                while *p < toks.len() {
                    match toks[*p].0 {
                        Tok::Punct('}') => {
                            *p += 1;
                            break;
                        }
                        Tok::Punct(',') => *p += 1,
                        _ => out.extend(use_tree(toks, p, &path)),
                    }
                }
                return out;
            }
            _ => return vec![path],
        }
    }
}

/// Is this attribute body (`cfg(test)`) test-only?
fn is_cfg_test(attr: &[Tok]) -> bool {
    let want = [
        Tok::Ident("cfg".into()),
        Tok::Punct('('),
        Tok::Ident("test".into()),
        Tok::Punct(')'),
    ];
    attr == want
}

/// `#[path = ".."]` of an attribute body.
fn path_attr(attr: &[Tok]) -> Option<String> {
    match attr {
        [Tok::Ident(p), Tok::Punct('='), Tok::Str(s)] if p == "path" => Some(s.clone()),
        _ => None,
    }
}

/// Parse `file` as module `module` (its inline modules included), then its file modules.
fn parse_file(file: &Path, module: ModPath, is_dir_owner: bool, krate: &mut Crate) {
    let src = std::fs::read_to_string(file)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    krate.files.insert(file.to_path_buf());
    krate.modules.insert(module.clone());
    let toks = lex(&src);
    let dir = file.parent().unwrap_or(Path::new("")).to_path_buf();
    // Where `mod x;` files live: next to lib.rs/main.rs/mod.rs, else in a folder named after
    // the file.
    let child_dir = if is_dir_owner {
        dir.clone()
    } else {
        dir.join(file.file_stem().unwrap_or_default())
    };
    // (module path, brace depth at which it opened, test-only)
    let mut stack: Vec<(ModPath, usize, bool)> = vec![(module.clone(), 0, false)];
    let mut depth = 0usize;
    let mut attrs: Vec<Vec<Tok>> = Vec::new();
    let mut children: Vec<(ModPath, PathBuf, bool)> = Vec::new();
    let mut p = 0usize;
    while p < toks.len() {
        let (cur, _, skip) = stack.last().cloned().unwrap_or_default();
        let attr_test = attrs.iter().any(|a| is_cfg_test(a));
        match &toks[p].0 {
            Tok::Punct('#') => {
                let inner = matches!(toks.get(p + 1), Some((Tok::Punct('!'), _)));
                let open = if inner { p + 2 } else { p + 1 };
                if matches!(toks.get(open), Some((Tok::Punct('['), _))) {
                    let (mut d, mut q) = (0usize, open);
                    while q < toks.len() {
                        match toks[q].0 {
                            Tok::Punct('[') => d += 1,
                            Tok::Punct(']') => {
                                d -= 1;
                                if d == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        q += 1;
                    }
                    if !inner {
                        attrs.push(toks[open + 1..q].iter().map(|t| t.0.clone()).collect());
                    }
                    p = q + 1;
                    continue;
                }
                p += 1;
            }
            Tok::Ident(kw) if kw == "mod" => {
                if let (Some((Tok::Ident(name), _)), Some((next, _))) =
                    (toks.get(p + 1), toks.get(p + 2))
                {
                    let mut path = cur.clone();
                    path.push(name.clone());
                    let test = skip || attr_test;
                    match next {
                        Tok::Punct(';') => {
                            let inline: Vec<String> = cur[module.len()..].to_vec();
                            let base = inline.iter().fold(child_dir.clone(), |d, m| d.join(m));
                            let f = match attrs.iter().find_map(|a| path_attr(a)) {
                                Some(rel) => dir.join(rel),
                                None if base.join(format!("{name}.rs")).exists() => {
                                    base.join(format!("{name}.rs"))
                                }
                                None => base.join(name).join("mod.rs"),
                            };
                            children.push((path, f, test));
                            p += 3;
                        }
                        Tok::Punct('{') => {
                            if !test {
                                krate.modules.insert(path.clone());
                            }
                            stack.push((path, depth, test));
                            p += 2;
                            depth += 1;
                        }
                        _ => p += 1,
                    }
                    attrs.clear();
                    continue;
                }
                p += 1;
            }
            Tok::Ident(kw) if kw == "use" => {
                let line = toks[p].1;
                p += 1;
                let paths = use_tree(&toks, &mut p, &[]);
                if !skip && !attr_test {
                    for path in paths {
                        krate.refs.push(RawRef {
                            from: cur.clone(),
                            path,
                            file: file.to_path_buf(),
                            line,
                        });
                    }
                }
                attrs.clear();
            }
            Tok::Ident(root) if ["crate", "super", "self"].contains(&root.as_str()) => {
                let after_dollar = p > 0 && toks[p - 1].0 == Tok::Punct('$');
                let line = toks[p].1;
                let mut path = vec![root.clone()];
                let mut q = p + 1;
                while matches!(toks.get(q), Some((Tok::PathSep, _))) {
                    match toks.get(q + 1) {
                        Some((Tok::Ident(x), _)) => {
                            path.push(x.clone());
                            q += 2;
                        }
                        _ => break,
                    }
                }
                if path.len() > 1 && !skip && !after_dollar {
                    krate.refs.push(RawRef {
                        from: cur.clone(),
                        path,
                        file: file.to_path_buf(),
                        line,
                    });
                }
                p = q.max(p + 1);
            }
            Tok::Punct('{') => {
                depth += 1;
                attrs.clear();
                p += 1;
            }
            Tok::Punct('}') => {
                depth = depth.saturating_sub(1);
                if stack.len() > 1 && stack.last().is_some_and(|s| s.1 == depth) {
                    stack.pop();
                }
                attrs.clear();
                p += 1;
            }
            Tok::Punct(';') => {
                attrs.clear();
                p += 1;
            }
            _ => p += 1,
        }
    }
    for (path, f, test) in children {
        if test {
            krate.files.insert(f);
            continue;
        }
        let owner = f.file_name().is_some_and(|n| n == "mod.rs");
        parse_file(&f, path, owner, krate);
    }
}

fn parse_crate(root: &Path) -> Crate {
    let mut k = Crate::default();
    parse_file(root, Vec::new(), true, &mut k);
    k
}

/// The module a path written in `from` names (`None`: not rooted at crate/super/self).
fn resolve(modules: &BTreeSet<ModPath>, from: &ModPath, path: &[String]) -> Option<ModPath> {
    let mut base: ModPath = match path.first()?.as_str() {
        "crate" => Vec::new(),
        "self" | "super" => from.clone(),
        _ => return None,
    };
    let mut rest = &path[1..];
    if path[0] == "super" {
        base.pop();
        while rest.first().is_some_and(|s| s == "super") {
            base.pop();
            rest = &rest[1..];
        }
    }
    for seg in rest {
        if seg == "self" {
            continue;
        }
        let mut next = base.clone();
        next.push(seg.clone());
        if !modules.contains(&next) {
            break;
        }
        base = next;
    }
    Some(base)
}

/// Sibling edges per parent: parent -> (from child -> to child -> evidence lines).
type Graphs = BTreeMap<ModPath, BTreeMap<String, BTreeMap<String, Vec<String>>>>;

fn sibling_graphs(k: &Crate, root: &Path) -> Graphs {
    let mut g: Graphs = BTreeMap::new();
    for r in &k.refs {
        let Some(to) = resolve(&k.modules, &r.from, &r.path) else {
            continue;
        };
        let c = r.from.iter().zip(&to).take_while(|(a, b)| a == b).count();
        if c == r.from.len() || c == to.len() {
            continue; // ancestor or descendant
        }
        let file = r.file.strip_prefix(root).unwrap_or(&r.file);
        g.entry(r.from[..c].to_vec())
            .or_default()
            .entry(r.from[c].clone())
            .or_default()
            .entry(to[c].clone())
            .or_default()
            .push(format!(
                "{}:{}: {}",
                file.display(),
                r.line,
                r.path.join("::")
            ));
    }
    g
}

/// Every cycle of a directed graph, one per strongly connected component with more than one
/// node (Tarjan), as the node list of one cycle through it.
fn find_cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let mut nodes: BTreeSet<&String> = edges.keys().collect();
    nodes.extend(edges.values().flatten());
    let nodes: Vec<&String> = nodes.into_iter().collect();
    let ix: HashMap<&String, usize> = nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let adj: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| edges.get(*n).into_iter().flatten().map(|m| ix[m]).collect())
        .collect();
    struct T {
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        sccs: Vec<Vec<usize>>,
    }
    fn visit(v: usize, adj: &[Vec<usize>], t: &mut T) {
        t.index[v] = Some(t.next);
        t.low[v] = t.next;
        t.next += 1;
        t.stack.push(v);
        t.on[v] = true;
        for &w in &adj[v] {
            match t.index[w] {
                None => {
                    visit(w, adj, t);
                    t.low[v] = t.low[v].min(t.low[w]);
                }
                Some(iw) if t.on[w] => t.low[v] = t.low[v].min(iw),
                _ => {}
            }
        }
        if Some(t.low[v]) == t.index[v] {
            let mut scc = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on[w] = false;
                scc.push(w);
                if w == v {
                    break;
                }
            }
            t.sccs.push(scc);
        }
    }
    let n = nodes.len();
    let mut t = T {
        index: vec![None; n],
        low: vec![0; n],
        on: vec![false; n],
        stack: Vec::new(),
        next: 0,
        sccs: Vec::new(),
    };
    for v in 0..n {
        if t.index[v].is_none() {
            visit(v, &adj, &mut t);
        }
    }
    let mut out = Vec::new();
    for scc in t.sccs.into_iter().filter(|s| s.len() > 1) {
        // Shortest way back to the smallest node, by breadth-first search inside the component.
        let inside: BTreeSet<usize> = scc.iter().copied().collect();
        let start = *inside.iter().next().unwrap_or(&0);
        let mut prev: HashMap<usize, usize> = HashMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut found = None;
        'bfs: while let Some(v) = queue.pop_front() {
            for &w in &adj[v] {
                if !inside.contains(&w) {
                    continue;
                }
                if w == start {
                    found = Some(v);
                    break 'bfs;
                }
                if let std::collections::hash_map::Entry::Vacant(e) = prev.entry(w) {
                    e.insert(v);
                    queue.push_back(w);
                }
            }
        }
        let mut cycle = vec![start];
        let mut v = found.unwrap_or(start);
        let mut back = Vec::new();
        while v != start {
            back.push(v);
            v = prev[&v];
        }
        cycle.extend(back.into_iter().rev());
        out.push(cycle.into_iter().map(|i| nodes[i].clone()).collect());
    }
    out
}

/// Human report of every sibling cycle in the crate at `root_file` (empty = none).
fn cycles_report(root_file: &Path, base: &Path) -> String {
    let k = parse_crate(root_file);
    let mut report = String::new();
    for (parent, g) in sibling_graphs(&k, base) {
        let edges: BTreeMap<String, BTreeSet<String>> = g
            .iter()
            .map(|(a, to)| (a.clone(), to.keys().cloned().collect()))
            .collect();
        for cycle in find_cycles(&edges) {
            let under = if parent.is_empty() {
                "the crate root".to_string()
            } else {
                parent.join("::")
            };
            report += &format!(
                "cycle among the modules under {under} ({}): {} -> {}\n",
                root_file.display(),
                cycle.join(" -> "),
                cycle[0]
            );
            for (i, a) in cycle.iter().enumerate() {
                let b = &cycle[(i + 1) % cycle.len()];
                report += &format!("  {a} -> {b}:\n");
                for e in &g[a][b] {
                    report += &format!("    {e}\n");
                }
            }
        }
    }
    report
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The crate roots: `src/lib.rs`, `src/bin/*.rs` and `src/bin/*/main.rs`.
fn roots(src: &Path) -> Vec<PathBuf> {
    let mut r = vec![src.join("lib.rs")];
    for e in std::fs::read_dir(src.join("bin"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let p = e.path();
        if p.is_dir() && p.join("main.rs").exists() {
            r.push(p.join("main.rs"));
        } else if p.extension().is_some_and(|x| x == "rs") {
            r.push(p);
        }
    }
    r
}

#[test]
fn no_module_cycles_in_the_library_or_the_binaries() {
    let base = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let src = base.join("src");
    let mut report = String::new();
    let mut reached = BTreeSet::new();
    for root in roots(&src) {
        report += &cycles_report(&root, &base);
        reached.extend(parse_crate(&root).files);
    }
    let mut all = Vec::new();
    rust_files(&src, &mut all);
    let missed: Vec<String> = all
        .iter()
        .filter(|f| !reached.contains(*f))
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        missed.is_empty(),
        "files no crate root reaches (the check would miss them): {missed:?}"
    );
    assert!(report.is_empty(), "module cycles:\n{report}");
}

#[test]
fn the_detector_finds_a_cycle_and_passes_a_dag() {
    let g = |e: &[(&str, &str)]| {
        let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, b) in e {
            m.entry(a.to_string()).or_default().insert(b.to_string());
        }
        m
    };
    let cycles = find_cycles(&g(&[("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]));
    assert_eq!(cycles, vec![vec!["a", "b", "c"]]);
    assert!(find_cycles(&g(&[("a", "b"), ("b", "c"), ("a", "c")])).is_empty());
    let two = find_cycles(&g(&[("a", "b"), ("b", "a"), ("x", "y"), ("y", "x")]));
    assert_eq!(two.len(), 2);
}

/// A small crate on disk: every rule of the module docs, with one real cycle through
/// submodules and several look-alikes that are not cycles.
#[test]
fn the_checker_reads_sources_by_the_stated_rules() {
    let dir = tempfile::tempdir().expect("temp dir");
    let w = |p: &str, s: &str| {
        let f = dir.path().join(p);
        std::fs::create_dir_all(f.parent().expect("parent")).expect("mkdir");
        std::fs::write(f, s).expect("write");
    };
    w(
        "src/lib.rs",
        "pub mod a;\npub mod b;\npub mod c;\npub mod d;\nmod inline { pub fn f() {} }\n",
    );
    // a -> b through a grouped use; a's child uses its parent (no edge).
    w(
        "src/a/mod.rs",
        "mod kid;\npub use kid::K;\nuse crate::{b::{self, B}, c};\npub struct A;",
    );
    w("src/a/kid.rs", "pub struct K(super::A);\n");
    // b -> a from a submodule, written as a path in code: the cycle a -> b -> a.
    w(
        "src/b/mod.rs",
        "pub mod deep;\npub struct B;\n// crate::d::X in a comment is no reference\n",
    );
    w(
        "src/b/deep.rs",
        "pub fn f() -> usize { let s = \"crate::d::X\"; s.len() + std::mem::size_of::<super::super::a::A>() }\n",
    );
    // c -> d only in a test module and a test-only use; d -> c for real: no cycle.
    w(
        "src/c.rs",
        "#[cfg(test)]\nuse crate::d;\n#[cfg(test)]\nmod tests;\n",
    );
    w("src/c/tests.rs", "use crate::d::X;\n");
    w(
        "src/d.rs",
        "pub struct X;\nfn g() { crate::c::f(); crate::inline::f(); }\n",
    );
    let k = parse_crate(&dir.path().join("src/lib.rs"));
    let g = sibling_graphs(&k, dir.path());
    let top = &g[&Vec::<String>::new()];
    let to =
        |a: &str| -> Vec<&String> { top.get(a).map(|m| m.keys().collect()).unwrap_or_default() };
    assert_eq!(to("a"), ["b", "c"]);
    assert_eq!(to("b"), ["a"]);
    assert!(to("c").is_empty(), "test-only references are no edges");
    assert_eq!(to("d"), ["c", "inline"]);
    assert!(
        !g.contains_key(&vec!["a".to_string()]),
        "parent/child references are no edges"
    );
    assert!(k.files.contains(&dir.path().join("src/c/tests.rs")));
    let report = cycles_report(&dir.path().join("src/lib.rs"), dir.path());
    assert!(report.contains("a -> b -> a"), "{report}");
    assert!(
        report.contains("src/b/deep.rs:1: super::super::a::A"),
        "{report}"
    );
    assert_eq!(report.matches("cycle among").count(), 1, "{report}");
}
