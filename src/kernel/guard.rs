//! The frame guard: a relay on loopback between each of the client's
//! ZeroMQ sockets and the kernel's port, which follows the ZMTP frames the
//! kernel sends and refuses, at its header, any frame longer than a limit.
//!
//! Why a relay: the `zeromq` crate's decoder trusts the length in a frame's
//! header and reserves that much before it reads a byte of the frame, so a
//! header claiming 2^62 bytes aborts the process on a failed allocation,
//! and one claiming 1.5 GB is held whole before anything can look at it.
//! The crate has no limit to set, and connects only to addresses. So each
//! socket connects to a guard on 127.0.0.1, and the guard to the kernel.
//!
//! What the client sends passes untouched. What the kernel sends passes
//! as it comes, never held beyond one read: its 64-byte greeting, then
//! frame after frame. A frame longer than the limit is replaced by an empty
//! frame with the same flags, so that the stream stays well formed, and its
//! bytes are read and thrown away as they arrive. The message it belonged
//! to then fails its signature and is dropped as a forged one is; the
//! router hears of the refusal ([`Incoming::Refused`]) before any later
//! message on that socket, and tells the running cell. A command frame
//! over the limit (ZMTP's own commands are a few bytes long) ends the
//! connection instead, as a broken protocol.
//!
//! The guard also reports a connection the kernel closes after its
//! greeting ([`Incoming::Closed`]): a kernel closes one only when its
//! socket or its process is gone, and ZeroMQ would otherwise reconnect
//! quietly, forever, to a socket that no longer answers. A connection
//! closed before the greeting is the kernel not listening yet (the
//! engine's proxy accepts first), and the client's connect tries again.
//!
//! Only TCP: kernels in containers are reached through published ports.

use std::net::Ipv4Addr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};

use super::router::{Channel, Incoming};

/// A ZMTP 3 greeting: signature, version, mechanism, role, filler.
const GREETING: usize = 64;
const LONG: u8 = 0b010;
const COMMAND: u8 = 0b100;
/// The most read from the kernel at once.
const CHUNK: usize = 64 * 1024;
/// How long reaching the kernel's port may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the ZMTP stream from the kernel is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Greeting {
        left: usize,
    },
    /// The next byte is a frame's flags.
    Flags,
    /// Reading a frame's length: one byte, or eight for a long frame.
    Length {
        flags: u8,
        bytes: [u8; 8],
        have: usize,
    },
    Body {
        left: u64,
    },
    /// The body of a refused frame, thrown away.
    Skip {
        left: u64,
    },
}

/// Follows the byte stream a kernel sends on one connection.
#[derive(Debug)]
struct FrameFilter {
    state: State,
    max_frame: u64,
}

/// A command frame over the limit: the protocol is broken.
#[derive(Debug, PartialEq, Eq)]
struct CommandTooLarge(u64);

impl FrameFilter {
    fn new(max_frame: u64) -> FrameFilter {
        FrameFilter {
            state: State::Greeting { left: GREETING },
            max_frame,
        }
    }

    /// Whether the kernel's greeting has passed.
    fn greeted(&self) -> bool {
        !matches!(self.state, State::Greeting { .. })
    }

    /// Appends to `out` what of `input` passes on; returns the lengths of
    /// the frames refused in it.
    fn feed(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<Vec<u64>, CommandTooLarge> {
        let mut refused = Vec::new();
        while !input.is_empty() {
            match &mut self.state {
                State::Greeting { left } => {
                    let n = (*left).min(input.len());
                    out.extend_from_slice(&input[..n]);
                    input = &input[n..];
                    *left -= n;
                    if *left == 0 {
                        self.state = State::Flags;
                    }
                }
                State::Flags => {
                    self.state = State::Length {
                        flags: input[0],
                        bytes: [0; 8],
                        have: 0,
                    };
                    input = &input[1..];
                }
                State::Length { flags, bytes, have } => {
                    let flags = *flags;
                    let size = if flags & LONG != 0 { 8 } else { 1 };
                    let n = (size - *have).min(input.len());
                    bytes[*have..*have + n].copy_from_slice(&input[..n]);
                    *have += n;
                    input = &input[n..];
                    if *have < size {
                        continue;
                    }
                    let header = &bytes[..size];
                    let length = header.iter().fold(0u64, |n, b| n << 8 | u64::from(*b));
                    if length <= self.max_frame {
                        out.push(flags);
                        out.extend_from_slice(header);
                        self.state = if length == 0 {
                            State::Flags
                        } else {
                            State::Body { left: length }
                        };
                    } else if flags & COMMAND != 0 {
                        return Err(CommandTooLarge(length));
                    } else {
                        // An empty frame in its place, with its other flags
                        // (more to come or not), keeps the stream well formed.
                        out.extend_from_slice(&[flags & !LONG, 0]);
                        refused.push(length);
                        self.state = State::Skip { left: length };
                    }
                }
                State::Body { left } | State::Skip { left } => {
                    let n = (*left).min(input.len() as u64) as usize;
                    *left -= n as u64;
                    let done = *left == 0;
                    if let State::Body { .. } = self.state {
                        out.extend_from_slice(&input[..n]);
                    }
                    input = &input[n..];
                    if done {
                        self.state = State::Flags;
                    }
                }
            }
        }
        Ok(refused)
    }
}

/// A guard for one of the kernel's ports: a listener on 127.0.0.1 and the
/// relays of the connections it accepted. Dropping it stops them all.
pub(super) struct Guard {
    /// The port the client's socket connects to instead of the kernel's.
    pub(super) port: u16,
    task: JoinHandle<()>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What a guard needs to know to relay one socket's connections.
#[derive(Clone)]
struct Relay {
    channel: Channel,
    host: String,
    port: u16,
    max_frame: u64,
    incoming: mpsc::UnboundedSender<Incoming>,
}

impl Guard {
    /// Starts a guard in front of the kernel's port `host:port` for the
    /// socket `channel`, refusing frames longer than `max_frame` bytes and
    /// reporting to the router through `incoming`.
    pub(super) async fn start(
        channel: Channel,
        host: &str,
        port: u16,
        max_frame: u64,
        incoming: mpsc::UnboundedSender<Incoming>,
    ) -> std::io::Result<Guard> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let relay = Relay {
            channel,
            host: host.to_string(),
            port,
            max_frame,
            incoming,
        };
        Ok(Guard {
            port: listener.local_addr()?.port(),
            task: tokio::spawn(accept(listener, relay)),
        })
    }
}

async fn accept(listener: TcpListener, relay: Relay) {
    // Owned here: aborting this task drops the set, which aborts them.
    let mut relays = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((client, _)) => {
                    relays.spawn(relay.clone().run(client));
                }
                // Out of file descriptors, say: wait rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            },
            Some(_) = relays.join_next(), if !relays.is_empty() => {}
        }
    }
}

/// How one relayed connection ended.
enum End {
    /// The client closed it (or went away): nothing to report.
    ClientClosed,
    KernelClosed,
    CommandTooLarge(u64),
}

impl Relay {
    async fn run(self, client: TcpStream) {
        let connect = TcpStream::connect((self.host.as_str(), self.port));
        // Not reachable: the client sees its connection close, and retries.
        let Ok(Ok(kernel)) = tokio::time::timeout(CONNECT_TIMEOUT, connect).await else {
            return;
        };
        let _ = client.set_nodelay(true);
        let _ = kernel.set_nodelay(true);
        let (mut client_read, mut client_write) = client.into_split();
        let (mut kernel_read, mut kernel_write) = kernel.into_split();
        let mut filter = FrameFilter::new(self.max_frame);
        let end = tokio::select! {
            end = pass_to_kernel(&mut client_read, &mut kernel_write) => end,
            end = self.pass_from_kernel(&mut kernel_read, &mut client_write, &mut filter) => end,
        };
        let why = match end {
            End::ClientClosed => return,
            End::KernelClosed if !filter.greeted() => return,
            End::KernelClosed => format!("closed its {} socket", self.channel),
            End::CommandTooLarge(bytes) => format!(
                "sent a ZeroMQ command of {} on its {} socket, more than the {} SageDesk accepts",
                crate::size::decimal(bytes),
                self.channel,
                limit(self.max_frame)
            ),
        };
        let _ = self.incoming.send(Incoming::Closed(why));
    }

    /// Passes on what the kernel sends, frame by frame, refusing frames
    /// over the limit at their header.
    async fn pass_from_kernel(
        &self,
        kernel: &mut OwnedReadHalf,
        client: &mut OwnedWriteHalf,
        filter: &mut FrameFilter,
    ) -> End {
        let mut buf = vec![0; CHUNK];
        let mut out = Vec::with_capacity(CHUNK + 16);
        loop {
            let n = match kernel.read(&mut buf).await {
                Ok(0) | Err(_) => return End::KernelClosed,
                Ok(n) => n,
            };
            out.clear();
            match filter.feed(&buf[..n], &mut out) {
                Ok(refused) => {
                    // Sent before the bytes that follow the refused frame
                    // are passed on: the router hears of it before any
                    // later message on this socket.
                    for bytes in refused {
                        let _ = self.incoming.send(Incoming::Refused {
                            channel: self.channel,
                            bytes,
                            limit: self.max_frame,
                        });
                    }
                }
                Err(CommandTooLarge(bytes)) => return End::CommandTooLarge(bytes),
            }
            if client.write_all(&out).await.is_err() {
                return End::ClientClosed;
            }
        }
    }
}

/// Passes on what the client sends, untouched.
async fn pass_to_kernel(client: &mut OwnedReadHalf, kernel: &mut OwnedWriteHalf) -> End {
    let mut buf = vec![0; CHUNK];
    loop {
        let n = match client.read(&mut buf).await {
            Ok(0) | Err(_) => return End::ClientClosed,
            Ok(n) => n,
        };
        if kernel.write_all(&buf[..n]).await.is_err() {
            return End::KernelClosed;
        }
    }
}

/// A frame limit as the settings give it: `256 MiB`.
pub(super) fn limit(bytes: u64) -> String {
    crate::size::memory_limit(i64::try_from(bytes).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn greeting() -> Vec<u8> {
        let mut g = vec![0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 0];
        g.extend_from_slice(b"NULL");
        g.resize(GREETING, 0);
        g
    }

    fn short(flags: u8, body: &[u8]) -> Vec<u8> {
        let mut f = vec![flags, body.len() as u8];
        f.extend_from_slice(body);
        f
    }

    fn long_header(flags: u8, length: u64) -> Vec<u8> {
        let mut f = vec![flags | LONG];
        f.extend_from_slice(&length.to_be_bytes());
        f
    }

    /// Feeds `input` in pieces of `step` bytes.
    fn feed_in_steps(
        filter: &mut FrameFilter,
        input: &[u8],
        step: usize,
    ) -> (Vec<u8>, Vec<u64>, Result<(), CommandTooLarge>) {
        let mut out = Vec::new();
        let mut refused = Vec::new();
        for piece in input.chunks(step) {
            match filter.feed(piece, &mut out) {
                Ok(r) => refused.extend(r),
                Err(e) => return (out, refused, Err(e)),
            }
        }
        (out, refused, Ok(()))
    }

    #[test]
    fn frames_within_the_limit_pass_untouched_however_they_are_split() {
        let mut stream = greeting();
        stream.extend(short(COMMAND, b"\x05READY"));
        stream.extend(short(1, b"<IDS|MSG>"));
        let body = vec![7u8; 300];
        stream.extend(long_header(0, 300));
        stream.extend(&body);
        for step in [1, 2, 7, 64, 65, 1000] {
            let mut filter = FrameFilter::new(1000);
            let (out, refused, end) = feed_in_steps(&mut filter, &stream, step);
            assert_eq!(end, Ok(()));
            assert_eq!(out, stream, "split every {step} bytes");
            assert!(refused.is_empty());
            assert_eq!(filter.state, State::Flags);
        }
    }

    #[test]
    fn a_frame_over_the_limit_becomes_an_empty_one_and_its_bytes_are_dropped() {
        let mut stream = greeting();
        stream.extend(short(1, b"<IDS|MSG>"));
        stream.extend(long_header(1, 5000));
        stream.extend(vec![b'x'; 5000]);
        stream.extend(short(0, b"last"));
        stream.extend(short(0, b"next message"));
        for step in [1, 3, 100, 10_000] {
            let mut filter = FrameFilter::new(4096);
            let (out, refused, end) = feed_in_steps(&mut filter, &stream, step);
            assert_eq!(end, Ok(()));
            assert_eq!(refused, vec![5000]);
            let mut expected = greeting();
            expected.extend(short(1, b"<IDS|MSG>"));
            // Still "more to come": the message's last frame follows.
            expected.extend([1, 0]);
            expected.extend(short(0, b"last"));
            expected.extend(short(0, b"next message"));
            assert_eq!(out, expected, "split every {step} bytes");
        }
    }

    #[test]
    fn a_header_claiming_two_to_the_62_is_refused_without_waiting_for_its_body() {
        let mut filter = FrameFilter::new(256 << 20);
        let mut stream = greeting();
        stream.extend(long_header(0, 1 << 62));
        stream.extend(vec![0u8; 100_000]);
        let (out, refused, end) = feed_in_steps(&mut filter, &stream, CHUNK);
        assert_eq!(end, Ok(()));
        assert_eq!(refused, vec![1 << 62]);
        assert_eq!(out.len(), GREETING + 2);
        assert_eq!(
            filter.state,
            State::Skip {
                left: (1 << 62) - 100_000
            }
        );
    }

    #[test]
    fn a_command_over_the_limit_breaks_the_protocol() {
        let mut filter = FrameFilter::new(1024);
        let mut stream = greeting();
        stream.extend(long_header(COMMAND, 4096));
        let (_, _, end) = feed_in_steps(&mut filter, &stream, 10);
        assert_eq!(end, Err(CommandTooLarge(4096)));
    }

    #[test]
    fn the_greeting_is_known_to_have_passed() {
        let mut filter = FrameFilter::new(1024);
        let (_, _, _) = feed_in_steps(&mut filter, &greeting()[..63], 10);
        assert!(!filter.greeted());
        let (_, _, _) = feed_in_steps(&mut filter, &[0], 1);
        assert!(filter.greeted());
    }
}
