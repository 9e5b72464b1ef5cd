#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(
    init: harness::tolerate_caught_calamine_panics(),
    |data: &[u8]| harness::check(data)
);
