//! Bounded module caches: the in-memory map of prepared modules ([`LruMap`]) and the on-disk
//! cache of compiled wasm and precompiled native code ([`DiskCache`]), both least-recently-used
//! by bytes, so a stream of distinct submissions cannot grow memory or disk without bound.

use anyhow::Result;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Bytes of prepared modules kept in memory by one sandbox. A contest C++ module's native code
/// is 1–4 MiB, so this keeps the last ~100 programs (a judge session, a stress run's three
/// programs, the server's recent requests) hot, and caps what hostile traffic can pin.
pub const MODULE_MEMORY_CACHE_BYTES: u64 = 256 << 20;
/// Bytes of the on-disk module cache (`cache_dir/modules`: `.wasm` and `.cwasm` files). A few
/// hundred programs; older entries are deleted, least recently used first.
pub const MODULE_DISK_CACHE_BYTES: u64 = 1 << 30;

/// A map from cache key to value, evicting the least recently used entries once their total
/// size exceeds the capacity (an entry larger than the capacity is not kept at all).
pub struct LruMap<V> {
    entries: HashMap<String, Entry<V>>,
    total: u64,
    capacity: u64,
    clock: u64,
}

struct Entry<V> {
    value: V,
    bytes: u64,
    used: u64,
}

impl<V: Clone> LruMap<V> {
    pub fn new(capacity: u64) -> LruMap<V> {
        LruMap {
            entries: HashMap::new(),
            total: 0,
            capacity,
            clock: 0,
        }
    }

    /// The value for `key`, marking it used.
    pub fn get(&mut self, key: &str) -> Option<V> {
        self.clock += 1;
        let e = self.entries.get_mut(key)?;
        e.used = self.clock;
        Some(e.value.clone())
    }

    /// Inserts `value` of size `bytes`, then evicts least recently used entries to fit.
    pub fn insert(&mut self, key: &str, value: V, bytes: u64) {
        self.clock += 1;
        if let Some(old) = self.entries.remove(key) {
            self.total -= old.bytes;
        }
        if bytes > self.capacity {
            return;
        }
        self.entries.insert(
            key.to_string(),
            Entry {
                value,
                bytes,
                used: self.clock,
            },
        );
        self.total += bytes;
        while self.total > self.capacity {
            let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(e) = self.entries.remove(&oldest) {
                self.total -= e.bytes;
            }
        }
    }

    /// Total bytes held.
    pub fn bytes(&self) -> u64 {
        self.total
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A directory of cache files bounded by total size. Recency is the file's modification time,
/// refreshed on every hit, so it works across processes sharing the directory; eviction runs
/// after every write. Races between processes only cost a cache miss.
#[derive(Debug, Clone)]
pub struct DiskCache {
    dir: PathBuf,
    capacity: u64,
}

impl DiskCache {
    pub fn new(dir: PathBuf, capacity: u64) -> DiskCache {
        DiskCache { dir, capacity }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The file's bytes, marking it used; `None` when absent.
    pub fn get(&self, name: &str) -> Option<Vec<u8>> {
        let path = self.path(name);
        let bytes = std::fs::read(&path).ok()?;
        touch(&path);
        Some(bytes)
    }

    /// Writes the file atomically, then evicts least recently used files to fit.
    pub fn put(&self, name: &str, bytes: &[u8]) -> Result<()> {
        super::write_atomic(&self.path(name), bytes)?;
        self.evict();
        Ok(())
    }

    /// Deletes the least recently used files until the directory fits its capacity.
    pub fn evict(&self) {
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut files: Vec<(SystemTime, u64, PathBuf)> = rd
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let m = e.metadata().ok()?;
                m.is_file().then(|| {
                    (
                        m.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                        m.len(),
                        e.path(),
                    )
                })
            })
            .collect();
        let mut total: u64 = files.iter().map(|f| f.1).sum();
        if total <= self.capacity {
            return;
        }
        files.sort();
        for (_, len, path) in files {
            if total <= self.capacity {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                total -= len;
            }
        }
    }

    /// Total bytes of the files in the directory.
    pub fn bytes(&self) -> u64 {
        std::fs::read_dir(&self.dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok()?.metadata().ok())
                    .filter(|m| m.is_file())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    }
}

/// Sets a file's modification time to now (best effort).
fn touch(path: &Path) {
    if let Ok(f) = std::fs::File::options().append(true).open(path) {
        let _ = f.set_modified(SystemTime::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lru_map_evicts_least_recently_used_by_bytes() {
        let mut m = LruMap::new(10);
        m.insert("a", 1, 4);
        m.insert("b", 2, 4);
        assert_eq!(m.get("a"), Some(1)); // b is now the oldest
        m.insert("c", 3, 4);
        assert_eq!(m.get("b"), None);
        assert_eq!(m.get("a"), Some(1));
        assert_eq!(m.get("c"), Some(3));
        assert_eq!(m.bytes(), 8);
        m.insert("huge", 4, 11);
        assert_eq!(m.get("huge"), None);
        assert_eq!(m.len(), 2);
        m.insert("a", 5, 2); // replacing frees the old size
        assert_eq!(m.bytes(), 6);
    }

    #[test]
    fn disk_cache_stays_within_capacity() {
        let dir = tempfile::tempdir().unwrap();
        let c = DiskCache::new(dir.path().to_path_buf(), 3000);
        for i in 0..10 {
            c.put(&format!("m{i}.wasm"), &[0u8; 1000]).unwrap();
            let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1000 + i);
            let f = std::fs::File::options()
                .append(true)
                .open(c.path(&format!("m{i}.wasm")))
                .unwrap();
            f.set_modified(t).unwrap();
        }
        assert!(c.bytes() <= 3000, "{} bytes", c.bytes());
        // The newest survive; a hit refreshes an entry so it outlives newer ones.
        assert!(c.get("m9.wasm").is_some());
        assert!(c.get("m0.wasm").is_none());
        assert!(c.get("m7.wasm").is_some()); // now the most recent
        c.put("n.wasm", &[1u8; 1000]).unwrap();
        assert!(c.get("m7.wasm").is_some());
        assert!(c.get("m8.wasm").is_none());
        assert!(c.bytes() <= 3000);
    }
}
