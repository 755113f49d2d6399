//! `InsuranceAdapter`: the insurance pages. Keys, choices and buttons are taps the
//! journey applies; the page shows only what the journey says (a member id on file only
//! as its last four characters).

use super::{Taps, on, on_key};
use crate::checkin::{
    CoverageField, CoverageFieldError, InsuranceInput, InsuranceNotice, InsuranceTap,
    InsuranceView, Keyboard, NameKey, PageView, Screen, Tap,
};
use crate::domain::{CardSide, CoverageRank, SubscriberRelationship};
use crate::kiosk::{
    InsuranceAdapter, InsuranceKeys, InsuranceMode, InsuranceOnFileLine, InsuranceReviewLine,
    MainWindow,
};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

pub fn wire(ui: &MainWindow, taps: &Taps) {
    let adapter = ui.global::<InsuranceAdapter>();
    let tap = |t| Tap::Insurance(t);
    adapter.on_still_same(on(taps, tap(InsuranceTap::StillSame)));
    adapter.on_changed(on(taps, tap(InsuranceTap::Changed)));
    adapter.on_photo(on(taps, tap(InsuranceTap::Photo)));
    adapter.on_scan(on(taps, tap(InsuranceTap::Scan)));
    adapter.on_type_in(on(taps, tap(InsuranceTap::Type)));
    adapter.on_no_insurance(on(taps, tap(InsuranceTap::SelfPay)));
    adapter.on_at_desk(on(taps, tap(InsuranceTap::AtDesk)));
    adapter.on_take_photo(on(taps, tap(InsuranceTap::TakePhoto)));
    adapter.on_skip_back(on(taps, tap(InsuranceTap::SkipBack)));
    adapter.on_retake(on(taps, tap(InsuranceTap::Retake)));
    adapter.on_use_photo(on(taps, tap(InsuranceTap::UsePhoto)));
    let key = |k| Tap::Insurance(InsuranceTap::Key(k));
    adapter.on_key(on_key(taps, key));
    adapter.on_delete(on(taps, key(NameKey::Backspace)));
    adapter.on_clear(on(taps, key(NameKey::Clear)));
    adapter.on_choose({
        let taps = taps.clone();
        move |index| {
            if let Ok(index) = u8::try_from(index) {
                taps(Tap::Insurance(InsuranceTap::Choose(index)));
            }
        }
    });
    adapter.on_not_listed(on(taps, tap(InsuranceTap::NotListed)));
    adapter.on_no_group(on(taps, tap(InsuranceTap::NoGroup)));
    adapter.on_next(on(taps, tap(InsuranceTap::Next)));
    adapter.on_back(on(taps, tap(InsuranceTap::Back)));
    adapter.on_change({
        let taps = taps.clone();
        move |index| {
            let field = usize::try_from(index)
                .ok()
                .and_then(|i| CoverageField::ALL.get(i));
            if let Some(field) = field {
                taps(Tap::Insurance(InsuranceTap::Change(*field)));
            }
        }
    });
    adapter.on_confirm(on(taps, tap(InsuranceTap::Confirm)));
    adapter.on_add_secondary(on(taps, tap(InsuranceTap::AddSecondary)));
    adapter.on_no_secondary(on(taps, tap(InsuranceTap::NoSecondary)));
}

/// Everything the page shows, reset to nothing when it is not showing.
#[derive(Default)]
struct Shown {
    mode: Option<InsuranceMode>,
    secondary: bool,
    on_file: Vec<InsuranceOnFileLine>,
    camera: bool,
    self_pay: bool,
    notice: i32,
    can_back: bool,
    back_side: bool,
    field: i32,
    step: i32,
    steps: i32,
    shown: String,
    keys: Option<InsuranceKeys>,
    full: bool,
    prefilled: bool,
    error: i32,
    matches: Vec<SharedString>,
    chosen: String,
    listed: bool,
    relationship: i32,
    card_name: String,
    review: Vec<InsuranceReviewLine>,
    photo: slint::Image,
}

pub fn present(ui: &MainWindow, screen: &Screen) {
    let adapter = ui.global::<InsuranceAdapter>();
    let mut s = Shown {
        relationship: -1,
        listed: true,
        ..Shown::default()
    };
    if let PageView::Insurance(view) = &screen.page {
        fill(&mut s, view);
    }
    adapter.set_mode(s.mode.unwrap_or(InsuranceMode::Looking));
    adapter.set_secondary(s.secondary);
    adapter.set_on_file(ModelRc::new(VecModel::from(s.on_file)));
    adapter.set_camera(s.camera);
    adapter.set_self_pay(s.self_pay);
    adapter.set_notice(s.notice);
    adapter.set_can_back(s.can_back);
    adapter.set_back_side(s.back_side);
    adapter.set_field(s.field);
    adapter.set_step(s.step);
    adapter.set_steps(s.steps);
    adapter.set_shown(s.shown.into());
    adapter.set_keys(s.keys.unwrap_or(InsuranceKeys::Address));
    adapter.set_full(s.full);
    adapter.set_prefilled(s.prefilled);
    adapter.set_error(s.error);
    let column = |odd: usize| -> Vec<SharedString> {
        s.matches.iter().skip(odd).step_by(2).cloned().collect()
    };
    adapter.set_left_matches(ModelRc::new(VecModel::from(column(0))));
    adapter.set_right_matches(ModelRc::new(VecModel::from(column(1))));
    // "Chosen: …" only when the payer is not among the buttons (which show it chosen):
    // the line would take room the payers found need.
    let note = if s.matches.iter().any(|m| m.as_str() == s.chosen) {
        String::new()
    } else {
        s.chosen.clone()
    };
    adapter.set_chosen_note(note.into());
    adapter.set_chosen(s.chosen.into());
    adapter.set_listed(s.listed);
    adapter.set_relationship(s.relationship);
    adapter.set_card_name(s.card_name.into());
    adapter.set_review(ModelRc::new(VecModel::from(s.review)));
    // Empty on every other page: no photo of a card outlives its page.
    adapter.set_taken_photo(s.photo);
    // The live preview is drawn by `show_preview`; any other page drops its last frame.
    if s.mode != Some(InsuranceMode::Frame) {
        adapter.set_preview(slint::Image::default());
    }
}

/// A camera frame's pixels, as Slint draws them.
pub fn pixels_of(
    frame: &crate::devices::camera::Frame,
) -> slint::SharedPixelBuffer<slint::Rgb8Pixel> {
    let mut buffer = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::new(frame.width, frame.height);
    buffer.make_mut_bytes().copy_from_slice(&frame.rgb);
    buffer
}

/// One live preview frame behind the frame guide; only while the photo page shows (a
/// frame still on its way when the page changed is dropped). `None` clears it.
pub fn show_preview(ui: &MainWindow, buffer: Option<slint::SharedPixelBuffer<slint::Rgb8Pixel>>) {
    let adapter = ui.global::<InsuranceAdapter>();
    let image = match buffer {
        Some(buffer) if adapter.get_mode() == InsuranceMode::Frame => {
            slint::Image::from_rgb8(buffer)
        }
        _ => slint::Image::default(),
    };
    adapter.set_preview(image);
}

/// The card photo for the screen; an empty image if it cannot be decoded (the page then
/// still offers "Retake").
fn photo_of(jpeg: &[u8]) -> slint::Image {
    match crate::devices::camera::Frame::decode(jpeg) {
        Ok(frame) => slint::Image::from_rgb8(pixels_of(&frame)),
        Err(error) => {
            tracing::warn!(%error, "card photo cannot be shown");
            slint::Image::default()
        }
    }
}

fn fill(s: &mut Shown, view: &InsuranceView) {
    s.mode = Some(match view {
        InsuranceView::Looking => InsuranceMode::Looking,
        InsuranceView::Saving => InsuranceMode::Saving,
        InsuranceView::OnFile(lines) => {
            s.on_file = lines
                .iter()
                .map(|line| InsuranceOnFileLine {
                    secondary: line.rank == CoverageRank::Secondary,
                    payer: line.payer_name.as_str().into(),
                    last_four: line.member_id_last_four.as_str().into(),
                })
                .collect();
            InsuranceMode::OnFile
        }
        InsuranceView::How {
            rank,
            camera,
            self_pay,
            notice,
            back,
        } => {
            s.can_back = *back;
            s.secondary = *rank == CoverageRank::Secondary;
            s.camera = *camera;
            s.self_pay = *self_pay;
            s.notice = match notice {
                None => 0,
                Some(InsuranceNotice::Unreadable) => 1,
                Some(InsuranceNotice::CameraUnavailable) => 2,
                Some(InsuranceNotice::CouldNotVerify) => 3,
            };
            InsuranceMode::How
        }
        InsuranceView::ScanWait => InsuranceMode::Scan,
        InsuranceView::Frame(side) => {
            s.back_side = *side == CardSide::Back;
            InsuranceMode::Frame
        }
        InsuranceView::Taking(side) => {
            s.back_side = *side == CardSide::Back;
            InsuranceMode::Taking
        }
        InsuranceView::Taken { side, jpeg } => {
            s.back_side = *side == CardSide::Back;
            s.photo = photo_of(jpeg);
            InsuranceMode::Taken
        }
        InsuranceView::AskSecondary => InsuranceMode::Secondary,
        InsuranceView::Review { rank, rows } => {
            s.secondary = *rank == CoverageRank::Secondary;
            s.review = rows
                .iter()
                .map(|row| InsuranceReviewLine {
                    field: field_index(row.field),
                    value: row.value.as_str().into(),
                    relationship: row.relationship.map_or(-1, relationship_index),
                    prefilled: row.prefilled,
                })
                .collect();
            InsuranceMode::Review
        }
        InsuranceView::Field(field) => {
            s.secondary = field.rank == CoverageRank::Secondary;
            s.field = field_index(field.field);
            s.step = i32::from(field.step);
            s.steps = i32::from(field.steps);
            s.prefilled = field.prefilled;
            s.error = field.error.map_or(0, error_index);
            match &field.input {
                InsuranceInput::Text {
                    shown,
                    keyboard,
                    full,
                } => {
                    s.shown.clone_from(shown);
                    s.keys = Some(keys_of(*keyboard));
                    s.full = *full;
                    InsuranceMode::Text
                }
                InsuranceInput::PayerSearch {
                    query,
                    matches,
                    chosen,
                    listed,
                } => {
                    s.shown.clone_from(query);
                    s.keys = Some(InsuranceKeys::Search);
                    s.matches = matches.iter().map(|m| m.as_str().into()).collect();
                    s.chosen = chosen.clone().unwrap_or_default();
                    s.listed = *listed;
                    InsuranceMode::Payer
                }
                InsuranceInput::Relationship { chosen, card_name } => {
                    s.relationship = chosen.map_or(-1, relationship_index);
                    s.card_name = card_name.clone().unwrap_or_default();
                    InsuranceMode::Relationship
                }
            }
        }
    });
}

fn field_index(field: CoverageField) -> i32 {
    CoverageField::ALL
        .iter()
        .position(|f| *f == field)
        .map_or(0, |i| i as i32)
}

fn relationship_index(relationship: SubscriberRelationship) -> i32 {
    SubscriberRelationship::ALL
        .iter()
        .position(|r| *r == relationship)
        .map_or(-1, |i| i as i32)
}

fn keys_of(keyboard: Keyboard) -> InsuranceKeys {
    match keyboard {
        Keyboard::Name | Keyboard::Letters => InsuranceKeys::Name,
        Keyboard::Digits => InsuranceKeys::Digits,
        Keyboard::Address | Keyboard::Email => InsuranceKeys::Address,
    }
}

/// The page's index of each error (0 is none).
fn error_index(error: CoverageFieldError) -> i32 {
    match error {
        CoverageFieldError::Required => 1,
        CoverageFieldError::ChoosePayer => 2,
        CoverageFieldError::PayerName => 3,
        CoverageFieldError::MemberId => 4,
        CoverageFieldError::Group => 5,
        CoverageFieldError::BirthDate => 6,
        CoverageFieldError::Name => 7,
    }
}
