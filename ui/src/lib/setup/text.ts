/** A piece of a message: plain text, or a command to show as code. */
export interface Span {
  text: string;
  code: boolean;
}

/**
 * Splits the core's messages, which quote commands in backticks
 * (`sudo systemctl start docker`), into text and code, so that the commands
 * can be shown as code. An unpaired backtick stays text.
 */
export function codeSpans(message: string): Span[] {
  const spans: Span[] = [];
  const pattern = /`([^`]+)`/g;
  let at = 0;
  for (const match of message.matchAll(pattern)) {
    if (match.index > at) spans.push({ text: message.slice(at, match.index), code: false });
    spans.push({ text: match[1], code: true });
    at = match.index + match[0].length;
  }
  if (at < message.length) spans.push({ text: message.slice(at), code: false });
  return spans;
}

/** The core's messages start in lower case, as errors do; a notice starts a sentence. */
export function sentence(message: string): string {
  return message.charAt(0).toUpperCase() + message.slice(1);
}
