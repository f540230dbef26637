//! Deliveries rendered from templates built once, for a burst's many
//! deliveries of one event: the body encoded once with holes where its
//! identity goes ([`PayloadTemplate`]), and the request head written once
//! with slots for the attempt's stamp and signature ([`HeadTemplate`]).
//!
//! A template renders byte for byte what the full path gives: the body what
//! [`Provider::encode`] gives for the payload with the hole values in place,
//! the head what [`KeepAlive::head`] writes for
//! [`attempt_headers`](crate::delivery::attempt_headers) (a
//! property test holds both to it for every provider and event). Only the
//! values that change per delivery are encoded at send time.

use std::io;
use std::io::Write as _;

use bytes::{BufMut as _, Bytes, BytesMut};
use serde_json::Value;

use crate::delivery::{PreparedDelivery, headers_at};
use crate::encoding::Encoding;
use crate::error::SimulatorError;
use crate::payload::{get_path, set_path};
use crate::providers::{AttemptStamp, Provider};
use crate::transport::keep_alive::{KeepAlive, finish_head};

/// A payload encoded once, with holes at some of its values: rendering
/// writes the encoded bytes around the holes as they are and encodes only
/// the values that go in them.
#[derive(Debug, Clone)]
pub struct PayloadTemplate {
    encoding: Encoding,
    /// The encoded payload with each hole's value cut out.
    bytes: Vec<u8>,
    /// Where each hole stands in `bytes`, in order, and which of the holes
    /// asked for it is.
    cuts: Vec<Cut>,
}

#[derive(Debug, Clone, Copy)]
struct Cut {
    at: usize,
    hole: usize,
}

/// Marks a hole while the payload is encoded: a private-use character no
/// encoding escapes, around the hole's number.
const MARK: char = '\u{F8FF}';

impl PayloadTemplate {
    /// `payload` in `encoding`, with a hole at each of `holes` (dotted
    /// paths; those the payload lacks get none). Fails when the marks that
    /// find the holes cannot be told from the payload's own text.
    pub fn compile(encoding: Encoding, payload: &Value, holes: &[&str]) -> Result<Self, String> {
        let mut marked = payload.clone();
        let mut present = Vec::new();
        for (hole, path) in holes.iter().enumerate() {
            if get_path(&marked, path).is_some() {
                set_path(&mut marked, path, Value::String(mark(hole)))
                    .map_err(|e| format!("hole `{path}`: {e}"))?;
                present.push(hole);
            }
        }
        let encoded = encoding.encode(&marked);
        if present.is_empty() {
            return Ok(Self {
                encoding,
                bytes: encoded,
                cuts: Vec::new(),
            });
        }
        let mark_bytes = MARK.to_string();
        let marks = encoded
            .windows(MARK.len_utf8())
            .filter(|w| *w == mark_bytes.as_bytes())
            .count();
        if marks != 2 * present.len() {
            return Err("the payload holds the character that marks holes".to_owned());
        }
        let mut found: Vec<(usize, usize, usize)> = Vec::new();
        for &hole in &present {
            let quoted = format!("\"{}\"", mark(hole));
            let at = find(&encoded, quoted.as_bytes())
                .ok_or_else(|| format!("hole `{}` was not found encoded", holes[hole]))?;
            found.push((at, quoted.len(), hole));
        }
        found.sort_unstable();
        let mut bytes = Vec::with_capacity(encoded.len());
        let mut cuts = Vec::with_capacity(found.len());
        let mut from = 0;
        for (at, len, hole) in found {
            bytes.extend_from_slice(&encoded[from..at]);
            cuts.push(Cut {
                at: bytes.len(),
                hole,
            });
            from = at + len;
        }
        bytes.extend_from_slice(&encoded[from..]);
        Ok(Self {
            encoding,
            bytes,
            cuts,
        })
    }

    /// Write the payload to `out` with `values[i]` in the `i`th hole. A
    /// value for a hole the payload lacks is not written.
    ///
    /// # Panics
    /// When `values` is shorter than the paths the template was compiled with.
    pub fn render_into<W: io::Write>(&self, values: &[Value], mut out: W) -> io::Result<()> {
        let mut from = 0;
        for cut in &self.cuts {
            out.write_all(&self.bytes[from..cut.at])?;
            self.encoding.encode_into(&values[cut.hole], &mut out)?;
            from = cut.at;
        }
        out.write_all(&self.bytes[from..])
    }

    /// The rendered payload in `buffer`'s spare room, split off as the body
    /// to send: once the body sent before it is dropped, the buffer's memory
    /// is used again and rendering allocates nothing.
    pub fn render(&self, values: &[Value], buffer: &mut BytesMut) -> Bytes {
        buffer.reserve(self.bytes.len() + 64 * self.cuts.len());
        self.render_into(values, buffer.writer())
            .expect("writing into memory cannot fail");
        buffer.split().freeze()
    }
}

fn mark(hole: usize) -> String {
    format!("{MARK}{hole}{MARK}")
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// What a per-attempt header holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stamped {
    /// [`AttemptStamp::unix_ms`] in decimal.
    UnixMs,
    /// [`AttemptStamp::request_id`].
    RequestId,
    /// The body's signature.
    Signature,
}

/// A request head rendered once as bytes, with a slot where each header
/// the attempt fills in goes (its time, its request id, its signature):
/// rendering one writes the bytes around the slots as they are and only
/// the slots' values, into a buffer the caller reuses.
#[derive(Debug, Clone)]
pub struct HeadTemplate {
    /// The head with the slots' values cut out, up to its `content-length`.
    bytes: Vec<u8>,
    /// Where each slot stands in `bytes`, in order.
    slots: Vec<(usize, Stamped)>,
}

impl HeadTemplate {
    /// The head of `provider`'s attempts over `connection`, signed when
    /// `signed` (with a signature header, as
    /// [`attempt_headers`](crate::delivery::attempt_headers) adds one).
    /// Fails for a provider with a header that changes per attempt in a
    /// form no slot writes (a test builds one for every provider).
    pub fn new(
        provider: &dyn Provider,
        connection: &KeepAlive,
        signed: bool,
    ) -> Result<Self, SimulatorError> {
        // Values no real header holds, each marking its slot.
        let mark = |slot: usize| format!("hooksim-slot-{slot}-c0ffee");
        let marker = AttemptStamp {
            unix_ms: 1_000_000_000_001,
            request_id: "00000000-0000-4000-8000-00000000cafe".to_owned(),
        };
        let prepared = PreparedDelivery {
            url: String::new(),
            body: Bytes::new(),
            signature: provider.signature().filter(|_| signed).map(|scheme| {
                crate::signing::Signature {
                    header: scheme.header,
                    value: String::new(),
                    redacted: String::new(),
                }
            }),
        };
        let mut lines = headers_at(provider, &prepared, &marker);
        let own = provider.headers(&marker).len();
        let mut kinds = Vec::new();
        for (position, line) in lines.iter_mut().enumerate() {
            if line.redacted.is_none() {
                continue;
            }
            let stamped = if prepared
                .signature
                .as_ref()
                .is_some_and(|s| s.header == line.name)
                && position >= own
            {
                Stamped::Signature
            } else if line.value == marker.unix_ms.to_string() {
                Stamped::UnixMs
            } else if line.value == marker.request_id {
                Stamped::RequestId
            } else {
                return Err(SimulatorError::Client(format!(
                    "header `{}` changes per attempt, and no template knows how",
                    line.name
                )));
            };
            line.value = mark(kinds.len());
            kinds.push(stamped);
        }
        let marked = connection.head(&lines)?;
        let mut bytes = Vec::with_capacity(marked.len());
        let mut slots = Vec::with_capacity(kinds.len());
        let mut from = 0;
        for (slot, stamped) in kinds.into_iter().enumerate() {
            let mark = mark(slot);
            let at = find(&marked[from..], mark.as_bytes())
                .map(|at| from + at)
                .ok_or_else(|| {
                    SimulatorError::Client(format!("header slot {slot} went missing"))
                })?;
            bytes.extend_from_slice(&marked[from..at]);
            slots.push((bytes.len(), stamped));
            from = at + mark.len();
        }
        bytes.extend_from_slice(&marked[from..]);
        Ok(Self { bytes, slots })
    }

    /// Append to `out` the head of one attempt sent at `unix_ms` with
    /// `request_id`, signed with `signature` (the header's value), for a
    /// body of `body_len` bytes: what [`KeepAlive::head`] and
    /// [`finish_head`] write for [`headers_at`] that attempt.
    pub fn render_into(
        &self,
        unix_ms: u64,
        request_id: uuid::Uuid,
        signature: Option<&[u8]>,
        body_len: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), SimulatorError> {
        let mut from = 0;
        for &(at, stamped) in &self.slots {
            out.extend_from_slice(&self.bytes[from..at]);
            from = at;
            match stamped {
                Stamped::UnixMs => {
                    let _ = write!(out, "{unix_ms}");
                }
                Stamped::RequestId => {
                    let mut text = uuid::Uuid::encode_buffer();
                    out.extend_from_slice(
                        request_id.hyphenated().encode_lower(&mut text).as_bytes(),
                    );
                }
                Stamped::Signature => out.extend_from_slice(signature.ok_or_else(|| {
                    SimulatorError::Client(
                        "a signed head was rendered without a signature".to_owned(),
                    )
                })?),
            }
        }
        out.extend_from_slice(&self.bytes[from..]);
        finish_head(out, body_len);
        Ok(())
    }
}
