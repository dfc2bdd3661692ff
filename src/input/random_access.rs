//! Files read at any offset: a Parquet file is read from its footer, at its
//! end, then only the pages of one column. A path natively and a browser
//! `File` in the page are both such files; standard input is not.

use std::io::{self, Read};
use std::sync::Arc;

/// A file whose bytes can be read at any offset, by several threads at
/// once: what [`super::read_random_access_lengths`] reads.
///
/// `std::fs::File` is one (natively). The page gives a browser `File`
/// through this trait too, a slice at a time, so a file of many gigabytes
/// is never held whole.
pub trait RandomAccessFile: Send + Sync {
    /// The file's size in bytes.
    ///
    /// # Errors
    ///
    /// The platform's error, when the size cannot be read.
    fn size(&self) -> io::Result<u64>;

    /// Fills `buffer` with the bytes from `start` on.
    ///
    /// # Errors
    ///
    /// The platform's error; `UnexpectedEof` when the file ends first.
    fn read_exact_at(&self, start: u64, buffer: &mut [u8]) -> io::Result<()>;
}

#[cfg(unix)]
impl RandomAccessFile for std::fs::File {
    fn size(&self) -> io::Result<u64> {
        Ok(self.metadata()?.len())
    }

    fn read_exact_at(&self, start: u64, buffer: &mut [u8]) -> io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(self, buffer, start)
    }
}

#[cfg(windows)]
impl RandomAccessFile for std::fs::File {
    fn size(&self) -> io::Result<u64> {
        Ok(self.metadata()?.len())
    }

    fn read_exact_at(&self, start: u64, mut buffer: &mut [u8]) -> io::Result<()> {
        let mut at = start;
        while !buffer.is_empty() {
            match std::os::windows::fs::FileExt::seek_read(self, buffer, at)? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                read => {
                    buffer = &mut buffer[read..];
                    at += read as u64;
                }
            }
        }
        Ok(())
    }
}

/// Bytes read per step by [`SequentialReader`].
const SEQUENTIAL_CHUNK_BYTES: usize = 4 * 1024 * 1024;

/// A random-access file read front to back, as the stream readers (every
/// format but Parquet) read it.
pub(super) struct SequentialReader<A> {
    file: Arc<A>,
    position: u64,
    size: u64,
    /// How many bytes each step reads: large for a whole file, small for
    /// a Parquet page header, which is a few hundred bytes.
    chunk_bytes: usize,
    chunk: Vec<u8>,
    chunk_offset: usize,
}

impl<A: RandomAccessFile> SequentialReader<A> {
    /// Reads `file` from `start` to its end.
    pub(super) fn new(file: Arc<A>, start: u64, size: u64) -> Self {
        Self::with_chunk_bytes(file, start, size, SEQUENTIAL_CHUNK_BYTES)
    }

    pub(super) fn with_chunk_bytes(
        file: Arc<A>,
        start: u64,
        size: u64,
        chunk_bytes: usize,
    ) -> Self {
        SequentialReader {
            file,
            position: start.min(size),
            size,
            chunk_bytes: chunk_bytes.max(1),
            chunk: Vec::new(),
            chunk_offset: 0,
        }
    }
}

impl<A: RandomAccessFile> Read for SequentialReader<A> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        if self.chunk_offset == self.chunk.len() {
            let left = self.size - self.position;
            if left == 0 || buffer.is_empty() {
                return Ok(0);
            }
            let take =
                usize::try_from(left).map_or(self.chunk_bytes, |left| left.min(self.chunk_bytes));
            self.chunk.resize(take, 0);
            self.file.read_exact_at(self.position, &mut self.chunk)?;
            self.position += take as u64;
            self.chunk_offset = 0;
        }
        let available = &self.chunk[self.chunk_offset..];
        let taken = available.len().min(buffer.len());
        buffer[..taken].copy_from_slice(&available[..taken]);
        self.chunk_offset += taken;
        Ok(taken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file in memory.
    struct Memory(Vec<u8>);

    impl RandomAccessFile for Memory {
        fn size(&self) -> io::Result<u64> {
            Ok(self.0.len() as u64)
        }

        fn read_exact_at(&self, start: u64, buffer: &mut [u8]) -> io::Result<()> {
            let start = usize::try_from(start).map_err(io::Error::other)?;
            let bytes = self
                .0
                .get(start..start + buffer.len())
                .ok_or(io::ErrorKind::UnexpectedEof)?;
            buffer.copy_from_slice(bytes);
            Ok(())
        }
    }

    #[test]
    fn sequential_reader_gives_every_byte_once_in_order() {
        let bytes: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let file = Arc::new(Memory(bytes.clone()));
        for chunk_bytes in [1, 7, 64, 1000, 5000] {
            let mut read = Vec::new();
            SequentialReader::with_chunk_bytes(file.clone(), 3, 1000, chunk_bytes)
                .read_to_end(&mut read)
                .unwrap();
            assert_eq!(read, bytes[3..], "chunks of {chunk_bytes}");
        }
    }

    #[test]
    fn sequential_reader_stops_at_the_size_given() {
        let file = Arc::new(Memory(vec![1; 100]));
        let mut read = Vec::new();
        SequentialReader::new(file, 90, 95)
            .read_to_end(&mut read)
            .unwrap();
        assert_eq!(read.len(), 5);
    }
}
