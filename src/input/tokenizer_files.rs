//! A model's tokenizer loaded from its files on disk, as transformers'
//! `AutoTokenizer.from_pretrained(folder)` finds them: the `tokenizer.json`,
//! and beside it the `tokenizer_config.json` (special tokens, chat template)
//! and the `chat_template.jinja` that newer transformers saves apart.
//!
//! The command line's `--tokenizer` and `--chat-template`, and the Python
//! package's `read(tokenizer=...)`, load a tokenizer this one way, so that
//! they count every text alike. Native only: the page gets its files from
//! the user's browser instead.

use std::path::Path;

use super::error::{Failure, InputError, InputErrorKind};
use super::tokenized::TextTokenizer;

/// The configuration transformers saves beside a `tokenizer.json`.
const CONFIG_FILE: &str = "tokenizer_config.json";

/// The chat template transformers saves in a file of its own, which it
/// prefers to the configuration's.
const TEMPLATE_FILE: &str = "chat_template.jinja";

impl TextTokenizer {
    /// The tokenizer saved at `path` (a `tokenizer.json`), with the
    /// `tokenizer_config.json` and `chat_template.jinja` of its folder
    /// when they are there, in the order transformers reads them. Special
    /// tokens are on (see [`TextTokenizer::with_special_tokens`]).
    ///
    /// # Errors
    ///
    /// [`InputErrorKind::CannotOpen`] for a file that cannot be read, and
    /// the errors of [`TextTokenizer::from_json`],
    /// [`TextTokenizer::with_config`] and
    /// [`TextTokenizer::with_chat_template_file`], each naming its file.
    pub fn from_file(path: &Path) -> Result<Self, InputError> {
        let mut tokenizer = TextTokenizer::from_json(&path.display().to_string(), &read(path)?)?;
        let folder = path.parent().unwrap_or(Path::new("."));
        let config = folder.join(CONFIG_FILE);
        if config.is_file() {
            tokenizer = tokenizer.with_config(&config.display().to_string(), &read(&config)?)?;
        }
        let template = folder.join(TEMPLATE_FILE);
        if template.is_file() {
            tokenizer = tokenizer.with_chat_template_file(&template)?;
        }
        Ok(tokenizer)
    }

    /// This tokenizer with the chat template of the file at `path`: a
    /// `tokenizer_config.json` (its special tokens too), or a Jinja file.
    ///
    /// # Errors
    ///
    /// [`InputErrorKind::CannotOpen`] for a file that cannot be read,
    /// [`InputErrorKind::ConfigWithoutChatTemplate`] for a configuration
    /// that leaves the tokenizer without a template,
    /// [`InputErrorKind::ChatTemplateNotUtf8`], and the errors of
    /// [`TextTokenizer::with_config`] and
    /// [`TextTokenizer::with_chat_template`].
    pub fn with_chat_template_file(self, path: &Path) -> Result<Self, InputError> {
        let name = path.display().to_string();
        let bytes = read(path)?;
        // A configuration is a JSON object; a Jinja template never is one.
        let is_config = serde_json::from_slice::<serde_json::Value>(&bytes)
            .is_ok_and(|value| value.is_object());
        if is_config {
            let configured = self.with_config(&name, &bytes)?;
            if !configured.has_chat_template() {
                return Err(
                    Failure::from(InputErrorKind::ConfigWithoutChatTemplate).in_source(&name)
                );
            }
            return Ok(configured);
        }
        let template = String::from_utf8(bytes)
            .map_err(|_| Failure::from(InputErrorKind::ChatTemplateNotUtf8).in_source(&name))?;
        self.with_chat_template(&name, &template)
    }
}

/// The bytes of the file at `path`, or an error naming it.
fn read(path: &Path) -> Result<Vec<u8>, InputError> {
    std::fs::read(path).map_err(|error| {
        Failure::from(InputErrorKind::CannotOpen {
            message: error.to_string(),
        })
        .in_source(&path.display().to_string())
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    /// A word-level tokenizer that knows three words and adds `<s>` to a text.
    const TOKENIZER: &str = r#"{
      "version": "1.0", "truncation": null, "padding": null,
      "added_tokens": [{"id": 3, "content": "<s>", "single_word": false, "lstrip": false,
                        "rstrip": false, "normalized": false, "special": true}],
      "normalizer": null, "pre_tokenizer": {"type": "Whitespace"},
      "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                         "pair": [{"Sequence": {"id": "A", "type_id": 0}}], "special_tokens": {"<s>": {"id": "<s>", "ids": [3], "tokens": ["<s>"]}}},
      "decoder": null,
      "model": {"type": "WordLevel", "vocab": {"[UNK]": 0, "hello": 1, "world": 2, "<s>": 3},
                "unk_token": "[UNK]"}
    }"#;

    /// A fresh folder of its own for each test, holding `files`.
    fn folder(test: &str, files: &[(&str, &[u8])]) -> PathBuf {
        let folder = std::env::temp_dir()
            .join(format!("packlab-tokenizer-files-{}", std::process::id()))
            .join(test);
        // A folder left by an earlier run of this process id holds stale files.
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).unwrap();
        for (name, bytes) in files {
            std::fs::write(folder.join(name), bytes).unwrap();
        }
        folder
    }

    fn conversation() -> serde_json::Value {
        serde_json::json!([{"role": "user", "content": "hello world"}])
    }

    #[test]
    fn the_folder_gives_the_configuration_and_the_template_file_wins() {
        let folder = folder(
            "folder",
            &[
                ("tokenizer.json", TOKENIZER.as_bytes()),
                (
                    CONFIG_FILE,
                    br#"{"bos_token": "<s>", "chat_template": "{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}"}"#,
                ),
                (
                    TEMPLATE_FILE,
                    b"{% for m in messages %}{{ m.content }} {{ m.content }}{% endfor %}",
                ),
            ],
        );
        let tokenizer = TextTokenizer::from_file(&folder.join("tokenizer.json")).unwrap();
        assert_eq!(tokenizer.count_text("hello world").unwrap(), 3);
        // The Jinja file's template, not the configuration's: four words, no <s>.
        assert_eq!(tokenizer.count_conversation(&conversation()).unwrap(), 4);

        let without = TextTokenizer::from_file(&folder.join("tokenizer.json"))
            .unwrap()
            .with_special_tokens(false);
        assert_eq!(without.count_text("hello world").unwrap(), 2);
    }

    #[test]
    fn a_tokenizer_alone_has_no_template_until_one_is_given() {
        let folder = folder(
            "alone",
            &[
                ("tokenizer.json", TOKENIZER.as_bytes()),
                (
                    "config.json",
                    br#"{"chat_template": "{{ messages[0].content }}"}"#,
                ),
                ("empty_config.json", br#"{"eos_token": "</s>"}"#),
                ("latin1.jinja", b"{{ messages[0].content }} \xe9"),
            ],
        );
        let tokenizer = TextTokenizer::from_file(&folder.join("tokenizer.json")).unwrap();
        assert!(!tokenizer.has_chat_template());

        let configured = tokenizer
            .with_chat_template_file(&folder.join("config.json"))
            .unwrap();
        assert_eq!(configured.count_conversation(&conversation()).unwrap(), 2);

        let fresh = || TextTokenizer::from_file(&folder.join("tokenizer.json")).unwrap();
        let empty = folder.join("empty_config.json");
        let error = fresh().with_chat_template_file(&empty).unwrap_err();
        assert_eq!(error.kind, InputErrorKind::ConfigWithoutChatTemplate);
        assert_eq!(
            error.to_string(),
            format!(
                "{}: the configuration has no chat_template. Give the model's \
                 tokenizer_config.json that holds one, or the template as a Jinja file",
                empty.display()
            )
        );
        let latin1 = folder.join("latin1.jinja");
        let error = fresh().with_chat_template_file(&latin1).unwrap_err();
        assert_eq!(error.kind, InputErrorKind::ChatTemplateNotUtf8);
    }

    #[test]
    fn a_missing_file_is_named_with_the_fix() {
        let missing = folder("missing", &[]).join("tokenizer.json");
        let error = TextTokenizer::from_file(&missing).unwrap_err();
        assert!(matches!(error.kind, InputErrorKind::CannotOpen { .. }));
        let message = error.to_string();
        assert!(
            message.starts_with(&format!("{}: cannot open: ", missing.display())),
            "{message}"
        );
        assert!(message.ends_with("; check the path"), "{message}");
    }
}
