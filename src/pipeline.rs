//! Runs the stages in order: load → schema check → resolve → policy → emit.
//!
//! Every stage reports all it finds; a later stage runs only when the earlier ones found no
//! error, because it would otherwise report consequences instead of causes.

use std::collections::BTreeMap;

use crate::diagnostics::{self, Diagnostic, Level, Span};
use crate::load::{self, Node};
use crate::model::Config;
use crate::policy::named_values::{LineRole, line_roles, scan};
use crate::resolve::{self, Resolved};
use crate::source::{FileId, SourceMap};
use crate::{emit, policy, schema_check};

/// The outcome of compiling one `environments.yaml`.
#[derive(Debug)]
pub struct Compilation {
    /// The files [`Compilation::diagnostics`] point into: the configuration
    /// ([`Compilation::file`]) and, for rendering those diagnostics only, its text; with
    /// diagnostics, the secrets on the lines they show are masked ([`compile`]), not the others.
    /// No text when the file could not be read as text.
    pub sources: SourceMap,
    /// The configuration, in [`Compilation::sources`].
    pub file: FileId,
    /// Every error and warning, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
    /// The loaded tree, when the file parsed.
    pub tree: Option<Node>,
    /// The resolved environments, when the configuration is valid enough to resolve.
    pub resolved: Option<Resolved>,
    /// Kept by [`Compilation::forget_tree`]: see [`Compilation::environments_key`].
    environments_key: Option<Span>,
    /// Every generated file by path relative to the repository root; empty on error.
    pub files: BTreeMap<String, String>,
    /// The texts the excerpts mask ([`compile`]): a diagnostic added after the compilation
    /// ([`Compilation::push_late`]) is redacted of them too.
    hidden: Vec<String>,
}

impl Compilation {
    /// A compilation of the file named `name` with nothing found yet.
    fn new(name: &str) -> Self {
        let (sources, file) = SourceMap::single(name);
        Compilation {
            sources,
            file,
            diagnostics: Vec::new(),
            tree: None,
            resolved: None,
            environments_key: None,
            files: BTreeMap::new(),
            hidden: Vec::new(),
        }
    }

    /// Adds diagnostics found after the compilation (by the command: `modules.path` checked
    /// against the repository), redacted as the compilation's own were: of every text the
    /// excerpts mask, and of every part with the shape of a secret (sweep 34, F2: the
    /// `modules-path` error quoted a value TG012 had just masked as an access key).
    pub fn push_late(&mut self, diags: impl IntoIterator<Item = Diagnostic>) {
        let mut late: Vec<Diagnostic> = diags.into_iter().collect();
        // Their lines are masked as the others' are (sweep 36, F4: the `modules-path` error's
        // line showed a token in its comment).
        let spans: Vec<Span> = late.iter().filter_map(|d| d.span).collect();
        if let Some(masked) = self.mask_lines(&spans) {
            self.hidden.extend(masked);
        }
        policy::secret_scan::redact(&mut late, &self.hidden);
        for d in &mut late {
            hide_prose_in(d);
        }
        self.diagnostics.extend(late);
    }

    /// Masks what the lines of `spans` an excerpt shows hold of secrets, in the configuration's
    /// text: every string of the tree with the shape of a secret there, and every part of
    /// those lines with the shape of one (a comment's); returns the texts masked but the names
    /// the configuration gives by its structure ([`policy::secret_scan::not_public`]). `None`
    /// when the file has no text.
    fn mask_lines(&mut self, spans: &[Span]) -> Option<Vec<String>> {
        let source = self.sources.text_mut(self.file)?;
        let regions = shown_regions(source, spans);
        let mut masked: Vec<String> = Vec::new();
        if let Some(tree) = &self.tree {
            // Only the strings on a shown line are scanned: scanning every string of the file
            // was a fifth of a large `validate` with one warning.
            let shown = |span: Span| overlaps(&regions, span);
            let secrets = policy::secret_scan::secret_spans_where(tree, shown);
            mask_secrets(source, &secrets);
            masked.extend(secrets.into_iter().map(|(_, secret)| secret));
        }
        masked.extend(mask_regions(source, &regions));
        Some(match &self.tree {
            Some(tree) => policy::secret_scan::not_public(masked, tree),
            None => masked,
        })
    }

    /// The configuration's name (as given to [`compile`]).
    pub fn name(&self) -> &str {
        self.sources.name(self.file)
    }

    /// The configuration's text (masked where diagnostics show it, see [`compile`]), when the
    /// file could be read as text.
    pub fn source(&self) -> Option<&str> {
        self.sources.text(self.file)
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.level == Level::Error)
    }

    /// Drops the loaded [`Compilation::tree`], keeping only the span of its `environments:`
    /// key ([`Compilation::environments_key`]): `generate` and `check` emit from
    /// [`Compilation::resolved`] alone, and the tree is several times the size of the file (6 MB
    /// for a 440 kB configuration of 1 000 services x 10 environments).
    pub fn forget_tree(&mut self) {
        if let Some(tree) = self.tree.take() {
            self.environments_key = Some(tree.key_span("environments"));
        }
    }

    /// The span of the `environments:` key of the loaded tree (where a refusal for size
    /// points: what multiplies the output), also once [`Compilation::forget_tree`] dropped it.
    pub fn environments_key(&self) -> Option<Span> {
        match &self.tree {
            Some(tree) => Some(tree.key_span("environments")),
            None => self.environments_key,
        }
    }
}

/// Compiles `bytes`, the contents of the file named `name` (shown in diagnostics and headers).
/// With `emit_files` false, stops after validation.
///
/// When there are diagnostics, every secret-looking part of a value on a line their source
/// excerpts show (or on the `environments:` key's line, where a refusal for size points) is
/// masked in [`Compilation::sources`] (see [`mask_secrets`]): the source excerpts of diagnostics
/// never show one, in a terminal or a CI log. The rest of the source is left as read.
///
/// Whatever the stage that found them, and whether or not the file parsed, the texts of the
/// diagnostics and every source line they show are also cleared of anything with the shape of
/// a secret ([`mask_shown_lines`]): a secret in a comment, on a line YAML could not parse, in a
/// duplicate key or an anchor's name is never printed either.
pub fn compile(name: &str, bytes: &[u8], emit_files: bool) -> Compilation {
    compile_with_limit(name, bytes, emit_files, crate::write::MAX_GENERATED_BYTES)
}

/// [`compile`] under an output cap of `max_output_bytes` (`--max-output-mib`), which also sets
/// how much the environments may merge ([`resolve::max_merged_values`]).
pub fn compile_with_limit(
    name: &str,
    bytes: &[u8],
    emit_files: bool,
    max_output_bytes: usize,
) -> Compilation {
    let mut out = compile_unmasked(name, bytes, emit_files, max_output_bytes);
    diagnostics::cap_per_code(
        &mut out.diagnostics,
        diagnostics::MAX_PER_CODE,
        &out.sources,
    );
    if out.diagnostics.is_empty() {
        return out;
    }
    // What the excerpts show: the diagnostics' lines, and the `environments:` key's, where a
    // refusal for size found after compiling points.
    let refusal = out.environments_key();
    let spans: Vec<Span> = out
        .diagnostics
        .iter()
        .filter_map(|d| d.span)
        .chain(refusal)
        .collect();
    if let Some(masked) = out.mask_lines(&spans) {
        // What an excerpt hides, no message shows: a value masked on its line (under a name
        // like `DB_PASSWORD`, or a bare UUID) was quoted whole by a schema error about its
        // type (sweep 30, F1).
        policy::secret_scan::redact(&mut out.diagnostics, &masked);
        out.hidden = masked;
    }
    for d in &mut out.diagnostics {
        hide_prose_in(d);
    }
    out
}

/// `d`'s texts with every part that has the shape of a secret replaced
/// ([`policy::secret_scan::hide_prose`]), and every long `` `code` `` span cut
/// ([`diagnostics::shorten_code_spans`]).
fn hide_prose_in(d: &mut Diagnostic) {
    let hide = |t: &mut String| {
        if let std::borrow::Cow::Owned(h) = policy::secret_scan::hide_prose(t) {
            *t = h;
        }
        if let Some(short) = diagnostics::shorten_code_spans(t) {
            *t = short;
        }
    };
    hide(&mut d.message);
    d.expected.iter_mut().for_each(hide);
    d.help.iter_mut().for_each(hide);
    d.notes.iter_mut().for_each(hide);
}

/// Bytes scanned on each side of a position, and from the start of a line, in a source line
/// a diagnostic shows: a renderer shows at most a short window around a position in a long line.
const SHOWN_WINDOW: usize = 8 * 1024;
/// Secrets masked one by one in a scanned region; past that, the rest of the region is masked.
const MAX_HITS_PER_REGION: usize = 8;

/// Masks, as `*` one per byte (every position still points where it did), every part with the
/// shape of a secret ([`policy::secret_scan::secret_ranges`]) on the lines the source excerpts
/// of `diags` show (the first lines and the last two of each span, comments included; windows
/// around the positions in very long lines), and the values of secret-named keys on those lines
/// with the lines that continue them ([`named_values`], [`line_roles`]: the lines up to the last
/// shown are read once).
pub fn mask_shown_lines(source: &mut String, diags: &[Diagnostic]) {
    let spans: Vec<Span> = diags.iter().filter_map(|d| d.span).collect();
    let regions = shown_regions(source, &spans);
    mask_regions(source, &regions);
}

/// Whether `span` overlaps or touches one of `regions` (sorted by start, disjoint): when in
/// doubt, a string is scanned.
fn overlaps(regions: &[(usize, usize)], span: Span) -> bool {
    // The first region ending after the span starts: it overlaps when it starts before the
    // span ends (an empty span counts at its position).
    let i = regions.partition_point(|&(_, end)| end <= span.start);
    regions
        .get(i)
        .is_some_and(|&(start, _)| start <= span.end.max(span.start))
}

/// The byte ranges of `source` that the source excerpts of diagnostics at `spans` show (see
/// [`mask_shown_lines`]), sorted; windows of one line that overlap are merged, each line being
/// a region of its own.
fn shown_regions(source: &str, spans: &[Span]) -> Vec<(usize, usize)> {
    let len = source.len();
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(source.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |offset: usize| line_starts.partition_point(|&s| s <= offset) - 1;
    let line_range = |i: usize| line_starts[i]..line_starts.get(i + 1).copied().unwrap_or(len);
    let mut regions: Vec<(usize, usize)> = Vec::new();
    for span in spans {
        let start = span.start.min(len);
        let end = span.end.clamp(start, len);
        let (first, last) = (line_of(start), line_of(end));
        // What a source excerpt shows of a span (codespan: the first line and up to 3 after
        // it, the last line and the one before it).
        let shown = (first..=last.min(first + 3)).chain(last.saturating_sub(1).max(first)..=last);
        for i in shown {
            let r = line_range(i);
            regions.push((r.start, (r.start + SHOWN_WINDOW).min(r.end)));
            for p in [start, end] {
                if r.start <= p && p <= r.end {
                    regions.push((
                        p.saturating_sub(SHOWN_WINDOW).max(r.start),
                        (p + SHOWN_WINDOW).min(r.end),
                    ));
                }
            }
        }
    }
    regions.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in regions {
        match merged.last_mut() {
            // Overlapping windows of one line; the next line is a region of its own, with its
            // own bound on hits.
            Some(last) if s < last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// A line's start, and the byte ranges to mask on it, each with whether its text is hidden
/// from the messages too ([`line_values`]).
type LineValues = (usize, Vec<(usize, usize, bool)>);

/// Masks every part with the shape of a secret in `regions` of `source` (as
/// [`mask_shown_lines`] does), at most [`MAX_HITS_PER_REGION`] one by one per region. Returns
/// the texts masked, for the messages to hide too.
fn mask_regions(source: &mut String, regions: &[(usize, usize)]) -> Vec<String> {
    let mut ranges = Vec::new();
    // Each region's line start, found by a scan that never goes back (regions are sorted),
    // and the role of each line in the file's block structure ([`line_roles`]).
    let mut line_starts = Vec::with_capacity(regions.len());
    let (mut line_start, mut scanned) = (0, 0);
    for &(s, _) in regions {
        let s = s.min(source.len());
        scanned = scanned.min(s);
        if let Some(i) = source.as_bytes()[scanned..s]
            .iter()
            .rposition(|b| *b == b'\n')
        {
            line_start = scanned + i + 1;
        }
        scanned = s;
        line_starts.push(line_start);
    }
    let mut starts = line_starts.clone();
    starts.dedup();
    let roles = line_roles(source, &starts);
    // The line at hand, its masked ranges, and whether their texts are hidden from messages.
    let mut line: Option<LineValues> = None;
    let mut masked_only = Vec::new();
    for (&(mut s, mut e), &line_start) in regions.iter().zip(&line_starts) {
        while !source.is_char_boundary(s) {
            s -= 1;
        }
        while !source.is_char_boundary(e) {
            e += 1;
        }
        for (a, b) in
            policy::secret_scan::secret_ranges_in_excerpt(&source[s..e], MAX_HITS_PER_REGION)
        {
            ranges.push(s + a..s + b);
        }
        // The values of secret-named keys the region shows, whole ([`named_values`]); each
        // line is read once.
        if line.as_ref().is_none_or(|(at, _)| *at != line_start) {
            let role = starts
                .binary_search(&line_start)
                .map_or(LineRole::Normal, |i| roles[i]);
            line = Some((line_start, line_values(source, line_start, role)));
        }
        let values = line.as_ref().map_or(&[][..], |(_, v)| v.as_slice());
        let first = values.partition_point(|&(_, b, _)| b <= s);
        for &(a, b, redact) in values[first..].iter().take_while(|&&(a, _, _)| a < e) {
            if redact {
                ranges.push(a..b);
            } else {
                masked_only.push(a..b);
            }
        }
    }
    // A value shown by two regions of its line is masked once.
    ranges.sort_unstable_by_key(|r| (r.start, r.end));
    ranges.dedup();
    let texts = ranges
        .iter()
        .map(|r| source[r.clone()].to_string())
        .collect();
    ranges.extend(masked_only);
    if ranges.is_empty() {
        return Vec::new();
    }
    let mut bytes = std::mem::take(source).into_bytes();
    for r in ranges {
        // Keep line breaks, so that every line number stays.
        for b in &mut bytes[r] {
            if *b != b'\n' && *b != b'\r' {
                *b = b'*';
            }
        }
    }
    // Whole UTF-8 sequences (ranges start and end on character boundaries) became ASCII.
    *source = String::from_utf8(bytes).expect("masking keeps UTF-8");
    texts
}

/// The byte ranges to mask on the line of `source` starting at `line_start`, by its `role`,
/// each with whether its text is hidden from the messages too: the values of its
/// secret-named keys ([`scan`]; a lone CR breaks a line for YAML) and a comment after one (not
/// hidden from the messages), or all its text when it is the rest of a secret's value. On a
/// line of text for YAML ([`LineRole::Text`]) nothing is hidden from the messages.
fn line_values(source: &str, line_start: usize, role: LineRole) -> Vec<(usize, usize, bool)> {
    let end = source[line_start..]
        .find('\n')
        .map_or(source.len(), |i| line_start + i);
    let line = &source[line_start..end];
    let mut flow = match role {
        LineRole::SecretValue => {
            let text = line.trim_end_matches(['\r', ' ', '\t']);
            let indent = text.len() - text.trim_start_matches([' ', '\t']).len();
            return if indent < text.len() {
                vec![(line_start + indent, line_start + text.len(), true)]
            } else {
                Vec::new()
            };
        }
        // Its value to the line's end; a line with none (`KEY: null # was x`) is read as any
        // other, comments and lone CRs included (review of b49d5a9, A1).
        LineRole::SecretScalar => {
            if let Some((a, b)) = crate::policy::named_values::declared_value(line) {
                return vec![(line_start + a, line_start + b, true)];
            }
            None
        }
        LineRole::Flow(state) => Some(state),
        LineRole::Normal | LineRole::Text => None,
    };
    let redact = role != LineRole::Text;
    let mut values = Vec::new();
    let mut at = line_start;
    for piece in line.split('\r') {
        let found = scan(piece, flow);
        values.extend(
            found
                .values
                .into_iter()
                .map(|(a, b)| (at + a, at + b, redact)),
        );
        values.extend(found.comment.map(|(a, b)| (at + a, at + b, false)));
        // Inside a flow collection, a lone CR is a line break like any other.
        flow = flow.and(Some(found.end).filter(|f| f.open()));
        at += piece.len() + 1;
    }
    values
}

/// Every occurrence of a secret inside the source text of the string it was found in (3
/// characters or more) written as `*`, one per byte: every position still points where it
/// did, and the work is linear in the size of the strings. A secret the source does not spell
/// as it reads (a block scalar's indentation, a folded or escaped string: a PEM key under
/// `KEY: |`) masks the whole string instead, all but its whitespace: no line of it is shown.
pub fn mask_secrets(source: &mut String, secrets: &[(diagnostics::Span, String)]) {
    // Byte ranges, and whether only their non-whitespace bytes are masked.
    let mut ranges = Vec::new();
    for (span, secret) in secrets {
        if secret.trim().len() < 3 {
            continue;
        }
        let Some(text) = source.get(span.start..span.end.min(source.len())) else {
            continue;
        };
        // `str::find` is linear (two-way search).
        let mut from = 0;
        while let Some(i) = text[from..].find(secret.as_str()) {
            let at = span.start + from + i;
            ranges.push((at..at + secret.len(), false));
            from += i + secret.len();
        }
        if from == 0 {
            ranges.push((span.start..span.start + text.len(), true));
        }
    }
    if ranges.is_empty() {
        return;
    }
    let mut bytes = std::mem::take(source).into_bytes();
    for (r, whole) in ranges {
        for b in &mut bytes[r] {
            // Every byte of a multi-byte character is non-ASCII: each one is masked.
            if !whole || !b.is_ascii_whitespace() {
                *b = b'*';
            }
        }
    }
    // Whole UTF-8 sequences were replaced by ASCII: still UTF-8.
    *source = String::from_utf8(bytes).expect("masking keeps UTF-8");
}

fn compile_unmasked(
    name: &str,
    bytes: &[u8],
    emit_files: bool,
    max_output_bytes: usize,
) -> Compilation {
    let mut out = Compilation::new(name);
    let file = out.file;
    // The loader strips a byte order mark: the JSON format's offsets count it back.
    if bytes.starts_with("\u{feff}".as_bytes()) {
        out.sources.set_skipped(file, "\u{feff}".len());
    }
    // Repeated keys leave a whole tree: it is checked, and they are reported with its problems.
    let (source, tree, recovered) = match load::load_recovering(file, bytes) {
        Ok(loaded) => loaded,
        Err((source, diags)) => {
            if let Some(source) = source {
                out.sources.set_text(file, source);
            }
            out.diagnostics = diags;
            diagnostics::sort(&mut out.diagnostics, &out.sources);
            return out;
        }
    };
    // More environments than a tree can hold: refused before any stage works on each one (a
    // 1 MB file can declare 54 000; every later stage is linear in them, but that is seconds).
    if let Some(refused) = too_many_environments(file, &tree) {
        out.diagnostics = recovered;
        out.diagnostics.push(refused);
        out.sources.set_text(file, source);
        out.tree = Some(tree);
        diagnostics::sort(&mut out.diagnostics, &out.sources);
        return out;
    }
    let (diagnostics, instance) = schema_check::check_keeping_instance(file, Some(&source), &tree);
    out.diagnostics = recovered;
    out.diagnostics.extend(diagnostics);
    out.sources.set_text(file, source);
    // With schema errors, the later stages run on the tree without the rejected values (when
    // that is schema-valid), so one run reports every problem; nothing is emitted.
    let tree = if out.has_errors() {
        match schema_check::prune(&tree) {
            Some((pruned, removed)) => {
                let schema_errors = std::mem::take(&mut out.diagnostics);
                drop(instance);
                let mut later =
                    compile_valid(out, Some(&tree), (pruned, None), false, max_output_bytes);
                mark_consequences(&mut later.diagnostics, &removed);
                // Environments all left out are not "no environment": their own errors say why.
                if tree
                    .get("environments")
                    .is_some_and(|e| !e.entries().is_empty())
                {
                    later.diagnostics.retain(|d| d.code != "no-environments");
                }
                later.diagnostics.extend(schema_errors);
                diagnostics::sort(&mut later.diagnostics, &later.sources);
                later.diagnostics.dedup();
                later.tree = Some(tree);
                later.files.clear();
                return later;
            }
            None => {
                out.tree = Some(tree);
                diagnostics::sort(&mut out.diagnostics, &out.sources);
                return out;
            }
        }
    } else {
        tree
    };
    compile_valid(
        out,
        None,
        (tree, Some(instance)),
        emit_files,
        max_output_bytes,
    )
}

/// The refusal of a configuration whose `environments:` mapping declares more than
/// [`crate::write::MAX_ENVIRONMENTS`] environments, at the first key past the limit.
fn too_many_environments(file: FileId, tree: &Node) -> Option<Diagnostic> {
    let entries = tree.get("environments")?.entries();
    let (first_over, _) = entries.get(crate::write::MAX_ENVIRONMENTS)?;
    Some(
        crate::write::TooLarge::environments(entries.len()).diagnostic(file, Some(first_over.span)),
    )
}

/// Codes of the findings about a reference to an environment (`promote_from`, `ci.deploy_to`,
/// `extends`) that names none.
const ENVIRONMENT_REFERENCES: [&str; 3] = ["TG023", "TG029", "extends"];

/// Whether the dotted `path` is an environment's, whole (`environments.<name>`).
fn whole_environment(path: &str) -> bool {
    path.strip_prefix("environments.")
        .is_some_and(|name| !name.is_empty() && !name.contains('.'))
}

/// Whether `message` names the last key of the dotted `path` (`` `scale.max` `` or `` `max` ``
/// for `…scale.max`): a finding beside a value left out is related to it only when it speaks of
/// it (TG016's "`scale.min` 2 above `scale.max` 1", not a probe's timeout beside its path).
fn names_key(message: &str, path: &str) -> bool {
    let key = path.rsplit('.').next().unwrap_or(path);
    message.contains(&format!(".{key}`")) || message.contains(&format!("`{key}`"))
}

/// The diagnostic for a schema-valid tree that does not decode into [`Config`]: the tree is
/// decoded again, which places the error at the value that failed (an environment's
/// sections, which [`Config`] flattens, are decoded as the resolve stage decodes them, so
/// that the error is not placed at the environment). `fallback` is the message of the first
/// decoding, used if the tree decodes (which would be a tofugen bug).
fn decode_error(file: FileId, tree: &Node, fallback: &str) -> Diagnostic {
    let located = match crate::load::de::from_node::<Config>(tree) {
        Ok(_) => None,
        Err(e) => Some(refine_in_environment(tree, e)),
    };
    match located {
        Some(e) => Diagnostic::error("schema", format!("the configuration does not match: {e}"))
            .at(file, Some(e.span().unwrap_or(tree.span)))
            .expected(e.expected())
            .help(e.help()),
        None => Diagnostic::error(
            "schema",
            format!("the configuration does not match: {fallback}"),
        )
        .at(file, Some(tree.span))
        .expected("a value matching the schema")
        .help("run `tofugen schema` to see the expected structure"),
    }
}

/// `e`, or when it is inside an environment's section (whose options and settings
/// [`Config`] flattens, buffering them without their places), the error of decoding that
/// section's options or settings alone, with the path from the root.
fn refine_in_environment(tree: &Node, e: crate::load::de::Error) -> crate::load::de::Error {
    let path = e.path();
    let Some(rest) = path.strip_prefix("environments.") else {
        return e;
    };
    let Some((name, node)) = tree
        .get("environments")
        .map(Node::entries)
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.name.as_str(), v))
        .find(|(name, _)| rest == *name || rest.starts_with(&format!("{name}.")))
    else {
        return e;
    };
    let is_option = |k: &str| resolve::ENVIRONMENT_OPTION_KEYS.contains(&k);
    let options = crate::load::de::from_entries::<crate::model::EnvironmentOptions, _>(
        node.entries().iter().filter(|(k, _)| is_option(&k.name)),
    );
    let settings = crate::load::de::from_entries::<crate::model::Settings, _>(
        node.entries().iter().filter(|(k, _)| !is_option(&k.name)),
    );
    match (options, settings) {
        (Err(inner), _) | (_, Err(inner)) if inner.span().is_some() => {
            inner.under(name).under("environments")
        }
        _ => e,
    }
}

/// Most values [`decode_all`] reports in one run: past it, the configuration has other
/// problems to fix first.
const MAX_UNDECODABLE: usize = 100;

/// Values [`decode_all`] may walk over all its rounds (each round converts and decodes the
/// whole tree again): 6 rounds of the largest file the loader accepts
/// ([`load::MAX_NODES`]), as many as [`MAX_UNDECODABLE`] for files under 7 200 values. At 20
/// rounds, 13 000 services each with an amount too large took 1.1-1.2 s per command (release
/// build, `tests/bounded_work.rs`), over half the 2 s budget; at 10 rounds, 14 170 services
/// took 0.9-1.5 s (stop 58, two runs at a time on the 2-core VM), too near it for a slower
/// machine.
const DECODE_WORK: usize = 6 * load::MAX_NODES;

/// Values of `node`, itself included.
fn node_count(node: &Node) -> usize {
    1 + match &node.kind {
        load::NodeKind::Map(entries) => entries.iter().map(|(_, v)| node_count(v)).sum(),
        load::NodeKind::Seq(items) => items.iter().map(node_count).sum(),
        _ => 0,
    }
}

/// Every value of `tree` the schema accepts and the model cannot hold (`fallback` the first
/// error's text, as serde gave it): each reported at its place ([`decode_error`]), then left
/// out ([`schema_check::without_value_at`]) to find the next, up to [`MAX_UNDECODABLE`].
/// Returns the configuration decoded without them and the tree it was decoded from, when
/// leaving them out leaves a schema-valid tree that decodes (`None` otherwise: a required key,
/// an error without a place); the diagnostics; and the values left out.
fn decode_all(
    file: FileId,
    tree: &Node,
    fallback: &str,
) -> (
    Option<(Config, Node)>,
    Vec<Diagnostic>,
    Vec<schema_check::Pruned>,
) {
    let mut diags = vec![decode_error(file, tree, fallback)];
    let mut removed = Vec::new();
    let mut rest: Option<Node> = None;
    let rounds = (DECODE_WORK / node_count(tree)).clamp(1, MAX_UNDECODABLE);
    loop {
        if diags.len() >= rounds {
            // Stopped by the bound, with values still undecodable: there may be more.
            if let Some(last) = diags.last_mut() {
                last.notes.push(format!(
                    "tofugen stops reading such values after {rounds} in a file of this size: \
                     fix these, then run it again to see whether more remain"
                ));
            }
            break;
        }
        let current = rest.as_ref().unwrap_or(tree);
        let Some(span) = diags.last().and_then(|d| d.span) else {
            break;
        };
        let Some((next, pruned, document)) = schema_check::without_value_at(current, span) else {
            break;
        };
        removed.push(pruned);
        // The document the schema check validated: converted once per round, not twice.
        match serde_json::from_value::<Config>(document) {
            Ok(config) => return (Some((config, next)), diags, removed),
            Err(e) => {
                diags.push(decode_error(file, &next, &e.to_string()));
                rest = Some(next);
            }
        }
    }
    (None, diags, removed)
}

/// Notes on each of `diagnostics` that may be a consequence of a value left out (`removed`):
/// which values, and a help that says to fix those first. A later stage saw the tree without
/// them, so its finding, or its fix, may be wrong.
fn mark_consequences(diagnostics: &mut [Diagnostic], removed: &[schema_check::Pruned]) {
    for d in diagnostics.iter_mut() {
        let Some(span) = d.span else { continue };
        let related: Vec<String> = removed
            .iter()
            .filter(|p| {
                p.owners.contains(&span)
                    || (p.span.start <= span.start && span.end <= p.span.end)
                    || (p
                        .within
                        .is_some_and(|w| w.start <= span.start && span.end <= w.end)
                        && names_key(&d.message, &p.path))
                    // A whole environment left out: a reference to an environment
                    // may have named it (sweep 33, #7: a key renamed to an invalid
                    // name made `promote_from` name no environment, with a fix).
                    || (ENVIRONMENT_REFERENCES.contains(&d.code.as_str())
                        && whole_environment(&p.path))
            })
            .map(|p| {
                // A path holds keys: one may be a secret.
                let path = policy::secret_scan::hide(&p.path);
                format!("`{path}` (line {})", p.span.line)
            })
            .collect();
        // A rule's error with no value left out at its place may still follow from one (sweep
        // 58c, F3: an invalid `min: true` in an environment left the default `min: 1`, and
        // TG001 pointed at the defaults; an invalid contact left none, and TG109 said there was
        // none): say so, naming the first value left out.
        let unrelated_error = related.is_empty()
            && d.level == Level::Error
            && d.code.starts_with("TG")
            && !removed.is_empty();
        if unrelated_error {
            let first = &removed[0];
            d.notes.push(format!(
                "{} value(s) the schema refused are ignored, the first `{}` (line {}); this \
                 finding may be a consequence",
                removed.len(),
                policy::secret_scan::hide(&first.path),
                first.span.line
            ));
            first_fix_the_schema(d);
        } else if !related.is_empty() {
            d.notes.push(format!(
                "ignored because of schema errors: {}; this finding may be a consequence",
                related.join(", ")
            ));
            // Its fix may be wrong: it saw the tree without those values (sweep
            // 24: "add image: …" where an image was written, and refused).
            first_fix_the_schema(d);
        }
    }
}

/// Puts "fix the schema errors first" before `d`'s help, once: values the schema refused and
/// values that could not be decoded are marked in two passes, and a finding that followed
/// from both was told it twice.
fn first_fix_the_schema(d: &mut Diagnostic) {
    const FIRST: &str = "fix the schema errors first; if this remains, ";
    if let Some(help) = &mut d.help
        && !help.starts_with(FIRST)
    {
        *help = format!("{FIRST}{help}");
    }
}

/// Resolve, policy and emit, on a schema-valid tree, with the document as the schema check
/// validated it when that was this tree (else it is converted again), into `out` (which holds
/// the configuration's name and text, and no diagnostic). `original` is the tree before the
/// values the schema rejected were left out: the secret rule scans it whole.
fn compile_valid(
    mut out: Compilation,
    original: Option<&Node>,
    (tree, instance): (Node, Option<serde_json::Value>),
    emit_files: bool,
    max_output_bytes: usize,
) -> Compilation {
    let file = out.file;
    let instance = instance.unwrap_or_else(|| schema_check::instance(&tree));
    let (config, tree, checked, undecodable) = match serde_json::from_value::<Config>(instance) {
        Ok(c) => (c, tree, None, Vec::new()),
        Err(e) => {
            // What the schema cannot say (`8000.0` where a whole number is expected, a size
            // whose digits overflow): decoded again from the tree, the error has the place.
            let (decoded, diags, removed) = decode_all(file, &tree, &e.to_string());
            let Some((config, rest)) = decoded else {
                out.diagnostics.extend(diags);
                out.tree = Some(tree);
                return out;
            };
            // The rest is checked without those values, as after schema errors.
            out.diagnostics.extend(diags);
            (config, tree, Some(rest), removed)
        }
    };
    let before = out.diagnostics.len();
    let checked_tree = checked.as_ref().unwrap_or(&tree);
    let max_merged = resolve::max_merged_values(max_output_bytes);
    match resolve::resolve_with_limit(file, checked_tree, &config, max_merged) {
        Ok(mut resolved) => {
            resolved.config_path = out.name().to_string();
            // Errors with a stand-in: reported, and the rules still run (nothing is written).
            out.diagnostics.append(&mut resolved.deferred);
            out.diagnostics.extend(policy::check_pruned(
                file,
                out.sources.text(file),
                original.or(checked.as_ref().map(|_| &tree)),
                checked_tree,
                &resolved,
            ));
            // The file count is known without rendering anything: over the cap, `validate`
            // says so too, at the key that multiplies the files.
            if let Some(refused) = crate::write::TooLarge::planned(emit::file_count(&resolved)) {
                out.diagnostics
                    .push(refused.diagnostic(file, Some(tree.key_span("environments"))));
            }
            out.resolved = Some(resolved);
        }
        Err(diags) => out.diagnostics.extend(diags),
    }
    mark_consequences(&mut out.diagnostics[before..], &undecodable);
    out.tree = Some(tree);
    diagnostics::sort(&mut out.diagnostics, &out.sources);
    if emit_files
        && !out.has_errors()
        && let Some(resolved) = &out.resolved
    {
        out.files = emit::emit(resolved);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: usize, end: usize) -> diagnostics::Span {
        diagnostics::Span {
            start,
            end,
            line: 1,
            col: start + 1,
        }
    }

    /// The source excerpts print exactly what they printed when every secret of the file was
    /// masked (whatever line it was on), now that only the strings on shown lines are scanned:
    /// on every fixture with diagnostics, and on a file whose secrets only their context
    /// reveals (a UUID under a secret name), on a warned line and off it.
    #[test]
    fn masking_only_the_shown_lines_prints_what_masking_everything_printed() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
        let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
        for sub in ["fixtures/invalid", "fixtures/valid", "fuzz-corpus"] {
            for entry in std::fs::read_dir(dir.join(sub)).expect("fixtures") {
                let path = entry.expect("entry").path();
                cases.push((
                    path.display().to_string(),
                    std::fs::read(&path).expect("read"),
                ));
            }
        }
        let valid =
            std::fs::read_to_string(dir.join("fixtures/valid/every-field.yaml")).expect("fixture");
        let uuid = "3f2a9c1e-7b4d-4e8a-9c2f-1a2b3c4d5e6f";
        let warned = valid.replacen(
            "defaults:\n",
            &format!("defaults:\n  x_key_{uuid}: {{ API_KEY: {uuid} }}\n"),
            1,
        );
        cases.push(("context secret".into(), warned.into_bytes()));
        let mut with_diagnostics = 0;
        for (name, bytes) in &cases {
            let new = compile_with_limit("f.yaml", bytes, false, crate::write::MAX_GENERATED_BYTES);
            let mut old =
                compile_unmasked("f.yaml", bytes, false, crate::write::MAX_GENERATED_BYTES);
            if old.diagnostics.is_empty() {
                continue;
            }
            with_diagnostics += 1;
            let file = old.file;
            if let (Some(tree), Some(source)) = (&old.tree, old.sources.text_mut(file)) {
                mask_secrets(source, &policy::secret_scan::secret_spans(tree));
            }
            if let Some(source) = old.sources.text_mut(file) {
                mask_shown_lines(source, &old.diagnostics);
            }
            let render = |c: &Compilation| {
                // The texts are hidden alike in both; only the excerpts differ.
                diagnostics::render(
                    &new.diagnostics,
                    &c.sources,
                    diagnostics::Format::Human,
                    false,
                )
            };
            assert_eq!(render(&new), render(&old), "{name}");
        }
        assert!(
            with_diagnostics > 40,
            "{with_diagnostics} files with diagnostics"
        );
    }

    #[test]
    fn shown_lines_are_masked_whatever_the_stage_and_the_order_of_the_shapes() {
        let token = format!("ghp_{}", "a1B2".repeat(9));
        let mut source = format!("a: &x password=p0 {token} # token=0x9\nb: {token}\n");
        let (_, f) = SourceMap::single("f");
        let d = Diagnostic::error("yaml-anchor", "x").at(f, Some(span(3, 5)));
        mask_shown_lines(&mut source, &[d]);
        // Every secret of the shown line, the comment's too, before and after the one found
        // first; the line not shown is left alone (positions and line breaks stay).
        let stars = "*".repeat(token.len());
        assert_eq!(
            source,
            format!("a: &x password=** {stars} # token=***\nb: {token}\n")
        );
    }

    /// A secret the source does not spell as it reads (a PEM key in a block scalar: every line
    /// indented) masks its whole string, every line of it, in the excerpts of the diagnostics
    /// (the committed configuration with a key as a service's environment variable); positions
    /// and the other values stay.
    #[test]
    fn a_secret_written_across_indented_lines_is_masked_whole() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let committed = std::fs::read_to_string(root.join("environments.yaml")).expect("config");
        let body = [
            "MIIEpAIBAAKCAQEA7bq9Xk2Lw8vRzQ3tYp6HsN4cU1oJfG5dK0mWbE7iAaVyTxPq",
            "hT4kP9wQz2Xs==",
        ];
        let pem = format!(
            "ENV: |\n          -----BEGIN RSA PRIVATE KEY-----\n          {}\n          {}\n          -----END RSA PRIVATE KEY-----\n",
            body[0], body[1]
        );
        let config = committed.replacen("ENV: prod\n", &pem, 1);
        assert_ne!(
            config, committed,
            "the committed configuration sets ENV: prod"
        );
        let c = compile("environments.yaml", config.as_bytes(), false);
        assert!(
            c.diagnostics.iter().any(|d| d.code == "TG012"),
            "{:?}",
            c.diagnostics
        );
        let source = c.source().expect("source");
        let shown = diagnostics::render(
            &c.diagnostics,
            &c.sources,
            diagnostics::Format::Human,
            false,
        );
        for part in ["BEGIN", "END", body[0], body[1]] {
            assert!(!shown.contains(part), "{part} shown:\n{shown}");
        }
        // Masked byte for byte: the file keeps its lines, the key its indentation, and the
        // next value is readable.
        assert_eq!(source.len(), config.len());
        assert_eq!(source.lines().count(), config.lines().count());
        let masked = format!("\n          {}\n", "*".repeat(body[1].len()));
        assert!(source.contains(&masked), "{source}");
        assert!(source.contains("DB_NAME: evalap"), "{source}");
        // The caret ends on the block scalar's last line, not on the next key's (sweep 26).
        assert!(!shown.contains("DB_NAME"), "{shown}");
    }

    #[test]
    fn masking_keeps_every_offset_and_stays_in_its_string() {
        let mut source = String::from("a: tok-éé-123 # tok-éé-123\nb: x\n");
        let end = "a: tok-éé-123".len();
        mask_secrets(&mut source, &[(span(3, end), "tok-éé-123".into())]);
        // Masked byte for byte inside the string; the comment is not a string of the file.
        assert_eq!(source, "a: ************ # tok-éé-123\nb: x\n");
        // Short secrets and spans past the end are left alone.
        let mut source = String::from("a: ab\n");
        mask_secrets(
            &mut source,
            &[(span(3, 5), "ab".into()), (span(3, 99), "a: ".into())],
        );
        assert_eq!(source, "a: ab\n");
    }

    /// A configuration of `n` environments holding nothing (the fewest files each), no service,
    /// and the repository's own modules (none vendored: the fewest global files).
    fn bare_environments(n: usize) -> String {
        let mut s = String::from(
            "project: demo\nversions: {opentofu: 1.12.6, scaleway_provider: 2.81.0, random_provider: 3.7.2}\nmodules: {path: modules}\nenvironments:\n",
        );
        for i in 0..n {
            s.push_str(&format!("  e{i}: {{}}\n"));
        }
        s
    }

    /// The limit on environments is exact: at [`crate::write::MAX_ENVIRONMENTS`] environments
    /// of the fewest files, the tree fits the file cap and nothing is refused for size; one more
    /// is refused right after loading, alone, at the first environment past the limit; and that
    /// configuration would have been refused for its file count anyway.
    #[test]
    fn environments_past_what_a_tree_holds_are_refused_before_resolving() {
        let max = crate::write::MAX_ENVIRONMENTS;
        assert_eq!(max, 1_248);
        let fits = compile(
            "environments.yaml",
            bare_environments(max).as_bytes(),
            false,
        );
        assert!(
            !fits.diagnostics.iter().any(|d| d.code == "too-large"),
            "{:?}",
            fits.diagnostics
                .iter()
                .map(|d| &d.message)
                .collect::<Vec<_>>()
        );
        let resolved = fits.resolved.as_ref().expect("resolved");
        assert!(emit::file_count(resolved) <= crate::write::MAX_GENERATED_FILES);
        assert_eq!(
            emit::file_count(resolved),
            emit::MIN_GLOBAL_FILES + max * emit::MIN_FILES_PER_ENVIRONMENT
        );
        assert!(
            emit::MIN_GLOBAL_FILES + (max + 1) * emit::MIN_FILES_PER_ENVIRONMENT
                > crate::write::MAX_GENERATED_FILES
        );

        let over = compile(
            "environments.yaml",
            bare_environments(max + 2).as_bytes(),
            false,
        );
        assert!(over.resolved.is_none());
        let [d] = over.diagnostics.as_slice() else {
            panic!(
                "{:?}",
                over.diagnostics
                    .iter()
                    .map(|d| &d.message)
                    .collect::<Vec<_>>()
            );
        };
        assert_eq!(d.code, "too-large");
        assert_eq!(
            d.message,
            "1250 environments, over the limit of 1248: each adds at least 8 generated files, and a tree holds at most 10000"
        );
        // Line 1 is `project`, 2 `versions`, 3 `modules`, 4 `environments:`, 5 `e0`: `e1248`
        // is line 1253.
        let span = d.span.expect("a place");
        assert_eq!((span.line, span.col), (1_253, 3));
        assert_eq!(
            &over.sources.text(over.file).unwrap()[span.start..span.end],
            "e1248"
        );
    }
}
