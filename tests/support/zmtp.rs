//! A raw ZMTP peer, for fake kernels that send what no ZeroMQ library
//! would: it completes the handshake (ZMTP 3.0, the NULL mechanism) and
//! then writes whatever bytes the test gives it.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// ZMTP 3.0's greeting with the NULL mechanism.
fn greeting() -> [u8; 64] {
    let mut greeting = [0u8; 64];
    greeting[0] = 0xff;
    greeting[9] = 0x7f;
    greeting[10] = 3;
    greeting[12..16].copy_from_slice(b"NULL");
    greeting
}

/// The READY command of a socket of type `socket_type` ("ROUTER", …).
fn ready(socket_type: &str) -> Vec<u8> {
    let mut body = b"\x05READY\x0bSocket-Type".to_vec();
    body.extend_from_slice(&(socket_type.len() as u32).to_be_bytes());
    body.extend_from_slice(socket_type.as_bytes());
    let mut frame = vec![0b100, body.len() as u8];
    frame.extend(body);
    frame
}

/// Reads one frame and returns its body.
async fn read_frame(stream: &mut TcpStream) -> Vec<u8> {
    let flags = stream.read_u8().await.expect("a frame's flags");
    let length = if flags & 0b10 != 0 {
        stream.read_u64().await.expect("a long frame's length")
    } else {
        u64::from(stream.read_u8().await.expect("a frame's length"))
    };
    let mut body = vec![0; length as usize];
    stream.read_exact(&mut body).await.expect("a frame's body");
    body
}

/// Accepts one connection on `listener` and completes the handshake as a
/// socket of type `socket_type`; the stream is then the test's to write.
pub async fn accept_handshaken(listener: &TcpListener, socket_type: &str) -> TcpStream {
    let (mut stream, _) = listener.accept().await.expect("a connection");
    stream.write_all(&greeting()).await.unwrap();
    let mut theirs = [0u8; 64];
    stream
        .read_exact(&mut theirs)
        .await
        .expect("the peer's greeting");
    assert_eq!((theirs[0], theirs[9]), (0xff, 0x7f), "a ZMTP greeting");
    stream.write_all(&ready(socket_type)).await.unwrap();
    let command = read_frame(&mut stream).await;
    assert!(command.starts_with(b"\x05READY"), "the peer's READY");
    stream
}

/// The header of a long frame (not a command) claiming `length` bytes.
pub fn long_frame_header(length: u64) -> Vec<u8> {
    let mut header = vec![0b10];
    header.extend_from_slice(&length.to_be_bytes());
    header
}
