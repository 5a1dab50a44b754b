//! API-key authentication: keys are stored only as SHA-256 hex digests.
//!
//! Sources: `--api-keys FILE` (one digest per line, `#` comments and blank lines allowed) and the
//! `VIBECHECK_API_KEY_HASHES` environment variable (digests separated by commas or whitespace).
//! A client sends `Authorization: Bearer KEY`; the server hashes KEY and looks the digest up.
//! Plaintext keys are refused at load time, so a leaked key file does not leak keys.

use super::error::ApiError;
use anyhow::{bail, Context};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::path::Path;

/// The environment variable holding key digests (an alternative to `--api-keys`).
pub const API_KEY_HASHES_ENV: &str = "VIBECHECK_API_KEY_HASHES";

/// Longest `Authorization` value we hash; longer ones are rejected without work (a guard against
/// clients making us hash megabytes per request; real keys are tens of bytes).
pub const MAX_KEY_BYTES: usize = 512;

/// Who a request is, for rate limiting and logs: a short prefix of the key's digest (never the
/// key), or `anonymous` when auth is off.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyId(pub String);

/// The set of accepted key digests; empty with auth disabled.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    digests: HashSet<[u8; 32]>,
    /// `false` only for `--no-auth` (loopback only; enforced by `serve`).
    pub required: bool,
}

/// Lowercase hex SHA-256 of `key`: what an operator puts in the key file
/// (`printf %s "$KEY" | sha256sum`).
pub fn hash_key(key: &str) -> String {
    hex(&Sha256::digest(key.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_digest(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
        let hi = (chunk[0] as char).to_digit(16)?;
        let lo = (chunk[1] as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
    }
    Some(out)
}

const NOT_A_DIGEST: &str = "expected a SHA-256 hex digest (64 hex characters); plaintext keys \
     are not accepted: store `printf %s \"$KEY\" | sha256sum | cut -d' ' -f1`";

impl KeySet {
    /// Auth off (`--no-auth`).
    pub fn disabled() -> Self {
        Self::default()
    }

    /// Parses key-file text: one digest per line; `#` starts a comment.
    pub fn parse_file_text(text: &str, origin: &str) -> anyhow::Result<Self> {
        let mut digests = HashSet::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let d = parse_digest(&line.to_ascii_lowercase())
                .with_context(|| format!("{origin}:{}: {NOT_A_DIGEST}", n + 1))?;
            digests.insert(d);
        }
        Ok(Self {
            digests,
            required: true,
        })
    }

    /// Parses the environment variable's value: digests separated by commas or whitespace.
    pub fn parse_env_value(value: &str) -> anyhow::Result<Self> {
        let mut digests = HashSet::new();
        for (i, tok) in value
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|t| !t.is_empty())
            .enumerate()
        {
            let d = parse_digest(&tok.to_ascii_lowercase())
                .with_context(|| format!("{API_KEY_HASHES_ENV} entry {}: {NOT_A_DIGEST}", i + 1))?;
            digests.insert(d);
        }
        Ok(Self {
            digests,
            required: true,
        })
    }

    /// Loads keys from `file` and/or the environment value; errors if auth is required but no
    /// key was found (a server nobody can call is a misconfiguration).
    pub fn load(file: Option<&Path>, env_value: Option<&str>) -> anyhow::Result<Self> {
        let mut set = Self {
            digests: HashSet::new(),
            required: true,
        };
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading API key file {}", path.display()))?;
            set.digests
                .extend(Self::parse_file_text(&text, &path.display().to_string())?.digests);
        }
        if let Some(v) = env_value {
            set.digests.extend(Self::parse_env_value(v)?.digests);
        }
        if set.digests.is_empty() {
            bail!(
                "no API keys configured: pass --api-keys FILE (SHA-256 hex digests, one per line) \
                 or set {API_KEY_HASHES_ENV}; or use --no-auth with a loopback --addr"
            );
        }
        Ok(set)
    }

    pub fn len(&self) -> usize {
        self.digests.len()
    }

    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }

    /// Checks an `Authorization` header value. With auth off every request is `anonymous`.
    pub fn authenticate(&self, header: Option<&str>) -> Result<KeyId, ApiError> {
        if !self.required {
            return Ok(KeyId("anonymous".into()));
        }
        let Some(value) = header else {
            return Err(ApiError::unauthorized(
                "missing API key: send `Authorization: Bearer <key>`",
            ));
        };
        let Some(key) = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
        else {
            return Err(ApiError::unauthorized(
                "the Authorization header must be `Bearer <key>`",
            ));
        };
        let key = key.trim();
        if key.is_empty() || key.len() > MAX_KEY_BYTES {
            return Err(ApiError::unauthorized("invalid API key"));
        }
        let digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        if self.digests.contains(&digest) {
            Ok(KeyId(hex(&digest[..6])))
        } else {
            Err(ApiError::unauthorized("invalid API key"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_with_comments_accepts_its_key_only() {
        let text = format!(
            "# platform keys\n\n{}  # tutor-a\n{}\n",
            hash_key("secret-a"),
            hash_key("secret-b").to_uppercase()
        );
        let set = KeySet::parse_file_text(&text, "keys").unwrap();
        assert_eq!(set.len(), 2);
        assert!(set.authenticate(Some("Bearer secret-a")).is_ok());
        assert!(set.authenticate(Some("Bearer secret-b")).is_ok());
        let e = set.authenticate(Some("Bearer secret-c")).unwrap_err();
        assert_eq!(e.status().as_u16(), 401);
        assert!(set.authenticate(None).is_err());
        assert!(set.authenticate(Some("Basic secret-a")).is_err());
        // Two keys get distinct ids (rate limits are per key).
        assert_ne!(
            set.authenticate(Some("Bearer secret-a")).unwrap(),
            set.authenticate(Some("Bearer secret-b")).unwrap()
        );
    }

    #[test]
    fn plaintext_keys_are_refused_with_line_number() {
        let err = KeySet::parse_file_text("# ok\nmy-secret-key\n", "keys.txt").unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("keys.txt:2"), "{msg}");
        assert!(msg.contains("plaintext"), "{msg}");
    }

    #[test]
    fn env_value_and_empty_config() {
        let v = format!("{},{}", hash_key("a"), hash_key("b"));
        assert_eq!(KeySet::parse_env_value(&v).unwrap().len(), 2);
        assert!(KeySet::load(None, Some("  ")).is_err());
        assert!(KeySet::load(None, Some(&v)).is_ok());
    }

    #[test]
    fn known_digest() {
        assert_eq!(
            hash_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
