//! Characters every stage treats alike: the ones that do not show, or change how the text
//! around them shows. The schema check refuses them in values (`schema_check::strings`), and
//! the emitters write them as spaces in comments and text (HCL, YAML, Markdown), so that no
//! output shows text that reads otherwise than it is. And how every stage lists names in a
//! message ([`join_names`]).

/// Whether `c` is invisible or changes how text displays: every Default_Ignorable_Code_Point of
/// Unicode's DerivedCoreProperties (U+00AD, U+034F, U+061C, U+115F–U+1160, U+17B4–U+17B5,
/// U+180B–U+180F, U+200B–U+200F, U+202A–U+202E, U+2060–U+206F, U+3164, U+FE00–U+FE0F variation
/// selectors, U+FEFF, U+FFA0, U+FFF0–U+FFF8, U+1BCA0–U+1BCA3, U+1D173–U+1D17A, U+E0000–U+E0FFF
/// tags and variation selectors), line and paragraph separators (U+2028, U+2029), interlinear
/// annotations (U+FFF9–U+FFFB), Egyptian hieroglyph format controls (U+13430–U+1343F),
/// private-use characters and noncharacters. Checked against unicodedata2 18.0 (Unicode 18): the
/// only format characters (category Cf) left out are the prepended concatenation marks
/// (U+0600–U+0605, U+06DD, U+070F, U+0890–U+0891, U+08E2, U+110BD, U+110CD), which show a
/// glyph. Joiners (U+200C, U+200D) and the text and emoji presentation selectors (U+FE0E,
/// U+FE0F) are in the set although values may hold them (they shape scripts and emoji): a
/// comment shows a space for them.
pub fn invisible(c: char) -> bool {
    // Below U+00AD, the first of the set: every ASCII character, tested for every character
    // of every value the emitters print (1.5 % of a committed `generate` under `perf`).
    if c < '\u{ad}' {
        return false;
    }
    matches!(
        c,
        '\u{ad}'
            | '\u{34f}'
            | '\u{61c}'
            | '\u{115f}'
            | '\u{1160}'
            | '\u{17b4}'..='\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{feff}'
            | '\u{ffa0}'
            | '\u{fff0}'..='\u{fffb}'
            | '\u{13430}'..='\u{1343f}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0000}'..='\u{e0fff}'
            | '\u{e000}'..='\u{f8ff}'
            | '\u{f0000}'..='\u{ffffd}'
            | '\u{100000}'..='\u{10fffd}'
            | '\u{fdd0}'..='\u{fdef}'
    ) || (c as u32) & 0xfffe == 0xfffe
}

/// The ASCII character a non-ASCII one is commonly taken for: the Cyrillic and Greek letters
/// drawn like Latin ones (Cyrillic `а` U+0430 for `a`...), fullwidth forms (U+FF01–U+FF5E) and
/// the dashes and minus sign drawn like `-`. `None` for any other character. A name pasted from
/// a document or typed on another keyboard layout holds them; the line shown in an error reads
/// exactly like the valid name (sweep 57, H3-2).
pub fn ascii_lookalike(c: char) -> Option<char> {
    Some(match c {
        // Cyrillic.
        'а' => 'a',
        'е' => 'e',
        'о' => 'o',
        'р' => 'p',
        'с' => 'c',
        'у' => 'y',
        'х' => 'x',
        'і' => 'i',
        'ј' => 'j',
        'ѕ' => 's',
        'ԁ' => 'd',
        'һ' => 'h',
        'ԛ' => 'q',
        'ԝ' => 'w',
        'ӏ' => 'l',
        'А' => 'A',
        'В' => 'B',
        'Е' => 'E',
        'К' => 'K',
        'М' => 'M',
        'Н' => 'H',
        'О' => 'O',
        'Р' => 'P',
        'С' => 'C',
        'Т' => 'T',
        'У' => 'Y',
        'Х' => 'X',
        'І' => 'I',
        'Ј' => 'J',
        'Ѕ' => 'S',
        // Greek.
        'ο' => 'o',
        'ν' => 'v',
        'ι' => 'i',
        'κ' => 'k',
        'ρ' => 'p',
        'Α' => 'A',
        'Β' => 'B',
        'Ε' => 'E',
        'Ζ' => 'Z',
        'Η' => 'H',
        'Ι' => 'I',
        'Κ' => 'K',
        'Μ' => 'M',
        'Ν' => 'N',
        'Ο' => 'O',
        'Ρ' => 'P',
        'Τ' => 'T',
        'Υ' => 'Y',
        'Χ' => 'X',
        // Dashes and the minus sign.
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{fe63}' => '-',
        // Fullwidth forms of printable ASCII.
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(u32::from(c) - 0xff01 + 0x21)?,
        _ => return None,
    })
}

/// What a name's non-ASCII characters are, for a help text: each distinct visible one (at most
/// three) by code point, with the ASCII character it looks like, if any. Invisible and control
/// characters are not noted (the schema refuses them with errors that name them), and leave no
/// ASCII name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonAscii {
    /// `` `а` (U+0430) is a Cyrillic letter that looks like `a` ``, joined by `; `.
    pub note: String,
    /// The name with every such character replaced by its lookalike, when each has one.
    pub ascii: Option<String>,
}

/// [`NonAscii`] of `s`; `None` when `s` holds no visible non-ASCII character.
pub fn non_ascii(s: &str) -> Option<NonAscii> {
    if s.is_ascii() {
        return None;
    }
    // In order of first appearance; the set keeps a long value linear.
    let mut seen: Vec<char> = Vec::new();
    let mut distinct: std::collections::HashSet<char> = std::collections::HashSet::new();
    let mut all_mapped = true;
    let ascii: String = s
        .chars()
        .map(|c| {
            if c.is_ascii() {
                return c;
            }
            // An invisible or control character has errors of its own, which name it.
            if !invisible(c) && !c.is_control() && distinct.insert(c) {
                seen.push(c);
            }
            ascii_lookalike(c).unwrap_or_else(|| {
                all_mapped = false;
                c
            })
        })
        .collect();
    if seen.is_empty() {
        return None;
    }
    let script = |c: char| match u32::from(c) {
        0x0400..=0x052f => "a Cyrillic letter",
        0x0370..=0x03ff => "a Greek letter",
        0xff01..=0xff5e => "a fullwidth character",
        _ => "a character",
    };
    let mut notes: Vec<String> = seen
        .iter()
        .take(3)
        .map(|&c| match ascii_lookalike(c) {
            Some(a) => format!(
                "`{c}` (U+{:04X}) is {} that looks like `{a}`",
                u32::from(c),
                script(c)
            ),
            None => format!("`{c}` (U+{:04X}) is not ASCII", u32::from(c)),
        })
        .collect();
    if seen.len() > 3 {
        notes.push(format!("and {} more", seen.len() - 3));
    }
    Some(NonAscii {
        note: notes.join("; "),
        ascii: all_mapped.then_some(ascii),
    })
}

/// Most names a diagnostic lists; the others are counted (`… and 1 492 more`), so that a
/// finding about thousands of environments or services stays one readable line.
pub const MAX_LISTED: usize = 8;

/// `` `a` ``, `` `a` and `b` ``, `` `a`, `b` and `c` ``; past [`MAX_LISTED`] names,
/// `` `a`, …, `h` and 12 more ``.
pub fn join_names(envs: &[String]) -> String {
    let quoted: Vec<String> = envs
        .iter()
        .take(MAX_LISTED)
        .map(|e| format!("`{e}`"))
        .collect();
    match (quoted.len(), envs.len()) {
        (0, _) => String::new(),
        (1, 1) => quoted[0].clone(),
        (n, total) if total > n => format!("{} and {} more", quoted.join(", "), total - n),
        (n, _) => format!("{} and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema refuses every invisible character but the joiners and the presentation
    /// selectors, and nothing visible.
    #[test]
    fn the_schema_refuses_what_the_emitters_hide() {
        use crate::schema_check::strings::forbidden;
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            if c.is_control() {
                continue;
            }
            let hidden =
                invisible(c) && !matches!(c, '\u{200c}' | '\u{200d}' | '\u{fe0e}' | '\u{fe0f}');
            assert_eq!(hidden, forbidden(c, false).is_some(), "U+{:04X}", c as u32);
        }
    }

    /// Every lookalike maps to a printable ASCII character, and the names of sweep 57 (H3-2)
    /// come back as the ASCII names they read as.
    #[test]
    fn lookalikes_read_back_as_the_names_they_look_like() {
        for c in (0x80..=0x10ffff).filter_map(char::from_u32) {
            if let Some(a) = ascii_lookalike(c) {
                assert!(a.is_ascii_graphic(), "U+{:04X}", c as u32);
            }
        }
        for (name, ascii) in [
            ("l\u{435}dger", "ledger"),
            ("\u{430}dmin", "admin"),
            ("N\u{41e}DE_ENV", "NODE_ENV"),
            ("STR\u{406}PE_API_KEY", "STRIPE_API_KEY"),
            ("db-st\u{3bf}rage", "db-storage"),
            ("\u{ff41}pi\u{2013}v\u{ff12}", "api-v2"),
        ] {
            let n = non_ascii(name).unwrap();
            assert_eq!(n.ascii.as_deref(), Some(ascii), "{name}");
        }
        let n = non_ascii("l\u{435}dger").unwrap();
        assert_eq!(
            n.note,
            "`\u{435}` (U+0435) is a Cyrillic letter that looks like `e`"
        );
        // No lookalike: named, and no ASCII name.
        let n = non_ascii("caf\u{e9}").unwrap();
        assert_eq!(n.ascii, None);
        assert_eq!(n.note, "`\u{e9}` (U+00E9) is not ASCII");
        let n = non_ascii("\u{e9}\u{e8}\u{ea}\u{eb}\u{430}").unwrap();
        assert!(n.note.ends_with("; and 2 more"), "{}", n.note);
        assert_eq!(non_ascii("admin"), None);
        // Invisible characters have errors of their own, and leave no ASCII name.
        assert_eq!(non_ascii("web\u{202e}/Dockerfile"), None);
        let n = non_ascii("\u{430}\u{200b}dmin").unwrap();
        assert_eq!(n.ascii, None);
        assert!(!n.note.contains("200B"), "{}", n.note);
    }
}
