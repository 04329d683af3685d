//! The Jupyter protocol spoken to the real Sage kernel in the real image.

mod support;

use std::time::Duration;

use jupyter_protocol::messaging::{JupyterMessageContent, ReplyStatus};
use sagedesk::engine::{
    Engine, KernelContainer, KernelContainerSpec, KernelNetwork, Limits, Owner,
};
use sagedesk::kernel::{
    CommKind, CommMessage, ExecutionEvent, KernelClient, KernelEvent, KernelPorts,
    container_connection_file, host_connection_info, new_key,
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

/// The next comm message the kernel publishes, skipping other events.
async fn next_comm(events: &mut tokio::sync::mpsc::UnboundedReceiver<KernelEvent>) -> CommMessage {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(30), events.recv())
            .await
            .expect("a comm message in time")
            .expect("the client lives");
        if let KernelEvent::Comm(comm) = event {
            return comm;
        }
    }
}

fn object(value: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    value.as_object().cloned().unwrap()
}

#[tokio::test]
async fn comms_go_both_ways_with_binary_buffers_and_output_widgets_capture() {
    let k = Kernel::start("comms").await;
    let mut events = k.client.take_events().expect("the events, once");
    assert!(k.client.take_events().is_none());
    // A target in the kernel that answers each message with its data, and
    // its buffers reversed.
    let setup = r#"
def echo(comm, opened):
    @comm.on_msg
    def _(msg):
        comm.send({'echo': msg['content']['data'], 'sizes': [len(b) for b in msg['buffers']]},
                  buffers=[bytes(reversed(bytes(b))) for b in msg['buffers']])
    comm.send({'opened': opened['content']['data']})
get_ipython().kernel.comm_manager.register_target('echo', echo)
"#;
    let ran = k.run(setup, &[]).await;
    assert!(
        !ran.iter().any(|e| matches!(
            e,
            ExecutionEvent::Output(JupyterMessageContent::ErrorOutput(_))
        )),
        "{ran:?}"
    );

    let open = CommMessage {
        kind: CommKind::Open,
        comm_id: "from-the-window".into(),
        target_name: "echo".into(),
        data: object(serde_json::json!({"n": 1})),
        metadata: object(serde_json::json!({"version": "2.1.0"})),
        buffers: Vec::new(),
        msg_id: None,
        parent_msg_id: None,
    };
    k.client.send_comm(&open).unwrap();
    let opened = next_comm(&mut events).await;
    assert_eq!(opened.kind, CommKind::Msg);
    assert_eq!(opened.comm_id, "from-the-window");
    assert_eq!(opened.data["opened"], serde_json::json!({"n": 1}));
    let info = k.client.comm_info(Some("echo")).await.unwrap();
    assert_eq!(info.comms.len(), 1, "{info:?}");

    let bytes: Vec<u8> = (0..=255).collect();
    let message = CommMessage {
        kind: CommKind::Msg,
        data: object(serde_json::json!({"method": "custom"})),
        buffers: vec![bytes.clone().into(), vec![0u8, 1, 2].into()],
        msg_id: Some("the-window-s-id".into()),
        ..open.clone()
    };
    let sent = k.client.send_comm(&message).unwrap();
    assert_eq!(sent, "the-window-s-id");
    let echoed = next_comm(&mut events).await;
    assert_eq!(echoed.parent_msg_id.as_deref(), Some("the-window-s-id"));
    assert_eq!(echoed.data["echo"], serde_json::json!({"method": "custom"}));
    assert_eq!(echoed.data["sizes"], serde_json::json!([256, 3]));
    let reversed: Vec<u8> = bytes.iter().rev().copied().collect();
    assert_eq!(echoed.buffers.len(), 2);
    assert_eq!(echoed.buffers[0].as_ref(), reversed.as_slice());
    assert_eq!(echoed.buffers[1].as_ref(), &[2u8, 1, 0]);
    // The kernel says when it is done with the message (ipywidgets sends
    // a widget's next change only then).
    loop {
        let event = tokio::time::timeout(Duration::from_secs(30), events.recv())
            .await
            .expect("idle in time")
            .unwrap();
        if let KernelEvent::Idle { msg_id } = event {
            assert_eq!(msg_id, sent);
            break;
        }
    }

    // A comm the kernel opens, with a buffer; and closed from here.
    let ran = k
        .run(
            "from comm import create_comm\nc = create_comm(target_name='plot', data={'w': 2}, buffers=[b'\\x00\\x01\\xff'])",
            &[],
        )
        .await;
    assert!(
        !ran.iter().any(|e| matches!(
            e,
            ExecutionEvent::Output(JupyterMessageContent::ErrorOutput(_))
        )),
        "{ran:?}"
    );
    let kernel_opened = next_comm(&mut events).await;
    assert_eq!(kernel_opened.kind, CommKind::Open);
    assert_eq!(kernel_opened.target_name, "plot");
    assert_eq!(kernel_opened.buffers[0].as_ref(), &[0u8, 1, 255]);
    k.client
        .send_comm(&CommMessage {
            kind: CommKind::Close,
            data: serde_json::Map::new(),
            buffers: Vec::new(),
            ..open.clone()
        })
        .unwrap();
    let info = k.client.comm_info(Some("echo")).await.unwrap();
    assert!(info.comms.is_empty(), "closed from here: {info:?}");

    // An Output widget takes what is printed inside `with out:` from the
    // cell; what is printed after it stays the cell's.
    let ran = k
        .run(
            "import ipywidgets as w\nout = w.Output()\ndisplay(out)\nwith out:\n    print('inside')\nprint('outside')",
            &[],
        )
        .await;
    assert_eq!(stdout(&ran), "outside\n");
    let mut output_comm = None;
    let captured = loop {
        let event = tokio::time::timeout(Duration::from_secs(30), events.recv())
            .await
            .expect("the captured output in time")
            .unwrap();
        match event {
            KernelEvent::Comm(c)
                if c.kind == CommKind::Open && c.data["state"]["_model_name"] == "OutputModel" =>
            {
                output_comm = Some(c.comm_id)
            }
            KernelEvent::WidgetOutput {
                comm_id,
                content: JupyterMessageContent::StreamContent(s),
            } => break (comm_id, s.text),
            _ => {}
        }
    };
    assert_eq!(Some(captured.0), output_comm);
    assert_eq!(captured.1, "inside\n");
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
