//! `ConsentAdapter`: a consent document's blocks (bold and italic runs as Slint styled
//! text), the signature pad's smoothed ink, and the finger on the pad turned into pad
//! units for the journey.

use super::{Taps, on};
use crate::checkin::{ConsentTap, ConsentView, PageView, Screen, Tap};
use crate::consent::signature::PAD_MAX;
use crate::consent::{Block, PathCommand, Point, Run, smooth};
use crate::kiosk::{ConsentAdapter, ConsentBlock, ConsentBlockKind, ConsentMode, MainWindow};
use slint::{ComponentHandle, Model as _, ModelRc, StyledText, VecModel};
use std::fmt::Write as _;
use std::rc::Rc;

pub fn wire(ui: &MainWindow, taps: &Taps) {
    let adapter = ui.global::<ConsentAdapter>();
    adapter.on_to_pad(on(taps, Tap::Consent(ConsentTap::ToPad)));
    adapter.on_back_to_text(on(taps, Tap::Consent(ConsentTap::BackToText)));
    adapter.on_clear(on(taps, Tap::Consent(ConsentTap::Clear)));
    adapter.on_undo(on(taps, Tap::Consent(ConsentTap::Undo)));
    adapter.on_sign(on(taps, Tap::Consent(ConsentTap::Sign)));
    adapter.on_at_desk(on(taps, Tap::Consent(ConsentTap::AtDesk)));
    adapter.on_pen_up(on(taps, Tap::Consent(ConsentTap::PenUp)));
    let down = taps.clone();
    adapter.on_pen_down(move |x, y| {
        down(Tap::Consent(ConsentTap::PenDown {
            x: pad_unit(x),
            y: pad_unit(y),
        }));
    });
    let moved = taps.clone();
    adapter.on_pen_move(move |x, y| {
        moved(Tap::Consent(ConsentTap::PenMove {
            x: pad_unit(x),
            y: pad_unit(y),
        }));
    });
}

pub fn present(ui: &MainWindow, screen: &Screen) {
    let adapter = ui.global::<ConsentAdapter>();
    let view = match &screen.page {
        PageView::Consent(view) => Some(view),
        _ => None,
    };
    let blocks: Vec<ConsentBlock> = match view {
        Some(ConsentView::Reading(page)) => page.document.blocks.iter().flat_map(blocks).collect(),
        _ => Vec::new(),
    };
    // The text before the mode: a reading page comes up with its document already in
    // place. Only a new document is laid out anew: the pad's frames stay cheap.
    if adapter.get_blocks().row_count() != blocks.len() || !blocks.is_empty() {
        adapter.set_blocks(ModelRc::from(Rc::new(VecModel::from(blocks))));
    }
    adapter.set_mode(match view {
        Some(ConsentView::Reading(_)) => ConsentMode::Reading,
        Some(ConsentView::Signing(_)) => ConsentMode::Signing,
        Some(ConsentView::Saving) => ConsentMode::Saving,
        Some(ConsentView::Looking) | None => ConsentMode::Looking,
    });
    let (number, count, title) = match view {
        Some(ConsentView::Reading(page)) => (page.number, page.count, page.document.title.as_str()),
        Some(ConsentView::Signing(pad)) => (pad.number, pad.count, pad.title.as_str()),
        _ => (0, 0, ""),
    };
    adapter.set_number(i32::try_from(number).unwrap_or(i32::MAX));
    adapter.set_count(i32::try_from(count).unwrap_or(i32::MAX));
    adapter.set_title(title.into());
    let (ink, can_sign) = match view {
        Some(ConsentView::Signing(pad)) => (ink(&pad.strokes), pad.can_sign),
        _ => (String::new(), false),
    };
    adapter.set_ink(ink.into());
    adapter.set_can_sign(can_sign);
}

/// A fraction of the pad (0 to 1, from the touch area) in pad units.
fn pad_unit(fraction: f32) -> u16 {
    let fraction = if fraction.is_finite() {
        fraction.clamp(0.0, 1.0)
    } else {
        0.0
    };
    // In range by the clamp: 0 ..= PAD_MAX.
    (fraction * f32::from(PAD_MAX)).round() as u16
}

/// The rows the page shows for one block: a heading, a paragraph, or one per bullet.
fn blocks(block: &Block) -> Vec<ConsentBlock> {
    let row = |kind: ConsentBlockKind, runs: &[Run], bold: bool| ConsentBlock {
        kind,
        text: styled(runs, bold, kind == ConsentBlockKind::Bullet),
        plain: runs
            .iter()
            .map(|r| r.text.as_str())
            .collect::<String>()
            .into(),
    };
    match block {
        Block::Heading { runs, .. } => vec![row(ConsentBlockKind::Heading, runs, true)],
        Block::Paragraph(runs) => vec![row(ConsentBlockKind::Paragraph, runs, false)],
        Block::Bullets(items) => items
            .iter()
            .map(|runs| row(ConsentBlockKind::Bullet, runs, false))
            .collect(),
    }
}

/// Runs as Slint styled text: each run's text escaped, bold and italic as Markdown
/// emphasis. Whitespace at a run's ends stays outside its markers (Markdown would not
/// see `**bold **` as bold).
fn styled(runs: &[Run], all_bold: bool, bullet: bool) -> StyledText {
    let mut markdown = String::from(if bullet { "- " } else { "" });
    for run in runs {
        let text = run.text.replace(['\n', '\r'], " ");
        let inner = text.trim();
        let lead = &text[..text.len() - text.trim_start().len()];
        let trail = &text[text.trim_end().len()..];
        let marker = match (run.bold || all_bold, run.italic) {
            _ if inner.is_empty() => "",
            (true, true) => "***",
            (true, false) => "**",
            (false, true) => "*",
            (false, false) => "",
        };
        markdown.push_str(lead);
        markdown.push_str(marker);
        escape_into(&mut markdown, inner);
        markdown.push_str(marker);
        markdown.push_str(trail);
    }
    StyledText::from_markdown(&markdown).unwrap_or_else(|error| {
        // Never seen with escaped text; the words matter more than their style.
        tracing::warn!(%error, "consent text shown without its styling");
        StyledText::from_plain_text(&runs.iter().map(|r| r.text.as_str()).collect::<String>())
    })
}

/// Backslash-escapes every ASCII punctuation character, so document text is never read
/// as markup; drops Slint's interpolation placeholder (a private-use character).
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        if c == '\u{e541}' {
            continue;
        }
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
}

/// The strokes, smoothed, as SVG path commands in pad units. A single touch becomes a
/// short line, so the round cap shows a dot.
fn ink(strokes: &[Vec<Point>]) -> String {
    let mut out = String::new();
    for stroke in strokes {
        let commands = smooth(stroke);
        if let [PathCommand::MoveTo { x, y }, PathCommand::LineTo { .. }] = commands.as_slice() {
            let _ = write!(out, "M{x:.0} {y:.0}L{:.0} {y:.0}", x + 25.0);
            continue;
        }
        for command in commands {
            let _ = match command {
                PathCommand::MoveTo { x, y } => write!(out, "M{x:.0} {y:.0}"),
                PathCommand::LineTo { x, y } => write!(out, "L{x:.0} {y:.0}"),
                PathCommand::QuadTo { cx, cy, x, y } => {
                    write!(out, "Q{cx:.0} {cy:.0} {x:.0} {y:.0}")
                }
            };
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_units_are_clamped_and_rounded() {
        assert_eq!(pad_unit(0.5), 5000);
        assert_eq!(pad_unit(-1.0), 0);
        assert_eq!(pad_unit(2.0), PAD_MAX);
        assert_eq!(pad_unit(f32::NAN), 0);
    }

    #[test]
    fn ink_is_svg_path_data_and_a_dot_is_a_short_line() {
        let p = |x, y| Point { x, y, t_ms: 0 };
        assert_eq!(ink(&[]), "");
        assert_eq!(ink(&[vec![p(100, 200)]]), "M100 200L125 200");
        assert_eq!(
            ink(&[vec![p(0, 0), p(100, 0), p(200, 100)]]),
            "M0 0Q100 0 150 50L200 100"
        );
    }

    #[test]
    fn document_text_is_never_read_as_markup() {
        let run = |text: &str, bold| Run {
            text: text.into(),
            bold,
            italic: false,
        };
        let text = styled(
            &[
                run("Pay ", false),
                run("all ", true),
                run("<b>[x](y)", false),
            ],
            false,
            false,
        );
        assert_eq!(
            i_slint_core_raw(&text),
            "Pay all <b>[x](y)",
            "escaped markup shows as typed"
        );
    }

    fn i_slint_core_raw(text: &StyledText) -> String {
        format!("{text:?}")
            .split("text: \"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_default()
            .to_owned()
    }
}
