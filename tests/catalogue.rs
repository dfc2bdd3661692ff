//! The catalogue of bad inputs (`tests/catalogue/cases.rs`) through the
//! command line: each is refused with exit code 2 and a message naming the
//! file, the place and the fix, or read as documented; never a panic.
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
        let output = Command::new(env!("CARGO_BIN_EXE_packlab"))
            .current_dir(&folder)
            .args(["stats", case.name, "--json"])
            .output()
            .expect("packlab runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("panicked") {
            failures.push(format!("{}: panicked: {stderr}", case.name));
            continue;
        }
        match case.expect {
            Expect::Accepted { sequences } => {
                let summary: Option<serde_json::Value> =
                    serde_json::from_slice(&output.stdout).ok();
                let read = summary
                    .as_ref()
                    .and_then(|summary| summary["sequences"].as_u64());
                if output.status.code() != Some(0) || read != Some(sequences) {
                    failures.push(format!(
                        "{}: expected {sequences} sequences, got {read:?}: {stderr}",
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
