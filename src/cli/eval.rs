//! `sagedesk eval CODE`: Sage in a fresh session, from a shell.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use jupyter_protocol::messaging::{JupyterMessageContent, Stdio};
use sagedesk::session::{CellEvent, CellStatus, Session};

/// Exit codes, so scripts can tell the endings apart.
pub const EXIT_SAGE_ERROR: u8 = 1;
pub const EXIT_TIMEOUT: u8 = 2;
pub const EXIT_KERNEL_DIED: u8 = 3;

pub struct EvalOptions {
    pub code: String,
    pub image: Option<String>,
    pub memory_bytes: Option<i64>,
    pub cpus: Option<f64>,
    pub timeout: Option<Duration>,
}

/// "512m", "2g", "2GiB", "1.5 GB", or bytes.
pub fn parse_size(text: &str) -> Result<i64, String> {
    let t = text.trim().to_ascii_lowercase().replace(' ', "");
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number.parse().map_err(|_| format!("not a size: {text}"))?;
    let factor: i64 = match unit.trim_end_matches("ib").trim_end_matches('b') {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        _ => return Err(format!("unknown size unit in {text} (use k, m or g)")),
    };
    let bytes = (number * factor as f64) as i64;
    if bytes < 64 << 20 {
        return Err(format!(
            "{text} is too little memory for Sage (at least 64m)"
        ));
    }
    Ok(bytes)
}

pub async fn run(engine_setting: Option<&str>, options: EvalOptions) -> anyhow::Result<ExitCode> {
    let session = super::fresh_session(engine_setting, options.image, |config| {
        if let Some(memory) = options.memory_bytes {
            config.limits.memory_bytes = memory;
        }
        if let Some(cpus) = options.cpus {
            config.limits.cpus = Some(cpus);
        }
    })
    .await?;
    let outcome = tokio::select! {
        outcome = evaluate(&session, &options.code, options.timeout) => outcome,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("cancelled");
            Ok(ExitCode::from(130))
        }
    };
    session.shutdown().await;
    outcome
}

async fn evaluate(
    session: &Session,
    code: &str,
    timeout: Option<Duration>,
) -> anyhow::Result<ExitCode> {
    let mut run = session.execute(code)?;
    let mut started = None;
    let mut error: Option<(String, String)> = None;
    let mut stdout = std::io::stdout().lock();
    loop {
        // The timeout counts from when the cell starts, not from when Sage
        // started loading.
        let next = match (timeout, started) {
            (Some(limit), Some(at)) => {
                let left = limit.saturating_sub(tokio::time::Instant::now() - at);
                match tokio::time::timeout(left, run.events.recv()).await {
                    Ok(event) => event,
                    Err(_) => {
                        let outcome = session.interrupt().await?;
                        eprintln!(
                            "interrupted after {} s ({})",
                            limit.as_secs_f64(),
                            serde_json::to_value(outcome)?.as_str().unwrap_or_default()
                        );
                        return Ok(ExitCode::from(EXIT_TIMEOUT));
                    }
                }
            }
            _ => run.events.recv().await,
        };
        let Some(event) = next else {
            eprintln!("the session ended without finishing the cell");
            return Ok(ExitCode::from(EXIT_KERNEL_DIED));
        };
        match event {
            CellEvent::Started => started = Some(tokio::time::Instant::now()),
            CellEvent::Output(content) => match content {
                JupyterMessageContent::StreamContent(s) => match s.name {
                    Stdio::Stderr => eprint!("{}", s.text),
                    Stdio::Stdout => write!(stdout, "{}", s.text)?,
                },
                JupyterMessageContent::ExecuteResult(r) => {
                    if let Some(text) = text_plain(&serde_json::to_value(&r.data)?) {
                        writeln!(stdout, "{text}")?;
                    }
                }
                JupyterMessageContent::DisplayData(d) => {
                    if let Some(text) = text_plain(&serde_json::to_value(&d.data)?) {
                        writeln!(stdout, "{text}")?;
                    }
                }
                JupyterMessageContent::ErrorOutput(e) => error = Some((e.ename, e.evalue)),
                _ => {}
            },
            CellEvent::Payload(payload) => {
                stdout.flush()?;
                super::payload::print(&payload);
            }
            CellEvent::InputRequest { prompt, .. } => {
                stdout.flush()?;
                let answer = tokio::task::spawn_blocking(move || {
                    eprint!("{prompt}");
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line).map(|_| line)
                })
                .await??;
                session.input_reply(answer.trim_end_matches(['\n', '\r']))?;
            }
            CellEvent::Finished { status, .. } => {
                stdout.flush()?;
                return Ok(match (status, error) {
                    (CellStatus::Ok, _) => ExitCode::SUCCESS,
                    (_, Some((name, message))) => {
                        eprintln!("{name}: {message}");
                        ExitCode::from(EXIT_SAGE_ERROR)
                    }
                    (_, None) => {
                        eprintln!("the cell did not complete");
                        ExitCode::from(EXIT_SAGE_ERROR)
                    }
                });
            }
            CellEvent::KernelDied { message, .. } => {
                stdout.flush()?;
                eprintln!("{message}");
                return Ok(ExitCode::from(EXIT_KERNEL_DIED));
            }
        }
    }
}

fn text_plain(data: &serde_json::Value) -> Option<String> {
    match &data["text/plain"] {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(lines) => {
            Some(lines.iter().filter_map(|l| l.as_str()).collect::<String>())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_binary_units() {
        assert_eq!(parse_size("512m"), Ok(512 << 20));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("1.5 GB"), Ok(3 << 29));
        assert!(parse_size("10k").is_err(), "too small for Sage");
        assert!(parse_size("lots").is_err());
    }
}
