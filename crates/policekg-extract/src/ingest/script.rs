//! Traditional -> Simplified script, char for char.
//!
//! Uses OpenCC's tables (ferrous-opencc, Apache-2.0). Text is detected as Traditional when a noticeable
//! share of its Han characters change under Traditional->Simplified conversion. The Simplified text must
//! have exactly as many chars as the original so that offsets found in it point into the original body:
//! each line is converted with OpenCC's phrase tables, and a line whose length changes is converted
//! char by char instead (a char whose conversion is not a single char is kept as is).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use ferrous_opencc::{config::BuiltinConfig, OpenCC};

fn t2s() -> Option<&'static OpenCC> {
    static CONV: OnceLock<Option<OpenCC>> = OnceLock::new();
    CONV.get_or_init(|| OpenCC::from_config(BuiltinConfig::T2s).ok()).as_ref()
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

thread_local! {
    /// Per-thread cache of char-level conversions (no lock contention when documents are read in parallel).
    static CACHE: RefCell<HashMap<char, char>> = RefCell::new(HashMap::new());
}

/// Char-level conversion of one char (cached).
fn convert_char(conv: &OpenCC, c: char) -> char {
    if !is_han(c) {
        return c;
    }
    if let Some(v) = CACHE.with(|m| m.borrow().get(&c).copied()) {
        return v;
    }
    let mut buf = [0u8; 4];
    let converted = conv.convert(c.encode_utf8(&mut buf));
    let mut it = converted.chars();
    let v = match (it.next(), it.next()) {
        (Some(one), None) => one,
        _ => c,
    };
    CACHE.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() < 100_000 {
            m.insert(c, v);
        }
    });
    v
}

/// Whether `text` is (mostly) in Traditional script.
pub fn is_traditional(text: &str) -> bool {
    let Some(conv) = t2s() else { return false };
    let mut han = 0usize;
    let mut changed = 0usize;
    for c in text.chars().filter(|&c| is_han(c)).take(20_000) {
        han += 1;
        if convert_char(conv, c) != c {
            changed += 1;
        }
    }
    // Simplified text has almost no chars that T->S conversion changes (乾 and a few others); Traditional
    // text has many (typically 15-30% of Han chars).
    changed >= 1 && changed * 100 >= han * 3 && (changed >= 2 || han <= 10)
}

/// Char-by-char Simplified conversion of `text`, with exactly as many chars as `text`.
pub fn to_simplified_chars(text: &str) -> String {
    match t2s() {
        Some(conv) => text.chars().map(|c| convert_char(conv, c)).collect(),
        None => text.to_string(),
    }
}

/// The Simplified form of `text` with exactly as many chars, char for char; `text` itself when it is not
/// Traditional.
pub fn to_simplified_aligned(text: &str) -> String {
    let Some(conv) = t2s() else { return text.to_string() };
    if !is_traditional(text) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let phrase = conv.convert(line);
        if phrase.chars().count() == line.chars().count() {
            out.push_str(&phrase);
        } else {
            out.extend(line.chars().map(|c| convert_char(conv, c)));
        }
    }
    debug_assert_eq!(out.chars().count(), text.chars().count());
    if out.chars().count() != text.chars().count() {
        return to_simplified_chars(text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traditional_to_simplified_keeps_length() {
        let t = "臺北市政府警察局偵破詐騙集團，逮捕犯罪嫌疑人十二名，查扣贓款。\n後續將持續打擊電信網路詐騙。";
        assert!(is_traditional(t));
        let s = to_simplified_aligned(t);
        assert_eq!(s.chars().count(), t.chars().count());
        assert!(s.contains("诈骗集团"), "{s}");
        assert!(s.contains("逮捕犯罪嫌疑人"), "{s}");
        let simp = "杭州市公安局破获电信网络诈骗案件56起，抓获犯罪嫌疑人73名，成效显著。";
        assert!(!is_traditional(simp));
        assert_eq!(to_simplified_aligned(simp), simp);
    }
}
