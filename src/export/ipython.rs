//! IPython's syntax in a code cell, found where IPython finds it, and the
//! Python IPython runs for it: what `jupyter nbconvert --to python` writes
//! (its `ipython2python` filter is IPython's `TransformerManager`), and what
//! the Sage script leaves as comments.
//!
//! As IPython 8 and 9 do (`IPython/core/inputtransformer2.py`):
//!
//! - leading blank lines go, and the first line's indentation is taken off
//!   every line that has it;
//! - a cell whose first line starts `%%` is a cell magic:
//!   `get_ipython().run_cell_magic('name', 'line', 'body')`;
//! - at the start of a logical line (not inside a string, brackets or a
//!   backslash continuation): `%name args` →
//!   `get_ipython().run_line_magic('name', 'args')`, `!cmd` →
//!   `get_ipython().system('cmd')`, `!!cmd` →
//!   `get_ipython().getoutput('cmd')`, `?name`/`??name` and a line ending
//!   `name?`/`name??` → `get_ipython().run_line_magic('pinfo', 'name')`
//!   (`pinfo2`, `psearch` for a name with `*`), and the autocall escapes
//!   `/f a b` → `f(a, b)`, `,f a b` → `f("a", "b")`, `;f a b` → `f("a b")`;
//!   a backslash continues a command onto the next line;
//! - `x = %name args` and `x = !cmd` assign the magic's or command's result.
//!
//! Python is read only as far as needed for that: strings (triple-quoted
//! ones span lines), comments, brackets and backslashes. Lines are split at
//! `\n` only (IPython also splits at the rarer breaks Python's
//! `splitlines` knows, such as U+2028).

use super::pystr::repr;

/// A cell's code, line by line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Line {
    /// Python as written: one line, with its line break.
    Python(String),
    /// IPython's syntax over these lines (each with its line break),
    /// indented by `indent`, and the Python IPython runs for it.
    Special {
        lines: Vec<String>,
        indent: String,
        python: String,
    },
}

/// The lines of the code cell `source`, IPython's syntax found.
pub(crate) fn lines(source: &str) -> Vec<Line> {
    let lines = cleaned(source);
    if let Some(magic) = cell_magic(&lines) {
        return vec![magic];
    }
    let mut out = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let (line, next) = logical_line(&lines, i);
        match line {
            Some(special) => out.push(special),
            None => out.extend(lines[i..next].iter().cloned().map(Line::Python)),
        }
        i = next;
    }
    out
}

/// The cell as lines with their breaks (a last one added), leading blank
/// lines dropped and the first line's indentation taken off.
fn cleaned(source: &str) -> Vec<String> {
    let mut text = source.to_owned();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let all: Vec<&str> = text.split_inclusive('\n').collect();
    let first = all
        .iter()
        .position(|line| !line.trim().is_empty())
        .unwrap_or(0);
    let lines = &all[first..];
    let indent_len = lines.first().map_or(0, |line| {
        line.bytes()
            .take_while(|b| *b == b' ' || *b == b'\t')
            .count()
    });
    let indent = lines.first().map_or("", |line| &line[..indent_len]);
    lines
        .iter()
        .map(|line| line.strip_prefix(indent).unwrap_or(line).to_owned())
        .collect()
}

/// The whole cell as a cell magic, when its first line starts `%%` (and is
/// not `%%name?`, help on the magic).
fn cell_magic(lines: &[String]) -> Option<Line> {
    let first = lines.first()?;
    let rest = first.strip_prefix("%%")?;
    let name_len = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    if name_len > 0 && rest[name_len..].starts_with('?') {
        return None;
    }
    let header = rest.trim_end();
    let (name, line) = header.split_once(' ').unwrap_or((header, ""));
    let body: String = lines[1..].concat();
    Some(Line::Special {
        lines: lines.to_vec(),
        indent: String::new(),
        python: format!(
            "get_ipython().run_cell_magic({}, {}, {})",
            repr(name),
            repr(line),
            repr(&body)
        ),
    })
}

/// The logical line starting at `lines[start]`: IPython's syntax there, if
/// any, and the index of the line after what it covers.
fn logical_line(lines: &[String], start: usize) -> (Option<Line>, usize) {
    let first = &lines[start];
    let indent_len = first
        .bytes()
        .take_while(|b| *b == b' ' || *b == b'\t' || *b == b'\x0c')
        .count();
    let indent = &first[..indent_len];
    let code = &first[indent_len..];
    if code.trim().is_empty() || code.starts_with('#') {
        return (None, start + 1);
    }
    // Where the logical line ends, read as Python.
    let mut scan = Scan::default();
    let mut end = start;
    let comment = loop {
        let comment = scan.line(&lines[end]);
        if end + 1 >= lines.len() || scan.complete() {
            break comment;
        }
        end += 1;
    };
    let next = end + 1;
    let special = |through: usize, python: String| {
        Some(Line::Special {
            lines: lines[start..=through].to_vec(),
            indent: indent.to_owned(),
            python: format!("{indent}{python}"),
        })
    };
    // `name?` at the end (before the first token's escape: `%time?` is help
    // on %time).
    let last = lines[end].trim_end_matches(['\n', '\r']);
    if comment.is_none() && last.ends_with('?') {
        let content = lines[start..=end].concat();
        let content = content[indent_len..].trim_end_matches(['\n', '\r']);
        if let Some(call) = help_end(content) {
            return (special(end, call), next);
        }
    }
    if let Some(escape) = escape_at(code) {
        let through = continued_end(lines, start);
        let command = assemble(lines, start, indent_len, through);
        let content = &command[escape.len()..];
        return (special(through, escaped(escape, content)), through + 1);
    }
    if let Some((at, kind)) = assignment(first) {
        let through = continued_end(lines, start);
        let rhs = assemble(lines, start, at, through);
        let call = match kind {
            Assign::Magic => {
                let (name, args) = rhs[1..].split_once(' ').unwrap_or((&rhs[1..], ""));
                format!(
                    "get_ipython().run_line_magic({}, {})",
                    repr(name),
                    repr(args)
                )
            }
            Assign::System => format!("get_ipython().getoutput({})", repr(&rhs[1..])),
        };
        let line = Line::Special {
            lines: lines[start..=through].to_vec(),
            indent: indent.to_owned(),
            python: format!("{}{call}", &first[..at]),
        };
        return (Some(line), through + 1);
    }
    (None, next)
}

/// The escape starting `code` (the logical line's first token), if it is
/// one: `!!` and `??` before their single forms; operators that start with
/// an escape's character (`!=`, `%=`, `/=`, `//`) are not escapes.
fn escape_at(code: &str) -> Option<&'static str> {
    if ["!=", "%=", "/=", "//"]
        .iter()
        .any(|op| code.starts_with(op))
    {
        return None;
    }
    ["!!", "??", "!", "?", "%", ",", ";", "/"]
        .into_iter()
        .find(|escape| code.starts_with(escape))
}

/// The Python for an escaped command: its escape and what follows it.
fn escaped(escape: &str, content: &str) -> String {
    let (name, args) = content.split_once(' ').unwrap_or((content, ""));
    match escape {
        "!" => format!("get_ipython().system({})", repr(content)),
        "!!" => format!("get_ipython().getoutput({})", repr(content)),
        "?" | "??" if content.is_empty() => "get_ipython().show_usage()".to_owned(),
        "?" | "??" => help_call(content, escape),
        "%" => format!(
            "get_ipython().run_line_magic({}, {})",
            repr(name),
            repr(args)
        ),
        "," => format!(
            "{name}(\"{}\")",
            args.split_whitespace().collect::<Vec<_>>().join("\", \"")
        ),
        ";" => format!("{name}(\"{args}\")"),
        "/" => format!(
            "{name}({})",
            args.split_whitespace().collect::<Vec<_>>().join(", ")
        ),
        _ => String::new(),
    }
}

/// `get_ipython().run_line_magic('pinfo', 'target')`: `pinfo2` for `??`,
/// `psearch` for a name with a wildcard.
fn help_call(target: &str, escape: &str) -> String {
    let method = if escape == "??" {
        "pinfo2"
    } else if target.contains('*') {
        "psearch"
    } else {
        "pinfo"
    };
    let arg = format!("{method} {target}");
    let (name, args) = arg.split_once(' ').unwrap_or((&arg, ""));
    format!(
        "get_ipython().run_line_magic({}, {})",
        repr(name.trim_start_matches('%')),
        repr(args)
    )
}

/// Help asked for at the end of a logical line (`content`, from its first
/// token, ending with `?`): IPython's `_help_end_re`, the leftmost match of
/// `%{0,2}` then a name (`[\w*]+`, not starting with a digit) then `.name`
/// or `[integer]` parts, then `?` or `??` at the very end.
fn help_end(content: &str) -> Option<String> {
    let (body, escape) = match content.strip_suffix("??") {
        Some(body) => (body, "??"),
        None => (content.strip_suffix('?')?, "?"),
    };
    let target = body
        .char_indices()
        .map(|(at, _)| &body[at..])
        .find(|candidate| is_help_target(candidate))?;
    Some(help_call(target, escape))
}

/// Whether all of `text` is `%{0,2}name(.name|[-?digits])*`.
fn is_help_target(text: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '*';
    let rest = text
        .strip_prefix("%%")
        .or_else(|| text.strip_prefix('%'))
        .unwrap_or(text);
    let name = |s: &str| -> Option<usize> {
        let len = s.find(|c: char| !word(c)).unwrap_or(s.len());
        (len > 0 && !s.starts_with(|c: char| c.is_ascii_digit())).then_some(len)
    };
    let Some(mut at) = name(rest) else {
        return false;
    };
    while at < rest.len() {
        let tail = &rest[at..];
        if let Some(after_dot) = tail.strip_prefix('.') {
            match name(after_dot) {
                Some(len) => at += 1 + len,
                None => return false,
            }
        } else if let Some(inside) = tail.strip_prefix('[') {
            let sign = usize::from(inside.starts_with('-'));
            let digits = inside[sign..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            if digits == 0 || !inside[sign + digits..].starts_with(']') {
                return false;
            }
            at += 1 + sign + digits + 1;
        } else {
            return false;
        }
    }
    true
}

/// An assignment from a magic (`x = %time f()`) or a command (`x = !ls`).
enum Assign {
    Magic,
    System,
}

/// Where the magic or command assigned on `line` starts: after the line's
/// first `=` outside brackets (not part of `==`, `<=`, `+=`, …), a `%` and a
/// name, or a `!`.
fn assignment(line: &str) -> Option<(usize, Assign)> {
    let bytes = line.as_bytes();
    let mut scan = Scan::default();
    for (at, c) in line.char_indices() {
        let before = scan.clone();
        scan.char_at(line, at);
        if before.string.is_some() || before.skip > 0 || scan.string.is_some() {
            continue;
        }
        if c == '#' {
            return None;
        }
        if c != '=' || before.depth > 0 {
            continue;
        }
        let compound = at > 0 && b"=!<>+-*/%&|^@:".contains(&bytes[at - 1]);
        if compound || bytes.get(at + 1) == Some(&b'=') {
            continue;
        }
        if line[..at].trim().is_empty() {
            return None;
        }
        let rhs = at
            + 1
            + line[at + 1..]
                .bytes()
                .take_while(|b| *b == b' ' || *b == b'\t')
                .count();
        let rest = &line[rhs..];
        if let Some(after) = rest.strip_prefix('%') {
            let name = after.trim_start_matches([' ', '\t']);
            return name
                .starts_with(|c: char| c.is_alphabetic() || c == '_')
                .then_some((rhs, Assign::Magic));
        }
        return (rest.starts_with('!') && !rest.starts_with("!=")).then_some((rhs, Assign::System));
    }
    None
}

/// The last line of the backslash continuation starting at `lines[start]`.
fn continued_end(lines: &[String], start: usize) -> usize {
    let mut end = start;
    while end + 1 < lines.len() && lines[end].ends_with("\\\n") {
        end += 1;
    }
    end
}

/// IPython's `assemble_continued_line`: the text from `column` of
/// `lines[start]` through `lines[end]`, each continued line's backslash and
/// break dropped and the pieces joined by a space.
fn assemble(lines: &[String], start: usize, column: usize, end: usize) -> String {
    let mut parts: Vec<&str> = vec![&lines[start][column..]];
    parts.extend(lines[start + 1..=end].iter().map(String::as_str));
    let last = parts.len() - 1;
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            let part = part.trim_end();
            if i < last {
                part.strip_suffix('\\').unwrap_or(part)
            } else {
                part
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Python read as far as logical lines need: whether a string is open (and
/// which), how deep in brackets, and whether a backslash continues the line.
#[derive(Debug, Clone, Default)]
struct Scan {
    /// The quote an open string ends with (`'`, `"`, `'''`, `"""`).
    string: Option<&'static str>,
    depth: usize,
    continued: bool,
    /// After a backslash in a string: the next character is escaped.
    escaped: bool,
    /// Bytes of a triple quote still to pass over.
    skip: usize,
}

impl Scan {
    /// Reads a whole line (with its break); returns where a comment starts.
    fn line(&mut self, line: &str) -> Option<usize> {
        self.continued = false;
        for (at, c) in line.char_indices() {
            if self.string.is_none() && self.skip == 0 && c == '#' {
                return Some(at);
            }
            self.char_at(line, at);
        }
        None
    }

    /// Reads the character at byte `at` of `line` (a character boundary).
    fn char_at(&mut self, line: &str, at: usize) {
        if self.skip > 0 {
            self.skip -= 1;
            return;
        }
        let c = line.as_bytes()[at];
        let rest = &line[at..];
        if let Some(quote) = self.string {
            if self.escaped {
                self.escaped = false;
            } else if c == b'\\' {
                self.escaped = true;
            } else if quote.len() == 1 && c == b'\n' {
                // An unterminated string ends with its line.
                self.string = None;
            } else if rest.starts_with(quote) {
                self.string = None;
                self.skip = quote.len() - 1;
            }
            return;
        }
        match c {
            b'"' | b'\'' => {
                let triple = if c == b'"' { "\"\"\"" } else { "\'\'\'" };
                let quote = if rest.starts_with(triple) {
                    triple
                } else if c == b'"' {
                    "\""
                } else {
                    "\'"
                };
                self.string = Some(quote);
                self.skip = quote.len() - 1;
            }
            b'(' | b'[' | b'{' => self.depth += 1,
            b')' | b']' | b'}' => self.depth = self.depth.saturating_sub(1),
            b'\\' => self.continued = matches!(&line[at + 1..], "\n" | "\r\n" | ""),
            _ => {}
        }
    }

    /// Whether the logical line is over at the end of the line read last.
    fn complete(&self) -> bool {
        self.string.is_none() && self.depth == 0 && !self.continued
    }
}

#[cfg(test)]
mod tests;
