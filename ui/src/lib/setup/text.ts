import type { PullProgress } from '../types';
import { formatBytes } from '../size';

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

/** A build step for one line: its first line, cut to `max` characters with an ellipsis. */
export function stepSummary(instruction: string, max = 72): string {
  const first = instruction.split('\n', 1)[0].trim();
  return first.length > max ? `${first.slice(0, max - 1).trimEnd()}…` : first;
}

/** How far a pull has come, for people: "312 MB of 1.4 GB · 5 of 12 layers". */
export function pullSummary(pull: PullProgress): string {
  const layers = pull.layersTotal === 1 ? '1 layer' : `${pull.layersTotal} layers`;
  const bytes = pull.bytesTotal > 0 ? `${formatBytes(pull.bytesDone)} of ${formatBytes(pull.bytesTotal)} · ` : '';
  return `Downloading: ${bytes}${pull.layersDone} of ${layers}`;
}
