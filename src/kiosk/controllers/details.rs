//! `DetailsAdapter`: the contact details on file, and the list of changes to send.

use super::{Taps, on};
use crate::checkin::{DetailsTap, DetailsView, PageView, Screen, Tap, phone_as_typed};
use crate::domain::{ContactField, ContactOnFile};
use crate::kiosk::{DetailsAdapter, DetailsChangeLine, DetailsMode, MainWindow};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

pub fn wire(ui: &MainWindow, taps: &Taps) {
    let adapter = ui.global::<DetailsAdapter>();
    adapter.on_correct(on(taps, Tap::Details(DetailsTap::Correct)));
    adapter.on_changed(on(taps, Tap::Details(DetailsTap::Changed)));
    adapter.on_send(on(taps, Tap::Details(DetailsTap::Send)));
    adapter.on_change_again(on(taps, Tap::Details(DetailsTap::ChangeAgain)));
}

pub fn present(ui: &MainWindow, screen: &Screen) {
    let adapter = ui.global::<DetailsAdapter>();
    let view = match &screen.page {
        PageView::ContactDetails(view) => Some(view),
        _ => None,
    };
    let on_file = match view {
        Some(DetailsView::OnFile(on_file)) => Some(on_file),
        _ => None,
    };
    adapter.set_mode(match view {
        Some(DetailsView::OnFile(_)) => DetailsMode::OnFile,
        Some(DetailsView::Changes(_)) => DetailsMode::Changes,
        Some(DetailsView::Fetching) | None => DetailsMode::Fetching,
    });
    adapter.set_address_lines(model(on_file.map(address_lines).unwrap_or_default()));
    adapter.set_phone(
        on_file
            .and_then(|c| c.get(ContactField::Phone))
            .map(shown_phone)
            .unwrap_or_default()
            .into(),
    );
    adapter.set_email(
        on_file
            .and_then(|c| c.get(ContactField::Email))
            .unwrap_or_default()
            .into(),
    );
    let changes: Vec<DetailsChangeLine> = match view {
        Some(DetailsView::Changes(changes)) => changes
            .iter()
            .map(|change| DetailsChangeLine {
                field: field_index(change.field),
                before: shown(change.field, change.on_file.as_deref().unwrap_or("")).into(),
                after: shown(change.field, &change.new).into(),
            })
            .collect(),
        _ => Vec::new(),
    };
    adapter.set_changes(model(changes));
}

/// The address as it is written on an envelope: street, unit, "City, ST 12345".
fn address_lines(on_file: &ContactOnFile) -> Vec<SharedString> {
    let get = |field| on_file.get(field).unwrap_or("").trim();
    let place = [get(ContactField::City), get(ContactField::State)]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    let last = [place.as_str(), get(ContactField::Zip)]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    [
        get(ContactField::AddressLine1),
        get(ContactField::AddressLine2),
        &last,
    ]
    .into_iter()
    .filter(|line| !line.is_empty())
    .map(SharedString::from)
    .collect()
}

/// A phone number of ten digits (or eleven with the leading 1) as "(217) 555-0123";
/// anything else as it is on file.
fn shown_phone(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let digits = match digits.strip_prefix('1') {
        Some(rest) if digits.len() == 11 => rest.to_owned(),
        _ => digits,
    };
    if digits.len() == 10 {
        phone_as_typed(&digits)
    } else {
        phone.to_owned()
    }
}

fn shown(field: ContactField, value: &str) -> String {
    match field {
        ContactField::Phone => shown_phone(value),
        _ => value.to_owned(),
    }
}

/// The field's place in the page's list of field names.
fn field_index(field: ContactField) -> i32 {
    ContactField::ALL
        .iter()
        .position(|f| *f == field)
        .map_or(0, |i| i as i32)
}

fn model<T: Clone + 'static>(items: Vec<T>) -> ModelRc<T> {
    ModelRc::new(VecModel::from(items))
}
