//! Hidden metadata taken out of photos as they are uploaded.
//!
//! A phone writes into each photo where and when it was taken (EXIF, with a GPS
//! position), and editing programs add more (XMP, IPTC, comments). A photo of a child
//! taken at home then tells anyone who may download it where that child lives. Previews
//! are re-encoded and never had it; this takes it out of the original too, before a byte
//! is stored, so no copy of it exists on the school's side.
//!
//! It works on the stream, chunk by chunk (an upload is never held whole), and chunk
//! boundaries make no difference to what it writes. The picture itself is untouched: the
//! image data, colour profile and JPEG's JFIF and Adobe segments pass through byte for
//! byte. What is removed, by format:
//!
//! - **JPEG**: APP1 (EXIF, XMP), APP13 (IPTC), comments, every other application
//!   segment but JFIF (APP0), ICC colour profiles (APP2) and Adobe (APP14), and anything
//!   after the end-of-image marker (the extra pictures of a multi-picture file, each with
//!   its own EXIF). The EXIF orientation alone is written back in a new, minimal EXIF,
//!   so a photo taken on its side still shows upright. Bytes between segments that are
//!   not a marker are dropped, as JPEG decoders skip them.
//! - **PNG**: text chunks (`tEXt`, `zTXt`, `iTXt`, where XMP is kept) and `eXIf`, and
//!   anything after `IEND`.
//! - **WebP**: the `EXIF` and `XMP ` chunks become `JUNK` chunks of zeros of the same
//!   size (the file's length is written at its start, before those chunks arrive, so
//!   they cannot be cut out of a stream), their flags in `VP8X` are cleared, and anything
//!   past the file's stated length is dropped.
//!
//! - **MP4, QuickTime (MOV) and M4A**: every user-data box (`udta`: the `©xyz` position
//!   Android cameras write, `loci`, dates, the camera's make) and metadata box (`meta`:
//!   iPhones' `com.apple.quicktime.location.ISO6709` and the rest), in the movie, in its
//!   tracks or at the top, and XMP `uuid` boxes, become `free` boxes of zeros of the same
//!   size. Players skip `free` boxes, and nothing moves, so the offsets the movie's
//!   sample tables give into its media data stay right without rewriting them.
//!
//! GIF is stored as sent: it has no standard place for a position. WebM, Ogg, MP3 and WAV
//! recordings are stored as sent too: their tags hold titles and names, not places.

use crate::kind::Format;

/// Takes metadata out of one upload; feed it every chunk in order, then `finish`.
#[derive(Debug)]
pub(crate) struct Scrub {
    /// Bytes of a header or segment being gathered (at most one JPEG segment, 64 KiB).
    buf: Vec<u8>,
    state: State,
    /// A JPEG's orientation is written back once, so the file cannot grow by more than
    /// one small EXIF block however many a crafted file holds.
    oriented: bool,
    /// ISO media: where the box being read starts, or how far into it the file has been
    /// read past its header, and where each box being read inside ends, outermost first.
    pos: u64,
    open: Vec<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Bytes pass unchanged: a file whose structure is not what its format says, which
    /// no decoder will show either.
    Pass,
    /// Everything from here on is dropped.
    Done,
    Jpeg(Jpeg),
    Png(Png),
    Webp(Webp),
    Iso(Iso),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Jpeg {
    /// Gathering the two bytes of the start-of-image marker.
    Start,
    /// Looking for the `FF` that starts the next marker.
    Marker,
    /// After an `FF`: the marker's code is next.
    Code,
    /// Gathering a segment's two length bytes.
    Length(u8),
    /// Gathering a segment's body of `len` bytes.
    Body { code: u8, len: usize },
    /// Entropy-coded image data after a start-of-scan, `ff` when its last byte was `FF`.
    Scan { ff: bool },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Png {
    Signature,
    /// Gathering a chunk's length and type.
    Header,
    /// Passing (or dropping) the rest of a chunk, its CRC included; `Done` after `IEND`.
    Data {
        left: u64,
        keep: bool,
        last: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Webp {
    /// Gathering `RIFF`, the length and `WEBP`.
    Riff,
    /// Gathering a chunk's type and size; `left` bytes of the file are still to come.
    Header { left: u64 },
    /// Gathering the `VP8X` chunk's flags and canvas size.
    Extended { left: u64, len: usize },
    /// Passing the rest of a chunk, or writing zeros for it when `blank`.
    Data { left: u64, len: u64, blank: bool },
}

/// ISO base media files (MP4, MOV, M4A): boxes within boxes, each with its size first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Iso {
    /// Gathering a box's header: 8 bytes, or 16 when its size needs 64 bits.
    Header,
    /// Gathering a `uuid` box's header and kind; `size` in all, `header` of it before the
    /// kind.
    Uuid { size: u64, header: usize },
    /// Passing the rest of a box, or writing zeros for it when `blank`.
    Data { left: u64, blank: bool },
}

/// The kind of a `uuid` box that holds XMP.
const XMP_UUID: [u8; 16] = [
    0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9, 0x42, 0xE8, 0x9C, 0x71, 0x99, 0x94, 0x91, 0xE3, 0xAF, 0xAC,
];

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const APP0: u8 = 0xE0;
const APP1: u8 = 0xE1;
const APP2: u8 = 0xE2;
const APP14: u8 = 0xEE;
const COM: u8 = 0xFE;
/// The EXIF tag of the orientation.
const ORIENTATION: u16 = 0x0112;

impl Scrub {
    /// A scrubber for `format`, or `None` for formats stored as sent.
    pub(crate) fn for_format(format: Format) -> Option<Scrub> {
        let state = match format {
            Format::Jpeg => State::Jpeg(Jpeg::Start),
            Format::Png => State::Png(Png::Signature),
            Format::Webp => State::Webp(Webp::Riff),
            Format::Mp4 | Format::QuickTime | Format::M4a => State::Iso(Iso::Header),
            _ => return None,
        };
        Some(Scrub {
            buf: Vec::new(),
            state,
            oriented: false,
            pos: 0,
            open: Vec::new(),
        })
    }

    /// Appends to `out` what is kept of `input`, the next bytes of the file.
    pub(crate) fn feed(&mut self, mut input: &[u8], out: &mut Vec<u8>) {
        while !input.is_empty() {
            let used = match self.state {
                State::Pass => {
                    out.extend_from_slice(input);
                    input.len()
                }
                State::Done => input.len(),
                State::Jpeg(s) => self.jpeg(s, input, out),
                State::Png(s) => self.png(s, input, out),
                State::Webp(s) => self.webp(s, input, out),
                State::Iso(s) => self.iso(s, input, out),
            };
            input = input.get(used..).unwrap_or(&[]);
        }
    }

    /// Appends what is left to write at the end of the file: a cut-off header or segment
    /// that is not metadata, as it came.
    pub(crate) fn finish(mut self, out: &mut Vec<u8>) {
        match self.state {
            State::Jpeg(Jpeg::Start) => out.append(&mut self.buf),
            State::Jpeg(Jpeg::Scan { ff: true }) => out.push(0xFF),
            State::Jpeg(Jpeg::Length(code)) if kept_as_is(code) => {
                out.extend_from_slice(&[0xFF, code]);
                out.append(&mut self.buf);
            }
            State::Jpeg(Jpeg::Body { code, .. }) if kept_as_is(code) => {
                out.extend_from_slice(&[0xFF, code]);
                out.extend_from_slice(&segment_len(self.buf.len()));
                out.append(&mut self.buf);
            }
            State::Png(Png::Signature | Png::Header)
            | State::Webp(Webp::Riff | Webp::Header { .. } | Webp::Extended { .. })
            | State::Iso(Iso::Header | Iso::Uuid { .. }) => out.append(&mut self.buf),
            _ => {}
        }
    }

    /// Moves bytes from `input` into `buf` until it holds `want`; how many it took.
    fn gather(&mut self, input: &[u8], want: usize) -> usize {
        let n = want.saturating_sub(self.buf.len()).min(input.len());
        self.buf.extend_from_slice(input.get(..n).unwrap_or(input));
        n
    }

    // ----- JPEG -----

    fn jpeg(&mut self, s: Jpeg, input: &[u8], out: &mut Vec<u8>) -> usize {
        match s {
            Jpeg::Start => {
                let used = self.gather(input, 2);
                if self.buf.len() == 2 {
                    out.append(&mut self.buf);
                    self.state = if out.ends_with(&[0xFF, SOI]) {
                        State::Jpeg(Jpeg::Marker)
                    } else {
                        State::Pass
                    };
                }
                used
            }
            Jpeg::Marker => match input.iter().position(|&b| b == 0xFF) {
                Some(i) => {
                    self.state = State::Jpeg(Jpeg::Code);
                    i + 1
                }
                None => input.len(),
            },
            Jpeg::Code => {
                let code = input.first().copied().unwrap_or(0);
                self.on_marker(code, out);
                1
            }
            Jpeg::Length(code) => {
                let used = self.gather(input, 2);
                if let [hi, lo] = *self.buf.as_slice() {
                    let len = usize::from(u16::from_be_bytes([hi, lo]));
                    self.buf.clear();
                    self.state = if len < 2 {
                        // Not a segment after all: look for the next marker.
                        State::Jpeg(Jpeg::Marker)
                    } else {
                        State::Jpeg(Jpeg::Body { code, len: len - 2 })
                    };
                    if len == 2 {
                        self.end_segment(code, out);
                    }
                }
                used
            }
            Jpeg::Body { code, len } => {
                let used = self.gather(input, len);
                if self.buf.len() == len {
                    self.end_segment(code, out);
                }
                used
            }
            Jpeg::Scan { ff: true } => {
                let code = input.first().copied().unwrap_or(0);
                match code {
                    // Stuffed data byte and restart markers belong to the scan.
                    0x00 | 0xD0..=0xD7 => {
                        out.extend_from_slice(&[0xFF, code]);
                        self.state = State::Jpeg(Jpeg::Scan { ff: false });
                    }
                    // Fill bytes before a marker.
                    0xFF => {}
                    _ => self.on_marker(code, out),
                }
                1
            }
            Jpeg::Scan { ff: false } => match input.iter().position(|&b| b == 0xFF) {
                Some(i) => {
                    out.extend_from_slice(input.get(..i).unwrap_or(&[]));
                    self.state = State::Jpeg(Jpeg::Scan { ff: true });
                    i + 1
                }
                None => {
                    out.extend_from_slice(input);
                    input.len()
                }
            },
        }
    }

    /// After `FF`, the marker `code`: a marker alone, a segment, or the end.
    fn on_marker(&mut self, code: u8, out: &mut Vec<u8>) {
        self.state = match code {
            0xFF => State::Jpeg(Jpeg::Code),
            // `FF 00` outside a scan is not a marker: skipped, as decoders skip it.
            0x00 => State::Jpeg(Jpeg::Marker),
            EOI => {
                out.extend_from_slice(&[0xFF, EOI]);
                State::Done
            }
            // Markers without a length: restarts, TEM and a stray start of image.
            0x01 | 0xD0..=SOI => {
                out.extend_from_slice(&[0xFF, code]);
                State::Jpeg(Jpeg::Marker)
            }
            _ => {
                self.buf.clear();
                State::Jpeg(Jpeg::Length(code))
            }
        };
    }

    /// A whole segment's body is in `buf`: write it, or what is kept of it.
    fn end_segment(&mut self, code: u8, out: &mut Vec<u8>) {
        if kept_as_is(code) || (code == APP2 && self.buf.starts_with(b"ICC_PROFILE\0")) {
            out.extend_from_slice(&[0xFF, code]);
            out.extend_from_slice(&segment_len(self.buf.len()));
            out.extend_from_slice(&self.buf);
        } else if code == APP1 && !self.oriented {
            if let Some(o) = self.buf.strip_prefix(b"Exif\0\0").and_then(orientation) {
                out.extend_from_slice(&orientation_only_exif(o));
                self.oriented = true;
            }
        }
        self.buf.clear();
        self.state = State::Jpeg(if code == SOS {
            Jpeg::Scan { ff: false }
        } else {
            Jpeg::Marker
        });
    }

    // ----- PNG -----

    fn png(&mut self, s: Png, input: &[u8], out: &mut Vec<u8>) -> usize {
        match s {
            Png::Signature => {
                let used = self.gather(input, 8);
                if self.buf.len() == 8 {
                    let ok = self.buf.starts_with(b"\x89PNG\r\n\x1a\n");
                    out.append(&mut self.buf);
                    self.state = if ok {
                        State::Png(Png::Header)
                    } else {
                        State::Pass
                    };
                }
                used
            }
            Png::Header => {
                let used = self.gather(input, 8);
                if let [a, b, c, d, t0, t1, t2, t3] = *self.buf.as_slice() {
                    let len = u32::from_be_bytes([a, b, c, d]);
                    let kind = [t0, t1, t2, t3];
                    if len > 0x7FFF_FFFF {
                        // Not a PNG length: the file is damaged from here.
                        out.append(&mut self.buf);
                        self.state = State::Pass;
                        return used;
                    }
                    let keep = !matches!(&kind, b"tEXt" | b"zTXt" | b"iTXt" | b"eXIf");
                    if keep {
                        out.append(&mut self.buf);
                    }
                    self.buf.clear();
                    self.state = State::Png(Png::Data {
                        left: u64::from(len) + 4,
                        keep,
                        last: &kind == b"IEND",
                    });
                }
                used
            }
            Png::Data { left, keep, last } => {
                let n = take(left, input.len());
                if keep {
                    out.extend_from_slice(input.get(..n).unwrap_or(input));
                }
                let left = left - n as u64;
                self.state = match (left, last) {
                    (0, true) => State::Done,
                    (0, false) => State::Png(Png::Header),
                    _ => State::Png(Png::Data { left, keep, last }),
                };
                n
            }
        }
    }

    // ----- WebP -----

    fn webp(&mut self, s: Webp, input: &[u8], out: &mut Vec<u8>) -> usize {
        match s {
            Webp::Riff => {
                let used = self.gather(input, 12);
                if let [b'R', b'I', b'F', b'F', a, b, c, d, b'W', b'E', b'B', b'P'] =
                    *self.buf.as_slice()
                {
                    let left = u64::from(u32::from_be_bytes([d, c, b, a])).saturating_sub(4);
                    out.append(&mut self.buf);
                    self.state = State::Webp(Webp::Header { left });
                } else if self.buf.len() == 12 {
                    out.append(&mut self.buf);
                    self.state = State::Pass;
                }
                used
            }
            Webp::Header { left } => {
                let used = self.gather(input, 8);
                if let [t0, t1, t2, t3, a, b, c, d] = *self.buf.as_slice() {
                    let kind = [t0, t1, t2, t3];
                    let size = u64::from(u32::from_be_bytes([d, c, b, a]));
                    // Chunks are padded to an even length.
                    let len = size + (size & 1);
                    let left = left.saturating_sub(8);
                    let blank = matches!(&kind, b"EXIF" | b"XMP ");
                    if let (true, Some(head)) = (blank, self.buf.get_mut(..4)) {
                        head.copy_from_slice(b"JUNK");
                    }
                    out.append(&mut self.buf);
                    self.state = State::Webp(if &kind == b"VP8X" && len >= 1 {
                        Webp::Extended {
                            left,
                            len: usize::try_from(len).unwrap_or(usize::MAX),
                        }
                    } else {
                        Webp::Data { left, len, blank }
                    });
                    self.after_webp_chunk();
                }
                used
            }
            Webp::Extended { left, len } => {
                let used = self.gather(input, len.min(10));
                if self.buf.len() == len.min(10) {
                    // Flags: bit 3 says EXIF is present, bit 2 XMP.
                    if let Some(flags) = self.buf.first_mut() {
                        *flags &= !0b0000_1100;
                    }
                    let n = self.buf.len() as u64;
                    out.append(&mut self.buf);
                    self.state = State::Webp(Webp::Data {
                        left: left.saturating_sub(n),
                        len: len as u64 - n,
                        blank: false,
                    });
                    self.after_webp_chunk();
                }
                used
            }
            Webp::Data { left, len, blank } => {
                let n = take(len.min(left), input.len());
                if blank {
                    out.resize(out.len() + n, 0);
                } else {
                    out.extend_from_slice(input.get(..n).unwrap_or(input));
                }
                self.state = State::Webp(Webp::Data {
                    left: left - n as u64,
                    len: len - n as u64,
                    blank,
                });
                self.after_webp_chunk();
                n
            }
        }
    }

    /// After part of a WebP chunk: on to the next chunk, or done at the file's end.
    fn after_webp_chunk(&mut self) {
        if let State::Webp(Webp::Data { left, len, .. }) = self.state {
            if left == 0 {
                self.state = State::Done;
            } else if len == 0 {
                self.state = State::Webp(Webp::Header { left });
            }
        }
    }

    // ----- ISO media (MP4, MOV, M4A) -----

    fn iso(&mut self, s: Iso, input: &[u8], out: &mut Vec<u8>) -> usize {
        match s {
            Iso::Header => {
                let used = self.gather(input, iso_header_len(&self.buf));
                if self.buf.len() == iso_header_len(&self.buf) {
                    self.on_box(out);
                }
                used
            }
            Iso::Uuid { size, header } => {
                let used = self.gather(input, header + 16);
                if self.buf.len() == header + 16 {
                    let xmp = self.buf.get(header..) == Some(&XMP_UUID[..]);
                    if xmp {
                        rename_box(&mut self.buf);
                        self.buf.truncate(header);
                        self.buf.resize(header + 16, 0);
                    }
                    self.pos += self.buf.len() as u64;
                    out.append(&mut self.buf);
                    self.iso_data(size.saturating_sub(header as u64 + 16), xmp);
                }
                used
            }
            Iso::Data { left, blank } => {
                let n = take(left, input.len());
                if blank {
                    out.resize(out.len() + n, 0);
                } else {
                    out.extend_from_slice(input.get(..n).unwrap_or(input));
                }
                self.pos += n as u64;
                self.iso_data(left - n as u64, blank);
                n
            }
        }
    }

    /// `left` bytes of a box still to pass (or blank); at none, on to the next header,
    /// out of the boxes that end here.
    fn iso_data(&mut self, left: u64, blank: bool) {
        if left > 0 {
            self.state = State::Iso(Iso::Data { left, blank });
            return;
        }
        self.state = State::Iso(Iso::Header);
        while self.open.last().is_some_and(|&end| end <= self.pos) {
            self.open.pop();
        }
    }

    /// A whole box header is in `buf`: go into the box, blank it, or pass it.
    fn on_box(&mut self, out: &mut Vec<u8>) {
        let header = self.buf.len();
        let start = self.pos;
        let enclosing_end = self.open.last().copied();
        let (size32, kind, size64) = match *self.buf.as_slice() {
            [a, b, c, d, t0, t1, t2, t3, ref rest @ ..] => (
                u32::from_be_bytes([a, b, c, d]),
                [t0, t1, t2, t3],
                <[u8; 8]>::try_from(rest).ok().map(u64::from_be_bytes),
            ),
            _ => return,
        };
        let size = match (size32, size64) {
            (1, Some(large)) => Some(large),
            // Size 0: to the end of the box it is in, or of the file.
            (0, _) => enclosing_end.map(|end| end.saturating_sub(start)),
            (n, _) => Some(u64::from(n)),
        };
        let fits = size.is_none_or(|size| {
            size >= header as u64
                && enclosing_end.is_none_or(|end| start.saturating_add(size) <= end)
        });
        if !fits {
            // Not the box structure the format promises: no player reads further either.
            out.append(&mut self.buf);
            self.state = State::Pass;
            return;
        }
        let left = size.map_or(u64::MAX, |size| size - header as u64);
        match (&kind, size) {
            (b"moov" | b"trak", _) => {
                self.open.push(size.map_or(u64::MAX, |size| start + size));
                self.pos += header as u64;
                out.append(&mut self.buf);
                self.iso_data(0, false);
            }
            (b"uuid", _) if left >= 16 => {
                self.state = State::Iso(Iso::Uuid {
                    size: size.unwrap_or(u64::MAX),
                    header,
                });
            }
            _ => {
                let blank = matches!(&kind, b"udta" | b"meta");
                if blank {
                    rename_box(&mut self.buf);
                }
                self.pos += header as u64;
                out.append(&mut self.buf);
                self.iso_data(left, blank);
            }
        }
    }
}

/// The length of the box header `buf` starts: 16 when its size field is 1 (the size
/// follows in 64 bits), else 8.
fn iso_header_len(buf: &[u8]) -> usize {
    if buf.starts_with(&[0, 0, 0, 1]) {
        16
    } else {
        8
    }
}

/// Makes a box header in `header` (its type at bytes 4 to 8) a `free` box's.
fn rename_box(header: &mut [u8]) {
    if let Some(kind) = header.get_mut(4..8) {
        kind.copy_from_slice(b"free");
    }
}

/// Segments written as they came: everything but application segments and comments,
/// and of those JFIF (APP0) and Adobe's colour transform (APP14), which decoders need.
fn kept_as_is(code: u8) -> bool {
    !matches!(code, 0xE0..=0xEF | COM) || code == APP0 || code == APP14
}

/// A JPEG segment's length field for a body of `len` bytes (bodies are gathered only up
/// to the 65,533 bytes a length can say).
fn segment_len(len: usize) -> [u8; 2] {
    u16::try_from(len + 2).unwrap_or(u16::MAX).to_be_bytes()
}

/// How many of `available` bytes to take when `left` are wanted.
fn take(left: u64, available: usize) -> usize {
    usize::try_from(left).map_or(available, |l| l.min(available))
}

/// The orientation (2 to 8) in an EXIF block's TIFF data, if it says to turn or flip.
fn orientation(tiff: &[u8]) -> Option<u16> {
    let big = match tiff.get(..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b: [u8; 2] = tiff.get(at..at + 2)?.try_into().ok()?;
        Some(if big {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    };
    let u32_at = |at: usize| -> Option<usize> {
        let b: [u8; 4] = tiff.get(at..at + 4)?.try_into().ok()?;
        let v = if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        };
        usize::try_from(v).ok()
    };
    let ifd = u32_at(4)?;
    let entries = usize::from(u16_at(ifd)?);
    (0..entries).find_map(|i| {
        let at = ifd.checked_add(2 + 12 * i)?;
        // A SHORT (type 3), one of them, in the entry's value field.
        let is_it = u16_at(at)? == ORIENTATION && u16_at(at + 2)? == 3;
        let value = u16_at(at + 8)?;
        (is_it && (2..=8).contains(&value)).then_some(value)
    })
}

/// A whole APP1 segment with an EXIF block holding only the orientation.
fn orientation_only_exif(value: u16) -> Vec<u8> {
    let mut body = b"Exif\0\0MM\0\x2A\0\0\0\x08".to_vec();
    body.extend_from_slice(&1u16.to_be_bytes());
    body.extend_from_slice(&ORIENTATION.to_be_bytes());
    body.extend_from_slice(&3u16.to_be_bytes());
    body.extend_from_slice(&1u32.to_be_bytes());
    body.extend_from_slice(&value.to_be_bytes());
    body.extend_from_slice(&[0, 0]);
    // No next IFD.
    body.extend_from_slice(&0u32.to_be_bytes());
    let mut segment = vec![0xFF, APP1];
    segment.extend_from_slice(&segment_len(body.len()));
    segment.append(&mut body);
    segment
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{DynamicImage, ImageDecoder, ImageFormat, RgbImage};
    use proptest::prelude::*;
    use std::io::Cursor;

    fn picture() -> DynamicImage {
        DynamicImage::ImageRgb8(RgbImage::from_fn(48, 32, |x, y| {
            image::Rgb([(x * 5) as u8, (y * 7) as u8, ((x + y) * 3) as u8])
        }))
    }

    fn encoded(format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        picture().write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    fn scrubbed(format: Format, bytes: &[u8], chunk: usize) -> Vec<u8> {
        let mut s = Scrub::for_format(format).unwrap();
        let mut out = Vec::new();
        for part in bytes.chunks(chunk.max(1)) {
            s.feed(part, &mut out);
        }
        s.finish(&mut out);
        out
    }

    fn pixels(bytes: &[u8]) -> Vec<u8> {
        image::load_from_memory(bytes).unwrap().to_rgb8().into_raw()
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    /// TIFF data with `orientation` and a GPS block whose latitude reference is "N".
    fn exif_tiff(orientation: u16, big: bool) -> Vec<u8> {
        let u16b = |v: u16| {
            if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let u32b = |v: u32| {
            if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let mut t = if big { b"MM".to_vec() } else { b"II".to_vec() };
        t.extend_from_slice(&u16b(42));
        t.extend_from_slice(&u32b(8));
        t.extend_from_slice(&u16b(2));
        for (tag, kind, value) in [(ORIENTATION, 3u16, u32::from(orientation)), (0x8825, 4, 38)] {
            t.extend_from_slice(&u16b(tag));
            t.extend_from_slice(&u16b(kind));
            t.extend_from_slice(&u32b(1));
            if kind == 3 {
                t.extend_from_slice(&u16b(value as u16));
                t.extend_from_slice(&[0, 0]);
            } else {
                t.extend_from_slice(&u32b(value));
            }
        }
        t.extend_from_slice(&u32b(0));
        t.extend_from_slice(&u16b(1));
        t.extend_from_slice(&u16b(1));
        t.extend_from_slice(&u16b(2));
        t.extend_from_slice(&u32b(2));
        t.extend_from_slice(b"N\0\0\0");
        t.extend_from_slice(&u32b(0));
        t.extend_from_slice(b"GPS-PLACE");
        t
    }

    fn segment(code: u8, body: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, code];
        s.extend_from_slice(&segment_len(body.len()));
        s.extend_from_slice(body);
        s
    }

    /// A JPEG with `segments` after its start, and `tail` after its end.
    fn jpeg_with(segments: &[Vec<u8>], tail: &[u8]) -> Vec<u8> {
        let plain = encoded(ImageFormat::Jpeg);
        let mut out = plain.get(..2).unwrap().to_vec();
        for s in segments {
            out.extend_from_slice(s);
        }
        out.extend_from_slice(plain.get(2..).unwrap());
        out.extend_from_slice(tail);
        out
    }

    fn phone_photo() -> Vec<u8> {
        let mut exif = b"Exif\0\0".to_vec();
        exif.extend_from_slice(&exif_tiff(6, true));
        let mut second = vec![0xFF, SOI];
        second.extend_from_slice(&segment(APP1, &exif));
        second.extend_from_slice(&[0xFF, EOI]);
        jpeg_with(
            &[
                segment(APP1, &exif),
                segment(
                    APP1,
                    b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>XMP-PLACE</x:xmpmeta>",
                ),
                segment(APP2, b"ICC_PROFILE\0\x01\x01colours"),
                segment(APP2, b"MPF\0MM\0\x2A"),
                segment(0xED, b"Photoshop 3.0\08BIM IPTC-PLACE"),
                segment(COM, b"COMMENT-PLACE"),
            ],
            &second,
        )
    }

    #[test]
    fn a_phone_photo_keeps_its_picture_and_orientation_but_not_where_it_was_taken() {
        let original = phone_photo();
        let out = scrubbed(Format::Jpeg, &original, 1 << 20);
        for secret in [
            &b"GPS-PLACE"[..],
            b"XMP-PLACE",
            b"IPTC-PLACE",
            b"COMMENT-PLACE",
            b"MPF",
        ] {
            assert!(contains(&original, secret));
            assert!(
                !contains(&out, secret),
                "{}",
                String::from_utf8_lossy(secret)
            );
        }
        // Nothing after the end of the first picture.
        assert!(out.ends_with(&[0xFF, EOI]));
        assert_eq!(out.windows(2).filter(|w| w == &[0xFF, SOI]).count(), 1);
        assert!(contains(&out, b"ICC_PROFILE\0\x01\x01colours"));
        assert!(contains(&out, &orientation_only_exif(6)));
        assert_eq!(pixels(&out), pixels(&original));
        let mut decoder = image::codecs::jpeg::JpegDecoder::new(Cursor::new(&out)).unwrap();
        assert_eq!(
            decoder.orientation().unwrap(),
            image::metadata::Orientation::Rotate90
        );
    }

    #[test]
    fn little_endian_orientation_is_read_and_an_upright_photo_keeps_no_exif() {
        for (big, o) in [(false, 8), (true, 3), (false, 2)] {
            let mut tiff = b"Exif\0\0".to_vec();
            tiff.extend_from_slice(&exif_tiff(o, big));
            let out = scrubbed(Format::Jpeg, &jpeg_with(&[segment(APP1, &tiff)], b""), 7);
            assert!(contains(&out, &orientation_only_exif(o)), "{o}");
        }
        let mut upright = b"Exif\0\0".to_vec();
        upright.extend_from_slice(&exif_tiff(1, true));
        let out = scrubbed(
            Format::Jpeg,
            &jpeg_with(&[segment(APP1, &upright)], b""),
            64,
        );
        assert!(!contains(&out, b"Exif"));
        assert_eq!(out, encoded(ImageFormat::Jpeg));
    }

    #[test]
    fn a_photo_without_metadata_is_stored_byte_for_byte() {
        for format in [ImageFormat::Jpeg, ImageFormat::Png] {
            let plain = encoded(format);
            let ours = if format == ImageFormat::Jpeg {
                Format::Jpeg
            } else {
                Format::Png
            };
            assert_eq!(scrubbed(ours, &plain, 5), plain, "{format:?}");
        }
    }

    fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        // The CRC is not checked by the scrubber; decoders are told to ignore these
        // ancillary chunks' CRCs below by their being removed.
        c.extend_from_slice(&[0, 0, 0, 0]);
        c
    }

    #[test]
    fn png_text_and_exif_chunks_are_removed() {
        let plain = encoded(ImageFormat::Png);
        // After the signature (8) and IHDR (8 + 13 + 4).
        let (head, rest) = plain.split_at(33);
        let mut original = head.to_vec();
        original.extend(png_chunk(b"tEXt", b"Comment\0TEXT-PLACE"));
        original.extend(png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0XMP-PLACE"));
        original.extend(png_chunk(b"eXIf", b"MM\0\x2AGPS-PLACE"));
        original.extend(png_chunk(b"zTXt", b"Author\0\0ZTXT-PLACE"));
        original.extend_from_slice(rest);
        original.extend_from_slice(b"TRAILING-PLACE");
        let out = scrubbed(Format::Png, &original, 3);
        assert_eq!(out, plain);
    }

    /// A WebP in the extended format, with EXIF and XMP chunks (the EXIF of odd size,
    /// so padded) after the picture, as cameras and editors write them.
    fn extended_webp() -> Vec<u8> {
        let simple = encoded(ImageFormat::WebP);
        let picture = simple.get(12..).unwrap();
        let chunk = |kind: &[u8; 4], data: &[u8]| {
            let mut c = kind.to_vec();
            c.extend_from_slice(&(data.len() as u32).to_le_bytes());
            c.extend_from_slice(data);
            if data.len() % 2 == 1 {
                c.push(0);
            }
            c
        };
        let mut vp8x = vec![0b0000_1100, 0, 0, 0];
        vp8x.extend_from_slice(&47u32.to_le_bytes()[..3]);
        vp8x.extend_from_slice(&31u32.to_le_bytes()[..3]);
        let mut body = b"WEBP".to_vec();
        body.extend(chunk(b"VP8X", &vp8x));
        body.extend_from_slice(picture);
        body.extend(chunk(b"EXIF", b"MM\0\x2AGPS-PLACE"));
        body.extend(chunk(b"XMP ", b"<x:xmpmeta>XMP-PLACE</x:xmpmeta>"));
        let mut file = b"RIFF".to_vec();
        file.extend_from_slice(&(body.len() as u32).to_le_bytes());
        file.extend(body);
        file
    }

    #[test]
    fn webp_metadata_becomes_zeros_of_the_same_length() {
        let original = extended_webp();
        let mut with_tail = original.clone();
        with_tail.extend_from_slice(b"TRAILING-PLACE");
        let out = scrubbed(Format::Webp, &with_tail, 4);
        assert_eq!(out.len(), original.len());
        for secret in [
            &b"GPS-PLACE"[..],
            b"XMP-PLACE",
            b"TRAILING-PLACE",
            b"EXIF",
            b"XMP ",
        ] {
            assert!(
                !contains(&out, secret),
                "{}",
                String::from_utf8_lossy(secret)
            );
        }
        assert_eq!(out.windows(4).filter(|w| w == b"JUNK").count(), 2);
        // The VP8X flags no longer announce EXIF or XMP.
        assert_eq!(out.get(20), Some(&0));
        assert_eq!(pixels(&out), pixels(&original));
    }

    #[test]
    fn damaged_files_do_not_stop_the_upload() {
        // Not JPEG after the start: bytes between markers are dropped, as decoders do.
        let out = scrubbed(Format::Jpeg, b"\xFF\xD8\xFF\xE1\x00", 1);
        assert_eq!(out, b"\xFF\xD8");
        let out = scrubbed(Format::Jpeg, b"\xFF\xD8garbage\xFF\xD9", 2);
        assert_eq!(out, b"\xFF\xD8\xFF\xD9");
        // A PNG length no PNG has: the rest passes as it came.
        let mut bad = b"\x89PNG\r\n\x1a\n".to_vec();
        bad.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
        bad.extend_from_slice(b"IDATxyz");
        assert_eq!(scrubbed(Format::Png, &bad, 3), bad);
        // A short WebP: what came is kept.
        assert_eq!(scrubbed(Format::Webp, b"RIFF\x10\0", 2), b"RIFF\x10\0");
        assert!(Scrub::for_format(Format::Gif).is_none());
    }

    fn iso_box(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut b = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(payload);
        b
    }

    /// A box with a 64-bit size, as large media data has.
    fn iso_box64(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut b = 1u32.to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(&((payload.len() + 16) as u64).to_be_bytes());
        b.extend_from_slice(payload);
        b
    }

    /// A phone video's layout: the movie with a track, each with its user data (the
    /// position as Android writes it), iPhone-style metadata, XMP, another `uuid` box and
    /// the media data.
    fn phone_video() -> Vec<u8> {
        let xyz = iso_box(b"\xA9xyz", b"\0\x12\x15\xC7+51.5072-000.1276/");
        let mut keys = vec![0u8; 8];
        keys.extend(iso_box(b"mdta", b"com.apple.quicktime.location.ISO6709"));
        let mut meta = iso_box(b"hdlr", &[0u8; 25]);
        meta.extend(iso_box(b"keys", &keys));
        meta.extend(iso_box(
            b"ilst",
            &iso_box(b"\0\0\0\x01", b"+51.5072-000.1276+011.000/"),
        ));
        let mut trak = iso_box(b"tkhd", &[7u8; 84]);
        trak.extend(iso_box(b"udta", &xyz));
        trak.extend(iso_box(b"mdia", b"MEDIA-HEADER"));
        let mut moov = iso_box(b"mvhd", &[9u8; 100]);
        moov.extend(iso_box(b"trak", &trak));
        moov.extend(iso_box(b"udta", &xyz));
        moov.extend(iso_box(b"meta", &meta));
        let mut xmp = XMP_UUID.to_vec();
        xmp.extend_from_slice(b"<x:xmpmeta>GPS 51.5072</x:xmpmeta>");
        let mut other = [0x11u8; 16].to_vec();
        other.extend_from_slice(b"KEEP-ME");
        let mut file = iso_box(b"ftyp", b"qt  \0\0\0\0qt  ");
        file.extend(iso_box(b"moov", &moov));
        file.extend(iso_box(b"uuid", &xmp));
        file.extend(iso_box(b"uuid", &other));
        file.extend(iso_box64(b"mdat", b"MEDIA-BYTES"));
        file
    }

    /// The box types of a file, outermost first, going into the movie and its tracks.
    fn box_types(bytes: &[u8]) -> Vec<String> {
        let mut types = Vec::new();
        let mut at = 0;
        while at + 8 <= bytes.len() {
            let size32 = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
            let kind = &bytes[at + 4..at + 8];
            let (size, header) = if size32 == 1 {
                (
                    u64::from_be_bytes(bytes[at + 8..at + 16].try_into().unwrap()) as usize,
                    16,
                )
            } else {
                (size32, 8)
            };
            types.push(String::from_utf8_lossy(kind).into_owned());
            if kind == b"moov" || kind == b"trak" {
                for inner in box_types(&bytes[at + header..at + size]) {
                    types.push(format!("{}/{inner}", String::from_utf8_lossy(kind)));
                }
            }
            at += size;
        }
        types
    }

    #[test]
    fn a_phone_video_keeps_its_picture_and_layout_but_not_where_it_was_taken() {
        for format in [Format::Mp4, Format::QuickTime, Format::M4a] {
            let original = phone_video();
            let out = scrubbed(format, &original, 5);
            assert_eq!(out.len(), original.len());
            for secret in [&b"51.5072"[..], b"ISO6709", b"xmpmeta", b"udta", b"meta"] {
                assert!(contains(&original, secret));
                assert!(
                    !contains(&out, secret),
                    "{}",
                    String::from_utf8_lossy(secret)
                );
            }
            for kept in [
                &b"MEDIA-BYTES"[..],
                b"MEDIA-HEADER",
                b"KEEP-ME",
                &[7u8; 84],
                &[9u8; 100],
            ] {
                assert!(contains(&out, kept));
            }
            assert_eq!(
                box_types(&out),
                [
                    "ftyp",
                    "moov",
                    "moov/mvhd",
                    "moov/trak",
                    "moov/trak/tkhd",
                    "moov/trak/free",
                    "moov/trak/mdia",
                    "moov/free",
                    "moov/free",
                    "free",
                    "uuid",
                    "mdat"
                ]
            );
        }
    }

    #[test]
    fn a_video_whose_boxes_do_not_fit_is_left_as_it_came() {
        // A track said to be longer than its movie: not a movie any player reads.
        let mut moov = iso_box(b"trak", &iso_box(b"udta", b"PLACE"));
        moov[3] += 50;
        let mut file = iso_box(b"ftyp", b"isom");
        file.extend(iso_box(b"moov", &moov));
        assert_eq!(scrubbed(Format::Mp4, &file, 3), file);
        // A movie that runs to the end of the file (size 0) is still read inside.
        let mut open_ended = iso_box(b"ftyp", b"isom");
        open_ended.extend_from_slice(&[0, 0, 0, 0]);
        open_ended.extend_from_slice(b"moov");
        open_ended.extend(iso_box(b"udta", b"PLACE"));
        let out = scrubbed(Format::Mp4, &open_ended, 2);
        assert!(!contains(&out, b"PLACE"));
        assert_eq!(out.len(), open_ended.len());
    }

    /// How fast uploads are scrubbed, against copying the same chunks (figures in
    /// docs/benchmarks.md): `cargo test --release -p village-files --lib scrub_throughput
    /// -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement, run by hand"]
    fn scrub_throughput() {
        // A 25 MB photo: a real start, then scan data with stuffed bytes; a 100 MB video.
        let mut photo = encoded(ImageFormat::Jpeg);
        photo.truncate(photo.len() - 2);
        let mut x = 1u32;
        while photo.len() < 25 << 20 {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let b = (x >> 24) as u8;
            photo.push(b);
            if b == 0xFF {
                photo.push(0);
            }
        }
        let mut video = phone_video();
        video.extend(iso_box64(b"mdat", &vec![0x5A; 100 << 20]));
        for (name, format, bytes) in [
            ("photo", Format::Jpeg, &photo),
            ("video", Format::Mp4, &video),
        ] {
            let t = std::time::Instant::now();
            let out = scrubbed(format, bytes, 64 * 1024);
            let scrub = t.elapsed();
            let t = std::time::Instant::now();
            let mut copy = Vec::new();
            for part in bytes.chunks(64 * 1024) {
                copy.extend_from_slice(part);
            }
            let plain = t.elapsed();
            assert_eq!(out.len(), copy.len());
            eprintln!(
                "{name}: {} MiB scrubbed in {scrub:?} ({:.0} MB/s), copied in {plain:?}",
                bytes.len() >> 20,
                bytes.len() as f64 / 1e6 / scrub.as_secs_f64()
            );
        }
    }

    proptest! {
        #[test]
        fn where_the_chunks_are_cut_makes_no_difference(sizes in prop::collection::vec(1usize..300, 1..40)) {
            for (format, original) in [
                (Format::Jpeg, phone_photo()),
                (Format::Webp, extended_webp()),
                (Format::Mp4, phone_video()),
            ] {
                let whole = scrubbed(format, &original, usize::MAX);
                let mut s = Scrub::for_format(format).unwrap();
                let mut out = Vec::new();
                let mut rest = &original[..];
                for n in sizes.iter().cycle() {
                    if rest.is_empty() {
                        break;
                    }
                    let (part, more) = rest.split_at((*n).min(rest.len()));
                    s.feed(part, &mut out);
                    rest = more;
                }
                s.finish(&mut out);
                prop_assert_eq!(out, whole);
            }
        }

        #[test]
        fn any_bytes_are_scrubbed_without_panic_or_growth(
            body in prop::collection::vec(any::<u8>(), 0..400),
            chunk in 1usize..50,
        ) {
            for (format, magic) in [
                (Format::Jpeg, &b"\xFF\xD8\xFF"[..]),
                (Format::Png, b"\x89PNG\r\n\x1a\n"),
                (Format::Webp, b"RIFF\xFF\xFF\0\0WEBP"),
            ] {
                let mut file = magic.to_vec();
                file.extend_from_slice(&body);
                let out = scrubbed(format, &file, chunk);
                // One written-back orientation at most.
                prop_assert!(out.len() <= file.len() + orientation_only_exif(2).len());
            }
            // Movies keep their length whatever they hold.
            let mut movie = b"\0\0\0\x10moov\0\0\0\x08udta".to_vec();
            movie.extend_from_slice(&body);
            prop_assert_eq!(scrubbed(Format::Mp4, &movie, chunk).len(), movie.len());
        }
    }
}
