//! Tokenizers and the ChatML prompt format.
//!
//! Owns: loading `tokenizer.json`, rebuilding a tokenizer from GGUF metadata (gpt2-style
//! byte-level BPE), rendering chat messages as ChatML the way VibeThinker is evaluated (one
//! user turn, no system prompt unless one is given, then the assistant header), and
//! incremental detokenization for streaming.
//!
//! Prompt ids are built segment by segment: the ChatML markers are inserted as their special
//! token ids and message text goes through [`ChatTokenizer::encode_untrusted`], so a message
//! that contains the literal text `<|im_end|>` cannot forge a turn boundary. For ordinary text
//! the ids equal tokenizing the rendered string (the tokenizer splits special tokens out first).

use super::ChatMessage;
use anyhow::{anyhow, bail, Context, Result};
use candle_core::quantized::gguf_file;
use serde_json::json;
use std::collections::HashMap;
use std::path::Path;

/// ChatML turn start marker.
pub const IM_START: &str = "<|im_start|>";
/// ChatML turn end marker; also a stop token.
pub const IM_END: &str = "<|im_end|>";
/// Qwen's end-of-text token; also a stop token.
pub const END_OF_TEXT: &str = "<|endoftext|>";

/// The Qwen2 pre-tokenizer split pattern (GGUF `tokenizer.ggml.pre = "qwen2"`).
pub const QWEN2_SPLIT: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// Renders messages as ChatML text, with the assistant header appended.
pub fn render_chatml(messages: &[ChatMessage]) -> String {
    let mut s = String::new();
    for m in messages {
        s.push_str(IM_START);
        s.push_str(m.role.as_str());
        s.push('\n');
        s.push_str(&m.content);
        s.push_str(IM_END);
        s.push('\n');
    }
    s.push_str(IM_START);
    s.push_str("assistant\n");
    s
}

/// A tokenizer plus the ids of the ChatML markers and the stop tokens.
pub struct ChatTokenizer {
    tok: tokenizers::Tokenizer,
    im_start: u32,
    im_end: u32,
    /// Contents of the special tokens, longest first (neutralised inside message text).
    specials: Vec<String>,
    /// Token ids that end a sequence.
    pub eos_ids: Vec<u32>,
}

impl ChatTokenizer {
    /// Wraps a loaded tokenizer; it must know the ChatML markers.
    pub fn new(tok: tokenizers::Tokenizer, extra_eos: &[u32]) -> Result<Self> {
        let im_start = tok
            .token_to_id(IM_START)
            .ok_or_else(|| anyhow!("tokenizer has no {IM_START} token: not a ChatML model"))?;
        let im_end = tok
            .token_to_id(IM_END)
            .ok_or_else(|| anyhow!("tokenizer has no {IM_END} token: not a ChatML model"))?;
        let mut eos_ids = vec![im_end];
        if let Some(e) = tok.token_to_id(END_OF_TEXT) {
            eos_ids.push(e);
        }
        for &e in extra_eos {
            if !eos_ids.contains(&e) {
                eos_ids.push(e);
            }
        }
        let mut specials: Vec<String> = tok
            .get_added_tokens_decoder()
            .values()
            .filter(|t| t.special && !t.content.is_empty())
            .map(|t| t.content.clone())
            .collect();
        specials.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Ok(Self {
            tok,
            im_start,
            im_end,
            specials,
            eos_ids,
        })
    }

    /// Loads `tokenizer.json`.
    pub fn from_file(path: &Path, extra_eos: &[u32]) -> Result<Self> {
        let tok = tokenizers::Tokenizer::from_file(path)
            .map_err(|e| anyhow!("loading tokenizer {}: {e}", path.display()))?;
        Self::new(tok, extra_eos)
    }

    /// Rebuilds a byte-level BPE tokenizer from GGUF metadata (`tokenizer.ggml.*`).
    pub fn from_gguf(md: &HashMap<String, gguf_file::Value>) -> Result<Self> {
        let json = gguf_tokenizer_json(md)?;
        let tok = tokenizers::Tokenizer::from_bytes(json.to_string().as_bytes())
            .map_err(|e| anyhow!("building the tokenizer from GGUF metadata: {e}"))?;
        let mut extra = vec![];
        if let Some(v) = md.get("tokenizer.ggml.eos_token_id") {
            extra.push(v.to_u32()?);
        }
        Self::new(tok, &extra)
    }

    pub fn inner(&self) -> &tokenizers::Tokenizer {
        &self.tok
    }

    pub fn vocab_size(&self) -> usize {
        self.tok.get_vocab_size(true)
    }

    /// Plain text to ids (no special tokens added; special-token text is not interpreted).
    pub fn encode_text(&self, text: &str) -> Result<Vec<u32>> {
        if text.is_empty() {
            return Ok(vec![]);
        }
        let enc = self
            .tok
            .encode_fast(text, false)
            .map_err(|e| anyhow!("tokenizing: {e}"))?;
        Ok(enc.get_ids().to_vec())
    }

    /// Untrusted text to ids: special-token text inside it (e.g. a literal `<|im_end|>`) is
    /// tokenized as ordinary characters (its first character on its own), never as the special
    /// token.
    pub fn encode_untrusted(&self, text: &str) -> Result<Vec<u32>> {
        let mut ids = Vec::new();
        let mut rest = text;
        loop {
            let hit = self
                .specials
                .iter()
                .filter_map(|s| rest.find(s.as_str()).map(|at| (at, s)))
                .min_by_key(|(at, s)| (*at, std::cmp::Reverse(s.len())));
            let Some((at, special)) = hit else {
                ids.extend(self.encode_text(rest)?);
                return Ok(ids);
            };
            ids.extend(self.encode_text(&rest[..at])?);
            let first = special.chars().next().map(char::len_utf8).unwrap_or(0);
            ids.extend(self.encode_text(&special[..first])?);
            ids.extend(self.encode_text(&special[first..])?);
            rest = &rest[at + special.len()..];
        }
    }

    /// Chat messages to prompt ids in ChatML (see the module docs).
    pub fn encode_chat(&self, messages: &[ChatMessage]) -> Result<Vec<u32>> {
        if messages.is_empty() {
            bail!("no messages to send to the model");
        }
        let mut ids = Vec::new();
        for m in messages {
            ids.push(self.im_start);
            ids.extend(self.encode_untrusted(&format!("{}\n{}", m.role, m.content))?);
            ids.push(self.im_end);
            ids.extend(self.encode_text("\n")?);
        }
        ids.push(self.im_start);
        ids.extend(self.encode_text("assistant\n")?);
        Ok(ids)
    }

    /// Ids to text, special tokens skipped.
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        self.tok
            .decode(ids, true)
            .map_err(|e| anyhow!("detokenizing: {e}"))
    }
}

/// Incremental detokenizer for one sequence: returns only complete new text (never half a UTF-8
/// character), re-decoding a short window so merges across token boundaries come out right.
#[derive(Debug, Default, Clone)]
pub struct Detokenizer {
    ids: Vec<u32>,
    prefix: usize,
    read: usize,
}

impl Detokenizer {
    pub fn push(&mut self, tok: &ChatTokenizer, id: u32) -> Result<String> {
        self.ids.push(id);
        let before = tok.decode(&self.ids[self.prefix..self.read])?;
        let now = tok.decode(&self.ids[self.prefix..])?;
        if now.len() > before.len() && !now.ends_with('\u{FFFD}') && now.starts_with(&before) {
            let new = now[before.len()..].to_string();
            self.prefix = self.read;
            self.read = self.ids.len();
            Ok(new)
        } else {
            // An incomplete character, or the window re-segmented: wait for more tokens.
            Ok(String::new())
        }
    }

    /// Whatever text is still buffered at the end of the sequence.
    pub fn finish(&mut self, tok: &ChatTokenizer) -> Result<String> {
        let before = tok.decode(&self.ids[self.prefix..self.read])?;
        let now = tok.decode(&self.ids[self.prefix..])?;
        self.prefix = self.ids.len();
        self.read = self.ids.len();
        Ok(now.strip_prefix(before.as_str()).unwrap_or("").to_string())
    }
}

fn md_str<'a>(md: &'a HashMap<String, gguf_file::Value>, key: &str) -> Option<&'a str> {
    md.get(key)
        .and_then(|v| v.to_string().ok())
        .map(|s| s.as_str())
}

/// Builds a `tokenizer.json` document from GGUF tokenizer metadata.
fn gguf_tokenizer_json(md: &HashMap<String, gguf_file::Value>) -> Result<serde_json::Value> {
    let model = md_str(md, "tokenizer.ggml.model").unwrap_or("");
    if model != "gpt2" {
        bail!(
            "GGUF tokenizer model {model:?} is not supported (only gpt2-style byte-level BPE); \
             put a tokenizer.json next to the .gguf file"
        );
    }
    let tokens = md
        .get("tokenizer.ggml.tokens")
        .context("GGUF has no tokenizer.ggml.tokens")?
        .to_vec()?;
    let types: Vec<i64> = match md.get("tokenizer.ggml.token_type") {
        Some(v) => v
            .to_vec()?
            .iter()
            .map(|t| {
                t.to_i32()
                    .map(i64::from)
                    .or_else(|_| t.to_u32().map(i64::from))
            })
            .collect::<candle_core::Result<_>>()?,
        None => vec![],
    };
    let merges: Vec<serde_json::Value> = match md.get("tokenizer.ggml.merges") {
        Some(v) => v
            .to_vec()?
            .iter()
            .map(|m| {
                let s = m.to_string()?;
                let (a, b) = s
                    .split_once(' ')
                    .ok_or_else(|| candle_core::Error::Msg(format!("bad GGUF merge {s:?}")))?;
                Ok(json!([a, b]))
            })
            .collect::<candle_core::Result<_>>()?,
        None => vec![],
    };
    let mut vocab = serde_json::Map::new();
    let mut added = vec![];
    for (id, t) in tokens.iter().enumerate() {
        let s = t.to_string()?;
        // Type 3 = control (special), 4 = user-defined: matched whole, before BPE.
        let ty = types.get(id).copied().unwrap_or(1);
        if ty == 3 || ty == 4 {
            added.push(
                json!({"id": id, "content": s, "single_word": false, "lstrip": false,
                "rstrip": false, "normalized": false, "special": ty == 3}),
            );
        }
        vocab.entry(s.clone()).or_insert(json!(id));
    }
    let pre = md_str(md, "tokenizer.ggml.pre").unwrap_or("default");
    let (normalizer, pre_tokenizer) = if pre.contains("qwen2") {
        (
            json!({"type": "NFC"}),
            json!({"type": "Sequence", "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": QWEN2_SPLIT}, "behavior": "Isolated", "invert": false},
                {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false}
            ]}),
        )
    } else {
        // GPT-2's own split (what llama.cpp's "default"/"smollm" vocabularies are close to).
        (
            serde_json::Value::Null,
            json!({"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}),
        )
    };
    Ok(json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added,
        "normalizer": normalizer,
        "pre_tokenizer": pre_tokenizer,
        "post_processor": null,
        "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
        "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
                  "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false,
                  "ignore_merges": false, "vocab": vocab, "merges": merges}
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chatml_single_user_turn_has_no_system_prompt() {
        let s = render_chatml(&[ChatMessage::user("2+2?")]);
        assert_eq!(
            s,
            "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n"
        );
    }

    #[test]
    fn chatml_with_system() {
        let s = render_chatml(&[ChatMessage::system("Be brief."), ChatMessage::user("hi")]);
        assert_eq!(
            s,
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"
        );
    }
}
