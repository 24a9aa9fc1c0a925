//! Characters every stage treats alike: the ones that do not show, or change how the text
//! around them shows. The schema check refuses them in values (`schema_check::strings`), and
//! the emitters write them as spaces in comments and text (HCL, YAML, Markdown), so that no
//! output shows text that reads otherwise than it is.

/// Whether `c` is invisible or changes how text displays: bidirectional controls (U+061C,
/// U+200E/F, U+202A–U+202E, U+2066–U+2069), zero-width and invisible formatting characters
/// (U+00AD, U+200B–U+200D, U+2060–U+2064, U+206A–U+206F, U+FEFF), line and paragraph
/// separators (U+2028, U+2029), Hangul fillers (U+115F, U+1160, U+3164, U+FFA0), interlinear
/// annotations (U+FFF9–U+FFFB), tag characters (U+E0000–U+E007F), private-use characters and
/// noncharacters. Joiners (U+200C, U+200D) are in the set although values may hold them (they
/// shape scripts and emoji): a comment shows a space for them.
pub fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{61c}'
            | '\u{115f}'
            | '\u{1160}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206f}'
            | '\u{3164}'
            | '\u{feff}'
            | '\u{ffa0}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{e0000}'..='\u{e007f}'
            | '\u{e000}'..='\u{f8ff}'
            | '\u{f0000}'..='\u{ffffd}'
            | '\u{100000}'..='\u{10fffd}'
            | '\u{fdd0}'..='\u{fdef}'
    ) || (c as u32) & 0xfffe == 0xfffe
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema refuses every invisible character but the joiners, and nothing visible.
    #[test]
    fn the_schema_refuses_what_the_emitters_hide() {
        use crate::schema_check::strings::forbidden;
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            if c.is_control() {
                continue;
            }
            let hidden = invisible(c) && !matches!(c, '\u{200c}' | '\u{200d}');
            assert_eq!(hidden, forbidden(c, false).is_some(), "U+{:04X}", c as u32);
        }
    }
}
