//! Exact sums of `xsd:decimal` values: a total does not depend on the order the rows were read in (a
//! floating-point sum read 104.30000000000001 or 104.3 depending on it).

use std::fmt;

/// A decimal number `units / 10^scale`, added exactly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Decimal {
    units: i128,
    scale: u32,
}

/// More fraction digits than any reported figure has; longer fractions are cut (not rounded) to this.
const MAX_SCALE: u32 = 12;

impl Decimal {
    /// Parses an `xsd:decimal` (or `xsd:integer`) lexical form: `-12`, `31.40`, `+.5`. None if not one.
    pub fn parse(text: &str) -> Option<Decimal> {
        let t = text.trim();
        let (negative, digits) = match t.as_bytes().first()? {
            b'-' => (true, &t[1..]),
            b'+' => (false, &t[1..]),
            _ => (false, t),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if int.is_empty() && frac.is_empty() || !(int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())) {
            return None;
        }
        let frac = &frac[..frac.len().min(MAX_SCALE as usize)];
        let mut units: i128 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            units = units.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
        }
        Some(Decimal { units: if negative { -units } else { units }, scale: frac.len() as u32 }.normalized())
    }

    /// Drops trailing fraction zeros, so equal numbers have equal representations.
    fn normalized(mut self) -> Decimal {
        while self.scale > 0 && self.units % 10 == 0 {
            self.units /= 10;
            self.scale -= 1;
        }
        self
    }

    /// The nearest `f64` (for edge widths and thresholds; printed values use [`fmt::Display`]).
    pub fn to_f64(self) -> f64 {
        self.to_string().parse().unwrap_or(0.0)
    }
}

impl std::ops::Add for Decimal {
    type Output = Decimal;

    /// The exact sum (saturating at the ends of the range, far beyond any reported figure).
    fn add(self, other: Decimal) -> Decimal {
        let scale = self.scale.max(other.scale);
        let widen = |d: Decimal| d.units.saturating_mul(10_i128.pow(scale - d.scale));
        Decimal { units: widen(self).saturating_add(widen(other)), scale }.normalized()
    }
}

impl std::ops::AddAssign for Decimal {
    fn add_assign(&mut self, other: Decimal) {
        *self = *self + other;
    }
}

impl fmt::Display for Decimal {
    /// The canonical form: `356`, `31.4`, `-0.05`; no exponent, no trailing zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.units.unsigned_abs().to_string();
        let sign = if self.units < 0 { "-" } else { "" };
        let scale = self.scale as usize;
        if scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (int, frac) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{int}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    #[test]
    fn sums_are_exact_and_independent_of_order() {
        let values = ["0.1", "0.2", "104", "-0.0", "31.40", "+5"];
        let forward = values.iter().fold(Decimal::default(), |acc, v| acc + d(v));
        let backward = values.iter().rev().fold(Decimal::default(), |acc, v| acc + d(v));
        assert_eq!(forward, backward);
        assert_eq!(forward.to_string(), "140.7");
        assert_eq!((d("104") + d("0.3")).to_string(), "104.3");
        assert_eq!(d("104.3").to_f64(), 104.3);
    }

    #[test]
    fn parses_and_prints_canonical_forms() {
        for (input, printed) in [("12000000", "12000000"), ("-0.05", "-0.05"), (".5", "0.5"), ("7.", "7"), ("0", "0")] {
            assert_eq!(d(input).to_string(), printed, "{input}");
        }
        for bad in ["", "-", ".", "1e3", "1,5", "NaN", "一百"] {
            assert_eq!(Decimal::parse(bad), None, "{bad}");
        }
    }
}
