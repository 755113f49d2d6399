//! Access on the real Slint screens (testing backend): the high-contrast palette gives
//! every text colour at least 7:1 against what it is drawn on and the normal one at least
//! 4.5:1; every button on every screen and overlay has an accessible label, in both
//! languages and display modes; "Larger text" and "High contrast", tapped by label on
//! different screens, change the Theme, and "Start over" and the idle wipe undo them; in
//! large text on the small display nothing is cut off: a page taller than the screen
//! scrolls to its last button.

use frontdesk::checkin::{DisplayPrefs, Event, HelpReached, Screen};
use frontdesk::domain::Language;
use frontdesk::kiosk::app::{KioskApp, present};
use frontdesk::kiosk::config::KioskConfig;
use frontdesk::kiosk::render::sample_screens;
use frontdesk::kiosk::services::KioskServices;
use frontdesk::kiosk::{KioskAdapter, MainWindow, Page, Theme};
use frontdesk::sync::WorkerSettings;
use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementQuery};
use jiff::{SignedDuration, Timestamp};
use slint::platform::PointerEventButton;
use slint::{Color, ComponentHandle, LogicalPosition, LogicalSize};
use std::sync::Arc;

/// The kiosk window at the small display's size, on this test's thread.
fn window() -> MainWindow {
    i_slint_backend_testing::init_no_event_loop();
    let ui = MainWindow::new().unwrap();
    ui.window().set_size(LogicalSize::new(800.0, 480.0));
    ui.show().unwrap();
    ui
}

/// WCAG 2 relative luminance of an opaque sRGB colour.
fn luminance(color: Color) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(color.red()) + 0.7152 * channel(color.green()) + 0.0722 * channel(color.blue())
}

/// WCAG 2 contrast ratio, 1 to 21.
fn contrast(a: Color, b: Color) -> f64 {
    let (a, b) = (luminance(a), luminance(b));
    (a.max(b) + 0.05) / (a.min(b) + 0.05)
}

/// `color` at `alpha` over `under`, as drawn.
fn over(color: Color, alpha: f32, under: Color) -> Color {
    let mix = |c: u8, u: u8| (f32::from(c) * alpha + f32::from(u) * (1.0 - alpha)).round() as u8;
    Color::from_rgb_u8(
        mix(color.red(), under.red()),
        mix(color.green(), under.green()),
        mix(color.blue(), under.blue()),
    )
}

/// Every text colour of the Theme with every background it is drawn on, by name.
fn text_pairs(theme: &Theme<'_>) -> Vec<(String, Color, Color)> {
    let background = theme.get_background();
    let surface = theme.get_surface();
    let mut pairs = vec![
        ("ink on background", theme.get_ink(), background),
        ("ink on surface", theme.get_ink(), surface),
        (
            "ink on pressed surface",
            theme.get_ink(),
            theme.get_pressed_surface(),
        ),
        ("muted ink on background", theme.get_muted_ink(), background),
        ("muted ink on surface", theme.get_muted_ink(), surface),
        (
            "on-accent on accent",
            theme.get_on_accent(),
            theme.get_accent(),
        ),
        (
            "on-accent on accent pressed",
            theme.get_on_accent(),
            theme.get_accent_pressed(),
        ),
        ("help on surface", theme.get_help(), surface),
        (
            "help on help pressed",
            theme.get_help(),
            theme.get_help_pressed(),
        ),
        ("help on background", theme.get_help(), background),
    ]
    .into_iter()
    .map(|(name, text, under)| (name.to_owned(), text, under))
    .collect::<Vec<_>>();
    // A message's badge: its glyph in the tint, on the tint at 12 % over the page (on
    // the page's black in high contrast).
    for (name, tint) in [
        ("accent", theme.get_accent()),
        ("success", theme.get_success()),
        ("warning", theme.get_warning()),
        ("help", theme.get_help()),
    ] {
        let fill = if theme.get_high_contrast() {
            surface
        } else {
            over(tint, 0.12, background)
        };
        pairs.push((format!("{name} badge glyph"), tint, fill));
    }
    pairs
}

/// Outlines and fills that tell a control from the page (WCAG non-text contrast).
fn shape_pairs(theme: &Theme<'_>) -> Vec<(&'static str, Color, Color)> {
    vec![
        (
            "outline on surface",
            theme.get_outline(),
            theme.get_surface(),
        ),
        (
            "outline on background",
            theme.get_outline(),
            theme.get_background(),
        ),
        (
            "accent on background",
            theme.get_accent(),
            theme.get_background(),
        ),
        ("accent on surface", theme.get_accent(), theme.get_surface()),
        (
            "help outline on surface",
            theme.get_help(),
            theme.get_surface(),
        ),
    ]
}

#[test]
fn high_contrast_text_is_at_least_7_to_1_and_normal_text_at_least_4_5_to_1() {
    let ui = window();
    let theme = ui.global::<Theme>();
    let normal = text_pairs(&theme);
    for (name, text, under) in &normal {
        let ratio = contrast(*text, *under);
        assert!(ratio >= 4.5, "normal: {name} is {ratio:.2}:1");
    }
    for (name, shape, under) in shape_pairs(&theme) {
        let ratio = contrast(shape, under);
        assert!(ratio >= 3.0, "normal: {name} is {ratio:.2}:1");
    }
    let normal_border = theme.get_button_border();

    theme.set_high_contrast(true);
    let high = text_pairs(&theme);
    for (name, text, under) in &high {
        let ratio = contrast(*text, *under);
        assert!(ratio >= 7.0, "high contrast: {name} is {ratio:.2}:1");
    }
    for (name, shape, under) in shape_pairs(&theme) {
        let ratio = contrast(shape, under);
        assert!(ratio >= 3.0, "high contrast: {name} is {ratio:.2}:1");
    }
    assert_ne!(normal, high, "high contrast is another palette");
    assert!(
        theme.get_button_border() > normal_border,
        "thicker outlines"
    );
}

fn interactive(role: AccessibleRole) -> bool {
    matches!(
        role,
        AccessibleRole::Button
            | AccessibleRole::Checkbox
            | AccessibleRole::Combobox
            | AccessibleRole::Slider
            | AccessibleRole::Spinbox
            | AccessibleRole::Switch
            | AccessibleRole::Tab
            | AccessibleRole::TextInput
            | AccessibleRole::ListItem
            | AccessibleRole::RadioButton
    )
}

/// The area an element covers, in window coordinates.
fn rect(element: &ElementHandle) -> (f32, f32, f32, f32) {
    let at = element.absolute_position();
    let size = element.size();
    (at.x, at.y, at.x + size.width, at.y + size.height)
}

/// Every interactive element shown has a non-empty label, and every touch area lies
/// within one of them (no tappable thing a screen reader cannot name). Returns the labels.
fn labelled_controls(ui: &MainWindow, what: &str) -> Vec<String> {
    let all = ElementQuery::from_root(ui).find_all();
    let controls: Vec<_> = all
        .iter()
        .filter(|e| e.accessible_role().is_some_and(interactive))
        .collect();
    let mut labels = Vec::new();
    for control in &controls {
        let label = control.accessible_label().unwrap_or_default();
        assert!(
            !label.trim().is_empty(),
            "{what}: a {:?} ({:?}) has no accessible label",
            control.accessible_role(),
            control.type_name()
        );
        labels.push(label.to_string());
    }
    let touch_areas: Vec<_> = all
        .iter()
        .filter(|e| e.type_name().as_deref() == Some("TouchArea"))
        .collect();
    assert!(
        !touch_areas.is_empty(),
        "{what}: touch areas are enumerated"
    );
    for touch in touch_areas {
        let (left, top, right, bottom) = rect(touch);
        let named = controls.iter().any(|control| {
            let (l, t, r, b) = rect(control);
            l <= left + 0.5 && t <= top + 0.5 && r >= right - 0.5 && b >= bottom - 0.5
        });
        assert!(
            named,
            "{what}: a touch area at ({left}, {top}) is inside no labelled control"
        );
    }
    labels
}

#[test]
fn every_button_on_every_screen_has_an_accessible_label_in_both_languages() {
    let ui = window();
    let both = DisplayPrefs {
        large_text: true,
        high_contrast: true,
    };
    for display in [DisplayPrefs::default(), both] {
        for language in Language::ALL {
            for (name, page, overlay, desk_call) in sample_screens() {
                let what = format!("{name} ({}, {display:?})", language.code());
                present(
                    &ui,
                    &Screen {
                        page,
                        overlay,
                        desk_call,
                        language,
                        display,
                    },
                );
                let labels = labelled_controls(&ui, &what);
                let (larger, contrast) = match language {
                    Language::English => ("Larger text", "High contrast"),
                    Language::Spanish => ("Letra más grande", "Alto contraste"),
                };
                // The display toggles are on every screen, named in the screen's language.
                for toggle in [larger, contrast] {
                    assert_eq!(
                        labels.iter().filter(|l| *l == toggle).count(),
                        1,
                        "{what}: one {toggle:?} button in {labels:?}"
                    );
                }
                // And each page has its way on (only the countdown has a single one).
                assert!(labels.len() >= 4, "{what}: {labels:?}");
            }
        }
    }
}

fn find_button(ui: &MainWindow, label: &str) -> ElementHandle {
    let buttons: Vec<_> = ElementHandle::find_by_accessible_label(ui, label)
        .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .collect();
    assert_eq!(buttons.len(), 1, "exactly one {label:?} button on screen");
    buttons.into_iter().next().unwrap()
}

fn tap(ui: &MainWindow, label: &str) {
    find_button(ui, label).invoke_accessible_default_action();
}

fn visible(ui: &MainWindow, label: &str) -> bool {
    ElementHandle::find_by_accessible_label(ui, label)
        .next()
        .is_some()
}

/// What the Theme draws with now: body text size, page colour, ink colour.
fn looks(ui: &MainWindow) -> (f32, Color, Color) {
    let theme = ui.global::<Theme>();
    (
        theme.get_body_size(),
        theme.get_background(),
        theme.get_ink(),
    )
}

#[test]
fn larger_text_and_high_contrast_by_tap_until_start_over_or_the_idle_wipe() {
    let ui = window();
    let dir = tempfile::tempdir().unwrap();
    // No office is listening: the sync thread just retries, and nothing waits on it.
    let config = KioskConfig {
        office_url: "http://127.0.0.1:9".into(),
        data_dir: dir.path().to_owned(),
        // A static token: a kiosk without any credential shows the pairing screen.
        office_token: "static-kiosk-token-0123456789".into(),
        ..KioskConfig::default()
    };
    let services = KioskServices::start(
        &config,
        WorkerSettings::default(),
        Arc::new(|_| {}),
        Timestamp::now(),
    )
    .unwrap();
    let app = KioskApp::install(ui.clone_strong(), services.core, "Demo Family Practice");
    let theme = ui.global::<Theme>();
    let normal = looks(&ui);
    assert!(!theme.get_large_text() && !theme.get_high_contrast());
    assert_eq!(
        find_button(&ui, "Larger text").accessible_checked(),
        Some(false)
    );

    // Welcome: larger text. Every type size grows; the colours stay.
    tap(&ui, "Larger text");
    assert!(theme.get_large_text());
    let (body, background, ink) = looks(&ui);
    assert!(
        (body / normal.0 - 1.35).abs() < 0.01,
        "{body} vs {}",
        normal.0
    );
    assert_eq!((background, ink), (normal.1, normal.2));
    assert!(theme.get_title_size() > 40.0);
    assert_eq!(
        find_button(&ui, "Larger text").accessible_checked(),
        Some(true)
    );

    // Another screen: high contrast too, on a problem page (this kiosk has no list of
    // today's appointments to look a typed name up in).
    tap(&ui, "Type my name instead");
    assert_eq!(ui.global::<KioskAdapter>().get_page(), Page::Problem);
    tap(&ui, "High contrast");
    assert!(theme.get_high_contrast() && theme.get_large_text());
    let (body, background, ink) = looks(&ui);
    assert!(body > normal.0);
    assert_eq!(background, Color::from_rgb_u8(0, 0, 0));
    assert_eq!(ink, Color::from_rgb_u8(255, 255, 255));
    assert_eq!(
        find_button(&ui, "High contrast").accessible_checked(),
        Some(true)
    );

    // "Start over": the next patient gets the normal display.
    tap(&ui, "Start over");
    assert_eq!(ui.global::<KioskAdapter>().get_page(), Page::Welcome);
    assert_eq!(looks(&ui), normal);
    assert_eq!(
        find_button(&ui, "High contrast").accessible_checked(),
        Some(false)
    );

    // In Spanish, by their Spanish labels, and under the "someone is coming" overlay.
    tap(&ui, "Español");
    tap(&ui, "Letra más grande");
    tap(&ui, "Pedir ayuda");
    assert!(visible(&ui, "Llamando a la recepción…"));
    app.dispatch(Event::HelpAnswered(HelpReached::Told));
    assert!(visible(&ui, "Alguien viene a ayudarle"));
    tap(&ui, "Alto contraste");
    assert!(theme.get_large_text() && theme.get_high_contrast());
    assert!(
        visible(&ui, "Alguien viene a ayudarle"),
        "the overlay stays"
    );
    tap(&ui, "Volver");

    // Nobody touches the screen: the idle wipe brings back the normal display, in English.
    let later = Timestamp::now() + SignedDuration::from_secs(config.idle_timeout_secs as i64 + 1);
    app.dispatch_at(Event::Tick, later);
    assert_eq!(looks(&ui), normal);
    assert!(!theme.get_large_text() && !theme.get_high_contrast());
    assert!(visible(&ui, "Larger text"));
}

/// The labelled controls on screen now, with where they are.
fn controls(ui: &MainWindow) -> Vec<(String, (f32, f32, f32, f32))> {
    ElementQuery::from_root(ui)
        .find_all()
        .into_iter()
        .filter(|e| e.accessible_role().is_some_and(interactive))
        .map(|e| {
            (
                e.accessible_label().unwrap_or_default().to_string(),
                rect(&e),
            )
        })
        .collect()
}

/// Drags the page up by a finger's swipe and lets it settle.
fn swipe_up(ui: &MainWindow) {
    let page = ElementHandle::find_by_element_id(ui, "MainWindow::scroller")
        .next()
        .expect("the page scroller");
    let (left, top, right, bottom) = rect(&page);
    let (x, y) = ((left + right) / 2.0, (top + bottom) / 2.0);
    page.mock_drag(
        LogicalPosition::new(x, y - (bottom - top) / 3.0),
        PointerEventButton::Left,
    );
    i_slint_backend_testing::mock_elapsed_time(std::time::Duration::from_secs(2));
}

/// Shows every screen in large text (and high contrast) in both languages at `size`:
/// every control is within the window's width, and each one below the bottom edge comes
/// into view by swiping the page up. Returns how many screens had to scroll.
fn every_control_reachable(ui: &MainWindow, width: f32, height: f32) -> usize {
    ui.window().set_size(LogicalSize::new(width, height));
    let mut scrolled = 0;
    for display in [
        DisplayPrefs {
            large_text: true,
            high_contrast: false,
        },
        DisplayPrefs {
            large_text: true,
            high_contrast: true,
        },
    ] {
        for language in Language::ALL {
            for (name, page, overlay, desk_call) in sample_screens() {
                let what = format!(
                    "{name} ({}, {display:?}, {width}x{height})",
                    language.code()
                );
                present(
                    ui,
                    &Screen {
                        page,
                        overlay,
                        desk_call,
                        language,
                        display,
                    },
                );
                let mut needed_scroll = false;
                for (label, (left, _, right, _)) in controls(ui) {
                    assert!(
                        left >= 0.0 && right <= width + 0.5,
                        "{what}: {label:?} is cut off at the side ({left}..{right})"
                    );
                }
                let below = |ui: &MainWindow| {
                    controls(ui)
                        .into_iter()
                        .filter(|(_, (_, _, _, bottom))| *bottom > height + 0.5)
                        .map(|(label, _)| label)
                        .collect::<Vec<_>>()
                };
                for _ in 0..10 {
                    if below(ui).is_empty() {
                        break;
                    }
                    needed_scroll = true;
                    swipe_up(ui);
                }
                assert!(
                    below(ui).is_empty(),
                    "{what}: {:?} cannot be scrolled into view",
                    below(ui)
                );
                scrolled += usize::from(needed_scroll);
            }
        }
    }
    scrolled
}

#[test]
fn in_large_text_every_button_is_on_screen_or_scrolls_into_view() {
    let ui = window();
    every_control_reachable(&ui, 800.0, 480.0);
    // A shorter window than any kiosk's makes pages overflow for sure: they scroll.
    let scrolled = every_control_reachable(&ui, 800.0, 360.0);
    assert!(scrolled > 0, "pages taller than the window scroll");
}
