//! `ReviewAdapter`: the new patient's answers, each with "Change", and "Send".

use super::{Taps, on};
use crate::checkin::{PageView, Question, RegisterTap, ReviewAnswer, Screen, Tap};
use crate::kiosk::wording;
use crate::kiosk::{MainWindow, ReviewAdapter, ReviewLine};
use slint::{ComponentHandle, ModelRc, VecModel};

pub fn wire(ui: &MainWindow, taps: &Taps) {
    let adapter = ui.global::<ReviewAdapter>();
    adapter.on_change({
        let taps = taps.clone();
        move |index| {
            if let Some(question) = usize::try_from(index)
                .ok()
                .and_then(|i| Question::ALL.get(i))
            {
                taps(Tap::Register(RegisterTap::Change(*question)));
            }
        }
    });
    adapter.on_back(on(taps, Tap::Register(RegisterTap::Back)));
    adapter.on_send(on(taps, Tap::Register(RegisterTap::Send)));
}

pub fn present(ui: &MainWindow, screen: &Screen) {
    let rows: Vec<ReviewLine> = match &screen.page {
        PageView::RegisterReview(view) => view
            .rows
            .iter()
            .map(|row| {
                let value = match &row.answer {
                    ReviewAnswer::Skipped => String::new(),
                    ReviewAnswer::Lines(lines) => lines.join("\n"),
                    ReviewAnswer::Date(date) => wording::full_date(*date, screen.language),
                    ReviewAnswer::Language(language) => language.own_name().to_owned(),
                    ReviewAnswer::Contact {
                        name,
                        relationship,
                        phone,
                    } => format!(
                        "{name} ({})\n{phone}",
                        wording::relationship(*relationship, screen.language)
                    ),
                };
                ReviewLine {
                    question: Question::ALL
                        .iter()
                        .position(|q| *q == row.question)
                        .unwrap_or(0) as i32,
                    skipped: row.answer == ReviewAnswer::Skipped,
                    value: value.into(),
                    prefilled: row.prefilled,
                }
            })
            .collect(),
        _ => Vec::new(),
    };
    ui.global::<ReviewAdapter>()
        .set_rows(ModelRc::new(VecModel::from(rows)));
}
