//! The WebAssembly boundary: everything the web page calls, and nothing
//! else. Errors become JavaScript `Error`s here and only here.
//!
//! The page loads two WebAssembly modules built from this crate, so that
//! its first download holds only what every visit needs:
//! - the page's engine (`page`, built without the `files-module`
//!   feature): presets, analyses and charts. The page's Web Workers hold a
//!   `Dataset` and answer the page's questions (plain objects, see
//!   [`crate::analysis`]); the main thread draws charts on the page's
//!   canvases.
//! - the file engine (`files`, built with `--features files-module`),
//!   which a worker loads when a user first reads files of their own: the
//!   readers of every format, and the plan of the user's own sequences.
//!   Lengths read there reach a `Dataset` in its compact form (the
//!   `pairs` both modules write, see `convert::compact_form`).
//!
//! Large state stays in Rust behind handles; JavaScript gets small
//! objects, or typed arrays for the compact form.

use wasm_bindgen::prelude::*;

#[cfg(feature = "files-module")]
mod blob;
mod convert;
#[cfg(feature = "files-module")]
pub mod files;
#[cfg(not(feature = "files-module"))]
pub mod page;

#[cfg(feature = "files-module")]
pub use files::*;
#[cfg(not(feature = "files-module"))]
pub use page::*;

/// Installs the panic hook: a panic (a bug; input never causes one) then
/// reaches the console with its message instead of "unreachable".
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}
