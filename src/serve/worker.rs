//! A query worker: a child process of `policekg serve` that holds the store open and answers the
//! requests the front sends it, one at a time, over its standard input and output.
//!
//! The frames are plain: a little-endian `u32` length, then that many bytes; inside, every field is
//! a `u32` length and its bytes. A request is method, URL, header count, name/value pairs, body; a
//! response is status, header count, pairs, body.

use super::{handle, Request, Response, Server};
use std::io::{self, Read, Write};

/// The stack of the thread that parses and evaluates. Oxigraph's parser and evaluator recurse once or
/// more per level of nesting; with [`super::budget::MAX_NESTING`] and [`super::budget::MAX_OPERATORS`]
/// the deepest query allowed uses a small part of it (see docs/endpoint-hardening.md). Only the pages
/// touched are ever backed by memory.
pub const WORKER_STACK_BYTES: usize = 256 << 20;
/// What a worker writes once its store is open, so that the front knows it can take requests.
pub const READY: &[u8; 6] = b"ready\n";
/// The largest request frame a worker reads (the front never sends more than its body limit).
const MAX_REQUEST_FRAME: usize = 64 << 20;

/// Answers frames from standard input until it closes. Runs on a thread with [`WORKER_STACK_BYTES`].
pub fn serve(server: Server) -> io::Result<()> {
    let thread = std::thread::Builder::new().name("policekg-query".into()).stack_size(WORKER_STACK_BYTES).spawn(
        move || -> io::Result<()> {
            let mut input = io::stdin().lock();
            let mut output = io::stdout().lock();
            output.write_all(READY)?;
            output.flush()?;
            while let Some(frame) = read_frame(&mut input, MAX_REQUEST_FRAME)? {
                let response = handle(&server, &decode_request(&frame)?);
                write_frame(&mut output, &encode_response(&response))?;
                output.flush()?;
            }
            Ok(())
        },
    )?;
    thread.join().unwrap_or_else(|_| Err(io::Error::other("the query thread panicked")))
}

/// One frame, or `None` at the end of the stream.
pub fn read_frame(r: &mut impl Read, max: usize) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u32::from_le_bytes(len) as usize;
    if len > max {
        return Err(io::Error::new(io::ErrorKind::InvalidData, format!("a frame of {len} bytes (limit {max})")));
    }
    let mut frame = vec![0; len];
    r.read_exact(&mut frame)?;
    Ok(Some(frame))
}

pub fn write_frame(w: &mut impl Write, frame: &[u8]) -> io::Result<()> {
    w.write_all(&frame_len(frame)?)?;
    w.write_all(frame)
}

/// The length prefix of a frame.
pub fn frame_len(frame: &[u8]) -> io::Result<[u8; 4]> {
    u32::try_from(frame.len())
        .map(u32::to_le_bytes)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "a frame of 4 GiB or more"))
}

fn put(out: &mut Vec<u8>, field: &[u8]) {
    // Fields are bounded by the frame, itself checked by `frame_len`.
    out.extend_from_slice(&(field.len() as u32).to_le_bytes());
    out.extend_from_slice(field);
}

fn put_headers(out: &mut Vec<u8>, headers: &[(String, String)]) {
    out.extend_from_slice(&(headers.len() as u32).to_le_bytes());
    for (name, value) in headers {
        put(out, name.as_bytes());
        put(out, value.as_bytes());
    }
}

/// Reads fields back from a frame.
struct Fields<'a>(&'a [u8]);

impl<'a> Fields<'a> {
    fn u32(&mut self) -> io::Result<u32> {
        let (head, rest) = self.0.split_at_checked(4).ok_or_else(truncated)?;
        self.0 = rest;
        Ok(u32::from_le_bytes(head.try_into().expect("four bytes")))
    }

    fn bytes(&mut self) -> io::Result<&'a [u8]> {
        let len = self.u32()? as usize;
        let (head, rest) = self.0.split_at_checked(len).ok_or_else(truncated)?;
        self.0 = rest;
        Ok(head)
    }

    fn string(&mut self) -> io::Result<String> {
        Ok(String::from_utf8_lossy(self.bytes()?).into_owned())
    }

    fn headers(&mut self) -> io::Result<Vec<(String, String)>> {
        let n = self.u32()?;
        (0..n).map(|_| Ok((self.string()?, self.string()?))).collect()
    }
}

fn truncated() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "a truncated frame")
}

pub fn encode_request(req: &Request) -> Vec<u8> {
    let mut out = Vec::with_capacity(req.body.len() + req.url.len() + 256);
    put(&mut out, req.method.as_bytes());
    put(&mut out, req.url.as_bytes());
    put_headers(&mut out, &req.headers);
    put(&mut out, &req.body);
    out
}

pub fn decode_request(frame: &[u8]) -> io::Result<Request> {
    let mut f = Fields(frame);
    Ok(Request { method: f.string()?, url: f.string()?, headers: f.headers()?, body: f.bytes()?.to_vec() })
}

pub fn encode_response(r: &Response) -> Vec<u8> {
    let mut out = Vec::with_capacity(r.body.len() + 256);
    out.extend_from_slice(&u32::from(r.status).to_le_bytes());
    put_headers(&mut out, &r.headers);
    put(&mut out, &r.body);
    out
}

pub fn decode_response(frame: &[u8]) -> io::Result<Response> {
    let mut f = Fields(frame);
    let status = u16::try_from(f.u32()?).map_err(|_| truncated())?;
    Ok(Response { status, headers: f.headers()?, body: f.bytes()?.to_vec() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let req = Request::post("/sparql?x=1", "application/sparql-query", "ASK { ?s ?p \"荆门\" }")
            .with_header("Accept", "text/csv");
        let mut wire = Vec::new();
        write_frame(&mut wire, &encode_request(&req)).unwrap();
        let frame = read_frame(&mut wire.as_slice(), 1 << 20).unwrap().unwrap();
        let back = decode_request(&frame).unwrap();
        assert_eq!((back.method, back.url, back.headers, back.body), (req.method, req.url, req.headers, req.body));
        let resp = Response::new(404, "text/plain", "没有").with_header("Vary", "Accept");
        let back = decode_response(&encode_response(&resp)).unwrap();
        assert_eq!((back.status, back.headers, back.body), (resp.status, resp.headers, resp.body));
        assert!(read_frame(&mut [].as_slice(), 10).unwrap().is_none(), "end of stream");
        assert!(read_frame(&mut [200u8, 0, 0, 0].as_slice(), 10).is_err(), "over the limit");
        assert!(decode_response(&[1, 0]).is_err(), "truncated");
    }
}
