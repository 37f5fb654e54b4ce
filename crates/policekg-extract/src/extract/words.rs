//! Word tables: a lexicon of words, each with one or more typed tags, read from a tab-separated file
//! (`word<TAB>tag`, one tag a line; a word may stand on several lines with different tags). A tag is
//! parsed into its enum at load, so a misspelled tag is an error with its file and line, not a silent
//! no-match. Rules ask "which tagged word starts here" instead of holding word lists as literals.

use std::collections::{HashMap, HashSet};

use super::lexicon::{rows, LexiconError};

/// A tag type of a word table: parsed from the file's second column.
pub trait Tag: Copy + PartialEq + Sized {
    fn parse(code: &str) -> Option<Self>;
}

/// Words with their tags, for longest-match lookups in a char array.
#[derive(Debug, Clone)]
pub struct WordTable<T> {
    words: HashMap<String, Vec<T>>,
    /// Lengths (in chars) present, longest first.
    lens: Vec<usize>,
    /// First chars of the words (most positions start none).
    first: HashSet<char>,
}

impl<T: Tag> WordTable<T> {
    /// Parses `text`, the content of `file` (named in errors).
    pub fn parse(file: &str, text: &str) -> Result<WordTable<T>, LexiconError> {
        let mut words: HashMap<String, Vec<T>> = HashMap::new();
        for (line, f) in rows(file, text, 2, None)? {
            let tag = T::parse(f[1]).ok_or_else(|| LexiconError {
                file: file.to_string(),
                line,
                reason: format!("unknown tag {:?}", f[1]),
            })?;
            words.entry(f[0].to_string()).or_default().push(tag);
        }
        let mut lens: Vec<usize> = words.keys().map(|k| k.chars().count()).collect();
        lens.sort_unstable_by(|a, b| b.cmp(a));
        lens.dedup();
        let first = words.keys().filter_map(|k| k.chars().next()).collect();
        Ok(WordTable { words, lens, first })
    }

    /// The length of the longest word tagged `tag` that starts at `pos`.
    pub fn at(&self, chars: &[char], pos: usize, tag: T) -> Option<usize> {
        if pos >= chars.len() || !self.first.contains(&chars[pos]) {
            return None;
        }
        // The longest candidate once; each length is a prefix of it.
        let longest = self.lens.first().map_or(0, |&l| l.min(chars.len() - pos));
        let mut s = String::with_capacity(4 * longest);
        let mut ends = Vec::with_capacity(longest + 1);
        ends.push(0);
        for &c in &chars[pos..pos + longest] {
            s.push(c);
            ends.push(s.len());
        }
        self.lens
            .iter()
            .copied()
            .filter(|&len| len <= longest)
            .find(|&len| self.words.get(&s[..ends[len]]).is_some_and(|tags| tags.contains(&tag)))
    }

    /// Whether a word tagged `tag` starts anywhere in `[from, to)`.
    pub fn any_in(&self, chars: &[char], from: usize, to: usize, tag: T) -> bool {
        (from..to.min(chars.len())).any(|p| self.at(chars, p, tag).is_some())
    }

    /// Whether a word tagged `tag` ends exactly at `pos` (the chars before `pos`).
    pub fn ends_at(&self, chars: &[char], pos: usize, tag: T) -> bool {
        let pos = pos.min(chars.len());
        self.lens.iter().any(|&len| {
            len <= pos
                && self.first.contains(&chars[pos - len])
                && self.words.get(&chars[pos - len..pos].iter().collect::<String>()).is_some_and(|t| t.contains(&tag))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Colour {
        Red,
        Blue,
    }

    impl Tag for Colour {
        fn parse(code: &str) -> Option<Colour> {
            match code {
                "red" => Some(Colour::Red),
                "blue" => Some(Colour::Blue),
                _ => None,
            }
        }
    }

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn longest_word_with_the_tag_and_several_tags_per_word() {
        let t: WordTable<Colour> = WordTable::parse("c.tsv", "# h\n红\tred\n红色\tred\n红色\tblue\n").unwrap();
        let c = chars("红色的");
        assert_eq!(t.at(&c, 0, Colour::Red), Some(2));
        assert_eq!(t.at(&c, 0, Colour::Blue), Some(2));
        assert_eq!(t.at(&c, 1, Colour::Red), None);
        assert!(t.any_in(&c, 0, 3, Colour::Blue));
        assert!(!t.any_in(&c, 1, 3, Colour::Red));
        assert!(t.ends_at(&c, 2, Colour::Blue));
        assert!(t.ends_at(&c, 1, Colour::Red));
        assert!(!t.ends_at(&c, 3, Colour::Red));
    }

    #[test]
    fn a_misspelled_tag_fails_at_load_with_its_line() {
        let err = WordTable::<Colour>::parse("c.tsv", "# h\n红\tred\n蓝\tbleu\n").unwrap_err();
        assert_eq!((err.file.as_str(), err.line), ("c.tsv", 3));
        assert!(err.reason.contains("bleu"));
    }
}
