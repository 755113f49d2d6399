//! `QuestionsAdapter`: the intake questions. Answers, keys and choices are taps the
//! journey applies; the page shows only what the journey says is answered or typed.

use super::{Taps, on, on_key};
use crate::checkin::{
    NameKey, PageView, QuestionError, QuestionInput, QuestionsTap, QuestionsView, Screen, Tap,
};
use crate::kiosk::{AnswerInput, MainWindow, QuestionsAdapter, QuestionsMode};
use crate::questionnaire::LocalText;
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

pub fn wire(ui: &MainWindow, taps: &Taps) {
    let adapter = ui.global::<QuestionsAdapter>();
    let tap = Tap::Questions;
    adapter.on_start(on(taps, tap(QuestionsTap::Start)));
    adapter.on_yes(on(taps, tap(QuestionsTap::Yes)));
    adapter.on_no(on(taps, tap(QuestionsTap::No)));
    adapter.on_choose({
        let taps = taps.clone();
        move |index| {
            if let Ok(index) = u8::try_from(index) {
                taps(Tap::Questions(QuestionsTap::Choose(index)));
            }
        }
    });
    let key = |k| Tap::Questions(QuestionsTap::Key(k));
    adapter.on_key(on_key(taps, key));
    adapter.on_delete(on(taps, key(NameKey::Backspace)));
    adapter.on_clear(on(taps, key(NameKey::Clear)));
    adapter.on_next(on(taps, tap(QuestionsTap::Next)));
    adapter.on_skip(on(taps, tap(QuestionsTap::Skip)));
    adapter.on_back(on(taps, tap(QuestionsTap::Back)));
    adapter.on_go_on(on(taps, tap(QuestionsTap::Continue)));
    adapter.on_call_staff(on(taps, Tap::CallStaff));
}

pub fn present(ui: &MainWindow, screen: &Screen) {
    let adapter = ui.global::<QuestionsAdapter>();
    let view = match &screen.page {
        PageView::Questions(view) => Some(view),
        _ => None,
    };
    let language = screen.language;
    let (title, intro) = match view {
        Some(QuestionsView::Intro { title, intro }) => (title.get(language), intro.get(language)),
        Some(QuestionsView::Question(q)) => (q.title.get(language), ""),
        _ => ("", ""),
    };
    adapter.set_title(title.into());
    adapter.set_intro(intro.into());
    adapter.set_mode(match view {
        Some(QuestionsView::Intro { .. }) => QuestionsMode::Intro,
        Some(QuestionsView::Question(_)) => QuestionsMode::Question,
        Some(QuestionsView::Safety) => QuestionsMode::Safety,
        Some(QuestionsView::Saving) | None => QuestionsMode::Saving,
    });
    let question = match view {
        Some(QuestionsView::Question(q)) => Some(q),
        _ => None,
    };
    adapter.set_number(question.map_or(1, |q| i32::from(q.number)));
    adapter.set_count(question.map_or(1, |q| i32::from(q.of)));
    adapter.set_text(question.map_or("", |q| q.text.get(language)).into());
    adapter.set_stem(
        question
            .and_then(|q| q.stem.as_ref())
            .map_or("", |stem| stem.get(language))
            .into(),
    );
    adapter.set_optional(question.is_some_and(|q| q.optional));
    adapter.set_can_back(question.is_some_and(|q| q.can_back));
    adapter.set_error(match question.and_then(|q| q.error) {
        None => 0,
        Some(QuestionError::Required) => 1,
        Some(QuestionError::OutOfRange) => 2,
    });
    let mut input = AnswerInput::YesNo;
    let mut chosen = -1;
    let mut choices: &[LocalText] = &[];
    let mut ticked: &[bool] = &[];
    let (mut typed, mut unit, mut lowest, mut highest) = ("", "", "", "");
    let (mut decimals, mut minus, mut full) = (false, false, false);
    match question.map(|q| &q.input) {
        Some(QuestionInput::YesNo { chosen: c }) => {
            chosen = c.map_or(-1, |yes| if yes { 0 } else { 1 });
        }
        Some(QuestionInput::Single {
            choices: all,
            chosen: c,
        }) => {
            input = AnswerInput::Single;
            choices = all;
            chosen = c.map_or(-1, |i| i32::try_from(i).unwrap_or(-1));
        }
        Some(QuestionInput::Multiple {
            choices: all,
            ticked: t,
        }) => {
            input = AnswerInput::Multiple;
            choices = all;
            ticked = t;
        }
        Some(QuestionInput::Number {
            typed: t,
            unit: u,
            min,
            max,
            decimals: d,
            minus: m,
            full: f,
        }) => {
            input = AnswerInput::Number;
            typed = t;
            unit = u.as_ref().map_or("", |u| u.get(language));
            lowest = min;
            highest = max;
            decimals = *d;
            minus = *m;
            full = *f;
        }
        Some(QuestionInput::Text { typed: t, full: f }) => {
            input = AnswerInput::Text;
            typed = t;
            full = *f;
        }
        None => {}
    }
    adapter.set_input(input);
    adapter.set_chosen(chosen);
    adapter.set_typed(typed.into());
    adapter.set_unit(unit.into());
    adapter.set_lowest(lowest.into());
    adapter.set_highest(highest.into());
    adapter.set_decimals(decimals);
    adapter.set_minus(minus);
    adapter.set_full(full);
    let column = |odd: usize| -> Vec<SharedString> {
        choices
            .iter()
            .skip(odd)
            .step_by(2)
            .map(|c| SharedString::from(c.get(language)))
            .collect()
    };
    let ticks = |odd: usize| -> Vec<bool> {
        (0..choices.len())
            .skip(odd)
            .step_by(2)
            .map(|i| ticked.get(i).copied().unwrap_or(false))
            .collect()
    };
    adapter.set_left_choices(ModelRc::new(VecModel::from(column(0))));
    adapter.set_right_choices(ModelRc::new(VecModel::from(column(1))));
    adapter.set_left_ticked(ModelRc::new(VecModel::from(ticks(0))));
    adapter.set_right_ticked(ModelRc::new(VecModel::from(ticks(1))));
}
