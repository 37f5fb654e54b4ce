//! Exact sums of xsd:decimal values: fixed point in millionths (extraction writes at most a few decimals).

/// Millionths in one.
const SCALE: i128 = 1_000_000;

/// `"1358000"`, `"48.9"`, `"-0.25"` as millionths; `None` for what is not a decimal. Digits past the sixth
/// decimal are dropped.
pub fn parse_fixed(v: &str) -> Option<i128> {
    let v = v.trim();
    let (neg, v) = match v.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, v.strip_prefix('+').unwrap_or(v)),
    };
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || int.len() > 24
    {
        return None;
    }
    let int: i128 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut micro: i128 = 0;
    for (i, b) in frac.bytes().take(6).enumerate() {
        micro += i128::from(b - b'0') * 10i128.pow(5 - i as u32);
    }
    let n = int * SCALE + micro;
    Some(if neg { -n } else { n })
}

/// Millionths as the shortest decimal: `1358000`, `48.9`.
pub fn format_fixed(n: i128) -> String {
    let sign = if n < 0 { "-" } else { "" };
    let n = n.abs();
    let (int, frac) = (n / SCALE, n % SCALE);
    if frac == 0 {
        return format!("{sign}{int}");
    }
    let frac = format!("{frac:06}");
    format!("{sign}{int}.{}", frac.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_round_trip_and_add_exactly() {
        for v in ["0", "7", "1358000", "48.9", "0.125", "-3.5", "800000000"] {
            assert_eq!(format_fixed(parse_fixed(v).unwrap()), v);
        }
        let sum: i128 = ["0.1", "0.2", "0.7"].iter().map(|v| parse_fixed(v).unwrap()).sum();
        assert_eq!(format_fixed(sum), "1");
        assert_eq!(parse_fixed("1.5e3"), None);
        assert_eq!(parse_fixed(""), None);
    }
}
