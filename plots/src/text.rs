//! Text: the font every figure uses, the font sizes at scale 1, and word wrapping to a
//! measured width.

use plotters::prelude::*;

use crate::output::DrawFail;

/// Font family every text uses (registered to DejaVu Sans by `output::ensure_fonts`).
pub(crate) const FONT: &str = "sans-serif";
/// Title size in pixels at font scale 1.
pub(crate) const TITLE_PX: f64 = 26.0;
/// Axis description size.
pub(crate) const AXIS_PX: f64 = 20.0;
/// Tick label size.
pub(crate) const TICK_PX: f64 = 16.0;
/// Legend text size.
pub(crate) const LEGEND_PX: f64 = 17.0;
/// Event marker labels and small notes.
pub(crate) const SMALL_PX: f64 = 14.0;
/// The "no data" note.
pub(crate) const NOTE_PX: f64 = 24.0;
/// Colour of notes such as "no data".
pub(crate) const NOTE_COLOR: RGBColor = RGBColor(110, 110, 110);

/// A black text style of `px` pixels.
pub(crate) fn font(px: f64) -> TextStyle<'static> {
    (FONT, px.max(4.0)).into_font().color(&BLACK)
}

/// Breaks `text` into lines no wider than `width` as `measure` says: at spaces where
/// possible; a word that alone is too wide breaks after its last `.`, `,`, `/`, `_`, `=` or
/// `-` that fits, else between characters. Never drops a character.
pub(crate) fn wrap(
    text: &str,
    width: i32,
    measure: &dyn Fn(&str) -> Result<i32, DrawFail>,
) -> Result<Vec<String>, DrawFail> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if measure(&candidate)? <= width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // The word alone: split it where it overflows, after punctuation if possible.
        let mut piece = String::new();
        for c in word.chars() {
            piece.push(c);
            if measure(&piece)? > width && piece.chars().count() > 1 {
                let cut = piece
                    .char_indices()
                    .filter(|&(i, ch)| ".,/_=-".contains(ch) && i + ch.len_utf8() < piece.len())
                    .map(|(i, ch)| i + ch.len_utf8())
                    .next_back()
                    .unwrap_or(piece.len() - c.len_utf8());
                let rest = piece.split_off(cut);
                lines.push(std::mem::take(&mut piece));
                piece = rest;
            }
        }
        line = piece;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_then_inside_words() {
        let m = |s: &str| Ok(s.chars().count() as i32);
        assert_eq!(wrap("ab cd ef", 5, &m).unwrap(), ["ab cd", "ef"]);
        assert_eq!(
            wrap("abcdefgh ij", 3, &m).unwrap(),
            ["abc", "def", "gh", "ij"]
        );
        assert_eq!(wrap("", 3, &m).unwrap(), [""]);
        let joined: String = wrap(
            "scheduler=MinRtt, mode=Some(Handover(degraded_rtt: \"150ms\"))",
            12,
            &m,
        )
        .unwrap()
        .join(" ");
        assert_eq!(
            joined.replace(' ', ""),
            "scheduler=MinRtt,mode=Some(Handover(degraded_rtt:\"150ms\"))"
        );
    }
}
