//! Writing an [`Assignment`] out for a training loader.
//!
//! Three forms, each streamed to any [`Write`] (give a file a
//! [`std::io::BufWriter`]; the JSON Lines writer makes one write per pack
//! anyway):
//!
//! - **JSON Lines** ([`write_jsonl`]), one pack per line, in training order:
//!   `{"indices":[17,4,230],"lengths":[300,150,62]}`. `indices` are the
//!   sequences' positions in the input (from 0), longest first; `lengths`
//!   are the tokens each takes in the row: its length, or `max_len` for a
//!   truncated sequence (keep its first `lengths[k]` tokens). Dropped
//!   sequences are in no line.
//! - **NumPy** ([`write_npy`]): one 1-D little-endian int64 array (`<i8`,
//!   format 1.0) per call; Packlab's CLI writes `PREFIX.indices.npy` and
//!   `PREFIX.offsets.npy`, and pack `p` is
//!   `indices[offsets[p]:offsets[p + 1]]`. Int64, not uint64, because
//!   PyTorch indexes with int64.
//! - **A preview** ([`write_preview`], [`preview_pack`]): for the first
//!   packs, the `cu_seqlens` (cumulative sequence lengths of the row,
//!   from 0, as flash-attention's varlen kernels take them) and the
//!   `position_ids` (restarting at 0 for each sequence).

use std::io::{self, Write};

use serde::Serialize;
use thiserror::Error;

use super::assignment::Assignment;
use crate::step_balance::StepShape;

/// Values per write of a `.npy` body: 64 KiB.
const NPY_VALUES_PER_WRITE: usize = 8 * 1024;

/// Runs of position ids longer than this are shown as `0, 1, …, n-1`.
const SHOWN_POSITION_RUN: usize = 4;

/// Why an assignment could not be written.
#[derive(Debug, Error)]
pub enum ExportError {
    /// The output refused the bytes.
    #[error("cannot write: {0}. Check the path and the free space")]
    Io(#[from] io::Error),
    /// An assignment whose `lengths` do not run beside its `indices`.
    #[error(
        "pack {pack} has no lengths beside its indices: the assignment was not made \
         by packlab::assign::assign, or was changed since"
    )]
    MissingLengths {
        /// The first such pack.
        pack: usize,
    },
    /// A value past what a `.npy` int64 array holds.
    #[error("the value {value} does not fit an int64 .npy array")]
    TooLargeForInt64 {
        /// The value.
        value: u64,
    },
}

/// One pack as a varlen attention kernel sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackPreview {
    /// The pack's position in the assignment, from 0.
    pub pack: usize,
    /// Its sequences' indices, as in the assignment.
    pub indices: Vec<u64>,
    /// The tokens each takes in the row (`max_len` for a truncated one).
    pub lengths: Vec<u32>,
    /// `[0, l0, l0 + l1, ...]`: where each sequence starts in the row, and
    /// the end of the last; `lengths.len() + 1` entries.
    pub cu_seqlens: Vec<u32>,
    /// For every real token of the row, its position in its own sequence.
    pub position_ids: Vec<u32>,
    /// Padding tokens after the last sequence, up to `max_len`.
    pub padding: u32,
}

/// `[0, l0, l0 + l1, ...]`: the cumulative sequence lengths of a row, as
/// flash-attention's `cu_seqlens` (saturating, which a sound pack of at
/// most `max_len` ≤ 2^22 tokens never reaches).
pub fn cu_seqlens(pack_lengths: &[u32]) -> Vec<u32> {
    let mut bounds = Vec::with_capacity(pack_lengths.len() + 1);
    let mut end = 0u32;
    bounds.push(end);
    for &length in pack_lengths {
        end = end.saturating_add(length);
        bounds.push(end);
    }
    bounds
}

/// `[0, 1, ..., l0 - 1, 0, 1, ..., l1 - 1, ...]`: each token's position in
/// its own sequence, so that rotary or learned position embeddings see
/// every packed sequence as if it were alone.
pub fn position_ids(pack_lengths: &[u32]) -> Vec<u32> {
    let tokens: usize = pack_lengths.iter().map(|&length| length as usize).sum();
    let mut ids = Vec::with_capacity(tokens);
    for &length in pack_lengths {
        ids.extend(0..length);
    }
    ids
}

/// The lengths beside the indices of pack `pack`.
fn packed_lengths(assignment: &Assignment, pack: usize) -> Result<&[u32], ExportError> {
    assignment
        .pack_lengths(pack)
        .filter(|_| assignment.lengths.len() == assignment.indices.len())
        .ok_or(ExportError::MissingLengths { pack })
}

/// Pack `pack` with its `cu_seqlens` and `position_ids`; `None` past the
/// last pack.
///
/// # Errors
///
/// [`ExportError::MissingLengths`] for an assignment whose `lengths` do not
/// run beside its `indices`.
pub fn preview_pack(
    assignment: &Assignment,
    pack: usize,
) -> Result<Option<PackPreview>, ExportError> {
    let Some(members) = assignment.pack(pack) else {
        return Ok(None);
    };
    let pack_lengths = packed_lengths(assignment, pack)?;
    let cu_seqlens = cu_seqlens(pack_lengths);
    let tokens = cu_seqlens.last().copied().unwrap_or(0);
    Ok(Some(PackPreview {
        pack,
        indices: members.to_vec(),
        position_ids: position_ids(pack_lengths),
        lengths: pack_lengths.to_vec(),
        cu_seqlens,
        padding: assignment.max_len.saturating_sub(tokens),
    }))
}

/// Writes the assignment as JSON Lines, one pack per line:
/// `{"indices":[17,4,230],"lengths":[300,150,62]}` (see the module docs).
///
/// # Errors
///
/// [`ExportError::Io`] when `out` fails, and
/// [`ExportError::MissingLengths`] for an assignment whose `lengths` do not
/// run beside its `indices`.
pub fn write_jsonl<W: Write>(out: W, assignment: &Assignment) -> Result<(), ExportError> {
    write_lines(out, assignment, None)
}

/// [`write_jsonl`] for packs laid out in training steps: each line also
/// says the step and the data-parallel rank (both from 0) that take the
/// pack, `{"indices":[...],"lengths":[...],"step":3,"rank":1}`, pack `p`
/// being at [`StepShape::slot`]`(p)`.
///
/// # Errors
///
/// As [`write_jsonl`].
pub fn write_jsonl_in_steps<W: Write>(
    out: W,
    assignment: &Assignment,
    shape: &StepShape,
) -> Result<(), ExportError> {
    write_lines(out, assignment, Some(shape))
}

fn write_lines<W: Write>(
    mut out: W,
    assignment: &Assignment,
    shape: Option<&StepShape>,
) -> Result<(), ExportError> {
    let mut line: Vec<u8> = Vec::with_capacity(256);
    for (pack, members) in assignment.iter().enumerate() {
        let pack_lengths = packed_lengths(assignment, pack)?;
        line.clear();
        line.extend_from_slice(b"{\"indices\":");
        push_list(&mut line, members.iter().copied());
        line.extend_from_slice(b",\"lengths\":");
        push_list(
            &mut line,
            pack_lengths.iter().map(|&length| u64::from(length)),
        );
        if let Some(shape) = shape {
            let (step, rank) = shape.slot(pack as u64);
            line.extend_from_slice(b",\"step\":");
            push_decimal(&mut line, step);
            line.extend_from_slice(b",\"rank\":");
            push_decimal(&mut line, u64::from(rank));
        }
        line.extend_from_slice(b"}\n");
        out.write_all(&line)?;
    }
    out.flush()?;
    Ok(())
}

/// Appends `[a,b,c]` to `line`.
fn push_list(line: &mut Vec<u8>, values: impl Iterator<Item = u64>) {
    line.push(b'[');
    for (position, value) in values.enumerate() {
        if position > 0 {
            line.push(b',');
        }
        push_decimal(line, value);
    }
    line.push(b']');
}

/// Appends `value` in decimal. By hand rather than with `write!`, which
/// made the JSON Lines writer three times slower: it formats every
/// index of the dataset.
fn push_decimal(line: &mut Vec<u8>, value: u64) {
    /// The digits of `u64::MAX`.
    const MAX_DIGITS: usize = 20;
    let mut digits = [0u8; MAX_DIGITS];
    let mut start = MAX_DIGITS;
    let mut rest = value;
    // Fills `digits` from the end; 20 slots hold any u64.
    for slot in digits.iter_mut().rev() {
        // Lossless: a remainder of 10 is below 256.
        *slot = b'0' + (rest % 10) as u8;
        rest /= 10;
        start -= 1;
        if rest == 0 {
            break;
        }
    }
    line.extend_from_slice(digits.get(start..).unwrap_or_default());
}

/// Writes `values` as a 1-D NumPy array of little-endian int64 (`<i8`),
/// `.npy` format 1.0: what `np.load` reads back as `int64`.
///
/// # Errors
///
/// [`ExportError::Io`] when `out` fails, and
/// [`ExportError::TooLargeForInt64`] for a value above 2^63 - 1 (before
/// anything is written).
pub fn write_npy<W: Write>(mut out: W, values: &[u64]) -> Result<(), ExportError> {
    if let Some(&value) = values.iter().find(|&&value| i64::try_from(value).is_err()) {
        return Err(ExportError::TooLargeForInt64 { value });
    }
    out.write_all(&npy_header(values.len()))?;
    let mut bytes = Vec::with_capacity(NPY_VALUES_PER_WRITE * 8);
    for chunk in values.chunks(NPY_VALUES_PER_WRITE) {
        bytes.clear();
        for &value in chunk {
            // Below 2^63 (checked above), so int64 has the same bytes.
            bytes.extend_from_slice(&value.to_le_bytes());
        }
        out.write_all(&bytes)?;
    }
    out.flush()?;
    Ok(())
}

/// The signature, version 1.0, header length and header dict of a 1-D
/// int64 array, padded with spaces so that the data starts at a multiple
/// of 64 bytes, as NumPy writes it.
fn npy_header(elements: usize) -> Vec<u8> {
    /// Signature (6), version (2) and header length (2).
    const PREAMBLE_BYTES: usize = 10;
    let dict = format!("{{'descr': '<i8', 'fortran_order': False, 'shape': ({elements},), }}");
    // The dict, its padding and the final newline.
    let header_bytes = (PREAMBLE_BYTES + dict.len() + 1).div_ceil(64) * 64 - PREAMBLE_BYTES;
    let mut header = Vec::with_capacity(PREAMBLE_BYTES + header_bytes);
    header.extend_from_slice(b"\x93NUMPY\x01\x00");
    // At most a few hundred bytes: the shape is one number.
    header.extend_from_slice(&(header_bytes as u16).to_le_bytes());
    header.extend_from_slice(dict.as_bytes());
    header.resize(PREAMBLE_BYTES + header_bytes - 1, b' ');
    header.push(b'\n');
    header
}

/// Writes a readable preview of the first `packs` packs:
///
/// ```text
/// pack 0: 3 sequences, 512 tokens, 0 padding
///   indices       [17, 4, 230]
///   lengths       [300, 150, 62]
///   cu_seqlens    [0, 300, 450, 512]
///   position_ids  [0, 1, …, 299, 0, 1, …, 149, 0, 1, …, 61]
/// ```
///
/// Runs of more than four position ids are shortened to `0, 1, …, n-1`.
///
/// # Errors
///
/// As [`write_jsonl`].
pub fn write_preview<W: Write>(
    mut out: W,
    assignment: &Assignment,
    packs: usize,
) -> Result<(), ExportError> {
    for pack in 0..packs {
        let Some(preview) = preview_pack(assignment, pack)? else {
            break;
        };
        let tokens = preview.cu_seqlens.last().copied().unwrap_or(0);
        let sequences = preview.indices.len();
        let noun = if sequences == 1 {
            "sequence"
        } else {
            "sequences"
        };
        writeln!(
            out,
            "pack {pack}: {sequences} {noun}, {tokens} tokens, {} padding",
            preview.padding
        )?;
        writeln!(out, "  indices       {:?}", preview.indices)?;
        writeln!(out, "  lengths       {:?}", preview.lengths)?;
        writeln!(out, "  cu_seqlens    {:?}", preview.cu_seqlens)?;
        writeln!(
            out,
            "  position_ids  [{}]",
            shown_position_ids(&preview.lengths)
        )?;
    }
    out.flush()?;
    Ok(())
}

/// `0, 1, …, 299, 0, 1, 2`: the position ids of a row, long runs shortened.
fn shown_position_ids(pack_lengths: &[u32]) -> String {
    let runs: Vec<String> = pack_lengths
        .iter()
        .map(|&length| {
            if length as usize > SHOWN_POSITION_RUN {
                format!("0, 1, …, {}", length - 1)
            } else {
                let ids: Vec<String> = (0..length).map(|id| id.to_string()).collect();
                ids.join(", ")
            }
        })
        .collect();
    runs.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lengths 2, 9 and 6 at max_len 8: [6, 2] and [9 cut to 8].
    fn assignment() -> Assignment {
        Assignment {
            max_len: 8,
            indices: vec![2, 0, 1],
            lengths: vec![6, 2, 8],
            offsets: vec![0, 2, 3],
            dropped: vec![],
        }
    }

    #[test]
    fn decimals_are_written_like_display() {
        for value in [0, 7, 10, 99, 100, 12_345, u64::from(u32::MAX), u64::MAX] {
            let mut line = Vec::new();
            push_decimal(&mut line, value);
            assert_eq!(String::from_utf8(line).unwrap(), value.to_string());
        }
    }

    #[test]
    fn jsonl_has_one_pack_per_line() {
        let mut out = Vec::new();
        write_jsonl(&mut out, &assignment()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"indices\":[2,0],\"lengths\":[6,2]}\n{\"indices\":[1],\"lengths\":[8]}\n"
        );
    }

    #[test]
    fn npy_header_is_aligned_and_describes_the_array() {
        let mut out = Vec::new();
        write_npy(&mut out, &[0, 2, 3]).unwrap();
        assert_eq!(&out[..8], b"\x93NUMPY\x01\x00");
        let header_bytes = u16::from_le_bytes([out[8], out[9]]) as usize;
        assert_eq!((10 + header_bytes) % 64, 0);
        let header = std::str::from_utf8(&out[10..10 + header_bytes]).unwrap();
        assert!(header.starts_with("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }"));
        assert!(header.ends_with(" \n"));
        assert_eq!(out.len(), 10 + header_bytes + 24);
        assert_eq!(
            &out[10 + header_bytes + 8..10 + header_bytes + 16],
            &2u64.to_le_bytes()
        );
        assert!(matches!(
            write_npy(&mut Vec::new(), &[u64::MAX]),
            Err(ExportError::TooLargeForInt64 { value: u64::MAX })
        ));
    }

    #[test]
    fn preview_restarts_positions_per_sequence() {
        let preview = preview_pack(&assignment(), 0).unwrap().unwrap();
        assert_eq!(preview.lengths, vec![6, 2]);
        assert_eq!(preview.cu_seqlens, vec![0, 6, 8]);
        assert_eq!(preview.position_ids, vec![0, 1, 2, 3, 4, 5, 0, 1]);
        assert_eq!(preview.padding, 0);
        assert_eq!(preview_pack(&assignment(), 2).unwrap(), None);
        let without_lengths = Assignment {
            lengths: vec![],
            ..assignment()
        };
        assert!(matches!(
            preview_pack(&without_lengths, 0),
            Err(ExportError::MissingLengths { pack: 0 })
        ));
        let mut text = Vec::new();
        write_preview(&mut text, &assignment(), 5).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(
            text.contains("  position_ids  [0, 1, …, 5, 0, 1]\n"),
            "{text}"
        );
        assert!(
            text.contains("pack 1: 1 sequence, 8 tokens, 0 padding\n"),
            "{text}"
        );
    }
}
