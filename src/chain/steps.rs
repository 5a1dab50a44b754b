//! Splitting a chain's text into steps, and finding the final answer.
//!
//! Rules (documented in README `## Verify`):
//! - a `<think>…</think>` block is read like the rest (its tags are dropped);
//! - fenced blocks (```` ``` ````) are never split; a fence directly under a line (no blank line
//!   between) joins that line's step, otherwise it is a step of its own;
//! - with two or more step markers (`Step k:`, `k.`, `k)`, `### Step k`, `**Step k**`) each
//!   marker starts a step (text before the first is a step too);
//! - else with blank lines: each paragraph is a step;
//! - else each line is a step (GSM8K style), display math (`$$`, `\[`, `\begin{…}`) kept whole;
//! - a single long line is split into sentences.

/// Longest single paragraph (in bytes) kept as one step before it is split into sentences.
/// Model chains sometimes come as one wall of text; a step should be something a reader can
/// point at.
pub const MAX_PARAGRAPH_BYTES: usize = 600;

/// Splits text into step texts (trimmed, non-empty).
pub fn split_steps(text: &str) -> Vec<String> {
    let text = text.replace("\r\n", "\n").replace("<think>", "");
    // The thinking and the answer after it are split independently (each has its own style).
    if let Some(p) = text.rfind("</think>") {
        let mut steps = split_part(&text[..p].replace("</think>", "\n\n"));
        steps.extend(split_part(&text[p + "</think>".len()..]));
        return steps;
    }
    split_part(&text)
}

fn split_part(text: &str) -> Vec<String> {
    let blocks = split_fences(text);
    let mut steps: Vec<String> = Vec::new();
    for block in blocks {
        match block {
            Block::Fence { text, attached } => {
                if attached && !steps.is_empty() {
                    let last = steps.last_mut().expect("non-empty");
                    last.push('\n');
                    last.push_str(&text);
                } else {
                    steps.push(text);
                }
            }
            Block::Text(t) => steps.extend(split_text(&t)),
        }
    }
    steps
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

enum Block {
    Text(String),
    /// A fenced block with its fences; `attached` when no blank line separates it from the text
    /// above.
    Fence {
        text: String,
        attached: bool,
    },
}

fn is_fence_line(line: &str) -> bool {
    line.trim_start().starts_with("```")
}

fn split_fences(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut cur = String::new();
    let mut lines = text.split('\n').peekable();
    while let Some(line) = lines.next() {
        if is_fence_line(line) {
            let attached = !cur.trim().is_empty() && !cur.ends_with("\n\n");
            if !cur.trim().is_empty() {
                blocks.push(Block::Text(std::mem::take(&mut cur)));
            }
            cur.clear();
            let mut fence = String::from(line.trim_start());
            for inner in lines.by_ref() {
                fence.push('\n');
                fence.push_str(inner);
                if is_fence_line(inner) {
                    break;
                }
            }
            blocks.push(Block::Fence {
                text: fence,
                attached,
            });
        } else {
            cur.push_str(line);
            cur.push('\n');
        }
    }
    if !cur.trim().is_empty() {
        blocks.push(Block::Text(cur));
    }
    blocks
}

/// Chinese numerals used in step markers (`第一步`, `步骤二`).
const CJK_NUMERALS: &str = "零〇一二两三四五六七八九十百";

/// Whether a line starts a step: `Step 3:`, `3.`, `3)`, `3、`, `### Step 3`, `**Step 3:**`,
/// and in Chinese `第一步`, `第3步`, `步骤1`, `解：` (the solution starts).
pub fn is_step_marker(line: &str) -> bool {
    let t = line.trim_start().trim_start_matches(['#', '*', ' ', '-']);
    let numeral = |c: char| c.is_ascii_digit() || CJK_NUMERALS.contains(c);
    if let Some(rest) = t.strip_prefix('第') {
        let rest = rest.trim_start_matches(numeral);
        return rest.len() < t.len() - '第'.len_utf8() && rest.starts_with('步');
    }
    if let Some(rest) = t.strip_prefix("步骤") {
        return rest.trim_start().starts_with(numeral);
    }
    if t.starts_with("解：") || t.starts_with("解:") {
        return true;
    }
    let lower: String = t.chars().take(8).collect::<String>().to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("step") {
        let rest = rest.trim_start();
        return rest.starts_with(|c: char| c.is_ascii_digit());
    }
    let digits = t.chars().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || digits > 3 {
        return false;
    }
    let mut after = t[digits..].chars();
    match after.next() {
        Some('、') => true,
        Some('.' | ')') => matches!(after.next(), Some(' ' | '\t')),
        _ => false,
    }
}

fn split_text(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.split('\n').collect();
    let markers = lines.iter().filter(|l| is_step_marker(l)).count();
    if markers >= 2 {
        let mut steps = Vec::new();
        let mut cur = String::new();
        let mut seen_marker = false;
        for l in &lines {
            if is_step_marker(l) {
                if !cur.trim().is_empty() {
                    if seen_marker {
                        steps.push(std::mem::take(&mut cur));
                    } else {
                        // Text before the first marker: split like unmarked text.
                        steps.extend(split_unmarked(&std::mem::take(&mut cur)));
                    }
                }
                cur.clear();
                seen_marker = true;
            }
            cur.push_str(l);
            cur.push('\n');
        }
        steps.push(cur);
        return steps;
    }
    split_unmarked(text)
}

fn split_unmarked(text: &str) -> Vec<String> {
    let paragraphs: Vec<String> = split_paragraphs(text);
    let mut out = Vec::new();
    if paragraphs.len() >= 2 {
        for p in paragraphs {
            out.extend(split_long(&p));
        }
        return out;
    }
    let Some(only) = paragraphs.into_iter().next() else {
        return out;
    };
    let line_steps = split_lines_keeping_display(&only);
    if line_steps.len() >= 2 {
        return line_steps;
    }
    split_long(&only)
}

fn split_paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut open_display = false;
    for l in text.split('\n') {
        if l.trim().is_empty() && !open_display {
            if !cur.trim().is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            cur.clear();
            continue;
        }
        open_display ^= toggles_display(l);
        cur.push_str(l);
        cur.push('\n');
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}

/// Whether the line opens or closes (an odd number of) display-math blocks.
fn toggles_display(l: &str) -> bool {
    let dollars = l.matches("$$").count();
    let open = l.matches("\\[").count() + l.matches("\\begin{").count();
    let close = l.matches("\\]").count() + l.matches("\\end{").count();
    dollars % 2 == 1 || open != close
}

fn split_lines_keeping_display(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut open = false;
    for l in text.split('\n') {
        if l.trim().is_empty() {
            continue;
        }
        cur.push_str(l);
        cur.push('\n');
        open ^= toggles_display(l);
        if !open {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}

/// Splits a paragraph longer than [`MAX_PARAGRAPH_BYTES`] into sentences (after `.`, `!`, `?`
/// followed by a space and an upper-case letter, outside `$…$`). Decimals never split.
fn split_long(p: &str) -> Vec<String> {
    if p.len() <= MAX_PARAGRAPH_BYTES {
        return vec![p.to_string()];
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut dollars = 0usize;
    let mut chars = p.chars().peekable();
    while let Some(c) = chars.next() {
        cur.push(c);
        if c == '$' {
            dollars += 1;
        }
        if matches!(c, '.' | '!' | '?') && dollars.is_multiple_of(2) {
            if let Some(&n) = chars.peek() {
                if n == ' ' || n == '\n' {
                    // Look past the space for an upper-case letter.
                    let mut la = chars.clone();
                    la.next();
                    if la.next().is_some_and(|c| c.is_uppercase()) && cur.trim().len() > 8 {
                        out.push(std::mem::take(&mut cur));
                    }
                }
            }
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}

/// Longest `\boxed{…}` content accepted, in bytes; a longer box is not an answer.
pub const BOXED_SCAN_CHARS: usize = 4096;

/// Most boxes joined into one answer (`$\boxed{2}$ and $\boxed{3}$` → `2, 3`).
pub const MAX_JOINED_BOXES: usize = 16;

/// Longest text (bytes) between two boxes that may still join them into one answer.
const MAX_BOX_GAP_BYTES: usize = 40;

/// Whether the text between two boxes only connects them (`$ and $`, `, `, `\text{ or }`),
/// so that together they give the answer (several solutions, each boxed).
fn connects_boxes(gap: &str) -> bool {
    // A box on an earlier line is an earlier result (often the same one restated).
    if gap.len() > MAX_BOX_GAP_BYTES || gap.contains('\n') {
        return false;
    }
    let mut t = gap.to_string();
    for w in ["\\text{", "\\quad", "\\qquad", "and", "or", "\\,", "\\;"] {
        t = t.replace(w, " ");
    }
    t.chars()
        .all(|c| c.is_whitespace() || matches!(c, '$' | ',' | '}' | '{' | '\\' | '(' | ')'))
        && !t.contains("\\\\")
}

/// The content of the last `\boxed{…}` (or `\fbox{…}`) in `text`, nested braces included;
/// boxes right before it joined only by connecting words ([`connects_boxes`]) are listed with
/// it, comma-separated.
fn last_boxed(text: &str) -> Option<String> {
    // The matching `}` of every `{`, found in one pass (keeps many unclosed `\boxed{` linear).
    let bytes = text.as_bytes();
    let closing = super::text::matching_braces(bytes);
    // Every box: (start of the command, end after the box, content).
    let mut boxes: Vec<(usize, usize, String)> = Vec::new();
    let mut search = 0;
    // The next occurrence of each command at or after `search`, found again only once passed
    // (keeps the scan linear when one command repeats many times).
    // `usize::MAX`: no further occurrence.
    let mut next: [(usize, &str); 2] = [(0, "\\boxed"), (0, "\\fbox")];
    let mut first_round = true;
    while search < text.len() {
        for (pos, cmd) in next.iter_mut() {
            if *pos != usize::MAX && (first_round || *pos < search) {
                *pos = text[search..].find(*cmd).map_or(usize::MAX, |p| p + search);
            }
        }
        first_round = false;
        let Some((start, len)) = next
            .iter()
            .filter(|(pos, _)| *pos != usize::MAX)
            .map(|(pos, cmd)| (*pos, cmd.len()))
            .min()
        else {
            break;
        };
        let after_cmd = start + len;
        search = after_cmd;
        let rest = &text[after_cmd..];
        let trimmed = rest.trim_start();
        let offset = after_cmd + (rest.len() - trimmed.len());
        if !trimmed.starts_with('{') {
            // `\boxed 5`
            let tok: String = trimmed
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '$')
                .collect();
            if !tok.is_empty() {
                boxes.push((start, offset + tok.len(), tok));
            }
            continue;
        }
        let end = closing[offset].filter(|e| e - offset <= BOXED_SCAN_CHARS);
        if let Some(e) = end {
            boxes.push((start, e + 1, text[offset + 1..e].to_string()));
        }
    }
    let (mut first, _, _) = boxes.last()?.clone();
    let mut picked = vec![boxes.last()?.2.trim().to_string()];
    for w in boxes.windows(2).rev() {
        let (prev, next) = (&w[0], &w[1]);
        if next.0 != first || picked.len() >= MAX_JOINED_BOXES {
            break;
        }
        if prev.1 > next.0 || !connects_boxes(&text[prev.1..next.0]) {
            break;
        }
        let p = prev.2.trim().to_string();
        if !picked.contains(&p) {
            picked.push(p);
        }
        first = prev.0;
    }
    picked.reverse();
    picked.retain(|p| !p.is_empty());
    // `\boxed{10, 11, 12} and \boxed{-2, -1, 0}`: each box a list of its own; joined as they
    // stand the lists would merge into one. A bare comma list reads as a set of values, so each
    // such box becomes `\{…\}` (boxes already bracketed, or single values, stay as written).
    if picked.len() >= 2 {
        for p in picked.iter_mut() {
            if has_top_level_comma(p) {
                *p = format!("\\{{{p}\\}}");
            }
        }
    }
    (!picked.is_empty()).then(|| picked.join(", "))
}

/// Whether `s` has a comma outside every bracket (`1, 2` yes; `(1, 2)`, `\{1, 2\}` no).
fn has_top_level_comma(s: &str) -> bool {
    let mut depth = 0i32;
    for c in s.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => return true,
            _ => {}
        }
    }
    false
}

/// Finds the final answer: the last `\boxed{…}`/`\fbox{…}` after `</think>` (else anywhere;
/// boxes just before it on the same line, joined only by connecting words, are listed with it:
/// `$\boxed{2}$ and $\boxed{3}$` → `2, 3`), else the last `#### N`, `Final Answer:`,
/// `The (final) answer is`, `Answer:` (also `**Answer:**`) or a line starting `A:` (GSM8K model
/// solutions), else the last stated value (`last_stated_value`). The result is trimmed of `**`,
/// a trailing period, and `$…$` around LaTeX or a relation.
pub fn extract_answer(text: &str) -> Option<String> {
    if let Some(pos) = text.rfind("</think>") {
        if let Some(b) = last_boxed(&text[pos..]) {
            return Some(b);
        }
    }
    if let Some(b) = last_boxed(text) {
        return Some(b);
    }
    // ASCII lower-casing keeps every byte offset (full Unicode lower-casing does not: `İ` becomes
    // two characters), and the markers are ASCII.
    let lower = text.to_ascii_lowercase();
    // The marker found latest in the text wins.
    let markers = [
        "####",
        "final answer:",
        "final answer is",
        "the answer is",
        "answer:",
        "答：",
        "答:",
        "答案是",
        "答案为",
        "最终答案",
    ];
    let mut best: Option<(usize, usize)> = None;
    for m in markers {
        let found = if m == "####" {
            gsm8k_marker(&lower)
        } else {
            lower.rfind(m)
        };
        if let Some(p) = found {
            if best.is_none_or(|(bp, _)| p > bp) && lower.is_char_boundary(p) {
                best = Some((p, m.len()));
            }
        }
    }
    let all_lines: Vec<&str> = text.lines().collect();
    for (k, line) in all_lines.iter().enumerate().rev() {
        let t = line.trim_start();
        if t.starts_with("A:") {
            let p = line_offset(text, k) + (line.len() - t.len());
            if best.is_none_or(|(bp, _)| p > bp) {
                best = Some((p, 2));
            }
            break;
        }
    }
    let Some((p, len)) = best else {
        return last_stated_value(text);
    };
    let rest = &text[p + len..];
    let line = rest.trim_start().lines().next().unwrap_or("");
    let mut answer = clean_answer(line)?;
    // Minerva's template `Final Answer: The final answer is $X$. I hope it is correct.`: the
    // dollars delimit maths, not money.
    if line.contains("I hope it is correct") {
        if let Some(inner) = answer
            .strip_prefix('$')
            .and_then(|a| a.strip_suffix('$'))
            .filter(|a| !a.is_empty() && !a.replace("\\$", "").contains('$'))
        {
            answer = inner.trim().to_string();
        }
    }
    // `**Final Answer:** The values of \(x\) … are \(x = 5\) and \(x = -2\).`: the math
    // after the sentence's last `is` / `are`.
    if let Some(m) = math_after_copula(line) {
        return Some(m);
    }
    // `**Answer:** Verna received $7.00 in change.`: a sentence after the marker states its one
    // number.
    if is_sentence(&answer) {
        if let Some(n) = sole_number(&answer) {
            return Some(n);
        }
    }
    Some(answer)
}

/// The last GSM8K `#### N` marker: four `#` not part of a longer run, whose line does not go on
/// with a word (`#### For \(T = 3\):` is a markdown heading).
fn gsm8k_marker(lower: &str) -> Option<usize> {
    lower.rmatch_indices("####").map(|(p, _)| p).find(|&p| {
        let after = &lower[p + 4..];
        let tail = after.lines().next().unwrap_or("").trim_start();
        !after.starts_with('#')
            && (p == 0 || !lower[..p].ends_with('#'))
            && !tail.starts_with(|c: char| c.is_alphabetic())
    })
}

/// Opening words of a concluding sentence (`Therefore, …`, `So, …`), lower-case.
const CONCLUDING_CUES: &[&str] = &[
    "therefore",
    "thus",
    "so",
    "hence",
    "in total",
    "in conclusion",
    "finally",
    "overall",
    "altogether",
    "consequently",
];

/// Words that label the number after them instead of stating an amount (`part 2`, `case 3`).
const LABEL_WORDS: &[&str] = &[
    "part",
    "case",
    "cases",
    "step",
    "steps",
    "lemma",
    "equation",
    "figure",
    "problem",
    "question",
    "line",
    "item",
    "claim",
    "condition",
    "theorem",
    "option",
    "page",
];

/// Fewest words (letters only, two or more) that make an answer a sentence rather than a value
/// with a unit (`7 dollars`) or a short text answer.
const MIN_SENTENCE_WORDS: usize = 3;

/// Whether `s` reads as a prose sentence: at least [`MIN_SENTENCE_WORDS`] plain words and no
/// LaTeX command, relation or math segment.
fn is_sentence(s: &str) -> bool {
    let s = s.replace("\\$", "$");
    if s.contains(['\\', '=', '^', '{']) || (s.matches('$').count() >= 2 && !currency_only(&s)) {
        return false;
    }
    s.split_whitespace()
        .filter(|w| {
            let w = w.trim_end_matches(['.', ',', ';', ':', '!', '?']);
            w.chars().count() >= 2 && w.chars().all(char::is_alphabetic)
        })
        .count()
        >= MIN_SENTENCE_WORDS
}

/// Whether every `$` in `s` is a currency sign (directly before a digit).
fn currency_only(s: &str) -> bool {
    s.match_indices('$')
        .all(|(k, _)| s[k + 1..].starts_with(|c: char| c.is_ascii_digit()))
}

/// The one number a prose sentence states (`So, Raymond has $8 left.` → `8`): `None` when the
/// sentence holds no number, more than one token with a digit (which is the answer is not
/// said), a relation, or only a number that a label word names (`part 2`).
fn sole_number(sentence: &str) -> Option<String> {
    if sentence.contains(['=', '<', '>', '^', '{']) || sentence.contains("\\(") {
        return None;
    }
    let tokens: Vec<&str> = sentence.split_whitespace().collect();
    let mut found: Option<(usize, String)> = None;
    for (k, tok) in tokens.iter().enumerate() {
        if !tok.chars().any(|c| c.is_ascii_digit()) {
            continue;
        }
        if found.is_some() {
            return None;
        }
        let t = tok.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '*']);
        let t = t.trim_start_matches(['(', '*']);
        let t = t
            .strip_prefix("\\$")
            .or_else(|| t.strip_prefix('$'))
            .unwrap_or(t);
        let t = t.trim_end_matches('$');
        if !plain_number(t) {
            return None;
        }
        found = Some((k, t.to_string()));
    }
    let (k, n) = found?;
    let labelled = k > 0 && {
        let prev = tokens[k - 1].trim_matches(|c: char| !c.is_alphabetic());
        LABEL_WORDS.contains(&prev.to_ascii_lowercase().as_str())
    };
    (!labelled).then_some(n)
}

/// The last sentence of `line` when it opens with a concluding cue ([`CONCLUDING_CUES`]).
fn concluding_sentence(line: &str) -> Option<&str> {
    let body = line.trim().trim_end_matches(['.', '!']);
    let last = [". ", "! ", "? "]
        .iter()
        .filter_map(|sep| body.rfind(sep).map(|p| p + sep.len()))
        .max()
        .map_or(body, |p| &body[p..])
        .trim();
    let lower = last.to_ascii_lowercase();
    CONCLUDING_CUES
        .iter()
        .any(|c| {
            lower.starts_with(c)
                && !lower[c.len()..].starts_with(|ch: char| ch.is_ascii_alphanumeric())
        })
        .then_some(last)
}

/// Longest answer (in characters) taken from prose without a marker ("… is 6."): a longer tail
/// is a sentence, not a value.
pub const MAX_PROSE_ANSWER_CHARS: usize = 40;

/// The fallback when nothing marks the answer: the value stated last, in the last non-empty
/// line only — its last bold `**…**` holding a digit, else the right side of its last math
/// segment (`$…$`, `\(…\)`, `\[…\]`: `Therefore, $x^3 = 12$.` → `12`), else a number after the
/// last `=` of a line whose left side names something (`Total = 2 * 40 = 80.` → `80`), else what
/// follows its last " is " when that starts with a number ("so the total is 6 apples." →
/// `6 apples`).
fn last_stated_value(text: &str) -> Option<String> {
    if let Some(list) = closing_value_list(text) {
        return Some(list);
    }
    last_line_value(text).or_else(|| display_before_remark(text))
}

/// Most lines of closing remark after an introduced display ([`display_before_remark`]).
const MAX_REMARK_LINES: usize = 2;

/// Most lines of a display read by [`display_before_remark`] (`\[`, the math, `\]`).
const MAX_DISPLAY_LINES: usize = 4;

/// `… the polynomial is:` / `\[ p(x) = \frac{x(x-1)}{6} \]` / `This solution ensures …`: when
/// the last line states no value, a display introduced by a line ending in `:` and followed
/// only by up to [`MAX_REMARK_LINES`] lines without display math states the answer (the right
/// side of its relation, as for a display on the last line).
fn display_before_remark(text: &str) -> Option<String> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let close = lines
        .iter()
        .rposition(|l| l.ends_with("\\]"))
        .filter(|&k| lines.len() - 1 - k <= MAX_REMARK_LINES && k + 1 < lines.len())?;
    if lines[close + 1..]
        .iter()
        .any(|l| l.contains("\\[") || l.contains("\\]") || l.contains("$$"))
    {
        return None;
    }
    let open = lines[..=close].iter().rposition(|l| l.starts_with("\\["))?;
    if close - open + 1 > MAX_DISPLAY_LINES || open == 0 || !lines[open - 1].ends_with(':') {
        return None;
    }
    let body = lines[open..=close].join(" ");
    let math = body.strip_prefix("\\[")?.strip_suffix("\\]")?.trim();
    if math.is_empty() || math.contains("\\[") || math.matches('=').count() > 1 {
        return None;
    }
    clean_answer(math.rsplit('=').next().unwrap_or(math))
}

/// [`last_stated_value`] read from the last non-empty line alone.
fn last_line_value(text: &str) -> Option<String> {
    let line = text.lines().rev().map(str::trim).find(|l| !l.is_empty())?;
    let has_digit = |s: &str| s.chars().any(|c| c.is_ascii_digit());
    // Last bold span with a digit.
    let bolds: Vec<&str> = line.split("**").collect();
    if bolds.len() >= 3 {
        let last_closed = if bolds.len() % 2 == 1 {
            bolds.len() - 2
        } else {
            bolds.len() - 3
        };
        let b = bolds[last_closed];
        if has_digit(b) {
            return clean_answer(b.rsplit('=').next().unwrap_or(b));
        }
    }
    // `… are \(-1, 0,\) and \(1\).`: several inline maths after the sentence's copula are
    // the answer together (the last one alone is one of them).
    if let Some(segs) = copula_math_segments(line).filter(|s| s.len() >= 2) {
        return Some(segs.join(", "));
    }
    // `Therefore, 20 workers are needed to produce \(\frac{720}{K}\) widgets.`: the number the
    // concluding sentence opens with is its subject, stated as the result.
    if let Some(n) = concluding_sentence(line).and_then(opening_number) {
        return Some(n);
    }
    // Last math segment: `$…$` or `\(…\)`.
    let seg = last_math_segment(line);
    // A currency pair (`$5 and $6`) is not math: only LaTeX, a relation or a bare number.
    let mathy = |s: &str| {
        s.contains(['\\', '=', '^', '{'])
            || s.trim()
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-'))
    };
    if let Some(seg) = seg.filter(|s| mathy(s)) {
        let value = seg.rsplit('=').next().unwrap_or(seg);
        if has_digit(value) || value.contains('\\') {
            return clean_answer(value);
        }
    }
    // `Total = 80.`, `∠ACB = 45°.`: a line ending in `= number` whose left side names a
    // quantity (a bare calculation `2 + 2 = 4` states no answer).
    if let Some((_, rhs)) = line.rsplit_once('=') {
        let v = rhs.trim().trim_end_matches('.').trim();
        let named = line
            .split('=')
            .next()
            .is_some_and(|l| l.chars().any(char::is_alphabetic));
        if named
            && v.starts_with(|c: char| c.is_ascii_digit() || c == '-')
            && has_digit(v)
            && v.chars().count() <= MAX_PROSE_ANSWER_CHARS
            && !v.contains(' ')
        {
            return clean_answer(v);
        }
    }
    let lower = line.to_ascii_lowercase();
    if let Some(p) = lower.rfind(" is ") {
        let tail = line[p + 4..].trim();
        // `… is (are) 81.`: a parenthesised word echoing the copula (a problem's `is (are)`).
        let tail = tail
            .strip_prefix('(')
            .and_then(|t| t.split_once(')'))
            .filter(|(w, _)| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphabetic()))
            .map_or(tail, |(_, rest)| rest.trim());
        let starts_number = tail.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '$');
        if starts_number && tail.chars().count() <= MAX_PROSE_ANSWER_CHARS {
            return clean_answer(tail);
        }
        // `Elvis is 54 miles east of his house after …`: the one number of a longer tail.
        if starts_number {
            if let Some(n) = sole_number(tail) {
                return Some(n);
            }
        }
    }
    // `So, after all his transactions, Raymond has $8 left.`: a concluding sentence with one
    // number states it.
    concluding_sentence(line).and_then(sole_number)
}

/// Most bullet lines read as one closing list of values ([`closing_value_list`]).
const MAX_LIST_LINES: usize = 8;

/// A solution that ends in a bulleted list of named values, one inline math `name = value` per
/// bullet (`Summary:` / `- \( d(6) = \frac{1}{3} \)` / `- \( d(16) = 1 \)`), states them all:
/// `d(6) = \frac{1}{3}, d(16) = 1`. Two to [`MAX_LIST_LINES`] bullets, each nothing but the
/// bullet mark and its one relation; `None` otherwise.
fn closing_value_list(text: &str) -> Option<String> {
    let mut items: Vec<&str> = Vec::new();
    for line in text.lines().rev().map(str::trim).filter(|l| !l.is_empty()) {
        let Some(body) = ["- ", "* ", "• "].iter().find_map(|m| line.strip_prefix(m)) else {
            break;
        };
        let body = body.trim().trim_end_matches(['.', ',', ';']).trim_end();
        let math = body
            .strip_prefix("\\(")
            .and_then(|b| b.strip_suffix("\\)"))
            .or_else(|| body.strip_prefix('$').and_then(|b| b.strip_suffix('$')))?;
        let math = math.trim();
        if math.contains(['$', '\n']) || math.contains("\\(") || math.matches('=').count() != 1 {
            return None;
        }
        items.push(math);
        if items.len() > MAX_LIST_LINES {
            return None;
        }
    }
    if items.len() < 2 {
        return None;
    }
    items.reverse();
    Some(items.join(", "))
}

/// The content of the last `$…$` or `\(…\)` segment of a line.
fn last_math_segment(line: &str) -> Option<&str> {
    for (open, close) in [("\\(", "\\)"), ("\\[", "\\]")] {
        if let Some(end) = line.rfind(close) {
            if let Some(start) = line[..end].rfind(open) {
                return Some(&line[start + 2..end]);
            }
        }
    }
    let end = line.rfind('$')?;
    let start = line[..end].rfind('$')?;
    let seg = line[start + 1..end].trim_matches('$');
    (!seg.trim().is_empty()).then_some(seg)
}

fn line_offset(text: &str, k: usize) -> usize {
    text.split_inclusive('\n').take(k).map(str::len).sum()
}

/// Words that join the math segments of a stated answer (`\(x = 5\) and \(x = -2\)`).
const JOINING_WORDS: &[&str] = &["and", "or", "both", "either"];

/// Fewest plain words before the copula for [`math_after_copula`] to read a line as a sentence.
const MIN_WORDS_BEFORE_COPULA: usize = 2;

/// The math a prose sentence states after its last `is` / `are` / `equals`, when nothing but
/// inline math (`\(…\)`, `$…$`) and joining words ([`JOINING_WORDS`]) follows it: segments
/// joined by `, `. `None` for anything else (a bare value, a sentence going on in words).
fn math_after_copula(line: &str) -> Option<String> {
    copula_math_segments(line).map(|s| s.join(", "))
}

/// Verbs that, after a concluding cue and a number (and at most [`MAX_SUBJECT_WORDS`] words
/// naming what is counted), make that number the sentence's subject: `Thus, 20 workers are
/// needed …`, `So, 5 is the least value …`.
const SUBJECT_VERBS: &[&str] = &[
    "is", "are", "was", "were", "will", "would", "must", "should", "can", "could", "remain",
    "remains",
];

/// Most words between the opening number and its verb (`20 more workers are`).
const MAX_SUBJECT_WORDS: usize = 2;

/// Words that make the opening number part of a calculation or a share, not the result
/// (`So 2 times …`, `Thus 3 of the …`, `So 20 percent of …`).
const NOT_SUBJECT_WORDS: &[&str] = &["times", "of", "percent", "out", "divided", "multiplied"];

/// Whether `t` is a plain written number: an optional `-`, digits with `,` separators and at
/// most one `.`, starting with a digit and not ending with punctuation (`1,234.5`, `-12`).
fn plain_number(t: &str) -> bool {
    let body = t.strip_prefix('-').unwrap_or(t);
    body.starts_with(|c: char| c.is_ascii_digit())
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
        && body.matches('.').count() <= 1
        && !body.ends_with([',', '.'])
}

/// The number a concluding sentence opens with, when a verb of [`SUBJECT_VERBS`] follows it
/// within [`MAX_SUBJECT_WORDS`] plain words: `Therefore, 20 workers are needed to produce
/// \(\frac{720}{K}\) widgets.` → `20`. `None` otherwise (`So 4 people each get …`).
fn opening_number(sentence: &str) -> Option<String> {
    let mut words = sentence.split_whitespace();
    words.next()?; // the cue (`In total` ends at its second word, checked below)
    let mut first = words.next()?;
    if first.eq_ignore_ascii_case("total,") || first.eq_ignore_ascii_case("conclusion,") {
        first = words.next()?;
    }
    let num = first
        .strip_prefix("\\$")
        .or_else(|| first.strip_prefix('$'))
        .unwrap_or(first);
    if !plain_number(num) {
        return None;
    }
    for (k, w) in words.enumerate() {
        let lw = w.to_ascii_lowercase();
        if SUBJECT_VERBS.contains(&lw.as_str()) {
            return Some(num.to_string());
        }
        let plain = w.chars().all(|c| c.is_ascii_alphabetic());
        if k >= MAX_SUBJECT_WORDS || !plain || NOT_SUBJECT_WORDS.contains(&lw.as_str()) {
            return None;
        }
    }
    None
}

/// The inline math segments [`math_after_copula`] reads, each without a trailing comma
/// (`\(-1, 0,\) and \(1\)` → `-1, 0` and `1`).
fn copula_math_segments(line: &str) -> Option<Vec<&str>> {
    let line = line.trim().trim_end_matches(['.', '!']).trim_end();
    let lower = line.to_ascii_lowercase();
    let p = [
        " is ",
        " are ",
        " equals ",
        " is equal to ",
        " are equal to ",
    ]
    .iter()
    .filter_map(|w| lower.rfind(w).map(|p| (p, p + w.len())))
    .max_by_key(|&(_, end)| end)?;
    let words_before = line[..p.0]
        .split(['$', ' '])
        .filter(|w| w.len() >= 2 && w.chars().all(char::is_alphabetic))
        .count();
    if words_before < MIN_WORDS_BEFORE_COPULA {
        return None;
    }
    let mut tail = line[p.1..].trim();
    let mut segments: Vec<&str> = Vec::new();
    while !tail.is_empty() {
        let (open, close) = if tail.starts_with("\\(") {
            ("\\(", "\\)")
        } else if tail.starts_with('$') {
            ("$", "$")
        } else {
            let end = tail.find(['$', '\\']).unwrap_or(tail.len());
            let joining = tail[..end]
                .split([' ', ','])
                .all(|w| w.is_empty() || JOINING_WORDS.contains(&w.to_ascii_lowercase().as_str()));
            if !joining || end == 0 {
                return None;
            }
            tail = tail[end..].trim_start();
            continue;
        };
        let body = &tail[open.len()..];
        let end = body.find(close).unwrap_or(body.len());
        let seg = body[..end].trim().trim_end_matches(',').trim_end();
        if seg.is_empty() {
            return None;
        }
        segments.push(seg);
        tail = body[(end + close.len()).min(body.len())..].trim_start();
    }
    (!segments.is_empty()).then_some(segments)
}

/// Trims decoration around an answer found after a marker: `**`, `$`, `:`, a trailing period
/// (not a decimal point), and a sentence continuing after it.
fn clean_answer(s: &str) -> Option<String> {
    let s = crate::chain::text::normalize_width(s);
    let mut t = s
        .trim()
        .trim_start_matches([':', '：', '是', '为'])
        .trim()
        .to_string();
    // Cut at the end of the sentence: ". ", "。", or a final "." not between digits.
    for end in [". ", "。"] {
        if let Some(idx) = t.find(end) {
            t.truncate(idx);
        }
    }
    // `5个`, `12元`, `还剩11元`: words in Chinese around a number.
    let core = t.trim_matches(crate::chain::text::is_cjk).trim();
    if core.starts_with(|c: char| c.is_ascii_digit() || c == '-') && core.len() < t.len() {
        t = core.to_string();
    }
    let t = t
        .trim()
        .trim_matches('*')
        .trim()
        .trim_end_matches('.')
        .trim()
        .trim_matches('*')
        .trim();
    let t = t.strip_prefix("\\(").unwrap_or(t);
    let t = t.strip_suffix("\\)").unwrap_or(t);
    let t = t.strip_prefix("\\[").unwrap_or(t);
    let t = t.strip_suffix("\\]").unwrap_or(t);
    // `$\frac{3}{4}$`, `$x = 2$` (a relation is not an amount of money; `$7$` stays as written).
    let t = if t.starts_with('$')
        && t.ends_with('$')
        && t.len() >= 2
        && t.contains(['\\', '='])
        && !t.trim_matches('$').contains('$')
    {
        t.trim_matches('$')
    } else {
        t
    };
    // `$\frac{1}{2}.$`: the sentence's period inside the maths.
    let t = t.trim().trim_end_matches('.').trim_end();
    if t.is_empty() {
        None
    } else {
        Some(t.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers() {
        assert!(is_step_marker("Step 2: 3+4"));
        assert!(is_step_marker("**Step 10.** x"));
        assert!(is_step_marker("3. We add"));
        assert!(!is_step_marker("3.5 kg of flour"));
        assert!(!is_step_marker("Steps are hard"));
    }

    #[test]
    fn answers() {
        assert_eq!(
            extract_answer("so \\boxed{\\frac{1}{2}}."),
            Some("\\frac{1}{2}".into())
        );
        assert_eq!(extract_answer("x\n#### 72"), Some("72".into()));
        assert_eq!(extract_answer("x\nA: 18"), Some("18".into()));
        assert_eq!(
            extract_answer("<think>\\boxed{3}</think> so \\boxed{4}"),
            Some("4".into())
        );
        assert_eq!(extract_answer("The answer is 3.5."), Some("3.5".into()));
        assert_eq!(extract_answer("nothing here"), None);
    }
}
