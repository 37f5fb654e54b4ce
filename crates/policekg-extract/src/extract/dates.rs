//! Dates and periods in the text, resolved against the article's reference date: `2月24日` of a
//! 2022-03-02 article is 2022-02-24; `12月5日` of a 2022-01-10 article is 2021-12-05; `次日` is the day
//! after the date before it; `今年9月` is 2022-09; `1至2月` is 2022-01-01 .. 2022-02-28.

use super::numbers::{digit_value, is_digit, parse_cn_small};
use super::text::{at, past_blanks};

/// A calendar date known to the year, month or day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PartialDate {
    pub year: i32,
    pub month: Option<u32>,
    pub day: Option<u32>,
}

impl PartialDate {
    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.
    pub fn iso(&self) -> String {
        match (self.month, self.day) {
            (Some(m), Some(d)) => format!("{:04}-{:02}-{:02}", self.year, m, d),
            (Some(m), None) => format!("{:04}-{:02}", self.year, m),
            _ => format!("{:04}", self.year),
        }
    }

    pub fn next_day(&self) -> PartialDate {
        match (self.month, self.day) {
            (Some(m), Some(d)) => {
                if d < days_in_month(self.year, m) {
                    PartialDate { day: Some(d + 1), ..*self }
                } else if m < 12 {
                    PartialDate { month: Some(m + 1), day: Some(1), ..*self }
                } else {
                    PartialDate { year: self.year + 1, month: Some(1), day: Some(1) }
                }
            }
            _ => *self,
        }
    }
}

pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 => {
            if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 {
                29
            } else {
                28
            }
        }
        _ => 30,
    }
}

/// The date the article's relative dates are read against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefDate {
    pub year: i32,
    pub month: Option<u32>,
    pub day: Option<u32>,
}

/// Parses `YYYY-MM-DD` (the ingest's publication date).
pub fn parse_iso(s: &str) -> Option<RefDate> {
    let mut it = s.trim().splitn(3, '-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.get(..2)?.parse().ok()?;
    if !(1900..=2200).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(RefDate { year: y, month: Some(m), day: Some(d) })
}

/// Without a publication date: the latest plausible year the text names (2021年, 雷火2021, 云剑-2020).
pub fn infer_year(chars: &[char]) -> Option<i32> {
    let mut best: Option<i32> = None;
    let mut i = 0;
    while i + 4 <= chars.len() {
        if (i == 0 || !is_digit(chars[i - 1]))
            && (0..4).all(|k| is_digit(chars[i + k]))
            && chars.get(i + 4).is_none_or(|c| !is_digit(*c))
        {
            let y: i32 = chars[i..i + 4].iter().fold(0i32, |a, c| a * 10 + digit_value(*c).unwrap_or(0) as i32);
            let after = chars.get(i + 4).copied();
            let before = if i > 0 { Some(chars[i - 1]) } else { None };
            let year_like =
                after == Some('年') || before.is_some_and(|c| c == '-' || c == '－' || super::text::is_han(c));
            if (2000..=2099).contains(&y)
                && year_like
                && !matches!(after, Some('元' | '人' | '名' | '起' | '个' | '万' | '条' | '张'))
            {
                best = Some(best.map_or(y, |b| b.max(y)));
            }
            i += 4;
        } else {
            i += 1;
        }
    }
    best
}

/// A date written in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateMention {
    pub start: usize,
    pub end: usize,
    pub date: PartialDate,
}

fn read_int(chars: &[char], pos: usize, max_len: usize) -> Option<(u32, usize)> {
    let mut i = pos;
    let mut v: u32 = 0;
    while i < chars.len() && i - pos < max_len && is_digit(chars[i]) {
        v = v * 10 + super::numbers::digit_value(chars[i]).unwrap_or(0);
        i += 1;
    }
    if i > pos {
        return Some((v, i));
    }
    // Chinese numerals for months and days: 九月, 二十七日.
    if let Some((v, e)) = parse_cn_small(chars, pos) {
        if e - pos <= 3 && v > 0 && v <= 31 {
            return Some((v as u32, e));
        }
    }
    None
}

/// Resolves a month (and day) without a year against the reference: a month after the reference month is
/// last year's.
fn resolve(r: &RefDate, year: Option<i32>, month: u32, day: Option<u32>) -> PartialDate {
    let y = year.unwrap_or_else(|| match r.month {
        Some(rm) if month > rm => r.year - 1,
        Some(rm) if month == rm && day.is_some() && r.day.is_some() && day > r.day => r.year - 1,
        _ => r.year,
    });
    PartialDate { year: y, month: Some(month), day }
}

/// Every date in `chars`, in order, relative words (次日, 当天) resolved against the date before them.
pub fn find_dates(chars: &[char], r: Option<&RefDate>) -> Vec<DateMention> {
    let mut out: Vec<DateMention> = Vec::new();
    let Some(r) = r else { return out };
    let n = chars.len();
    let mut i = 0;
    while i < n {
        // Relative day words.
        for (w, next) in
            [("次日", true), ("翌日", true), ("第二天", true), ("当天", false), ("当日", false), ("当晚", false)]
        {
            if at(chars, i, w) {
                if let Some(prev) = out.last().map(|m| m.date) {
                    if prev.day.is_some() {
                        let d = if next { prev.next_day() } else { prev };
                        out.push(DateMention { start: i, end: i + w.chars().count(), date: d });
                    } else if !next {
                        out.push(DateMention { start: i, end: i + w.chars().count(), date: prev });
                    }
                }
                i += w.chars().count();
                continue;
            }
        }
        if i >= n {
            break;
        }
        let start = i;
        let mut year: Option<i32> = None;
        let mut j = i;
        if at(chars, j, "今年") {
            year = Some(r.year);
            j += 2;
        } else if at(chars, j, "去年") {
            year = Some(r.year - 1);
            j += 2;
        } else if (i == 0 || !is_digit(chars[i - 1]))
            && j + 5 <= n
            && (0..4).all(|k| is_digit(chars[j + k]))
            && chars[j + 4] == '年'
        {
            year = Some(chars[j..j + 4].iter().fold(0i32, |a, c| a * 10 + digit_value(*c).unwrap_or(0) as i32));
            j += 5;
        }
        if i > 0 && (is_digit(chars[i - 1]) || chars[i - 1] == '.') && year.is_none() {
            i += 1;
            continue;
        }
        if let Some((m, e)) = read_int(chars, j, 2) {
            let e = past_blanks(chars, e, |c| c == '月');
            if e < n && chars[e] == '月' && (1..=12).contains(&m) && !at(chars, e + 1, "份")
                || (e < n && chars[e] == '月' && (1..=12).contains(&m) && year.is_some())
            {
                let mut k = e + 1;
                let mut day = None;
                if let Some((d, e2)) = read_int(chars, past_blanks(chars, k, is_digit), 2) {
                    let e2 = past_blanks(chars, e2, |c| matches!(c, '日' | '号'));
                    if e2 < n && matches!(chars[e2], '日' | '号') && (1..=31).contains(&d) {
                        day = Some(d.min(days_in_month(year.unwrap_or(r.year), m)));
                        k = e2 + 1;
                    }
                }
                let date = resolve(r, year, m, day);
                out.push(DateMention { start, end: k, date });
                i = k;
                continue;
            }
        }
        if year.is_some() && j > i && !at(chars, j, "以来") {
            // A bare year (2021年) is a date known to the year; 今年 alone too.
            if let Some(y) = year {
                if !at(chars, i, "今年") && !at(chars, i, "去年") {
                    out.push(DateMention { start, end: j, date: PartialDate { year: y, month: None, day: None } });
                }
            }
            i = j;
            continue;
        }
        i += 1;
    }
    out
}

/// A period as xsd:dates: its first day and, when known, its last.
pub type Period = (String, Option<String>);

/// How far into a sentence its period may be written (今年以来，全市… / 据统计，1至2月…).
const PERIOD_HEAD: usize = 24;

/// The period a sentence counts over, read at its start: `1至2月`, `1-2月`, `1月至3月`, `今年以来`,
/// `1月以来`, `今年1至5月`, `上半年`, `一季度`. Returns (start, end) as xsd:dates.
pub fn find_period(chars: &[char], r: Option<&RefDate>) -> Option<Period> {
    let r = r?;
    (0..chars.len().min(PERIOD_HEAD + 1)).find_map(|i| period_at(chars, i, r))
}

/// The period a count is stated over: the forms of [`find_period`] and those that only a count has: a
/// year (2022年, 去年, 今年: so far), the months to a date (截至10月底, 前三季度, 前10个月), one month
/// (今年7月, 9月份).
pub fn counting_period(chars: &[char], r: Option<&RefDate>) -> Option<Period> {
    let r = r?;
    (0..chars.len().min(PERIOD_HEAD + 1)).find_map(|i| period_at(chars, i, r).or_else(|| count_period_at(chars, i, r)))
}

/// A written year at `i` (今年, 去年, 2021年): the year and where it ends; the reference year and `i` if none.
fn year_at(chars: &[char], i: usize, r: &RefDate) -> (i32, usize) {
    if at(chars, i, "今年") {
        (r.year, i + 2)
    } else if at(chars, i, "去年") {
        (r.year - 1, i + 2)
    } else if i + 5 <= chars.len()
        && (0..4).all(|k| is_digit(chars[i + k]))
        && chars[i + 4] == '年'
        && (i == 0 || !is_digit(chars[i - 1]))
    {
        (chars[i..i + 4].iter().fold(0i32, |a, c| a * 10 + digit_value(*c).unwrap_or(0) as i32), i + 5)
    } else {
        (r.year, i)
    }
}

fn months(year: i32, m1: u32, m2: u32) -> Period {
    (format!("{year:04}-{m1:02}-01"), Some(format!("{year:04}-{m2:02}-{:02}", days_in_month(year, m2))))
}

/// The year of months written without one: last year's when they end after the reference month
/// (11至12月 in a January article).
fn year_of_months(year_written: bool, year: i32, last_month: u32, r: &RefDate) -> i32 {
    match r.month {
        Some(rm) if !year_written && last_month > rm => year - 1,
        _ => year,
    }
}

/// The periods of [`find_period`], at `i`.
fn period_at(chars: &[char], i: usize, r: &RefDate) -> Option<Period> {
    let (year, j) = year_at(chars, i, r);
    // 今年以来, 2021年以来 (a year must be written: 行动开展以来 is no calendar period).
    if (j > i && at(chars, j, "以来")) || at(chars, j, "年初以来") {
        return Some((format!("{year:04}-01-01"), r.month.and(Some(iso_ref(r)))));
    }
    // 一季度, 第三季度: three months.
    let q = if at(chars, j, "第") { j + 1 } else { j };
    if let Some(k) = ['一', '二', '三', '四'].iter().position(|c| chars.get(q) == Some(c)) {
        if at(chars, q + 1, "季度") {
            let m1 = 3 * k as u32 + 1;
            return Some(months(year, m1, m1 + 2));
        }
    }
    if at(chars, j, "下半年") {
        return Some(months(year, 7, 12));
    }
    if at(chars, j, "上半年") {
        return Some(months(year, 1, 6));
    }
    month_range_at(chars, j, year, j > i, r)
}

/// 1至2月, 1-5月, 1月至3月, 3月以来 at `j`.
fn month_range_at(chars: &[char], j: usize, year: i32, year_written: bool, r: &RefDate) -> Option<Period> {
    let n = chars.len();
    if !((j == 0 || !is_digit(chars[j - 1])) && j < n && is_digit(chars[j])) {
        return None;
    }
    let (m1, e1) = read_int(chars, j, 2)?;
    if !(1..=12).contains(&m1) {
        return None;
    }
    let k = if at(chars, e1, "月") { e1 + 1 } else { e1 };
    if k < n && matches!(chars[k], '至' | '-' | '—' | '～' | '~' | '到') {
        if let Some((m2, e2)) = read_int(chars, k + 1, 2) {
            // 1至2月 followed by a day (1月1日至2月3日) is not a month range.
            if at(chars, e2, "月")
                && (m1..=12).contains(&m2)
                && !at(chars, e2 + 1, "份")
                && !(e2 + 1 < n && is_digit(chars[e2 + 1]))
            {
                return Some(months(year_of_months(year_written, year, m2, r), m1, m2));
            }
        }
    }
    if at(chars, e1, "月以来") {
        return Some((format!("{year:04}-{m1:02}-01"), r.month.and(Some(iso_ref(r)))));
    }
    None
}

/// The periods only a count has, at `i`: 截至10月底, 前三季度, 前10个月, 今年7月, 9月份, 2022年, 去年, 今年.
fn count_period_at(chars: &[char], i: usize, r: &RefDate) -> Option<Period> {
    let to_date = at(chars, i, "截至") || at(chars, i, "截止");
    let (year, j) = year_at(chars, if to_date { i + 2 } else { i }, r);
    let year_written = j > i + if to_date { 2 } else { 0 };
    if let Some((m, e)) = read_int(chars, j, 2).filter(|&(m, e)| (1..=12).contains(&m) && at(chars, e, "月")) {
        let day_follows = chars.get(e + 1).is_some_and(|c| is_digit(*c) || matches!(c, '至' | '-' | '到'));
        if day_follows || (j > 0 && is_digit(chars[j - 1])) {
            return None;
        }
        let year = year_of_months(year_written, year, m, r);
        if to_date {
            return Some(months(year, 1, m));
        }
        if year_written || at(chars, e + 1, "份") {
            return Some(months(year, m, m));
        }
        return None;
    }
    if to_date {
        return None;
    }
    // 前三季度, 前10个月.
    if at(chars, j, "前") {
        let quarters = read_int(chars, j + 1, 1).filter(|&(q, e)| (1..=4).contains(&q) && at(chars, e, "季度"));
        let months_n = read_int(chars, j + 1, 2).filter(|&(m, e)| (1..=12).contains(&m) && at(chars, e, "个月"));
        return quarters.map(|(q, _)| months(year, 1, 3 * q)).or_else(|| months_n.map(|(m, _)| months(year, 1, m)));
    }
    if !year_written || chars.get(j).is_some_and(|c| is_digit(*c) || matches!(c, '初' | '底' | '末' | '前' | '第'))
    {
        return None;
    }
    // A year alone: the whole of it, or so far when it is the reference year.
    if year == r.year && r.month.is_some() {
        Some((format!("{year:04}-01-01"), Some(iso_ref(r))))
    } else {
        Some(months(year, 1, 12))
    }
}

fn iso_ref(r: &RefDate) -> String {
    format!("{:04}-{:02}-{:02}", r.year, r.month.unwrap_or(12), r.day.unwrap_or(31))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    fn dates(s: &str, r: &str) -> Vec<String> {
        let r = parse_iso(r).unwrap();
        find_dates(&chars(s), Some(&r)).iter().map(|m| m.date.iso()).collect()
    }

    #[test]
    fn resolution_table() {
        let cases: &[(&str, &str, &[&str])] = &[
            ("2月24日，某分局抓获", "2022-03-02", &["2022-02-24"]),
            ("12月5日，警方", "2022-01-10", &["2021-12-05"]),
            ("今年9月，警方", "2022-10-30", &["2022-09"]),
            ("8月29日凌晨被盗，于次日晚抓获", "2022-10-30", &["2022-08-29", "2022-08-30"]),
            ("2月16日发现。次日抓获", "2022-03-02", &["2022-02-16", "2022-02-17"]),
            ("3月31日发现，次日抓获", "2023-05-01", &["2023-03-31", "2023-04-01"]),
            ("2019年7月3日，民警", "2022-03-02", &["2019-07-03"]),
            ("十月二十七日，民警", "2021-12-01", &["2021-10-27"]),
            ("抓获48名，金额1.5万元", "2022-03-02", &[]),
            ("２０２１年１０月２７日，民警", "2022-03-02", &["2021-10-27"]),
            ("7 月 13 日，夏县公安局", "2023-07-17", &["2023-07-13"]),
            ("抓获 7 人，月底前", "2023-07-17", &[]),
        ];
        for (text, r, want) in cases {
            assert_eq!(dates(text, r), want.iter().map(|s| s.to_string()).collect::<Vec<_>>(), "{text}");
        }
    }

    #[test]
    fn periods() {
        let r = parse_iso("2022-03-02").unwrap();
        assert_eq!(
            find_period(&chars("1至2月，全市公安机关"), Some(&r)),
            Some(("2022-01-01".into(), Some("2022-02-28".into())))
        );
        assert_eq!(
            find_period(&chars("今年1-5月，全省"), Some(&r)),
            Some(("2022-01-01".into(), Some("2022-05-31".into())))
        );
        assert_eq!(find_period(&chars("今年以来，全市"), Some(&r)).map(|p| p.0), Some("2022-01-01".into()));
        assert_eq!(find_period(&chars("全市公安机关抓获"), Some(&r)), None);
        assert_eq!(
            find_period(&chars("今年一季度，全市"), Some(&r)),
            Some(("2022-01-01".into(), Some("2022-03-31".into())))
        );
        assert_eq!(
            find_period(&chars("2021年第三季度"), Some(&r)),
            Some(("2021-07-01".into(), Some("2021-09-30".into())))
        );
        let r = parse_iso("2024-03-02").unwrap();
        assert_eq!(find_period(&chars("1至2月"), Some(&r)).unwrap().1, Some("2024-02-29".into()));
    }

    #[test]
    fn counting_periods() {
        // (text, publication date, period start, period end)
        type Case<'a> = (&'a str, &'a str, Option<(&'a str, Option<&'a str>)>);
        let cases: &[Case] = &[
            ("1至2月，全市公安机关", "2022-03-02", Some(("2022-01-01", Some("2022-02-28")))),
            ("今年1-5月，全省", "2022-06-10", Some(("2022-01-01", Some("2022-05-31")))),
            ("11至12月，全市", "2023-01-10", Some(("2022-11-01", Some("2022-12-31")))),
            ("今年以来，全市", "2022-03-02", Some(("2022-01-01", Some("2022-03-02")))),
            ("据统计，今年以来全市", "2022-03-02", Some(("2022-01-01", Some("2022-03-02")))),
            ("3月以来，全市", "2022-05-20", Some(("2022-03-01", Some("2022-05-20")))),
            ("上半年，全省", "2023-07-20", Some(("2023-01-01", Some("2023-06-30")))),
            ("2021年下半年，全省", "2022-01-20", Some(("2021-07-01", Some("2021-12-31")))),
            ("今年一季度，全市", "2022-04-02", Some(("2022-01-01", Some("2022-03-31")))),
            ("前三季度，全省", "2022-10-20", Some(("2022-01-01", Some("2022-09-30")))),
            ("今年前10个月，全省", "2022-11-20", Some(("2022-01-01", Some("2022-10-31")))),
            ("截至10月底，全市", "2022-11-05", Some(("2022-01-01", Some("2022-10-31")))),
            ("截至今年6月，全省", "2022-07-05", Some(("2022-01-01", Some("2022-06-30")))),
            ("2022年，全市公安机关", "2023-01-10", Some(("2022-01-01", Some("2022-12-31")))),
            ("去年，全省共破获", "2022-01-10", Some(("2021-01-01", Some("2021-12-31")))),
            ("2019年，全國破獲", "2020-01-18", Some(("2019-01-01", Some("2019-12-31")))),
            ("今年全市共破获", "2022-05-20", Some(("2022-01-01", Some("2022-05-20")))),
            ("今年7月，全市", "2022-10-30", Some(("2022-07-01", Some("2022-07-31")))),
            ("9月份，全市", "2022-10-30", Some(("2022-09-01", Some("2022-09-30")))),
            ("12月份，全市", "2023-01-05", Some(("2022-12-01", Some("2022-12-31")))),
            ("2月24日，某分局抓获", "2022-03-02", None),
            ("2021年7月3日，民警", "2022-03-02", None),
            ("截至目前，全市", "2022-03-02", None),
            ("全市公安机关抓获", "2022-03-02", None),
            ("行动开展以来，全市", "2022-03-02", None),
        ];
        for (text, r, want) in cases {
            let r = parse_iso(r).unwrap();
            let got = counting_period(&chars(text), Some(&r));
            let want = want.map(|(s, e)| (s.to_string(), e.map(|e| e.to_string())));
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn year_inference() {
        assert_eq!(infer_year(&chars("按照雷火2021专项行动部署，2018年至今")), Some(2021));
        assert_eq!(infer_year(&chars("“云剑-2020”行动")), Some(2020));
        assert_eq!(infer_year(&chars("抓获2021人")), None);
    }
}
