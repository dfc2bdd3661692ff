//! The WebAssembly boundary: everything the web page calls, and nothing
//! else. Errors become JavaScript `Error`s here and only here.
//!
//! The page loads two WebAssembly modules built from this crate, so that
//! its first download holds only what every visit needs:
//! - the page's engine ([`page`], built without the `files-module`
//!   feature): presets, analyses and charts. The page's Web Workers hold a
//!   `Dataset` and answer the page's questions (plain objects, see
//!   [`crate::analysis`]); the main thread draws charts on the page's
//!   canvases.
//! - the file engine ([`files`], built with `--features files-module`),
//!   which a worker loads when a user first reads files of their own: the
//!   readers of every format, and the plan of the user's own sequences.
//!   Lengths read there reach a `Dataset` in its compact form (the
//!   `pairs` both modules write, see [`compact_form`]).
//!
//! Large state stays in Rust behind handles; JavaScript gets small
//! objects, or typed arrays for the compact form.

use js_sys::{BigUint64Array, Object, Reflect};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::histogram::LengthCounts;

#[cfg(feature = "files-module")]
mod blob;
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

/// Passes a result to JavaScript as JSON would: counts above 2^53 (real
/// for billions of sequences times lengths) become the nearest double, as
/// `JSON.parse` of `packlab … --json` gives them, instead of failing.
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    let text = serde_json::to_string(value)
        .map_err(|error| JsError::new(&format!("cannot pass the result to the page: {error}")))?;
    js_sys::JSON::parse(&text)
        .map_err(|_| JsError::new("cannot pass the result to the page: invalid JSON"))
}

fn from_js<T: serde::de::DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsError> {
    serde_wasm_bindgen::from_value(value)
        .map_err(|error| JsError::new(&format!("invalid {what}: {error}")))
}

/// Milliseconds from the page's time origin (`performance.now()`), in a
/// window or a worker; 0 where neither exists.
fn now_ms() -> f64 {
    let global = js_sys::global();
    Reflect::get(&global, &JsValue::from_str("performance"))
        .ok()
        .and_then(|performance| performance.dyn_into::<web_sys::Performance>().ok())
        .map_or(0.0, |performance| performance.now())
}

/// The compact form of lengths: `{lengths: BigUint64Array, counts:
/// BigUint64Array, declared_max_len: number | null}`, lengths ascending.
/// The page keeps it to restore a worker, and it carries lengths read by
/// the file engine to the page's engine.
fn compact_form(counts: &LengthCounts) -> Result<JsValue, JsError> {
    let (lengths, numbers): (Vec<u64>, Vec<u64>) = counts.iter().unzip();
    let object = Object::new();
    let set = |key: &str, value: &JsValue| {
        Reflect::set(&object, &JsValue::from_str(key), value)
            .map(|_| ())
            .map_err(|_| JsError::new("cannot build the dataset's compact form"))
    };
    set("lengths", &BigUint64Array::from(&lengths[..]).into())?;
    set("counts", &BigUint64Array::from(&numbers[..]).into())?;
    let declared = counts.declared_max_len().map_or(JsValue::NULL, |max_len| {
        JsValue::from_f64(f64::from(max_len))
    });
    set("declared_max_len", &declared)?;
    Ok(object.into())
}
