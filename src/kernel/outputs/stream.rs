//! The text of one stream output as a terminal shows it (`\r` and
//! backspace rewrite the current line), bounded to its first and last
//! lines, and the updates that bring a listener's copy of it up to date.

use super::update::OutputUpdate;
use crate::notebook::limits::{ceil_char_boundary, stream_head, stream_over};
use crate::notebook::{Output, OutputLimits, StreamTail};

/// The text of one stream output, bounded.
///
/// Before the first cut the live text (`buf[start..]`) is the whole text;
/// after it, `head` holds the kept start and the live text the kept end.
/// Offsets called absolute count bytes ever placed in the live text, so they
/// survive dropping its front; `base` is the absolute offset of `buf[0]`.
#[derive(Debug)]
pub(super) struct StreamBuf {
    pub(super) name: String,
    pub(super) head: String,
    pub(super) cut: bool,
    omitted_lines: u64,
    omitted_bytes: u64,
    buf: String,
    pub(super) start: usize,
    base: u64,
    /// Complete lines (`\n`) in the live text.
    pub(super) lines: usize,
    /// Absolute offset where the unterminated last line starts.
    open_abs: u64,
    /// After a `\r`: the byte offset in the last line the next character
    /// overwrites. `None`: writing at the end.
    cursor: Option<usize>,
    /// Bumped when the live text changes in a way a listener cannot follow
    /// by lines: the first cut, and cuts inside a line.
    epoch: u64,
    /// Complete lines dropped from the front of the live text, ever.
    trimmed_lines: u64,
    /// The lowest absolute offset rewritten since the last batch.
    pub(super) rewritten_from: Option<u64>,
}

/// Where a listener's copy of a stream stands.
#[derive(Debug)]
pub(super) struct StreamSnap {
    epoch: u64,
    abs_start: u64,
    abs_end: u64,
    open_abs: u64,
    trimmed_lines: u64,
}

impl StreamBuf {
    pub(super) fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            head: String::new(),
            cut: false,
            omitted_lines: 0,
            omitted_bytes: 0,
            buf: String::new(),
            start: 0,
            base: 0,
            lines: 0,
            open_abs: 0,
            cursor: None,
            epoch: 0,
            trimmed_lines: 0,
            rewritten_from: None,
        }
    }

    pub(super) fn live(&self) -> &str {
        &self.buf[self.start..]
    }

    fn abs_start(&self) -> u64 {
        self.base + self.start as u64
    }

    fn abs_end(&self) -> u64 {
        self.base + self.buf.len() as u64
    }

    /// Index in `buf` where the last line starts (its kept part, if its
    /// start was cut).
    fn open_index(&self) -> usize {
        (self.open_abs.max(self.abs_start()) - self.base) as usize
    }

    pub(super) fn size(&self) -> usize {
        self.head.len() + self.buf.len() - self.start
    }

    pub(super) fn to_output(&self) -> Output {
        let live = self.live().to_owned();
        if self.cut {
            Output::Stream {
                name: self.name.clone(),
                text: self.head.clone(),
                tail: Some(StreamTail {
                    omitted_lines: self.omitted_lines,
                    omitted_bytes: self.omitted_bytes,
                    text: live,
                }),
            }
        } else {
            Output::Stream {
                name: self.name.clone(),
                text: live,
                tail: None,
            }
        }
    }

    pub(super) fn snap(&self) -> StreamSnap {
        StreamSnap {
            epoch: self.epoch,
            abs_start: self.abs_start(),
            abs_end: self.abs_end(),
            open_abs: self.open_abs.max(self.abs_start()),
            trimmed_lines: self.trimmed_lines,
        }
    }

    /// The updates from a listener's copy at `snap` to now. Complete lines
    /// never change and rewrites stay within the last line, so the copy
    /// needs: its front lines dropped, then its last line redone or text
    /// appended; anything else resends the output.
    pub(super) fn diff(&self, index: usize, snap: &StreamSnap, updates: &mut Vec<OutputUpdate>) {
        let abs_start = self.abs_start();
        if self.epoch != snap.epoch || abs_start > snap.open_abs {
            updates.push(OutputUpdate::Replace {
                index,
                output: self.to_output(),
            });
            return;
        }
        if abs_start > snap.abs_start {
            updates.push(OutputUpdate::TrimText {
                index,
                lines: self.trimmed_lines - snap.trimmed_lines,
                omitted_lines: self.omitted_lines,
                omitted_bytes: self.omitted_bytes,
            });
        }
        let live = self.live();
        if self.rewritten_from.is_some_and(|at| at < snap.abs_end) {
            let from = (snap.open_abs - abs_start) as usize;
            updates.push(OutputUpdate::RewriteLine {
                index,
                text: live[from..].to_owned(),
            });
        } else {
            let from = (snap.abs_end - abs_start) as usize;
            if from < live.len() {
                updates.push(OutputUpdate::AppendText {
                    index,
                    text: live[from..].to_owned(),
                });
            }
        }
    }

    pub(super) fn write(&mut self, text: &str) {
        if self.cursor.is_none() && !text.contains(['\r', '\x08']) {
            self.push_text(text);
            return;
        }
        for piece in text.split_inclusive(['\n', '\r', '\x08']) {
            let (body, control) = match piece.as_bytes().last() {
                Some(&b @ (b'\n' | b'\r' | 0x08)) => (&piece[..piece.len() - 1], Some(b)),
                _ => (piece, None),
            };
            self.put(body);
            match control {
                Some(b'\n') => {
                    self.cursor = None;
                    self.push_text("\n");
                }
                Some(b'\r') => {
                    self.cursor = Some(0);
                    self.settle_cursor();
                }
                Some(_) => self.backspace(),
                None => {}
            }
        }
    }

    fn push_text(&mut self, text: &str) {
        self.buf.push_str(text);
        if let Some(last) = text.rfind('\n') {
            self.lines += text.bytes().filter(|&b| b == b'\n').count();
            self.open_abs = self.abs_end() - (text.len() - last - 1) as u64;
        }
    }

    /// Writes text with no control character at the cursor.
    fn put(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        let Some(cursor) = self.cursor else {
            self.push_text(text);
            return;
        };
        let at = self.open_index() + cursor;
        let rest = &self.buf[at..];
        let end = at
            + rest
                .char_indices()
                .nth(text.chars().count())
                .map_or(rest.len(), |(i, _)| i);
        self.buf.replace_range(at..end, text);
        self.rewritten(at);
        self.cursor = Some(cursor + text.len());
        self.settle_cursor();
    }

    fn backspace(&mut self) {
        let open = self.open_index();
        match self.cursor {
            None => {
                if let Some((i, _)) = self.buf[open..].char_indices().next_back() {
                    self.buf.truncate(open + i);
                    self.rewritten(open + i);
                }
            }
            Some(cursor) => {
                let back = self.buf[open..open + cursor].char_indices().next_back();
                self.cursor = Some(back.map_or(0, |(i, _)| i));
            }
        }
    }

    fn rewritten(&mut self, index: usize) {
        let at = self.base + index as u64;
        self.rewritten_from = Some(self.rewritten_from.map_or(at, |from| from.min(at)));
    }

    /// A cursor at the end of the line is writing at the end.
    fn settle_cursor(&mut self) {
        if let Some(cursor) = self.cursor
            && self.open_index() + cursor >= self.buf.len()
        {
            self.cursor = None;
        }
    }

    /// Moves the start of the live text `len` bytes on, keeping the cursor
    /// on the same character when that is still kept.
    fn advance(&mut self, len: usize) {
        let open = self.open_index();
        self.start += len;
        let moved = self.open_index() - open;
        if let Some(cursor) = self.cursor {
            self.cursor = Some(cursor.saturating_sub(moved));
            self.settle_cursor();
        }
    }

    pub(super) fn bound(&mut self, limits: &OutputLimits) {
        if !self.cut && stream_over(limits, self.lines, self.live().len()) {
            self.cut_head(limits);
        }
        if self.cut {
            self.trim_front(limits);
        }
    }

    /// The first cut: the kept start moves to `head` ([`stream_head`]).
    fn cut_head(&mut self, limits: &OutputLimits) {
        let live = self.live();
        let (end, lines) = stream_head(limits, live);
        self.head = live[..end].to_owned();
        self.lines -= lines;
        self.cut = true;
        self.epoch += 1;
        self.advance(end);
    }

    /// Drops the front of the live text into the omitted counts until it is
    /// within the tail limits: whole lines, and the start of a last line
    /// longer than the whole tail.
    fn trim_front(&mut self, limits: &OutputLimits) {
        loop {
            let live = self.live();
            let over = live.len().saturating_sub(limits.stream_tail_bytes);
            if self.lines > limits.stream_tail_lines || (over > 0 && self.lines > 0) {
                let Some(i) = live.find('\n') else { break };
                self.lines -= 1;
                self.trimmed_lines += 1;
                self.omitted_lines += 1;
                self.omitted_bytes += i as u64 + 1;
                self.advance(i + 1);
            } else if over > 0 {
                let len = ceil_char_boundary(live, over);
                self.omitted_bytes += len as u64;
                self.epoch += 1;
                self.advance(len);
            } else {
                break;
            }
        }
        // Spent text is dropped once it is half the buffer: amortised O(1) a byte.
        if self.start >= 4096 && self.start * 2 >= self.buf.len() {
            self.buf.drain(..self.start);
            self.base += self.start as u64;
            self.start = 0;
            if self.buf.capacity() > 4 * self.buf.len().max(4096) {
                self.buf.shrink_to(2 * self.buf.len());
            }
        }
    }
}
