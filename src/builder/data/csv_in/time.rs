//! Dates and times as shop exports write them, to milliseconds since the epoch.
//!
//! Accepted: `YYYY-MM-DD` or `YYYY/MM/DD`, `a-b-YYYY`, `a/b/YYYY` and `a.b.YYYY` (two-digit
//! years read as 1970-2069), `YYYYMMDD`, each optionally followed (after a space or `T`) by
//! `H[:MM[:SS[.fff]]]`, an optional `AM`/`PM` and an optional zone (`Z`, `UTC`, `GMT`,
//! `±HH:MM`, `±HHMM`); or a plain number, epoch seconds below 1e11 and milliseconds above.
//! A zone moves the time to UTC; without one the shop's clock is taken as UTC, which keeps the
//! order of times, all a build needs.
//!
//! `a/b/YYYY` is month-first in some exports and day-first in others, and most single values
//! cannot tell. So a value is read both ways ([`Stamp`]) and the column decides once, from all
//! its values ([`DateVotes`]): a first field above 12 means day-first, a second field above 12
//! month-first; when no value says, `/` dates are month-first and `-` or `.` dates day-first.

/// Which of the first two fields of `a/b/YYYY` (or `a-b-YYYY`, `a.b.YYYY`) is the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    /// `MM/DD/YYYY`.
    MonthFirst,
    /// `DD/MM/YYYY`.
    DayFirst,
}

impl DateOrder {
    /// `month-first` or `day-first`.
    pub fn name(self) -> &'static str {
        match self {
            DateOrder::MonthFirst => "month-first",
            DateOrder::DayFirst => "day-first",
        }
    }
}

/// A time read before its column's day/month order is known: milliseconds since the epoch
/// when read month-first and when read day-first, NaN where that reading is no date. The two
/// are equal when the text leaves no choice (ISO dates, epoch numbers).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stamp {
    /// Milliseconds, read month-first.
    pub month_first: f64,
    /// Milliseconds, read day-first.
    pub day_first: f64,
}

impl Stamp {
    /// No time (both readings NaN).
    pub const NONE: Stamp = Stamp {
        month_first: f64::NAN,
        day_first: f64::NAN,
    };

    /// Milliseconds under `order`, `None` when that reading is no date.
    pub fn at(self, order: DateOrder) -> Option<f64> {
        let t = match order {
            DateOrder::MonthFirst => self.month_first,
            DateOrder::DayFirst => self.day_first,
        };
        (!t.is_nan()).then_some(t)
    }
}

/// Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Seconds from the epoch to the start of a valid civil date. Years outside 1..=9999 are typos
/// or garbage (and huge ones would overflow the day count).
fn day_secs(y: i64, m: i64, d: i64) -> Option<f64> {
    if !(1..=9999).contains(&y) || !(1..=12).contains(&m) || d < 1 {
        return None;
    }
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let last = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    (d <= last).then(|| days_from_civil(y, m, d) as f64 * 86_400.0)
}

/// A run of 1..=`max` ASCII digits.
fn digits(s: &str, max: usize) -> Option<i64> {
    if s.is_empty() || s.len() > max || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The end of `s` without `suffix`, compared ignoring ASCII case.
fn strip_suffix_ci<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    let tail = s.get(cut..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &s[..cut])
}

/// A zone offset `HH:MM`, `HHMM` or `HH` in seconds.
fn offset(s: &str) -> Option<f64> {
    let (h, m) = match (s.len(), s.split_once(':')) {
        (_, Some((h, m))) => (digits(h, 2)?, digits(m, 2)?),
        (4, None) if s.bytes().all(|b| b.is_ascii_digit()) => {
            (digits(&s[..2], 2)?, digits(&s[2..], 2)?)
        }
        (1 | 2, None) => (digits(s, 2)?, 0),
        _ => return None,
    };
    (h <= 18 && m < 60).then(|| (h * 3600 + m * 60) as f64)
}

/// A time of day `H[:MM[:SS[.fff]]]` with optional `AM`/`PM` and zone, in seconds after
/// midnight UTC (may fall outside one day once the zone is applied).
pub fn clock(t: &str) -> Option<f64> {
    let mut t = t.trim();
    let mut shift = 0.0;
    for zone in ["UTC", "GMT", "Z"] {
        if let Some(rest) = strip_suffix_ci(t, zone) {
            t = rest.trim_end();
            break;
        }
    }
    if let Some(i) = t.rfind(['+', '-']) {
        let off = offset(&t[i + 1..])?;
        shift = if t.as_bytes()[i] == b'+' { -off } else { off };
        t = t[..i].trim_end();
    }
    let mut half = None;
    for (suffix, pm) in [("AM", false), ("PM", true)] {
        if let Some(rest) = strip_suffix_ci(t, suffix) {
            t = rest.trim_end();
            half = Some(pm);
            break;
        }
    }
    let mut it = t.split(':');
    let h = digits(it.next()?, 2)?;
    let m = match it.next() {
        Some(m) if m.len() == 2 => digits(m, 2)?,
        Some(_) => return None,
        None => 0,
    };
    let s = match it.next() {
        Some(s) => {
            let (whole, frac) = s.split_once(['.', ',']).unwrap_or((s, ""));
            if whole.len() != 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let frac: f64 = if frac.is_empty() {
                0.0
            } else {
                format!("0.{frac}").parse().ok()?
            };
            digits(whole, 2)? as f64 + frac
        }
        None => 0.0,
    };
    if it.next().is_some() || m >= 60 || s >= 61.0 {
        return None;
    }
    let h = match half {
        None if h < 24 => h,
        Some(pm) if (1..=12).contains(&h) => h % 12 + if pm { 12 } else { 0 },
        _ => return None,
    };
    Some((h * 3600 + m * 60) as f64 + s + shift)
}

/// A value read both ways, and whether it is `a/b/YYYY` with a slash (for the default order).
pub fn read_time(s: &str) -> Option<(Stamp, bool)> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s.len() == 8
        && (s.starts_with("19") || s.starts_with("20"))
        && s.bytes().all(|b| b.is_ascii_digit())
    {
        let ymd = |a: usize, b: usize| s[a..b].parse::<i64>().ok();
        let t = day_secs(ymd(0, 4)?, ymd(4, 6)?, ymd(6, 8)?);
        if let Some(t) = t {
            let ms = t * 1000.0;
            return Some((
                Stamp {
                    month_first: ms,
                    day_first: ms,
                },
                false,
            ));
        }
    }
    if let Ok(x) = s.parse::<f64>() {
        if !x.is_finite() {
            return None;
        }
        let ms = if x.abs() < 1e11 { x * 1000.0 } else { x };
        return Some((
            Stamp {
                month_first: ms,
                day_first: ms,
            },
            false,
        ));
    }
    let (date, time) = match s.find([' ', 'T']) {
        Some(i) => (s[..i].trim_end_matches(','), &s[i + 1..]),
        None => (s, ""),
    };
    let sep = date.bytes().find(|b| !b.is_ascii_digit())?;
    if !matches!(sep, b'-' | b'/' | b'.') {
        return None;
    }
    let f: Vec<&str> = date.split(sep as char).collect();
    let [a, b, c] = f[..] else {
        return None;
    };
    let secs = if time.trim().is_empty() {
        0.0
    } else {
        clock(time)?
    };
    let ms = |day: Option<f64>| day.map_or(f64::NAN, |d| (d + secs) * 1000.0);
    if a.len() == 4 {
        let t = ms(day_secs(digits(a, 4)?, digits(b, 2)?, digits(c, 2)?));
        return (!t.is_nan()).then_some((
            Stamp {
                month_first: t,
                day_first: t,
            },
            false,
        ));
    }
    let y = match c.len() {
        4 => digits(c, 4)?,
        2 => match digits(c, 2)? {
            y @ 0..=69 => 2000 + y,
            y => 1900 + y,
        },
        _ => return None,
    };
    let (a, b) = (digits(a, 2)?, digits(b, 2)?);
    let st = Stamp {
        month_first: ms(day_secs(y, a, b)),
        day_first: ms(day_secs(y, b, a)),
    };
    (!(st.month_first.is_nan() && st.day_first.is_nan())).then_some((st, sep == b'/'))
}

/// One value to milliseconds since the epoch (see the module docs for the forms). A value that
/// reads both ways is taken month-first with `/` and day-first with `-` or `.`; a column is
/// better read with [`DateVotes`], which decides once for all its values.
pub fn parse_time(s: &str) -> Option<f64> {
    let (st, slash) = read_time(s)?;
    let (first, second) = if slash {
        (st.month_first, st.day_first)
    } else {
        (st.day_first, st.month_first)
    };
    Some(if first.is_nan() { second } else { first })
}

/// What the values of one time column say about its day/month order, and how many are no time.
#[derive(Debug, Clone, Default)]
pub struct DateVotes {
    /// Values only the day-first reading accepts (first field above 12).
    pub day_first: u64,
    /// Values only the month-first reading accepts (second field above 12).
    pub month_first: u64,
    /// Values both readings accept differently, written with `/`.
    pub either_slash: u64,
    /// Values both readings accept differently, written with `-` or `.`.
    pub either_other: u64,
    /// Non-empty values that are no time.
    pub unreadable: u64,
    /// The first value that reads both ways, for the report.
    pub ambiguous_example: String,
    /// The first value that is no time, for the report.
    pub bad_example: String,
}

impl DateVotes {
    /// Read one value and count what it says; `None` for an empty value or no time.
    pub fn read(&mut self, s: &str) -> Option<Stamp> {
        if s.trim().is_empty() {
            return None;
        }
        let Some((st, slash)) = read_time(s) else {
            self.unreadable += 1;
            if self.bad_example.is_empty() {
                self.bad_example = s.chars().take(40).collect();
            }
            return None;
        };
        match (st.month_first.is_nan(), st.day_first.is_nan()) {
            (true, _) => self.day_first += 1,
            (_, true) => self.month_first += 1,
            _ if st.month_first == st.day_first => {}
            _ => {
                if slash {
                    self.either_slash += 1;
                } else {
                    self.either_other += 1;
                }
                if self.ambiguous_example.is_empty() {
                    self.ambiguous_example = s.chars().take(40).collect();
                }
            }
        }
        Some(st)
    }

    /// Add another file's votes.
    pub fn merge(&mut self, o: &DateVotes) {
        self.day_first += o.day_first;
        self.month_first += o.month_first;
        self.either_slash += o.either_slash;
        self.either_other += o.either_other;
        self.unreadable += o.unreadable;
        for (mine, theirs) in [
            (&mut self.ambiguous_example, &o.ambiguous_example),
            (&mut self.bad_example, &o.bad_example),
        ] {
            if mine.is_empty() {
                mine.clone_from(theirs);
            }
        }
    }

    /// The column's order: the side more values prove, else the default of its separator.
    pub fn order(&self) -> DateOrder {
        use std::cmp::Ordering::*;
        match self.day_first.cmp(&self.month_first) {
            Greater => DateOrder::DayFirst,
            Less => DateOrder::MonthFirst,
            Equal if self.either_slash >= self.either_other => DateOrder::MonthFirst,
            Equal => DateOrder::DayFirst,
        }
    }

    /// Whether some values read both ways and none decided the order.
    pub fn undecided(&self) -> bool {
        self.day_first == 0 && self.month_first == 0 && self.either_slash + self.either_other > 0
    }

    /// A sentence for the report when the order was a choice ("" when dates left none).
    pub fn note(&self, forced: Option<DateOrder>) -> String {
        let either = self.either_slash + self.either_other;
        if either == 0 && self.day_first + self.month_first == 0 {
            return String::new();
        }
        if let Some(o) = forced {
            return format!("dates read {} (as asked)", o.name());
        }
        let o = self.order();
        if self.undecided() {
            return format!(
                "dates read {} by default: ambiguous, no value has a day above 12 (e.g. {:?}); \
                 pass --date-order to choose",
                o.name(),
                self.ambiguous_example
            );
        }
        let (proof, against, place) = match o {
            DateOrder::DayFirst => (self.day_first, self.month_first, "first"),
            DateOrder::MonthFirst => (self.month_first, self.day_first, "second"),
        };
        let mut s = format!(
            "dates read {} ({proof} values have a {place} field above 12)",
            o.name()
        );
        if against > 0 {
            s += &format!(
                "; {against} values read only the other way and are counted as unreadable times"
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: f64 = 86_400_000.0;

    fn ms(y: i64, m: i64, d: i64, h: i64, mi: i64, s: i64) -> f64 {
        (days_from_civil(y, m, d) * 86_400 + h * 3600 + mi * 60 + s) as f64 * 1000.0
    }

    #[test]
    fn iso_dates_with_time_fraction_and_zone() {
        let t = ms(2019, 8, 3, 20, 25, 0);
        for s in [
            "2019-08-03 20:25",
            "2019-08-03 20:25:00",
            "2019-08-03T20:25:00",
            "2019-08-03T20:25:00Z",
            "2019-08-03 20:25:00 UTC",
            "2019-08-03T22:25:00+02:00",
            "2019-08-03T22:25:00+0200",
            "2019-08-03T15:25:00-05:00",
            "2019/08/03 20:25",
            "2019-8-3 8:25 PM",
            "2019-08-03 08:25:00pm",
        ] {
            assert_eq!(parse_time(s), Some(t), "{s}");
        }
        assert_eq!(parse_time("2019-08-03 20:25:00.250"), Some(t + 250.0));
        assert_eq!(parse_time("1970-01-02"), Some(DAY));
        assert_eq!(parse_time("19700102"), Some(DAY));
        assert_eq!(
            parse_time("2019-08-03 12:05 AM"),
            Some(ms(2019, 8, 3, 0, 5, 0))
        );
        assert_eq!(
            parse_time("2019-08-03 12:05 PM"),
            Some(ms(2019, 8, 3, 12, 5, 0))
        );
    }

    #[test]
    fn day_first_and_month_first_forms() {
        let t = ms(2016, 10, 30, 9, 58, 11);
        assert_eq!(parse_time("30-10-2016 09:58:11"), Some(t));
        assert_eq!(parse_time("30/10/2016 09:58:11"), Some(t));
        assert_eq!(parse_time("30.10.2016 09:58:11"), Some(t));
        assert_eq!(parse_time("10/30/2016 9:58:11 AM"), Some(t));
        assert_eq!(parse_time("10/30/16 09:58:11"), Some(t));
        // Neither field above 12: `/` is month-first, `-` and `.` day-first.
        assert_eq!(parse_time("03/08/2019"), Some(ms(2019, 3, 8, 0, 0, 0)));
        assert_eq!(parse_time("03-08-2019"), Some(ms(2019, 8, 3, 0, 0, 0)));
        assert_eq!(parse_time("03.08.2019"), Some(ms(2019, 8, 3, 0, 0, 0)));
        assert_eq!(parse_time("1/2/1970 0:00"), Some(DAY));
    }

    #[test]
    fn epoch_numbers() {
        assert_eq!(parse_time("60"), Some(60_000.0));
        assert_eq!(parse_time("1564863900"), Some(1_564_863_900_000.0));
        assert_eq!(parse_time("1564863900123"), Some(1_564_863_900_123.0));
    }

    #[test]
    fn not_times() {
        for s in [
            "",
            "soon",
            "NaN",
            "inf",
            "2019-13-01",
            "2019-02-30",
            "31/31/2019",
            "99999-01-01",
            "2019-08-03 25:00",
            "2019-08-03 20:61",
            "2019-08-03 13:00 PM",
            "2019-08-03 20:25:00 +99:00",
            "09:58:11",
            "3/8",
            "2019_08_03",
        ] {
            assert_eq!(parse_time(s), None, "{s:?}");
        }
    }

    /// The order is decided per column, from all its values, not per value.
    fn column(values: &[&str], forced: Option<DateOrder>) -> (Vec<Option<f64>>, DateVotes) {
        let mut v = DateVotes::default();
        let stamps: Vec<Option<Stamp>> = values.iter().map(|s| v.read(s)).collect();
        let o = forced.unwrap_or(v.order());
        (stamps.iter().map(|s| s.and_then(|s| s.at(o))).collect(), v)
    }

    #[test]
    fn one_value_above_12_decides_the_whole_column() {
        let (t, v) = column(&["03/08/2019 20:25", "13/08/2019 09:00"], None);
        assert_eq!(v.order(), DateOrder::DayFirst);
        assert_eq!(t[0], Some(ms(2019, 8, 3, 20, 25, 0)));
        assert!(v.note(None).starts_with("dates read day-first"));
        let (t, v) = column(&["03-08-2019", "08-13-2019"], None);
        assert_eq!(v.order(), DateOrder::MonthFirst);
        assert_eq!(t[0], Some(ms(2019, 3, 8, 0, 0, 0)));
        assert!(!v.undecided());
    }

    #[test]
    fn undecided_columns_keep_the_default_and_say_so() {
        let (t, v) = column(&["03/08/2019", "04/08/2019"], None);
        assert_eq!(t[0], Some(ms(2019, 3, 8, 0, 0, 0)));
        assert!(v.undecided());
        assert!(v.note(None).contains("ambiguous"), "{}", v.note(None));
        let (t, _) = column(&["03/08/2019"], Some(DateOrder::DayFirst));
        assert_eq!(t[0], Some(ms(2019, 8, 3, 0, 0, 0)));
        let (_, v) = column(&["2019-08-03", "1564863900"], None);
        assert_eq!(v.note(None), "");
    }

    #[test]
    fn conflicting_values_follow_the_majority_and_the_rest_is_unreadable() {
        let (t, v) = column(&["13/01/2019", "14/01/2019", "01/13/2019", "x"], None);
        assert_eq!(v.order(), DateOrder::DayFirst);
        assert_eq!(t[2], None);
        assert_eq!((v.unreadable, v.bad_example.as_str()), (1, "x"));
        assert!(v.note(None).contains("1 values read only the other way"));
    }
}
