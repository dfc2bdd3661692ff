//! Values across the boundary: results as JSON gives them, requests, the
//! clock, and the compact form of lengths both modules write.

use js_sys::{BigUint64Array, Object, Reflect};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::histogram::LengthCounts;

/// Passes a result to JavaScript as JSON would: counts above 2^53 (real
/// for billions of sequences times lengths) become the nearest double, as
/// `JSON.parse` of `packlab … --json` gives them, instead of failing.
pub(super) fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    let text = serde_json::to_string(value)
        .map_err(|error| JsError::new(&format!("cannot pass the result to the page: {error}")))?;
    js_sys::JSON::parse(&text)
        .map_err(|_| JsError::new("cannot pass the result to the page: invalid JSON"))
}

pub(super) fn from_js<T: serde::de::DeserializeOwned>(
    value: JsValue,
    what: &str,
) -> Result<T, JsError> {
    serde_wasm_bindgen::from_value(value)
        .map_err(|error| JsError::new(&format!("invalid {what}: {error}")))
}

/// Milliseconds from the page's time origin (`performance.now()`), in a
/// window or a worker; 0 where neither exists.
pub(super) fn now_ms() -> f64 {
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
pub(super) fn compact_form(counts: &LengthCounts) -> Result<JsValue, JsError> {
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

/// The counts of a compact form's `lengths` and `counts` (see
/// [`compact_form`]), checked: arrays of one size, no length of 0.
pub(super) fn counts_from_pairs(
    lengths: &BigUint64Array,
    counts: &BigUint64Array,
) -> Result<LengthCounts, JsError> {
    let lengths = lengths.to_vec();
    let numbers = counts.to_vec();
    if lengths.len() != numbers.len() {
        return Err(JsError::new("lengths and counts differ in size"));
    }
    let mut counts = LengthCounts::new();
    for (&length, &count) in lengths.iter().zip(&numbers) {
        if length == 0 {
            return Err(JsError::new("a length of 0 in the dataset's compact form"));
        }
        counts
            .add(length, count)
            .map_err(|error| JsError::new(&error.to_string()))?;
    }
    Ok(counts)
}
