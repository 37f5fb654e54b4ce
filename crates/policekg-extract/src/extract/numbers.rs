//! Numbers as written in Chinese news: Arabic digits (full- or half-width, with thousands separators and
//! decimals), Chinese numerals (一千零五十, 两, 十二), the multipliers 万 and 亿 (1.48万, 8亿余万, 一千余万),
//! and the approximate markers 余, 多, 近, 约, 超, 逾, 以上, 左右.
//!
//! Values are exact decimals (no floating point): `1.48万` is `14800`, not `14800.000000000002`.

use super::text::past_blanks;

/// An exact non-negative decimal: `mantissa / 10^scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dec {
    pub mantissa: u128,
    pub scale: u32,
}

impl Dec {
    pub fn int(v: u128) -> Dec {
        Dec { mantissa: v, scale: 0 }
    }

    /// Multiplies by `10^k`, keeping exactness (saturating on absurd inputs).
    pub fn shift(self, k: u32) -> Dec {
        let mut d = self;
        let mut k = k;
        while k > 0 && d.scale > 0 {
            d.scale -= 1;
            k -= 1;
        }
        for _ in 0..k {
            d.mantissa = d.mantissa.saturating_mul(10);
        }
        d.normalize()
    }

    pub fn mul_int(self, m: u128) -> Dec {
        Dec { mantissa: self.mantissa.saturating_mul(m), scale: self.scale }.normalize()
    }

    fn normalize(mut self) -> Dec {
        while self.scale > 0 && self.mantissa.is_multiple_of(10) {
            self.mantissa /= 10;
            self.scale -= 1;
        }
        self
    }

    /// The xsd:decimal lexical form: `14800`, `48.9`, `0.5`.
    pub fn lexical(self) -> String {
        let d = self.normalize();
        if d.scale == 0 {
            return d.mantissa.to_string();
        }
        let s = d.mantissa.to_string();
        let scale = d.scale as usize;
        if s.len() <= scale {
            format!("0.{}{}", "0".repeat(scale - s.len()), s)
        } else {
            format!("{}.{}", &s[..s.len() - scale], &s[s.len() - scale..])
        }
    }

    pub fn is_zero(self) -> bool {
        self.mantissa == 0
    }

    /// The integer part (for checks such as "looks like a year").
    pub fn trunc(self) -> u128 {
        let mut m = self.mantissa;
        for _ in 0..self.scale {
            m /= 10;
        }
        m
    }
}

/// A number found in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number {
    /// First char (an approximate prefix such as 近 included).
    pub start: usize,
    /// Char after the number and its multiplier and trailing 余/多 (the classifier starts here).
    pub end: usize,
    /// Char where the numeral proper starts (after any prefix).
    pub digits_start: usize,
    pub value: Dec,
    pub approximate: bool,
    /// Whether the numeral was written in Chinese characters.
    pub chinese: bool,
}

const PREFIXES: &[(&str, bool)] =
    &[("超过", true), ("近", true), ("约", true), ("超", true), ("逾", true), ("达", false), ("共", false)];

fn digit(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        '０'..='９' => Some(c as u32 - '０' as u32),
        _ => None,
    }
}

fn cn_digit(c: char) -> Option<u128> {
    Some(match c {
        '零' | '〇' | '○' => 0,
        '一' | '壹' => 1,
        '二' | '两' | '贰' | '兩' => 2,
        '三' | '叁' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

fn cn_unit(c: char) -> Option<u128> {
    Some(match c {
        '十' | '拾' => 10,
        '百' | '佰' => 100,
        '千' | '仟' => 1000,
        _ => return None,
    })
}

/// Parses a Chinese numeral below 10000 (一千零五十, 十二, 两百, 二〇二二 digit by digit) at `pos`;
/// returns the value and the end. 万 and 亿 are left to the caller.
pub fn parse_cn_small(chars: &[char], pos: usize) -> Option<(u128, usize)> {
    let mut i = pos;
    let mut total: u128 = 0;
    let mut cur: Option<u128> = None;
    let mut seen_unit = false;
    let mut seq: u128 = 0;
    let mut seq_len = 0;
    let mut last_unit = u128::MAX;
    while i < chars.len() {
        let c = chars[i];
        if let Some(d) = cn_digit(c) {
            if seen_unit && d != 0 && cur.is_some_and(|x| x != 0) {
                break; // two digits in a row after a unit: another number
            }
            seq = seq.saturating_mul(10).saturating_add(d);
            seq_len += 1;
            if d != 0 || cur.is_none() {
                cur = Some(d);
            }
            i += 1;
        } else if let Some(u) = cn_unit(c) {
            if (!seen_unit && seq_len > 1) || u >= last_unit {
                break;
            }
            seen_unit = true;
            last_unit = u;
            total += cur.filter(|&x| x != 0).unwrap_or(1) * u;
            cur = None;
            i += 1;
        } else {
            break;
        }
    }
    if i == pos {
        return None;
    }
    if !seen_unit {
        return Some((seq, i)); // 二〇二二, 三: digit by digit
    }
    Some((total + cur.unwrap_or(0), i))
}

/// Reads the Arabic numeral at `pos`: digits, optional thousands commas, optional decimal part.
fn parse_arabic(chars: &[char], pos: usize) -> Option<(Dec, usize)> {
    let mut i = pos;
    let mut mant: u128 = 0;
    let mut scale = 0u32;
    let mut any = false;
    while i < chars.len() {
        if let Some(d) = digit(chars[i]) {
            mant = mant.saturating_mul(10).saturating_add(d as u128);
            any = true;
            i += 1;
        } else if chars[i] == ','
            && any
            && (1..=3).all(|k| chars.get(i + k).and_then(|c| digit(*c)).is_some())
            && chars.get(i + 4).and_then(|c| digit(*c)).is_none()
        {
            i += 1;
        } else {
            break;
        }
    }
    if !any {
        return None;
    }
    if i + 1 < chars.len() && matches!(chars[i], '.' | '．') && digit(chars[i + 1]).is_some() {
        i += 1;
        while i < chars.len() {
            if let Some(d) = digit(chars[i]) {
                if scale < 20 {
                    mant = mant.saturating_mul(10).saturating_add(d as u128);
                    scale += 1;
                }
                i += 1;
            } else {
                break;
            }
        }
    }
    Some((Dec { mantissa: mant, scale }, i))
}

/// Reads a full quantity at `pos` (prefix markers, numeral, 万/亿, 余/多): `1.48万`, `8亿余万`,
/// `一千余万`, `26万余`, `近百`. Returns `None` when no numeral starts there.
pub fn parse_number(chars: &[char], pos: usize) -> Option<Number> {
    let mut i = pos;
    let mut approximate = false;
    for (p, approx) in PREFIXES {
        if super::text::at(chars, i, p) {
            let after = i + p.chars().count();
            if after < chars.len()
                && (digit(chars[after]).is_some()
                    || cn_digit(chars[after]).is_some()
                    || cn_unit(chars[after]).is_some())
            {
                approximate |= *approx;
                i = after;
                break;
            }
        }
    }
    let digits_start = i;
    let (mut value, mut j, chinese) = if let Some((v, e)) = parse_arabic(chars, i) {
        (v, e, false)
    } else if let Some((v, e)) = parse_cn_small(chars, i) {
        (Dec::int(v), e, true)
    } else if bare_multiplier(chars, i) {
        (Dec::int(1), i, true) // 万余: the multiplier below makes it 10000
    } else {
        return None;
    };
    // 余/多 before the multiplier: 230余万, 一千余万.
    let take_approx = |chars: &[char], j: &mut usize| {
        *j = past_blanks(chars, *j, |c| matches!(c, '余' | '多' | '餘'));
        if *j < chars.len() && matches!(chars[*j], '余' | '多' | '餘') {
            // 多 followed by a noun is 多 (many) only after a numeral: 7000多条 yes.
            *j += 1;
            true
        } else {
            false
        }
    };
    approximate |= take_approx(chars, &mut j);
    // Multipliers: 万, 亿, 万亿; a bare 千/百 after Arabic digits (3千).
    loop {
        j = past_blanks(chars, j, |c| matches!(c, '万' | '萬' | '亿' | '億'));
        if j >= chars.len() {
            break;
        }
        match chars[j] {
            '万' | '萬' => {
                value = value.shift(4);
                j += 1;
            }
            '亿' | '億' => {
                value = value.shift(8);
                j += 1;
                // 8亿余万: the 万 after 亿余 is a slip of the pen, not a multiplier.
                if j + 1 < chars.len() && matches!(chars[j], '余' | '多') && matches!(chars[j + 1], '万' | '萬') {
                    approximate = true;
                    j += 2;
                }
            }
            '千' if !chinese && !matches!(chars.get(j + 1), Some('克' | '米' | '瓦' | '伏' | '帕')) => {
                value = value.shift(3);
                j += 1;
            }
            '百' if !chinese => {
                value = value.shift(2);
                j += 1;
            }
            _ => break,
        }
        approximate |= take_approx(chars, &mut j);
    }
    Some(Number { start: pos, end: j, digits_start, value, approximate, chinese })
}

/// Approximate markers written after the classifier: 100人以上, 50起左右.
pub fn approx_suffix(chars: &[char], pos: usize) -> Option<usize> {
    for w in ["以上", "左右", "有余", "余", "多", "许"] {
        if super::text::at(chars, pos, w) {
            return Some(pos + w.chars().count());
        }
    }
    None
}

/// 万 or 亿 standing for one of them, as in 万余人, 亿余元 (never alone: 万 is also a name's char).
fn bare_multiplier(chars: &[char], pos: usize) -> bool {
    matches!(chars.get(pos), Some('万' | '萬' | '亿' | '億')) && matches!(chars.get(pos + 1), Some('余' | '多' | '餘'))
}

/// Whether a numeral starts at `pos` (without reading it).
pub fn numeral_starts(chars: &[char], pos: usize) -> bool {
    // 百 and 千 start a numeral only as 百余 / 千多 (百日行动 is no number).
    bare_multiplier(chars, pos)
        || chars.get(pos).is_some_and(|&c| {
            digit(c).is_some()
                || cn_digit(c).is_some()
                || (cn_unit(c).is_some()
                    && ((c != '百' && c != '千') || matches!(chars.get(pos + 1), Some('余' | '多'))))
        })
}

pub fn is_digit(c: char) -> bool {
    digit(c).is_some()
}

/// The value of an Arabic digit, half- or full-width.
pub fn digit_value(c: char) -> Option<u32> {
    digit(c)
}

pub fn is_cn_numeral(c: char) -> bool {
    cn_digit(c).is_some() || cn_unit(c).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn val(s: &str) -> (String, bool, usize) {
        let chars: Vec<char> = s.chars().collect();
        let n = parse_number(&chars, 0).unwrap_or_else(|| panic!("no number in {s}"));
        (n.value.lexical(), n.approximate, n.end)
    }

    #[test]
    fn normalization_table() {
        let cases: &[(&str, &str, bool)] = &[
            ("1.48万", "14800", false),
            ("8亿", "800000000", false),
            ("135.8万", "1358000", false),
            ("8亿余万", "800000000", true),
            ("2亿余万", "200000000", true),
            ("一千余万", "10000000", true),
            ("26万余", "260000", true),
            ("230余万", "2300000", true),
            ("6000余万", "60000000", true),
            ("48.9", "48.9", false),
            ("70.49", "70.49", false),
            ("12,345", "12345", false),
            ("１２３", "123", false),
            ("两", "2", false),
            ("十二", "12", false),
            ("二十", "20", false),
            ("一百零五", "105", false),
            ("一千零五十", "1050", false),
            ("三千二百", "3200", false),
            ("近百", "100", true),
            ("约5万", "50000", true),
            ("超3000", "3000", true),
            ("超过200", "200", true),
            ("逾千", "1000", true),
            ("7000多", "7000", true),
            ("1.31万余", "13100", true),
            ("3千", "3000", false),
            ("0.5", "0.5", false),
            ("二〇二二", "2022", false),
            ("百余", "100", true),
            ("千余", "1000", true),
            ("890 余万", "8900000", true),
            ("108 万余", "1080000", true),
            ("两万余", "20000", true),
            ("一百余", "100", true),
            ("万余", "10000", true),
        ];
        // 千克 is a classifier, not 千 (thousand) and 克.
        let chars: Vec<char> = "3.2千克".chars().collect();
        assert_eq!(parse_number(&chars, 0).unwrap().end, 3);
        for (text, want, approx) in cases {
            let (v, a, _) = val(text);
            assert_eq!((v.as_str(), a), (*want, *approx), "{text}");
        }
    }

    #[test]
    fn hundred_starts_a_number_only_with_an_approximate_marker() {
        let c: Vec<char> = "百日行动".chars().collect();
        assert!(!numeral_starts(&c, 0));
        let c: Vec<char> = "百余起".chars().collect();
        assert!(numeral_starts(&c, 0));
    }

    #[test]
    fn stops_before_the_classifier() {
        let (_, _, end) = val("450余张");
        assert_eq!(end, 4);
        let (_, _, end) = val("16.1万余人次");
        assert_eq!(end, 6);
    }

    #[test]
    fn approximate_suffixes() {
        let c: Vec<char> = "人以上".chars().collect();
        assert_eq!(approx_suffix(&c, 1), Some(3));
        assert_eq!(approx_suffix(&c, 0), None);
    }

    #[test]
    fn never_panics_on_odd_input() {
        for s in ["", "万", "亿亿亿", "9999999999999999999999999999999999999999999亿", "1.", ".5", "十十十", "零零"]
        {
            let chars: Vec<char> = s.chars().collect();
            for i in 0..=chars.len() {
                let _ = parse_number(&chars, i);
            }
        }
    }
}
