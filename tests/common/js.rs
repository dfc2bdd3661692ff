//! What the WebAssembly tests share: passing values to the boundary as the
//! page does, and reading its answers.

use js_sys::Reflect;
use wasm_bindgen::JsValue;

/// `object[name]`.
pub fn field(object: &JsValue, name: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(name)).expect("an object")
}

/// The message of an error the boundary returned, as the page reads it.
pub fn error_message(error: wasm_bindgen::JsError) -> String {
    let value: JsValue = error.into();
    field(&value, "message").as_string().unwrap_or_default()
}
