//! Stage 1, load: bytes → a YAML tree in which every node and key keeps its position.
//!
//! The loader is strict and bounded, because configuration is input from people and from PRs:
//! it rejects empty, binary, non-UTF-8 and oversized files, several documents, anchors and
//! aliases (`defaults:` is the way to share settings; an alias is read as a copy of its anchored
//! value within [`MAX_NODES`], so that the rest of the file is checked, and no alias bomb
//! passes that bound), tags other than `!!str`
//! (a tag would change what a value means to another YAML reader), duplicate keys, non-string
//! keys and nesting deeper than [`MAX_DEPTH`]. YAML scalars are typed with the YAML 1.2 core
//! schema: unquoted `true`/`false`, integers, floats and `null`/`~`; everything else is a string.

mod causes;
pub mod de;
mod outline;
mod surrogates;

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Read as _;
use std::ops::ControlFlow;
use std::path::Path;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as YSpan};
use serde_json::{Map, Number, Value};

use crate::diagnostics::{Diagnostic, Span};
use crate::source::{FileId, SourceMap};

/// Largest accepted configuration file.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;
/// Deepest accepted nesting of mappings and sequences.
pub const MAX_DEPTH: usize = 64;
/// Most nodes (keys and values) accepted in one file: 120 000, about 2 225 services in a
/// synthetic file (52 values each), twice the most Scaleway lets one Organization run
/// (1 000 containers on request to support; 25 by default, TG115), and room for the 2 000 services x 20 environments benchmark
/// (about 108 000). Every command on the largest valid file stays well within the 2 s that
/// `tests/bounded_work.rs` allows (at 200 000, 3 825 services, `generate` and `check` took
/// 1.6-2.3 s on the 2-core CI VM).
pub const MAX_NODES: usize = 120_000;

/// A YAML value with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub kind: NodeKind,
    /// Where the value starts (for a mapping or sequence: its first character).
    pub span: Span,
}

/// The value of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// Any other scalar.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in file order; keys are unique strings.
    Map(Vec<(Key, Node)>),
}

/// A mapping key with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// The key text.
    pub name: String,
    /// Where the key is.
    pub span: Span,
}

impl Node {
    /// The entry for `key`, if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// Where `key` is, if this is a mapping that has it; else where this node is. A finding
    /// about a whole section (`environments:` too large) points at its key this way.
    pub fn key_span(&self, key: &str) -> Span {
        self.entry(key).map_or(self.span, |(k, _)| k.span)
    }

    /// The key and value for `key`, if this is a mapping that has it.
    pub fn entry(&self, key: &str) -> Option<(&Key, &Node)> {
        match &self.kind {
            NodeKind::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.name == key)
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// The mapping entries, or an empty slice.
    pub fn entries(&self) -> &[(Key, Node)] {
        match &self.kind {
            NodeKind::Map(entries) => entries,
            _ => &[],
        }
    }

    /// Follows a JSON pointer (`/environments/staging/services`), returning the deepest node
    /// reached and, when the last step is a mapping key, that key.
    pub fn pointer(&self, pointer: &str) -> (&Node, Option<&Key>) {
        self.path_to(pointer)
            .last()
            .map(|&(key, node)| (node, key))
            .unwrap_or((self, None))
    }

    /// The steps of a JSON pointer that exist under this node, in order: each reached node with
    /// its mapping key (`None` for a list item). Stops at the first step that does not exist.
    pub fn path_to(&self, pointer: &str) -> Vec<(Option<&Key>, &Node)> {
        let mut steps = Vec::new();
        let mut node = self;
        for step in pointer_steps(pointer) {
            let next = match &node.kind {
                NodeKind::Map(entries) => entries
                    .iter()
                    .find(|(k, _)| k.name == step)
                    .map(|(k, v)| (Some(k), v)),
                NodeKind::Seq(items) => step
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| items.get(i))
                    .map(|v| (None, v)),
                _ => None,
            };
            match next {
                Some(pair) => {
                    steps.push(pair);
                    node = pair.1;
                }
                None => break,
            }
        }
        steps
    }

    /// Converts to JSON, dropping positions.
    pub fn to_json(&self) -> Value {
        match &self.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Bool(b) => Value::Bool(*b),
            NodeKind::Int(i) => Value::Number((*i).into()),
            NodeKind::Float(f) => Number::from_f64(*f)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            NodeKind::Str(s) => Value::String(s.clone()),
            NodeKind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Map(entries) => {
                let mut map = Map::new();
                for (k, v) in entries {
                    map.insert(k.name.clone(), v.to_json());
                }
                Value::Object(map)
            }
        }
    }

    /// A short description of the node's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Int(_) => "an integer",
            NodeKind::Float(_) => "a number",
            NodeKind::Str(_) => "a string",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }
}

/// The decoded steps of a JSON pointer (`/a/b~1c` → `a`, `b/c`).
pub fn pointer_steps(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
}

/// Every how many characters [`LineIndex`] records a byte offset (non-ASCII text only).
const CHECKPOINT_CHARS: usize = 32;

/// Maps character offsets and lines to byte offsets, to build [`Span`]s, in constant time per
/// lookup (a walk from the line start would be quadratic on a 4 MiB line of flow values).
struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset of the start of each line (0-based line numbers).
    line_starts: Vec<usize>,
    /// Character offset of the start of each line.
    line_chars: Vec<usize>,
    /// Byte offset of every [`CHECKPOINT_CHARS`]-th character; empty for ASCII text, where
    /// character and byte offsets are the same.
    checkpoints: Vec<usize>,
    /// Where `text` starts in the file: the lines and bytes before it, added to every span
    /// returned (a block read on its own after a stop, [`build`]).
    base: (usize, usize),
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        let mut line_chars = vec![0];
        let mut checkpoints = Vec::new();
        if text.is_ascii() {
            for i in memchr_newlines(text) {
                line_starts.push(i + 1);
                line_chars.push(i + 1);
            }
        } else {
            checkpoints.reserve(text.len() / CHECKPOINT_CHARS + 1);
            for (n, (i, c)) in text.char_indices().enumerate() {
                if n % CHECKPOINT_CHARS == 0 {
                    checkpoints.push(i);
                }
                if c == '\n' {
                    line_starts.push(i + 1);
                    line_chars.push(n + 1);
                }
            }
        }
        LineIndex {
            text,
            line_starts,
            line_chars,
            checkpoints,
            base: (0, 0),
        }
    }

    /// The index of `text` found in the file after `lines` lines and `bytes` bytes: the spans
    /// it returns are the file's.
    fn within(text: &'a str, (lines, bytes): (usize, usize)) -> Self {
        LineIndex {
            base: (lines, bytes),
            ..LineIndex::new(text)
        }
    }

    /// `span`, a span of `text`, as a span of the file.
    fn in_file(&self, span: Span) -> Span {
        Span {
            start: span.start + self.base.1,
            end: span.end + self.base.1,
            line: span.line + self.base.0,
            col: span.col,
        }
    }

    /// Byte offset of 1-based `line` and 0-based character `col` (a column past the end of the
    /// line continues into the next ones; past the end of the text is its length).
    fn offset(&self, line: usize, col: usize) -> usize {
        let Some(&first) = self.line_chars.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let target = first.saturating_add(col);
        if self.checkpoints.is_empty() {
            return target.min(self.text.len());
        }
        let Some(&from) = self.checkpoints.get(target / CHECKPOINT_CHARS) else {
            return self.text.len();
        };
        self.text[from..]
            .char_indices()
            .nth(target % CHECKPOINT_CHARS)
            .map_or(self.text.len(), |(i, _)| from + i)
    }

    fn span(&self, s: &YSpan) -> Span {
        let start = self.offset(s.start.line(), s.start.col());
        let end = self.offset(s.end.line(), s.end.col()).max(start);
        self.in_file(Span {
            start,
            end,
            line: s.start.line(),
            col: s.start.col() + 1,
        })
    }

    /// Span of the single character at 1-based `line`, 0-based `col`; past the last line (where
    /// the parser puts the end of a file without a final line feed), the end of the text, on
    /// its last line (sweep 14, D2: a line that does not exist, in JSON and GitHub output).
    fn point(&self, line: usize, col: usize) -> Span {
        if line > self.line_starts.len() {
            return self.at_byte(self.text.len());
        }
        let start = self.offset(line, col);
        let end = self.text[start..]
            .chars()
            .next()
            .map(|c| start + c.len_utf8())
            .unwrap_or(start);
        self.in_file(Span {
            start,
            end,
            line: line.max(1),
            col: col + 1,
        })
    }

    /// Span of the character at byte `offset` of `text`.
    fn at_byte(&self, offset: usize) -> Span {
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let start = self.line_starts[line - 1];
        let col = self.text[start..offset].chars().count();
        self.point(line, col)
    }
}

/// Byte offsets of the newlines of `text`.
fn memchr_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.match_indices('\n').map(|(i, _)| i)
}

/// Reads `bytes` (the contents of `file`) into a positioned tree.
///
/// Returns every problem found as diagnostics; a YAML syntax error, a tab in the indentation or
/// an alias stops the parser, which then reads on block by block (the problems after it are
/// reported too, with those before it: [`build`]).
pub fn load(file: FileId, bytes: &[u8]) -> Result<(String, Node), Unloaded> {
    match load_recovering(file, bytes) {
        Ok((source, node, recovered)) if recovered.is_empty() => Ok((source, node)),
        Ok((source, _, recovered)) => Err((Some(source), recovered)),
        Err(e) => Err(e),
    }
}

/// Why a file gave no tree: its text when it is text (to show the lines of the problems), and
/// the problems.
pub type Unloaded = (Option<String>, Vec<Diagnostic>);

/// [`load`], but a file whose only problems are repeated keys gives its tree too (each
/// mapping keeps a key's first value), with those problems: the pipeline checks the tree
/// against the schema and reports both in one run (sweep 12, finding 5: a repeated key hid
/// every schema error until it was fixed).
pub fn load_recovering(
    file: FileId,
    bytes: &[u8],
) -> Result<(String, Node, Vec<Diagnostic>), Unloaded> {
    // About the whole file: at its start, 1:1, as `empty` is (sweep 38, F4).
    let whole = |code: &str, msg: String, expected: &str, help: &str| {
        (
            None,
            vec![
                Diagnostic::error(code, msg)
                    .at(file, Some(Span::FILE_START))
                    .expected(expected)
                    .help(help),
            ],
        )
    };
    if bytes.len() > MAX_FILE_BYTES {
        return Err(whole(
            "too-large",
            format!(
                "the file is {} bytes, over the {} byte limit",
                bytes.len(),
                MAX_FILE_BYTES
            ),
            "a configuration file of a few kilobytes",
            "check that this is the right file; split nothing, tofugen reads one environments.yaml",
        ));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) if !t.contains('\0') => t,
        _ => return Err(bad_bytes(file, bytes)),
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let source = text.to_string();
    match build(file, text) {
        Ok((node, recovered)) => Ok((source, node, recovered)),
        Err(diags) => Err((Some(source), diags)),
    }
}

/// Why [`read_regular`] could not read a file.
#[derive(Debug)]
pub enum ReadError {
    /// The path names a directory, FIFO, socket, device or (when not followed) symlink.
    NotRegular(&'static str),
    /// The file holds more than the limit.
    TooLarge(usize),
    /// Opening or reading failed.
    Io(std::io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::NotRegular(kind) => write!(f, "is a {kind}, not a regular file"),
            ReadError::TooLarge(limit) => write!(f, "is larger than the {limit} byte limit"),
            ReadError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// Reads the regular file at `path`, at most `max` bytes: never blocks on a FIFO (it is opened
/// non-blocking and refused), never reads a device or a huge file to the end (it stops after
/// `max + 1` bytes). With `follow_symlinks` false, a symlink is refused too.
pub fn read_regular(path: &Path, max: usize, follow_symlinks: bool) -> Result<Vec<u8>, ReadError> {
    let (file, meta) = open_regular(path, follow_symlinks)?;
    read_whole(file, meta.len(), max)
}

/// What [`read_regular_unless`] found in the file.
#[derive(Debug)]
pub enum Compared {
    /// The file holds exactly the expected bytes; its metadata as it was opened (its mode, for
    /// one), so that the caller needs no second `stat`.
    Same(std::fs::Metadata),
    /// The file holds other bytes: all of them.
    Other(Vec<u8>),
}

/// [`read_regular`], unless the file holds exactly `expected`: then [`Compared::Same`], and the
/// file was compared a chunk at a time as it was read, never held whole (a file of another
/// length, or over `max`, is read whole at once, without comparing).
pub fn read_regular_unless(
    path: &Path,
    max: usize,
    follow_symlinks: bool,
    expected: &[u8],
) -> Result<Compared, ReadError> {
    /// Bytes read and compared at a time.
    const CHUNK: usize = 64 * 1024;
    let (mut file, meta) = open_regular(path, follow_symlinks)?;
    let len = meta.len();
    if u64::try_from(expected.len()).ok() != Some(len) || expected.len() > max {
        return read_whole(file, len, max).map(Compared::Other);
    }
    let whole = |file, mut bytes: Vec<u8>| {
        read_rest(file, &mut bytes, max).map(|()| Compared::Other(bytes))
    };
    // The same length: compare as it is read; at the first difference (or a file that changed
    // length since), keep what matched and read the rest whole.
    let mut chunk = vec![0u8; CHUNK.min(expected.len() + 1)];
    let mut same = 0;
    loop {
        let n = match file.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadError::Io(e)),
        };
        if n == 0 {
            if same == expected.len() {
                return Ok(Compared::Same(meta));
            }
            return whole(file, expected[..same].to_vec());
        }
        if expected.get(same..same + n) != Some(&chunk[..n]) {
            let mut bytes = Vec::with_capacity(same + n);
            bytes.extend_from_slice(&expected[..same]);
            bytes.extend_from_slice(&chunk[..n]);
            return whole(file, bytes);
        }
        same += n;
    }
}

/// Opens the regular file at `path` for [`read_regular`]: non-blocking, refusing what is not a
/// regular file (and a symlink unless `follow_symlinks`). Returns the file and its metadata,
/// from the open file: an open and an `fstat`, and no other call unless the open fails (on
/// Unix, `O_NOFOLLOW` refuses the symlink; only then is the path `lstat`ed, to say so).
fn open_regular(
    path: &Path,
    follow_symlinks: bool,
) -> Result<(std::fs::File, std::fs::Metadata), ReadError> {
    let is_symlink = || std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        let nofollow = if follow_symlinks { 0 } else { libc::O_NOFOLLOW };
        options.custom_flags(libc::O_NONBLOCK | nofollow);
    }
    #[cfg(not(unix))]
    if !follow_symlinks && is_symlink() {
        return Err(ReadError::NotRegular("symlink"));
    }
    let file = match options.open(path) {
        Ok(file) => file,
        Err(_) if !follow_symlinks && is_symlink() => return Err(ReadError::NotRegular("symlink")),
        Err(e) => return Err(ReadError::Io(e)),
    };
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(&meta.file_type())));
    }
    Ok((file, meta))
}

/// Reads `file` (`len` bytes long when it was opened) whole, refusing more than `max` bytes.
fn read_whole(file: std::fs::File, len: u64, max: usize) -> Result<Vec<u8>, ReadError> {
    let limit = u64::try_from(max).unwrap_or(u64::MAX);
    // A regular file's length, from the open file's `fstat`: one over the cap is refused
    // without reading it (`check` read 1 GiB of a 3 GB file planted at a generated path before
    // calling it too large; sweep 59a, F3). One that grows past the cap after it is still
    // cut at `max + 1` bytes below.
    if len > limit {
        return Err(ReadError::TooLarge(max));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len.min(limit)).unwrap_or(max));
    read_rest(file, &mut bytes, max)?;
    Ok(bytes)
}

/// Reads the rest of `file` after `bytes` (which holds what was read of it so far), refusing a
/// file of more than `max` bytes in all (it stops after `max + 1`).
fn read_rest(file: std::fs::File, bytes: &mut Vec<u8>, max: usize) -> Result<(), ReadError> {
    let left = max.saturating_sub(bytes.len());
    let left = u64::try_from(left).unwrap_or(u64::MAX);
    file.take(left.saturating_add(1))
        .read_to_end(bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() > max {
        return Err(ReadError::TooLarge(max));
    }
    Ok(())
}

/// Whether `io` is `ELOOP`, too many levels of symbolic links (the standard library's kind for
/// it is not stable yet).
fn is_symlink_loop(io: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        io.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = io;
        false
    }
}

/// Reads the configuration file at `path` (`file` in `sources`, by the name diagnostics show),
/// bounded by [`MAX_FILE_BYTES`]. A missing, unreadable, non-regular or oversized file is a
/// diagnostic without a position that names the file.
pub fn read_config(path: &Path, sources: &SourceMap, file: FileId) -> Result<Vec<u8>, Diagnostic> {
    let name = sources.name(file);
    read_regular(path, MAX_FILE_BYTES, true).map_err(|e| {
        let (code, help) = match e {
            ReadError::TooLarge(_) => (
                "too-large",
                "check that this is the right file; tofugen reads one environments.yaml of a \
                 few kilobytes",
            ),
            ReadError::NotRegular(_) => (
                "io",
                "pass a regular file with --config PATH (not a directory, pipe or device)",
            ),
            // `-` is a file name here, as for every path tofugen takes (sweep 37, F8).
            ReadError::Io(_) if path == Path::new("-") => (
                "io",
                "tofugen does not read the configuration from standard input: pass its file \
                 with --config PATH",
            ),
            ReadError::Io(ref io) if io.kind() == std::io::ErrorKind::NotFound => (
                "io",
                "run `tofugen init` to write a starter configuration there, or pass the \
                 configuration with --config PATH",
            ),
            // Sweep 58c, F6: the path is right; what to do depends on why it cannot be read.
            ReadError::Io(ref io) if io.kind() == std::io::ErrorKind::PermissionDenied => (
                "io",
                "the file (or a directory above it) is not readable by this user: check its \
                 permissions (`ls -l`), e.g. `chmod a+r` on the file",
            ),
            ReadError::Io(ref io) if is_symlink_loop(io) => (
                "io",
                "a symbolic link on the path points back at itself, or the path goes through \
                 too many links (ELOOP): replace the link with the file, or point it at the \
                 real file",
            ),
            ReadError::Io(_) => (
                "io",
                "check that the path is a readable file, or pass the configuration with \
                 --config PATH",
            ),
        };
        let message = match &e {
            ReadError::Io(io) => format!("cannot read {name}: {io}"),
            _ => format!("{name} {e}"),
        };
        // A file too large is about the whole file: it points at its start, 1:1, so that it
        // has a position like every other problem of a file's contents (sweep 38, F4). The
        // others are about a path that cannot be read as a file at all.
        let span = matches!(e, ReadError::TooLarge(_)).then_some(Span::FILE_START);
        Diagnostic::error(code, message)
            .at(file, span)
            .expected(format!(
                "a regular YAML file of at most {MAX_FILE_BYTES} bytes"
            ))
            .help(help)
    })
}

/// A file type in words, for messages.
pub(crate) fn kind_of(ft: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if ft.is_fifo() {
            return "FIFO (named pipe)";
        }
        if ft.is_socket() {
            return "socket";
        }
        if ft.is_char_device() || ft.is_block_device() {
            return "device";
        }
    }
    if ft.is_symlink() {
        "symlink"
    } else if ft.is_dir() {
        "directory"
    } else if ft.is_file() {
        "regular file"
    } else {
        "special file"
    }
}

/// The first NUL byte or invalid UTF-8 sequence of `bytes`, as a diagnostic at its
/// `line:col` (columns in characters), with the source to show it in: the file decoded, every
/// invalid byte shown as `<0xNN>` (a NUL is shown as `\u{0}` by the renderer). The next invalid
/// sequences are listed in a note, by `line:col` (each invalid byte one column), up to
/// [`MORE_BAD_BYTES`] of them, then counted: all at once (review of 7b9b2a6, F3: the second was
/// reported only once the first was fixed).
fn bad_bytes(file: FileId, bytes: &[u8]) -> (Option<String>, Vec<Diagnostic>) {
    let mut shown = String::with_capacity(bytes.len() + 16);
    let mut first: Option<(usize, usize, bool)> = None;
    // The next invalid sequences: `line:col` and how they are shown, and how many in all.
    let mut more: Vec<String> = Vec::new();
    let mut more_count = 0usize;
    let (mut line, mut col) = (1usize, 1usize);
    for chunk in bytes.utf8_chunks() {
        let valid = chunk.valid();
        if first.is_none()
            && let Some(i) = valid.find('\0')
        {
            first = Some((shown.len() + i, 1, true));
        }
        shown.push_str(valid);
        match valid.rfind('\n') {
            Some(i) => {
                line += valid.matches('\n').count();
                col = valid[i + 1..].chars().count() + 1;
            }
            None => col += valid.chars().count(),
        }
        let invalid = chunk.invalid();
        if invalid.is_empty() {
            continue;
        }
        let start = shown.len();
        for b in invalid {
            let _ = std::fmt::Write::write_fmt(&mut shown, format_args!("<0x{b:02x}>"));
        }
        if first.is_none() {
            first = Some((start, shown.len() - start, false));
        } else {
            more_count += 1;
            if more.len() < MORE_BAD_BYTES {
                more.push(format!("{line}:{col} ({})", &shown[start..]));
            }
        }
        col += invalid.len();
    }
    let Some((start, len, nul)) = first else {
        // Unreachable: the caller found a NUL byte or invalid UTF-8.
        return (Some(shown), Vec::new());
    };
    let line_start = shown[..start].rfind('\n').map_or(0, |i| i + 1);
    let span = Span {
        start,
        end: start + len,
        line: shown[..start].matches('\n').count() + 1,
        col: shown[line_start..start].chars().count() + 1,
    };
    // A byte order mark of UTF-16 or UTF-32 (the UTF-32 ones first: FF FE 00 00 starts with
    // UTF-16's FF FE): the file is in that encoding, not binary (sweep 24).
    let encoding = [
        (&[0xFF, 0xFE, 0x00, 0x00][..], "UTF-32 (little-endian)"),
        (&[0x00, 0x00, 0xFE, 0xFF][..], "UTF-32 (big-endian)"),
        (&[0xFF, 0xFE][..], "UTF-16 (little-endian)"),
        (&[0xFE, 0xFF][..], "UTF-16 (big-endian)"),
    ]
    .into_iter()
    .find(|(bom, _)| bytes.starts_with(bom))
    .map(|(_, name)| name);
    let d = if let Some(name) = encoding {
        Diagnostic::error(
            "encoding",
            format!(
                "the file is encoded in {name}: it starts with that encoding's byte order mark"
            ),
        )
        .expected("UTF-8 text")
        .help("re-save the file as UTF-8 (most editors offer the encoding when saving)")
    } else if nul {
        Diagnostic::error(
            "binary",
            "the file contains a NUL byte (shown as \\u{0}): it looks binary",
        )
        .expected("a UTF-8 YAML text file")
        .help("check that the path names environments.yaml and not a binary file")
    } else {
        let d = Diagnostic::error(
            "encoding",
            format!(
                "invalid UTF-8: {} is not a UTF-8 character",
                &shown[start..start + len]
            ),
        )
        .expected("UTF-8 text")
        .help("re-save the file as UTF-8");
        if more_count == 0 {
            d
        } else {
            let rest = more_count - more.len();
            d.note(format!(
                "{more_count} more invalid UTF-8 sequence(s) at {}{}",
                more.join(", "),
                if rest > 0 {
                    format!(", and {rest} more")
                } else {
                    String::new()
                }
            ))
        }
    };
    (Some(shown), vec![d.at(file, Some(span))])
}

/// The invalid UTF-8 sequences after the first that [`bad_bytes`] lists by position.
const MORE_BAD_BYTES: usize = 20;

enum Frame {
    Seq(Span, Vec<Node>),
    /// A mapping: its entries, the key waiting for its value (and whether it repeats a key, so
    /// its value is dropped), and the line of each key seen (to find duplicates in constant
    /// time: a linear search is quadratic on 100 000 keys).
    Map(
        Span,
        Vec<(Key, Node)>,
        Option<(Key, bool)>,
        HashMap<String, usize>,
    ),
}

/// How many times [`build`] reads on after a problem that stopped the parser: with the first
/// read, at most [`crate::diagnostics::MAX_PER_CODE`] stops, as many as a run describes of one
/// code. Past it, the last problem found says that the rest of the file was not read.
const MAX_RESUMES: usize = crate::diagnostics::MAX_PER_CODE - 1;

/// [`build`] reads no more again (blocks after a stop, [`read_block`]) once it has read this
/// many bytes plus [`READ_AGAIN_TIMES`] the file's size: a window cannot be cut inside a quoted
/// scalar or a flow collection left open (every line after is inside it), and reading each block
/// to the end of a 4 MiB file 50 times took 0.30 s in release against 0.04 s for the one read
/// that stops first (sweep 21); within the bound, 0.07 s.
const READ_AGAIN_BYTES: usize = 1 << 20;

/// See [`READ_AGAIN_BYTES`].
const READ_AGAIN_TIMES: usize = 4;

/// Codes of the problems after which the parser cannot go on.
const STOPPING: [&str; 3] = ["yaml-syntax", "yaml-tab", "yaml-alias"];

/// The codes of the problems after which the tree is whole: a repeated key (its value is
/// dropped, the first kept), a refused tag (the value is read as if untagged), an integer
/// written in a form YAML 1.1 reads otherwise (read as YAML 1.2 does), an anchor (the
/// value is kept) and an alias read as a copy of its anchored value ([`ALIAS_READ`]; one that
/// stopped the parser returned before this is looked at). [`load_recovering`] returns the tree
/// with them, so that the schema and the rules report in the same run (sweep 30, F3: one tag
/// hid every other problem of the file; sweep 32, F2: one alias did).
const RECOVERABLE: [&str; 6] = [
    "yaml-duplicate-key",
    "yaml-tag",
    "yaml-anchor",
    "yaml-alias",
    "yaml-octal",
    "yaml-bool-key",
];

/// [`build_once`], and, when the parse stopped at a syntax error, a tab or an alias, the rest
/// of the file read on block by block after it, again after each such problem: every problem
/// of the file at once, not one per run (sweep 36, garbage F6: a tab or a syntax error hid
/// every problem after it). After a stop at a line indented `n` spaces, reading starts again
/// at the next line that can start a block read on its own ([`outline`]: a key or an entry,
/// not inside a block scalar, a quoted scalar or a flow collection, indented as its siblings)
/// indented `n` or less, or not indented ([`next_key`], [`resume_line`]), read as a file of its
/// own up to the end of its block ([`block_end`]), its positions those of the whole file; after
/// a block read without a stop, at the next such line indented less than it. So two syntax
/// errors in two services, or two environments, of one section are both reported (until
/// 2026-12-05 reading resumed only at the next top-level key, and the second
/// took another run). Within [`MAX_RESUMES`] reads, each one of a window of its block
/// ([`read_block`]), indexed on its own: 51 errors reported at the top of a 4 MiB file of 360 000
/// lines, one block to its end, in 0.07 s in release (0.06 s reporting one before; 0.5-1.1 s
/// when each read indexed the rest of the file).
fn build(file: FileId, text: &str) -> Result<(Node, Vec<Diagnostic>), Vec<Diagnostic>> {
    // JSON's surrogate pairs, rewritten at the same length (positions do not move).
    let rewritten = surrogates::rewrite(text);
    let (text, surrogates) = match &rewritten {
        Some((text, surrogates)) => (text.as_str(), Some(surrogates)),
        None => (text, None),
    };
    let mut recovered = Vec::new();
    let mut diags = match build_once(file, text, (0, 0), surrogates, &mut recovered) {
        Ok(node) => return Ok((node, recovered)),
        Err(diags) => diags,
    };
    // What is reported already, by code and place: a problem two reads find is shown once.
    let place = |d: &Diagnostic| (d.code.clone(), d.span.map(|s| (s.line, s.col)));
    let mut seen: std::collections::HashSet<(String, Option<(usize, usize)>)> =
        diags.iter().map(place).collect();
    let lines = line_starts(text);
    let outline = outline::outline(text, &lines);
    let indents = &outline.indents;
    // Reading starts again at a key or an entry indented no further than the line where the
    // parser stopped (for a line that starts no node, or one holding neither a key nor an
    // entry, the last one before it that starts a node holding one: sweep 24, the rest of a
    // flow sequence written at column 1 made reading skip to the next top-level key).
    // A line indented with a tab: the outline counts its tab as no indentation, and reading went
    // on only at the next top-level key (sweep 58c, F2: a tab in `defaults:` hid the rest of
    // that section, 150 lines). Its siblings' indentation is the one to go below: the next key
    // line's that no tab indents.
    let tab_indented = |line: usize| {
        lines.get(line).is_some_and(|&start| {
            text.as_bytes()[start..]
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t'))
                .any(|b| *b == b'\t')
        })
    };
    // Whether the key line `line` opens a block (ends with `:`, a comment aside): the lines
    // after it are its children, not a plain scalar's continuation.
    let opens_block = |line: usize| {
        let start = lines[line];
        let end = lines.get(line + 1).copied().unwrap_or(text.len());
        let body = &text[start..end];
        let body = body.split(" #").next().unwrap_or(body).trim_end();
        body.ends_with(':')
    };
    let below = |stop: usize| {
        let upto = stop.min(indents.len());
        let parent = indents[..upto.saturating_sub(1)]
            .iter()
            .zip(&outline.keys[..upto.saturating_sub(1)])
            .rposition(|(i, key)| i.is_some() && *key);
        if upto > 0
            && tab_indented(upto - 1)
            && parent.is_some_and(|p| !tab_indented(p) && opens_block(p))
            && let Some(i) = indents[upto..]
                .iter()
                .zip(&outline.keys[upto..])
                .enumerate()
                .find_map(|(k, (i, key))| i.filter(|_| *key && !tab_indented(upto + k)))
        {
            return i + 1;
        }
        indents[..upto]
            .iter()
            .zip(&outline.keys[..upto])
            .rev()
            .find_map(|(i, key)| i.filter(|_| *key))
            .map_or(1, |i| i + 1)
    };
    // Where to look for the next key to read from (a 1-based line), and the indentation it
    // must be below.
    let mut next = stopping_line(&diags).map(|stop| (resume_line(&diags, stop, 0), below(stop)));
    // Bytes read again so far, within `READ_AGAIN_BYTES` and `READ_AGAIN_TIMES` the file's size.
    let mut read = 0;
    // The line reading would have gone on from, when a bound stopped it.
    let mut unread = None;
    for resume in 0..=MAX_RESUMES {
        let Some((from, below_indent)) = next else {
            break;
        };
        let Some((line, indent)) = next_key(&outline, from, below_indent) else {
            break;
        };
        if resume == MAX_RESUMES || read > READ_AGAIN_BYTES + READ_AGAIN_TIMES * text.len() {
            unread = Some(line);
            break;
        }
        let end_line = block_end(&outline, line, indent);
        let (more, bytes) = read_block(file, text, &lines, &outline, line, end_line, surrogates);
        read += bytes;
        let end = lines.get(end_line - 1).copied().unwrap_or(text.len());
        next = match stopping_line(&more) {
            // A stop in the block: on from its line or the next one (see above).
            Some(stop) if stop < end_line => Some((resume_line(&more, stop, line), below(stop))),
            // The block read to its end (or stopped there: an unclosed bracket): on from the
            // line that ended it, if any.
            _ if end < text.len() => Some((end_line, indent)),
            _ => None,
        };
        for d in more {
            if d.code == "empty" {
                continue;
            }
            if seen.insert(place(&d)) {
                diags.push(d);
            }
        }
    }
    // In the file's order: a tab found before a parse is reported with what stopped it.
    diags.sort_by_key(|d| d.span.map(|s| (s.line, s.col)));
    for d in &mut diags {
        name_unclosed(d, text, &lines, &outline);
        causes::name_lookalike_indent(d, text, &lines, &outline);
        name_misaligned(d, text, &lines, &outline);
        causes::name_cause(d, text, &lines, &outline);
    }
    // A bound stopped the reading: the last problem found says where, and that the lines
    // after it were not read (sweep 24: the 52nd problem and after were left out silently).
    if let Some(line) = unread
        && let Some(last) = diags.iter_mut().rev().find(|d| stops(d))
    {
        last.notes.push(format!(
            "reading stopped here: after {} problems that stop the parser, the lines from {line} \
             on were not parsed (only searched for tabs in their indentation), and may hold \
             more; fix these, then run again",
            MAX_RESUMES + 1
        ));
    }
    // Every line indented with a tab, each one an error whatever the parse saw (a block
    // indented with tabs has one on each line; the reads above see the first of each block):
    // the first [`diagnostics::MAX_PER_CODE`] described, the rest counted by one more.
    if diags.iter().any(|d| d.code == "yaml-tab") {
        let index = LineIndex::new(text);
        // The tabs the reads found (a few: one per read at most).
        let found: std::collections::HashSet<(usize, usize)> = diags
            .iter()
            .filter(|d| d.code == "yaml-tab")
            .filter_map(|d| d.span.map(|s| (s.line, s.col)))
            .collect();
        let mut shown = found.len();
        let mut counted: Option<Diagnostic> = None;
        for offset in leading_tabs(text) {
            let span = index.at_byte(offset);
            if found.contains(&(span.line, span.col)) {
                continue;
            }
            if shown < crate::diagnostics::MAX_PER_CODE {
                diags.push(tab_error(file, span));
                shown += 1;
            } else {
                match &mut counted {
                    Some(d) => d.omitted += 1,
                    None => counted = Some(tab_error(file, span).counting(1)),
                }
            }
        }
        if let Some(d) = counted {
            let n = d.omitted;
            diags.push(d.counting_described(n, crate::diagnostics::MAX_PER_CODE));
        }
        diags.sort_by_key(|d| d.span.map(|s| (s.line, s.col)));
    }
    Err(diags)
}

/// The offsets of the brackets (`[`, `{`) opened in `text[from..to]` and not closed there,
/// outermost first ([`flow_brackets`]).
fn open_brackets(text: &str, from: usize, to: usize) -> Vec<usize> {
    let mut open = Vec::new();
    flow_brackets(text, from, to, |i, c| {
        if matches!(c, b'[' | b'{') {
            open.push(i);
        } else {
            open.pop();
        }
        ControlFlow::<()>::Continue(())
    });
    open
}

/// Calls `each` with the offset and byte of every bracket (`[`, `{`, `]`, `}`) in
/// `text[from..to]` outside quoted scalars (a quote opens one only after a bracket, a comma, a
/// colon or at a line's start) and comments, until it breaks with a value, which is returned.
fn flow_brackets<B>(
    text: &str,
    from: usize,
    to: usize,
    mut each: impl FnMut(usize, u8) -> ControlFlow<B>,
) -> Option<B> {
    let bytes = &text.as_bytes()[..to];
    let mut quote = None;
    // The last byte other than a space or a tab: a quote starts a scalar only after these.
    let mut last = b'\n';
    let mut i = from;
    while i < bytes.len() {
        let c = bytes[i];
        if let Some(q) = quote {
            if c == b'\\' && q == b'"' {
                i += 1;
            } else if c == q {
                if q == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                    i += 1;
                } else {
                    quote = None;
                    last = c;
                }
            }
            i += 1;
            continue;
        }
        match c {
            b'"' | b'\'' if matches!(last, b'[' | b'{' | b',' | b':' | b'\n') => quote = Some(c),
            b'#' if i == 0 || matches!(bytes[i - 1], b' ' | b'\t' | b'\n') => {
                while i + 1 < bytes.len() && bytes[i + 1] != b'\n' {
                    i += 1;
                }
            }
            b'[' | b'{' | b']' | b'}' => {
                if let ControlFlow::Break(found) = each(i, c) {
                    return Some(found);
                }
            }
            _ => {}
        }
        if !matches!(c, b' ' | b'\t' | b'\r') {
            last = c;
        }
        i += 1;
    }
    None
}

/// The problem of a collection nested deeper than [`MAX_DEPTH`] levels, opened at `span`.
fn too_deep(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "too-deep",
        format!("nesting deeper than {MAX_DEPTH} levels"),
    )
    .at(file, Some(span))
    .expected(format!("at most {MAX_DEPTH} levels of mappings and lists"))
    .help("environments.yaml needs only a few levels; check the structure")
}

/// The offset in `text` of the bracket, from `from` on, that opens a flow collection deeper
/// than [`MAX_DEPTH`] levels, `depth` levels being open at `from` ([`flow_brackets`]).
fn deeper_than_max(text: &str, from: usize, mut depth: usize) -> Option<usize> {
    flow_brackets(text, from, text.len(), |i, c| {
        if matches!(c, b'[' | b'{') {
            if depth >= MAX_DEPTH {
                return ControlFlow::Break(i);
            }
            depth += 1;
        } else {
            depth = depth.saturating_sub(1);
        }
        ControlFlow::Continue(())
    })
}

/// The problem of a tab in the indentation at `span`.
fn tab_error(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error("yaml-tab", "a tab character is used for indentation")
        .at(file, Some(span))
        .expected("spaces for indentation (YAML forbids tabs)")
        .help("replace the tab with spaces")
}

/// When the parser stopped at `d` inside a flow collection opened on an earlier line, or on
/// the first line that starts a node after one was left open ([`outline::Outline::flows`]: a
/// line indented no further than the one that opened it, after only blank lines and comments),
/// `d` names its bracket and where it was opened. The parser reports where it found out, not
/// the bracket (sweep 24: an unclosed `[` was reported on the next key as "illegal placement
/// of ':'" or "did not find expected ',' or '}'").
fn name_unclosed(d: &mut Diagnostic, text: &str, lines: &[usize], outline: &outline::Outline) {
    let Some(span) = d.span.filter(|_| d.code == "yaml-syntax") else {
        return;
    };
    let stop = span.line - 1;
    // The last collection opened before the line the parser stopped at.
    let Some(flow) = outline
        .flows
        .partition_point(|f| f.from <= stop)
        .checked_sub(1)
        .map(|i| outline.flows[i])
    else {
        return;
    };
    let inside = stop < flow.to;
    // Left open: the first line from its end on that starts a node is where the parser finds
    // out (or the end of the file).
    let after = flow.cut && !inside && {
        let first = (flow.to..outline.indents.len()).find(|&l| outline.indents[l].is_some());
        first.is_none_or(|first| first == stop)
    };
    if !inside && !after {
        return;
    }
    let line = lines.partition_point(|&l| l <= flow.offset);
    let col = text[lines[line - 1]..flow.offset].chars().count() + 1;
    let (opening, closing) = if flow.bracket == b'[' {
        ("[", "]")
    } else {
        ("{", "}")
    };
    if after {
        // Every bracket still open, this one first (sweep 25: with `[` and `{` opened inside it
        // and left open too, one `}` did not fix the file).
        let end = lines.get(flow.to).copied().unwrap_or(text.len());
        let open = open_brackets(text, flow.offset, end);
        let closers: String = if open.first() == Some(&flow.offset) {
            open.iter()
                .rev()
                .map(|&o| if text.as_bytes()[o] == b'[' { ']' } else { '}' })
                .collect()
        } else {
            closing.to_string()
        };
        let inner = closers.len() - 1;
        // The last line of the collection: where the closing brackets go.
        let last = (line - 1..flow.to.min(lines.len()))
            .rev()
            .find(|&l| {
                let end = lines.get(l + 1).copied().unwrap_or(text.len());
                let t = text[lines[l]..end].trim();
                !t.is_empty() && !t.starts_with('#')
            })
            .map_or(line, |l| l + 1);
        let inside = match inner {
            0 => String::new(),
            1 => " and the bracket opened inside it".to_string(),
            n => format!(" and the {n} brackets opened inside it"),
        };
        d.notes.push(format!(
            "the `{opening}` opened at line {line}, column {col}{} is still open here: a flow \
             collection ends at its `{closing}`, and the lines that continue it are indented \
             further than the line that opened it",
            match inner {
                0 => String::new(),
                1 => ", with a bracket opened inside it,".to_string(),
                n => format!(", with {n} brackets opened inside it,"),
            }
        ));
        d.expected = Some(format!(
            "`{closers}` closing the `{opening}` opened at {line}:{col}{inside}"
        ));
        d.help = Some(format!(
            "add the missing `{closers}` on line {last}, or indent the lines that continue it \
             further than line {line}"
        ));
    } else {
        d.notes.push(format!(
            "this line is inside the `{opening}` opened at line {line}, column {col}, not \
             closed before it"
        ));
        d.help = Some(format!(
            "if the `{opening}` should have ended before this line, add its `{closing}` there; \
             otherwise check the commas and colons on this line and the one before"
        ));
    }
}

/// When the parser stopped at `d` on a line holding a key indented off the keys before it, `d`
/// says how: the parser's "did not find expected key" and "mapping values are not allowed in
/// this context" name no indentation (sweep 24). Two shapes:
///
/// - indented further than a key whose value is on its line: YAML reads the line as the rest
///   of that value;
/// - indented less than the key before it, but further than the key holding them: between two
///   levels.
fn name_misaligned(d: &mut Diagnostic, text: &str, lines: &[usize], outline: &outline::Outline) {
    let Some(span) = d
        .span
        .filter(|_| d.code == "yaml-syntax" && d.notes.is_empty())
    else {
        return;
    };
    let stop = span.line - 1;
    if stop >= outline.indents.len() {
        return;
    }
    let line_text = |l: usize| causes::line_text(text, lines, l);
    let indent = line_text(stop).bytes().take_while(|&b| b == b' ').count();
    let rest = &line_text(stop).as_bytes()[indent..];
    // A sequence entry's key is not at the line's indentation (`- a:`): not said here (sweep
    // 25: the `-`'s column was given for the key's).
    if !outline::holds_key(rest) || rest == b"-" || rest.starts_with(b"- ") {
        return;
    }
    // The key before it: the last line before it that starts a node.
    let Some((prev, before)) = (0..stop)
        .rev()
        .find_map(|l| outline.indents[l].map(|i| (l, i)))
        .filter(|&(l, _)| outline.keys[l] && !outline.entries[l])
    else {
        return;
    };
    if outline.indents[stop].is_none() && indent > before {
        d.notes.push(format!(
            "this line is indented {indent} spaces, further than the key on line {} ({before} \
             spaces) whose value is on its line: YAML reads it as the rest of that value, where \
             a key cannot be",
            prev + 1
        ));
        // The key before that one indented as this line: the key on line `prev` is the one
        // off, more likely than this line (sweep 30, F5: `scaleway_provider` moved to column 0
        // between two keys of `versions`, and the help moved the next key out too).
        let sandwiched = (0..prev)
            .rev()
            .find_map(|l| outline.indents[l].map(|i| (l, i)))
            .filter(|&(l, i)| i == indent && outline.keys[l] && !outline.entries[l]);
        d.help = Some(match sandwiched {
            Some((above, _)) => format!(
                "indent line {} {indent} spaces, as lines {} and {}, if it is a key of their mapping; or this line {before} spaces, if it is that key's sibling",
                prev + 1,
                above + 1,
                stop + 1
            ),
            None => format!(
                "indent it {before} spaces, as line {}, if it is that key's sibling",
                prev + 1
            ),
        });
        return;
    }
    // After a comment line, a line indented further than a key whose value is on its line is
    // not read as the rest of that value (a comment ends a plain scalar) but as a key where the
    // mapping has none: the parser's "did not find expected key" (sweep of stop 55, L1: the
    // starter has comments above four keys, and the help said "the one before", a comment).
    if outline.indents[stop].is_some()
        && indent > before
        && d.message.ends_with("did not find expected key")
        && value_on_its_line(line_text(prev))
        && (prev + 1..stop).all(|l| {
            let t = line_text(l).trim_start();
            t.is_empty() || t.starts_with('#')
        })
        && let Some(comment) =
            (prev + 1..stop).find(|&l| line_text(l).trim_start().starts_with('#'))
    {
        d.notes.push(format!(
            "this line is indented {indent} spaces, further than the key on line {} ({before} \
             spaces) whose value is on its line: the comment on line {} ends that value, so the \
             next key of that mapping is expected at {before} spaces",
            prev + 1,
            comment + 1
        ));
        d.help = Some(format!(
            "indent it {before} spaces, as line {}, if it is that key's sibling",
            prev + 1
        ));
        return;
    }
    if outline.indents[stop].is_none() || indent >= before {
        return;
    }
    // The key holding the one before: the last line before that one indented less.
    let Some((parent, holding)) = (0..prev)
        .rev()
        .find_map(|l| outline.indents[l].filter(|&i| i < before).map(|i| (l, i)))
    else {
        return;
    };
    if holding >= indent || outline.entries[parent] {
        return;
    }
    d.notes.push(format!(
        "this key is indented {indent} spaces, between the key before it on line {} ({before} \
         spaces) and the key holding that one on line {} ({holding} spaces): the keys of one \
         mapping are indented alike",
        prev + 1,
        parent + 1
    ));
    d.help = Some(format!(
        "indent this key and line {} alike if they are keys of one mapping, or this one \
         {holding} spaces if it is a sibling of line {}",
        prev + 1,
        parent + 1
    ));
}

/// Whether a line holding a key (`key: value`, `key: { ... }`) has its value on it: something
/// after the first `: ` that is not a comment. A key whose value starts on the next lines
/// (`key:`, `key: # note`, `key: |`) has not.
fn value_on_its_line(line: &str) -> bool {
    let rest = line.trim_start();
    let after = match rest.find(": ") {
        Some(i) => rest[i + 2..].trim_start(),
        None => return false,
    };
    // A block scalar's header (`|`, `>-`): its value is on the next lines (review of stop 55).
    !after.is_empty() && !after.starts_with(['#', '|', '>'])
}

/// Where reading starts again after the parser stopped at 1-based line `stop`, in a read that
/// started at `first` (0 for the whole file): that line itself when the parser was reading a
/// flow collection (`[`, `{`) left open on a line before, whose end it looked for there (the
/// line holds the next key, as it should), unless the read started there; else the next line
/// (the line is where the problem is: a key indented one space off, read again as the start of
/// a block, would make errors of its children). After a quoted scalar the parser refused (it
/// points at its opening quote), the lines up to its closing quote, or to the line indented no
/// further where it was left open, start no node ([`outline`]): reading skips them.
fn resume_line(diags: &[Diagnostic], stop: usize, first: usize) -> usize {
    let flow = diags.iter().any(|d| {
        d.code == "yaml-syntax"
            && d.span.is_some_and(|s| s.line == stop)
            && d.message.contains("while parsing a flow")
    });
    if flow && stop != first {
        stop
    } else {
        stop + 1
    }
}

/// The line where the parser stopped: the first problem in `diags` after which it could not go
/// on (a tab further down is found before the parse, and reported with what stopped it).
fn stopping_line(diags: &[Diagnostic]) -> Option<usize> {
    diags
        .iter()
        .filter(|d| stops(d))
        .filter_map(|d| d.span.map(|s| s.line))
        .min()
}

/// Lines a block is first read in by [`read_block`], four times as many each time after.
const BLOCK_WINDOW_LINES: usize = 256;

/// What [`build_once`] finds in the block of the key or entry at 1-based `line`, up to
/// `end_line` ([`block_end`]), read on its own, its positions those of the file.
/// A long block is read in windows cut before a line that starts a node ([`outline`]: no
/// bracket, quote or block scalar is open before it, so what is before it reads as in the
/// whole block, the collections open there ended by the window's end), growing fourfold until the read
/// stops at least a line before the window's end (the parser saw nothing past it) or the window
/// is the whole block: a stop near the top of a block that runs to the end of a 4 MiB file
/// reads a few hundred lines, not the rest of the file, each time.
fn read_block(
    file: FileId,
    text: &str,
    lines: &[usize],
    outline: &outline::Outline,
    line: usize,
    end_line: usize,
    surrogates: Option<&surrogates::Surrogates>,
) -> (Vec<Diagnostic>, usize) {
    let offset = lines[line - 1];
    let mut window = BLOCK_WINDOW_LINES;
    let mut read = 0;
    loop {
        // The first line that starts a node from `window` lines on, or the block's end.
        let cut = (line + window..end_line)
            .find(|&l| outline.indents[l - 1].is_some())
            .unwrap_or(end_line);
        let end = lines.get(cut - 1).copied().unwrap_or(text.len());
        let mut recovered = Vec::new();
        read += end - offset;
        let found = match build_once(
            file,
            &text[offset..end],
            (line - 1, offset),
            surrogates,
            &mut recovered,
        ) {
            Ok(_) => recovered,
            Err(found) => found,
        };
        if cut == end_line || stopping_line(&found).is_some_and(|stop| stop + 1 < cut) {
            return (found, read);
        }
        window = window.saturating_mul(4);
    }
}

/// The byte offset where each line of `text` starts.
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(memchr_newlines(text).map(|i| i + 1))
        .filter(|&i| i < text.len())
        .collect()
}

/// The first line at or after 1-based `from` that can start a block read on its own (a key or
/// an entry: [`outline::Outline::starts`]) indented less than `below` spaces, or not indented:
/// where reading can start again after a problem. Returns the line and its indentation.
fn next_key(outline: &outline::Outline, from: usize, below: usize) -> Option<(usize, usize)> {
    (from.max(1)..=outline.indents.len()).find_map(|line| {
        let indent = outline.indents[line - 1].filter(|&i| i < below || i == 0)?;
        outline.starts[line - 1].then_some((line, indent))
    })
}

/// The first line after 1-based `line` that starts a node holding a key or an entry, indented
/// less than `indent` spaces (`indents`: [`outline::Outline::indents`]): where the block of the
/// key at `line` ends (one past the last line when it runs to the end).
fn block_end(outline: &outline::Outline, line: usize, indent: usize) -> usize {
    // A sequence may be indented as far as the key it belongs to: a key there ends an entry's
    // block, an entry does not end a key's.
    let entry = outline.entries[line - 1];
    // A line holding neither a key nor an entry ([`outline::Outline::keys`]: the rest of a
    // flow collection written less indented than its key) ends no block: read with the block,
    // it is the problem the parser reports, at its place (sweep 24).
    (line + 1..=outline.indents.len())
        .find(|&l| {
            outline.keys[l - 1]
                && outline.indents[l - 1].is_some_and(|i| {
                    i < indent || (i == indent && entry && !outline.entries[l - 1])
                })
        })
        .unwrap_or(outline.indents.len() + 1)
}

/// Reads `text` into a tree, stopping at the first syntax error, tab or alias; with
/// `surrogates`, each scalar's placeholders (see [`surrogates`]) are given their true value.
fn build_once(
    file: FileId,
    text: &str,
    base: (usize, usize),
    surrogates: Option<&surrogates::Surrogates>,
    recovered: &mut Vec<Diagnostic>,
) -> Result<Node, Vec<Diagnostic>> {
    let index = LineIndex::within(text, base);
    let mut diags = Vec::new();
    // Before anything reads lines: YAML takes a lone CR for a line break, every position here
    // counts LF (a file saved with CR line endings read as one comment line, "no content").
    if let Some(offset) = lone_carriage_return(text) {
        let span = index.at_byte(offset);
        return Err(vec![
            Diagnostic::error(
                "yaml-line-break",
                "a carriage return (CR) ends a line without a line feed (LF)",
            )
            .at(file, Some(span))
            .expected("lines ending with LF or CRLF")
            .help("convert the file's line endings to LF, e.g. `mac2unix environments.yaml`, or re-save it with Unix line endings"),
        ]);
    }
    // NEL, LS and PS as line ends: YAML 1.2 reads them as ordinary characters (YAML 1.1 broke
    // lines there), so the file reads as one line: a comment ("no content") or one odd mapping
    // (sweep 45, #4).
    if let Some((offset, c)) = unicode_line_ends(text) {
        let span = index.at_byte(offset);
        return Err(vec![
            Diagnostic::error(
                "yaml-line-break",
                format!(
                    "a {}, U+{:04X}) ends a line: YAML 1.2 reads it as an ordinary character, so what follows is on the same line",
                    match c {
                        '\u{85}' => "next-line character (NEL",
                        '\u{2028}' => "line separator (LS",
                        _ => "paragraph separator (PS",
                    },
                    u32::from(c)
                ),
            )
            .at(file, Some(span))
            .expected("lines ending with LF or CRLF")
            .help(format!(
                "convert the line endings to LF, e.g. `perl -CSD -pi -e 's/\\x{{{:X}}}/\\n/g' environments.yaml`",
                u32::from(c)
            )),
        ]);
    }
    // From the first character that is not white space (a block read on its own after a stop,
    // `build`, follows as many empty lines as the lines before it).
    if text.trim().is_empty()
        || text
            .trim_start()
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return Err(vec![
            // At the first line (1:1), like every diagnostic about the file's text (sweep 30,
            // F11: it had no position).
            Diagnostic::error("empty", "the file has no content")
                .at(file, Some(index.at_byte(0)))
                .expected("a mapping with `project`, `versions`, `defaults` and `environments`")
                .help("run `tofugen schema` to see the expected structure"),
        ]);
    }
    if let Some((offset, len)) = other_yaml_version(text) {
        let mut span = index.at_byte(offset);
        span.end = span.start + len;
        diags.push(
            Diagnostic::error(
                "yaml-version",
                "a `%YAML` directive asks for another YAML version than 1.2",
            )
            .at(file, Some(span))
            .expected("YAML 1.2, which tofugen reads (`010` is 10, `0x1F` is 31, `yes` is text)")
            .help("remove the directive, or write `%YAML 1.2`"),
        );
    }
    // A tab in the indentation: the parse stops at its line (what follows is read with the
    // wrong structure), but the problems above it are reported with it, all at once.
    let tab = leading_tabs(text)
        .next()
        .map(|offset| tab_error(file, index.at_byte(offset)));
    let tab_line = tab.as_ref().and_then(|d| d.span).map(|s| s.line);
    let with_tab = |mut diags: Vec<Diagnostic>| {
        diags.extend(tab.clone());
        diags
    };

    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut documents = 0usize;
    // Where the first document ended with an explicit `...`, if it did.
    let mut explicit_end: Option<Span> = None;
    let mut nodes = 0usize;
    // Where the last event read ended, in `text`.
    let mut last_end = 0;
    // Each anchored value read, by anchor id, with its count of nodes: an alias to it reads
    // as a copy of it, so that the rest of the file is checked (sweep 32, F2).
    let mut anchored: HashMap<usize, (Node, usize)> = HashMap::new();
    // The collections open with an anchor: their depth in `stack`, their anchor id, and the
    // count of nodes read before them.
    let mut open_anchors: Vec<(usize, usize, usize)> = Vec::new();
    // Aliases read as copies so far.
    let mut aliases_read = 0usize;

    loop {
        let (event, yspan) = match parser.next() {
            None => break,
            Some(Ok(pair)) => pair,
            Some(Err(e)) => {
                let m = e.marker();
                let span = index.point(m.line(), m.col());
                // At or after the tab's line, or about a tab (a plain scalar scanned into the
                // tab's line is reported on the line before), the tab is the cause.
                if tab_line.is_some_and(|line| span.line >= line || e.info().contains("tab")) {
                    return Err(with_tab(diags));
                }
                if e.info().contains("unknown anchor") {
                    // The parser gives a point: the caret covers the whole alias, as for an
                    // alias it reads (sweep 24: `*a` got `^^` there, `^` here).
                    let len = text
                        .get(span.start - base.1..)
                        .filter(|rest| rest.starts_with('*'))
                        .map_or(0, |rest| {
                            rest.find(|c: char| c.is_whitespace() || ",[]{}".contains(c))
                                .unwrap_or(rest.len())
                        });
                    let span = Span {
                        end: span.end.max(span.start + len),
                        ..span
                    };
                    diags.push(alias_error(file, span));
                    return Err(with_tab(diags));
                }
                if e.info().contains("recursion limit") {
                    // The reader's scanner ran ahead through brackets to its own limit (256):
                    // the problem is reported where the events would have reached MAX_DEPTH,
                    // as for fewer brackets (sweep 24: 255 and 256 brackets were reported at
                    // two places with two messages).
                    let span =
                        deeper_than_max(text, last_end, stack.len()).map_or(span, |offset| {
                            let mut at = index.at_byte(offset);
                            at.end = at.start + 1;
                            at
                        });
                    diags.push(too_deep(file, span));
                    return Err(with_tab(diags));
                }
                // An invisible character the parser stops at (a byte order mark pasted inside
                // the document) is underlined whole and named: indentation is not the cause.
                let invisible = text
                    .get(span.start - base.1..)
                    .and_then(|rest| rest.chars().next())
                    .filter(|&c| crate::text::invisible(c));
                // A tab between a key's `:` and its value, which this parser refuses: the
                // caret on the tab, named (sweep 24: "':' must be followed by a valid YAML
                // whitespace", the caret on the value, when a tab is whitespace).
                let before = text.get(..span.start - base.1).unwrap_or("");
                let tabs = before.len() - before.trim_end_matches('\t').len();
                if invisible.is_none() && tabs > 0 && before[..before.len() - tabs].ends_with(':') {
                    let tab = Span {
                        start: span.start - tabs,
                        end: span.start - tabs + 1,
                        col: span.col - tabs,
                        ..span
                    };
                    diags.push(
                        Diagnostic::error(
                            "yaml-syntax",
                            "YAML syntax error: a tab separates this `:` from its value",
                        )
                        .at(file, Some(tab))
                        .expected("a space after `:` (the YAML reader refuses a tab there)")
                        .help("replace the tab with a space"),
                    );
                    return Err(with_tab(diags));
                }
                // `key: value: more`, the stop at the second `: ` (see below).
                let colon = e
                    .info()
                    .contains("mapping values are not allowed")
                    .then(|| colon_in_plain_value(before, &text[span.start - base.1..]))
                    .flatten();
                let (span, help) = match invisible {
                    Some(c) => (
                        Span {
                            end: span.start + c.len_utf8(),
                            ..span
                        },
                        format!(
                            "remove the invisible character U+{:04X} here (often pasted from \
                             another editor or a web page)",
                            c as u32
                        ),
                    ),
                    // A plain key past YAML's 1024 characters (an implicit key, YAML 1.2
                    // section 7.4): "simple key expect ':'" with the `:` right there, and
                    // indentation blamed (sweep 38, F5).
                    None if (e.info().contains("simple key")
                        || e.info().contains("mapping values are not allowed"))
                        && before
                            .rsplit('\n')
                            .next()
                            .is_some_and(|line| {
                                // The whole line a key: not `key: long value: more`.
                                !line.contains(": ") && line.trim_start().chars().count() > 1024
                            }) =>
                    {
                        let key = before.rsplit('\n').next().unwrap_or("").trim_start();
                        (
                            span,
                            format!(
                                "this key is {} characters long, and YAML reads a key written without `? ` up to 1024 characters only: shorten it (tofugen's keys are names of at most a few dozen characters)",
                                key.chars().count()
                            ),
                        )
                    }
                    // `description: Streamlit UI: from the image`: a `: ` inside a plain value
                    // reads as a second key on the line (sweep 43: the help was about
                    // indentation).
                    // The value is not quoted back: it may be a secret, and redaction goes by
                    // its shape (review of stop 59: `DB_PASSWORD: hun\ter2: x` was printed
                    // in the help, the only text `--format github` shows).
                    None if colon.is_some() => {
                        (
                            span,
                            "a `: ` inside a value reads as a new key: if the value is text, put it whole in double quotes (a `\"` or `\\` inside written `\\\"` or `\\\\`); otherwise remove the second `:`".to_string(),
                        )
                    }
                    // `!e!x`: a tag with a handle no `%TAG` declares; tags are refused anyway
                    // (sweep 32, F4: the help was about indentation).
                    None if e.info().contains("handle") => (
                        span,
                        "remove the tag (the `!…!` before the value): tofugen accepts no YAML tags; it reads the value by its place in the file".to_string(),
                    ),
                    None => (span, causes::GENERIC_HELP.to_string()),
                };
                diags.push(
                    Diagnostic::error("yaml-syntax", format!("YAML syntax error: {}", e.info()))
                        .at(file, Some(span))
                        .expected("valid YAML")
                        .help(help),
                );
                return Err(with_tab(diags));
            }
        };
        let span = index.span(&yspan);
        last_end = span.end - base.1;
        if tab_line.is_some_and(|line| span.line >= line) {
            break;
        }
        let value = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => continue,
            Event::DocumentEnd => {
                let marker = span.start.checked_sub(base.1).and_then(|at| text.get(at..));
                if explicit_end.is_none() && marker.is_some_and(|rest| rest.starts_with("...")) {
                    explicit_end = Some(Span {
                        end: span.start + 3,
                        ..span
                    });
                }
                continue;
            }
            Event::DocumentStart(explicit) => {
                documents += 1;
                if documents > 1 {
                    // A second document begins at a `---`, or right after a `...` that ended
                    // the first one (sweep 30, F6: a `...` line was reported on the line after
                    // it, with a fix naming a `---` the file did not have).
                    let (at, help) = match explicit_end {
                        Some(end) if !explicit => (
                            end,
                            "remove the `...` line: it ends the YAML document, and the lines after it are read as another one",
                        ),
                        _ => (span, "remove the `---` separator and merge the documents"),
                    };
                    diags.push(
                        Diagnostic::error(
                            "yaml-documents",
                            "the file holds more than one YAML document",
                        )
                        .at(file, Some(at))
                        .expected("one document")
                        .help(help),
                    );
                    return Err(with_tab(diags));
                }
                continue;
            }
            Event::Alias(id) => match anchored.get(&id) {
                // A copy of the anchored value, within the file's bound of nodes (an alias
                // bomb is refused at the alias that would pass it, as any alias was before),
                // and for the first `MAX_ALIASES_READ` aliases of a read (each one a
                // diagnostic: 1.3 million of them took 0.5 GB, sweep 36, F1).
                Some((node, size))
                    if nodes + size <= MAX_NODES && aliases_read < MAX_ALIASES_READ =>
                {
                    diags.push(alias_error(file, span).note(ALIAS_READ));
                    aliases_read += 1;
                    nodes += size - 1;
                    node.clone()
                }
                found => {
                    let why = match found {
                        Some((_, size)) if nodes + size > MAX_NODES => format!(
                            "reading stopped here: a copy of its anchored value ({size} values) \
                             would take the file past {MAX_NODES} values"
                        ),
                        Some(_) => format!(
                            "reading stopped here: after {MAX_ALIASES_READ} aliases read as \
                             copies of their anchored values, the next one stops the parser"
                        ),
                        None => "reading stopped here: the alias is inside the value of its \
                                 own anchor"
                            .to_string(),
                    };
                    diags.push(alias_error(file, span).note(why));
                    return Err(with_tab(diags));
                }
            },
            Event::Scalar(value, style, anchor, tag) => {
                if anchor != 0 {
                    diags.push(anchor_error(file, span));
                }
                if let Some(t) = &tag
                    && !string_tag(t)
                {
                    diags.push(tag_error(file, span));
                }
                let value = match surrogates {
                    Some(s) => s.restore(value, style),
                    None => value,
                };
                // A block scalar's span from the parser runs on to where the next token starts
                // (the next key's line): its last content line ends it, so that a caret under
                // it does not spill onto the next key (sweep 26: TG105 under an `expr: |`).
                let span = if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
                    // Spans are in the file; the index may hold a part of it, from `base`.
                    let base = index.base.1;
                    let text = index
                        .text
                        .get(span.start - base..span.end - base)
                        .unwrap_or_default();
                    Span {
                        end: span.start + text.trim_end().len(),
                        ..span
                    }
                } else {
                    span
                };
                // A refused tag (reported above) is read as if absent: `port: !!int 8000` is
                // the number its text reads as, not also a string the schema refuses.
                let as_text = tag.as_ref().is_some_and(|t| string_tag(t));
                if style == ScalarStyle::Plain && !as_text && not_finite(&value) {
                    diags.push(not_finite_error(file, span, &value));
                }
                if style == ScalarStyle::Plain
                    && !as_text
                    && let Some(d) = octal_like_error(file, span, &value)
                {
                    diags.push(d);
                }
                let node = scalar(value, style, as_text, span);
                if anchor != 0 {
                    anchored.insert(anchor, (node.clone(), 1));
                }
                node
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                if anchor != 0 {
                    diags.push(anchor_error(file, span));
                }
                if tag.is_some() {
                    diags.push(tag_error(file, span));
                }
                if stack.len() >= MAX_DEPTH {
                    diags.push(too_deep(file, span));
                    return Err(with_tab(diags));
                }
                if anchor != 0 {
                    open_anchors.push((stack.len(), anchor, nodes));
                }
                if matches!(event, Event::SequenceStart(..)) {
                    stack.push(Frame::Seq(span, Vec::new()));
                } else {
                    stack.push(Frame::Map(span, Vec::new(), None, HashMap::new()));
                }
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq(span, items)) => Node {
                    kind: NodeKind::Seq(items),
                    span,
                },
                _ => continue,
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(span, entries, _, _)) => Node {
                    kind: NodeKind::Map(entries),
                    span,
                },
                _ => continue,
            },
        };
        nodes += 1;
        // An anchored collection ends here: it is kept for its aliases.
        if let Some(&(depth, id, before)) = open_anchors.last()
            && depth == stack.len()
            && matches!(value.kind, NodeKind::Seq(_) | NodeKind::Map(_))
        {
            open_anchors.pop();
            anchored.insert(id, (value.clone(), nodes - before));
        }
        if nodes > MAX_NODES {
            diags.push(
                Diagnostic::error("too-large", format!("more than {MAX_NODES} values"))
                    .at(file, Some(value.span))
                    .expected("a configuration of reasonable size")
                    .help("check that this is the right file"),
            );
            return Err(with_tab(diags));
        }
        // Attach the finished value to its parent.
        match stack.last_mut() {
            None => root = Some(value),
            Some(Frame::Seq(_, items)) => items.push(value),
            Some(Frame::Map(_, entries, pending, seen)) => match pending.take() {
                None => {
                    // This value is a key.
                    let name = match &value.kind {
                        NodeKind::Str(s) => s.clone(),
                        NodeKind::Int(i) => i.to_string(),
                        // `true:`, `TRUE:`: a boolean to YAML 1.2 readers, so a name only
                        // here, and `TRUE` would have become `true` (sweep 57, H3-5). Kept
                        // as written, so that the schema and the rules report on the name
                        // meant (`yaml-bool-key` is recoverable).
                        NodeKind::Bool(_) => {
                            let base = index.base.1;
                            let raw = index
                                .text
                                .get(value.span.start - base..value.span.end - base)
                                .unwrap_or_default();
                            diags.push(bool_key_error(file, value.span, raw));
                            raw.to_string()
                        }
                        NodeKind::Float(f) => f.to_string(),
                        NodeKind::Null => {
                            diags.push(key_error(file, value.span, "null"));
                            "null".to_string()
                        }
                        _ => {
                            diags.push(key_error(file, value.span, value.type_name()));
                            "<complex key>".to_string()
                        }
                    };
                    let first = seen.get(&name).copied();
                    let repeated = first.is_some();
                    if let Some(first_line) = first {
                        diags.push(
                            Diagnostic::error(
                                "yaml-duplicate-key",
                                format!("duplicate key `{name}`"),
                            )
                            .at(file, Some(value.span))
                            .expected("each key once per mapping")
                            .help(format!(
                                "`{name}` is already set at line {first_line}; merge the two entries"
                            )),
                        );
                    } else {
                        seen.insert(name.clone(), value.span.line);
                    }
                    *pending = Some((
                        Key {
                            name,
                            span: value.span,
                        },
                        repeated,
                    ));
                }
                // A repeated key's value is reported and dropped: the tree keeps the first.
                Some((_, true)) => {}
                Some((key, false)) => entries.push((key, value)),
            },
        }
    }
    let diags = with_tab(diags);
    // Repeated keys alone leave a whole tree (each mapping keeps a key's first value): it is
    // returned with them, so that the later stages report their problems in the same run.
    let only_recoverable = diags.iter().all(|d| RECOVERABLE.contains(&d.code.as_str()));
    if let Some(node) = root.take_if(|_| only_recoverable) {
        recovered.extend(diags);
        return Ok(node);
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    match root {
        Some(node) => Ok(node),
        None => Err(vec![
            Diagnostic::error("empty", "the file has no content")
                .at(file, Some(index.at_byte(0)))
                .expected("a mapping with `project`, `versions`, `defaults` and `environments`")
                .help("run `tofugen schema` to see the expected structure"),
        ]),
    }
}

/// Aliases one read of the file takes as copies of their anchored values
/// ([`crate::diagnostics::MAX_PER_CODE`], as many as a run describes); the next one stops the
/// parser, which reads on after it ([`build`]).
const MAX_ALIASES_READ: usize = crate::diagnostics::MAX_PER_CODE;

/// The note on an alias that was read as a copy of its anchored value (one that stopped the
/// parser has none: its anchor is unknown, or the copy would pass [`MAX_NODES`]).
const ALIAS_READ: &str = "the anchored value was read in its place, so that the rest of the \
                          file is checked: a problem inside it is shown at the anchor";

/// Whether `d` stopped the parser: a syntax error, a tab, or an alias that was not read as a
/// copy of its anchored value ([`ALIAS_READ`]).
fn stops(d: &Diagnostic) -> bool {
    STOPPING.contains(&d.code.as_str()) && !d.notes.iter().any(|n| n == ALIAS_READ)
}

/// An alias (`*name`) at `span`: refused, whether or not its anchor exists (an alias to no
/// anchor stops the parser, which says "unknown anchor"; in a block read on its own after a
/// stop, [`build`], the anchor may be outside the block).
fn alias_error(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error("yaml-alias", "YAML aliases (`*name`) are not accepted")
        .at(file, Some(span))
        .expected("plain values")
        .help("put shared settings under `defaults:`; every environment inherits them")
}

fn anchor_error(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error("yaml-anchor", "YAML anchors (`&name`) are not accepted")
        .at(file, Some(span))
        .expected("plain values")
        .help("put shared settings under `defaults:`; every environment inherits them")
}

/// Whether a scalar's tag only says "a string" (`!!str`): tofugen reads it as the string it
/// is. Any other tag (`!!int`, `!Ref`, `!x`, `!`) would change what the value means to some
/// YAML reader, or mean nothing to tofugen, and is refused.
fn string_tag(tag: &saphyr_parser::Tag) -> bool {
    tag.is_yaml_core_schema() && tag.suffix == "str"
}

fn tag_error(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error("yaml-tag", "YAML tags (`!name`, `!!int`) are not accepted")
        .at(file, Some(span))
        .expected("plain values (`!!str` is accepted on a string)")
        .help("remove the tag: tofugen reads the value by its place in the file, not by a tag")
}

/// Whether a plain scalar is a number of YAML 1.2's core schema that is not finite: infinity or
/// not-a-number (`.inf`, `-.Inf`, `.NaN`), or a float too large for 64 bits (`1e309`). No
/// setting takes one, and the tree holds numbers as JSON does, which has none: it is an error
/// here rather than text (sweep 56, I1: `.inf` and `1e309` were read as strings, `1e308` as a
/// number).
fn not_finite(v: &str) -> bool {
    let unsigned = v.strip_prefix(['-', '+']).unwrap_or(v);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") || matches!(v, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    plain_float(v).is_some_and(f64::is_infinite)
}

fn not_finite_error(file: FileId, span: Span, value: &str) -> Diagnostic {
    // A short value is named (`.inf`, `1e309`); a long one is not repeated: it may be a
    // secret of digits (review of stop 59).
    let (it, quoted) = if value.len() <= 12 {
        (format!("`{value}`"), format!("`\"{value}\"`"))
    } else {
        ("this value".to_string(), "in `\"…\"`".to_string())
    };
    Diagnostic::error(
        "yaml-number",
        format!("{it} is a number YAML reads as infinite or not a number"),
    )
    .at(file, Some(span))
    .expected("a finite number, or text in quotes")
    .help(format!(
        "quote it ({quoted}) if it is text, or write a number in range"
    ))
}

/// A plain integer that YAML 1.1 readers (PyYAML) read otherwise than YAML 1.2, which tofugen
/// reads: `017000` (a leading zero) is 17000 here and the octal 7680 there (or text, with an 8
/// or a 9), and `0o7000` is 3584 here and the text `0o7000` there. The same file would then
/// mean two things, and `ZIP: 01234` would be written as `1234` (sweep 57, H3-5: both forms
/// were taken silently). `04` is the same number to both, but its zero is dropped all the same.
/// The value is read as YAML 1.2 reads it, so the rest of the pipeline reports too
/// (`yaml-octal` is recoverable). The message quotes neither the value nor a reading of it:
/// the value may be a secret, and an octal reading gives it back (review of stop 59, F2).
fn octal_like_error(file: FileId, span: Span, v: &str) -> Option<Diagnostic> {
    let unsigned = v.strip_prefix(['-', '+']).unwrap_or(v);
    let octal = |d: &str| !d.is_empty() && d.bytes().all(|b| matches!(b, b'0'..=b'7'));
    let message = if v.strip_prefix("0o").is_some_and(octal) {
        "an integer written with `0o` is octal to tofugen (YAML 1.2), but text to a YAML 1.1 \
         reader (PyYAML)"
    } else if unsigned.len() > 1
        && unsigned.starts_with('0')
        && unsigned.bytes().all(|b| b.is_ascii_digit())
    {
        let digits = unsigned.trim_start_matches('0');
        if !octal(&unsigned[1..]) {
            "an integer with a leading zero is a decimal number to tofugen (YAML 1.2), but text to \
             a YAML 1.1 reader (PyYAML, with an 8 or a 9)"
        } else if digits.len() <= 1 {
            "an integer with a leading zero: the same number to every YAML reader, written \
             without its zero"
        } else {
            "an integer with a leading zero is a decimal number to tofugen (YAML 1.2), but an \
             octal number, another one, to a YAML 1.1 reader (PyYAML)"
        }
    } else {
        return None;
    };
    Some(
        Diagnostic::error("yaml-octal", message)
            .at(file, Some(span))
            .expected("a decimal integer with no leading zero, or text in quotes")
            .help(
                "write the number in decimal without leading zeros, or quote the value if it is \
                 text (a code, an identifier)",
            ),
    )
}

/// A plain `true` or `false` key (any case): a boolean to YAML 1.2 readers, so another tool
/// would not see the name tofugen reads.
fn bool_key_error(file: FileId, span: Span, raw: &str) -> Diagnostic {
    Diagnostic::error(
        "yaml-bool-key",
        "a mapping key is a boolean to YAML 1.2 readers",
    )
    .at(file, Some(span))
    .expected("a plain string key")
    .help(format!(
        "quote the key (`\"{raw}\":`) if it is a name, or rename it"
    ))
}

fn key_error(file: FileId, span: Span, found: &str) -> Diagnostic {
    Diagnostic::error("yaml-key", format!("a mapping key is {found}"))
        .at(file, Some(span))
        .expected("a plain string key")
        .help("quote the key or rename it")
}

/// The offset of the first CR not followed by LF, if any (a CRLF is a line break tofugen reads
/// as YAML does).
fn lone_carriage_return(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    // Most files hold no CR: one byte search rules them out.
    if !bytes.contains(&b'\r') {
        return None;
    }
    (0..bytes.len()).find(|&i| bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
}

/// Whether `k` is a key as configurations write them: letters, digits, `_`, `-` and `.`.
fn plain_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// The key and the whole value of a line `key: value: more` whose second `: ` (at the start
/// of `after`, the text from the parser's stop) is inside a plain value: `before` is the text
/// up to the stop. `None` for any other shape (a quoted or flow value, a list item, a second
/// colon that is not followed by a blank).
fn colon_in_plain_value<'t>(before: &'t str, after: &'t str) -> Option<(&'t str, String)> {
    let line_start = before.rsplit('\n').next()?;
    let line_end = after.split('\n').next()?.trim_end_matches('\r');
    if !line_end.starts_with(':') {
        return None;
    }
    let (key, value_start) = line_start.trim_start().split_once(": ")?;
    let key_ok = plain_key(key);
    let value_start = value_start.trim_start();
    let plain = !value_start.is_empty()
        && !value_start.starts_with(['"', '\'', '{', '[', '&', '*', '!', '|', '>', '#']);
    let value = format!("{value_start}{line_end}");
    // A comment after the value stays a comment.
    let value = value
        .split(" #")
        .next()
        .unwrap_or(&value)
        .trim_end()
        .to_string();
    (key_ok && plain && value.chars().count() <= 200).then_some((key, value))
}

/// Byte offset and character of the first NEL, LS or PS that ends a line: the file holds more
/// of them than line feeds, and one is followed (past blanks and more of them) by what starts
/// a YAML line, a comment, a list item or a key (`# x`, `- x`, `key:`). One inside a value
/// keeps the file's LFs, or is followed by more text (a minified JSON file's description: a
/// review found it called a line end).
fn unicode_line_ends(text: &str) -> Option<(usize, char)> {
    let is_end = |c: char| matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}');
    // Most files are ASCII: one scan rules them out.
    if text.is_ascii() {
        return None;
    }
    let ends = text.chars().filter(|&c| is_end(c)).count();
    let feeds = text.bytes().filter(|&b| b == b'\n').count();
    if ends <= feeds {
        return None;
    }
    let starts_a_line = |rest: &str| {
        let rest = rest.trim_start_matches(|c: char| is_end(c) || c == ' ');
        let key = rest.find(':').is_some_and(|i| plain_key(&rest[..i]));
        rest.starts_with('#') || rest.starts_with("- ") || key
    };
    text.char_indices()
        .find(|&(i, c)| is_end(c) && starts_a_line(&text[i + c.len_utf8()..]))
}

/// Byte offset and length of a `%YAML` directive naming another version than 1.2, among the
/// lines before the document (YAML 1.1 reads `010` as 8 and `yes` as true: the same file would
/// mean something else to a YAML 1.1 tool than to tofugen).
fn other_yaml_version(text: &str) -> Option<(usize, usize)> {
    // Most files hold no `%`: one byte search rules them out.
    if !text.as_bytes().contains(&b'%') {
        return None;
    }
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed.starts_with('%') {
            let mut words = trimmed.split_whitespace();
            if words.next() == Some("%YAML") && words.next() != Some("1.2") {
                return Some((offset, trimmed.len()));
            }
        } else if !(trimmed.trim_start().is_empty() || trimmed.trim_start().starts_with('#')) {
            return None;
        }
        offset += line.len();
    }
    None
}

/// Byte offset of the first tab in the indentation of each line that has one.
fn leading_tabs(text: &str) -> impl Iterator<Item = usize> + '_ {
    let mut offset = 0;
    // Most files hold no tab: one byte search rules them out.
    let lines = if text.as_bytes().contains(&b'\t') {
        text
    } else {
        ""
    };
    lines.split_inclusive('\n').filter_map(move |line| {
        let start = offset;
        offset += line.len();
        line.bytes()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .position(|b| b == b'\t')
            .map(|i| start + i)
    })
}

fn scalar(value: Cow<'_, str>, style: ScalarStyle, tagged: bool, span: Span) -> Node {
    let kind = if style != ScalarStyle::Plain || tagged {
        NodeKind::Str(value.into_owned())
    } else {
        core_schema(&value)
    };
    Node { kind, span }
}

/// The number a plain scalar of the core schema's float form (a sign, digits, `.`, an exponent)
/// reads as, finite or not (`1e309` is infinite); `None` for any other text. [`core_schema`]
/// takes the finite ones, and [`not_finite`] refuses the others.
fn plain_float(v: &str) -> Option<f64> {
    let d = v.strip_prefix(['-', '+']).unwrap_or(v);
    let looks_float = !d.is_empty()
        && d.bytes().all(|b| {
            b.is_ascii_digit() || b == b'.' || b == b'e' || b == b'E' || b == b'-' || b == b'+'
        })
        && d.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_digit() || b == b'.')
        && d.bytes().any(|b| b.is_ascii_digit());
    looks_float.then(|| v.parse::<f64>().ok()).flatten()
}

/// YAML 1.2 core schema resolution of a plain scalar.
fn core_schema(v: &str) -> NodeKind {
    match v {
        "" | "~" | "null" | "Null" | "NULL" => return NodeKind::Null,
        "true" | "True" | "TRUE" => return NodeKind::Bool(true),
        "false" | "False" | "FALSE" => return NodeKind::Bool(false),
        _ => {}
    }
    // Base 8 and base 16, unsigned (the core schema's `0o[0-7]+` and `0x[0-9a-fA-F]+`); one
    // too large for an integer is a number, as a decimal one is below.
    for (prefix, radix) in [("0o", 8), ("0x", 16)] {
        if let Some(rest) = v.strip_prefix(prefix)
            && !rest.is_empty()
            && rest.bytes().all(|b| (b as char).is_digit(radix))
        {
            return match i64::from_str_radix(rest, radix) {
                Ok(i) => NodeKind::Int(i),
                Err(_) => NodeKind::Float(rest.bytes().fold(0.0, |n, b| {
                    n * f64::from(radix) + f64::from((b as char).to_digit(radix).unwrap_or(0))
                })),
            };
        }
    }
    let digits = v.strip_prefix(['-', '+']).unwrap_or(v);
    if !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && let Ok(i) = v.parse::<i64>()
    {
        return NodeKind::Int(i);
    }
    if let Some(f) = plain_float(v)
        && f.is_finite()
    {
        return NodeKind::Float(f);
    }
    NodeKind::Str(v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Node {
        load(SourceMap::single("t.yaml").1, text.as_bytes())
            .map(|(_, n)| n)
            .unwrap()
    }

    fn err(text: &[u8]) -> Vec<Diagnostic> {
        load(SourceMap::single("t.yaml").1, text).unwrap_err().1
    }

    /// Sweep 38, F5: a plain key past YAML's 1024 characters is named as such, not blamed on
    /// indentation; a key of 1000 characters is read.
    #[test]
    fn a_key_past_1024_characters_is_named() {
        let long = format!("project: p\n{}: 1\n", "k".repeat(1030));
        let d = err(long.as_bytes());
        let help = d[0].help.as_deref().unwrap();
        assert!(
            help.starts_with("this key is 1030 characters long"),
            "{help}"
        );
        let short = format!("project: p\n{}: 1\n", "k".repeat(1000));
        assert!(load(SourceMap::single("t.yaml").1, short.as_bytes()).is_ok());
    }

    /// Reading on after a stop reports no problem the file does not have (sweep 21, each case
    /// a finding: every error shown here is one the file has, at the line the parser gives
    /// for it alone), and finds the second problem where it is independent of the first.
    #[test]
    fn reading_on_after_a_stop_makes_no_error_up() {
        /// A problem: its code, line and column.
        type Found<'a> = (&'a str, usize, usize);
        let cases: [(&str, &[Found]); 19] = [
            // A tab-indented first child of a block: reading goes on with its siblings, not at
            // the next top-level key (sweep 58c, F2: a tab hid the rest of `defaults:`).
            (
                "d:\n\tr: x\n  a: 1\n  a: 2\n  b: [c\ne: 1\n",
                &[
                    ("yaml-tab", 2, 1),
                    ("yaml-duplicate-key", 4, 3),
                    ("yaml-syntax", 6, 1),
                ],
            ),
            // A quoted scalar refused for a line indented too little: read on after its end.
            (
                "e:\n  N: \"first\n    second: [x]\n  -   third\"\n  O: 1\n  P: x: y\n",
                &[("yaml-syntax", 2, 6), ("yaml-syntax", 6, 7)],
            ),
            // A key one space off: its siblings are not read as its children.
            ("a:\n  b: 1\n c: 2\n  d: 3\n", &[("yaml-syntax", 3, 2)]),
            (
                "a:\n  b: \"x\" y\n c: 1\n  d: 2\n",
                &[("yaml-syntax", 2, 10)],
            ),
            // Block scalars after `- `, after a non-ASCII key, with a blank line of spaces or
            // a tab in their text: their text is not read as YAML.
            (
                "l:\n  - a:\n      b: \"x\" y\n  - |\n      c: [d\n",
                &[("yaml-syntax", 3, 14)],
            ),
            (
                "a:\n  b:\n    x: \"x\" y\n  \u{e9}t\u{e9}: |\n    c: [d\n",
                &[("yaml-syntax", 3, 12)],
            ),
            (
                "a:\n  s: |\n        \n    k: [v\n  b: 1\n",
                &[("yaml-syntax", 4, 5)],
            ),
            (
                "a:\n  s: |\n    one\n    \ttwo\n    key: [x\n  b: 1\n",
                &[("yaml-tab", 4, 5)],
            ),
            // A flow mapping across lines, a file in JSON style: their lines are not blocks.
            (
                "a:\n  b: { x: 1,\n    y: 2, z: 3 } }\n",
                &[("yaml-syntax", 3, 18)],
            ),
            (
                "a:\n  b: { x: 1,\n    y: \"1\" q,\n    z: [3] }\n",
                &[("yaml-syntax", 3, 12)],
            ),
            (
                "{\n  \"a\": \"1\" x,\n  \"b\": {\n    \"c\": 1\n  },\n  \"d\": 2\n}\n",
                &[("yaml-syntax", 2, 12)],
            ),
            // A line indented with a tab does not end a block.
            (
                "a:\n  b: \"x\" y\n  c: [1,\n\t  2]\n",
                &[("yaml-syntax", 2, 10), ("yaml-tab", 4, 1)],
            ),
            // A sequence as indented as its key: a key after its entries is not in their block.
            (
                "a:\n  c:\n  - x\n  - | [v\n    t: [x\n  - y\n  e: 1\n",
                &[("yaml-syntax", 4, 5)],
            ),
            // Independent problems after a stop: a later entry, the block after a tabbed line.
            (
                "o:\n  - r: a\n    l: \"x\" y\n    s: r\n  - r: b\n    l: \"x\" y\n",
                &[("yaml-syntax", 3, 12), ("yaml-syntax", 6, 12)],
            ),
            (
                "a:\n  b:\n\tc: 1\n  d:\n    e: \"x\" y\n",
                &[("yaml-tab", 3, 1), ("yaml-syntax", 5, 12)],
            ),
            // A key indented one space less than its siblings, after a problem: the sibling
            // after it is not made an error (the lines indented further after ` c: 1` continue
            // its plain value as YAML reads them: the unclosed bracket there is not reported).
            (
                "a:\n  b: \"x\" y\n c: 1\n  d: 2\n  e: [1\n",
                &[("yaml-syntax", 2, 10)],
            ),
            // Sweep 22: `: v` is the value of the `? k` before it, not a key; a plain value's
            // continuation lines (one starting with `- `) are not blocks.
            ("a: *x\n? k\n: v\n", &[("yaml-alias", 1, 4)]),
            ("b: foo\n  bar\n\tbaz\n  - [q\n", &[("yaml-tab", 3, 1)]),
            (
                "a:\n  b: foo\n    bar: x\n    - [q\n",
                &[("yaml-syntax", 3, 8)],
            ),
        ];
        for (text, want) in cases {
            let diags = err(text.as_bytes());
            let found: Vec<Found> = diags
                .iter()
                .filter(|d| d.code.starts_with("yaml-"))
                .map(|d| {
                    let s = d.span.unwrap();
                    (d.code.as_str(), s.line, s.col)
                })
                .collect();
            assert_eq!(found, want, "{text:?}");
        }
    }

    /// Sweep 24: a flow collection left open is named where the parser finds out, on the next
    /// line that starts a node (after blank lines) or inside it; and the rest of a flow
    /// sequence written at column 1 does not make reading skip to the next top-level key.
    #[test]
    fn an_unclosed_bracket_is_named_where_the_parser_stops() {
        /// The problems of `text`: line, column, expected, notes and help.
        fn found(text: &str) -> Vec<(usize, usize, String, Vec<String>, String)> {
            err(text.as_bytes())
                .into_iter()
                .map(|d| {
                    let s = d.span.unwrap();
                    let expected = d.expected.unwrap_or_default();
                    (s.line, s.col, expected, d.notes, d.help.unwrap_or_default())
                })
                .collect()
        }
        let left_open = |line, col| {
            (
                format!("`]` closing the `[` opened at {line}:{col}"),
                vec![format!(
                    "the `[` opened at line {line}, column {col} is still open here: a flow \
                     collection ends at its `]`, and the lines that continue it are indented \
                     further than the line that opened it"
                )],
                format!(
                    "add the missing `]` on line {line}, or indent the lines that continue it \
                     further than line {line}"
                ),
            )
        };
        let plain = |line: usize, col: usize, (e, n, h): (String, Vec<String>, String)| {
            (line, col, e, n, h)
        };
        // After a blank line, on the next key.
        assert_eq!(
            found("a:\n  b: [x, y\n\n  c: 1\n"),
            [plain(4, 4, left_open(2, 6))]
        );
        // At the end of the file, the outer of two brackets (the inner one closed).
        let braces = found("a: {x: [1,\n  2]\n");
        assert_eq!((braces[0].0, braces[0].1), (3, 1));
        assert_eq!(braces[0].2, "`}` closing the `{` opened at 1:4");
        // Brackets opened inside it and left open too: every closer, innermost first, on the
        // collection's last line (sweep 25), quotes and comments skipped.
        let nested = found("a: {b: [1, {c: \"]\" # ]\n  , d: 2\ne: 3\n");
        assert_eq!((nested[0].0, nested[0].1), (3, 2));
        assert_eq!(
            nested[0].2,
            "`}]}` closing the `{` opened at 1:4 and the 2 brackets opened inside it"
        );
        assert_eq!(
            nested[0].4,
            "add the missing `}]}` on line 2, or indent the lines that continue it further \
             than line 1"
        );
        // Inside it: said, without taking the place of the parser's expectation.
        assert_eq!(
            found("a:\n  b: [x,\n    c: 1 d: 2\n  e: 1\n"),
            [(
                3,
                11,
                "valid YAML".to_string(),
                vec![
                    "this line is inside the `[` opened at line 2, column 6, not closed before \
                     it"
                    .to_string()
                ],
                "if the `[` should have ended before this line, add its `]` there; otherwise \
                 check the commas and colons on this line and the one before"
                    .to_string()
            )]
        );
        // Continued at column 1: the problem further down the same section is found too.
        let both = found("a:\n  b:\n    c: [x,\ny]\n    d: 1\n  e: \"x\" y\n");
        assert_eq!(both.len(), 2, "{both:?}");
        assert_eq!(both[0], plain(4, 1, left_open(3, 8)));
        assert_eq!((both[1].0, both[1].1), (6, 10));
        // Each of several such blocks, one after the other.
        let each = found("a:\n  b0: [\n x0\n  b1: [\n x1\n  b2: 1\n");
        assert_eq!(
            each,
            [plain(3, 2, left_open(2, 7)), plain(5, 2, left_open(4, 7))]
        );
        // A bracket closed on a later line is named nowhere.
        let closed = found("a:\n  b: [x,\n    y]\n  c: \"x\" y\n");
        assert_eq!(closed.len(), 1);
        assert!(closed[0].3.is_empty(), "{closed:?}");
    }

    /// Sweep 24: past the bounds of reading on (the stops a run describes of one code), the last
    /// problem says where reading stopped; past the tabs described, one more counts the rest.
    #[test]
    fn the_bounds_of_reading_on_are_said() {
        let mut text = String::from("a:\n");
        for i in 0..250 {
            text.push_str(&format!("  k{i}: \"x\" y\n"));
        }
        let diags = err(text.as_bytes());
        assert_eq!(diags.len(), MAX_RESUMES + 1);
        let last = diags.last().unwrap();
        assert_eq!(last.span.unwrap().line, MAX_RESUMES + 2);
        assert_eq!(
            last.notes,
            [format!(
                "reading stopped here: after {} problems that stop the parser, the lines from {} \
                 on were not parsed (only searched for tabs in their indentation), and may hold \
                 more; fix these, then run again",
                MAX_RESUMES + 1,
                MAX_RESUMES + 3
            )]
        );
        assert!(diags[..MAX_RESUMES].iter().all(|d| d.notes.is_empty()));
        // Fewer: no such note.
        let few: String = text.lines().take(100).map(|l| format!("{l}\n")).collect();
        assert!(err(few.as_bytes()).iter().all(|d| d.notes.is_empty()));

        let mut tabs = String::from("a:\n");
        for i in 0..300 {
            tabs.push_str(&format!("\tk{i}: 1\n"));
        }
        let diags = err(tabs.as_bytes());
        let max = crate::diagnostics::MAX_PER_CODE;
        let described = diags.iter().filter(|d| d.omitted == 0).count();
        assert_eq!(described, max, "{diags:?}");
        let counting: Vec<_> = diags.iter().filter(|d| d.omitted > 0).collect();
        assert_eq!(counting.len(), 1);
        assert_eq!(counting[0].omitted, 300 - max);
        assert_eq!(counting[0].span.unwrap().line, max + 2);
        assert!(diags.iter().all(|d| d.code == "yaml-tab"));
    }

    /// A quote left open makes every block after it run to the end of the file, which no
    /// window can cut: reading again stops past [`READ_AGAIN_BYTES`] and [`READ_AGAIN_TIMES`]
    /// the file's size, with the problems found so far, instead of reading the file once per
    /// problem above the quote.
    #[test]
    fn reading_again_is_bounded_by_the_file_size() {
        let mut text = String::from("a:\n");
        for i in 0..50 {
            text.push_str(&format!("  k{i}: \"x\" y\n"));
        }
        text.push_str("  big: 'open\n");
        while text.len() < 2 << 20 {
            text.push_str("    f: vvvvvvvvvvvv\n");
        }
        let budget = READ_AGAIN_BYTES + READ_AGAIN_TIMES * text.len();
        let found = err(text.as_bytes()).len();
        // Each read after the first runs to the end: the budget allows about budget / size.
        let reads = budget / text.len() + 2;
        assert!(
            found > 1 && found <= reads,
            "{found} problems, {reads} reads allowed"
        );
    }

    /// [`read_block`] reads a long block in growing windows: whatever it stops at, and
    /// wherever (around each window's cut, past the first window, at the block's end), it finds
    /// what one read of the whole block finds, at the file's positions.
    #[test]
    fn a_block_read_in_windows_finds_what_one_read_of_the_block_finds() {
        let file = SourceMap::single("t.yaml").1;
        let entries = 1100;
        // Entry `i` is on line 2i-3 (2i-2 under `big:`): the first two windows are cut at lines
        // 258-259 and 1026-1027, after entries 130-131 and 514-515.
        let around_cuts = (128..=133).chain(512..=517);
        for broken in [3, 256, 600, 1024, entries + 2]
            .into_iter()
            .chain(around_cuts)
        {
            // The entries right under the block's key, or under a child of it (the windows
            // are then cut inside that child's mapping).
            for (head, pad) in [("", "  "), ("  big:\n", "    ")] {
                for kind in [
                    "[1",
                    "{a: 1",
                    "x: y",
                    "\"open",
                    "v\n\tt: 1",
                    "*alias",
                    &format!("v\n{pad}k3: dup"),
                ] {
                    let mut text = format!("x: 1\ns:\n{head}");
                    let mut broken_line = 0;
                    for i in 3..=entries + 2 {
                        if i == broken {
                            broken_line = text.matches('\n').count() + 1;
                            text.push_str(&format!("{pad}k{i}: {kind}\n"));
                        } else {
                            text.push_str(&format!("{pad}k{i}: v\n{pad}  # c\n"));
                        }
                    }
                    text.push_str("z: 1\n");
                    let lines = line_starts(&text);
                    let outline = outline::outline(&text, &lines);
                    let end_line = block_end(&outline, 2, 0);
                    let (windowed, _) =
                        read_block(file, &text, &lines, &outline, 2, end_line, None);
                    let end = lines.get(end_line - 1).copied().unwrap_or(text.len());
                    let mut recovered = Vec::new();
                    let mut whole = build_once(
                        file,
                        &text[lines[1]..end],
                        (1, lines[1]),
                        None,
                        &mut recovered,
                    )
                    .err()
                    .unwrap_or(recovered);
                    whole.retain(|d| d.code != "empty");
                    let shown = |d: &[Diagnostic]| {
                        d.iter()
                            .map(|d| (d.code.clone(), d.message.clone(), d.span))
                            .collect::<Vec<_>>()
                    };
                    assert_eq!(shown(&windowed), shown(&whole), "{kind:?} at line {broken}");
                    // The problem is found, at its line or the next.
                    assert!(
                        windowed.iter().any(|d| d
                            .span
                            .is_some_and(|s| (broken_line..=broken_line + 1).contains(&s.line))),
                        "{kind:?} at line {broken_line}: {windowed:#?}"
                    );
                }
            }
        }
    }

    #[test]
    fn keeps_positions_and_types() {
        let n = ok("a:\n  b: 1\n  c: \"1\"\n  d: 1.5\n  e: yes\n  f: ~\n");
        let (key, b) = n.get("a").unwrap().entry("b").unwrap();
        assert_eq!((key.span.line, key.span.col), (2, 3));
        assert_eq!((b.span.line, b.span.col), (2, 6));
        assert_eq!(b.kind, NodeKind::Int(1));
        let a = n.get("a").unwrap();
        assert_eq!(a.get("c").unwrap().kind, NodeKind::Str("1".into()));
        assert_eq!(a.get("d").unwrap().kind, NodeKind::Float(1.5));
        assert_eq!(a.get("e").unwrap().kind, NodeKind::Str("yes".into()));
        assert_eq!(a.get("f").unwrap().kind, NodeKind::Null);
    }

    /// JSON's surrogate pairs (what `json.dumps` writes for U+1F600) load as the character in
    /// double-quoted scalars and keys, stay text elsewhere, and move no position; a surrogate
    /// alone is still an error.
    #[test]
    fn json_surrogate_pairs_load_as_characters() {
        let text = r#"{"k\uD83D\uDE00": "a\uD83D\uDE00b\ud83d\ude0e", "p": '\uD83D\uDE00', "q": x\uD83D\uDE00, "k\uD83D\uDE00": 2} # \uD83D\uDE00
"#;
        let d = err(text.as_bytes());
        // The duplicate key is found, at its own column: the rewrite moved nothing.
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, "yaml-duplicate-key");
        assert_eq!(d[0].message, "duplicate key `k\u{1F600}`");
        assert_eq!(d[0].span.map(|s| (s.line, s.col)), Some((1, 90)));
        let n = ok(&text.replace(r#", "k\uD83D\uDE00": 2"#, ""));
        let (key, v) = &n.entries()[0];
        assert_eq!(key.name, "k\u{1F600}");
        assert_eq!(v.kind, NodeKind::Str("a\u{1F600}b\u{1F60E}".into()));
        assert_eq!(
            n.get("p").unwrap().kind,
            NodeKind::Str(r"\uD83D\uDE00".into())
        );
        assert_eq!(
            n.get("q").unwrap().kind,
            NodeKind::Str(r"x\uD83D\uDE00".into())
        );
        let d = err(b"a: \"\\uD83D\\uDE00\"\nb: \"\\uDE00\"\n");
        assert_eq!(d[0].code, "yaml-syntax");
        assert_eq!(d[0].span.map(|s| s.line), Some(2));
    }

    /// The examples of the YAML 1.2.2 core schema (section 10.3.2, "Tag Resolution"), resolved
    /// as the spec resolves them, except infinity and NaN: JSON (what the schema check and the
    /// outputs hold) has neither, so tofugen reads them as text (and a field that wants a
    /// number says so).
    #[test]
    fn resolves_plain_scalars_as_the_core_schema_does() {
        use NodeKind::*;
        let cases: &[(&str, NodeKind)] = &[
            ("null", Null),
            ("", Null),
            ("~", Null),
            ("true", Bool(true)),
            ("True", Bool(true)),
            ("FALSE", Bool(false)),
            ("0", Int(0)),
            ("0o7", Int(7)),
            ("0x3A", Int(58)),
            ("0x1f", Int(31)),
            ("-19", Int(-19)),
            ("0.", Float(0.0)),
            ("-0.0", Float(-0.0)),
            (".5", Float(0.5)),
            ("+12e03", Float(12000.0)),
            ("-2E+05", Float(-200000.0)),
            // Not the core schema's integers: text.
            ("0x", Str("0x".into())),
            ("0o8", Str("0o8".into())),
            ("-0x1F", Str("-0x1F".into())),
            ("0X1F", Str("0X1F".into())),
            ("1_000", Str("1_000".into())),
            ("12:30", Str("12:30".into())),
            ("yes", Str("yes".into())),
            // Infinity and NaN: text (see above).
            (".inf", Str(".inf".into())),
            ("-.Inf", Str("-.Inf".into())),
            (".NAN", Str(".NAN".into())),
        ];
        for (text, kind) in cases {
            assert_eq!(&core_schema(text), kind, "{text:?}");
        }
        // Too large for an integer: a number, in base 16 as in base 10.
        assert_eq!(
            core_schema("0xFFFFFFFFFFFFFFFFF"),
            Float(2f64.powi(68) - 1.0)
        );
        assert_eq!(core_schema("99999999999999999999"), Float(1e20));
    }

    #[test]
    fn pointer_finds_keys() {
        let n = ok("x:\n  y:\n    - 1\n    - z: 2\n");
        let (node, key) = n.pointer("/x/y/1/z");
        assert_eq!(node.kind, NodeKind::Int(2));
        assert_eq!(key.unwrap().name, "z");
    }

    #[test]
    fn rejects_hostile_input() {
        assert_eq!(err(b"")[0].code, "empty");
        assert_eq!(err(b"# only a comment\n")[0].code, "empty");
        // CR line endings: refused at the first lone CR, with its position, whatever precedes
        // it (a comment made the whole file one comment line); CRLF is read.
        for (text, line, col) in [
            (&b"# header\rproject: a\r"[..], 1, 9),
            (b"project: a\r\nversions: {}\rdefaults: {}\n", 2, 13),
            (b"project: a\r", 1, 11),
        ] {
            let e = err(text);
            assert_eq!(e.len(), 1, "{e:?}");
            assert_eq!(e[0].code, "yaml-line-break");
            let span = e[0].span.expect("a position");
            assert_eq!((span.line, span.col), (line, col), "{text:?}");
        }
        assert!(lone_carriage_return("a: 1\r\nb: 2\r\n").is_none());
        // NEL, LS and PS as line ends (YAML 1.2 reads them as characters: a file starting with
        // a comment read as "no content"); one inside a value of a file with LFs is text.
        for (sep, col) in [("\u{85}", 9), ("\u{2028}", 9), ("\u{2029}", 9)] {
            let text = format!("# header{sep}project: a{sep}versions: {{}}{sep}");
            let e = err(text.as_bytes());
            assert_eq!(e.len(), 1, "{e:?}");
            assert_eq!(e[0].code, "yaml-line-break", "{e:?}");
            let span = e[0].span.expect("a position");
            assert_eq!((span.line, span.col), (1, col), "{text:?}");
        }
        assert!(unicode_line_ends("a: \"x\u{2028}y\"\nb: 1\n").is_none());
        // An unquoted `: ` inside a value: the help says to quote the value, without it (it
        // may be a secret: review of stop 59).
        let e = err(b"project: a\ndescription: Streamlit UI: from the image # c\n");
        assert_eq!(e[0].code, "yaml-syntax", "{e:?}");
        assert_eq!(
            e[0].help.as_deref(),
            Some(
                "a `: ` inside a value reads as a new key: if the value is text, put it whole in double quotes (a `\"` or `\\` inside written `\\\"` or `\\\\`); otherwise remove the second `:`"
            ),
            "{e:?}"
        );
        let e = err(b"project: a\nDB_PASSWORD: hun\\ter2: x\n");
        let all = format!(
            "{} {:?} {:?} {:?}",
            e[0].message, e[0].expected, e[0].help, e[0].notes
        );
        assert!(!all.contains("ter2"), "{all}");
        assert!(colon_in_plain_value("  - a: ", ": b").is_none());
        assert!(colon_in_plain_value("a: \"x", ": y\"").is_none());
        // A one-line file (minified JSON) with one in a value: no line ends there.
        assert!(unicode_line_ends("{\"project\": \"a\", \"d\": \"x\u{2028}y z\"}").is_none());
        assert_eq!(
            other_yaml_version("# c\n%YAML 1.1\n---\na: 1\n"),
            Some((4, 9))
        );
        assert_eq!(other_yaml_version("%YAML 1.2\n---\na: 1\n"), None);
        assert_eq!(other_yaml_version("a: \"x\n%YAML 1.1\"\n"), None);
        assert_eq!(err(b"a: 1\x00")[0].code, "binary");
        assert_eq!(err(b"a: \xff\n")[0].code, "encoding");
        assert_eq!(err(b"a:\n\tb: 1\n")[0].code, "yaml-tab");
        // A tab does not hide what comes before it: every problem at once (sweep 33, finding
        // 12); nor what follows it, read from the next top-level key (sweep 36, garbage F6);
        // and the parser's complaint about the tab is not repeated.
        let d = err(b"a: 1\na: 2\nb:\n  c: 1\n  c: 2\nd:\n\te: 1\nf: 1\nf: 2\n");
        let codes: Vec<(&str, usize)> = d
            .iter()
            .map(|d| (d.code.as_str(), d.span.unwrap().line))
            .collect();
        assert_eq!(
            codes,
            [
                ("yaml-duplicate-key", 2),
                ("yaml-duplicate-key", 5),
                ("yaml-tab", 7),
                ("yaml-duplicate-key", 9)
            ]
        );
        // Four tabs (two in one block, one after a space), two syntax errors: each one, at its
        // own line and column, with the byte offsets of the whole file.
        let text =
            "a:\n\tb: 1\n \tc: 1\ne:\n\tf: 1\nx: 1\ng: [1\nh: 1\ni: x: y\nj:\n\tk: 1\nl: 1\n";
        let d = err(text.as_bytes());
        let found: Vec<(&str, usize, usize)> = d
            .iter()
            .map(|d| {
                let s = d.span.unwrap();
                (d.code.as_str(), s.line, s.col)
            })
            .collect();
        assert_eq!(
            found,
            [
                ("yaml-tab", 2, 1),
                ("yaml-tab", 3, 2),
                ("yaml-tab", 5, 1),
                ("yaml-syntax", 8, 2),
                ("yaml-syntax", 9, 5),
                ("yaml-tab", 11, 1)
            ],
            "{d:#?}"
        );
        for d in &d {
            let s = d.span.unwrap();
            let line_start = text[..s.start].rfind('\n').map_or(0, |i| i + 1);
            assert_eq!(
                text[..line_start].matches('\n').count() + 1,
                s.line,
                "{d:?}"
            );
        }
        // Syntax errors in one section, in sibling and nested blocks: each one, at its line
        // (reading resumes at the line the parser stopped at, an unclosed bracket being found
        // at the next key), none in the block scalar after them; an alias whose anchor is
        // outside the block read is an alias, not an unknown anchor.
        let text = "e:\n  s:\n    a:\n      p: [1\n      c: 2\n    b:\n      d: |\n        n: [x\n        \
                    p: x: y\n      q: 1: 2\n      r: 3\n  t:\n    u: {v: 1\n    w: 4: 5\nz: *y\n";
        let d = err(text.as_bytes());
        let found: Vec<(&str, usize, usize)> = d
            .iter()
            .map(|d| {
                let s = d.span.unwrap();
                (d.code.as_str(), s.line, s.col)
            })
            .collect();
        assert_eq!(
            found,
            [
                ("yaml-syntax", 5, 8),
                ("yaml-syntax", 10, 11),
                ("yaml-syntax", 14, 6),
                ("yaml-syntax", 14, 9),
                ("yaml-alias", 15, 4)
            ],
            "{d:#?}"
        );
        // A syntax error before the tab is reported with it.
        let d = err(b"a: b: c\nd:\n\te: 1\n");
        let codes: Vec<&str> = d.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["yaml-syntax", "yaml-tab"], "{d:#?}");
        let d = err(b"a: 1\nb: 2\na: 3\n");
        assert_eq!(d[0].code, "yaml-duplicate-key");
        assert_eq!(d[0].span.unwrap().line, 3);
        assert_eq!(err(b"a: &x 1\nb: *x\n")[0].code, "yaml-anchor");
        for tagged in [
            &b"a: !x 1\n"[..],
            b"a: !!int 5\n",
            b"a: !Ref b\n",
            b"a: !!map {b: 1}\n",
            b"a: !x [1]\n",
            b"a: !<tag:example.org,1:x> 1\n",
            b"a: ! 1\n",
        ] {
            let e = err(tagged);
            assert!(
                e.iter().any(|d| d.code == "yaml-tag"),
                "{}: {e:?}",
                String::from_utf8_lossy(tagged)
            );
        }
        let (_, tree) = load(SourceMap::single("t.yaml").1, b"a: !!str 1\n").unwrap();
        assert_eq!(tree.get("a").unwrap().kind, NodeKind::Str("1".into()));
        assert_eq!(err(b"a: [1, 2\n")[0].code, "yaml-syntax");
        assert_eq!(err(b"a: 1\n---\nb: 2\n")[0].code, "yaml-documents");
        // An undeclared tag handle: told to remove the tag.
        let d = &err(b"a: !e!x 1\n")[0];
        assert!(
            d.help
                .as_deref()
                .unwrap_or("")
                .starts_with("remove the tag"),
            "{d:?}"
        );
        // A `...` inside the file ends the document: reported at it, not at the next line.
        let d = &err(b"a: 1\n...\nb: 2\n")[0];
        assert_eq!(d.code, "yaml-documents");
        assert_eq!(
            d.span.map(|s| (s.line, s.col, s.end - s.start)),
            Some((2, 1, 3))
        );
        assert!(
            d.help
                .as_deref()
                .unwrap_or("")
                .contains("remove the `...` line"),
            "{d:?}"
        );
        // A final `...` ends the only document: accepted.
        assert!(load(SourceMap::single("t.yaml").1, b"a: 1\n...\n").is_ok());
        let deep = "[".repeat(10_000);
        assert_eq!(err(deep.as_bytes())[0].code, "too-deep");
        let huge = vec![b'#'; MAX_FILE_BYTES + 1];
        assert_eq!(err(&huge)[0].code, "too-large");
    }

    #[test]
    fn nul_and_invalid_utf8_are_reported_at_line_and_column() {
        // Columns count characters: `é` is one.
        let (source, d) = load(
            SourceMap::single("t.yaml").1,
            "a: 1\nb: \"é\0\"\n".as_bytes(),
        )
        .unwrap_err();
        assert_eq!(d[0].code, "binary");
        let span = d[0].span.expect("a NUL byte has a position");
        assert_eq!((span.line, span.col), (2, 6));
        let source = source.unwrap();
        assert_eq!(&source[span.start..span.end], "\0");
        assert!(!d[0].message.contains("offset"), "{}", d[0].message);

        let (source, d) = load(
            SourceMap::single("t.yaml").1,
            b"a: 1\nbb: caf\xc3\xa9 \xff\xfe\0\n",
        )
        .unwrap_err();
        assert_eq!(d[0].code, "encoding");
        let span = d[0].span.unwrap();
        assert_eq!((span.line, span.col), (2, 10));
        let source = source.unwrap();
        assert_eq!(source, "a: 1\nbb: café <0xff><0xfe>\0\n");
        assert_eq!(&source[span.start..span.end], "<0xff>");
        assert_eq!(
            d[0].message,
            "invalid UTF-8: <0xff> is not a UTF-8 character"
        );
        assert!(!d[0].message.contains("byte"), "{}", d[0].message);

        // Whichever comes first is reported.
        let d = err(b"\xff\n\0");
        assert_eq!(
            (d[0].code.as_str(), d[0].span.unwrap().line),
            ("encoding", 1)
        );
        let d = err(b"x\n\0\n\xff");
        assert_eq!((d[0].code.as_str(), d[0].span.unwrap().line), ("binary", 2));

        // A UTF-16 or UTF-32 file is named by its byte order mark (sweep 24), not as binary.
        for (bytes, name) in [
            (&b"\xff\xfea\0:\0 \x001\0\n\0"[..], "UTF-16 (little-endian)"),
            (&b"\xfe\xff\0a\0:\0 \x001\0\n"[..], "UTF-16 (big-endian)"),
            (&b"\xff\xfe\0\0a\0\0\0"[..], "UTF-32 (little-endian)"),
            (&b"\0\0\xfe\xff\0\0\0a"[..], "UTF-32 (big-endian)"),
        ] {
            let d = err(bytes);
            assert_eq!(d[0].code, "encoding");
            assert_eq!(
                d[0].message,
                format!(
                    "the file is encoded in {name}: it starts with that encoding's byte order mark"
                )
            );
        }
    }

    /// A key indented off the keys before it is explained (sweep 24): further than a key whose
    /// value is on its line, or between two levels; a dedent to a level that exists is not.
    #[test]
    fn a_key_moved_out_between_two_siblings_is_named() {
        let d = err(b"versions:\n  a: 1\nb: 2\n  c: 3\n");
        assert_eq!(d[0].span.map(|s| s.line), Some(4), "{d:?}");
        assert_eq!(
            d[0].help.as_deref(),
            Some(
                "indent line 3 2 spaces, as lines 2 and 4, if it is a key of their mapping; or \
                 this line 0 spaces, if it is that key's sibling"
            ),
            "{d:?}"
        );
        // Without a sibling above at this line's indentation, the help is as before.
        let d = err(b"versions:\nb: 2\n  c: 3\n");
        assert_eq!(
            d[0].help.as_deref(),
            Some("indent it 0 spaces, as line 2, if it is that key's sibling"),
            "{d:?}"
        );
    }

    #[test]
    fn a_misaligned_key_is_explained() {
        let d = err(b"a:\n  b:\n     c: 1\n    d: 2\n");
        assert_eq!((d[0].span.unwrap().line, d[0].span.unwrap().col), (4, 5));
        assert_eq!(
            d[0].notes,
            [
                "this key is indented 4 spaces, between the key before it on line 3 (5 spaces) and \
              the key holding that one on line 2 (2 spaces): the keys of one mapping are \
              indented alike"
            ]
        );
        let d = err(b"a:\n  b: 1\n   c: 2\n");
        assert_eq!(d[0].span.unwrap().line, 3);
        assert_eq!(
            d[0].notes,
            [
                "this line is indented 3 spaces, further than the key on line 2 (2 spaces) whose \
              value is on its line: YAML reads it as the rest of that value, where a key cannot \
              be"
            ]
        );
        assert_eq!(
            d[0].help.as_deref(),
            Some("indent it 2 spaces, as line 2, if it is that key's sibling")
        );
        // A sequence entry's key is not at its line's indentation: nothing said (sweep 25).
        for text in [
            &b"l:\n  - a: 1\n     b: 2\n"[..],
            b"x:\n  l:\n    - a:\n        b: 1\n       c: 2\n",
            b"- a: 1\nb: 2\n   c: 3\n",
        ] {
            let d = err(text);
            // (The third one is a key among list entries, said as such: not an indentation.)
            assert!(!d[0].notes.iter().any(|n| n.contains("indented")), "{d:?}");
        }
        // After a comment, a line indented further than a key with its value on its line
        // (sweep of stop 55, L1): the note names the key and the comment, not "the one before".
        let d = err(b"a:\n  b: 1\n  # the next key\n    c: 2\n");
        assert_eq!(d[0].span.unwrap().line, 4);
        assert_eq!(
            d[0].notes,
            [
                "this line is indented 4 spaces, further than the key on line 2 (2 spaces) whose \
              value is on its line: the comment on line 3 ends that value, so the next key of \
              that mapping is expected at 2 spaces"
            ]
        );
        assert_eq!(
            d[0].help.as_deref(),
            Some("indent it 2 spaces, as line 2, if it is that key's sibling")
        );
        // A block scalar's header is no value on its line: no such note.
        let d = err(b"a:\n  b: |\n  # c\n    c: 2\n");
        assert!(
            d[0].notes
                .iter()
                .all(|n| !n.contains("the comment on line")),
            "{d:?}"
        );
        // A key whose value starts on the next line: deeper lines are its value, valid YAML.
        assert!(
            load(
                SourceMap::single("t.yaml").1,
                b"a:\n  b:\n  # the value\n    c: 2\n"
            )
            .is_ok()
        );
        // Another problem on a line dedented to an existing level: no such note.
        let d = err(b"a:\n  b:\n    c: 1\n  d: \"x\" y\n");
        assert_eq!(d[0].span.unwrap().line, 4);
        assert!(d[0].notes.is_empty(), "{d:?}");
    }

    /// Nesting past [`MAX_DEPTH`] is reported at the same bracket with the same message, however
    /// deep it goes: past 255 brackets the reader's scanner stops first (sweep 24).
    #[test]
    fn too_deep_is_reported_at_one_place_whatever_the_depth() {
        for n in [70, 255, 256, 300, 5000] {
            let text = format!("a: {}{}\n", "[".repeat(n), "]".repeat(n));
            let d = err(text.as_bytes());
            assert_eq!(d.len(), 1, "{n}: {d:?}");
            assert_eq!(
                d[0].message,
                format!("nesting deeper than {MAX_DEPTH} levels")
            );
            // The root mapping is a level: the bracket that opens level 65 is the 64th.
            let span = d[0].span.unwrap();
            assert_eq!((span.line, span.col), (1, 3 + MAX_DEPTH), "{n}");
        }
    }

    /// An alias to an unknown anchor is underlined whole, as an alias the parser reads is
    /// (sweep 24: one character).
    #[test]
    fn an_unknown_alias_is_underlined_whole() {
        for (text, alias) in [
            ("a: *x1\n", "*x1"),
            ("a: [*yy, 2]\n", "*yy"),
            ("a: *z", "*z"),
        ] {
            let d = err(text.as_bytes());
            assert_eq!(d[0].code, "yaml-alias", "{d:?}");
            let span = d[0].span.unwrap();
            assert_eq!(&text[span.start..span.end], alias);
        }
    }

    /// A block scalar's span ends with its last content line, not where the next key starts
    /// (sweep 26: a caret under an `expr: |` ran on to the next key's line); other scalars'
    /// spans are as the parser gives them.
    #[test]
    fn a_block_scalar_ends_on_its_last_line() {
        for (text, value) in [
            ("a:\n  e: |\n    x\n    y\n\n  f: 1m\n", "x\n    y"),
            ("a:\n  e: >-\n    x\n  f: 1m\n", "x"),
            ("a:\n  e: |\n    x\n", "x"),
            ("a:\n  e: 'x  '\n  f: 1m\n", "'x  '"),
        ] {
            let root = ok(text);
            let e = root.get("a").and_then(|a| a.get("e")).unwrap();
            assert_eq!(&text[e.span.start..e.span.end], value, "{text:?}");
        }
    }

    /// A tab between a key's `:` and its value is named, the caret on it (sweep 24).
    #[test]
    fn a_tab_after_a_colon_is_named() {
        for (text, col) in [("a:\n  b:\t1\n", 5), ("a: {b:\t\t1}\n", 7)] {
            let d = err(text.as_bytes());
            assert_eq!(d.len(), 1, "{d:?}");
            assert_eq!(
                d[0].message,
                "YAML syntax error: a tab separates this `:` from its value"
            );
            let span = d[0].span.unwrap();
            assert_eq!((span.col, &text[span.start..span.end]), (col, "\t"));
        }
        // A tab elsewhere is not taken for one.
        let d = err(b"a:\n  b: [1\t2\n");
        assert!(!d[0].message.contains("tab"), "{d:?}");
    }

    #[cfg(unix)]
    fn mkfifo(path: &Path) {
        use std::os::unix::ffi::OsStrExt as _;
        let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
        // SAFETY: `c_path` is a valid NUL-terminated string that outlives the call.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    }

    #[cfg(unix)]
    #[test]
    fn the_config_is_read_bounded_and_only_from_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo.yaml");
        mkfifo(&fifo);
        let huge = dir.path().join("huge.yaml");
        // Sparse: 1 GiB that is never read to the end.
        std::fs::File::create(&huge)
            .unwrap()
            .set_len(1 << 30)
            .unwrap();
        let start = std::time::Instant::now();
        let cases = [
            (fifo.as_path(), "is a FIFO (named pipe), not a regular file"),
            (dir.path(), "is a directory, not a regular file"),
            (Path::new("/dev/zero"), "is a device, not a regular file"),
            (huge.as_path(), "is larger than the 4194304 byte limit"),
            (Path::new("/nonexistent/e.yaml"), "cannot read"),
        ];
        for (path, message) in cases {
            let (map, given) = SourceMap::single("given.yaml");
            let d = read_config(path, &map, given).unwrap_err();
            assert!(d.message.contains(message), "{path:?}: {}", d.message);
            assert!(d.message.contains("given.yaml"), "{}", d.message);
            // A file too large is at its start; a path that is no readable file, nowhere.
            if message.starts_with("is larger") {
                assert_eq!(d.location(&map), "given.yaml:1:1");
            } else {
                assert_eq!((d.location(&map).as_str(), d.span), ("given.yaml", None));
            }
            assert!(d.expected.is_some() && d.help.is_some());
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
        let exact = dir.path().join("exact.yaml");
        std::fs::write(&exact, vec![b'#'; MAX_FILE_BYTES]).unwrap();
        let (map, x) = SourceMap::single("x");
        assert_eq!(read_config(&exact, &map, x).unwrap().len(), MAX_FILE_BYTES);
        // A symlink to a regular file is followed for the config, refused when asked.
        let link = dir.path().join("link.yaml");
        std::os::unix::fs::symlink(&exact, &link).unwrap();
        assert!(read_config(&link, &map, x).is_ok());
        assert!(matches!(
            read_regular(&link, MAX_FILE_BYTES, false),
            Err(ReadError::NotRegular("symlink"))
        ));
        // Refused as a symlink whatever it points to (a directory, nothing) and whichever read;
        // a path through a missing directory is still not found.
        let to_dir = dir.path().join("to-dir");
        std::os::unix::fs::symlink(dir.path(), &to_dir).unwrap();
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("none"), &dangling).unwrap();
        for path in [&link, &to_dir, &dangling] {
            assert!(
                matches!(
                    read_regular_unless(path, MAX_FILE_BYTES, false, b""),
                    Err(ReadError::NotRegular("symlink"))
                ),
                "{}",
                path.display()
            );
        }
        assert!(matches!(
            read_regular(&dir.path().join("none/x"), 10, false),
            Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound
        ));
    }

    /// A file whose length (from `fstat`) is over the cap is refused without being read: a
    /// sparse file of 64 GiB is refused at once, where reading its first 1 GiB took 3.5 s and
    /// 1 GB of memory (sweep 59a, F3).
    #[test]
    fn a_file_over_the_cap_is_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sparse.tf");
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(64 << 30).unwrap();
        drop(file);
        let started = std::time::Instant::now();
        for result in [
            read_regular(&path, 1 << 30, false).map(|_| ()),
            read_regular_unless(&path, 1 << 30, false, b"x").map(|_| ()),
        ] {
            assert!(matches!(result, Err(ReadError::TooLarge(_))), "{result:?}");
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    /// `read_regular_unless` answers `None` exactly when the file holds the expected bytes, and
    /// otherwise returns the file's bytes, whole: lengths around the 64 KiB chunk, differences at
    /// the first byte, on both sides of a chunk boundary and at the last byte, files longer and
    /// shorter than expected; refusals as `read_regular`'s.
    #[test]
    fn read_regular_unless_compares_chunk_by_chunk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        const K: usize = 64 * 1024;
        for len in [0, 1, 2, K - 1, K, K + 1, 3 * K + 7] {
            let expected: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let mut files: Vec<Vec<u8>> = vec![expected.clone()];
            for at in [0, K - 1, K, len / 2, len.saturating_sub(1)] {
                if at < len {
                    let mut other = expected.clone();
                    other[at] ^= 1;
                    files.push(other);
                }
            }
            files.push([expected.as_slice(), b"x"].concat());
            if len > 0 {
                files.push(expected[..len - 1].to_vec());
            }
            for file in &files {
                std::fs::write(&path, file).unwrap();
                let got = read_regular_unless(&path, 4 * K, false, &expected).unwrap();
                match got {
                    Compared::Same(meta) => {
                        assert_eq!(*file, expected, "{len}");
                        assert_eq!(meta.len(), len as u64, "{len}: the file's own metadata");
                    }
                    Compared::Other(bytes) => {
                        assert_ne!(*file, expected, "{len}");
                        assert_eq!(bytes, *file, "{len}");
                    }
                }
                assert_eq!(
                    read_regular(&path, 4 * K, false).unwrap(),
                    *file,
                    "{len}: read_regular reads the same"
                );
            }
        }
        // Over the limit, whatever is expected; a missing file; a directory.
        std::fs::write(&path, vec![b'a'; 11]).unwrap();
        for expected in [&[b'a'; 11][..], &[b'a'; 10][..]] {
            assert!(matches!(
                read_regular_unless(&path, 10, false, expected),
                Err(ReadError::TooLarge(10))
            ));
        }
        assert!(matches!(
            read_regular_unless(&dir.path().join("none"), 10, false, b""),
            Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound
        ));
        assert!(matches!(
            read_regular_unless(dir.path(), 10, false, b""),
            Err(ReadError::NotRegular(_))
        ));
    }

    /// An alias reads as a copy of its anchored value, reported but not stopping the parser,
    /// so that the rest of the file is read and checked (sweep 32, F2); a problem after it,
    /// even one that stops the parser, is reported with it.
    #[test]
    fn an_alias_reads_as_its_anchored_value() {
        let file = SourceMap::single("t.yaml").1;
        let text = "a: &x {k: [1, 2]}\nb: *x\nc: &s text\nd: *s\n";
        let (_, tree, recovered) = load_recovering(file, text.as_bytes()).unwrap();
        let value = tree.to_json();
        assert_eq!(value["b"], value["a"]);
        assert_eq!(value["d"], "text");
        let at: Vec<_> = recovered
            .iter()
            .map(|d| (d.code.as_str(), d.span.unwrap().line, d.notes.len()))
            .collect();
        assert_eq!(
            at,
            [
                ("yaml-anchor", 1, 0),
                ("yaml-alias", 2, 1),
                ("yaml-anchor", 3, 0),
                ("yaml-alias", 4, 1)
            ]
        );
        // A syntax error after an alias read in place: both reported, reading goes on after
        // the syntax error (its stop is the syntax error's line, not the alias's).
        let text = "a: &x 1\nb: *x\nc: [1\nd:\n  - *x\ne: :bad: x\n";
        let d = err(text.as_bytes());
        let at: Vec<_> = d
            .iter()
            .map(|d| (d.code.as_str(), d.span.unwrap().line))
            .collect();
        assert!(at.contains(&("yaml-alias", 2)), "{at:?}");
        assert!(
            at.iter().any(|&(c, l)| c == "yaml-syntax" && l >= 3),
            "{at:?}"
        );
    }

    /// An alias whose copy would pass [`MAX_NODES`] stops the parser there, as every alias did
    /// before aliases were read: an alias bomb costs no more than the bound.
    #[test]
    fn an_alias_past_the_bound_of_nodes_stops() {
        let mut text = String::from("l0: &l0 [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]\n");
        for level in 1..8 {
            let prev = format!("*l{}", level - 1);
            text.push_str(&format!(
                "l{level}: &l{level} [{}]\n",
                vec![prev; 10].join(", ")
            ));
        }
        let start = std::time::Instant::now();
        let d = err(text.as_bytes());
        assert!(start.elapsed().as_millis() < 500);
        let stopping: Vec<&Diagnostic> = d.iter().filter(|d| stops(d)).collect();
        let stop: Vec<_> = stopping.iter().map(|d| d.span.unwrap().line).collect();
        // Line 5 (`l4`) holds ten copies of 11 111 nodes: its tenth passes 120 000. (Each line
        // after it, read on its own, stops at its first alias, whose anchor is outside it.)
        assert_eq!(stop, [5, 6, 7, 8], "{d:?}");
        assert_eq!(
            stopping[0].notes,
            [
                "reading stopped here: a copy of its anchored value (11111 values) would take the file past 120000 values"
            ]
        );
        assert!(d.iter().all(|d| d.code != "too-large"), "{d:?}");
        // Past `MAX_ALIASES_READ` aliases in one read, the next one stops it (each alias read
        // is a diagnostic: 1.3 million of them took 0.5 GB, sweep 36, F1), with a note.
        let many = format!("a: &a 1\nb: [{}]\nc: 1\n", vec!["*a"; 250].join(", "));
        let d = err(many.as_bytes());
        let read = d
            .iter()
            .filter(|d| d.code == "yaml-alias" && !stops(d))
            .count();
        assert_eq!(read, MAX_ALIASES_READ);
        let stopped: Vec<&Diagnostic> = d.iter().filter(|d| stops(d)).collect();
        assert_eq!(stopped.len(), 1, "{stopped:#?}");
        assert!(stopped[0].notes[0].starts_with("reading stopped here: after 200 aliases read"));
    }

    /// YAML 1.2 reads `.inf`, `.nan` and a float past 64 bits as numbers no setting takes: each
    /// is an error at its value, all at once; quoted, a tagged `!!str` or a finite number, it is
    /// what it was (sweep 56, I1: `.inf` and `1e309` were read as text, `1e308` as a number).
    #[test]
    fn numbers_that_are_not_finite_are_refused() {
        let d = err(b"a: .inf\nb: -.Inf\nc: .NaN\nd: 1e309\ne: -2.5E+400\nf: +.INF\n");
        let found: Vec<(&str, usize, usize)> = d
            .iter()
            .map(|d| (d.code.as_str(), d.span.unwrap().line, d.span.unwrap().col))
            .collect();
        assert_eq!(
            found,
            [1, 2, 3, 4, 5, 6].map(|l| ("yaml-number", l, 4)),
            "{d:#?}"
        );
        assert!(d[3].message.contains("`1e309`"), "{}", d[3].message);
        assert!(d[3].help.as_deref().unwrap().contains("\"1e309\""));
        let n = ok(
            "a: \".inf\"\nb: '1e309'\nc: !!str .nan\nd: 1e308\ne: .infinity\nf: 1e\ng: .\nh: 10\n",
        );
        let get = |k: &str| n.get(k).unwrap().kind.clone();
        assert_eq!(get("a"), NodeKind::Str(".inf".into()));
        assert_eq!(get("b"), NodeKind::Str("1e309".into()));
        assert_eq!(get("c"), NodeKind::Str(".nan".into()));
        assert_eq!(get("d"), NodeKind::Float(1e308));
        assert_eq!(get("e"), NodeKind::Str(".infinity".into()));
        assert_eq!(get("f"), NodeKind::Str("1e".into()));
        assert_eq!(get("g"), NodeKind::Str(".".into()));
        assert_eq!(get("h"), NodeKind::Int(10));
    }

    /// Sweep 57, H3-4: the syntax errors the parser describes only by what it found where it
    /// stopped are explained by their cause (`causes`), at the parser's place (or the character
    /// at fault on its line), each with a note, what was expected and a fix.
    #[test]
    fn syntax_errors_name_their_cause() {
        let head = "project: p\nservices:\n  web:\n";
        // (file, line, column, a piece of the note, a piece of the help)
        let cases: &[(String, usize, usize, &str, &str)] = &[
            (
                format!("{head}    description: \"Public storefront\n  api:\n    port: 1\n"),
                4,
                18,
                "the `\"` at line 4, column 18 opens a quoted value that is not closed on its line",
                "add the closing `\"` at the end of the value on line 4",
            ),
            (
                format!("{head}    description: 'it''s open\n  api:\n    port: 1\n"),
                4,
                18,
                "the `'` at line 4, column 18 opens a quoted value",
                "closing `'`",
            ),
            (
                format!("{head}    description: \"open to the end\n"),
                4,
                18,
                "the file ends before it is closed",
                "closing `\"`",
            ),
            (
                format!("{head}    description: \"x \\udc00 y\"\n"),
                4,
                21,
                "`\\udc00` is half of a UTF-16 surrogate pair (U+DC00)",
                "write the character itself",
            ),
            (
                format!("{head}    description: \"\\U00110000\"\n"),
                4,
                19,
                "U+110000 is past the last Unicode character",
                "`\\UXXXXXXXX`",
            ),
            (
                format!("{head}    probes: {{ startup: {{ path: /ready, inter"),
                4,
                45,
                "the file ends here, in the middle of its last line, inside the `{` opened at \
                 line 4, column 24: either that line is unfinished, or the file was cut short",
                "if the file was cut short, restore its end",
            ),
            (
                format!("{head}    port: 80\n  work"),
                5,
                7,
                "the file ends here, in the middle of its last line: either that line is \
                 unfinished",
                "complete the last line",
            ),
            (
                format!("{head}    port: 80\n  }}\n"),
                5,
                3,
                "this `}` closes no `{`",
                "remove the `}`",
            ),
            (
                "project: p\nservices:\n  - web: 1\n  api: 2\n".to_string(),
                4,
                3,
                "line 3 starts a list entry (`- `) at this indentation, and this line a key",
                "remove the `- ` on line 3",
            ),
            (
                format!("{head}    image: x\n\u{a0}   port: 3000\n    cpu: 1\n"),
                6,
                8,
                "line 5 starts with U+00A0 (a no-break space) at column 1",
                "replace the U+00A0 at line 5, column 1, with a plain space",
            ),
            (
                format!("{head}    image: x\n  \u{3000}  port: 3000\n    cpu: 1\n"),
                6,
                8,
                "line 5 starts with U+3000 (an ideographic space) at column 3",
                "with a plain space",
            ),
            (
                format!(
                    "project: p\nservices:\n  {}:\n    port: 1\n",
                    "w".repeat(1030)
                ),
                3,
                1033,
                "",
                "this key is 1030 characters long",
            ),
        ];
        // Review of stop 59: the causes of F3 (an escape on a later line of a closed value, a
        // closed value continued too little indented), F4 (a no-break space inside a block
        // scalar is text, not the cause) and F9 (every entry of the list).
        let more: &[(String, usize, usize, &str, &str)] = &[
            (
                format!("{head}    description: \"hello\n      \\d world\"\n"),
                5,
                7,
                "`\\d` is not an escape YAML knows",
                "write `\\\\` for a backslash",
            ),
            (
                format!("{head}    description: \"hello\n  world\"\n    port: 1\n"),
                4,
                18,
                "goes on to line 5, which closes it, but line 5 is indented 2 spaces",
                "indent line 5 further, or join it to line 4",
            ),
            (
                format!("{head}    description: |\n      \u{a0}text\n    port: 1\n  ]\n"),
                7,
                3,
                "this `]` closes no `[`",
                "remove the `]`",
            ),
            // A key on the next line is not the rest of the value (second review of stop 59).
            (
                format!("{head}    description: \"Public storefront\n    image: \"nginx:1.27\"\n"),
                4,
                18,
                "opens a quoted value that is not closed on its line",
                "add the closing `\"` at the end of the value on line 4",
            ),
            (
                format!("{head}    description: \"x \\x1 y\"\n"),
                4,
                21,
                "`\\x` takes exactly 2 hexadecimal digits",
                "write the character itself",
            ),
            (
                "a:\n  - x\nb:\n  - y\n  - z: |\n      - q\n  w: 1\n".to_string(),
                7,
                3,
                "lines 4 to 5 start a list entry",
                "remove each `- ` on lines 4 to 5",
            ),
        ];
        for (text, line, col, note, help) in cases.iter().chain(more) {
            let d = err(text.as_bytes());
            let first = &d[0];
            let span = first.span.unwrap();
            assert_eq!(
                (first.code.as_str(), span.line, span.col),
                ("yaml-syntax", *line, *col),
                "{text:?}: {d:#?}"
            );
            assert!(
                note.is_empty() || first.notes.iter().any(|n| n.contains(note)),
                "{text:?}: {:#?}",
                first.notes
            );
            let got = first.help.as_deref().unwrap();
            assert!(got.contains(help), "{text:?}: {got}");
            assert_ne!(got, causes::GENERIC_HELP);
        }
        // No cause is named where the file shows none (review of stop 59): text after a closed
        // quote (F1), a `{` of a plain value (F6), a last line of spaces (F5).
        for text in [
            format!("{head}    description: \"Bob\"'s shop\n"),
            format!("{head}    description: \"a\"\"\n"),
            format!("{head}    port: 80\n  api\n   "),
        ] {
            let d = err(text.as_bytes());
            assert_eq!(
                d[0].help.as_deref(),
                Some(causes::GENERIC_HELP),
                "{text:?}: {d:#?}"
            );
        }
        let d = err(format!("{head}    command: echo {{a\n    port: 80\n  api").as_bytes());
        assert!(
            d[0].notes.iter().all(|n| !n.contains("inside the `{`")),
            "{:#?}",
            d[0].notes
        );
        // A closed quote and an escaped quote are not taken for an open one.
        for text in [
            format!("{head}    description: \"a \\\" b\"\n    port: 1\n"),
            format!("{head}    description: 'a '' b'\n    port: 1\n"),
        ] {
            assert!(
                load(SourceMap::single("t.yaml").1, text.as_bytes()).is_ok(),
                "{text}"
            );
        }
    }

    /// Sweep 57, H3-5: an integer YAML 1.1 reads otherwise (a leading zero, `0o`) and a
    /// boolean key are refused with what each kind of reader makes of them, quoting neither the
    /// value nor a reading of it (review of stop 59, F2: a secret written `0o…` or `0…` was
    /// printed, or its octal reading, which gives it back); the tree keeps YAML 1.2's reading,
    /// so the schema and the rules still report (`yaml-octal` is recoverable). Text in quotes,
    /// a lone `0`, hexadecimal (the same number to both) and decimals are read as before.
    #[test]
    fn integers_and_keys_other_yaml_readers_read_otherwise_are_refused() {
        let text = "a: 017000\nb: 0o7000\nc: 089\nd: -0172\ne: +00\nf: 04\n";
        let (_, node, d) = load_recovering(SourceMap::single("t.yaml").1, text.as_bytes()).unwrap();
        let found: Vec<_> = d
            .iter()
            .map(|d| (d.code.as_str(), d.span.unwrap().line, d.message.as_str()))
            .collect();
        let other = "an integer with a leading zero is a decimal number to tofugen (YAML 1.2), but \
                     an octal number, another one, to a YAML 1.1 reader (PyYAML)";
        let same = "an integer with a leading zero: the same number to every YAML reader, written \
                    without its zero";
        assert_eq!(
            found,
            [
                ("yaml-octal", 1, other),
                (
                    "yaml-octal",
                    2,
                    "an integer written with `0o` is octal to tofugen (YAML 1.2), but text to a \
                     YAML 1.1 reader (PyYAML)"
                ),
                (
                    "yaml-octal",
                    3,
                    "an integer with a leading zero is a decimal number to tofugen (YAML 1.2), but \
                     text to a YAML 1.1 reader (PyYAML, with an 8 or a 9)"
                ),
                ("yaml-octal", 4, other),
                ("yaml-octal", 5, same),
                ("yaml-octal", 6, same),
            ]
        );
        // Neither a value nor a reading of it in any text of the diagnostics.
        for d in &d {
            let all = format!("{} {:?} {:?}", d.message, d.expected, d.help);
            for shown in [
                "17000", "7680", "7000", "3584", "089", "89", "172", "122", "04",
            ] {
                assert!(!all.contains(shown), "{shown}: {all}");
            }
        }
        assert_eq!(node.get("a").unwrap().kind, NodeKind::Int(17000));
        let n = ok("a: \"017\"\nb: 0\nc: 0x1F\nd: 10\ne: 0.5\nf: '0o7'\ng: -0\n");
        let get = |k: &str| n.get(k).unwrap().kind.clone();
        assert_eq!(get("a"), NodeKind::Str("017".into()));
        assert_eq!(get("b"), NodeKind::Int(0));
        assert_eq!(get("c"), NodeKind::Int(31));
        assert_eq!(get("e"), NodeKind::Float(0.5));
        assert_eq!(get("f"), NodeKind::Str("0o7".into()));
        assert_eq!(get("g"), NodeKind::Int(0));
        // Keys: `TRUE:` was read as the name `true`. It is kept as written, and the tree is
        // returned with the problem (recoverable).
        let (_, node, d) = load_recovering(
            SourceMap::single("t.yaml").1,
            b"env:\n  TRUE: 1\n  false: 2\nother:\n  \"true\": 3\n",
        )
        .unwrap();
        let names: Vec<&str> = node
            .get("env")
            .unwrap()
            .entries()
            .iter()
            .map(|(k, _)| k.name.as_str())
            .collect();
        assert_eq!(names, ["TRUE", "false"]);
        let found: Vec<_> = d
            .iter()
            .map(|d| {
                (
                    d.code.as_str(),
                    d.span.unwrap().line,
                    d.help.as_deref().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                (
                    "yaml-bool-key",
                    2,
                    "quote the key (`\"TRUE\":`) if it is a name, or rename it"
                ),
                (
                    "yaml-bool-key",
                    3,
                    "quote the key (`\"false\":`) if it is a name, or rename it"
                ),
            ]
        );
    }

    #[test]
    fn alias_bomb_is_rejected_quickly() {
        let bomb = "a: &a [\"x\",\"x\"]\nb: &b [*a,*a]\nc: &c [*b,*b]\nd: [*c,*c]\n";
        let start = std::time::Instant::now();
        assert!(!err(bomb.as_bytes()).is_empty());
        assert!(start.elapsed().as_millis() < 500);
    }
}
