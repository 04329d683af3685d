//! A message whose signature does not verify is dropped and counted, never
//! acted on. A small kernel in this process answers the client properly,
//! and, for the one execution, also publishes a forged output signed with
//! another key; only the genuine output may reach the cell.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use jupyter_protocol::connection_info::{ConnectionInfo, Transport};
use jupyter_protocol::messaging::{
    ExecuteReply, JupyterMessage, JupyterMessageContent, KernelInfoReply, Status, StreamContent,
};
use jupyter_zmq_client::Connection;
use sagedesk::kernel::{ExecutionEvent, KernelClient};

const KEY: &str = "the-session-key";
const FORGER_KEY: &str = "a-key-the-forger-guessed";

async fn fake_kernel(info: ConnectionInfo) {
    let sid = "fake-kernel";
    let mut shell = jupyter_zmq_client::create_kernel_shell_connection(&info, sid)
        .await
        .unwrap();
    let mut iopub = jupyter_zmq_client::create_kernel_iopub_connection(&info, sid)
        .await
        .unwrap();
    // Bound so that the client's sockets connect; never used here.
    let _control = jupyter_zmq_client::create_kernel_control_connection(&info, sid)
        .await
        .unwrap();
    let _stdin = jupyter_zmq_client::create_kernel_stdin_connection(&info, sid)
        .await
        .unwrap();
    let _hb = jupyter_zmq_client::create_kernel_heartbeat_connection(&info)
        .await
        .unwrap();
    loop {
        let request = shell.read().await.unwrap();
        iopub
            .send(JupyterMessage::new(Status::busy(), Some(&request)))
            .await
            .unwrap();
        match &request.content {
            JupyterMessageContent::KernelInfoRequest(_) => {
                let reply: KernelInfoReply = serde_json::from_value(serde_json::json!({
                    "status": "ok", "protocol_version": "5.3", "implementation": "fake",
                    "implementation_version": "0", "banner": "",
                    "language_info": {"name": "sage", "version": "10.8"}, "help_links": []
                }))
                .unwrap();
                shell
                    .send(JupyterMessage::new(reply, Some(&request)))
                    .await
                    .unwrap();
            }
            JupyterMessageContent::ExecuteRequest(_) => {
                // The forger publishes on the same socket with the wrong key.
                let Connection { socket, .. } = iopub;
                let mut forger = Connection::new(socket, FORGER_KEY, sid);
                forger
                    .send(JupyterMessage::new(
                        StreamContent::stdout("FORGED\n"),
                        Some(&request),
                    ))
                    .await
                    .unwrap();
                let Connection { socket, .. } = forger;
                iopub = Connection::new(socket, KEY, sid);
                iopub
                    .send(JupyterMessage::new(
                        StreamContent::stdout("genuine\n"),
                        Some(&request),
                    ))
                    .await
                    .unwrap();
                shell
                    .send(JupyterMessage::new(ExecuteReply::default(), Some(&request)))
                    .await
                    .unwrap();
            }
            _ => {}
        }
        iopub
            .send(JupyterMessage::new(Status::idle(), Some(&request)))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_message_with_a_wrong_signature_is_dropped_and_counted() {
    let ports = jupyter_zmq_client::peek_ports(IpAddr::V4(Ipv4Addr::LOCALHOST), 5)
        .await
        .unwrap();
    let info = ConnectionInfo {
        ip: "127.0.0.1".into(),
        transport: Transport::TCP,
        shell_port: ports[0],
        iopub_port: ports[1],
        stdin_port: ports[2],
        control_port: ports[3],
        hb_port: ports[4],
        key: KEY.into(),
        signature_scheme: "hmac-sha256".into(),
        kernel_name: None,
    };
    let kernel = tokio::spawn(fake_kernel(info.clone()));
    let (client, _) = KernelClient::connect(&info, Duration::from_secs(20))
        .await
        .unwrap();
    assert_eq!(client.dropped_messages(), 0);

    let mut execution = client.execute("anything", false).unwrap();
    let mut text = String::new();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), execution.events.recv())
            .await
            .expect("the execution ends")
            .expect("events until Done");
        match event {
            ExecutionEvent::Output(JupyterMessageContent::StreamContent(s)) => {
                text.push_str(&s.text)
            }
            ExecutionEvent::Done => break,
            _ => {}
        }
    }
    assert_eq!(
        text, "genuine\n",
        "only the genuine output reaches the cell"
    );
    assert_eq!(
        client.dropped_messages(),
        1,
        "the forged message was counted"
    );
    kernel.abort();
}
