//! The memory verdict across runs (issue 11): a guest's touched-pages measure starts from zero
//! right after a run of the same module that touched 200 MiB, untouched reserved memory is
//! free, and touching more than the limit is MLE. (Guards the instance allocator's setup: a
//! pooling allocator that kept a slot's pages resident would fail this; it was measured and
//! not adopted, see BENCHMARKS.md.) Real wasmtime; the guest is a small hand-written wasm
//! module (WAT), no toolchain needed.

use vibecheck_sandbox::run::{RunSpec, Runner, Status};
use vibecheck_sandbox::Limits;

/// Pages (64 KiB) of the toucher's initial memory: 200 MiB, granted whatever the limit (like
/// the judge's reserved shadow stack); only touched pages count.
const TOUCHER_PAGES: u32 = 3200;

/// Reads one byte of stdin; `t` touches every 4 KiB page of its 200 MiB memory, anything else
/// touches nothing more.
fn toucher_wat() -> String {
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") {TOUCHER_PAGES})
  (func (export "_start")
    (local $i i32)
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 1))
    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
    (if (i32.eq (i32.load8_u (i32.const 16)) (i32.const 116))
      (then
        (loop $l
          (i32.store (i32.shl (local.get $i) (i32.const 12)) (i32.const 1))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (i32.const {pages4k}))))))))"#,
        pages4k = TOUCHER_PAGES * 16
    )
}

fn limits(memory_mb: u64) -> Limits {
    Limits {
        time_ms: 10_000,
        memory_mb,
        output_bytes: 1 << 16,
    }
}

#[test]
fn touched_pages_start_from_zero_after_a_big_run() {
    let runner = Runner::new().unwrap();
    let module = runner.compile_module(toucher_wat().as_bytes()).unwrap();
    let guest = runner.prepare(&module).unwrap();
    let run = |stdin: &str, memory_mb: u64| {
        runner
            .run(
                &guest,
                RunSpec {
                    args: vec!["toucher".into()],
                    stdin: stdin.as_bytes().to_vec().into(),
                    limits: limits(memory_mb),
                    preopen: None,
                    ..Default::default()
                },
            )
            .unwrap()
    };
    for round in 0..3 {
        let big = run("t", 512);
        assert_eq!(big.status, Status::Exited(0), "round {round}");
        assert!(
            big.memory_kib >= u64::from(TOUCHER_PAGES) * 64,
            "round {round}: touched 200 MiB, measured {} KiB",
            big.memory_kib
        );
        // Same module right after (a pooling allocator would hand it the slot just freed).
        let small = run("n", 16);
        assert_eq!(
            small.status,
            Status::Exited(0),
            "round {round}: pages of the previous run counted ({} KiB)",
            small.memory_kib
        );
        // At most a huge page or so for the one page it touches.
        assert!(
            small.memory_kib < 8 << 10,
            "round {round}: measured {} KiB",
            small.memory_kib
        );
        let over = run("t", 100);
        assert_eq!(
            over.status,
            Status::MemoryLimit,
            "round {round}: touched 200 MiB under a 100 MB limit"
        );
    }
}
