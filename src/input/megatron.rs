//! Megatron-LM and NeMo indexed datasets: the `.idx` of a `.bin`/`.idx`
//! pair, as Megatron-LM's `megatron/core/datasets/indexed_dataset.py`
//! (`_IndexWriter`) writes it and its `tools/preprocess_data.py` makes it.
//!
//! The index holds every length Packlab needs, so the `.bin` (the tokens)
//! is never read. Its layout, all little-endian:
//!
//! | bytes | what |
//! | --- | --- |
//! | 9 | `MMIDIDX\x00\x00` |
//! | 8 | the version, 1 |
//! | 1 | the token type's code (1 to 8: `uint8` … `uint16`) |
//! | 8 | `sequence_count`, n |
//! | 8 | `document_count`, d: the documents' boundaries, one more than the documents |
//! | 4 n | each sequence's tokens, `int32` |
//! | 8 n | each sequence's byte offset in the `.bin`, `int64` |
//! | 8 d | the boundaries: document i is sequences `[b[i], b[i+1])`, from 0 to n |
//! | n, or none | each sequence's mode, `int8` (multimodal datasets only) |
//!
//! A sequence is what the writer added as one item (`add_item`): one per
//! document, or one per sentence with `--split-sentences`. Packlab counts
//! sequences unless asked to count documents (each document's sequences
//! joined, the unit Megatron's GPT dataset concatenates); when the two
//! differ, a note says which was counted.

use std::io::Read;

use super::error::{Failure, InputErrorKind, Location};
use super::format::MEGATRON_MAGIC;
use super::note::{InputNoteKind, PendingNote};
use super::npy::read_fully;
use super::sink::LengthSink;

/// The header's bytes: magic, version, token type, the two counts.
const HEADER_BYTES: u64 = 9 + 8 + 1 + 8 + 8;

/// Entries read at a time: the lengths, the offsets and the boundaries
/// stream through one buffer.
const CHUNK_ENTRIES: usize = 8 * 1024;

/// Reads the lengths of a Megatron index: its sequences, or its documents
/// when `documents` is set.
pub(super) fn read_megatron_index<R: Read>(
    input: &mut R,
    documents: bool,
    sink: &mut impl LengthSink,
    notes: &mut Vec<PendingNote>,
) -> Result<(), Failure> {
    let header = read_header(input)?;
    let mut position = HEADER_BYTES;
    let mut kept: Vec<u32> = Vec::new();
    // The lengths: straight to the counts, or kept to join per document.
    read_entries(input, header, &mut position, 4, |index, bytes| {
        let length = i32::from_le_bytes(bytes.try_into().unwrap_or_default());
        let length = u32::try_from(length).map_err(|_| {
            Failure::new(
                Location::Element(index),
                InputErrorKind::Negative {
                    token: length.to_string(),
                },
            )
        })?;
        if documents {
            kept.push(length);
            Ok(())
        } else {
            sink.add_one(u64::from(length))
                .map_err(|kind| Failure::new(Location::Element(index), kind))
        }
    })?;
    // The offsets into the `.bin`: not needed, but they must be there.
    read_entries(input, header, &mut position, 8, |_, _| Ok(()))?;
    // The boundaries: from 0, never going back, to the last sequence.
    let boundaries = Header {
        entries: header.document_count,
        ..header
    };
    let mut previous: Option<u64> = None;
    read_entries(input, boundaries, &mut position, 8, |index, bytes| {
        let boundary = i64::from_le_bytes(bytes.try_into().unwrap_or_default());
        let bad = |problem: String| {
            Failure::new(
                Location::Element(index),
                InputErrorKind::MegatronBadDocuments { problem },
            )
        };
        let boundary = u64::try_from(boundary)
            .ok()
            .filter(|&boundary| boundary <= header.sequence_count)
            .ok_or_else(|| {
                bad(format!(
                    "a document boundary at sequence {boundary}, outside the {} sequences",
                    header.sequence_count
                ))
            })?;
        match previous {
            None if boundary != 0 => {
                return Err(bad(format!(
                    "the first document boundary is {boundary}, not 0"
                )))
            }
            Some(before) if boundary < before => {
                return Err(bad(format!(
                    "a document boundary goes back, from sequence {before} to {boundary}"
                )))
            }
            Some(start) if documents => {
                let tokens: u64 = kept
                    .get(start as usize..boundary as usize)
                    .unwrap_or_default()
                    .iter()
                    .map(|&length| u64::from(length))
                    .sum();
                // Document `index - 1` ends here.
                sink.add_one(tokens).map_err(|kind| {
                    Failure::new(Location::Field(format!("document {}", index - 1)), kind)
                })?;
            }
            _ => {}
        }
        previous = Some(boundary);
        Ok(())
    })?;
    if previous != Some(header.sequence_count) {
        return Err(Failure::new(
            Location::Unknown,
            InputErrorKind::MegatronBadDocuments {
                problem: format!(
                    "the last document boundary is {}, not the sequence count {}",
                    previous.unwrap_or(0),
                    header.sequence_count
                ),
            },
        ));
    }
    check_what_follows(input, header, position)?;
    let document_total = header.document_count - 1;
    if document_total != header.sequence_count {
        notes.push(PendingNote::new(
            Location::Unknown,
            InputNoteKind::MegatronSequencesOrDocuments {
                sequences: header.sequence_count,
                documents: document_total,
                counted_documents: documents,
            },
        ));
    }
    Ok(())
}

/// What the header says.
#[derive(Debug, Clone, Copy)]
struct Header {
    sequence_count: u64,
    document_count: u64,
    /// The entries of the section being read: the sequences, or the
    /// document boundaries.
    entries: u64,
}

fn bad_header(problem: impl Into<String>) -> Failure {
    Failure::new(
        Location::Unknown,
        InputErrorKind::MegatronBadHeader {
            problem: problem.into(),
        },
    )
}

fn read_header<R: Read>(input: &mut R) -> Result<Header, Failure> {
    let mut bytes = [0u8; HEADER_BYTES as usize];
    let got = read_fully(input, &mut bytes)?;
    if !bytes.starts_with(MEGATRON_MAGIC) {
        return Err(Failure::new(
            Location::ByteOffset(0),
            InputErrorKind::MegatronBadMagic,
        ));
    }
    if got < bytes.len() {
        return Err(bad_header("the file ends inside the header"));
    }
    let number = |from: usize| {
        let field: [u8; 8] = bytes
            .get(from..from + 8)
            .and_then(|field| field.try_into().ok())
            .unwrap_or_default();
        u64::from_le_bytes(field)
    };
    let version = number(9);
    if version != 1 {
        return Err(Failure::new(
            Location::Field("version".to_owned()),
            InputErrorKind::MegatronUnsupportedVersion { version },
        ));
    }
    let token_type = bytes[17];
    if !(1..=8).contains(&token_type) {
        return Err(bad_header(format!(
            "its token type code is {token_type}, not one of Megatron's 1 to 8"
        )));
    }
    let sequence_count = number(18);
    let document_count = number(26);
    if document_count == 0 {
        return Err(bad_header(
            "it declares no document boundaries; an index has at least the one at 0",
        ));
    }
    Ok(Header {
        sequence_count,
        document_count,
        entries: sequence_count,
    })
}

/// Reads `header.entries` entries of `width` bytes, handing each with its
/// index to `each`; `position` follows the bytes read.
fn read_entries<R: Read>(
    input: &mut R,
    header: Header,
    position: &mut u64,
    width: usize,
    mut each: impl FnMut(u64, &[u8]) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let mut chunk = vec![0u8; CHUNK_ENTRIES * width];
    let mut index = 0u64;
    while index < header.entries {
        let wanted = (header.entries - index).min(CHUNK_ENTRIES as u64) as usize * width;
        let part = chunk.get_mut(..wanted).unwrap_or_default();
        let got = read_fully(input, part)?;
        for entry in part.get(..got).unwrap_or_default().chunks_exact(width) {
            each(index, entry)?;
            index += 1;
        }
        *position += got as u64;
        if got < wanted {
            return Err(truncated(header, *position));
        }
    }
    Ok(())
}

/// The size an index of `header` has, without and with the modes of a
/// multimodal dataset; `None` past 2^64.
fn expected_sizes(header: Header) -> Option<(u64, u64)> {
    let n = header.sequence_count;
    let plain = HEADER_BYTES
        .checked_add(n.checked_mul(12)?)?
        .checked_add(header.document_count.checked_mul(8)?)?;
    Some((plain, plain.checked_add(n)?))
}

fn truncated(header: Header, found_bytes: u64) -> Failure {
    let expected_bytes = expected_sizes(header).map_or(u64::MAX, |(plain, _)| plain);
    Failure::new(
        Location::ByteOffset(found_bytes),
        InputErrorKind::MegatronTruncated {
            expected_bytes,
            found_bytes,
        },
    )
}

/// After the boundaries: nothing, or one mode byte per sequence.
fn check_what_follows<R: Read>(
    input: &mut R,
    header: Header,
    position: u64,
) -> Result<(), Failure> {
    let mut rest = 0u64;
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let got = read_fully(input, &mut chunk)?;
        rest += got as u64;
        if got < chunk.len() {
            break;
        }
    }
    if rest == 0 || rest == header.sequence_count {
        return Ok(());
    }
    Err(Failure::new(
        Location::ByteOffset(position),
        InputErrorKind::MegatronTrailingData { extra_bytes: rest },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::sink::Sink;

    /// An index as Megatron's `_IndexWriter` writes it.
    fn index(lengths: &[i32], boundaries: &[i64], modes: bool) -> Vec<u8> {
        let mut bytes = MEGATRON_MAGIC.to_vec();
        bytes.extend(1u64.to_le_bytes());
        bytes.push(8);
        bytes.extend((lengths.len() as u64).to_le_bytes());
        bytes.extend((boundaries.len() as u64).to_le_bytes());
        for &length in lengths {
            bytes.extend(length.to_le_bytes());
        }
        let mut offset = 0i64;
        for &length in lengths {
            bytes.extend(offset.to_le_bytes());
            offset += i64::from(length) * 2;
        }
        for &boundary in boundaries {
            bytes.extend(boundary.to_le_bytes());
        }
        if modes {
            bytes.extend(std::iter::repeat_n(0u8, lengths.len()));
        }
        bytes
    }

    /// `(length, count)` pairs, as the counts hold them.
    type Pairs = Vec<(u64, u64)>;

    fn read(bytes: &[u8], documents: bool) -> Result<(Pairs, Vec<PendingNote>), Failure> {
        let mut sink = Sink::default();
        let mut notes = Vec::new();
        read_megatron_index(&mut &bytes[..], documents, &mut sink, &mut notes)?;
        let counts = sink.into_counts().unwrap();
        Ok((counts.iter().collect(), notes))
    }

    #[test]
    fn sequences_or_documents_and_a_note_when_they_differ() {
        // Three documents: [5, 7], [3], [9, 1, 2].
        let bytes = index(&[5, 7, 3, 9, 1, 2], &[0, 2, 3, 6], false);
        let (sequences, notes) = read(&bytes, false).unwrap();
        assert_eq!(
            sequences,
            vec![(1, 1), (2, 1), (3, 1), (5, 1), (7, 1), (9, 1)]
        );
        assert_eq!(notes.len(), 1);
        let (documents, _) = read(&bytes, true).unwrap();
        assert_eq!(documents, vec![(3, 1), (12, 2)]);
        // One sequence per document, the usual index: no note.
        let bytes = index(&[4, 8], &[0, 1, 2], true);
        let (sequences, notes) = read(&bytes, false).unwrap();
        assert_eq!(sequences, vec![(4, 1), (8, 1)]);
        assert!(notes.is_empty());
    }

    #[test]
    fn broken_indexes_say_what_is_wrong() {
        let good = index(&[5, 7], &[0, 1, 2], false);
        let kind = |bytes: &[u8]| read(bytes, false).unwrap_err().kind;
        let mut wrong_magic = good.clone();
        wrong_magic[0] = b'X';
        assert_eq!(kind(&wrong_magic), InputErrorKind::MegatronBadMagic);
        let mut version = good.clone();
        version[9] = 2;
        assert_eq!(
            kind(&version),
            InputErrorKind::MegatronUnsupportedVersion { version: 2 }
        );
        assert!(matches!(
            kind(&good[..40]),
            InputErrorKind::MegatronTruncated { .. }
        ));
        let mut extra = good.clone();
        extra.extend([0, 0, 0]);
        assert_eq!(
            kind(&extra),
            InputErrorKind::MegatronTrailingData { extra_bytes: 3 }
        );
        let negative = index(&[5, -7], &[0, 1, 2], false);
        let failure = read(&negative, false).unwrap_err();
        assert_eq!(failure.location, Location::Element(1));
        assert!(matches!(failure.kind, InputErrorKind::Negative { .. }));
        let backwards = index(&[5, 7], &[0, 2, 1], false);
        assert!(matches!(
            kind(&backwards),
            InputErrorKind::MegatronBadDocuments { .. }
        ));
        let short = index(&[5, 7], &[0, 1], false);
        assert!(matches!(
            kind(&short),
            InputErrorKind::MegatronBadDocuments { .. }
        ));
        let empty_document = index(&[5, 7], &[0, 0, 2], false);
        let failure = read(&empty_document, true).unwrap_err();
        assert_eq!(failure.kind, InputErrorKind::ZeroLength);
        assert_eq!(failure.location, Location::Field("document 0".to_owned()));
    }
}
