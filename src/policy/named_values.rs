//! The values that a source line gives to a secret-sounding key (`DB_PASSWORD: x`), read from
//! the line's text, and the lines that continue them ([`line_roles`]): for the source excerpts
//! of diagnostics raised before there is a tree (a YAML syntax error), or about a value the tree
//! does not read as an environment value (a mapping where a string was expected).
//!
//! The shapes of [`super::secret_scan`] end a `password: x` pair at the first blank, so that
//! `DB_PASSWORD: hunter2: correct horse battery staple` (the syntax error a `: ` in a value
//! makes) showed `******** correct horse battery staple` (review of stop 59). Here a value runs
//! to the end of the line or a comment, to a flow indicator inside `{ }` or `[ ]`, or to its
//! closing quote; a value YAML ends before the line does (a quote inside a quoted value, text
//! after a bracket) is masked to the end of the line; and the lines indented under a secret's
//! key are masked whole (review of stop 61, F1 to F7).
//!
//! Read as YAML reads them too (review of stop 61's leftovers): the next lines of a flow
//! collection left open, whatever their indentation ([`Flow`]); an explicit key's value
//! (`? DB_PASSWORD` then `: x`); a key written with escapes (`"DB_PASS\x57ORD"`); a `:`
//! followed by a no-break space (a key for YAML, quoted by messages); a scalar where a
//! secret's declaration belongs; a comment after a secret's value (masked, not hidden from
//! the messages).
//!
//! And (review of 65a25e6's leftovers): a flow key whose `:` is on the next line, a flow key
//! quoted across lines (taken for a secret's, whatever its words), a secret's name and value
//! joined by a `:` (`DB_PASSWORD:x`, one scalar for YAML), an alias as a key (`*k : x`, its
//! value masked whatever the alias stands for), a mapping as an explicit key's value (`: KEY:
//! x`), and a scalar right under `secrets:` whatever its key's name.
//!
//! And (review of 6450b74): what a declaration under `secrets:` holds that is none of its
//! settings, in a flow collection or on the lines under it (`LOGIN: { value: x }`, `LOGIN:`
//! then `x`); a secret's name glued after another `:` (`X:DB_PASSWORD:x`); an alias as an
//! explicit key (`? *k` then `: x`); a flow key's value glued to a `:` on the next line.
//!
//! Limits: a block key is read from one line (a multi-line explicit key is not); the shapes of
//! [`super::secret_scan`] still apply there, and the tree masks what it reads.

use std::borrow::Cow;

use super::secret_scan::{SECRET_NUMBER_MIN, mixed_case_and_digits, placeholder, secret_name};

include!(concat!(env!("OUT_DIR"), "/schema_keys.rs"));

/// Whether `key` is a property name of the configuration's schema ([`SCHEMA_KEYS`]): its
/// value is a setting (`state.key` is an object key template, `secrets:` lists names, a
/// secret's `source:` says where it comes from), shown even where [`secret_name`] would take
/// the key for a secret's, or under one.
fn schema_key(key: &str) -> bool {
    SCHEMA_KEYS.binary_search(&key).is_ok()
}

/// Whether `key` names a secret ([`secret_name`]) and is none of the schema's keys, whose
/// values are settings ([`schema_key`]).
fn secret_key(key: &str) -> bool {
    secret_name(key) && !schema_key(key)
}

/// The byte ranges in `line` (one line, without its line break) of every scalar value under a
/// key that [`secret_name`] takes for a secret, except the schema's own ([`schema_key`]), and
/// of every scalar in a flow collection under such a key: a quoted value without its quotes,
/// a plain one without the blanks around it. Placeholders (`changeme`, `${VAR}`), short
/// numbers, block scalars and aliases give none. Linear in the line's length. [`scan`] with
/// the line read on its own.
pub fn named_values(line: &str) -> Vec<(usize, usize)> {
    scan(line, None).values
}

/// Where a line starts when the lines before it left a flow collection open (`X: { A: b,`):
/// YAML reads a flow collection across lines whatever their indentation, so its next line is
/// read on from this state ([`scan`], [`LineRole::Flow`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flow {
    /// Brackets open.
    depth: usize,
    /// A key may start at the next token (after `{`, `[` or `,`).
    key_here: bool,
    /// The depth at which a collection under a secret-named key opened: every scalar inside
    /// it is that secret's (`DB_PASSWORD: [x]`, `TOKEN: { value: x }`).
    secret_below: Option<usize>,
    /// The scalar being read is a secret-named key's value (which goes on across lines up to
    /// the next `,` or bracket).
    item_secret: bool,
    /// Inside a quoted scalar the line did not close: its quote.
    quote: Option<u8>,
    /// The last scalar read where a key may start may be a secret's key whose `:` has not
    /// come yet: a secret-named one, or one quoted across lines (`{ DB_PASSWORD` then `: x`,
    /// `{ "DB_PASS` then `WORD": x`; review of 65a25e6, S5). A `:` next makes what follows
    /// the secret's value.
    pending_key: bool,
    /// The line is a secret's declaration right under `secrets:` (`LOGIN: { value: x }`):
    /// its key names a secret whatever its name, and what its collection holds that is no
    /// setting is the secret's (review of 6450b74, A2).
    declaration: bool,
}

impl Flow {
    /// The state [`scan`] reads a line with when it declares a secret under `secrets:` with a
    /// flow collection ([`LineRole::Flow`]).
    fn declaration() -> Self {
        Flow {
            key_here: true,
            declaration: true,
            ..Flow::default()
        }
    }

    /// Whether what is read is a secret's value.
    fn secret(&self) -> bool {
        self.item_secret || self.secret_below.is_some()
    }

    /// Whether the line left a flow collection open: the next line goes on reading it.
    pub fn open(&self) -> bool {
        self.depth > 0
    }
}

/// What [`scan`] found on a line.
#[derive(Debug, Default)]
pub struct Scanned {
    /// The values of secret-named keys ([`named_values`]).
    pub values: Vec<(usize, usize)>,
    /// A comment after a secret-named key in block context (`DB_PASSWORD: x # the old one
    /// was y`): masked, but not a value (its words are not hidden from the messages).
    pub comment: Option<(usize, usize)>,
    /// The state at the line's end: [`Flow::open`] when the next line continues a flow
    /// collection.
    pub end: Flow,
}

/// Reads `line` as YAML would: on its own (`from` is `None`: after its indentation, block
/// sequence markers and the key's tag or anchor), or as the next line of a flow collection
/// left open (`from`, the state where the line before ended). Linear in the line's length.
pub fn scan(line: &str, from: Option<Flow>) -> Scanned {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut comment = None;
    let (mut i, mut st) = match from {
        None => (
            match key_start(b).0 {
                i if explicit_value(b, i) => key_start_at(b, i + 1).0,
                i => i,
            },
            Flow {
                key_here: true,
                ..Flow::default()
            },
        ),
        Some(st) => (0, st),
    };
    // The rest of a quoted scalar the line before left open.
    if let Some(quote) = st.quote {
        let (end, after) = quote_close(b, 0, quote);
        let start = skip_blanks(b, 0).min(end);
        if st.secret() && end > start {
            push(line, (start, end), &mut out);
        }
        if end < b.len() {
            st.quote = None;
        }
        i = after;
    }
    // A plain scalar that names a secret and its value joined by a `:` with no blank
    // (`DB_PASSWORD:hunter2`, one scalar for YAML): what follows the `:` is masked. The name
    // is the text since the scalar's previous `:` (`X:DB_PASSWORD:hunter2`, A4).
    let glued = |out: &mut Vec<(usize, usize)>, start: usize, end: usize| {
        let mut name_start = start;
        for (c, _) in line[start..end].match_indices(':') {
            let colon = start + c;
            let name = line[name_start..colon].trim_matches([' ', '\t']);
            if secret_key(name) && colon + 1 < end {
                push(line, (colon + 1, end), out);
                return;
            }
            name_start = colon + 1;
        }
    };
    // A secret-named key in block context: a comment after its value is masked too.
    let mut named_here = false;
    while i < b.len() {
        // Whether the token read now is where a key may start.
        let mut key_position = false;
        i = skip_blanks(b, i);
        if i >= b.len() {
            break;
        }
        // The `:` of a key read before it, on this line or the one before (S5).
        if b[i] == b':' && st.pending_key && st.depth > 0 {
            st.pending_key = false;
            if b.get(i + 1)
                .is_none_or(|n| blank(*n) || flow_end(*n, st.depth))
            {
                st.item_secret = true;
                i += 1;
                continue;
            }
            // `:value` glued to the `:`: the key's scalar goes on with the value (A5).
            let end = plain_end(b, i, st.depth).max(i + 1);
            push(line, (i + 1, end), &mut out);
            i = end;
            continue;
        }
        if comment_at(b, i) {
            if named_here {
                let end = line.trim_end_matches([' ', '\t']).len();
                comment = Some((i, end));
            }
            break;
        }
        if st.key_here {
            // A key's tag or anchor (`{ A: b, !!str DB_PASSWORD: x }`), which may end the line:
            // the key is then on the next one (review of 65a25e6, S7).
            let k = skip_properties(b, i);
            if k >= b.len() {
                break;
            }
            if comment_at(b, k) {
                i = k;
                continue;
            }
            st.key_here = false;
            i = k;
            key_position = true;
            if let Some((key, after)) = key_at(line, i, st.depth) {
                let (value, next, open_quote) = value_at(line, after, st.depth);
                let setting = schema_key(&key)
                    && (key != "key" || value.is_none_or(|(a, b)| state_key(&line[a..b])));
                // An alias as a key (`*k : x`) may stand for a secret's name: its value is
                // masked (review of 65a25e6, S4).
                let named = (secret_name(&key) && !setting)
                    || key.starts_with('*')
                    || (st.declaration && st.depth == 0);
                named_here |= named && st.depth == 0 && (!st.declaration || secret_key(&key));
                // Outside brackets, a secret's value that YAML ends before the line does (a
                // quote inside a quoted value, text after a bracket, an alias or a block
                // scalar's header) is masked to the end of the line, from its first character
                // (inside its opening quote).
                if named
                    && st.depth == 0
                    && st.secret_below.is_none()
                    && !st.declaration
                    && let Some(start) = malformed_from(line, after)
                {
                    let end = line.trim_end_matches([' ', '\t']).len();
                    if start < end {
                        out.push((start, end));
                    }
                    break;
                }
                // In block context, the value ends with the line (see above).
                st.item_secret = named && st.depth > 0;
                match value {
                    Some(range)
                        if named
                            || (st.secret_below.is_some()
                                && !setting_shown(&key, &line[range.0..range.1])) =>
                    {
                        push(line, range, &mut out);
                    }
                    None if named && st.secret_below.is_none() => {
                        if matches!(b.get(next), Some(b'{' | b'[')) {
                            st.secret_below = Some(st.depth);
                        }
                    }
                    Some((start, end)) if start > 0 && escaped_secret(line, start - 1, end) => {
                        out.push((start, end));
                    }
                    _ => {}
                }
                // A quoted value the line does not close, inside brackets: the next line
                // goes on with it.
                if st.depth > 0 && open_quote.is_some() {
                    st.quote = open_quote;
                }
                i = next;
                continue;
            }
        }
        match b[i] {
            b'{' | b'[' => {
                st.depth += 1;
                i += 1;
                st.key_here = true;
                st.item_secret = false;
                st.pending_key = false;
            }
            b'}' | b']' => {
                st.depth = st.depth.saturating_sub(1);
                if st.secret_below.is_some_and(|d| st.depth <= d) {
                    st.secret_below = None;
                }
                st.item_secret = false;
                st.pending_key = false;
                i += 1;
            }
            b',' if st.depth > 0 => {
                i += 1;
                st.key_here = true;
                st.item_secret = false;
                st.pending_key = false;
            }
            b'"' | b'\'' => {
                let (end, after) = quoted_end(b, i);
                if st.secret() && end > i + 1 {
                    push(line, (i + 1, end), &mut out);
                } else if escaped_secret(line, i, end) {
                    out.push((i + 1, end));
                }
                let open = st.depth > 0 && end == b.len();
                if open {
                    st.quote = Some(b[i]);
                }
                // A key quoted across lines is taken for a secret's (its words are only
                // known once folded).
                st.pending_key =
                    key_position && (open || secret_name(&unescape(&line[i + 1..end], b[i])));
                i = after;
            }
            _ => {
                let end = plain_end(b, i, st.depth).max(i + 1);
                if st.secret() {
                    push(line, (i, end), &mut out);
                } else {
                    glued(&mut out, i, end);
                }
                st.pending_key = key_position && secret_key(&line[i..end]);
                i = end;
            }
        }
    }
    Scanned {
        values: out,
        comment,
        end: st,
    }
}

/// How a source line stands in the file's block structure, for masking it
/// ([`line_roles`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineRole {
    /// A line of its own: [`named_values`] reads it.
    Normal,
    /// Indented under a secret-named key: the rest of that secret's value (a plain or
    /// quoted scalar continued, a flow collection left open, a block scalar, or a mapping or
    /// list under the key). Masked whole.
    SecretValue,
    /// The rest of another key's scalar (a block scalar's content, a plain or quoted scalar
    /// continued): text for YAML, where what reads as a secret's key is masked all the same
    /// (it may be a key indented too far) but not hidden from the messages (`Auth token: the
    /// api checks it` in a description would redact `the api checks it` everywhere).
    Text,
    /// A key right under `secrets:` with a scalar on its line (`LOGIN: x`): no declaration
    /// (those are mappings), so the scalar may be the secret's value, whatever the key's name.
    /// Its key is shown, the rest of the line masked ([`declared_value`]).
    SecretScalar,
    /// The next line of a flow collection left open (`X: { A: b,`), read on from where the
    /// line before stopped ([`scan`]): YAML reads a flow collection across lines whatever
    /// their indentation.
    Flow(Flow),
}

/// The role of each line of `source` starting at `starts` (sorted line starts), found by one
/// pass over the lines up to the last of them: a line indented under a key belongs to that
/// key's value. Linear in the size of the text read.
pub fn line_roles(source: &str, starts: &[usize]) -> Vec<LineRole> {
    #[derive(Clone, Copy, PartialEq)]
    enum Owner {
        /// A key whose value is the lines under it (a mapping, a list), or a flow collection
        /// left open.
        Structure,
        /// A secret-named key with a value on its line: the lines under it continue it.
        Secret,
        /// A key whose value is a scalar: the lines under it continue it.
        Scalar,
    }
    /// A key on the stack: its column, whether it is `secrets:`, and whether it or a key
    /// below it owns a secret's value or a scalar (kept with each entry: a line's role is
    /// read from one entry, whatever the depth).
    #[derive(Clone, Copy)]
    struct Entry {
        col: usize,
        /// `defaults` or an environment (whose `secrets:` declares secrets), or
        /// `environments`.
        section: Standing,
        secrets: bool,
        secret: bool,
        scalar: bool,
        /// A secret-named key with no value on its line (not a declaration under
        /// `secrets:`): a line right under it that is no schema key's is its value.
        named: bool,
        /// A secret's declaration under `secrets:` with no value on its line: a line right
        /// under it that is none of its settings may be its value (A2).
        declaration: bool,
    }
    /// Where a key stands in the configuration's sections.
    #[derive(Clone, Copy, PartialEq)]
    enum Standing {
        /// `defaults` or an environment: its `secrets:` declares secrets.
        Declares,
        /// `environments`: its keys are environments.
        Environments,
        /// Any other key (a service named `secrets` is no declaration of secrets: review of
        /// b49d5a9, B1).
        Other,
    }
    let mut roles = Vec::with_capacity(starts.len());
    let Some(&last) = starts.last() else {
        return roles;
    };
    // Columns strictly increase from the bottom of the stack to its top.
    let mut stack: Vec<Entry> = Vec::new();
    let mut wanted = starts.iter().peekable();
    // Where the next line starts reading when the lines before left a flow collection open,
    // and the column of the node that opened it: a line indented no further ends the
    // collection for YAML (an error there, which the line shows).
    // And whether it is a secret's declaration (under `secrets:`), whose settings are shown.
    let mut flow: Option<(Flow, usize, bool)> = None;
    // The column of the last explicit key (`? KEY`), and whether it names a secret: the value
    // given at that column (`: value`) is then the secret's.
    let mut explicit: Option<(usize, bool)> = None;
    let mut at = 0;
    while at <= last && at <= source.len() {
        let end = source[at..].find('\n').map_or(source.len(), |i| at + i);
        let line = source[at..end].trim_end_matches('\r');
        let b = line.as_bytes();
        let indent = b.iter().take_while(|c| **c == b' ').count();
        let content = indent < b.len() && !blank(b[indent]);
        // A line indented no further than the collection's node is no part of it for YAML
        // (an error, which points at it), but under a secret's name one that closes it, or
        // that is no `key:` line, is taken for the rest of the secret's value; a comment line
        // changes nothing (review of 65a25e6, S8).
        let comment = content && comment_at(b, indent);
        if let Some((state, col, declared)) = flow
            && (!content
                || comment
                || indent > col
                || (state.secret()
                    && (memchr2(b']', b'}', b) || key_at(line, indent, 0).is_none())))
        {
            // Inside a flow collection: no key's block is opened or closed here. Under a
            // secret's name, the whole line is the secret's, but in a secret's declaration,
            // whose settings are read as on one line (S9).
            let next = if comment {
                state
            } else {
                scan(line, Some(state)).end
            };
            flow = next.open().then_some((next, col, declared));
            let role = if state.secret_below.is_some() && !declared {
                LineRole::SecretValue
            } else {
                LineRole::Flow(state)
            };
            while wanted.next_if(|&&s| s <= at).is_some() {
                roles.push(role);
            }
            at = end + 1;
            continue;
        }
        flow = None;
        if content && !comment {
            while stack.last().is_some_and(|e| e.col >= indent) {
                stack.pop();
            }
        }
        // A comment line belongs to no value: only the keys it is indented under count.
        let under = if comment {
            stack.partition_point(|e| e.col < indent)
        } else {
            stack.len()
        };
        let mut role = match under.checked_sub(1).map(|k| stack[k]) {
            Some(e) if e.secret => LineRole::SecretValue,
            Some(e) if e.scalar => LineRole::Text,
            // Right under `DB_PASSWORD:`, a line that is no schema key's (`image:` under a
            // service named `auth`) is the secret's value, whatever YAML makes of it
            // (`hunter2: correct horse`, review of 65a25e6, S1).
            // Right under a secret's declaration, a line that is none of its settings (`value:
            // x`, a scalar, a list item): its key is shown, its value masked (A2).
            Some(e) if e.declaration && content && !comment => {
                let (i, _) = key_start(b);
                match (i < b.len()).then(|| key_at(line, i, 0)).flatten() {
                    Some((k, after)) => {
                        let v = skip_blanks(b, after);
                        let value = line.get(v..plain_end(b, v, 0)).unwrap_or("");
                        if setting_shown(&k, value) || (value.is_empty() && SETTINGS.contains(&&*k))
                        {
                            LineRole::Normal
                        } else {
                            LineRole::SecretScalar
                        }
                    }
                    None => LineRole::SecretValue,
                }
            }
            Some(e) if e.named && content && !comment => {
                let (i, _) = key_start(b);
                let schema = i < b.len() && key_at(line, i, 0).is_some_and(|(k, _)| schema_key(&k));
                if schema {
                    LineRole::Normal
                } else {
                    LineRole::SecretValue
                }
            }
            _ => LineRole::Normal,
        };
        if role == LineRole::Normal && content && !comment {
            let (i, col) = key_start(b);
            let indicator = |c: u8| b.get(i) == Some(&c) && b.get(i + 1).is_none_or(|n| blank(*n));
            if indicator(b'?') {
                // An explicit key, its value on a line of its own (`? DB_PASSWORD` then
                // `: value`).
                // An alias may stand for a secret's name (`? *k`, as `*k : x`; A5).
                let key = explicit_key(line, skip_blanks(b, i + 1));
                explicit = Some((col, secret_key(&key) || key.starts_with('*')));
            } else if indicator(b':') && explicit.take() == Some((col, true)) {
                role = LineRole::SecretValue;
            }
            // `: KEY: value` after an explicit key: the key's block starts after the `:`.
            let (i, col) = if role == LineRole::Normal && indicator(b':') {
                key_start_at(b, i + 1)
            } else {
                (i, col)
            };
            let below = stack.last().copied();
            let below_secrets = below.is_some_and(|e| e.secrets);
            let push = |stack: &mut Vec<Entry>,
                        owner: Owner,
                        key: &str,
                        named: bool,
                        declaration: bool| {
                let section = match below.map(|e| e.section) {
                    None if key == "defaults" => Standing::Declares,
                    None if key == "environments" => Standing::Environments,
                    Some(Standing::Environments) => Standing::Declares,
                    _ => Standing::Other,
                };
                stack.push(Entry {
                    col,
                    section,
                    secrets: key == "secrets"
                        && below.is_some_and(|e| e.section == Standing::Declares),
                    secret: owner == Owner::Secret || below.is_some_and(|e| e.secret),
                    scalar: owner == Owner::Scalar || below.is_some_and(|e| e.scalar),
                    named,
                    declaration,
                });
            };
            if role == LineRole::SecretValue {
                // The value of an explicit key naming a secret, continued on the lines
                // under it.
                push(&mut stack, Owner::Secret, "", false, false);
            } else if i < b.len()
                && let Some((key, after)) = key_at(line, i, 0)
            {
                let v = skip_properties(b, after);
                // No value on the line: a mapping or a list under the key (a service named
                // `auth`, a rule named `token-refresh`), read line by line.
                let empty = b.get(v).is_none_or(|_| comment_at(b, v));
                // A secret's declaration under `secrets:` holds its settings (`source:`,
                // `length:`), not its value; a scalar there is no declaration, and may be
                // the value.
                let declared = below_secrets && matches!(b.get(v), Some(b'[' | b'{'));
                if below_secrets && !empty && !declared {
                    role = LineRole::SecretScalar;
                }
                // A declaration's flow collection: what it holds that is no setting is the
                // secret's, whatever the key's name (`LOGIN: { value: x }`, `LOGIN: [x]`).
                if declared {
                    role = LineRole::Flow(Flow::declaration());
                }
                let owner = if empty {
                    Owner::Structure
                } else if role == LineRole::SecretScalar
                    || ((secret_key(&key) || key.starts_with('*')) && !declared)
                {
                    Owner::Secret
                } else if matches!(b[v], b'[' | b'{') && flow_close(b, v).is_none() {
                    Owner::Structure
                } else {
                    Owner::Scalar
                };
                let named = empty && secret_key(&key) && !below_secrets;
                push(&mut stack, owner, &key, named, empty && below_secrets);
            } else if i < b.len() && !matches!(b[i], b'[' | b'{') {
                // A list item's scalar (`- text`), continued on the lines under it.
                push(&mut stack, Owner::Scalar, "", false, false);
            }
            // A flow collection the line leaves open: the next lines are read on from here;
            // after an explicit key naming a secret (`: [a,`), as that secret's (S3).
            if memchr2(b'{', b'[', b) {
                if role == LineRole::Normal {
                    let next = scan(line, None).end;
                    flow = next.open().then_some((next, col, below_secrets));
                } else if let LineRole::Flow(state) = role {
                    let next = scan(line, Some(state)).end;
                    flow = next.open().then_some((next, col, true));
                } else if role == LineRole::SecretValue {
                    let mut next = scan(line, None).end;
                    next.secret_below = Some(0);
                    flow = next.open().then_some((next, col, false));
                }
            }
        }
        while wanted.next_if(|&&s| s <= at).is_some() {
            roles.push(role);
        }
        at = end + 1;
    }
    // Starts past the end of the text (none in practice) are lines of their own.
    roles.resize(starts.len(), LineRole::Normal);
    roles
}

/// The value of a line `KEY: value` ([`LineRole::SecretScalar`]): from after the key's `:`
/// (and blanks) to the line's end, trailing blanks left out; `None` when the line has no key
/// or no value, or a value that is none (`null`, `~`, a placeholder).
pub fn declared_value(line: &str) -> Option<(usize, usize)> {
    let b = line.as_bytes();
    let (i, _) = key_start(b);
    if i >= b.len() {
        return None;
    }
    let (_, after) = key_at(line, i, 0)?;
    let start = skip_blanks(b, after);
    let end = line.trim_end_matches([' ', '\t', '\r']).len();
    // `NOPE: null` removes an inherited secret; `~` too.
    let value = line.get(start..plain_end(b, start, 0)).unwrap_or("");
    (start < end && value != "~" && !placeholder(value)).then_some((start, end))
}

/// Whether `value` may be the schema's `key:` (the state's object key template, such as
/// `{env}/terraform.tfstate`): a path of the characters its pattern allows, with a `/`, a `.`
/// or a `{`, and not a long random-looking run of upper- and lowercase letters and digits (a
/// base64 secret holds `/` and `.`: review of 65a25e6, S10). Any other value under `key:` (an
/// environment variable or a setting named so) is taken for a secret's.
fn state_key(value: &str) -> bool {
    let b = value.as_bytes();
    let random = b.len() >= 20 && mixed_case_and_digits(value);
    b.iter()
        .all(|c| c.is_ascii_alphanumeric() || b"!_.*'()-/{}".contains(c))
        && b.iter().any(|c| b"/.{".contains(c))
        && !random
}

/// The key written after `? ` at `i` (quoted, with its escapes, or plain up to a comment).
fn explicit_key(line: &str, i: usize) -> Cow<'_, str> {
    let b = line.as_bytes();
    match b.get(i) {
        Some(b'"' | b'\'') => {
            let (end, _) = quoted_end(b, i);
            unescape(&line[i + 1..end], b[i])
        }
        Some(_) => Cow::Borrowed(&line[i..plain_end(b, i, 0)]),
        None => Cow::Borrowed(""),
    }
}

/// Whether an explicit key's value starts at `i`: a `:` followed by a blank or the line's end.
fn explicit_value(b: &[u8], i: usize) -> bool {
    b.get(i) == Some(&b':') && b.get(i + 1).is_none_or(|n| blank(*n))
}

/// Whether `b` holds either byte.
fn memchr2(x: u8, y: u8, b: &[u8]) -> bool {
    b.iter().any(|&c| c == x || c == y)
}

/// Whether `key: value` inside a collection under a secret's name is a setting of a secret's
/// declaration (`ADMIN_TOKEN: { source: generated, length: 48 }`), shown: only those keys,
/// with a value of their kind. Any other (`user:`, `key:`, `name:` in a credentials
/// mapping) is masked.
/// The settings of a secret's declaration (the schema's `SecretSpec`; a test compares them).
const SETTINGS: [&str; 5] = [
    "source",
    "length",
    "include_database",
    "scheme",
    "description",
];

/// Whether `key: value` in a secret's declaration is shown: one of its settings
/// ([`declaration_setting`]), or a near miss of one, of its name or its value (`lenght: 48`,
/// `source: operater`, `include_database: yes`): an ordinary mistake, whose error must show it
/// (review of 39092c1, N4: masked, and its words redacted from tofugen's own help).
fn setting_shown(key: &str, value: &str) -> bool {
    let value = value.trim_matches(['"', '\'']);
    SETTINGS
        .iter()
        .filter(|s| **s == key || strsim::osa_distance(&key.to_ascii_lowercase(), s) <= 2)
        .any(|s| {
            declaration_setting(s, value)
                || match *s {
                    "source" => ["operator", "generated", "database"]
                        .iter()
                        .any(|v| strsim::osa_distance(&value.to_ascii_lowercase(), v) <= 2),
                    "include_database" => matches!(
                        value.to_ascii_lowercase().as_str(),
                        "yes" | "no" | "on" | "off" | "y" | "n" | "true" | "false"
                    ),
                    _ => false,
                }
        })
}

fn declaration_setting(key: &str, value: &str) -> bool {
    match key {
        "source" => matches!(value, "operator" | "generated" | "database"),
        "length" => !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()),
        "include_database" => matches!(value, "true" | "false"),
        "scheme" => {
            value.starts_with(|c: char| c.is_ascii_lowercase())
                && value
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+.-".contains(&b))
        }
        "description" => true,
        _ => false,
    }
}

/// Keeps `range` of `line` unless it stands for no value (a placeholder, `true`) or is a
/// short number: a setting under a secret's name (`PASSWORD_MIN_SCORE: 3000`), as
/// [`super::secret_scan`] leaves it in the tree.
fn push(line: &str, (s, e): (usize, usize), out: &mut Vec<(usize, usize)>) {
    let v = &line[s..e];
    let quoted = s > 0 && matches!(line.as_bytes()[s - 1], b'"' | b'\'');
    let short_number = !quoted
        && v.len() < SECRET_NUMBER_MIN
        && (v.parse::<i64>().is_ok() || v.parse::<f64>().is_ok());
    if !placeholder(v) && !short_number {
        out.push((s, e));
    }
}

/// Where the masking of a block value starting after a key's `:` at `i` starts when YAML
/// does not read it as one whole value ending with the line (or a comment): the first
/// character of the value (inside an opening quote). `None` for a value that ends with the
/// line: a plain scalar, a quoted one closed last, a flow collection closed last or left
/// open (its scalars are masked one by one), a block scalar's header or an alias alone.
fn malformed_from(line: &str, i: usize) -> Option<usize> {
    let b = line.as_bytes();
    let i = skip_properties(b, i);
    let ends_here = |j: usize| {
        let j = skip_blanks(b, j);
        j >= b.len() || comment_at(b, j)
    };
    let end = match *b.get(i)? {
        b'"' | b'\'' => {
            let (_, after) = quoted_end(b, i);
            return (!ends_here(after)).then_some(i + 1);
        }
        // Left open: its scalars are masked one by one, and the lines under it whole.
        b'[' | b'{' => flow_close(b, i)?,
        b'|' | b'>' => {
            let mut j = i + 1;
            while b
                .get(j)
                .is_some_and(|c| matches!(c, b'-' | b'+' | b'0'..=b'9'))
            {
                j += 1;
            }
            j
        }
        b'*' => {
            let mut j = i;
            while j < b.len() && !blank(b[j]) {
                j += 1;
            }
            j
        }
        b']' | b'}' | b',' => return Some(i),
        b'#' if comment_at(b, i) => return None,
        _ => return None,
    };
    (!ends_here(end)).then_some(i)
}

/// The position after the bracket closing the flow collection opened at `i`, if the line
/// closes it (quotes skipped).
fn flow_close(b: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            b'"' | b'\'' => {
                i = quoted_end(b, i).1;
                continue;
            }
            b'#' if comment_at(b, i) => return None,
            _ => {}
        }
        i += 1;
    }
    None
}

/// Where a key may start on the line `b`, after its indentation, block sequence markers
/// (`- - KEY: x`) and the key's tag or anchor (`&a KEY: x`, `!!str KEY: x`); and the column
/// where the key's node starts (after the markers, its tag or anchor included): the lines of
/// its value are indented further.
fn key_start(b: &[u8]) -> (usize, usize) {
    key_start_at(b, 0)
}

/// [`key_start`] from `at`: after an explicit key's `: ` (`: DB_PASSWORD: x` after `? X`, a
/// mapping as the explicit key's value; review of 65a25e6, S11).
fn key_start_at(b: &[u8], at: usize) -> (usize, usize) {
    let mut i = skip_blanks(b, at);
    let mut col = i;
    loop {
        if b.get(i) == Some(&b'-') && b.get(i + 1).is_none_or(|c| blank(*c)) {
            i = skip_blanks(b, i + 1);
            col = i;
        } else if matches!(b.get(i), Some(b'!' | b'&')) {
            i = skip_properties(b, i);
        } else {
            return (i, col);
        }
    }
}

/// The position after the blanks at `i` and any `!tag` or `&anchor` (each with its blanks).
fn skip_properties(b: &[u8], i: usize) -> usize {
    let mut i = skip_blanks(b, i);
    while matches!(b.get(i), Some(b'!' | b'&')) {
        while i < b.len() && !blank(b[i]) {
            i += 1;
        }
        i = skip_blanks(b, i);
    }
    i
}

fn blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

fn skip_blanks(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|c| blank(*c)) {
        i += 1;
    }
    i
}

/// A comment starts at `i`: a `#` at the start or after a blank.
fn comment_at(b: &[u8], i: usize) -> bool {
    b[i] == b'#' && (i == 0 || blank(b[i - 1]))
}

/// Where a flow indicator ends a plain scalar: inside brackets only.
fn flow_end(c: u8, depth: usize) -> bool {
    depth > 0 && matches!(c, b',' | b'{' | b'}' | b'[' | b']')
}

/// The end of the plain scalar starting at `i` (its blanks before a comment or a flow
/// indicator trimmed).
fn plain_end(b: &[u8], i: usize, depth: usize) -> usize {
    let mut j = i;
    while j < b.len() && !flow_end(b[j], depth) && !(j > i && comment_at(b, j)) {
        j += 1;
    }
    while j > i && blank(b[j - 1]) {
        j -= 1;
    }
    j
}

/// The inside of the quoted scalar at `i` (its end, or the line's if it is not closed) and
/// the position after its closing quote. `\` escapes in double quotes, `''` in single ones.
fn quoted_end(b: &[u8], i: usize) -> (usize, usize) {
    quote_close(b, i + 1, b[i])
}

/// Where the scalar quoted by `quote` whose text goes on at `j` ends (the line's end if it is
/// not closed), and the position after its closing quote.
fn quote_close(b: &[u8], mut j: usize, quote: u8) -> (usize, usize) {
    while j < b.len() {
        match b[j] {
            b'\\' if quote == b'"' => j += 2,
            b'\'' if quote == b'\'' && b.get(j + 1) == Some(&b'\'') => j += 2,
            c if c == quote => return (j, j + 1),
            _ => j += 1,
        }
    }
    (b.len(), b.len())
}

/// The key at `i` and the position after its `:`, when a key starts there: a quoted or plain
/// scalar followed by `:` and a blank (or the line's end, or a flow indicator inside
/// brackets), or an alias (`*k`, followed by a blank and `:`). A quoted key is read with its
/// escapes (`"DB_PASS\x57ORD"` is `DB_PASSWORD`), and a `:` followed by a space YAML does not
/// take for one (a no-break space, pasted from a web page) ends a plain key all the same: YAML
/// reads `KEY:\u{a0}value` as one key holding the value, and messages quote keys.
fn key_at(line: &str, i: usize, depth: usize) -> Option<(Cow<'_, str>, usize)> {
    let b = line.as_bytes();
    let (key, mut j) = match b[i] {
        b'"' | b'\'' => {
            let (end, after) = quoted_end(b, i);
            (unescape(&line[i + 1..end], b[i]), after)
        }
        // An alias (`*k : x`): the key is the alias as written, which no plain key starts
        // like (`*` is YAML's alias indicator).
        b'*' => {
            let mut j = i + 1;
            while j < b.len() && !blank(b[j]) && !flow_end(b[j], depth) {
                j += 1;
            }
            // `*k: x`: YAML reads an alias named `k:`, an error; its value is masked all the
            // same.
            if j > i + 2 && b[j - 1] == b':' {
                return Some((Cow::Borrowed(&line[i..j - 1]), j));
            }
            (Cow::Borrowed(&line[i..j]), j)
        }
        b'{' | b'[' | b'}' | b']' | b',' | b'#' | b'&' | b'!' | b'|' | b'>' => {
            return None;
        }
        _ => {
            let mut j = i;
            loop {
                let c = *b.get(j)?;
                if flow_end(c, depth) || (j > i && comment_at(b, j)) {
                    return None;
                }
                if c == b':' {
                    if b.get(j + 1)
                        .is_none_or(|n| blank(*n) || flow_end(*n, depth))
                    {
                        break;
                    }
                    let spaces = unicode_spaces(&line[j + 1..]);
                    if spaces > 0 {
                        let key = line[i..j].trim_end_matches([' ', '\t']);
                        return Some((Cow::Borrowed(key), j + 1 + spaces));
                    }
                }
                j += 1;
            }
            (Cow::Borrowed(line[i..j].trim_end_matches([' ', '\t'])), j)
        }
    };
    j = skip_blanks(b, j);
    (b.get(j) == Some(&b':')).then_some((key, j + 1))
}

/// The length of the spaces other than ASCII ones at the start of `text` (a no-break space,
/// an em space, a zero-width space or a BOM...): none of them separates anything for YAML.
fn unicode_spaces(text: &str) -> usize {
    text.chars()
        .take_while(|c| {
            !c.is_ascii()
                && (c.is_whitespace() || matches!(c, '\u{200b}' | '\u{2060}' | '\u{feff}'))
        })
        .map(char::len_utf8)
        .sum()
}

/// Whether the double-quoted scalar opening at `i` and ending at `end` holds a secret once
/// its escapes are read (`"postgres://u:x\x40h/db"`, `"pass\x77ord=x"`): the shapes of
/// [`super::secret_scan`] read the source line as written, where `\x40` is no `@` (review of
/// 7b9b2a6, F8: shown whole in a file with a syntax error).
fn escaped_secret(line: &str, i: usize, end: usize) -> bool {
    line.as_bytes()[i] == b'"'
        && end > i + 1
        && line[i + 1..end].contains('\\')
        && super::secret_scan::scan(
            &unescape(&line[i + 1..end], b'"'),
            super::secret_scan::Context::Argument { previous: None },
        )
        .is_some()
}

/// The text of a quoted scalar written between `quote`s: `''` in single quotes, and in double
/// ones YAML's escapes (`\x57`, `\u0057`, `\U00000057`, `\t`...). An escape YAML refuses
/// is kept as written.
fn unescape(raw: &str, quote: u8) -> Cow<'_, str> {
    if quote == b'\'' {
        return if raw.contains("''") {
            Cow::Owned(raw.replace("''", "'"))
        } else {
            Cow::Borrowed(raw)
        };
    }
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let Some(c) = after.chars().next() else {
            out.push('\\');
            rest = after;
            break;
        };
        let digits = match c {
            'x' => 2,
            'u' => 4,
            'U' => 8,
            _ => 0,
        };
        let simple = match c {
            '0' => Some('\0'),
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            't' | '\t' => Some('\t'),
            'n' => Some('\n'),
            'v' => Some('\u{b}'),
            'f' => Some('\u{c}'),
            'r' => Some('\r'),
            'e' => Some('\u{1b}'),
            ' ' | '"' | '/' | '\\' => Some(c),
            'N' => Some('\u{85}'),
            '_' => Some('\u{a0}'),
            'L' => Some('\u{2028}'),
            'P' => Some('\u{2029}'),
            _ => None,
        };
        let decoded = after
            .get(1..=digits)
            .filter(|_| digits > 0)
            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
            .and_then(char::from_u32);
        if let Some(d) = decoded {
            out.push(d);
            rest = &after[1 + digits..];
        } else if let Some(d) = simple {
            out.push(d);
            rest = &after[c.len_utf8()..];
        } else {
            out.push('\\');
            rest = after;
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The scalar value starting after a key's `:` at `i`, if it is one (after any tag and
/// anchor), where scanning goes on (after it, or at the `{` or `[` that opens a
/// collection), and the quote of a quoted value the line does not close.
fn value_at(line: &str, i: usize, depth: usize) -> (Option<(usize, usize)>, usize, Option<u8>) {
    let b = line.as_bytes();
    let i = skip_properties(b, i);
    match b.get(i) {
        None => (None, i, None),
        Some(b'{' | b'[' | b'|' | b'>' | b'*' | b'}' | b']' | b',') => (None, i, None),
        Some(b'#') if comment_at(b, i) => (None, i, None),
        Some(&quote @ (b'"' | b'\'')) => {
            let (end, after) = quoted_end(b, i);
            let open = (end == b.len()).then_some(quote);
            ((end > i + 1).then_some((i + 1, end)), after, open)
        }
        Some(_) => {
            let end = plain_end(b, i, depth);
            ((end > i).then_some((i, end)), end, None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(line: &str) -> Vec<&str> {
        named_values(line)
            .into_iter()
            .map(|(s, e)| &line[s..e])
            .collect()
    }

    #[test]
    fn a_secret_keys_value_runs_as_yaml_reads_it() {
        let cases: [(&str, &[&str]); 30] = [
            (
                "        DB_PASSWORD: hunter2: correct horse battery staple",
                &["hunter2: correct horse battery staple"],
            ),
            (
                "DB_PASSWORD: Tr0ub4dor&3: x   # old one",
                &["Tr0ub4dor&3: x"],
            ),
            ("  - DB_PASSWORD: hunter2 horse", &["hunter2 horse"]),
            ("- - API_TOKEN: a b", &["a b"]),
            (
                r#"X: { DB_PASSWORD: hunter2 horse, A: b, TOKEN: "q \" r", S: 'it''s' }"#,
                &["hunter2 horse", r#"q \" r"#],
            ),
            ("X: [ { pwd: a#b c }, 1 ]", &["a#b c"]),
            ("\"DB_PASSWORD\": \"unclosed value", &["unclosed value"]),
            ("'client_secret' : !Secret &a s3cr3t #c", &["s3cr3t"]),
            ("DB_PASSWORD:\tx\ty", &["x\ty"]),
            (
                "- &a !!str DB_PASSWORD: hunter2: correct horse",
                &["hunter2: correct horse"],
            ),
            // A value YAML ends before the line: the rest of the line too.
            (
                "DB_PASSWORD: 'it's correct horse battery staple'",
                &["it's correct horse battery staple'"],
            ),
            (
                "DB_PASSWORD: \"hunter2\" correct horse # c",
                &["hunter2\" correct horse # c"],
            ),
            (
                "DB_PASSWORD: [a1, b2] correct horse",
                &["[a1, b2] correct horse"],
            ),
            ("DB_PASSWORD: ]correct horse", &["]correct horse"]),
            ("DB_PASSWORD: | correct horse", &["| correct horse"]),
            (
                "DB_PASSWORD: *alias correct horse",
                &["*alias correct horse"],
            ),
            ("DB_PASSWORD: !t &a [a1] b2", &["[a1] b2"]),
            // Inside a collection under a secret's name, every scalar.
            (
                "X: { DB_PASSWORD: [Canary, 'b c', [d]], X: e }",
                &["Canary", "b c", "d"],
            ),
            (
                "SIGNING_KEY: { value: Canary-88, n: 'q r' } # y",
                &["Canary-88", "q r"],
            ),
            // Not values: block scalars, aliases, comments, placeholders, short numbers.
            ("PASSWORD_MIN_SCORE: 3000", &[]),
            ("API_TOKEN: 84123456789012345", &["84123456789012345"]),
            ("API_TOKEN: '3000'", &["3000"]),
            ("DB_PASSWORD: |-2 # c", &[]),
            ("DB_PASSWORD: [a1, 'b2'] # c", &["a1", "b2"]),
            ("DB_PASSWORD: *anchor", &[]),
            ("DB_PASSWORD: # later", &[]),
            ("DB_PASSWORD: ${VAR}", &[]),
            ("DB_PASSWORD: changeme", &[]),
            // Names that are not a secret's, and the schema's own keys.
            ("DB_PASSWORD_FILE: /run/x  # DB_PASSWORD: y", &[]),
            ("secrets: shh  # secrets: x", &[]),
        ];
        for (line, want) in cases {
            assert_eq!(values(line), want.to_vec(), "{line:?}");
        }
        // A value is under a key only where a key may start: not `a: b TOKEN: c` in a plain
        // value (the whole of `b TOKEN: c` is `a`'s), nor in a comment.
        assert_eq!(values("a: b TOKEN: c"), Vec::<&str>::new());
        assert_eq!(values("a: { b: c } # TOKEN: d"), Vec::<&str>::new());
        // A key written with escapes, and a `:` followed by a space YAML does not take for one
        // (which makes the whole a key, quoted by messages) (review of stop 61, F3c, F8).
        assert_eq!(
            values(r#""DB_PASS\x57ORD": hunter2 horse"#),
            ["hunter2 horse"]
        );
        assert_eq!(values(r#"- "API_\u0054OKEN": [a1, b2]"#), ["a1", "b2"]);
        assert_eq!(values("'DB_PASS''WORD': x1"), Vec::<&str>::new());
        assert_eq!(
            values("DB_PASSWORD:\u{a0}hunter2 horse: x"),
            ["hunter2 horse: x"]
        );
        assert_eq!(values("X: { API_TOKEN:\u{3000}s3cr3t }"), ["s3cr3t"]);
        assert_eq!(values("a: b\u{a0}TOKEN:\u{a0}c"), Vec::<&str>::new());
        assert_eq!(
            unescape(r"a\x41\u00e9\U0001F600\t\q\", b'"'),
            "aA\u{e9}\u{1f600}\t\\q\\"
        );
        // A comment after a secret's value is masked, not taken for a value (F9).
        for (line, comment) in [
            ("DB_PASSWORD: hunter2 # was: horse", Some("# was: horse")),
            ("  - DB_PASSWORD: [a1] # horse  ", Some("# horse")),
            ("LOG: x # TOKEN: y", None),
            ("X: { TOKEN: a } # horse", None),
        ] {
            let found = scan(line, None).comment.map(|(a, b)| &line[a..b]);
            assert_eq!(found, comment, "{line:?}");
        }
    }

    /// The schema's own keys are known (sorted, for the binary search), and a secret's
    /// declaration shows its settings: `{ source: operator }` was masked as a collection
    /// under a secret's name.
    #[test]
    fn the_schema_keys_hold_settings() {
        assert!(SCHEMA_KEYS.windows(2).all(|w| w[0] < w[1]));
        for key in [
            "api_keys",
            "key",
            "secrets",
            "source",
            "length",
            "env",
            "expire_on",
        ] {
            assert!(schema_key(key), "{key}");
        }
        assert!(!schema_key("DB_PASSWORD") && !schema_key("value"));
        assert_eq!(
            values("    ADMIN_TOKEN: { source: generated, length: 48, value: s3cr3t }"),
            ["s3cr3t"]
        );
        // Only a declaration's settings, with values of their kind: a credentials mapping
        // under a secret's name is masked whatever its keys.
        assert_eq!(
            values("DB_CREDS: { user: admin1, name: horse-battery, source: hunter2, length: x9 }"),
            ["admin1", "horse-battery", "hunter2", "x9"]
        );
        assert_eq!(values("key: '{env}/state'"), Vec::<&str>::new());
        assert_eq!(values("key: evalap.tfstate"), Vec::<&str>::new());
        // Not a state key: a `key` in `env` or in a database's settings (review of stop 61,
        // F5e).
        assert_eq!(
            values("key: hunter2: correct horse"),
            ["hunter2: correct horse"]
        );
        assert_eq!(values("key: s3cr3tvalue"), ["s3cr3tvalue"]);
        // A base64 secret holds `/` and `.` (review of 65a25e6, S10).
        assert_eq!(
            values("key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLE.KEY"),
            ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLE.KEY"]
        );
        // `key: {env}` is a flow mapping for YAML, the state key's likely typo: a setting.
        assert_eq!(values("key: {env}"), Vec::<&str>::new());
    }

    /// The lines under a secret-named key are its value, whatever they hold; the lines that
    /// continue another key's scalar are text; the others are lines of their own.
    #[test]
    fn lines_under_a_secret_key_are_its_value() {
        let source = "\
a:
  DB_PASSWORD: hunter2
    correct horse: battery staple
  # a comment
  TOKEN: a
    value: x
    - y: z
  auth:
    image: b
  API_KEY: |
    the block
  description: |
    Auth token: the api checks it
  X: [a,
    TOKEN: b]
  other: c
    continued: d
- &a DB_PASS: \"e
   f\"
- g
secrets:
  ADMIN_TOKEN:
    source: generated
";
        let starts: Vec<usize> = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(i, _)| i + 1))
            .filter(|&s| s < source.len())
            .collect();
        use LineRole::{Normal as N, SecretValue as S, Text as T};
        // `TOKEN: b]` goes on with `X`'s list, after its `,`.
        let f = LineRole::Flow(Flow {
            depth: 1,
            key_here: true,
            ..Flow::default()
        });
        assert_eq!(
            line_roles(source, &starts),
            [
                N, N, S, N, N, S, S, N, N, N, S, N, T, N, f, N, T, N, S, N, N, N, N
            ]
        );
    }

    /// The lines of a flow collection are read on from where the line before stopped, whatever
    /// their indentation; an explicit key's value, and a scalar where a secret's declaration
    /// belongs, are a secret's (review of stop 61, N5, N6, F3d).
    #[test]
    fn values_go_on_across_lines_as_yaml_reads_them() {
        let source = "\
a:
  X: { LOG: x, DB_PASSWORD: hunter2
      correct horse, LOG: battery, TOKEN: \"staple
      canary\" more }
  ? DB_PASSWORD
  : hunter2
    correct horse
  ? LOG
  : info
  Y: [ API_KEY: s3cr3t-one,
    TOKEN:
      s3cr3t-two, b ]
  Z: [DB_PASSWORD: [a1,
  b2] ]
  W: [ok,
  next: 1
secrets:
  DB_PASSWORD: hunter2
    correct horse
  ADMIN_TOKEN: { source: generated }
";
        let shown = masked_lines(source);
        let masked: Vec<Vec<&str>> = shown.iter().map(|(_, m)| m.clone()).collect();
        let want: [&[&str]; 20] = [
            &[],
            &["hunter2"],
            &["correct horse", "staple"],
            &["canary", "more"],
            &[],
            &[": hunter2"],
            &["correct horse"],
            &[],
            &[],
            &["s3cr3t-one"],
            &[],
            &["s3cr3t-two"],
            &["a1"],
            &["b2] ]"],
            &[],
            // A line indented no further than `W` is no part of its list.
            &[],
            &[],
            &["hunter2"],
            &["correct horse"],
            &[],
        ];
        assert_eq!(masked, want.map(<[&str]>::to_vec));
        assert_eq!(shown[15].0, LineRole::Normal);
    }

    /// Each line of `source` with its role and what is masked on it (values and comments).
    fn masked_lines(source: &str) -> Vec<(LineRole, Vec<&str>)> {
        let starts: Vec<usize> = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(i, _)| i + 1))
            .filter(|&s| s < source.len())
            .collect();
        let roles = line_roles(source, &starts);
        source
            .lines()
            .zip(roles)
            .map(|(line, role)| {
                let found = match role {
                    LineRole::SecretValue => return (role, vec![line.trim()]),
                    LineRole::SecretScalar => {
                        let v = declared_value(line).map(|(a, b)| &line[a..b]);
                        return (role, v.into_iter().collect());
                    }
                    LineRole::Flow(state) => scan(line, Some(state)),
                    _ => scan(line, None),
                };
                let masked = found
                    .values
                    .into_iter()
                    .chain(found.comment)
                    .map(|(a, b)| &line[a..b])
                    .collect();
                (role, masked)
            })
            .collect()
    }

    /// Right under a secret-named key with no value on its line, a line that is no schema
    /// key's is the secret's value (review of 65a25e6, S1); a service named `auth` keeps its
    /// settings shown.
    #[test]
    fn lines_right_under_a_secret_key_without_a_value() {
        let source = "\
env:
  DB_PASSWORD:
    hunter2 correct: x: y
  auth:
    image: web
    port: 80
  TOKEN:
    - s3cr3t
secrets:
  API_KEY:
    source: operator
";
        let roles: Vec<LineRole> = masked_lines(source).into_iter().map(|(r, _)| r).collect();
        use LineRole::{Normal as N, SecretValue as S};
        assert_eq!(roles, [N, N, S, N, N, N, N, S, N, N, N]);
    }

    /// The review of 65a25e6: a key's tag ending a flow line (S7, which that commit made
    /// shown), a line of a secret's flow indented too little or after a comment (S8), an
    /// explicit key's flow value (S3), and a secret's declaration wrapped onto two lines,
    /// whose settings stay shown (S9).
    #[test]
    fn flow_lines_after_a_tag_a_comment_or_an_explicit_key() {
        let source = "\
a:
  X: { A: b, !!str
    DB_PASSWORD: hunter2: correct }
  Y: { A: b, !!str DB_PASSWORD: hunter2 correct, Z: c }
  W: { LOG: x, DB_PASSWORD: [hunter2,
  correct battery,
    V: [ }
  U: { A: b, DB_PASSWORD: hunter2
# a comment
    correct, T: [ }
  ? DB_PASSWORD
  : [hunter2,
  correct battery]
defaults:
  secrets:
    DB_PASSWORD: { source: generated,
      lenght: 48 }
";
        let masked: Vec<Vec<&str>> = masked_lines(source).into_iter().map(|(_, m)| m).collect();
        let want: [&[&str]; 17] = [
            &[],
            &[],
            &["hunter2: correct"],
            &["hunter2 correct"],
            &["hunter2"],
            &["correct battery,"],
            &["V: [ }"],
            &["hunter2"],
            &[],
            &["correct"],
            &[],
            &[": [hunter2,"],
            &["correct battery]"],
            &[],
            &[],
            &[],
            &[],
        ];
        assert_eq!(masked, want.map(<[&str]>::to_vec));
    }

    /// The review of 65a25e6's leftovers: a flow key whose `:` is on the next line (S5), a
    /// key quoted across lines, an alias as a key (S4), a mapping as an explicit key's value
    /// (S11), a secret's name and value joined by a `:` with no blank (after another `:` too,
    /// A4), an alias as an explicit key and a flow key's `:value` on the next line (A5), and a
    /// scalar right under `secrets:` whatever its key's name (S2). Each line's masked part.
    #[test]
    fn keys_across_lines_aliases_and_explicit_values() {
        let source = "\
a:
  X: { DB_PASSWORD
    : hunter2 correct, Y: z }
  W: { \"DB_PASS
    WORD\": hunter2 correct, V: u }
  U: { LOG
    : info, T: [ DB_PASSWORD:hunter2 correct ] }
  *k : hunter2 correct: x
  *k: hunter2 correct: x
  ? X
  : DB_PASSWORD: hunter2 correct: y
  ? X
  : LOG: info
  DB_PASSWORD:hunter2 correct
  LOG:info
  X:DB_PASSWORD:hunter2 correct
  T: [ X:DB_PASSWORD:hunter2 correct, x:y:z ]
  ? *k
  : hunter2 correct
  S: { DB_PASSWORD
    :hunter2 correct, R: q }
defaults:
  secrets:
    LOGIN: hunter2 correct: battery
    ADMIN_TOKEN: { source: generated }
  services:
    secrets:
      image: web
";
        let masked: Vec<(LineRole, Vec<&str>)> = masked_lines(source);
        let want: [&[&str]; 28] = [
            &[],
            &[],
            &["hunter2 correct"],
            &[],
            &["hunter2 correct"],
            &[],
            &["hunter2 correct"],
            &["hunter2 correct: x"],
            &["hunter2 correct: x"],
            &[],
            &["hunter2 correct: y"],
            &[],
            &[],
            &["hunter2 correct"],
            &[],
            &["hunter2 correct"],
            &["hunter2 correct"],
            &[],
            &[": hunter2 correct"],
            &[],
            &["hunter2 correct"],
            &[],
            &[],
            &["hunter2 correct: battery"],
            &[],
            &[],
            &[],
            &[],
        ];
        let got: Vec<Vec<&str>> = masked.iter().map(|(_, m)| m.clone()).collect();
        assert_eq!(got, want.map(<[&str]>::to_vec));
        assert_eq!(masked[23].0, LineRole::SecretScalar);
        // A declaration's flow collection: its settings are shown.
        assert!(matches!(masked[24].0, LineRole::Flow(_)));
        // A service named `secrets` declares no secret (review of b49d5a9, B1).
        assert_eq!(masked[27].0, LineRole::Normal);
    }

    /// Under `secrets:`, a declaration whose collection or lines hold something that is none
    /// of its settings, whatever the secret's name (review of 6450b74, A2): that is masked,
    /// the settings shown.
    #[test]
    fn what_a_declaration_holds_that_is_no_setting() {
        let source = "\
environments:
  staging:
    secrets:
      LOGIN: { value: hunter2 correct, source: operator }
      LOGIN: [ hunter2 correct,
        battery ]
      LOGIN: { description: a b,
        value: hunter2 correct }
      LOGIN:
        hunter2 correct
      LOGIN:
        source: operator
        value: hunter2 correct
        length: hunter2
        - battery
        description: a b
        include_database:
      LOGIN:
        value:
          hunter2 correct
      ADMIN_TOKEN: { source: generated, length: 48 }
    services:
      api: { image: web }
";
        let masked = masked_lines(source);
        let want: [&[&str]; 21] = [
            &[],
            &[],
            &[],
            &["hunter2 correct"],
            &["hunter2 correct"],
            &["battery"],
            &[],
            &["hunter2 correct"],
            &[],
            &["hunter2 correct"],
            &[],
            &[],
            &["hunter2 correct"],
            &["hunter2"],
            &["- battery"],
            &[],
            &[],
            &[],
            &[],
            &["hunter2 correct"],
            &[],
        ];
        let got: Vec<Vec<&str>> = masked.iter().map(|(_, m)| m.clone()).collect();
        assert_eq!(got[..21], want.map(<[&str]>::to_vec));
        assert_eq!(got.len(), 23);
        assert!(got[21..].iter().all(Vec::is_empty), "{got:?}");
        // Ordinary mistakes stay shown: a near miss of a setting's name or value, a comment
        // after a declaration whose name is no secret's (review of 39092c1, N4).
        let source = "\
defaults:
  secrets:
    LOGIN:
      lenght: 48
      source: operater
      include_database: yes
    LOGIN: { sorce: generated, length: 48 } # rotated by ops
    ADMIN_TOKEN: { source: generated } # was hunter2
";
        let got: Vec<Vec<&str>> = masked_lines(source).into_iter().map(|(_, m)| m).collect();
        let want: [&[&str]; 8] = [&[], &[], &[], &[], &[], &[], &[], &["# was hunter2"]];
        assert_eq!(got, want.map(<[&str]>::to_vec));
    }

    #[test]
    fn the_settings_are_the_schemas() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../schema_check/environments.schema.json"))
                .expect("schema");
        let properties = schema["$defs"]["SecretSpec"]["properties"]
            .as_object()
            .expect("SecretSpec");
        let mut names: Vec<&str> = properties.keys().map(String::as_str).collect();
        names.sort_unstable();
        let mut settings = SETTINGS.to_vec();
        settings.sort_unstable();
        assert_eq!(names, settings);
    }

    #[test]
    fn long_lines_are_read_once() {
        // Linear: many flow keys and a long plain value.
        let line = format!("X: {{ {} }}", "TOKEN: a b, ".repeat(20_000));
        assert_eq!(named_values(&line).len(), 20_000);
        let line = format!("DB_PASSWORD: {}", "a: ".repeat(100_000));
        assert_eq!(named_values(&line).len(), 1);
    }
}
