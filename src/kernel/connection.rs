//! The connection file a kernel is started with, and its host-side twin.
//!
//! The key is 256 random bits, made on the host: it signs every message,
//! so it goes only into the file uploaded to the container (never the
//! environment, never a label) and into this process's memory.

use jupyter_protocol::connection_info::{ConnectionInfo, Transport};

use super::ports::KernelPorts;

/// A session's secret key, as hex.
pub fn new_key() -> String {
    crate::id::random_hex(32)
}

/// A fresh session id: it names the client in every message header, and
/// the shell and stdin sockets share an identity derived from it.
pub fn new_session_id() -> String {
    crate::id::new_id()
}

fn info(ip: &str, ports: KernelPorts, key: &str) -> ConnectionInfo {
    ConnectionInfo {
        ip: ip.to_string(),
        transport: Transport::TCP,
        shell_port: ports.shell,
        iopub_port: ports.iopub,
        stdin_port: ports.stdin,
        control_port: ports.control,
        hb_port: ports.hb,
        key: key.to_string(),
        signature_scheme: "hmac-sha256".to_string(),
        kernel_name: Some("sagemath".to_string()),
    }
}

/// The connection file for inside the container: the fixed ports, bound on
/// every interface of the container (the engine publishes them on the
/// host's 127.0.0.1 only).
pub fn container_connection_file(key: &str) -> Vec<u8> {
    serde_json::to_vec_pretty(&info("0.0.0.0", KernelPorts::IN_CONTAINER, key))
        .expect("a connection file serializes")
}

/// Where the client connects: the host ports the engine published.
pub fn host_connection_info(key: &str, host_ports: KernelPorts) -> ConnectionInfo {
    info("127.0.0.1", host_ports, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_256_bits_and_fresh() {
        let a = new_key();
        assert_eq!(a.len(), 64);
        assert_ne!(a, new_key());
    }

    #[test]
    fn the_container_file_binds_the_fixed_ports() {
        let file: serde_json::Value =
            serde_json::from_slice(&container_connection_file("k")).unwrap();
        assert_eq!(file["ip"], "0.0.0.0");
        assert_eq!(file["shell_port"], KernelPorts::IN_CONTAINER.shell);
        assert_eq!(file["signature_scheme"], "hmac-sha256");
        assert_eq!(file["transport"], "tcp");
        assert_eq!(file["key"], "k");
    }
}
