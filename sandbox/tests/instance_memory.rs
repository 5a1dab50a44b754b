//! The memory verdict under both instance allocators (issue 11, "Speed stays"): a guest's
//! touched-pages measure starts from zero even when its instance reuses a pooled slot whose
//! previous guest touched hundreds of MiB, and touching more than the limit is still MLE.
//! Real wasmtime; the guests are small hand-written wasm modules (WAT), no toolchain needed.

use vibecheck_sandbox::run::{Allocator, RunSpec, Runner, Status};
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

fn check_allocator(allocator: Allocator) {
    let runner = Runner::with_allocator(allocator).unwrap();
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
                },
            )
            .unwrap()
    };
    for round in 0..3 {
        let big = run("t", 512);
        assert_eq!(big.status, Status::Exited(0), "{allocator:?} round {round}");
        assert!(
            big.memory_kib >= u64::from(TOUCHER_PAGES) * 64,
            "{allocator:?} round {round}: touched 200 MiB, measured {} KiB",
            big.memory_kib
        );
        // Same module right after: a pooled allocator hands it the slot just freed.
        let small = run("n", 16);
        assert_eq!(
            small.status,
            Status::Exited(0),
            "{allocator:?} round {round}: pages of the previous run counted ({} KiB)",
            small.memory_kib
        );
        // At most a huge page or so for the one page it touches.
        assert!(
            small.memory_kib < 8 << 10,
            "{allocator:?} round {round}: measured {} KiB",
            small.memory_kib
        );
        let over = run("t", 100);
        assert_eq!(
            over.status,
            Status::MemoryLimit,
            "{allocator:?} round {round}: touched 200 MiB under a 100 MB limit"
        );
    }
}

#[test]
fn touched_pages_start_from_zero_with_the_on_demand_allocator() {
    check_allocator(Allocator::OnDemand);
}

#[test]
fn touched_pages_start_from_zero_in_a_reused_pooled_slot() {
    check_allocator(Allocator::Pooling);
}

/// Sleeps 100 ms (`poll_oneoff` on the monotonic clock), so many guests are alive at once.
const SLEEPER_WAT: &str = r#"(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 100000000))
    (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))))"#;

/// More guests at once than the pool has slots: the extra ones wait for a slot and run; none
/// fails to instantiate.
#[test]
fn more_concurrent_guests_than_pool_slots_all_run() {
    let runner = Runner::with_allocator(Allocator::Pooling).unwrap();
    let module = runner.compile_module(SLEEPER_WAT.as_bytes()).unwrap();
    let guest = runner.prepare(&module).unwrap();
    let n = vibecheck_sandbox::run::POOL_SLOTS as usize + 8;
    let outcomes: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|_| {
                s.spawn(|| {
                    runner.run(
                        &guest,
                        RunSpec {
                            args: vec!["sleeper".into()],
                            stdin: Vec::new().into(),
                            limits: limits(16),
                            preopen: None,
                        },
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (i, o) in outcomes.into_iter().enumerate() {
        let o = o.unwrap_or_else(|e| panic!("guest {i}: {e:#}"));
        assert_eq!(o.status, Status::Exited(0), "guest {i}");
    }
}
