//! Stop conditions shared by every backend: stop strings over streamed text (with hold-back
//! so a stop string split across tokens is never emitted) and the repetition-loop detector.

/// Longest repeating unit (in tokens) the loop detector looks for. Reasoning models loop on
/// words ("but but we we …", WeiboAI/VibeThinker#4), phrases and whole sentences; 128 tokens
/// covers a long sentence or a short paragraph.
pub const LOOP_MAX_PERIOD: usize = 128;
/// A loop must repeat its unit at least this many times in a row…
pub const LOOP_MIN_REPEATS: usize = 4;
/// …and span at least this many tokens, so short legitimate repetitions ("1, 1, 1, 1" or a
/// row of dashes) do not trip it.
pub const LOOP_MIN_SPAN: usize = 64;

/// Detects a sequence that has fallen into an exact repetition loop: the last `span` tokens
/// are periodic with some period `p ≤ LOOP_MAX_PERIOD` and
/// `span ≥ max(LOOP_MIN_SPAN, LOOP_MIN_REPEATS·p)`.
///
/// O(`LOOP_MAX_PERIOD`) per token: for each period it keeps the length of the current run of
/// positions where `tok[i] == tok[i − p]`.
#[derive(Debug, Clone)]
pub struct LoopDetector {
    history: std::collections::VecDeque<u32>,
    /// `run[p-1]`: consecutive latest positions with `tok[i] == tok[i-p]`.
    run: Vec<usize>,
}

impl Default for LoopDetector {
    fn default() -> Self {
        Self::new()
    }
}

impl LoopDetector {
    pub fn new() -> Self {
        Self {
            history: std::collections::VecDeque::with_capacity(LOOP_MAX_PERIOD + 1),
            run: vec![0; LOOP_MAX_PERIOD],
        }
    }

    /// Feeds one token; returns the loop's period when the sequence is now looping.
    pub fn push(&mut self, tok: u32) -> Option<usize> {
        let n = self.history.len();
        let mut found = None;
        for p in 1..=LOOP_MAX_PERIOD {
            if p > n {
                self.run[p - 1] = 0;
                continue;
            }
            if self.history[n - p] == tok {
                self.run[p - 1] += 1;
                let span = self.run[p - 1] + p;
                if found.is_none() && span >= LOOP_MIN_SPAN.max(LOOP_MIN_REPEATS * p) {
                    found = Some(p);
                }
            } else {
                self.run[p - 1] = 0;
            }
        }
        if self.history.len() == LOOP_MAX_PERIOD {
            self.history.pop_front();
        }
        self.history.push_back(tok);
        found
    }
}

/// Scans streamed text for stop strings. Text that might be the start of a stop string is held
/// back until it is known not to be.
#[derive(Debug, Clone, Default)]
pub struct StopScanner {
    stops: Vec<String>,
    /// Text received but not yet released.
    pending: String,
}

/// Result of feeding text to a [`StopScanner`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    /// Text safe to emit now.
    pub emit: String,
    /// A stop string was found (the emitted text ends just before it).
    pub stopped: bool,
}

impl StopScanner {
    pub fn new(stops: &[String]) -> Self {
        Self {
            stops: stops.iter().filter(|s| !s.is_empty()).cloned().collect(),
            pending: String::new(),
        }
    }

    /// Adds `text`; returns what may be emitted and whether a stop string ended the sequence.
    pub fn push(&mut self, text: &str) -> Scan {
        self.pending.push_str(text);
        if self.stops.is_empty() {
            return Scan {
                emit: std::mem::take(&mut self.pending),
                stopped: false,
            };
        }
        // Earliest complete stop string.
        let hit = self
            .stops
            .iter()
            .filter_map(|s| self.pending.find(s.as_str()))
            .min();
        if let Some(at) = hit {
            let emit = self.pending[..at].to_string();
            self.pending.clear();
            return Scan {
                emit,
                stopped: true,
            };
        }
        // Hold back the longest suffix that is a proper prefix of some stop string.
        let mut keep_from = self.pending.len();
        for s in &self.stops {
            for (i, _) in self.pending.char_indices() {
                if i < keep_from && s.starts_with(&self.pending[i..]) {
                    keep_from = i;
                    break;
                }
            }
        }
        let emit = self.pending[..keep_from].to_string();
        self.pending.drain(..keep_from);
        Scan {
            emit,
            stopped: false,
        }
    }

    /// Releases held-back text at the end of a sequence.
    pub fn finish(&mut self) -> String {
        std::mem::take(&mut self.pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_string_split_across_pushes_is_never_emitted() {
        let mut s = StopScanner::new(&["</answer>".to_string()]);
        let mut out = String::new();
        let mut stopped = false;
        for piece in ["The answer is 4", "2.</an", "swer> trailing"] {
            let r = s.push(piece);
            out.push_str(&r.emit);
            if r.stopped {
                stopped = true;
                break;
            }
        }
        assert!(stopped);
        assert_eq!(out, "The answer is 42.");
    }

    #[test]
    fn held_back_prefix_is_released_when_it_diverges() {
        let mut s = StopScanner::new(&["STOP".to_string()]);
        assert_eq!(s.push("abc ST").emit, "abc ");
        let r = s.push("AR");
        assert_eq!(r.emit, "STAR");
        assert!(!r.stopped);
        assert_eq!(s.push("ST").emit, "");
        assert_eq!(s.finish(), "ST");
    }

    #[test]
    fn loop_detector_fires_on_word_loop_not_on_text() {
        let mut d = LoopDetector::new();
        // Varied text: never fires.
        for i in 0..2000u32 {
            assert_eq!(d.push(i.wrapping_mul(2654435761) % 5000), None);
        }
        // "but but we we" as a 4-token unit: fires once the run spans LOOP_MIN_SPAN tokens.
        let unit = [11u32, 11, 22, 22];
        let mut fired_at = None;
        for i in 0..200 {
            if let Some(p) = d.push(unit[i % 4]) {
                fired_at = Some((i + 1, p));
                break;
            }
        }
        let (n, p) = fired_at.expect("loop not detected");
        assert_eq!(p, 4);
        assert_eq!(n, LOOP_MIN_SPAN);
    }

    #[test]
    fn loop_detector_needs_min_repeats_for_long_periods() {
        let mut d = LoopDetector::new();
        let unit: Vec<u32> = (1000..1100).collect(); // period 100
        let mut fired = None;
        for i in 0..1000 {
            if let Some(p) = d.push(unit[i % 100]) {
                fired = Some((i + 1, p));
                break;
            }
        }
        assert_eq!(fired, Some((LOOP_MIN_REPEATS * 100, 100)));
    }

    #[test]
    fn short_repetition_does_not_fire() {
        let mut d = LoopDetector::new();
        for _ in 0..LOOP_MIN_SPAN - 1 {
            assert_eq!(d.push(7), None);
        }
        assert_eq!(d.push(7), Some(1));
    }
}
