//! Any bytes, as lossy UTF-8, as the audit checkpoint file (`audit-checkpoints.txt`) to
//! `checkpoint::parse`: no panic; a refusal names a line inside the text; what parses
//! writes back as lines that parse to the same checkpoints.
#![no_main]

use frontdesk::office::audit::checkpoint;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match checkpoint::parse(&text) {
        Ok(list) => {
            let written: String = list.iter().map(|c| c.line()).collect();
            assert_eq!(checkpoint::parse(&written).expect("our lines parse"), list);
        }
        Err(checkpoint::CheckpointError::Malformed { line, .. }) => {
            assert!(line >= 1 && line <= text.lines().count().max(1));
        }
        Err(other) => panic!("parsing text gave {other}"),
    }
});
