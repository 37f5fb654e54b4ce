//! Encoding detection: UTF-8 (with or without BOM), UTF-16 with BOM, GB18030/GBK and Big5.
//!
//! Decoding is strict: a byte sequence that is not valid in any of the accepted encodings is an error
//! (with the offset of the first bad byte), never silently replaced, so a wrongly encoded or truncated
//! file is reported instead of turning into garbage facts.

use encoding_rs::{DecoderResult, Encoding, BIG5, GB18030, UTF_16BE, UTF_16LE};

/// Which encoding a document was decoded from (for tests and messages).
pub fn detect(bytes: &[u8]) -> Result<&'static Encoding, String> {
    decode_with_encoding(bytes).map(|(_, e)| e)
}

/// Decodes a document's bytes to text, or says why it cannot (the caller adds the file name).
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    decode_with_encoding(bytes).map(|(s, _)| s)
}

/// Decodes and returns the encoding used.
pub fn decode_with_encoding(bytes: &[u8]) -> Result<(String, &'static Encoding), String> {
    if bytes.is_empty() {
        return Err("empty file".to_string());
    }
    let (text, enc) = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        match std::str::from_utf8(rest) {
            Ok(s) => (s.to_string(), encoding_rs::UTF_8),
            Err(e) => {
                return Err(format!(
                    "invalid UTF-8 after the UTF-8 byte-order mark (first bad byte at offset {})",
                    e.valid_up_to() + 3
                ))
            }
        }
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        (strict(UTF_16LE, rest).map_err(|off| format!("invalid UTF-16LE (bad data at offset {})", off + 2))?, UTF_16LE)
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        (strict(UTF_16BE, rest).map_err(|off| format!("invalid UTF-16BE (bad data at offset {})", off + 2))?, UTF_16BE)
    } else {
        if let Some(pos) = bytes.iter().position(|&b| b == 0) {
            return Err(format!("binary data, not text (NUL byte at offset {pos})"));
        }
        match std::str::from_utf8(bytes) {
            Ok(s) => (s.to_string(), encoding_rs::UTF_8),
            Err(utf8_err) if mostly_utf8(bytes) => {
                return Err(format!(
                    "invalid UTF-8 (first bad byte at offset {}); the rest of the file is UTF-8, so it is not read as GB18030 or Big5",
                    utf8_err.valid_up_to()
                ));
            }
            Err(utf8_err) => {
                let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
                det.feed(bytes, true);
                let guess = det.guess(None, chardetng::Utf8Detection::Allow);
                let order: [&'static Encoding; 2] = if guess == BIG5 { [BIG5, GB18030] } else { [GB18030, BIG5] };
                let mut first_bad = Vec::new();
                let mut found = None;
                for enc in order {
                    match strict(enc, bytes) {
                        Ok(s) => {
                            found = Some((s, enc));
                            break;
                        }
                        Err(off) => first_bad.push((enc.name(), off)),
                    }
                }
                match found {
                    Some(f) => f,
                    None => {
                        let at = |name: &str| {
                            first_bad.iter().find(|(n, _)| *n == name).map(|(_, o)| o.to_string()).unwrap_or_default()
                        };
                        let truncated = first_bad.iter().any(|(_, o)| *o + 4 >= bytes.len());
                        return Err(format!(
                            "undecodable bytes: not valid UTF-8 (bad byte at offset {}), GB18030/GBK (offset {}) or Big5 (offset {}){}",
                            utf8_err.valid_up_to(),
                            at(GB18030.name()),
                            at(BIG5.name()),
                            if truncated { "; the file seems cut off in the middle of a character" } else { "" }
                        ));
                    }
                }
            }
        }
    };
    check_textual(&text)?;
    Ok((text, enc))
}

/// Whether `bytes` is UTF-8 with a few bad sequences (a damaged or truncated UTF-8 file), rather than text
/// in a legacy encoding: valid multi-byte UTF-8 sequences far outnumber the invalid ones. GBK and Big5 text
/// hardly ever forms runs of valid UTF-8 sequences.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut valid, mut invalid) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        valid += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        if !chunk.invalid().is_empty() {
            invalid += 1;
        }
    }
    valid >= 4 && valid >= invalid * 20
}

/// Decodes `bytes` as `enc` without replacement; on malformed input returns the offset of the problem.
fn strict(enc: &'static Encoding, bytes: &[u8]) -> Result<String, usize> {
    let mut decoder = enc.new_decoder_without_bom_handling();
    let cap = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3))
        .min(bytes.len().saturating_mul(4).saturating_add(16));
    let mut out = String::with_capacity(cap);
    let mut read_total = 0usize;
    loop {
        let src = bytes.get(read_total..).unwrap_or(&[]);
        let (result, read) = decoder.decode_to_string_without_replacement(src, &mut out, true);
        read_total += read;
        match result {
            DecoderResult::InputEmpty => return Ok(out),
            DecoderResult::OutputFull => out.reserve(src.len().max(64) * 3 + 16),
            DecoderResult::Malformed(bad, _) => {
                return Err(read_total.saturating_sub(bad as usize));
            }
        }
    }
}

/// Rejects decoded text that is really binary junk: many control characters.
fn check_textual(text: &str) -> Result<(), String> {
    let mut total = 0usize;
    let mut controls = 0usize;
    for c in text.chars() {
        total += 1;
        let is_ctrl =
            (c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{0B}' | '\u{0C}' | '\u{85}')) || c == '\u{FFFD}';
        if is_ctrl {
            controls += 1;
        }
    }
    if text.contains('\0') {
        return Err("binary data, not text (contains NUL characters)".to_string());
    }
    if controls > 0 && (controls * 50 > total || controls > 256) {
        return Err(format!("binary data, not text ({controls} control characters in {total})"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_encoding() {
        let s = "浙江省杭州市公安局破获刑事案件56起，抓获犯罪嫌疑人73名。";
        assert_eq!(detect(s.as_bytes()).unwrap(), encoding_rs::UTF_8);
        let (gbk, _, _) = GB18030.encode(s);
        assert_eq!(decode(&gbk).unwrap(), s);
        let t = "臺北市政府警察局破獲詐騙集團，逮捕嫌疑人十二名，查扣贓款新臺幣三百萬元。";
        let (big5, _, _) = BIG5.encode(t);
        assert_eq!(decode(&big5).unwrap(), t);
        assert!(decode(b"").is_err());
        assert!(decode(b"abc\0def").is_err());
    }

    #[test]
    fn damaged_utf8_is_not_read_as_gbk() {
        let mut bytes = "杭州市公安局破获刑事案件56起，抓获犯罪嫌疑人73名。".repeat(3).into_bytes();
        bytes.insert(20, 0x93);
        let err = decode(&bytes).unwrap_err();
        assert!(err.contains("invalid UTF-8"), "{err}");
        let s = "公安机关破获案件".as_bytes();
        let err = decode(&s[..s.len() - 1]).unwrap_err();
        assert!(err.contains("UTF-8"), "{err}");
    }

    #[test]
    fn truncated_gbk_is_an_error() {
        let (gbk, _, _) = GB18030.encode("公安机关");
        let cut = &gbk[..gbk.len() - 1];
        let err = decode(cut).unwrap_err();
        assert!(err.contains("undecodable"), "{err}");
    }
}

#[cfg(test)]
mod short_texts {
    use super::*;

    #[test]
    fn short_big5_and_gbk() {
        for t in ["警察局偵破詐騙案。", "廈門市公安局", "長沙警方開展專項行動", "抓獲犯罪嫌疑人92名", "臺灣"]
        {
            let (b, _, _) = BIG5.encode(t);
            assert_eq!(decode(&b).as_deref(), Ok(t), "Big5");
        }
        for t in ["公安局破获案件。", "苏州市公安局", "抓获犯罪嫌疑人64名", "净网", "杭州"] {
            let (b, _, _) = GB18030.encode(t);
            assert_eq!(decode(&b).as_deref(), Ok(t), "GBK");
        }
    }
}
