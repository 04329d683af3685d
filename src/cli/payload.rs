//! What `eval` and `run` print of a kernel's payloads: `factor?` help on
//! stdout, as a terminal IPython prints it; the others said on stderr.

use std::io::IsTerminal;

use sagedesk::session::Payload;

/// Prints what `payload` says, for a command line.
pub fn print(payload: &Payload) {
    match payload {
        Payload::Help { data } => {
            let Some(text) = data.get("text/plain").and_then(|t| t.as_str()) else {
                return;
            };
            if std::io::stdout().is_terminal() {
                println!("{text}");
            } else {
                println!("{}", without_colours(text));
            }
        }
        Payload::NextInput { text, .. } => {
            eprintln!("the kernel offers this as the next cell's source:\n{text}");
        }
        Payload::Exit { keep_kernel: false } => {
            eprintln!("the cell asked the kernel to exit: later cells run in a new kernel");
        }
        Payload::Exit { keep_kernel: true } => {
            eprintln!("the cell asked to exit, keeping the kernel: it goes on");
        }
    }
}

/// `text` without its ANSI escape sequences (colours, bold).
pub fn without_colours(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        // CSI: ESC [ parameters, then one final byte in @..~.
        if chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        } else {
            // A two-character escape.
            chars.next();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_taken_out_and_the_text_kept() {
        assert_eq!(
            without_colours(
                "\u{1b}[31mSignature:\u{1b}[39m factor(n, proof=\u{1b}[38;5;28;01mNone\u{1b}[39;00m)"
            ),
            "Signature: factor(n, proof=None)"
        );
        assert_eq!(without_colours("plain é"), "plain é");
        assert_eq!(without_colours("cut \u{1b}["), "cut ");
    }
}
