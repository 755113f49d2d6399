//! `BirthDateAdapter`: the date of birth, year then month then day. The journey decides
//! what can be pressed; the page greys out the rest.

use super::{Taps, on};
use crate::checkin::{BirthView, IdentifyTap, PageView, Screen, Tap};
use crate::kiosk::wording;
use crate::kiosk::{BirthDateAdapter, BirthPart, MainWindow};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

pub fn wire(ui: &MainWindow, taps: &Taps) {
    let adapter = ui.global::<BirthDateAdapter>();
    let tap_with = |make: fn(i32) -> Option<IdentifyTap>| {
        let taps = taps.clone();
        move |value: i32| {
            if let Some(tap) = make(value) {
                taps(Tap::Identify(tap));
            }
        }
    };
    adapter.on_digit(tap_with(|d| u8::try_from(d).ok().map(IdentifyTap::Digit)));
    adapter.on_month(tap_with(|m| i8::try_from(m).ok().map(IdentifyTap::Month)));
    adapter.on_day(tap_with(|d| i8::try_from(d).ok().map(IdentifyTap::Day)));
    adapter.on_delete_digit(on(taps, Tap::Identify(IdentifyTap::DeleteDigit)));
    adapter.on_back(on(taps, Tap::Identify(IdentifyTap::Back)));
}

pub fn present(ui: &MainWindow, screen: &Screen) {
    let adapter = ui.global::<BirthDateAdapter>();
    let (view, progress) = match &screen.page {
        PageView::BirthDate(view) => (Some(view), None),
        PageView::RegisterBirthDate(register) => (Some(&register.entry), Some(register)),
        _ => (None, None),
    };
    adapter.set_step(progress.map_or(0, |p| i32::from(p.step)));
    adapter.set_steps(progress.map_or(0, |p| i32::from(p.steps)));
    adapter.set_prefilled(progress.is_some_and(|p| p.prefilled));
    let language = screen.language;
    let (mut typed, mut digits, mut year, mut months, mut month_name) = (
        String::new(),
        [true; 10],
        String::new(),
        [true; 12],
        String::new(),
    );
    let (mut last_day, mut last_enabled) = (31, 31);
    let part = match view {
        None | Some(BirthView::Year { .. }) => {
            if let Some(BirthView::Year { typed: t, enabled }) = view {
                typed = t.clone();
                digits = *enabled;
            }
            BirthPart::Year
        }
        Some(BirthView::Month { year: y, enabled }) => {
            year = y.to_string();
            months = *enabled;
            BirthPart::Month
        }
        Some(BirthView::Day {
            year: y,
            month,
            last_day: last,
            last_enabled: enabled,
        }) => {
            year = y.to_string();
            month_name = wording::month_in_sentence(*month, language).to_owned();
            (last_day, last_enabled) = (i32::from(*last), i32::from(*enabled));
            BirthPart::Day
        }
    };
    let boxes: Vec<SharedString> = (0..4)
        .map(|i| {
            typed
                .chars()
                .nth(i)
                .map(String::from)
                .unwrap_or_default()
                .into()
        })
        .collect();
    adapter.set_part(part);
    adapter.set_year_typed(typed.into());
    adapter.set_year_boxes(model(boxes));
    adapter.set_digit_enabled(model(digits.to_vec()));
    adapter.set_year(year.into());
    adapter.set_month_names(model(
        (1..=12)
            .map(|m| wording::month_name(m, language).into())
            .collect::<Vec<SharedString>>(),
    ));
    adapter.set_month_enabled(model(months.to_vec()));
    adapter.set_month_name(month_name.into());
    adapter.set_last_day(last_day);
    adapter.set_last_enabled(last_enabled);
}

fn model<T: Clone + 'static>(items: Vec<T>) -> ModelRc<T> {
    ModelRc::new(VecModel::from(items))
}
