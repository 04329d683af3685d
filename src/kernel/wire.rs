//! One signed message as it comes off a socket, decoded: its signature
//! checked over the frames where they lie (with no copy of them), and the
//! content of an output larger than a cell keeps left unparsed. Parsed,
//! that content would be held a second time as JSON and a third time when
//! folded into the cell, only to be cut to a notice there.

use jupyter_protocol::messaging::{Header, JupyterMessage, JupyterMessageContent};
use ring::hmac;
use serde_json::Value;

/// The frame between the routing identities and the signature.
const DELIMITER: &[u8] = b"<IDS|MSG>";

/// Outputs a cell folds and may cut: what is not parsed past the limit.
/// Streams are left out on purpose (see [`super::MessageLimits`]).
const CUT_OUTPUTS: [&str; 4] = [
    "display_data",
    "execute_result",
    "update_display_data",
    "error",
];

/// A message read from a socket.
#[derive(Debug)]
pub(super) enum Received {
    Message(Box<JupyterMessage>),
    /// An output larger than the limit: genuine, but not parsed.
    TooLarge {
        msg_type: String,
        /// The message id of the request it answers.
        parent: Option<String>,
        bytes: u64,
    },
}

/// A message that is not one, or not signed with the session's key:
/// dropped and counted, never acted on.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct BadMessage;

impl<E: std::error::Error> From<E> for BadMessage {
    fn from(_: E) -> Self {
        BadMessage
    }
}

/// Decodes the frames of one message. `key` is the session's signing key
/// (`None`: messages are not signed); an output whose content and metadata
/// are more than `max_output` bytes is [`Received::TooLarge`].
pub(super) fn decode(
    message: zeromq::ZmqMessage,
    key: Option<&hmac::Key>,
    max_output: usize,
) -> Result<Received, BadMessage> {
    let frames = message.into_vec();
    let delimiter = frames
        .iter()
        .position(|frame| frame.as_ref() == DELIMITER)
        .ok_or(BadMessage)?;
    let (identities, rest) = frames.split_at(delimiter);
    let [_, signature, parts @ ..] = rest else {
        return Err(BadMessage);
    };
    if parts.len() < 4 {
        return Err(BadMessage);
    }
    if let Some(key) = key {
        let claimed = hex::decode(signature)?;
        let mut context = hmac::Context::with_key(key);
        // The header, parent header, metadata and content; buffers are
        // not signed (Jupyter's messaging specification).
        for part in &parts[..4] {
            context.update(part);
        }
        if !same(context.sign().as_ref(), &claimed) {
            return Err(BadMessage);
        }
    }
    let header: Header = serde_json::from_slice(&parts[0])?;
    // An empty parent is `{}`, which is no header.
    let parent: Option<Header> = serde_json::from_slice(&parts[1]).ok();
    let size = parts[2].len() + parts[3].len();
    if size > max_output && CUT_OUTPUTS.contains(&header.msg_type.as_str()) {
        return Ok(Received::TooLarge {
            msg_type: header.msg_type,
            parent: parent.map(|p| p.msg_id),
            bytes: size as u64,
        });
    }
    let metadata: Value = serde_json::from_slice(&parts[2])?;
    let content: Value = serde_json::from_slice(&parts[3])?;
    let content = JupyterMessageContent::from_type_and_content(&header.msg_type, content)?;
    Ok(Received::Message(Box::new(JupyterMessage {
        zmq_identities: identities.to_vec(),
        header,
        parent_header: parent,
        metadata,
        content,
        buffers: parts[4..].to_vec(),
        channel: None,
    })))
}

/// Whether two signatures are equal, in a time that does not depend on
/// where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    let differ = a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y));
    a.len() == b.len() && std::hint::black_box(differ) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"the session key";

    fn header(msg_type: &str, id: &str) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "msg_id": id, "username": "k", "session": "s",
            "date": "2026-01-01T00:00:00Z", "msg_type": msg_type, "version": "5.3"
        }))
        .unwrap()
    }

    /// A message as a kernel sends it, signed with `key`.
    fn signed(key: &[u8], msg_type: &str, content: &[u8]) -> zeromq::ZmqMessage {
        let parts: Vec<Vec<u8>> = vec![
            header(msg_type, "m1"),
            header("execute_request", "request-1"),
            b"{}".to_vec(),
            content.to_vec(),
        ];
        let key = hmac::Key::new(hmac::HMAC_SHA256, key);
        let mut context = hmac::Context::with_key(&key);
        for part in &parts {
            context.update(part);
        }
        let mut frames: Vec<Vec<u8>> = vec![
            b"kernel.topic".to_vec(),
            DELIMITER.to_vec(),
            hex::encode(context.sign().as_ref()).into_bytes(),
        ];
        frames.extend(parts);
        let frames: Vec<bytes::Bytes> = frames.into_iter().map(Into::into).collect();
        zeromq::ZmqMessage::try_from(frames).unwrap()
    }

    fn key() -> hmac::Key {
        hmac::Key::new(hmac::HMAC_SHA256, KEY)
    }

    #[test]
    fn a_signed_message_is_decoded_with_its_parent() {
        let message = signed(KEY, "stream", br#"{"name": "stdout", "text": "hi\n"}"#);
        let Ok(Received::Message(message)) = decode(message, Some(&key()), 1000) else {
            panic!("decoded");
        };
        assert_eq!(message.parent_header.unwrap().msg_id, "request-1");
        assert_eq!(message.zmq_identities.len(), 1);
        let JupyterMessageContent::StreamContent(stream) = message.content else {
            panic!("a stream");
        };
        assert_eq!(stream.text, "hi\n");
    }

    #[test]
    fn a_wrong_signature_or_a_missing_part_is_a_bad_message() {
        let forged = signed(
            b"a guessed key",
            "stream",
            br#"{"name": "stdout", "text": "x"}"#,
        );
        assert_eq!(decode(forged, Some(&key()), 1000).unwrap_err(), BadMessage);
        let short = zeromq::ZmqMessage::from(DELIMITER.to_vec());
        assert_eq!(decode(short, None, 1000).unwrap_err(), BadMessage);
    }

    #[test]
    fn an_output_over_the_limit_is_not_parsed() {
        // Not even JSON: had it been parsed, it would be a bad message.
        let content = vec![b'x'; 2000];
        let message = signed(KEY, "display_data", &content);
        match decode(message, Some(&key()), 1000) {
            Ok(Received::TooLarge {
                msg_type,
                parent,
                bytes,
            }) => {
                assert_eq!(msg_type, "display_data");
                assert_eq!(parent.as_deref(), Some("request-1"));
                assert_eq!(bytes, 2002, "content and metadata");
            }
            other => panic!("too large, got {other:?}"),
        }
        // A forged one is still refused first.
        let forged = signed(b"a guessed key", "display_data", &content);
        assert_eq!(decode(forged, Some(&key()), 1000).unwrap_err(), BadMessage);
    }

    #[test]
    fn a_large_stream_is_parsed() {
        let text = "y".repeat(2000);
        let content = serde_json::to_vec(&serde_json::json!({"name": "stdout", "text": text}));
        let message = signed(KEY, "stream", &content.unwrap());
        assert!(matches!(
            decode(message, Some(&key()), 1000),
            Ok(Received::Message(_))
        ));
    }
}
