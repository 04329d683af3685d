//! The Jupyter protocol spoken to the real Sage kernel in the real image.

mod support;

use std::time::Duration;

use jupyter_protocol::messaging::{JupyterMessageContent, ReplyStatus};
use sagedesk::engine::{
    Engine, KernelContainer, KernelContainerSpec, KernelNetwork, Limits, Owner,
};
use sagedesk::kernel::{
    ExecutionEvent, KernelClient, KernelPorts, container_connection_file, host_connection_info,
    new_key,
};
use support::{docker_quietly, engine_and_image, unique_name};

struct Kernel {
    engine: Engine,
    container: KernelContainer,
    client: KernelClient,
}

impl Kernel {
    async fn start(name: &str) -> Kernel {
        let (engine, image) = engine_and_image().await;
        let key = new_key();
        let spec = KernelContainerSpec {
            name: unique_name(&format!("kernel-{name}")),
            image: image.tag,
            kernel_argv: image.kernel_argv.expect("the kernel label"),
            connection_file: container_connection_file(&key),
            runtime_files: Vec::new(),
            ports: KernelPorts::IN_CONTAINER.to_array().to_vec(),
            workspace: None,
            network: KernelNetwork::Outbound,
            notebook: None,
            spare: false,
            limits: Limits::default(),
            owner: Owner::current(),
        };
        let container = engine.start_kernel_container(&spec).await.unwrap();
        let ports = KernelPorts::try_from(container.ports.as_slice()).unwrap();
        let info = host_connection_info(&key, ports);
        let (client, reply) = KernelClient::connect(&info, Duration::from_secs(60))
            .await
            .expect("the kernel answers kernel_info");
        assert_eq!(reply.status, ReplyStatus::Ok);
        Kernel {
            engine,
            container,
            client,
        }
    }

    /// Runs code, answering `input()` prompts from `answers`, and returns
    /// every event up to Done.
    async fn run(&self, code: &str, answers: &[&str]) -> Vec<ExecutionEvent> {
        let mut execution = self.client.execute(code, true).unwrap();
        let mut answers = answers.iter();
        let mut events = Vec::new();
        loop {
            let event = tokio::time::timeout(Duration::from_secs(60), execution.events.recv())
                .await
                .expect("the execution makes progress")
                .expect("the execution ends with Done");
            if let ExecutionEvent::InputRequest { .. } = &event {
                let answer = answers.next().expect("an answer for input()");
                self.client
                    .input_reply(&execution.msg_id, answer.to_string())
                    .unwrap();
            }
            let done = matches!(event, ExecutionEvent::Done);
            events.push(event);
            if done {
                return events;
            }
        }
    }

    async fn stop(self) {
        self.engine
            .remove_container(&self.container.id)
            .await
            .unwrap();
    }
}

impl Drop for Kernel {
    /// A failed test leaves no container behind either.
    fn drop(&mut self) {
        docker_quietly(&["rm", "-f", &self.container.id]);
    }
}

fn text_plain(events: &[ExecutionEvent]) -> Option<String> {
    events.iter().find_map(|e| match e {
        ExecutionEvent::Output(JupyterMessageContent::ExecuteResult(r)) => {
            let data = serde_json::to_value(&r.data).unwrap();
            data["text/plain"].as_str().map(str::to_string)
        }
        _ => None,
    })
}

fn stdout(events: &[ExecutionEvent]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            ExecutionEvent::Output(JupyterMessageContent::StreamContent(s)) => {
                Some(s.text.as_str())
            }
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn sage_computes_and_reports_errors_through_the_protocol() {
    let k = Kernel::start("compute").await;

    let events = k.run("factor(2^64+1)", &[]).await;
    assert_eq!(
        text_plain(&events).as_deref(),
        Some("274177 * 67280421310721")
    );
    assert!(
        matches!(events.first(), Some(ExecutionEvent::Busy)),
        "{events:?}"
    );
    let reply = events.iter().find_map(|e| match e {
        ExecutionEvent::Reply(r) => Some(r.clone()),
        _ => None,
    });
    assert_eq!(reply.unwrap().status, ReplyStatus::Ok);

    let events = k.run("1/0", &[]).await;
    let error = events.iter().find_map(|e| match e {
        ExecutionEvent::Output(JupyterMessageContent::ErrorOutput(e)) => Some(e.clone()),
        _ => None,
    });
    let error = error.expect("an error output");
    assert_eq!(error.ename, "ZeroDivisionError");
    assert!(!error.traceback.is_empty());

    // Variables live on between executions.
    k.run("a = 41", &[]).await;
    assert_eq!(
        text_plain(&k.run("a + 1", &[]).await).as_deref(),
        Some("42")
    );
    k.stop().await;
}

#[tokio::test]
async fn input_is_answered_and_completion_and_help_work() {
    let k = Kernel::start("input").await;
    let events = k
        .run(
            "name = input('Your name? '); print('Hello, ' + name)",
            &["Ada"],
        )
        .await;
    assert!(events.iter().any(|e| matches!(e,
        ExecutionEvent::InputRequest { prompt, password: false } if prompt == "Your name? ")));
    assert!(stdout(&events).contains("Hello, Ada"), "{events:?}");

    let completions = k.client.complete("facto", 5).await.unwrap();
    assert!(
        completions.matches.iter().any(|m| m == "factor"),
        "{:?}",
        completions.matches
    );

    let help = k.client.inspect("factor", 6).await.unwrap();
    assert!(help.found);
    k.client.heartbeat(Duration::from_secs(5)).await.unwrap();
    assert_eq!(k.client.dropped_messages(), 0);
    k.stop().await;
}

#[tokio::test]
async fn display_latex_gives_typeset_maths() {
    let k = Kernel::start("latex").await;
    k.run("%display latex", &[]).await;
    let events = k.run("integrate(x^2*sin(x), x)", &[]).await;
    let latex = events.iter().find_map(|e| match e {
        ExecutionEvent::Output(JupyterMessageContent::ExecuteResult(r)) => {
            serde_json::to_value(&r.data).unwrap()["text/latex"]
                .as_str()
                .map(str::to_string)
        }
        _ => None,
    });
    let latex = latex.unwrap_or_else(|| panic!("no text/latex in {events:?}"));
    // -(x^2 - 2) cos(x) + 2 x sin(x), typeset.
    assert!(latex.contains("\\cos\\left(x\\right)"), "{latex}");
    assert!(latex.contains("\\sin\\left(x\\right)"), "{latex}");
    k.stop().await;
}

#[tokio::test]
async fn a_plot_arrives_as_a_png() {
    let k = Kernel::start("plot").await;
    let events = k.run("plot(sin(x), (x, 0, 2*pi))", &[]).await;
    let png = events.iter().find_map(|e| match e {
        ExecutionEvent::Output(JupyterMessageContent::DisplayData(d)) => {
            serde_json::to_value(&d.data).unwrap()["image/png"]
                .as_str()
                .map(str::to_string)
        }
        ExecutionEvent::Output(JupyterMessageContent::ExecuteResult(r)) => {
            serde_json::to_value(&r.data).unwrap()["image/png"]
                .as_str()
                .map(str::to_string)
        }
        _ => None,
    });
    let png = png.unwrap_or_else(|| panic!("no image/png in {events:?}"));
    let bytes = base64_decode(png.trim());
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG signature");
    k.stop().await;
}

#[tokio::test]
async fn an_interrupt_stops_a_loop_and_keeps_the_variables() {
    let k = Kernel::start("interrupt").await;
    k.run("kept = 7", &[]).await;
    let mut execution = k.client.execute("while True: pass", false).unwrap();
    assert!(matches!(
        execution.events.recv().await,
        Some(ExecutionEvent::Busy)
    ));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let asked = std::time::Instant::now();
    k.client.interrupt(Duration::from_secs(5)).await.unwrap();
    let mut ename = None;
    while let Some(event) = tokio::time::timeout(Duration::from_secs(5), execution.events.recv())
        .await
        .expect("back to idle within 5 s")
    {
        if let ExecutionEvent::Output(JupyterMessageContent::ErrorOutput(e)) = &event {
            ename = Some(e.ename.clone());
        }
        if matches!(event, ExecutionEvent::Done) {
            break;
        }
    }
    assert!(asked.elapsed() < Duration::from_secs(5));
    assert_eq!(ename.as_deref(), Some("KeyboardInterrupt"));
    assert_eq!(text_plain(&k.run("kept", &[]).await).as_deref(), Some("7"));
    k.stop().await;
}

/// Standard base64, enough for a test (no dependency for it).
fn base64_decode(text: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let v = alphabet.iter().position(|&a| a == c).expect("base64") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}
