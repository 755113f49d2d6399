//! One controller per Slint adapter: each wires its page's buttons to taps and puts its
//! part of the [`Screen`] into its adapter. A controller writes every property of its
//! adapter on every change, clearing them when its page is not showing, so nothing of a
//! previous patient lingers in the UI.

mod birth_date;
mod confirm;
mod consent;
mod details;
mod done;
mod front_desk;
mod header;
mod help;
pub(crate) mod insurance;
mod not_found;
mod not_set_up;
mod payment;
mod problem;
mod questions;
mod register;
mod review;
mod still_there;
mod type_code;
mod type_name;
mod welcome;
mod which_time;

use super::MainWindow;
use crate::checkin::{NameKey, Screen, Tap};
use std::rc::Rc;

/// Turns a tap into an event for the journey.
pub type Taps = Rc<dyn Fn(Tap)>;

/// A callback for a Slint button that sends `tap`.
fn on(taps: &Taps, tap: Tap) -> impl Fn() + 'static {
    let taps = taps.clone();
    move || taps(tap)
}

/// A callback for a keyboard's `key(string)`: one character per key becomes the tap
/// `tap(NameKey::Char(c))`; anything else is not a key of ours and is dropped.
fn on_key(taps: &Taps, tap: fn(NameKey) -> Tap) -> impl Fn(slint::SharedString) + 'static {
    let taps = taps.clone();
    move |text| {
        let mut chars = text.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            taps(tap(NameKey::Char(c)));
        }
    }
}

/// Connects every button of every page.
pub fn wire(ui: &MainWindow, taps: &Taps) {
    header::wire(ui, taps);
    welcome::wire(ui, taps);
    type_code::wire(ui, taps);
    type_name::wire(ui, taps);
    birth_date::wire(ui, taps);
    which_time::wire(ui, taps);
    not_found::wire(ui, taps);
    register::wire(ui, taps);
    review::wire(ui, taps);
    confirm::wire(ui, taps);
    details::wire(ui, taps);
    payment::wire(ui, taps);
    consent::wire(ui, taps);
    questions::wire(ui, taps);
    insurance::wire(ui, taps);
    done::wire(ui, taps);
    problem::wire(ui, taps);
    front_desk::wire(ui, taps);
    help::wire(ui, taps);
    still_there::wire(ui, taps);
}

/// Shows `screen`: every adapter gets its part (or is cleared), then the page switches.
pub fn present(ui: &MainWindow, screen: &Screen) {
    type_code::present(ui, screen);
    type_name::present(ui, screen);
    birth_date::present(ui, screen);
    which_time::present(ui, screen);
    register::present(ui, screen);
    review::present(ui, screen);
    confirm::present(ui, screen);
    details::present(ui, screen);
    payment::present(ui, screen);
    consent::present(ui, screen);
    questions::present(ui, screen);
    insurance::present(ui, screen);
    done::present(ui, screen);
    problem::present(ui, screen);
    front_desk::present(ui, screen);
    still_there::present(ui, screen);
    help::present(ui, screen);
    not_set_up::present(ui, screen);
    header::present(ui, screen);
}
