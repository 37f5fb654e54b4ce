//! The article text as the rules see it: the Simplified body as a char array, with its sentences and
//! paragraphs, and evidence cut from the original body at the same char offsets.

use crate::Evidence;

/// Sentence-ending characters (a sentence is the scope of one subject and one governing verb list).
pub const SENTENCE_END: &[char] = &['。', '！', '？', '!', '?', '\n', '…'];
/// Clause-ending characters (the evidence unit of an outcome).
pub const CLAUSE_END: &[char] = &['。', '！', '？', '!', '?', '\n', '，', ',', '；', ';', '：', ':', '…'];

/// One article prepared for the rules.
pub struct Text<'a> {
    /// Simplified body, one entry per Unicode scalar value.
    pub chars: Vec<char>,
    /// The original body (evidence is cut from it).
    pub body: &'a str,
    /// Byte offset in `body` of each char, plus `body.len()` at the end.
    body_bytes: Vec<usize>,
    /// Sentences as char ranges `[start, end)`, in order; every char of the text is in exactly one.
    pub sentences: Vec<(usize, usize)>,
    /// Paragraph index of each sentence.
    pub paragraph_of: Vec<usize>,
}

impl<'a> Text<'a> {
    pub fn new(body: &'a str, simplified: &str) -> Text<'a> {
        let mut chars: Vec<char> = simplified.chars().collect();
        let mut body_bytes: Vec<usize> = body.char_indices().map(|(i, _)| i).collect();
        body_bytes.push(body.len());
        // Defensive: should the two ever differ in length, the rules read only what both have.
        let n = chars.len().min(body_bytes.len() - 1);
        chars.truncate(n);
        body_bytes.truncate(n + 1);
        if body_bytes.len() < n + 1 {
            body_bytes.push(body.len());
        }
        let mut sentences = Vec::new();
        let mut paragraph_of = Vec::new();
        let mut start = 0;
        let mut para = 0;
        let mut i = 0;
        while i < n {
            let c = chars[i];
            if SENTENCE_END.contains(&c) {
                let mut end = i + 1;
                // A closing quote or bracket after the stop belongs to the sentence.
                while end < n && matches!(chars[end], '”' | '’' | '」' | '』' | ')' | '）' | '…') {
                    end += 1;
                }
                sentences.push((start, end));
                paragraph_of.push(para);
                if c == '\n' {
                    para += 1;
                }
                start = end;
                i = end;
                continue;
            }
            i += 1;
        }
        if start < n {
            sentences.push((start, n));
            paragraph_of.push(para);
        }
        Text { chars, body, body_bytes, sentences, paragraph_of }
    }

    pub fn len(&self) -> usize {
        self.chars.len()
    }

    /// The Simplified text of `[start, end)` (clamped).
    pub fn slice(&self, start: usize, end: usize) -> String {
        let end = end.min(self.chars.len());
        let start = start.min(end);
        self.chars[start..end].iter().collect()
    }

    /// Evidence for `[start, end)`: the original body text at those char offsets, trimmed of blanks.
    pub fn evidence(&self, start: usize, end: usize) -> Evidence {
        let end = end.min(self.chars.len());
        let mut start = start.min(end);
        let mut end = end;
        while start < end && self.chars[start].is_whitespace() {
            start += 1;
        }
        while end > start && self.chars[end - 1].is_whitespace() {
            end -= 1;
        }
        let text = self.body[self.body_bytes[start]..self.body_bytes[end]].to_string();
        Evidence { start, end, text }
    }

    /// The clause around `pos`: from after the previous clause stop to the next one (inclusive of neither).
    pub fn clause_around(&self, pos: usize) -> (usize, usize) {
        let n = self.chars.len();
        let pos = pos.min(n);
        let mut s = pos;
        while s > 0 && !CLAUSE_END.contains(&self.chars[s - 1]) {
            s -= 1;
        }
        let mut e = pos;
        while e < n && !CLAUSE_END.contains(&self.chars[e]) {
            e += 1;
        }
        (s, e)
    }

    /// Index of the sentence holding char `pos`.
    pub fn sentence_of(&self, pos: usize) -> usize {
        match self.sentences.binary_search_by(|&(s, e)| {
            if pos < s {
                std::cmp::Ordering::Greater
            } else if pos >= e {
                std::cmp::Ordering::Less
            } else {
                std::cmp::Ordering::Equal
            }
        }) {
            Ok(i) => i,
            Err(i) => i.min(self.sentences.len().saturating_sub(1)),
        }
    }

    /// Whether `chars[pos..]` starts with `word`.
    pub fn at(&self, pos: usize, word: &str) -> bool {
        at(&self.chars, pos, word)
    }

    /// Whether `chars[..pos]` ends with `word`.
    pub fn ends_at(&self, pos: usize, word: &str) -> bool {
        ends_at(&self.chars, pos, word)
    }
}

pub fn at(chars: &[char], pos: usize, word: &str) -> bool {
    let mut i = pos;
    for c in word.chars() {
        if i >= chars.len() || chars[i] != c {
            return false;
        }
        i += 1;
    }
    true
}

pub fn ends_at(chars: &[char], pos: usize, word: &str) -> bool {
    let n = word.chars().count();
    if n > pos || pos > chars.len() {
        return false;
    }
    at(chars, pos - n, word)
}

/// Every position in `chars[from..to]` where `word` starts.
pub fn find_all(chars: &[char], from: usize, to: usize, word: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let wn = word.chars().count();
    if wn == 0 {
        return out;
    }
    let to = to.min(chars.len());
    let mut i = from;
    while i + wn <= to {
        if at(chars, i, word) {
            out.push(i);
        }
        i += 1;
    }
    out
}

/// Chinese characters (CJK unified ideographs) and the marks that can sit inside a name.
pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

pub fn is_open_quote(c: char) -> bool {
    matches!(c, '“' | '‘' | '「' | '『' | '"' | '《' | '〈')
}

pub fn is_close_quote(c: char) -> bool {
    matches!(c, '”' | '’' | '」' | '』' | '"' | '》' | '〉')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_and_evidence_follow_the_original_body() {
        let body = "甲市警方破獲案件3起。乙縣抓獲2人！";
        let simp = "甲市警方破获案件3起。乙县抓获2人！";
        let t = Text::new(body, simp);
        assert_eq!(t.sentences, vec![(0, 11), (11, 18)]);
        let ev = t.evidence(11, 17);
        assert_eq!(ev.text, "乙縣抓獲2人");
        assert_eq!((ev.start, ev.end), (11, 17));
        assert_eq!(t.clause_around(3), (0, 10));
    }

    #[test]
    fn mismatched_lengths_do_not_panic() {
        let t = Text::new("短", "长一些的文本");
        assert_eq!(t.len(), 1);
        let _ = t.evidence(0, 99);
        let t = Text::new("", "");
        assert!(t.sentences.is_empty());
        let _ = t.evidence(3, 1);
    }
}
