//! Where every effective value came from, indexed by the merged tree itself.
//!
//! Resolving an environment merges the sections it inherits (`defaults`, then the environments
//! it `extends`, then its own section) into one positioned YAML tree whose mapping keys are
//! sorted. That tree is the index: the origin of `services.api.scale.min` is the node reached by
//! walking those keys (a binary search per mapping), its span says where it was written, and
//! the section holding that span says which layer it came from. No path string is built or
//! hashed per value, and a lookup costs the depth of the path times the log of the mappings'
//! sizes, whatever the size of the file.

use std::cmp::Ordering;
use std::sync::{Arc, OnceLock};

use serde::Serialize;

use crate::diagnostics::Span;
use crate::load::{Key, Node, NodeKind};

/// Which part of `environments.yaml` an effective value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    /// The `defaults:` section.
    Defaults,
    /// The environment's own section.
    Environment,
    /// The section of another environment this one extends (directly or transitively): its
    /// index among `environments:`, in file order ([`Origins::section_name`] names it).
    Extended(usize),
}

/// Where an effective value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// Section it was written in.
    pub layer: Layer,
    /// Its position (of the value; for a mapping, of its first entry or brace).
    pub span: Span,
}

/// The sections effective values can come from, shared by every environment of a file: where
/// each starts, the environments' names and sections, which environment each one extends, and
/// how to merge an environment's tree.
///
/// An environment's merged tree is built when something asks for it and dropped with whoever
/// asked ([`Origins`] keeps its own once built): resolving builds one at a time, and policy
/// checks each environment on a copy that is dropped before the next. Only the trees of the
/// environments others `extend` are kept here once built, so that a chain of `extends` is
/// merged once, whatever its length.
#[derive(Debug)]
pub struct Sections {
    /// Byte offset of each section's key, ascending, with the section: `None` for `defaults`,
    /// else the environment's index in file order. A value belongs to the last section that
    /// starts before it (other top-level keys hold no setting).
    starts: Vec<(usize, Option<usize>)>,
    /// Environment names, in file order.
    names: Vec<String>,
    /// The environment each one extends (index), when it extends one that exists.
    parents: Vec<Option<usize>>,
    /// `defaults`, keys sorted: the base of an environment that extends none.
    defaults: Arc<Node>,
    /// Each environment's own section, as written, in file order.
    own: Vec<Node>,
    /// For each environment another one extends, its merged tree once built (`None` for the
    /// others: their trees are never kept here).
    extended: Vec<Option<OnceLock<Arc<Node>>>>,
}

impl Default for Sections {
    fn default() -> Self {
        Sections {
            starts: Vec::new(),
            names: Vec::new(),
            parents: Vec::new(),
            defaults: Arc::new(empty_map(Span::default())),
            own: Vec::new(),
            extended: Vec::new(),
        }
    }
}

/// Equal when built from the same file: the trees built so far are a cache.
impl PartialEq for Sections {
    fn eq(&self, other: &Self) -> bool {
        self.starts == other.starts
            && self.names == other.names
            && self.parents == other.parents
            && self.defaults == other.defaults
            && self.own == other.own
    }
}

impl Sections {
    /// The sections of a file: the position of the `defaults:` key, when there is one, the
    /// `environments:` entries in file order with the environment each one extends, and
    /// `defaults` with its keys sorted.
    pub fn new(
        defaults_key: Option<Span>,
        environments: &[(Key, Node)],
        parents: Vec<Option<usize>>,
        defaults: Arc<Node>,
    ) -> Self {
        let mut starts: Vec<(usize, Option<usize>)> = environments
            .iter()
            .enumerate()
            .map(|(i, (k, _))| (k.span.start, Some(i)))
            .collect();
        if let Some(d) = defaults_key {
            starts.push((d.start, None));
        }
        starts.sort_unstable_by_key(|&(start, _)| start);
        let mut extended: Vec<Option<OnceLock<Arc<Node>>>> =
            (0..environments.len()).map(|_| None).collect();
        for p in parents.iter().flatten() {
            if let Some(slot) = extended.get_mut(*p) {
                *slot = Some(OnceLock::new());
            }
        }
        Sections {
            starts,
            names: environments.iter().map(|(k, _)| k.name.clone()).collect(),
            parents,
            defaults,
            own: environments.iter().map(|(_, n)| n.clone()).collect(),
            extended,
        }
    }

    /// The merged tree of environment `index`: its section (as written) onto the tree of the
    /// environment it extends, else onto `defaults`, without the options never inherited
    /// ([`super::NOT_INHERITED`]). Merges the chain up to the first environment whose tree is
    /// kept (iteratively: a long chain never deepens the stack), keeping the trees of
    /// environments others extend. `parents` is acyclic ([`super::inheritance`] breaks cycles;
    /// the bound below is belt and braces).
    pub(crate) fn tree_of(&self, index: usize) -> Arc<Node> {
        let mut pending = Vec::new();
        let mut base = None;
        let mut at = Some(index);
        while let Some(i) = at {
            if let Some(tree) = self.kept(i) {
                base = Some(Arc::clone(tree));
                break;
            }
            if pending.len() > self.names.len() || i >= self.own.len() {
                break;
            }
            pending.push(i);
            at = self.parents.get(i).copied().flatten();
        }
        let mut tree = base.unwrap_or_else(|| Arc::clone(&self.defaults));
        for &i in pending.iter().rev() {
            let merged = Arc::new(Node {
                kind: NodeKind::Map(merge_entries(
                    tree.entries(),
                    self.own[i].entries(),
                    |key| !super::NOT_INHERITED.contains(&key),
                )),
                span: self.own[i].span,
            });
            if let Some(Some(cell)) = self.extended.get(i) {
                let _ = cell.set(Arc::clone(&merged));
            }
            tree = merged;
        }
        tree
    }

    /// The kept tree of environment `index`, when it is extended and its tree was built.
    fn kept(&self, index: usize) -> Option<&Arc<Node>> {
        self.extended.get(index)?.as_ref()?.get()
    }

    /// The tree environment `index` is merged onto: the tree of the environment it extends
    /// (built and kept if need be), else `defaults`.
    fn base_of(&self, index: usize) -> Option<&Node> {
        match self.parents.get(index).copied().flatten() {
            Some(parent) => {
                if self.kept(parent).is_none() {
                    self.tree_of(parent);
                }
                self.kept(parent).map(|t| &**t)
            }
            None => Some(&self.defaults),
        }
    }

    /// Environment `index`'s section as written, and the tree it is merged onto (see
    /// [`Sections::tree_of`]).
    pub(crate) fn own_and_base(&self, index: usize) -> (Option<&Node>, Option<&Node>) {
        (self.own.get(index), self.base_of(index))
    }

    /// The section holding byte `offset`: `Some(None)` for `defaults`, `Some(Some(i))` for
    /// environment `i`.
    pub(crate) fn at(&self, offset: usize) -> Option<Option<usize>> {
        let after = self.starts.partition_point(|&(start, _)| start <= offset);
        after.checked_sub(1).map(|i| self.starts[i].1)
    }

    /// The name of environment `index`.
    pub fn name(&self, index: usize) -> &str {
        self.names.get(index).map_or("", String::as_str)
    }

    /// The environment that environment `index` extends, when it extends one that exists.
    pub fn parent_of(&self, index: usize) -> Option<usize> {
        self.parents.get(index).copied().flatten()
    }

    /// How many environments there are.
    pub fn environments(&self) -> usize {
        self.names.len()
    }
}

/// Origins of the effective values of one environment: its merged tree, as written.
///
/// Paths are dotted, shaped like `environments.yaml` (`services.api.scale.min`); list items
/// are numbered (`services.api.secrets.0`), and keys may themselves hold dots (database
/// settings such as `pg_stat_statements.track`). A path that reaches nothing took a built-in
/// default.
#[derive(Debug, Clone)]
pub struct Origins {
    /// The merged options and settings of the environment, mapping keys sorted by name: built
    /// from [`Sections`] the first time a question needs it ([`Origins::tree`]), then kept by
    /// this value (a clone made before it was built builds its own, and drops it with itself).
    tree: OnceLock<Arc<Node>>,
    /// The file's sections.
    sections: Arc<Sections>,
    /// This environment's index in file order.
    own: usize,
    /// Position of the environment's own key (`staging:`), the last resort for findings about
    /// values that took a built-in default.
    pub environment_key: Option<Span>,
}

/// Equal when they describe the same environment of the same file with the same merged tree.
impl PartialEq for Origins {
    fn eq(&self, other: &Self) -> bool {
        self.own == other.own
            && self.environment_key == other.environment_key
            && self.sections == other.sections
            && self.tree() == other.tree()
    }
}

impl Default for Origins {
    fn default() -> Self {
        Origins {
            tree: OnceLock::from(Arc::new(empty_map(Span::default()))),
            sections: Arc::default(),
            own: usize::MAX,
            environment_key: None,
        }
    }
}

/// How far a dotted path reaches into a tree.
#[derive(Debug, Clone, Copy, Default)]
struct Reach<'n> {
    /// The deepest value reached and its key (`None` for a list item).
    last: Option<(Option<&'n Key>, &'n Node)>,
    /// The key of the deepest mapping entry strictly above `last`.
    above: Option<&'n Key>,
    /// Number of steps taken.
    depth: usize,
    /// Whether the whole path was reached.
    complete: bool,
}

impl<'n> Reach<'n> {
    fn step(self, key: Option<&'n Key>, node: &'n Node) -> Self {
        Reach {
            above: match self.last {
                Some((Some(k), _)) => Some(k),
                _ => self.above,
            },
            last: Some((key, node)),
            depth: self.depth + 1,
            complete: false,
        }
    }
}

/// Walks `rest` (a dotted path) down from `node`. A mapping key may contain dots: every split
/// is tried, shortest key first, and the deepest reach wins.
fn reach<'n>(node: &'n Node, rest: &str, acc: Reach<'n>) -> Reach<'n> {
    let advance = |key: Option<&'n Key>, value: &'n Node, end: usize| {
        let next = acc.step(key, value);
        if end == rest.len() {
            Reach {
                complete: true,
                ..next
            }
        } else {
            reach(value, &rest[end + 1..], next)
        }
    };
    match &node.kind {
        NodeKind::Map(entries) => {
            let mut best = acc;
            let ends = rest
                .match_indices('.')
                .map(|(i, _)| i)
                .chain(std::iter::once(rest.len()));
            for end in ends {
                let name = &rest[..end];
                if let Some((k, v)) = find(entries, name) {
                    let r = advance(Some(k), v, end);
                    if r.complete {
                        return r;
                    }
                    if r.depth > best.depth {
                        best = r;
                    }
                }
                // Every longer split names a key starting with `name.`: when no key does, none
                // can match (one binary search instead of one per remaining split, which made a
                // path that was not written cost a search per dot at every level).
                if end < rest.len() && !any_key_starts_with(entries, &rest[..=end]) {
                    break;
                }
            }
            best
        }
        NodeKind::Seq(items) => {
            let end = rest.find('.').unwrap_or(rest.len());
            match rest[..end].parse::<usize>().ok().and_then(|i| items.get(i)) {
                Some(v) => advance(None, v, end),
                None => acc,
            }
        }
        _ => acc,
    }
}

/// Walks `keys` (a path given one mapping key or list index per item, so no split is tried and
/// nothing is formatted) down from `node`: what [`reach`] finds for the same keys joined with
/// dots when none of them holds a dot (a test compares them).
fn reach_keys<'n>(mut node: &'n Node, keys: &[&str]) -> Reach<'n> {
    let mut acc = Reach::default();
    for key in keys {
        let (k, value) = match &node.kind {
            NodeKind::Map(entries) => match find(entries, key) {
                Some((k, v)) => (Some(k), v),
                None => return acc,
            },
            NodeKind::Seq(items) => match key.parse::<usize>().ok().and_then(|i| items.get(i)) {
                Some(v) => (None, v),
                None => return acc,
            },
            _ => return acc,
        };
        acc = acc.step(k, value);
        node = value;
    }
    Reach {
        complete: !keys.is_empty(),
        ..acc
    }
}

/// Whether a key of mapping entries sorted by key starts with `prefix`: the keys that do come
/// together, from the first key not below `prefix`.
fn any_key_starts_with(entries: &[(Key, Node)], prefix: &str) -> bool {
    let first = entries.partition_point(|(k, _)| k.name.as_str() < prefix);
    entries
        .get(first)
        .is_some_and(|(k, _)| k.name.starts_with(prefix))
}

/// The entry `name` of mapping entries sorted by key.
fn find<'n>(entries: &'n [(Key, Node)], name: &str) -> Option<(&'n Key, &'n Node)> {
    entries
        .binary_search_by(|(k, _)| k.name.as_str().cmp(name))
        .ok()
        .map(|i| (&entries[i].0, &entries[i].1))
}

impl Origins {
    /// The origins of environment `own` (index in file order) of `sections`; its merged tree
    /// is built when first needed.
    pub(crate) fn new(sections: Arc<Sections>, own: usize, environment_key: Option<Span>) -> Self {
        Origins {
            tree: OnceLock::new(),
            sections,
            own,
            environment_key,
        }
    }

    /// The origins of environment `own` whose merged tree is `tree`, already built.
    pub(crate) fn with_tree(
        tree: Arc<Node>,
        sections: Arc<Sections>,
        own: usize,
        environment_key: Option<Span>,
    ) -> Self {
        Origins {
            tree: OnceLock::from(tree),
            sections,
            own,
            environment_key,
        }
    }

    fn reach(&self, path: &str) -> Reach<'_> {
        if path.is_empty() {
            return Reach::default();
        }
        reach(self.tree(), path, Reach::default())
    }

    /// The layer of a value written at `span`.
    pub fn layer_of(&self, span: Span) -> Layer {
        match self.sections.at(span.start) {
            Some(Some(i)) if i == self.own => Layer::Environment,
            Some(Some(i)) => Layer::Extended(i),
            _ => Layer::Defaults,
        }
    }

    /// The origin of `path`, if written in the file.
    pub fn get(&self, path: &str) -> Option<Origin> {
        self.node(path).map(|n| Origin {
            layer: self.layer_of(n.span),
            span: n.span,
        })
    }

    /// The effective value at `path` as written, if it was.
    pub fn node(&self, path: &str) -> Option<&Node> {
        let r = self.reach(path);
        r.complete.then_some(r.last?.1)
    }

    /// Whether `path` was written in the file (not a built-in default).
    pub fn contains(&self, path: &str) -> bool {
        self.reach(path).complete
    }

    /// As [`Origins::node`], for a path given as its keys (`["services", name, "port"]`): a
    /// rule that asks about every service looks it up without building a string.
    pub fn node_at(&self, keys: &[&str]) -> Option<&Node> {
        let r = reach_keys(self.tree(), keys);
        r.complete.then_some(r.last?.1)
    }

    /// As [`Origins::contains`], for a path given as its keys.
    pub fn contains_at(&self, keys: &[&str]) -> bool {
        reach_keys(self.tree(), keys).complete
    }

    /// The best position for a finding about `path`: the value itself, else the closest
    /// enclosing value that was written in the file, else the environment's key.
    pub fn span(&self, path: &str) -> Option<Span> {
        match self.reach(path).last {
            Some((_, n)) => Some(n.span),
            None => self.environment_key,
        }
    }

    /// The position of the key that set `path`, when `path` is a mapping entry that was
    /// written.
    pub fn key(&self, path: &str) -> Option<Span> {
        let r = self.reach(path);
        match (r.complete, r.last) {
            (true, Some((Some(k), _))) => Some(k.span),
            _ => None,
        }
    }

    /// The position of the key that set `path` (falls back to [`Origins::span`]).
    pub fn key_span(&self, path: &str) -> Option<Span> {
        self.key(path).or_else(|| self.span(path))
    }

    /// The key of the closest mapping entry strictly enclosing `path` that was written.
    pub fn enclosing_key(&self, path: &str) -> Option<Span> {
        let r = self.reach(path);
        let last_key = match r.last {
            Some((Some(k), _)) if !r.complete => Some(k),
            _ => None,
        };
        last_key.or(r.above).map(|k| k.span)
    }

    /// Names a layer for people: `defaults`, `environment` (this one's own section) or
    /// `environments.NAME via extends` (an environment this one extends).
    pub fn layer_name(&self, layer: Layer) -> String {
        match layer {
            Layer::Defaults => "defaults".to_string(),
            Layer::Environment => "environment".to_string(),
            Layer::Extended(i) => format!("environments.{} via extends", self.sections.name(i)),
        }
    }

    /// The key that first declared the mapping entry `path`: in the lowest layer that writes
    /// it (`defaults`, else the environment furthest up the `extends` chain, else this one).
    /// One step per layer that writes it.
    pub fn declaring_key(&self, path: &str) -> Option<Span> {
        let mut key = self.key(path)?;
        let mut layer = self.layer_of(key);
        while let Some((origin, _, Some(k))) = self.inherited_entry(path, layer) {
            key = k.span;
            if origin.layer == layer {
                break;
            }
            layer = origin.layer;
        }
        Some(key)
    }

    /// What `path` would be, as written, without `layer`'s line: its value in the layers
    /// under `layer` (the environment `layer` extends, else `defaults`), with its origin.
    /// `None` when no layer under it writes `path` (deleting the line would give the built-in
    /// default), when `path` is an option never inherited ([`super::NOT_INHERITED`]), or when
    /// the trees are not known.
    pub fn inherited(&self, path: &str, layer: Layer) -> Option<(Origin, &Node)> {
        self.inherited_entry(path, layer).map(|(o, n, _)| (o, n))
    }

    /// As [`Origins::inherited`], with the key of the entry (`None` for a list item).
    fn inherited_entry(&self, path: &str, layer: Layer) -> Option<(Origin, &Node, Option<&Key>)> {
        let of = match layer {
            Layer::Defaults => return None,
            Layer::Environment => self.own,
            Layer::Extended(i) => i,
        };
        if of >= self.sections.own.len() {
            return None;
        }
        let below: &Node = self.sections.base_of(of)?;
        if path.is_empty() {
            return None;
        }
        // An option that identifies the environment (`promote_from`, ...) is never inherited:
        // without its line the environment has none, whatever the layers under it write.
        let first = path.split('.').next().unwrap_or(path);
        if super::NOT_INHERITED.contains(&first) {
            return None;
        }
        let r = reach(below, path, Reach::default());
        let (key, node) = r.complete.then_some(r.last?)?;
        Some((
            Origin {
                layer: self.layer_of(key.map_or(node.span, |k| k.span)),
                span: node.span,
            },
            node,
            key,
        ))
    }

    /// The name of environment `index` (file order).
    pub fn section_name(&self, index: usize) -> &str {
        self.sections.name(index)
    }

    /// The environment this one `extends`, when it extends one.
    pub fn parent(&self) -> Option<&str> {
        let parent = self.sections.parents.get(self.own).copied().flatten()?;
        Some(self.sections.name(parent))
    }

    /// The environments this one inherits from through `extends`, nearest first (empty when it
    /// extends none). Linear in the length of the chain.
    pub fn chain(&self) -> Vec<&str> {
        let mut out = Vec::new();
        let mut i = self.own;
        // The chains of resolved environments are acyclic; the bound is belt and braces.
        while let Some(&Some(parent)) = self.sections.parents.get(i) {
            if out.len() >= self.sections.names.len() {
                break;
            }
            out.push(self.sections.name(parent));
            i = parent;
        }
        out
    }

    /// Every written path, dotted, in no particular order (for validating paths people write,
    /// e.g. in `policy.overrides`).
    pub fn paths(&self) -> Vec<String> {
        fn walk(node: &Node, prefix: &mut String, out: &mut Vec<String>) {
            let len = prefix.len();
            let mut visit = |step: &str, child: &Node, prefix: &mut String| {
                if !prefix.is_empty() {
                    prefix.push('.');
                }
                prefix.push_str(step);
                out.push(prefix.clone());
                walk(child, prefix, out);
                prefix.truncate(len);
            };
            match &node.kind {
                NodeKind::Map(entries) => {
                    for (k, v) in entries {
                        visit(&k.name, v, prefix);
                    }
                }
                NodeKind::Seq(items) => {
                    for (i, v) in items.iter().enumerate() {
                        visit(&i.to_string(), v, prefix);
                    }
                }
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(self.tree(), &mut String::new(), &mut out);
        out
    }

    /// Whether the merged tree has been built for this value (tests: policy must leave none).
    #[cfg(test)]
    pub(crate) fn is_built(&self) -> bool {
        self.tree.get().is_some()
    }

    /// The merged tree (top-level options and settings, keys sorted), built on first use.
    pub fn tree(&self) -> &Node {
        self.tree.get_or_init(|| self.sections.tree_of(self.own))
    }
}

/// An empty mapping at `span`.
pub(crate) fn empty_map(span: Span) -> Node {
    Node {
        kind: NodeKind::Map(Vec::new()),
        span,
    }
}

/// A deep copy of `node` with every mapping's keys sorted by name.
pub(crate) fn sorted(node: &Node) -> Node {
    match &node.kind {
        NodeKind::Map(entries) => {
            let mut out: Vec<(Key, Node)> = entries
                .iter()
                .map(|(k, v)| (k.clone(), sorted(v)))
                .collect();
            out.sort_unstable_by(|a, b| a.0.name.cmp(&b.0.name));
            Node {
                kind: NodeKind::Map(out),
                span: node.span,
            }
        }
        NodeKind::Seq(items) => Node {
            kind: NodeKind::Seq(items.iter().map(sorted).collect()),
            span: node.span,
        },
        _ => node.clone(),
    }
}

/// Deep-merges `over` (as written) onto `base` (a merged tree, keys sorted): mappings merge key
/// by key, anything else is replaced, and an explicit `null` removes the value (`None`). The
/// result's keys are sorted; a merged mapping takes `over`'s position.
pub(crate) fn merge(base: &Node, over: &Node) -> Option<Node> {
    match (&base.kind, &over.kind) {
        (NodeKind::Map(b), NodeKind::Map(o)) => Some(Node {
            kind: NodeKind::Map(merge_entries(b, o, |_| true)),
            span: over.span,
        }),
        (_, NodeKind::Null) => None,
        _ => Some(sorted(over)),
    }
}

/// Merges the mapping entries `o` (as written) onto `b` (sorted), keeping only the entries of
/// `b` that `inherit` accepts. Linear in the sizes, plus sorting `o`.
pub(crate) fn merge_entries(
    b: &[(Key, Node)],
    o: &[(Key, Node)],
    inherit: impl Fn(&str) -> bool,
) -> Vec<(Key, Node)> {
    let mut over: Vec<&(Key, Node)> = o.iter().collect();
    over.sort_unstable_by(|x, y| x.0.name.cmp(&y.0.name));
    let mut out: Vec<(Key, Node)> = Vec::with_capacity(b.len() + over.len());
    let mut base = b.iter().filter(|(k, _)| inherit(&k.name)).peekable();
    let mut over = over.into_iter().peekable();
    loop {
        let order = match (base.peek(), over.peek()) {
            (Some(x), Some(y)) => x.0.name.cmp(&y.0.name),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => break,
        };
        match order {
            Ordering::Less => {
                let (k, v) = base.next().expect("peeked");
                out.push((k.clone(), v.clone()));
            }
            Ordering::Greater => {
                let (k, v) = over.next().expect("peeked");
                if v.kind != NodeKind::Null {
                    out.push((k.clone(), sorted(v)));
                }
            }
            Ordering::Equal => {
                let (_, bv) = base.next().expect("peeked");
                let (ok, ov) = over.next().expect("peeked");
                // Keys present in both: the later section wrote this entry last.
                if let Some(n) = merge(bv, ov) {
                    out.push((ok.clone(), n));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(yaml: &str) -> Node {
        crate::load::load(
            crate::source::SourceMap::single("t.yaml").1,
            yaml.as_bytes(),
        )
        .expect("loads")
        .1
    }

    fn origins_of(base: &str, over: &str) -> Origins {
        let b = sorted(&tree(base));
        let o = tree(over);
        let merged = merge(&b, &o).expect("not removed");
        Origins::with_tree(Arc::new(merged), Arc::default(), 0, None)
    }

    #[test]
    fn merged_keys_are_sorted_and_nulls_remove() {
        let o = origins_of(
            "services: { web: { port: 1, cpu: 2 }, api: { port: 3 } }\nregion: fr-par\n",
            "services: { web: { cpu: null }, zeta: { port: 9 } }\nzone: fr-par-2\n",
        );
        let names: Vec<&str> = o
            .tree()
            .entries()
            .iter()
            .map(|(k, _)| k.name.as_str())
            .collect();
        assert_eq!(names, ["region", "services", "zone"]);
        let services: Vec<&str> = o
            .node("services")
            .unwrap()
            .entries()
            .iter()
            .map(|(k, _)| k.name.as_str())
            .collect();
        assert_eq!(services, ["api", "web", "zeta"]);
        assert!(o.contains("services.web.port"));
        assert!(!o.contains("services.web.cpu"));
        assert_eq!(o.node("services.zeta.port").unwrap().kind, NodeKind::Int(9));
    }

    #[test]
    fn lists_are_indexed_and_dotted_keys_found() {
        let o = origins_of(
            "database: { settings: { pg_stat_statements.track: all, work_mem: '4MB' } }\n",
            "services: { api: { secrets: [A, B] } }\n",
        );
        assert_eq!(
            o.node("services.api.secrets.1").unwrap().kind,
            NodeKind::Str("B".into())
        );
        assert!(o.node("services.api.secrets.2").is_none());
        assert_eq!(
            o.node("database.settings.pg_stat_statements.track")
                .unwrap()
                .kind,
            NodeKind::Str("all".into())
        );
        // Not written: the closest enclosing key and value.
        let settings_key = o.key("database.settings").unwrap();
        assert_eq!(
            o.enclosing_key("database.settings.shared_buffers"),
            Some(settings_key)
        );
        assert_eq!(
            o.span("database.settings.shared_buffers"),
            Some(o.node("database.settings").unwrap().span)
        );
        assert_eq!(
            o.key_span("database.settings.shared_buffers"),
            o.span("database.settings")
        );
        assert!(
            o.key("services.api.secrets.0").is_none(),
            "list items have no key"
        );
    }

    /// [`reach`] before the prefix pruning: every split tried at every level.
    fn reach_every_split<'n>(node: &'n Node, rest: &str, acc: Reach<'n>) -> Reach<'n> {
        let advance = |key: Option<&'n Key>, value: &'n Node, end: usize| {
            let next = acc.step(key, value);
            if end == rest.len() {
                Reach {
                    complete: true,
                    ..next
                }
            } else {
                reach_every_split(value, &rest[end + 1..], next)
            }
        };
        match &node.kind {
            NodeKind::Map(entries) => {
                let mut best = acc;
                let ends = rest
                    .match_indices('.')
                    .map(|(i, _)| i)
                    .chain(std::iter::once(rest.len()));
                for end in ends {
                    let Some((k, v)) = find(entries, &rest[..end]) else {
                        continue;
                    };
                    let r = advance(Some(k), v, end);
                    if r.complete {
                        return r;
                    }
                    if r.depth > best.depth {
                        best = r;
                    }
                }
                best
            }
            NodeKind::Seq(items) => {
                let end = rest.find('.').unwrap_or(rest.len());
                match rest[..end].parse::<usize>().ok().and_then(|i| items.get(i)) {
                    Some(v) => advance(None, v, end),
                    None => acc,
                }
            }
            _ => acc,
        }
    }

    /// What a reach says, comparable: completeness, depth, and the spans of its last key and
    /// node, and of the key above.
    type Summary = (bool, usize, Option<(Option<Span>, Span)>, Option<Span>);

    fn summary(r: &Reach<'_>) -> Summary {
        (
            r.complete,
            r.depth,
            r.last.map(|(k, n)| (k.map(|k| k.span), n.span)),
            r.above.map(|k| k.span),
        )
    }

    /// A YAML tree of `keys`, loaded and sorted: entries `K1: { K2: { K3: 1 } }`, or with a list
    /// at the middle (`K1: { K2: [x, { K3: 1 }] }`), one per entry of `tree`; and its text.
    fn nested_tree(
        keys: &[&str],
        tree: &std::collections::BTreeMap<usize, (usize, usize, bool)>,
    ) -> (String, Node) {
        let mut yaml = String::new();
        for (k1, (k2, k3, list)) in tree {
            let (k1, k2, k3) = (keys[*k1], keys[*k2], keys[*k3]);
            if *list {
                yaml.push_str(&format!("'{k1}': {{ '{k2}': [x, {{ '{k3}': 1 }}] }}\n"));
            } else {
                yaml.push_str(&format!("'{k1}': {{ '{k2}': {{ '{k3}': 1 }} }}\n"));
            }
        }
        let (_, loaded) = crate::load::load(
            crate::source::SourceMap::single("t.yaml").1,
            yaml.as_bytes(),
        )
        .expect("loads");
        let node = sorted(&loaded);
        (yaml, node)
    }

    /// The parts the two reach properties below build paths from (empty ones included).
    const PATH_PARTS: [&str; 9] = ["a", "b", "c", "ab", "a-b", "0", "1", "zz", ""];

    proptest::proptest! {
        /// The pruned walk reaches exactly what trying every split reaches, on trees whose
        /// keys share dotted prefixes (`a`, `a.`, `a.b`, `a.b.c`, `ab`, `a-b`: `-` sorts before
        /// `.` and `b` after it), for paths made of the same parts (empty ones included).
        #[test]
        fn pruning_splits_changes_no_reach(
            tree in proptest::collection::btree_map(
                0usize..8, (0usize..8, 0usize..8, proptest::bool::ANY), 1..8),
            paths in proptest::collection::vec(
                proptest::collection::vec(0usize..9, 1..5), 1..12),
        ) {
            const KEYS: [&str; 8] = ["a", "a.b", "a.b.c", "ab", "a-b", "b", "b.a", "a."];
            let (yaml, node) = nested_tree(&KEYS, &tree);
            for parts in &paths {
                let path: Vec<&str> = parts.iter().map(|p| PATH_PARTS[*p]).collect();
                let path = path.join(".");
                let fast = reach(&node, &path, Reach::default());
                let every = reach_every_split(&node, &path, Reach::default());
                proptest::prop_assert_eq!(summary(&fast), summary(&every), "{} in {}", path, yaml);
            }
        }
    }

    proptest::proptest! {
        /// A path given as its keys reaches what the same keys joined with dots reach, when no
        /// key holds a dot: on trees of mappings and lists, for paths that are written, stop
        /// short, go past a scalar, or name a missing key or index (empty ones included).
        #[test]
        fn keys_reach_what_their_dotted_path_reaches(
            tree in proptest::collection::btree_map(
                0usize..6, (0usize..6, 0usize..6, proptest::bool::ANY), 1..8),
            paths in proptest::collection::vec(
                proptest::collection::vec(0usize..9, 1..5), 1..12),
        ) {
            const KEYS: [&str; 6] = ["a", "ab", "a-b", "b", "c", "0"];
            let (yaml, node) = nested_tree(&KEYS, &tree);
            for parts in &paths {
                let keys: Vec<&str> = parts.iter().map(|p| PATH_PARTS[*p]).collect();
                let path = keys.join(".");
                let dotted = reach(&node, &path, Reach::default());
                let by_keys = reach_keys(&node, &keys);
                proptest::prop_assert_eq!(summary(&by_keys), summary(&dotted), "{} in {}", path, yaml);
            }
        }
    }

    #[test]
    fn every_path_is_listed() {
        let o = origins_of("a: { b: [x, { c: 1 }] }\n", "d: 2\n");
        let mut paths = o.paths();
        paths.sort();
        assert_eq!(paths, ["a", "a.b", "a.b.0", "a.b.1", "a.b.1.c", "d"]);
    }
}
