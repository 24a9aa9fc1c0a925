//! Characters every stage treats alike: the ones that do not show, or change how the text
//! around them shows. The schema check refuses them in values (`schema_check::strings`), and
//! the emitters write them as spaces in comments and text (HCL, YAML, Markdown), so that no
//! output shows text that reads otherwise than it is.

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
}
