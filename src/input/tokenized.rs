//! Raw text and conversations, counted as the user's own tokenizer counts
//! them.
//!
//! A dataset that is still text (`{"text": "..."}`, or a conversation
//! `{"messages": [{"role": "user", "content": "..."}, ...]}`) has no
//! lengths yet: they are whatever the tokenizer of the model to be trained
//! makes of it. [`TextTokenizer`] loads that tokenizer from its
//! `tokenizer.json` (Hugging Face `tokenizers`, the file every model on the
//! Hub ships) and counts:
//! - a text as `tokenizer.encode(text)` counts it in Python: the
//!   post-processor's special tokens (such as a leading `<s>`) included,
//!   unless [`TextTokenizer::with_special_tokens`] turns them off;
//! - a conversation as transformers' `apply_chat_template(messages,
//!   tokenize=True)` counts it: the messages rendered by the model's Jinja
//!   chat template (with `bos_token`, `eos_token` and the other named
//!   special tokens of its `tokenizer_config.json`, and
//!   `add_generation_prompt` false), then encoded *without* special tokens
//!   again, since the template writes them itself.
//!
//! The tokenizer's own truncation and padding, if its file sets any, are
//! turned off, as transformers turns them off for a call without
//! `truncation=` or `padding=`: a length cut to `max_length` would hide the
//! very tokens that packing is about.
//!
//! The rows of a file are read and counted with it in `input::text_rows`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use minijinja::value::{Kwargs, Value as TemplateValue};
use minijinja::{Environment, ErrorKind as TemplateErrorKind};
use serde_json::Value;

use super::byte_level::ByteLevelCounter;
use super::error::{Failure, InputError, InputErrorKind};

/// The name the chat template is kept under in its environment.
const CHAT_TEMPLATE: &str = "chat_template";

/// The special tokens transformers passes to a chat template by name
/// (`PreTrainedTokenizerBase.SPECIAL_TOKENS_ATTRIBUTES`): those the
/// `tokenizer_config.json` sets become template variables.
const NAMED_SPECIAL_TOKENS: [&str; 7] = [
    "bos_token",
    "eos_token",
    "unk_token",
    "sep_token",
    "pad_token",
    "cls_token",
    "mask_token",
];

/// The field of a row, and the template variable, holding a conversation.
pub(super) const MESSAGES: &str = "messages";

/// A model's tokenizer, and its chat template if it has one: counts the
/// tokens of a text or a conversation.
///
/// ```
/// use packlab::input::TextTokenizer;
///
/// // A word-level tokenizer that knows three words and adds nothing.
/// let json = r#"{
///   "version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
///   "normalizer": null, "pre_tokenizer": {"type": "Whitespace"},
///   "post_processor": null, "decoder": null,
///   "model": {"type": "WordLevel", "vocab": {"[UNK]": 0, "hello": 1, "world": 2},
///             "unk_token": "[UNK]"}
/// }"#;
/// let tokenizer = TextTokenizer::from_json("tokenizer.json", json.as_bytes())?
///     .with_chat_template("chat.jinja", "{% for m in messages %}{{ m.content }} {% endfor %}")?;
/// assert_eq!(tokenizer.count_text("hello world hello")?, 3);
/// let conversation = serde_json::json!([
///     {"role": "user", "content": "hello"},
///     {"role": "assistant", "content": "world"}
/// ]);
/// assert_eq!(tokenizer.count_conversation(&conversation)?, 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct TextTokenizer {
    /// Its truncation and padding turned off (see the module's docs).
    tokenizer: tokenizers::Tokenizer,
    /// The same counts without the encodings, for the byte-level BPEs
    /// most models use; `None` for other tokenizers.
    byte_level: Option<ByteLevelCounter>,
    /// Whether a text gets the post-processor's special tokens.
    add_special_tokens: bool,
    /// The chat template, compiled; `None` until one is given.
    chat_template: Option<Environment<'static>>,
    /// `bos_token`, `eos_token`, ...: those the model's configuration names.
    special_tokens: BTreeMap<String, String>,
    /// What has been counted so far, for progress and throughput.
    progress: Counters,
}

impl fmt::Debug for TextTokenizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TextTokenizer")
            .field("vocabulary", &self.tokenizer.get_vocab_size(true))
            .field("byte_level", &self.byte_level.is_some())
            .field("add_special_tokens", &self.add_special_tokens)
            .field("chat_template", &self.chat_template.is_some())
            .field("special_tokens", &self.special_tokens)
            .field("progress", &self.progress())
            .finish()
    }
}

/// Running totals, updated by every worker.
#[derive(Debug, Default)]
struct Counters {
    texts: AtomicU64,
    tokens: AtomicU64,
    text_bytes: AtomicU64,
}

/// What a [`TextTokenizer`] has counted since it was made: what a progress
/// line and a throughput figure need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TokenizedProgress {
    /// Texts and conversations counted.
    pub texts: u64,
    /// The tokens they hold.
    pub tokens: u64,
    /// Their size in bytes of UTF-8 (a conversation as its template
    /// rendered it).
    pub text_bytes: u64,
}

impl TextTokenizer {
    /// The tokenizer saved in `tokenizer_json` (a `tokenizer.json`), with
    /// its post-processor's special tokens on and no chat template.
    /// `source_name` names the file in errors.
    ///
    /// # Errors
    ///
    /// [`InputErrorKind::TokenizerUnreadable`] when the bytes are not a
    /// tokenizer `tokenizers` can load.
    pub fn from_json(source_name: &str, tokenizer_json: &[u8]) -> Result<Self, InputError> {
        let fail = |message: String| {
            Failure::from(InputErrorKind::TokenizerUnreadable { message }).in_source(source_name)
        };
        let mut tokenizer = tokenizers::Tokenizer::from_bytes(tokenizer_json)
            .map_err(|error| fail(error.to_string()))?;
        tokenizer
            .with_truncation(None)
            .map_err(|error| fail(error.to_string()))?;
        tokenizer.with_padding(None);
        Ok(TextTokenizer {
            byte_level: ByteLevelCounter::for_tokenizer(&tokenizer),
            tokenizer,
            add_special_tokens: true,
            chat_template: None,
            special_tokens: BTreeMap::new(),
            progress: Counters::default(),
        })
    }

    /// Takes the named special tokens (`bos_token`, `eos_token`, ...) and
    /// the chat template of a model's `tokenizer_config.json`, as
    /// transformers does; a configuration without a chat template leaves
    /// the current one. `chat_template` may be one template or a list of
    /// named ones (`[{"name": "default", "template": "..."}, ...]`), of
    /// which the `default` one is taken.
    ///
    /// # Errors
    ///
    /// [`InputErrorKind::TokenizerConfigUnreadable`] when the bytes are not
    /// a JSON object, and [`InputErrorKind::ChatTemplateSyntax`] when its
    /// template does not compile.
    pub fn with_config(
        mut self,
        source_name: &str,
        config_json: &[u8],
    ) -> Result<Self, InputError> {
        let fail = |message: String| {
            Failure::from(InputErrorKind::TokenizerConfigUnreadable { message })
                .in_source(source_name)
        };
        let config: serde_json::Map<String, Value> = serde_json::from_slice(config_json)
            .map_err(|error| fail(format!("it is not a JSON object: {error}")))?;
        for name in NAMED_SPECIAL_TOKENS {
            // A token is written as its text, or as an AddedToken object
            // whose `content` is the text.
            let token = match config.get(name) {
                Some(Value::String(text)) => Some(text.clone()),
                Some(Value::Object(added)) => added
                    .get("content")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                _ => None,
            };
            if let Some(token) = token {
                self.special_tokens.insert(name.to_owned(), token);
            }
        }
        match config.get("chat_template") {
            Some(Value::String(template)) => self.with_chat_template(source_name, template),
            Some(Value::Array(named)) => {
                let default = named.iter().find_map(|entry| {
                    (entry.get("name")?.as_str()? == "default")
                        .then(|| entry.get("template")?.as_str())
                        .flatten()
                });
                match default {
                    Some(template) => self.with_chat_template(source_name, template),
                    None => Ok(self),
                }
            }
            _ => Ok(self),
        }
    }

    /// Uses `template` (Jinja source) as the chat template, rendered as
    /// transformers renders it: blocks trimmed (`trim_blocks`,
    /// `lstrip_blocks`), `raise_exception(message)` to refuse a
    /// conversation, `tojson` without escaping, and Python's string
    /// methods (`.strip()`, `.startswith()`, ...).
    ///
    /// # Errors
    ///
    /// [`InputErrorKind::ChatTemplateSyntax`] when the template does not
    /// compile, with its line.
    pub fn with_chat_template(
        mut self,
        source_name: &str,
        template: &str,
    ) -> Result<Self, InputError> {
        let mut environment = Environment::new();
        let syntax = minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .map_err(|error| template_syntax(source_name, &error))?;
        environment.set_syntax(syntax);
        environment
            .set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        environment.add_function("raise_exception", raise_exception);
        environment.add_filter("tojson", python_tojson);
        environment
            .add_template_owned(CHAT_TEMPLATE, template.to_owned())
            .map_err(|error| template_syntax(source_name, &error))?;
        self.chat_template = Some(environment);
        Ok(self)
    }

    /// Whether a text gets the post-processor's special tokens (on by
    /// default, as `tokenizer.encode(text)` adds them). Conversations never
    /// do: their template writes its own.
    #[must_use]
    pub fn with_special_tokens(mut self, add: bool) -> Self {
        self.add_special_tokens = add;
        self
    }

    /// Whether a chat template was given.
    pub fn has_chat_template(&self) -> bool {
        self.chat_template.is_some()
    }

    /// The tokens of `text`.
    ///
    /// # Errors
    ///
    /// [`InputErrorKind::TokenizerFailed`] if the tokenizer fails on it
    /// (a broken model, not a text it does not know: unknown text becomes
    /// unknown tokens).
    pub fn count_text(&self, text: &str) -> Result<u64, InputErrorKind> {
        self.count(text, self.add_special_tokens)
    }

    /// The text the chat template makes of `messages` (a list of
    /// `{"role": ..., "content": ...}` objects).
    ///
    /// # Errors
    ///
    /// [`InputErrorKind::NoChatTemplate`] without a template, and
    /// [`InputErrorKind::ChatTemplateFailed`] when it fails on these
    /// messages (or refuses them with `raise_exception`).
    pub fn render_conversation(&self, messages: &Value) -> Result<String, InputErrorKind> {
        let environment = self
            .chat_template
            .as_ref()
            .ok_or(InputErrorKind::NoChatTemplate)?;
        let mut context: BTreeMap<String, TemplateValue> = self
            .special_tokens
            .iter()
            .map(|(name, token)| (name.clone(), TemplateValue::from(token.as_str())))
            .collect();
        context.insert(
            MESSAGES.to_owned(),
            TemplateValue::from(minijinja::value::Serde(messages)),
        );
        context.insert(
            "add_generation_prompt".to_owned(),
            TemplateValue::from(false),
        );
        environment
            .get_template(CHAT_TEMPLATE)
            .and_then(|template| template.render(context))
            .map_err(|error| InputErrorKind::ChatTemplateFailed {
                message: template_message(&error),
                template_line: error.line().map(|line| line as u64),
            })
    }

    /// The tokens of the conversation `messages`, as transformers'
    /// `apply_chat_template(messages, tokenize=True)` gives them.
    ///
    /// # Errors
    ///
    /// Those of [`TextTokenizer::render_conversation`] and
    /// [`TextTokenizer::count_text`].
    pub fn count_conversation(&self, messages: &Value) -> Result<u64, InputErrorKind> {
        let rendered = self.render_conversation(messages)?;
        self.count(&rendered, false)
    }

    /// What has been counted so far (every thread's work included).
    pub fn progress(&self) -> TokenizedProgress {
        TokenizedProgress {
            texts: self.progress.texts.load(Ordering::Relaxed),
            tokens: self.progress.tokens.load(Ordering::Relaxed),
            text_bytes: self.progress.text_bytes.load(Ordering::Relaxed),
        }
    }

    fn count(&self, text: &str, add_special_tokens: bool) -> Result<u64, InputErrorKind> {
        // Only the number of ids is needed: a byte-level BPE is counted
        // without its encoding; other tokenizers by the fast encoding,
        // which skips the character offsets.
        let tokens = match &self.byte_level {
            Some(counter) => counter.count(&self.tokenizer, text, add_special_tokens),
            None => self
                .tokenizer
                .encode_fast(text, add_special_tokens)
                .map(|encoding| encoding.len() as u64),
        }
        .map_err(|error| InputErrorKind::TokenizerFailed {
            message: error.to_string(),
        })?;
        self.progress.texts.fetch_add(1, Ordering::Relaxed);
        self.progress.tokens.fetch_add(tokens, Ordering::Relaxed);
        self.progress
            .text_bytes
            .fetch_add(text.len() as u64, Ordering::Relaxed);
        Ok(tokens)
    }
}

/// A chat template that does not compile, with the line it fails on.
fn template_syntax(source_name: &str, error: &minijinja::Error) -> InputError {
    Failure::from(InputErrorKind::ChatTemplateSyntax {
        message: template_message(error),
        template_line: error.line().map(|line| line as u64),
    })
    .in_source(source_name)
}

/// A template error in words: the template's own message when it raised
/// one, else what went wrong.
fn template_message(error: &minijinja::Error) -> String {
    match error.detail() {
        Some(detail) if error.kind() == TemplateErrorKind::InvalidOperation => detail.to_owned(),
        Some(detail) => format!("{}: {detail}", error.kind()),
        None => error.kind().to_string(),
    }
}

/// `raise_exception(message)`: how chat templates refuse a conversation
/// they cannot render (roles out of order, a system message where none may
/// be).
fn raise_exception(message: String) -> Result<TemplateValue, minijinja::Error> {
    Err(minijinja::Error::new(
        TemplateErrorKind::InvalidOperation,
        message,
    ))
}

/// `tojson` as transformers defines it: Python's `json.dumps` with
/// `ensure_ascii=False`, so `", "` and `": "` between items unless
/// `indent` is given (then `","` and new lines), and no HTML escaping.
fn python_tojson(value: TemplateValue, options: Kwargs) -> Result<TemplateValue, minijinja::Error> {
    let indent: Option<usize> = options.get("indent")?;
    options.assert_all_used()?;
    let value = serde_json::to_value(&value).map_err(|error| {
        minijinja::Error::new(TemplateErrorKind::InvalidOperation, error.to_string())
    })?;
    let mut text = String::new();
    write_python_json(&value, indent, 0, &mut text);
    Ok(TemplateValue::from_safe_string(text))
}

/// Writes `value` as Python's `json.dumps` does (see [`python_tojson`]).
fn write_python_json(value: &Value, indent: Option<usize>, depth: usize, out: &mut String) {
    let separator = if indent.is_some() { "," } else { ", " };
    let newline = |depth: usize| format!("\n{}", " ".repeat(indent.unwrap_or(0) * depth));
    // Items are separated the same way in arrays and objects.
    let items = |entries: &mut dyn Iterator<Item = (Option<&String>, &Value)>,
                 open: char,
                 close: char,
                 out: &mut String| {
        out.push(open);
        let mut any = false;
        for (index, (key, item)) in entries.enumerate() {
            any = true;
            if index > 0 {
                out.push_str(separator);
            }
            if indent.is_some() {
                out.push_str(&newline(depth + 1));
            }
            if let Some(key) = key {
                out.push_str(&Value::from(key.as_str()).to_string());
                out.push_str(": ");
            }
            write_python_json(item, indent, depth + 1, out);
        }
        if any && indent.is_some() {
            out.push_str(&newline(depth));
        }
        out.push(close);
    };
    match value {
        Value::Array(elements) => {
            items(&mut elements.iter().map(|item| (None, item)), '[', ']', out);
        }
        Value::Object(fields) => {
            items(
                &mut fields.iter().map(|(key, item)| (Some(key), item)),
                '{',
                '}',
                out,
            );
        }
        // serde_json writes strings, numbers, booleans and null as Python
        // does (non-ASCII kept, control characters escaped).
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// A [`TextTokenizer`] shared by the read options and every worker
/// thread. Two are equal when they are the same tokenizer (one loaded
/// object), which is what comparing read options needs.
#[derive(Debug, Clone)]
pub struct SharedTokenizer(pub Arc<TextTokenizer>);

impl PartialEq for SharedTokenizer {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for SharedTokenizer {}

impl From<TextTokenizer> for SharedTokenizer {
    fn from(tokenizer: TextTokenizer) -> Self {
        SharedTokenizer(Arc::new(tokenizer))
    }
}

impl std::ops::Deref for SharedTokenizer {
    type Target = TextTokenizer;

    fn deref(&self) -> &TextTokenizer {
        &self.0
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::input::{read_lengths, ReadOptions};
    use crate::LengthCounts;

    /// A word-level tokenizer of a few words that puts `<s>` in front of
    /// every text, as many models' post-processors do.
    pub(crate) const TOKENIZER: &str = r#"{
      "version": "1.0", "truncation": null, "padding": null,
      "added_tokens": [{"id": 9, "content": "<s>", "single_word": false, "lstrip": false,
                        "rstrip": false, "normalized": false, "special": true}],
      "normalizer": null, "pre_tokenizer": {"type": "Whitespace"},
      "post_processor": {"type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
        "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
        "special_tokens": {"<s>": {"id": "<s>", "ids": [9], "tokens": ["<s>"]}}},
      "decoder": null,
      "model": {"type": "WordLevel", "unk_token": "[UNK]",
                "vocab": {"[UNK]": 0, "hello": 1, "world": 2, "user": 3, "assistant": 4, ":": 5, "<s>": 9}}
    }"#;

    /// A chat template in the style of the Hub's: the begin token once,
    /// then each message's role and its stripped content.
    const TEMPLATE: &str = "{{ bos_token }}{% for message in messages %}\n\
        {% if message.role == 'system' %}{{ raise_exception('no system messages') }}{% endif %}\n\
        {{ message.role }} : {{ message.content.strip() }}\n\
        {% endfor %}";

    pub(crate) fn tokenizer() -> TextTokenizer {
        TextTokenizer::from_json("tokenizer.json", TOKENIZER.as_bytes())
            .unwrap()
            .with_config(
                "tokenizer_config.json",
                format!(
                    r#"{{"bos_token": {{"content": "<s>", "__type": "AddedToken"}}, "eos_token": "</s>",
                        "chat_template": {}}}"#,
                    serde_json::to_string(TEMPLATE).unwrap()
                )
                .as_bytes(),
            )
            .unwrap()
    }

    pub(crate) fn options(tokenizer: TextTokenizer) -> ReadOptions {
        ReadOptions {
            tokenizer: Some(tokenizer.into()),
            ..ReadOptions::default()
        }
    }

    pub(crate) fn read(
        name: &str,
        data: &str,
        options: &ReadOptions,
    ) -> Result<Vec<(u64, u64)>, InputError> {
        let mut counts = LengthCounts::new();
        read_lengths(name, data.as_bytes(), options, &mut counts)?;
        Ok(counts.iter().collect())
    }

    #[test]
    fn texts_count_the_special_tokens_unless_told_not_to() {
        let tokenizer = tokenizer();
        assert_eq!(tokenizer.count_text("hello world"), Ok(3));
        assert_eq!(tokenizer.count_text("hello there world"), Ok(4));
        let bare = tokenizer.with_special_tokens(false);
        assert_eq!(bare.count_text("hello world"), Ok(2));
        assert_eq!(bare.count_text(""), Ok(0));
    }

    #[test]
    fn conversations_are_rendered_then_counted_without_special_tokens() {
        let tokenizer = tokenizer();
        let messages = serde_json::json!([
            {"role": "user", "content": "  hello \n"},
            {"role": "assistant", "content": "world"}
        ]);
        let rendered = tokenizer.render_conversation(&messages).unwrap();
        assert_eq!(rendered, "<s>user : hello\nassistant : world\n");
        // <s> is written by the template once, not added again.
        assert_eq!(tokenizer.count_conversation(&messages), Ok(7));
        let refused = serde_json::json!([{"role": "system", "content": "hello"}]);
        assert_eq!(
            tokenizer.count_conversation(&refused),
            Err(InputErrorKind::ChatTemplateFailed {
                message: "no system messages".into(),
                template_line: Some(2)
            })
        );
    }

    #[test]
    fn a_named_template_list_gives_its_default() {
        let config = r#"{"chat_template": [{"name": "tool_use", "template": "tools"},
                                          {"name": "default", "template": "hello"}]}"#;
        let tokenizer = TextTokenizer::from_json("t.json", TOKENIZER.as_bytes())
            .unwrap()
            .with_config("c.json", config.as_bytes())
            .unwrap();
        assert_eq!(
            tokenizer.render_conversation(&serde_json::json!([])),
            Ok("hello".into())
        );
    }

    #[test]
    fn broken_files_say_what_is_wrong() {
        let error = TextTokenizer::from_json("tok.json", b"{\"model\": 3}").unwrap_err();
        assert_eq!(error.source_name, "tok.json");
        assert!(matches!(
            error.kind,
            InputErrorKind::TokenizerUnreadable { .. }
        ));
        let error = TextTokenizer::from_json("t.json", TOKENIZER.as_bytes())
            .unwrap()
            .with_chat_template("chat.jinja", "line one\n{% for m in messages %}")
            .unwrap_err();
        assert!(
            matches!(
                error.kind,
                InputErrorKind::ChatTemplateSyntax {
                    template_line: Some(2),
                    ..
                }
            ),
            "{error}"
        );
        let error = TextTokenizer::from_json("t.json", TOKENIZER.as_bytes())
            .unwrap()
            .with_config("tokenizer_config.json", b"[1]")
            .unwrap_err();
        assert!(matches!(
            error.kind,
            InputErrorKind::TokenizerConfigUnreadable { .. }
        ));
    }

    #[test]
    fn tojson_writes_as_python_does() {
        let value = serde_json::json!({"a": [1, "é<"], "b": {}});
        let mut text = String::new();
        write_python_json(&value, None, 0, &mut text);
        assert_eq!(text, r#"{"a": [1, "é<"], "b": {}}"#);
        text.clear();
        write_python_json(&value, Some(2), 0, &mut text);
        assert_eq!(
            text,
            "{\n  \"a\": [\n    1,\n    \"é<\"\n  ],\n  \"b\": {}\n}"
        );
    }
}
