//! How times and dates read on the kiosk screen: the way people say them, not ISO.

use jiff::civil::{Date, Time};

/// "9:05 AM", "12:30 PM".
pub fn clock_time(time: Time) -> String {
    let hour = time.hour();
    let suffix = if hour < 12 { "AM" } else { "PM" };
    let hour12 = match hour % 12 {
        0 => 12,
        h => h,
    };
    format!("{hour12}:{:02} {suffix}", time.minute())
}

/// "Monday, November 30".
pub fn long_date(date: Date) -> String {
    format!(
        "{}, {} {}",
        date.strftime("%A"),
        date.strftime("%B"),
        date.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn reads_like_people_say_it() {
        assert_eq!(clock_time(Time::constant(9, 5, 0, 0)), "9:05 AM");
        assert_eq!(clock_time(Time::constant(0, 0, 0, 0)), "12:00 AM");
        assert_eq!(clock_time(Time::constant(12, 30, 0, 0)), "12:30 PM");
        assert_eq!(clock_time(Time::constant(16, 45, 0, 0)), "4:45 PM");
        assert_eq!(long_date(date(2026, 11, 30)), "Monday, November 30");
    }
}
