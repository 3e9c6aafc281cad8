//! Test helper for `hostile_files.rs`: saves a large document to the file named by its first
//! argument, over and over, until it is killed. The test kills it with SIGKILL in the middle of
//! a save and checks what it leaves behind.

use sipcfg::backend::{Backend, FileBackend};
use sipcfg::Data;

fn main() {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: sipcfg-save-loop FILE");
        std::process::exit(2);
    };
    let backend = FileBackend::new(path);
    let mut data = Data::new();
    // About 8 MB, so that a save takes long enough to be caught in the middle.
    data.insert(
        "items",
        (0..400_000)
            .map(|i| format!("item number {i}"))
            .collect::<Vec<_>>(),
    );
    for round in 0u64.. {
        data.insert("round", round.to_string());
        if let Err(error) = backend.save(&data) {
            eprintln!("{error}");
            std::process::exit(1);
        }
    }
}
