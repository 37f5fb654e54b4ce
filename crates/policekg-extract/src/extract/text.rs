//! The article text as the rules see it: the Simplified body as a char array, with its sentences and
//! paragraphs, and evidence cut from the original body at the same char offsets.

use crate::Evidence;

/// Sentence-ending characters (a sentence is the scope of one subject and one governing verb list).
pub const SENTENCE_END: &[char] = &['。', '！', '？', '!', '?', '\n'];
/// A line ending in one of these is a line of its own (no sentence runs on past it).
const SOFT_BREAK_BLOCKERS: &[char] =
    &['。', '！', '？', '!', '?', '；', ';', '：', ':', '”', '」', '』', '）', ')', '》', '…'];
/// Clause-ending characters (the evidence unit of an outcome).
pub const CLAUSE_END: &[char] = &['。', '！', '？', '!', '?', '\n', '，', ',', '；', ';', '：', ':', '…'];

/// Sentences longer than this (in chars) are cut at their next clause break.
pub const MAX_SENTENCE_CHARS: usize = 600;

/// One article prepared for the rules.
pub struct Text<'a> {
    /// Simplified body, one entry per Unicode scalar value.
    pub chars: Vec<char>,
    /// The original body (evidence is cut from it).
    pub body: &'a str,
    /// Byte offset in `body` of each char, plus `body.len()` at the end.
    body_bytes: Vec<usize>,
    /// For each char of `chars`, its char offset in `body` (plus the body's length at the end).
    orig: Vec<usize>,
    /// Sentences as char ranges `[start, end)`, in order; every char of the text is in exactly one.
    pub sentences: Vec<(usize, usize)>,
    /// Paragraph index of each sentence.
    pub paragraph_of: Vec<usize>,
}

impl<'a> Text<'a> {
    pub fn new(body: &'a str, simplified: &str) -> Text<'a> {
        let mut sc: Vec<char> = simplified.chars().collect();
        let mut body_bytes: Vec<usize> = body.char_indices().map(|(i, _)| i).collect();
        body_bytes.push(body.len());
        // Defensive: should the two ever differ in length, the rules read only what both have.
        let total = sc.len().min(body_bytes.len() - 1);
        sc.truncate(total);
        body_bytes.truncate(total + 1);
        // Line breaks that a page layout put inside a sentence (…在对重\n\n点场所…) are dropped, so that
        // the rules read the sentence whole; `orig` maps each kept char back to the body.
        let mut chars = Vec::with_capacity(total);
        let mut orig = Vec::with_capacity(total + 1);
        let mut line_len = 0usize;
        let mut i = 0;
        while i < total {
            let c = sc[i];
            if c == '\n' || c == '\r' {
                let mut j = i;
                while j < total && sc[j].is_whitespace() {
                    j += 1;
                }
                let prev = chars.iter().rev().find(|c: &&char| !c.is_whitespace()).copied();
                let next = sc.get(j).copied();
                let soft = line_len >= 15
                    && prev.is_some_and(|p| !SOFT_BREAK_BLOCKERS.contains(&p))
                    && next.is_some_and(|n| is_han(n) || n.is_ascii_digit() || matches!(n, '，' | '、' | '。' | '；'));
                if soft {
                    i = j;
                    continue;
                }
                line_len = 0;
            } else {
                line_len += 1;
            }
            chars.push(c);
            orig.push(i);
            i += 1;
        }
        orig.push(total);
        let n = chars.len();
        let mut sentences = Vec::new();
        let mut paragraph_of = Vec::new();
        let mut start = 0;
        let mut para = 0;
        let mut i = 0;
        while i < n {
            let c = chars[i];
            // No real sentence runs this long; a run-on one (a page without stops, or junk) is cut at its
            // next clause break, so rules that look over a sentence stay linear in the text's length.
            let overlong = i - start >= MAX_SENTENCE_CHARS && matches!(c, '，' | '；' | ',' | ';' | '、' | ' ');
            if SENTENCE_END.contains(&c) || overlong {
                let mut end = i + 1;
                // A closing quote or bracket after the stop belongs to the sentence.
                while end < n && matches!(chars[end], '”' | '’' | '」' | '』' | ')' | '）') {
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
        Text { chars, orig, body, body_bytes, sentences, paragraph_of }
    }

    pub fn len(&self) -> usize {
        self.chars.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
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
        let (os, oe) =
            if end > start { (self.orig[start], self.orig[end - 1] + 1) } else { (self.orig[start], self.orig[start]) };
        let text = self.body[self.body_bytes[os]..self.body_bytes[oe]].to_string();
        Evidence { start: os, end: oe, text }
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

    /// Where the article's last full sentence (one ending in 。！？, quotes and brackets aside) ends:
    /// after it come tags, link lists and page furniture. The text's length when there is none.
    pub fn tail_start(&self) -> usize {
        let chars = &self.chars;
        self.sentences
            .iter()
            .rev()
            .find(|(s, e)| {
                let last = chars[*s..*e]
                    .iter()
                    .rev()
                    .find(|c| !c.is_whitespace() && !matches!(**c, '”' | '」' | '’' | '）' | ')'));
                matches!(last, Some('。' | '！' | '？' | '!' | '?'))
            })
            .map_or(chars.len(), |x| x.1)
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
    let mut rest = chars.get(pos..).unwrap_or(&[]).iter();
    word.chars().all(|c| rest.next() == Some(&c))
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

/// Past the blanks (at most two) at `pos` when what follows them is a char `wanted`; `pos` itself otherwise.
/// Typeset numbers and dates put spaces inside (890 余万元, 7 月 13 日), and the number or date reads on.
pub fn past_blanks(chars: &[char], pos: usize, wanted: impl Fn(char) -> bool) -> usize {
    let mut j = pos;
    while j < chars.len() && j < pos + 2 && chars[j] == ' ' {
        j += 1;
    }
    if j > pos && j < chars.len() && wanted(chars[j]) {
        j
    } else {
        pos
    }
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
    fn layout_breaks_inside_a_sentence_are_read_through() {
        let body = "今年以来，全市公安机关在对重点场所的清查中破获一起赌博\n\n团伙案，抓获6人。\n小标题\n正文开始。";
        let t = Text::new(body, body);
        let s: String = t.chars.iter().collect();
        assert!(s.contains("赌博团伙案"));
        assert!(s.contains("小标题\n正文"));
        let p = s.find("团伙").map(|b| s[..b].chars().count()).unwrap();
        let ev = t.evidence(p, p + 2);
        assert_eq!(ev.text, "团伙");
        assert_eq!(body.chars().skip(ev.start).take(2).collect::<String>(), "团伙");
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
