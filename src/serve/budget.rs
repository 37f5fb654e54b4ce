//! Budgets a query runs under inside a worker: the nesting and size of its text, checked before the
//! recursive parser sees it, and the wall-time deadline (a watchdog thread cancelling Oxigraph tokens).

use oxigraph::sparql::CancellationToken;
use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// The deepest nesting of `(`, `[` and `{` a query may have. Oxigraph's parser, optimiser and evaluator
/// recurse once (or more) per level, so depth is stack; hand-written queries rarely pass 10.
pub const MAX_NESTING: usize = 64;
/// The most operators one query may hold: `UNION`, `MINUS`, `OPTIONAL`, `&&`, `||`, `+`, `-`, `*`, `/`,
/// `|`, `^`. A flat chain of them (`a || b || c ...`) becomes a tree as deep as the chain is long.
pub const MAX_OPERATORS: usize = 1_000;
/// The largest query or update text, in bytes (the body limit of the front is the same).
pub const MAX_QUERY_BYTES: usize = 1 << 20;

/// Why a query is refused before it is parsed. The message names the limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BudgetError {
    #[error("the query nests brackets more than {max} deep (at byte {at}): this endpoint's nesting limit is {max}", max = MAX_NESTING)]
    TooDeep { at: usize },
    #[error("the query has more than {max} operators (UNION, MINUS, OPTIONAL, &&, ||, arithmetic, path operators; one too many at byte {at}): this endpoint's limit is {max}; a long list of alternatives reads better as VALUES or IN (...)", max = MAX_OPERATORS)]
    TooManyOperators { at: usize },
    #[error("the query is {len} bytes long: this endpoint's limit is {max} bytes", max = MAX_QUERY_BYTES)]
    TooLong { len: usize },
}

/// Measures a query (or update) against the budget without parsing it: brackets and operators are
/// counted outside strings, IRIs and comments, in one pass that uses no stack.
pub fn check(sparql: &str) -> Result<(), BudgetError> {
    if sparql.len() > MAX_QUERY_BYTES {
        return Err(BudgetError::TooLong { len: sparql.len() });
    }
    let bytes = sparql.as_bytes();
    let (mut depth, mut operators, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        let b = bytes[i];
        // How many operators this token is.
        let mut operator = 0;
        match b {
            b'#' => i = skip_until(bytes, i, b'\n'),
            b'"' | b'\'' => i = skip_string(bytes, i),
            // An IRI is skipped; the operators `<` and `<=` are not chainable.
            b'<' => i = iri_end(bytes, i).unwrap_or(i),
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(BudgetError::TooDeep { at: i });
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'&' | b'|' => {
                operator = 1;
                if bytes.get(i + 1) == Some(&b) {
                    i += 1;
                }
            }
            b'+' | b'-' | b'*' | b'/' | b'^' => operator = 1,
            b if is_word_byte(b) || b == b'?' || b == b'$' => {
                let end = skip_word(bytes, i + 1);
                let word = &sparql[i..end];
                // `?x-1-1-1`: a hyphen in a word may be a subtraction, so each one counts.
                operator = word.bytes().filter(|&c| c == b'-').count()
                    + usize::from(["UNION", "MINUS", "OPTIONAL"].iter().any(|k| word.eq_ignore_ascii_case(k)));
                i = end - 1;
            }
            _ => {}
        }
        if operator > 0 {
            operators += operator;
            if operators > MAX_OPERATORS {
                return Err(BudgetError::TooManyOperators { at: i });
            }
        }
        i += 1;
    }
    Ok(())
}

/// Letters, digits and what prefixed names, numbers and language tags hold. Bytes of non-ASCII
/// characters belong to words.
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'.' | b'-' | b'%' | b'@') || b >= 0x80
}

fn skip_word(bytes: &[u8], start: usize) -> usize {
    let mut end = start;
    while end < bytes.len() && is_word_byte(bytes[end]) {
        end += 1;
    }
    end
}

/// The index of the next `stop` byte (or the end), so that the caller's `i += 1` steps past it.
fn skip_until(bytes: &[u8], start: usize, stop: u8) -> usize {
    bytes[start..].iter().position(|&b| b == stop).map_or(bytes.len(), |p| start + p)
}

/// A string literal, `'...'`, `"..."`, `\'\'\'...\'\'\'` or `"""..."""`, with backslash escapes; returns the
/// index of its closing quote (or the end).
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let long = bytes.get(start + 1) == Some(&quote) && bytes.get(start + 2) == Some(&quote);
    let mut i = start + if long { 3 } else { 1 };
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b if b == quote && !long => return i,
            b if b == quote && bytes.get(i + 1) == Some(&quote) && bytes.get(i + 2) == Some(&quote) => return i + 2,
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// Where `<` starts an IRI (`<...>` without spaces or the characters IRIs may not hold), the index of
/// its `>`; `None` for the operators `<` and `<=`.
fn iri_end(bytes: &[u8], start: usize) -> Option<usize> {
    for (offset, &b) in bytes[start + 1..].iter().enumerate() {
        match b {
            b'>' => return Some(start + 1 + offset),
            b'<' | b'"' | b'{' | b'}' | b'|' | b'^' | b'`' | b'\\' => return None,
            b if b <= b' ' => return None,
            _ => {}
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------------
// Timeouts: one watchdog thread cancels the queries that outlive their deadline.

pub(super) struct Watchdog {
    shared: Arc<(Mutex<WatchState>, Condvar)>,
}

#[derive(Default)]
struct WatchState {
    next_id: u64,
    running: BTreeMap<u64, (Instant, CancellationToken)>,
    stop: bool,
}

/// A running query's registration; dropping it (the query finished) unregisters it.
pub(super) struct Watch<'a> {
    id: u64,
    pub(super) token: CancellationToken,
    watchdog: &'a Watchdog,
}

impl Watchdog {
    pub(super) fn start() -> Self {
        let shared = Arc::new((Mutex::new(WatchState::default()), Condvar::new()));
        let s = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("policekg-watchdog".into())
            .spawn(move || {
                let (lock, cvar) = &*s;
                let mut st = lock.lock().unwrap_or_else(|e| e.into_inner());
                loop {
                    if st.stop {
                        return;
                    }
                    let now = Instant::now();
                    st.running.retain(|_, (deadline, token)| {
                        if *deadline <= now {
                            token.cancel();
                            false
                        } else {
                            true
                        }
                    });
                    let wait = st.running.values().map(|(d, _)| *d - now).min().unwrap_or(Duration::from_secs(3600));
                    st = cvar.wait_timeout(st, wait).unwrap_or_else(|e| e.into_inner()).0;
                }
            })
            .expect("the watchdog thread starts");
        Self { shared }
    }

    pub(super) fn watch(&self, timeout: Duration) -> Watch<'_> {
        let token = CancellationToken::new();
        let (lock, cvar) = &*self.shared;
        let mut st = lock.lock().unwrap_or_else(|e| e.into_inner());
        let deadline = Instant::now() + timeout;
        // The watchdog sleeps until the earliest deadline: wake it only if this one comes sooner.
        let sooner = st.running.values().all(|(d, _)| deadline < *d);
        st.next_id += 1;
        let id = st.next_id;
        st.running.insert(id, (deadline, token.clone()));
        drop(st);
        if sooner {
            cvar.notify_one();
        }
        Watch { id, token, watchdog: self }
    }
}

impl Drop for Watch<'_> {
    fn drop(&mut self) {
        let (lock, _) = &*self.watchdog.shared;
        lock.lock().unwrap_or_else(|e| e.into_inner()).running.remove(&self.id);
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        let (lock, cvar) = &*self.shared;
        lock.lock().unwrap_or_else(|e| e.into_inner()).stop = true;
        cvar.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_queries_pass() {
        for q in crate::query::named_queries() {
            assert_eq!(check(q.text), Ok(()), "{}", q.name);
        }
        let q = "SELECT ?x WHERE { ?x <http://e.org/a?b=(((> \"((((}\" . FILTER(?x < 3 && ?y <= 2) } # ((((";
        assert_eq!(check(q), Ok(()));
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let parens = format!("SELECT ({}1{} AS ?x) {{}}", "(".repeat(70), ")".repeat(70));
        assert!(matches!(check(&parens), Err(BudgetError::TooDeep { .. })));
        let braces = format!("SELECT * {}{}", "{".repeat(65), "}".repeat(65));
        assert!(matches!(check(&braces), Err(BudgetError::TooDeep { .. })));
        let calls = format!("SELECT ({}1{} AS ?x) {{}}", "STR(".repeat(500), ")".repeat(500));
        let e = check(&calls).unwrap_err();
        assert!(e.to_string().contains("nesting limit is 64"), "{e}");
        // Brackets inside strings, IRIs and comments are not nesting.
        let quoted = format!("SELECT * {{ ?s ?p \"{}\" }} # {}", "(".repeat(100), "{".repeat(100));
        assert_eq!(check(&quoted), Ok(()));
        let long = format!("SELECT * {{ ?s ?p \"\"\"{}\"\"\" }}", "[\"".repeat(100));
        assert_eq!(check(&long), Ok(()));
    }

    #[test]
    fn long_operator_chains_are_refused() {
        let unions = format!("SELECT * {{ {} }}", vec!["{ ?s ?p ?o }"; 1_002].join(" UNION "));
        assert!(matches!(check(&unions), Err(BudgetError::TooManyOperators { .. })));
        let ands = format!("ASK {{ FILTER({}) }}", vec!["true"; 5_000].join(" && "));
        assert!(check(&ands).unwrap_err().to_string().contains("VALUES"));
        let sums = format!("SELECT ({} AS ?n) {{}}", vec!["1"; 1_500].join("+"));
        assert!(check(&sums).is_err());
        let minus = format!("SELECT (?x{} AS ?n) {{}}", "-1".repeat(1_001));
        assert!(check(&minus).is_err());
        // Dates in strings are not operators.
        let dates = format!("SELECT * {{ {} }}", "?a pk:date \"2023-01-01\" . ".repeat(600));
        assert_eq!(check(&dates), Ok(()));
        assert_eq!(check(&"x".repeat(MAX_QUERY_BYTES + 1)), Err(BudgetError::TooLong { len: MAX_QUERY_BYTES + 1 }));
    }
}
