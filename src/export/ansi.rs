//! Kernel text with ANSI escape sequences (IPython colours its tracebacks
//! and help, programs colour their output) as HTML: SGR sequences become
//! spans with classes for the 16 palette colours and inline styles for the
//! others, every other escape sequence and control character is dropped, as
//! the window does (`ui/src/lib/outputs/ansi.ts`). A carriage return starts
//! its line again, as in a terminal, so a progress bar shows its last state.

use std::fmt::Write;

use super::escape;

/// A colour: a palette index (0–15 the theme's, 16–255 the xterm cube and
/// greys) or an RGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Color {
    Palette(u8),
    Rgb(u8, u8, u8),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Style {
    fg: Option<Color>,
    bg: Option<Color>,
    bold: bool,
    dim: bool,
    italic: bool,
    underline: bool,
    inverse: bool,
    strike: bool,
    hidden: bool,
}

/// `text` as HTML: escaped, its colours as spans.
pub(crate) fn to_html(text: &str) -> String {
    let text = overwrite_carriage_returns(text);
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut style = Style::default();
    let mut open = false;
    let mut rest = text.as_str();
    loop {
        let esc = rest.find('\u{1b}').unwrap_or(rest.len());
        let plain = &rest[..esc];
        if plain.chars().any(|c| !is_dropped(c)) {
            if !open && style != Style::default() {
                open_span(&mut out, &style);
                open = true;
            }
            for c in plain.chars().filter(|c| !is_dropped(*c)) {
                escape::push_text(&mut out, c.encode_utf8(&mut [0; 4]));
            }
        }
        if esc == rest.len() {
            break;
        }
        let (sequence, len) = escape_sequence(&rest[esc..]);
        rest = &rest[esc + len..];
        if let Some(params) = sequence {
            let next = apply_sgr(style, params);
            if next != style {
                if open {
                    out.push_str("</span>");
                    open = false;
                }
                style = next;
            }
        }
    }
    if open {
        out.push_str("</span>");
    }
    out
}

/// C0 controls other than tab and line feed, and DEL: never shown.
fn is_dropped(c: char) -> bool {
    (c.is_ascii_control() && c != '\t' && c != '\n') || ('\u{80}'..='\u{9f}').contains(&c)
}

/// Each line as a terminal leaves it: the text after its last carriage
/// return (`\r\n` is a line break).
fn overwrite_carriage_returns(text: &str) -> String {
    if !text.contains('\r') {
        return text.to_owned();
    }
    text.replace("\r\n", "\n")
        .split('\n')
        .map(|line| line.rsplit_once('\r').map_or(line, |(_, last)| last))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The escape sequence at the start of `text` (which starts with ESC): the
/// parameters of an SGR sequence (`ESC [ … m`), or `None` for any other
/// sequence; and its length. An unfinished sequence runs to the end.
fn escape_sequence(text: &str) -> (Option<&str>, usize) {
    let bytes = text.as_bytes();
    match bytes.get(1) {
        Some(b'[') => {
            let params = bytes[2..]
                .iter()
                .take_while(|b| (0x30..=0x3f).contains(*b))
                .count();
            let intermediates = bytes[2 + params..]
                .iter()
                .take_while(|b| (0x20..=0x2f).contains(*b))
                .count();
            let end = 2 + params + intermediates;
            match bytes.get(end) {
                Some(b'm') if intermediates == 0 => (Some(&text[2..2 + params]), end + 1),
                Some(final_byte) if (0x40..=0x7e).contains(final_byte) => (None, end + 1),
                // Not a sequence after all: drop the introducer only.
                Some(_) => (None, 2),
                None => (None, text.len()),
            }
        }
        // OSC (title, hyperlink, …): up to BEL or ESC \.
        Some(b']') => {
            let end = text[2..]
                .find(['\u{7}', '\u{1b}'])
                .map(|at| {
                    let at = at + 2;
                    if bytes[at] == 0x1b && bytes.get(at + 1) == Some(&b'\\') {
                        at + 2
                    } else if bytes[at] == 0x07 {
                        at + 1
                    } else {
                        at
                    }
                })
                .unwrap_or(text.len());
            (None, end)
        }
        // ESC and one character.
        Some(_) => (None, 1 + text[1..].chars().next().map_or(0, char::len_utf8)),
        None => (None, 1),
    }
}

/// The style after the SGR parameters `params` (`1;31`, `38;5;208`, empty
/// for a reset).
fn apply_sgr(mut style: Style, params: &str) -> Style {
    let codes: Vec<u32> = params
        .split([';', ':'])
        .map(|code| code.parse().unwrap_or(0))
        .collect();
    let mut i = 0;
    while i < codes.len() {
        let code = codes[i];
        match code {
            0 => style = Style::default(),
            1 => style.bold = true,
            2 => style.dim = true,
            3 => style.italic = true,
            4 => style.underline = true,
            7 => style.inverse = true,
            8 => style.hidden = true,
            9 => style.strike = true,
            22 => (style.bold, style.dim) = (false, false),
            23 => style.italic = false,
            24 => style.underline = false,
            27 => style.inverse = false,
            28 => style.hidden = false,
            29 => style.strike = false,
            30..=37 => style.fg = Some(Color::Palette((code - 30) as u8)),
            90..=97 => style.fg = Some(Color::Palette((code - 90 + 8) as u8)),
            40..=47 => style.bg = Some(Color::Palette((code - 40) as u8)),
            100..=107 => style.bg = Some(Color::Palette((code - 100 + 8) as u8)),
            39 => style.fg = None,
            49 => style.bg = None,
            38 | 48 => {
                let (color, used) = extended_color(&codes[i + 1..]);
                if code == 38 {
                    style.fg = color.or(style.fg);
                } else {
                    style.bg = color.or(style.bg);
                }
                i += used;
            }
            _ => {}
        }
        i += 1;
    }
    style
}

/// The colour of `5;N` or `2;R;G;B` after a 38 or 48, and how many codes it
/// took.
fn extended_color(codes: &[u32]) -> (Option<Color>, usize) {
    let byte = |at: usize| codes.get(at).map(|c| (*c).min(255) as u8);
    match codes.first() {
        Some(5) => (byte(1).map(Color::Palette), 2.min(codes.len())),
        Some(2) => match (byte(1), byte(2), byte(3)) {
            (Some(r), Some(g), Some(b)) => (Some(Color::Rgb(r, g, b)), 4),
            _ => (None, codes.len()),
        },
        _ => (None, 1.min(codes.len())),
    }
}

/// The span for `style`: classes for the palette's 16 colours (the page's
/// stylesheet gives them), inline colours for the others.
fn open_span(out: &mut String, style: &Style) {
    let (fg, bg) = if style.inverse {
        (style.bg, style.fg)
    } else {
        (style.fg, style.bg)
    };
    let mut classes = Vec::new();
    let mut css = String::new();
    for (color, side, property) in [(fg, "fg", "color"), (bg, "bg", "background-color")] {
        match color {
            Some(Color::Palette(n)) if n < 16 => classes.push(format!("ansi-{side}-{n}")),
            Some(color) => {
                let (r, g, b) = rgb(color);
                let _ = write!(css, "{property}:#{r:02x}{g:02x}{b:02x};");
            }
            None => {}
        }
    }
    if style.inverse {
        classes.push("ansi-inverse".into());
    }
    for (on, class) in [
        (style.bold, "ansi-bold"),
        (style.dim, "ansi-dim"),
        (style.italic, "ansi-italic"),
        (style.underline, "ansi-underline"),
        (style.strike, "ansi-strike"),
        (style.hidden, "ansi-hidden"),
    ] {
        if on {
            classes.push(class.into());
        }
    }
    out.push_str("<span");
    if !classes.is_empty() {
        let _ = write!(out, " class=\"{}\"", classes.join(" "));
    }
    if !css.is_empty() {
        let _ = write!(out, " style=\"{css}\"");
    }
    out.push('>');
}

/// A colour of the xterm palette (16–255) or an RGB colour as RGB.
fn rgb(color: Color) -> (u8, u8, u8) {
    match color {
        Color::Rgb(r, g, b) => (r, g, b),
        Color::Palette(n @ 16..=231) => {
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            let n = n - 16;
            (level(n / 36), level(n / 6 % 6), level(n % 6))
        }
        Color::Palette(n @ 232..=255) => {
            let grey = 8 + (n - 232) * 10;
            (grey, grey, grey)
        }
        // The 16 have classes; not reached.
        Color::Palette(_) => (0, 0, 0),
    }
}

/// The palette's 16 colours and the styles, for the page's stylesheet
/// (Jupyter's colours).
pub(crate) const STYLESHEET: &str = "\
.ansi-fg-0{color:#3e424d}.ansi-fg-1{color:#e75c58}.ansi-fg-2{color:#00a250}.ansi-fg-3{color:#ddb62b}\
.ansi-fg-4{color:#208ffb}.ansi-fg-5{color:#d160c4}.ansi-fg-6{color:#60c6c8}.ansi-fg-7{color:#c5c1b4}\
.ansi-fg-8{color:#282c36}.ansi-fg-9{color:#b22b31}.ansi-fg-10{color:#007427}.ansi-fg-11{color:#b27d12}\
.ansi-fg-12{color:#0065ca}.ansi-fg-13{color:#a03196}.ansi-fg-14{color:#258f8f}.ansi-fg-15{color:#a1a6b2}\
.ansi-bg-0{background:#3e424d}.ansi-bg-1{background:#e75c58}.ansi-bg-2{background:#00a250}.ansi-bg-3{background:#ddb62b}\
.ansi-bg-4{background:#208ffb}.ansi-bg-5{background:#d160c4}.ansi-bg-6{background:#60c6c8}.ansi-bg-7{background:#c5c1b4}\
.ansi-bg-8{background:#282c36}.ansi-bg-9{background:#b22b31}.ansi-bg-10{background:#007427}.ansi-bg-11{background:#b27d12}\
.ansi-bg-12{background:#0065ca}.ansi-bg-13{background:#a03196}.ansi-bg-14{background:#258f8f}.ansi-bg-15{background:#a1a6b2}\
.ansi-inverse:not([class*=ansi-fg-]):not([style*=color]){color:#fff}\
.ansi-inverse:not([class*=ansi-bg-]):not([style*=background]){background:#000}\
.ansi-bold{font-weight:bold}.ansi-dim{opacity:.7}.ansi-italic{font-style:italic}\
.ansi-underline{text-decoration:underline}.ansi-strike{text-decoration:line-through}.ansi-hidden{visibility:hidden}\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_become_spans_and_text_is_escaped() {
        assert_eq!(
            to_html("\u{1b}[0;31mZeroDivisionError\u{1b}[0m: <x>"),
            "<span class=\"ansi-fg-1\">ZeroDivisionError</span>: &lt;x&gt;"
        );
        assert_eq!(
            to_html("\u{1b}[1;32mok\u{1b}[39m still bold\u{1b}[22m plain"),
            "<span class=\"ansi-fg-2 ansi-bold\">ok</span><span class=\"ansi-bold\"> still bold</span> plain"
        );
        assert_eq!(
            to_html("\u{1b}[38;5;208morange\u{1b}[48;2;1;2;3mon\u{1b}[m"),
            "<span style=\"color:#ff8700;\">orange</span><span style=\"color:#ff8700;background-color:#010203;\">on</span>"
        );
        assert_eq!(
            to_html("\u{1b}[38;5;244mgrey"),
            "<span style=\"color:#808080;\">grey</span>"
        );
    }

    #[test]
    fn other_sequences_and_controls_are_dropped() {
        assert_eq!(to_html("a\u{1b}[2Kb\u{1b}[1Ac"), "abc");
        assert_eq!(
            to_html("\u{1b}]8;;http://x\u{7}link\u{1b}]8;;\u{1b}\\"),
            "link"
        );
        assert_eq!(to_html("bell\u{7}\u{0}\u{8}\tok\n"), "bell\tok\n");
        assert_eq!(to_html("cut \u{1b}[3"), "cut ");
        assert_eq!(to_html("\u{1b}"), "");
        assert_eq!(to_html("\u{1b}é"), "");
    }

    #[test]
    fn a_carriage_return_starts_the_line_again() {
        assert_eq!(to_html("10%\r50%\r100%\ndone\r\n"), "100%\ndone\n");
    }

    #[test]
    fn hostile_sgr_parameters_do_not_panic() {
        for text in [
            "\u{1b}[38m",
            "\u{1b}[38;5m",
            "\u{1b}[38;2;1m",
            "\u{1b}[48;5;99999999999999999999mx",
            "\u{1b}[;;;;m",
            "\u{1b}[38;2;300;300;300mx",
        ] {
            to_html(text);
        }
    }
}
