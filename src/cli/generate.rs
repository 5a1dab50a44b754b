//! `vibecheck generate`: one prompt through a model backend. The text streams to stdout; a
//! `tok/s` line and the stop reason go to stderr.

use super::model_args::ModelArgs;
use crate::model::{ChatMessage, GenEvent, StopReason};
use std::io::Write;
use std::ops::ControlFlow;

/// Arguments of `vibecheck generate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The user message (one chat turn, ChatML).
    pub prompt: String,
    /// Optional system message (none by default, as VibeThinker is evaluated).
    #[arg(long)]
    pub system: Option<String>,
    /// Number of samples for the prompt (decoded as one batch).
    #[arg(long, default_value_t = 1)]
    pub n: usize,
    /// Extra stop string (repeatable).
    #[arg(long = "stop")]
    pub stop: Vec<String>,
    /// Boxed: the model flags are large and `Args` sits in the CLI's command enum.
    #[command(flatten)]
    pub model: Box<ModelArgs>,
}

fn reason(s: StopReason) -> &'static str {
    match s {
        StopReason::Eos => "end of text",
        StopReason::StopString => "stop string",
        StopReason::MaxTokens => "max tokens",
        StopReason::LoopDetected => "repetition loop detected",
        StopReason::Cancelled => "cancelled",
    }
}

/// Runs `vibecheck generate`; returns the exit code.
pub fn run(args: Args) -> anyhow::Result<i32> {
    if args.prompt.trim().is_empty() {
        anyhow::bail!("the prompt is empty");
    }
    let mut gen = args.model.build()?;
    let mut params = args.model.sampling();
    params.n = args.n;
    params.stop = args.stop.clone();
    let mut messages = vec![];
    if let Some(s) = &args.system {
        messages.push(ChatMessage::system(s.clone()));
    }
    messages.push(ChatMessage::user(args.prompt.clone()));
    eprintln!("generate: {} (n = {})", gen.name(), params.n);

    let stdout = std::io::stdout();
    let single = params.n == 1;
    let mut write_err = None;
    let (gens, usage) = gen.generate(&messages, &params, &mut |ev| {
        if let (true, GenEvent::Text { text, .. }) = (single, &ev) {
            let mut out = stdout.lock();
            if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                // stdout closed (e.g. piped into `head`): stop generating.
                write_err = Some(e);
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    })?;
    if let Some(e) = write_err {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Ok(crate::exit::GOOD);
        }
        return Err(e.into());
    }
    let mut out = stdout.lock();
    if single {
        writeln!(out)?;
    } else {
        for (i, g) in gens.iter().enumerate() {
            writeln!(
                out,
                "--- sample {} ({} tokens, {}) ---\n{}",
                i + 1,
                g.completion_tokens,
                reason(g.stop),
                g.text
            )?;
        }
    }
    out.flush()?;
    let stops: Vec<&str> = gens.iter().map(|g| reason(g.stop)).collect();
    eprintln!(
        "generate: {} prompt + {} completion tokens, {:.1} tok/s; stop: {}",
        usage.prompt_tokens,
        usage.completion_tokens,
        usage.tokens_per_second,
        stops.join(", ")
    );
    Ok(crate::exit::GOOD)
}
