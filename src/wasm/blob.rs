//! Reading the user's files from a worker, a chunk at a time.

use std::io::{self, Read};

use js_sys::{Function, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{Blob, FileReaderSync};

/// Bytes read from a file per step: large enough that the per-call cost of
/// crossing into JavaScript is negligible, small enough for smooth progress.
const READ_CHUNK_BYTES: f64 = 4.0 * 1024.0 * 1024.0;

/// A `Read` over a `Blob` (a `File`), a chunk at a time, through
/// `FileReaderSync` (available in workers only), reporting progress.
pub(super) struct BlobReader<'a> {
    blob: &'a Blob,
    reader: FileReaderSync,
    position: f64,
    size: f64,
    on_progress: &'a Function,
    chunk: Vec<u8>,
    chunk_offset: usize,
}

impl<'a> BlobReader<'a> {
    /// A reader of `blob` from its start; fails outside a worker.
    pub(super) fn new(blob: &'a Blob, on_progress: &'a Function) -> Result<Self, JsError> {
        let reader = FileReaderSync::new().map_err(|_| {
            JsError::new("files can only be read in a worker (FileReaderSync is missing)")
        })?;
        Ok(BlobReader {
            blob,
            reader,
            position: 0.0,
            size: blob.size(),
            on_progress,
            chunk: Vec::new(),
            chunk_offset: 0,
        })
    }
}

impl Read for BlobReader<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        if self.chunk_offset == self.chunk.len() {
            if self.position >= self.size {
                return Ok(0);
            }
            let end = (self.position + READ_CHUNK_BYTES).min(self.size);
            let slice = self
                .blob
                .slice_with_f64_and_f64(self.position, end)
                .map_err(|_| io::Error::other("the browser could not slice the file"))?;
            let bytes = self.reader.read_as_array_buffer(&slice).map_err(|_| {
                io::Error::other(
                    "the browser could not read the file; it may have changed or been removed",
                )
            })?;
            self.chunk = Uint8Array::new(&bytes).to_vec();
            self.chunk_offset = 0;
            self.position = end;
            // Progress is informative only: a failing callback must not stop the read.
            let _ = self.on_progress.call2(
                &JsValue::NULL,
                &JsValue::from_f64(self.position),
                &JsValue::from_f64(self.size),
            );
            if self.chunk.is_empty() {
                return Ok(0);
            }
        }
        let available = &self.chunk[self.chunk_offset..];
        let taken = available.len().min(buffer.len());
        buffer[..taken].copy_from_slice(&available[..taken]);
        self.chunk_offset += taken;
        Ok(taken)
    }
}
