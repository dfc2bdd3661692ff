//! The catalogue of bad inputs (`tests/catalogue/cases.rs`) through the
//! command line: each is refused with exit code 2 and a message naming the
//! file, the place and the fix, or read as documented, with a note on
//! standard error exactly when the catalogue expects one; never a panic.
// Native only: runs the CLI.
#![cfg(not(target_arch = "wasm32"))]

#[path = "catalogue/cases.rs"]
mod cases;

use std::path::Path;
use std::process::Command;

use cases::{cases, Expect};

#[test]
fn every_catalogued_input_is_answered_as_documented() {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join("catalogue");
    std::fs::create_dir_all(&folder).expect("scratch folder");
    let all = cases();
    assert!(all.len() >= 40, "the catalogue holds {} cases", all.len());
    let mut failures = Vec::new();
    for case in &all {
        let path = folder.join(case.name);
        std::fs::write(&path, &case.bytes).expect("scratch file");
        let mut args = vec!["stats", case.name, "--json"];
        if let Some(column) = case.column {
            args.extend(["--column", column]);
        }
        if let Some(format) = case.format {
            args.extend(["--format", format]);
        }
        let output = Command::new(env!("CARGO_BIN_EXE_packlab"))
            .current_dir(&folder)
            .args(&args)
            .output()
            .expect("packlab runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("panicked") {
            failures.push(format!("{}: panicked: {stderr}", case.name));
            continue;
        }
        let summary: Option<serde_json::Value> = serde_json::from_slice(&output.stdout).ok();
        let read = summary
            .as_ref()
            .and_then(|summary| summary["sequences"].as_u64());
        let notes: Vec<&str> = stderr
            .lines()
            .filter(|line| line.starts_with("packlab: note: "))
            .collect();
        match case.expect {
            Expect::Accepted { sequences } => {
                if output.status.code() != Some(0) || read != Some(sequences) || !notes.is_empty() {
                    failures.push(format!(
                        "{}: expected {sequences} sequences and no note, got {read:?}: {stderr}",
                        case.name
                    ));
                }
            }
            Expect::Noted { sequences, note } => {
                let missing: Vec<&str> = note
                    .iter()
                    .copied()
                    .filter(|fragment| !notes.iter().any(|line| line.contains(fragment)))
                    .collect();
                if output.status.code() != Some(0) || read != Some(sequences) || !missing.is_empty()
                {
                    failures.push(format!(
                        "{}: expected {sequences} sequences, got {read:?}; notes lack \
                         {missing:?}: {stderr}",
                        case.name
                    ));
                }
            }
            Expect::Refused(fragments) => {
                let missing: Vec<&str> = fragments
                    .iter()
                    .copied()
                    .filter(|fragment| !stderr.contains(fragment))
                    .collect();
                if output.status.code() != Some(2) || !missing.is_empty() {
                    failures.push(format!(
                        "{}: exit {:?}, message lacks {missing:?}: {stderr}",
                        case.name,
                        output.status.code()
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}
