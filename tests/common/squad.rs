//! The public SQuAD 1.1 histogram, read where the project keeps it.

use std::fs::File;
use std::path::PathBuf;

use packlab::input::{read_lengths, ReadOptions};
use packlab::{Histogram, LengthCounts, OverlongPolicy};

/// `shared/data` beside the repository (or in a folder above it), or
/// `PACKLAB_DATA_DIR`; the data is read at test time, never copied.
fn shared_data_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PACKLAB_DATA_DIR") {
        return Some(PathBuf::from(dir));
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    root.ancestors()
        .map(|dir| dir.join("shared").join("data"))
        .find(|dir| dir.join("squad11_384.json").is_file())
}

/// The SQuAD 1.1 histogram at max_len 384, or `None` (with a notice naming
/// `what` goes unchecked) when the data is not on this machine.
pub fn histogram(what: &str) -> Option<Histogram> {
    let Some(dir) = shared_data_dir() else {
        println!("notice: shared/data/squad11_384.json not found; {what} not checked");
        return None;
    };
    let path = dir.join("squad11_384.json");
    let file = File::open(&path).expect("the SQuAD histogram opens");
    let mut counts = LengthCounts::new();
    read_lengths(
        &path.display().to_string(),
        file,
        &ReadOptions::default(),
        &mut counts,
    )
    .expect("the SQuAD histogram parses");
    assert_eq!(counts.declared_max_len(), Some(384));
    let (histogram, overlong) =
        Histogram::from_counts(&counts, 384, OverlongPolicy::Error).expect("all within 384");
    assert_eq!(overlong.sequences, 0);
    Some(histogram)
}
