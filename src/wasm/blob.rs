//! Reading the user's files from a worker, a slice at a time: a file of
//! many gigabytes is never held whole, and a Parquet file is read from its
//! footer and the pages of one column only.

use std::cell::RefCell;
use std::io;

use js_sys::{Function, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{Blob, FileReaderSync};

use crate::input::RandomAccessFile;

/// The browser file a worker is reading. JavaScript objects belong to the
/// thread that made them, and the readers take files that threads could
/// share; the worker's one thread holds the file here instead, and the
/// [`WorkerFile`] the readers get holds nothing of JavaScript's.
struct OpenFile {
    blob: Blob,
    reader: FileReaderSync,
    on_progress: Function,
    size: f64,
    /// The furthest byte read: how far through the file the reading is.
    furthest: f64,
    /// The furthest byte last reported to `on_progress`.
    reported: f64,
}

/// Reading moves on at least this far between progress reports: a Parquet
/// file is read in page headers of a few hundred bytes too.
const PROGRESS_STEP_BYTES: f64 = 1024.0 * 1024.0;

thread_local! {
    static OPEN_FILE: RefCell<Option<OpenFile>> = const { RefCell::new(None) };
}

/// The file [`WorkerFile::open`] opened, read at any offset through
/// `FileReaderSync` (workers only), reporting progress.
#[derive(Debug)]
pub(super) struct WorkerFile {
    size: u64,
}

/// Closes the worker's file when the read is over, failed or not.
#[derive(Debug)]
pub(super) struct Opened;

impl Drop for Opened {
    fn drop(&mut self) {
        OPEN_FILE.with(|open| open.borrow_mut().take());
    }
}

impl WorkerFile {
    /// Opens `blob` as the worker's file until the [`Opened`] returned is
    /// dropped, calling `on_progress(bytesRead, totalBytes)` as reading
    /// moves on. Fails outside a worker.
    pub(super) fn open(
        blob: &Blob,
        on_progress: &Function,
    ) -> Result<(WorkerFile, Opened), JsError> {
        let reader = FileReaderSync::new().map_err(|_| {
            JsError::new("files can only be read in a worker (FileReaderSync is missing)")
        })?;
        let size = blob.size();
        OPEN_FILE.with(|open| {
            *open.borrow_mut() = Some(OpenFile {
                blob: blob.clone(),
                reader,
                on_progress: on_progress.clone(),
                size,
                furthest: 0.0,
                reported: 0.0,
            });
        });
        Ok((WorkerFile { size: size as u64 }, Opened))
    }
}

impl RandomAccessFile for WorkerFile {
    fn size(&self) -> io::Result<u64> {
        Ok(self.size)
    }

    fn read_exact_at(&self, start: u64, buffer: &mut [u8]) -> io::Result<()> {
        if buffer.is_empty() {
            return Ok(());
        }
        OPEN_FILE.with(|open| {
            let mut open = open.borrow_mut();
            let open = open
                .as_mut()
                .ok_or_else(|| io::Error::other("the file was closed while it was read"))?;
            let from = start as f64;
            let to = from + buffer.len() as f64;
            if to > open.size {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let slice = open
                .blob
                .slice_with_f64_and_f64(from, to)
                .map_err(|_| io::Error::other("the browser could not slice the file"))?;
            let bytes = open.reader.read_as_array_buffer(&slice).map_err(|_| {
                io::Error::other(
                    "the browser could not read the file; it may have changed or been removed",
                )
            })?;
            let bytes = Uint8Array::new(&bytes);
            if bytes.length() as usize != buffer.len() {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            bytes.copy_to(buffer);
            open.furthest = open.furthest.max(to);
            if open.furthest - open.reported >= PROGRESS_STEP_BYTES || open.furthest == open.size {
                open.reported = open.furthest;
                // Progress is informative only: a failing callback must not
                // stop the read.
                let _ = open.on_progress.call2(
                    &JsValue::NULL,
                    &JsValue::from_f64(open.furthest),
                    &JsValue::from_f64(open.size),
                );
            }
            Ok(())
        })
    }
}
