//! `RegisterAdapter`: one question of the new-patient form. Keys and choices are taps
//! the journey applies; the page shows only what the journey says was typed.

use super::{Taps, on, on_key};
use crate::checkin::{
    Choice, Field, FormError, Keyboard, NameKey, PageView, RegisterInput, RegisterTap, Screen, Tap,
};
use crate::kiosk::wording;
use crate::kiosk::{FormInput, MainWindow, RegisterAdapter};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

pub fn wire(ui: &MainWindow, taps: &Taps) {
    let adapter = ui.global::<RegisterAdapter>();
    let key = |k| Tap::Register(RegisterTap::Key(k));
    adapter.on_key(on_key(taps, key));
    adapter.on_delete(on(taps, key(NameKey::Backspace)));
    adapter.on_clear(on(taps, key(NameKey::Clear)));
    adapter.on_choose({
        let taps = taps.clone();
        move |index| {
            if let Ok(index) = u8::try_from(index) {
                taps(Tap::Register(RegisterTap::Choose(index)));
            }
        }
    });
    adapter.on_next(on(taps, Tap::Register(RegisterTap::Next)));
    adapter.on_back(on(taps, Tap::Register(RegisterTap::Back)));
    adapter.on_skip(on(taps, Tap::Register(RegisterTap::Skip)));
}

pub fn present(ui: &MainWindow, screen: &Screen) {
    let adapter = ui.global::<RegisterAdapter>();
    let view = match &screen.page {
        PageView::Register(view) => Some(view),
        _ => None,
    };
    let field = view.map_or(Field::FirstName, |v| v.field);
    adapter.set_field(Field::ALL.iter().position(|f| *f == field).unwrap_or(0) as i32);
    adapter.set_step(view.map_or(1, |v| i32::from(v.step)));
    adapter.set_steps(view.map_or(1, |v| i32::from(v.steps)));
    adapter.set_prefilled(view.is_some_and(|v| v.prefilled));
    adapter.set_optional(view.is_some_and(|v| v.optional));
    adapter.set_error(view.and_then(|v| v.error).map_or(0, error_index));
    let (input, shown, full, choices, chosen) = match view.map(|v| &v.input) {
        Some(RegisterInput::Text {
            shown,
            keyboard,
            full,
        }) => (input_of(*keyboard), shown.clone(), *full, Vec::new(), -1),
        Some(RegisterInput::Choice { choices, chosen }) => (
            FormInput::Choice,
            String::new(),
            false,
            choices
                .iter()
                .map(|c| SharedString::from(choice_label(c, screen)))
                .collect(),
            chosen.map_or(-1, |c| c as i32),
        ),
        None => (FormInput::Name, String::new(), false, Vec::new(), -1),
    };
    adapter.set_input(input);
    adapter.set_shown(shown.into());
    adapter.set_full(full);
    let column = |odd: usize| -> Vec<SharedString> {
        choices.iter().skip(odd).step_by(2).cloned().collect()
    };
    adapter.set_left_choices(ModelRc::new(VecModel::from(column(0))));
    adapter.set_right_choices(ModelRc::new(VecModel::from(column(1))));
    adapter.set_chosen(chosen);
}

fn input_of(keyboard: Keyboard) -> FormInput {
    match keyboard {
        Keyboard::Name => FormInput::Name,
        Keyboard::Letters => FormInput::Letters,
        Keyboard::Address => FormInput::Address,
        Keyboard::Email => FormInput::Email,
        Keyboard::Digits => FormInput::Digits,
    }
}

fn choice_label(choice: &Choice, screen: &Screen) -> String {
    match choice {
        Choice::Label(label) => label.clone(),
        Choice::Language(language) => language.own_name().to_owned(),
        Choice::Relationship(relationship) => {
            wording::relationship(*relationship, screen.language).to_owned()
        }
    }
}

/// The page's index of each error (0 is none).
fn error_index(error: FormError) -> i32 {
    match error {
        FormError::Required => 1,
        FormError::ZipDigits => 2,
        FormError::PhoneDigits => 3,
        FormError::PhoneNotReal => 4,
        FormError::Email => 5,
        FormError::State => 6,
        FormError::ChooseOne => 7,
    }
}
