//! The kiosk's pins: a two-colour status LED (red + green legs; both lit is amber), a
//! physical "call staff" button and a PIR motion sensor. [`CdevPins`] drives them through
//! the Linux GPIO character device (`gpiocdev`; see Cargo.toml for why not `rppal`),
//! [`SimulatedPins`] stands in on machines without GPIO and in tests. What the LED shows
//! is decided here, purely, from the kiosk's state ([`LedPattern::for_state`]).

use serde::Deserialize;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Why the pins cannot be used. Names the chip, never anything else.
#[derive(Debug, thiserror::Error)]
pub enum GpioError {
    #[error("GPIO chip {chip} is not there (not a Raspberry Pi, or no access to it)")]
    NoChip { chip: PathBuf },
    #[error("GPIO chip {chip}: {message}")]
    Chip { chip: PathBuf, message: String },
}

/// `[gpio]` in `kiosk.toml`: the chip and the line offsets (BCM numbers on a Pi).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpioConfig {
    /// The GPIO character device, `/dev/gpiochip0` on a Pi 4 (`gpiochip4` on a Pi 5).
    #[serde(default = "default_chip")]
    pub chip: PathBuf,
    pub led_red: u32,
    pub led_green: u32,
    /// A button to ground (the line is pulled up inside the chip, debounced 30 ms).
    #[serde(default)]
    pub call_staff: Option<u32>,
    /// A PIR sensor's output (high while it sees movement).
    #[serde(default)]
    pub motion: Option<u32>,
}

fn default_chip() -> PathBuf {
    PathBuf::from("/dev/gpiochip0")
}

/// What the LED shows at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedColour {
    Off,
    Green,
    Amber,
    Red,
}

impl LedColour {
    /// (red leg, green leg) lit.
    fn legs(self) -> (bool, bool) {
        match self {
            LedColour::Off => (false, false),
            LedColour::Green => (false, true),
            LedColour::Amber => (true, true),
            LedColour::Red => (true, false),
        }
    }
}

/// What the LED tells someone walking past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedPattern {
    /// Steady green: ready for patients.
    Ready,
    /// Blinking amber: the office cannot be reached (check-ins wait in the outbox).
    OfficeUnreachable,
    /// Steady red: a device beside the screen is faulty (scanner, printer, terminal).
    DeviceFault,
}

impl LedPattern {
    /// A device fault outranks the network: it needs someone at the kiosk.
    pub fn for_state(office_reachable: bool, device_fault: bool) -> Self {
        if device_fault {
            LedPattern::DeviceFault
        } else if office_reachable {
            LedPattern::Ready
        } else {
            LedPattern::OfficeUnreachable
        }
    }

    /// The colour in the blink's on (`true`) or off half.
    pub fn colour(self, blink_on: bool) -> LedColour {
        match self {
            LedPattern::Ready => LedColour::Green,
            LedPattern::DeviceFault => LedColour::Red,
            LedPattern::OfficeUnreachable if blink_on => LedColour::Amber,
            LedPattern::OfficeUnreachable => LedColour::Off,
        }
    }
}

/// Something that happened at the pins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinEvent {
    /// The "call staff" button was pressed.
    CallStaff,
    /// The motion sensor saw someone.
    Motion,
}

/// The pins, however they are reached.
pub trait Pins: Send {
    fn show(&mut self, colour: LedColour) -> Result<(), GpioError>;
    /// The next event, waiting at most `timeout`.
    fn next_event(&mut self, timeout: Duration) -> Result<Option<PinEvent>, GpioError>;
}

/// The real pins, through `/dev/gpiochipN`: one request holding the LED's two outputs and
/// the inputs with edge detection.
pub struct CdevPins {
    request: gpiocdev::Request,
    config: GpioConfig,
}

impl CdevPins {
    pub fn open(config: &GpioConfig) -> Result<Self, GpioError> {
        use gpiocdev::line::{Bias, EdgeDetection, Value};
        if !config.chip.exists() {
            return Err(GpioError::NoChip {
                chip: config.chip.clone(),
            });
        }
        let mut builder = gpiocdev::Request::builder();
        builder
            .on_chip(&config.chip)
            .with_consumer("frontdesk-kiosk")
            .with_line(config.led_red)
            .as_output(Value::Inactive)
            .with_line(config.led_green)
            .as_output(Value::Inactive);
        if let Some(button) = config.call_staff {
            builder
                .with_line(button)
                .as_input()
                .as_active_low()
                .with_bias(Bias::PullUp)
                .with_debounce_period(Duration::from_millis(30))
                .with_edge_detection(EdgeDetection::RisingEdge);
        }
        if let Some(motion) = config.motion {
            builder
                .with_line(motion)
                .as_input()
                .with_edge_detection(EdgeDetection::RisingEdge);
        }
        let request = builder.request().map_err(|e| GpioError::Chip {
            chip: config.chip.clone(),
            message: e.to_string(),
        })?;
        Ok(Self {
            request,
            config: config.clone(),
        })
    }

    fn error(&self, e: gpiocdev::Error) -> GpioError {
        GpioError::Chip {
            chip: self.config.chip.clone(),
            message: e.to_string(),
        }
    }
}

impl Pins for CdevPins {
    fn show(&mut self, colour: LedColour) -> Result<(), GpioError> {
        use gpiocdev::line::Value;
        let (red, green) = colour.legs();
        let level = |on: bool| if on { Value::Active } else { Value::Inactive };
        self.request
            .set_value(self.config.led_red, level(red))
            .map_err(|e| self.error(e))?;
        self.request
            .set_value(self.config.led_green, level(green))
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    fn next_event(&mut self, timeout: Duration) -> Result<Option<PinEvent>, GpioError> {
        if self.config.call_staff.is_none() && self.config.motion.is_none() {
            std::thread::sleep(timeout);
            return Ok(None);
        }
        if !self
            .request
            .wait_edge_event(timeout)
            .map_err(|e| self.error(e))?
        {
            return Ok(None);
        }
        let event = self.request.read_edge_event().map_err(|e| self.error(e))?;
        Ok(if Some(event.offset) == self.config.call_staff {
            Some(PinEvent::CallStaff)
        } else if Some(event.offset) == self.config.motion {
            Some(PinEvent::Motion)
        } else {
            None
        })
    }
}

#[derive(Default)]
struct Simulated {
    shown: Vec<LedColour>,
    pending: VecDeque<PinEvent>,
}

/// Pins in memory, for machines without GPIO (the demo) and tests: events are pushed in
/// through a [`SimulatedPinsHandle`], and the LED's colours are kept in order.
pub struct SimulatedPins(Arc<Mutex<Simulated>>);

/// The other end of [`SimulatedPins`].
#[derive(Clone)]
pub struct SimulatedPinsHandle(Arc<Mutex<Simulated>>);

impl SimulatedPins {
    pub fn new() -> (Self, SimulatedPinsHandle) {
        let shared = Arc::new(Mutex::new(Simulated::default()));
        (Self(shared.clone()), SimulatedPinsHandle(shared))
    }
}

impl SimulatedPinsHandle {
    /// Someone presses the "call staff" button.
    pub fn press_call_staff(&self) {
        self.lock().pending.push_back(PinEvent::CallStaff);
    }

    /// Someone walks past the motion sensor.
    pub fn move_in_front(&self) {
        self.lock().pending.push_back(PinEvent::Motion);
    }

    /// Every colour the LED was set to, in order (repeats of the same colour are skipped
    /// by the worker, so each entry is a change).
    pub fn shown(&self) -> Vec<LedColour> {
        self.lock().shown.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Simulated> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Pins for SimulatedPins {
    fn show(&mut self, colour: LedColour) -> Result<(), GpioError> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .shown
            .push(colour);
        Ok(())
    }

    fn next_event(&mut self, timeout: Duration) -> Result<Option<PinEvent>, GpioError> {
        let next = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pending
            .pop_front();
        if next.is_none() {
            std::thread::sleep(timeout);
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_led_says_ready_offline_or_faulty() {
        assert_eq!(LedPattern::for_state(true, false), LedPattern::Ready);
        assert_eq!(
            LedPattern::for_state(false, false),
            LedPattern::OfficeUnreachable
        );
        assert_eq!(LedPattern::for_state(false, true), LedPattern::DeviceFault);
        assert_eq!(LedPattern::for_state(true, true), LedPattern::DeviceFault);
        let blink: Vec<_> = [true, false, true]
            .map(|on| LedPattern::OfficeUnreachable.colour(on))
            .into();
        assert_eq!(blink, [LedColour::Amber, LedColour::Off, LedColour::Amber]);
        assert_eq!(LedPattern::Ready.colour(false), LedColour::Green);
        assert_eq!(LedPattern::DeviceFault.colour(false), LedColour::Red);
        assert_eq!(LedColour::Amber.legs(), (true, true));
    }

    #[test]
    fn a_machine_without_gpio_says_so() {
        let config = GpioConfig {
            chip: PathBuf::from("/dev/gpiochip-that-is-not-there"),
            led_red: 17,
            led_green: 27,
            call_staff: Some(22),
            motion: None,
        };
        let Err(error) = CdevPins::open(&config) else {
            panic!("no chip, yet it opened");
        };
        assert!(matches!(error, GpioError::NoChip { .. }));
        assert!(error.to_string().contains("gpiochip-that-is-not-there"));
    }

    #[test]
    fn gpio_settings_read_from_toml() {
        let config: GpioConfig =
            toml::from_str("led_red = 17\nled_green = 27\ncall_staff = 22\n").unwrap();
        assert_eq!(config.chip, PathBuf::from("/dev/gpiochip0"));
        assert_eq!((config.call_staff, config.motion), (Some(22), None));
        assert!(toml::from_str::<GpioConfig>("led_red = 17\nled_green = 27\nled = 1\n").is_err());
    }
}
