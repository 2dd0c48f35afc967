//! Feedback at the door: a green LED, a red LED, a buzzer and an optional door relay, driven in
//! one pattern for each kind of pass (`core::rules::PassKind`): recorded on time (clock-in,
//! clock-out), recorded late, recorded early, already recorded, not recorded (see the
//! supervisor), unknown face (alarm on; with it off nothing is shown) and system fault.
//!
//! One small trait, [`Feedback`], with two implementations: [`LogFeedback`] writes each pattern
//! to the log (the default, and in tests), and `GpioFeedback` drives the Pi's pins through rppal
//! (behind the `gpio` cargo feature). The pattern table ([`pattern`]) is pure data. Playing a
//! pattern sleeps, so callers run it on a thread of its own, never on the async runtime. This file
//! does not decide which pattern a punch gets: `core::rules` does.

use std::path::Path;
use std::time::Duration;

use crate::core::rules::Signal;

/// The BCM pin numbers of the door's outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GpioPins {
    pub green: u8,
    pub red: u8,
    pub buzzer: u8,
    /// Optional door relay, pulsed on a recorded punch.
    pub relay: Option<u8>,
}

impl GpioPins {
    /// Green on BCM 17, red on 27, buzzer on 22, no relay (the wiring in `firmware-config/`).
    pub fn hall_defaults() -> Self {
        GpioPins {
            green: 17,
            red: 27,
            buzzer: 22,
            relay: None,
        }
    }
}

/// One step of a pattern: which outputs are on, for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub green: bool,
    pub red: bool,
    pub buzzer: bool,
    pub relay: bool,
    pub millis: u32,
}

const fn step(green: bool, red: bool, buzzer: bool, relay: bool, millis: u32) -> Step {
    Step {
        green,
        red,
        buzzer,
        relay,
        millis,
    }
}

const OFF_GAP: Step = step(false, false, false, false, 120);

/// The pattern of each signal; every output is off again after the last step. Green means
/// "recorded", green and red together (amber) "recorded, but late or early", red alone "look at
/// me: nothing was recorded"; the relay opens only for a new punch.
///
/// - clocked in (recorded, on time): green 1 s, one short beep, relay pulse;
/// - clocked out (recorded, on time, or a step out): green blinks twice, one short beep, relay;
/// - late: amber 1 s steady, two beeps, relay;
/// - early: amber blinks twice, two beeps, relay;
/// - already recorded (the same pass again): green blinks twice briefly, silent, no relay;
/// - unknown (alarm on): red 1 s, one long low beep; no relay;
/// - quiet (an unknown face, alarm off): nothing;
/// - fault (the punch could not be recorded): red blinks three times with three beeps;
/// - refused (not recorded, see the supervisor: a suspected photo or screen): red 1.2 s with one
///   long beep, then a short one; no relay.
pub fn pattern(signal: Signal) -> &'static [Step] {
    const CLOCKED_IN: &[Step] = &[
        step(true, false, true, true, 150),
        step(true, false, false, true, 850),
    ];
    const CLOCKED_OUT: &[Step] = &[
        step(true, false, true, true, 150),
        step(true, false, false, true, 250),
        OFF_GAP,
        step(true, false, false, false, 400),
    ];
    const LATE: &[Step] = &[
        step(true, true, true, true, 150),
        step(true, true, false, true, 100),
        step(true, true, true, false, 150),
        step(true, true, false, false, 600),
    ];
    const EARLY: &[Step] = &[
        step(true, true, true, true, 150),
        step(true, true, false, true, 250),
        OFF_GAP,
        step(true, true, true, false, 150),
        step(true, true, false, false, 250),
    ];
    const ALREADY_RECORDED: &[Step] = &[
        step(true, false, false, false, 150),
        OFF_GAP,
        step(true, false, false, false, 150),
    ];
    const UNKNOWN: &[Step] = &[
        step(false, true, true, false, 500),
        step(false, true, false, false, 500),
    ];
    const FAULT: &[Step] = &[
        step(false, true, true, false, 150),
        OFF_GAP,
        step(false, true, true, false, 150),
        OFF_GAP,
        step(false, true, true, false, 150),
    ];
    const REFUSED: &[Step] = &[
        step(false, true, true, false, 800),
        step(false, true, false, false, 150),
        step(false, true, true, false, 150),
        step(false, true, false, false, 100),
    ];
    match signal {
        Signal::Refused => REFUSED,
        Signal::ClockedIn => CLOCKED_IN,
        Signal::ClockedOut => CLOCKED_OUT,
        Signal::Late => LATE,
        Signal::Early => EARLY,
        Signal::AlreadyRecorded => ALREADY_RECORDED,
        Signal::Unknown => UNKNOWN,
        Signal::Quiet => &[],
        Signal::Fault => FAULT,
    }
}

/// How long a pattern plays.
pub fn pattern_length(signal: Signal) -> Duration {
    Duration::from_millis(pattern(signal).iter().map(|s| u64::from(s.millis)).sum())
}

/// Failures of the door outputs.
#[derive(Debug, thiserror::Error)]
pub enum FeedbackError {
    #[error("feedback.kind = \"gpio\" but {path} does not exist: this is not a Raspberry Pi, or the gpio device is not exposed to hallclock (check the udev rule and that the user is in the gpio group); use feedback.kind = \"log\" off a Pi")]
    NoGpioDevice { path: String },
    #[error("feedback.kind = \"gpio\" but this hallclock was built without the `gpio` feature; rebuild with `cargo build --release --features gpio`")]
    NotBuilt,
    #[error("cannot drive GPIO pin {pin}: {message}")]
    Pin { pin: u8, message: String },
}

/// The door's outputs.
pub trait Feedback: Send {
    /// Plays the pattern of `signal`; returns when it has finished (it sleeps).
    ///
    /// # Errors
    /// [`FeedbackError::Pin`] when an output cannot be driven.
    fn show(&mut self, signal: Signal) -> Result<(), FeedbackError>;
}

/// Feedback written to the log: off a Pi, and in tests.
#[derive(Debug, Default)]
pub struct LogFeedback;

impl Feedback for LogFeedback {
    fn show(&mut self, signal: Signal) -> Result<(), FeedbackError> {
        tracing::info!(
            ?signal,
            pattern_ms = pattern_length(signal).as_millis() as u64,
            "Feedback shown."
        );
        Ok(())
    }
}

/// Opens the GPIO outputs.
///
/// # Errors
/// [`FeedbackError::NoGpioDevice`] without `/dev/gpiomem`, [`FeedbackError::NotBuilt`] without
/// the `gpio` feature, [`FeedbackError::Pin`] when a pin cannot be claimed.
pub fn open_gpio(pins: GpioPins) -> Result<Box<dyn Feedback>, FeedbackError> {
    open_gpio_at(pins, Path::new("/dev/gpiomem"))
}

/// [`open_gpio`] with the device path given (for tests).
///
/// # Errors
/// As [`open_gpio`].
pub fn open_gpio_at(pins: GpioPins, device: &Path) -> Result<Box<dyn Feedback>, FeedbackError> {
    if !device.exists() {
        return Err(FeedbackError::NoGpioDevice {
            path: device.display().to_string(),
        });
    }
    gpio::open(pins)
}

#[cfg(feature = "gpio")]
mod gpio {
    use super::*;
    use rppal::gpio::{Gpio, OutputPin};

    pub struct GpioFeedback {
        green: OutputPin,
        red: OutputPin,
        buzzer: OutputPin,
        relay: Option<OutputPin>,
    }

    pub fn open(pins: GpioPins) -> Result<Box<dyn Feedback>, FeedbackError> {
        let gpio = Gpio::new().map_err(|e| FeedbackError::Pin {
            pin: pins.green,
            message: e.to_string(),
        })?;
        let out = |pin: u8| -> Result<OutputPin, FeedbackError> {
            gpio.get(pin)
                .map(|p| p.into_output_low())
                .map_err(|e| FeedbackError::Pin {
                    pin,
                    message: e.to_string(),
                })
        };
        Ok(Box::new(GpioFeedback {
            green: out(pins.green)?,
            red: out(pins.red)?,
            buzzer: out(pins.buzzer)?,
            relay: pins.relay.map(out).transpose()?,
        }))
    }

    fn set(pin: &mut OutputPin, on: bool) {
        if on {
            pin.set_high()
        } else {
            pin.set_low()
        }
    }

    impl Feedback for GpioFeedback {
        fn show(&mut self, signal: Signal) -> Result<(), FeedbackError> {
            for s in pattern(signal) {
                set(&mut self.green, s.green);
                set(&mut self.red, s.red);
                set(&mut self.buzzer, s.buzzer);
                if let Some(r) = self.relay.as_mut() {
                    set(r, s.relay);
                }
                std::thread::sleep(Duration::from_millis(u64::from(s.millis)));
            }
            self.green.set_low();
            self.red.set_low();
            self.buzzer.set_low();
            if let Some(r) = self.relay.as_mut() {
                r.set_low();
            }
            Ok(())
        }
    }
}

#[cfg(not(feature = "gpio"))]
mod gpio {
    use super::*;

    pub fn open(_pins: GpioPins) -> Result<Box<dyn Feedback>, FeedbackError> {
        Err(FeedbackError::NotBuilt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Signal; 9] = [
        Signal::ClockedIn,
        Signal::ClockedOut,
        Signal::Late,
        Signal::Early,
        Signal::AlreadyRecorded,
        Signal::Unknown,
        Signal::Quiet,
        Signal::Fault,
        Signal::Refused,
    ];

    #[test]
    fn every_pattern_is_distinct_short_and_fits_its_meaning() {
        for (i, a) in ALL.iter().enumerate() {
            let p = pattern(*a);
            assert_eq!(p.is_empty(), *a == Signal::Quiet, "{a:?}");
            assert!(pattern_length(*a) <= Duration::from_millis(1500), "{a:?}");
            for b in &ALL[i + 1..] {
                assert_ne!(p, pattern(*b), "{a:?} and {b:?} look the same");
            }
        }
        let any = |s: Signal, f: fn(&Step) -> bool| pattern(s).iter().any(f);
        // Green means "recorded", red means "look at me"; the relay opens only for a punch.
        for s in [
            Signal::ClockedIn,
            Signal::ClockedOut,
            Signal::Late,
            Signal::Early,
        ] {
            assert!(any(s, |x| x.green), "{s:?}");
            assert!(any(s, |x| x.relay), "{s:?}");
        }
        for s in [Signal::Unknown, Signal::Fault, Signal::Refused] {
            assert!(!any(s, |x| x.green), "{s:?}");
            assert!(any(s, |x| x.red), "{s:?}");
            assert!(!any(s, |x| x.relay), "{s:?}");
        }
        // Late and early are amber (recorded, but off time); a fault is never amber.
        for s in [Signal::Late, Signal::Early] {
            assert!(pattern(s).iter().all(|x| x.green == x.red), "{s:?}");
        }
        for s in [
            Signal::ClockedIn,
            Signal::ClockedOut,
            Signal::AlreadyRecorded,
        ] {
            assert!(!any(s, |x| x.red), "{s:?}");
        }
        // Already recorded: seen, silent, the door stays shut.
        let again = Signal::AlreadyRecorded;
        assert!(any(again, |x| x.green));
        assert!(!any(again, |x| x.buzzer || x.relay));
    }

    #[test]
    fn gpio_without_the_device_is_a_clear_error() {
        let e = open_gpio_at(GpioPins::hall_defaults(), Path::new("/nonexistent/gpiomem"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.starts_with("feedback.kind = \"gpio\" but /nonexistent/gpiomem does not exist"),
            "{e}"
        );
    }
}
