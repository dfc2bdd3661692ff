//! `--tokenizer` in the command line: rows of raw text and conversations
//! counted with a small hand-made tokenizer, whose counts are worked out
//! here word by word. (tests/python/test_tokenized.py checks a trained
//! tokenizer against Python's own counts.)
// Native only: these tests use files and processes.
#![cfg(not(target_arch = "wasm32"))]

// What this file shares with other test files, from tests/common/.
mod common {
    pub mod cli;
}

use std::path::{Path, PathBuf};

use common::cli::{packlab, success};
use serde_json::Value;

/// A word-level tokenizer of six words that puts `<s>` before each text.
const TOKENIZER: &str = r#"{
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

/// `<s>` once, then `role : content` for each message: a conversation of
/// two messages of one word each is 7 tokens.
const CONFIG: &str = r#"{"bos_token": "<s>", "eos_token": "</s>",
  "chat_template": "{{ bos_token }}{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('system messages are not supported') }}{% endif %}{{ m.role }} : {{ m.content.strip() }}\n{% endfor %}"}"#;

/// A folder of its own for each test, with the tokenizer in it (and its
/// configuration, when `with_config`).
fn folder(name: &str, with_config: bool) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli-tokenized")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    std::fs::write(dir.join("tokenizer.json"), TOKENIZER).expect("tokenizer");
    if with_config {
        std::fs::write(dir.join("tokenizer_config.json"), CONFIG).expect("config");
    }
    dir
}

fn write(dir: &Path, name: &str, contents: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("scratch file");
    path.display().to_string()
}

fn json(output: &std::process::Output) -> Value {
    serde_json::from_str(&success(output)).expect("stdout is one JSON value")
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Texts of 2, 3 and 4 tokens with `<s>`, a conversation of 7, and a row
/// that gives its length.
const ROWS: &str = concat!(
    "{\"text\": \"hello\"}\n",
    "{\"text\": \"hello  world\", \"id\": 7}\n",
    "{\"text\": \"héllo world hello\"}\n",
    "{\"messages\": [{\"role\": \"user\", \"content\": \" hello \"}, {\"role\": \"assistant\", \"content\": \"world\"}]}\n",
    "{\"length\": 40}\n",
);

#[test]
fn stats_and_histogram_count_text_as_the_tokenizer_does() {
    let dir = folder("stats", true);
    let rows = write(&dir, "rows.jsonl", ROWS);
    let tokenizer = dir.join("tokenizer.json").display().to_string();
    let stats = json(&packlab(&[
        "stats",
        &rows,
        "--tokenizer",
        &tokenizer,
        "--json",
    ]));
    assert_eq!(stats["sequences"], 5);
    assert_eq!(stats["tokens"], 2 + 3 + 4 + 7 + 40);
    assert!(stats.get("notes").is_none(), "{stats}");
    let histogram = json(&packlab(&[
        "histogram",
        &rows,
        "--tokenizer",
        &tokenizer,
        "--no-special-tokens",
        "--max-len",
        "8",
    ]));
    // Without `<s>` on texts (1, 2 and 3 tokens); the conversation's
    // template writes its own (7); 40 is truncated to max_len.
    assert_eq!(
        histogram["counts"],
        serde_json::json!([1, 1, 1, 0, 0, 0, 1, 1])
    );
    // The text output says how fast the texts were tokenized.
    let text = success(&packlab(&["stats", &rows, "--tokenizer", &tokenizer]));
    assert!(text.contains("tokenized  4 texts"), "{text}");
}

#[test]
fn a_named_text_field_and_a_given_template() {
    let dir = folder("named", false);
    let rows = write(
        &dir,
        "rows.json",
        r#"[{"body": [{"role": "user", "content": "hello world"}], "length": 3}]"#,
    );
    let template = write(
        &dir,
        "chat.jinja",
        "{% for m in messages %}{{ m.content }} {{ m.content }}{% endfor %}",
    );
    let tokenizer = dir.join("tokenizer.json").display().to_string();
    let stats = json(&packlab(&[
        "stats",
        &rows,
        "--tokenizer",
        &tokenizer,
        "--text-field",
        "body",
        "--chat-template",
        &template,
        "--json",
    ]));
    assert_eq!(stats["tokens"], 4);
}

#[test]
fn a_sample_is_an_estimate_and_says_so_in_every_output() {
    let dir = folder("sample", true);
    let mut lines = String::new();
    for row in 0..500 {
        let text = if row % 2 == 0 { "hello" } else { "hello world" };
        lines += &format!("{{\"text\": \"{text}\"}}\n");
    }
    let rows = write(&dir, "rows.jsonl", &lines);
    let tokenizer = dir.join("tokenizer.json").display().to_string();
    let args = ["stats", &rows, "--tokenizer", &tokenizer, "--sample", "40"];
    let stats = json(&packlab(&[&args[..], &["--json"]].concat()));
    assert_eq!(stats["sequences"], 500);
    let note = stats["notes"][0].as_str().expect("a note");
    assert!(
        note.contains("estimated from a sample of 40 of 500 rows"),
        "{note}"
    );
    let text = success(&packlab(&args));
    assert!(
        text.contains("note: ") && text.contains("a sample of 40 of 500 rows"),
        "{text}"
    );
    // Assigning rows needs every row's length.
    let plan = dir.join("plan.jsonl").display().to_string();
    let output = packlab(&[
        "assign",
        &rows,
        "--tokenizer",
        &tokenizer,
        "--sample",
        "40",
        "--out",
        &plan,
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("Leave --sample out"));
}

#[test]
fn assign_keeps_the_rows_in_order() {
    let dir = folder("assign", true);
    let rows = write(&dir, "rows.jsonl", ROWS);
    let tokenizer = dir.join("tokenizer.json").display().to_string();
    let plan = dir.join("plan.jsonl").display().to_string();
    success(&packlab(&[
        "assign",
        &rows,
        "--tokenizer",
        &tokenizer,
        "--max-len",
        "64",
        "--out",
        &plan,
    ]));
    let mut lengths = vec![0; 5];
    for line in std::fs::read_to_string(&plan).unwrap().lines() {
        let pack: Value = serde_json::from_str(line).unwrap();
        for (index, length) in pack["indices"]
            .as_array()
            .unwrap()
            .iter()
            .zip(pack["lengths"].as_array().unwrap())
        {
            lengths[index.as_u64().unwrap() as usize] = length.as_u64().unwrap();
        }
    }
    assert_eq!(lengths, vec![2, 3, 4, 7, 40]);
}

#[test]
fn errors_say_which_file_which_row_and_how_to_fix_it() {
    let dir = folder("errors", true);
    let tokenizer = dir.join("tokenizer.json").display().to_string();
    let fails = |args: &[&str]| {
        let output = packlab(args);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        stderr(&output)
    };

    let broken = write(&dir, "broken.json", "{\"model\": {\"type\": \"BPE\"");
    let rows = write(&dir, "rows.jsonl", ROWS);
    let message = fails(&["stats", &rows, "--tokenizer", &broken]);
    assert!(
        message.contains("broken.json: the tokenizer cannot be loaded"),
        "{message}"
    );

    let missing = write(
        &dir,
        "missing.jsonl",
        "{\"text\": \"hello\"}\n{\"id\": 1, \"body\": \"x\"}\n",
    );
    let message = fails(&["stats", &missing, "--tokenizer", &tokenizer]);
    assert!(
        message.contains("missing.jsonl:2: the row has no field `text` or `messages`")
            && message.contains("`id`, `body`")
            && message.contains("--text-field"),
        "{message}"
    );

    let system = write(
        &dir,
        "system.jsonl",
        "{\"messages\": [{\"role\": \"system\", \"content\": \"hello\"}]}\n",
    );
    let message = fails(&["stats", &system, "--tokenizer", &tokenizer]);
    assert!(
        message.contains("system.jsonl:1, `messages`: the chat template fails")
            && message.contains("system messages are not supported"),
        "{message}"
    );

    let bad_template = write(&dir, "bad.jinja", "{% for m in messages %}{{ m }");
    let message = fails(&[
        "stats",
        &system,
        "--tokenizer",
        &tokenizer,
        "--chat-template",
        &bad_template,
    ]);
    assert!(
        message.contains("bad.jinja: the chat template does not compile"),
        "{message}"
    );

    let bare = folder("errors-bare", false);
    let bare_tokenizer = bare.join("tokenizer.json").display().to_string();
    let message = fails(&["stats", &system, "--tokenizer", &bare_tokenizer]);
    assert!(message.contains("--chat-template FILE"), "{message}");

    let lengths = write(&dir, "lengths.txt", "12\n");
    let message = fails(&["stats", &lengths, "--tokenizer", &tokenizer]);
    assert!(message.contains("holds no text"), "{message}");

    let output = packlab(&["stats", &rows, "--sample", "3"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--tokenizer"));
}
