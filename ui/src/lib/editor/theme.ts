// The editor's look, from the app's colour variables (app.css), so it
// follows the system's light or dark setting with the rest of the window.

import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import type { Extension } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { tags as t } from '@lezer/highlight';

const highlight = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.definitionKeyword, t.moduleKeyword, t.operatorKeyword], color: 'var(--syn-keyword)' },
  { tag: [t.string, t.special(t.string), t.regexp], color: 'var(--syn-string)' },
  { tag: [t.comment, t.lineComment, t.blockComment], color: 'var(--syn-comment)', fontStyle: 'italic' },
  { tag: [t.number, t.bool, t.null, t.atom], color: 'var(--syn-number)' },
  { tag: [t.function(t.variableName), t.function(t.propertyName)], color: 'var(--syn-function)' },
  { tag: [t.definition(t.variableName), t.definition(t.function(t.variableName))], color: 'var(--syn-definition)' },
  { tag: [t.className, t.typeName, t.definition(t.className)], color: 'var(--syn-type)' },
  { tag: [t.self, t.special(t.variableName)], color: 'var(--syn-keyword)' },
  { tag: [t.operator, t.punctuation], color: 'var(--syn-operator)' },
  { tag: t.heading, fontWeight: '700' },
  { tag: t.emphasis, fontStyle: 'italic' },
  { tag: t.strong, fontWeight: '700' },
  { tag: t.invalid, color: 'var(--bad)' },
]);

const look = EditorView.theme({
  '&': {
    color: 'var(--text)',
    backgroundColor: 'var(--code-bg)',
    borderRadius: '6px',
    fontSize: '14px',
  },
  '&.cm-focused': {
    outline: '1px solid var(--accent)',
  },
  '.cm-scroller': {
    fontFamily: "ui-monospace, 'DejaVu Sans Mono', 'Cascadia Code', Menlo, monospace",
    lineHeight: '1.45',
  },
  '.cm-content': {
    padding: '6px 0',
    caretColor: 'var(--text)',
  },
  '.cm-line': {
    padding: '0 8px',
  },
  '.cm-cursor': {
    borderLeftColor: 'var(--text)',
  },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': {
    backgroundColor: 'var(--selection)',
  },
  '.cm-matchingBracket': {
    backgroundColor: 'var(--selection)',
    outline: 'none',
  },
  '.cm-gutters': {
    color: 'var(--muted)',
    backgroundColor: 'var(--code-bg)',
    border: 'none',
    borderRadius: '6px 0 0 6px',
  },
  '.cm-lineNumbers .cm-gutterElement': {
    padding: '0 4px 0 8px',
  },
  // Sage's syntax (sage.ts). Each mark wraps the highlighter's own spans, so
  // its colour is given to what is inside too. Generators in the keywords'
  // colour: `.<x,y> =` is syntax of Sage's own; `^` and `..` as operators;
  // rings as the names of types.
  '.cm-sage-generators, .cm-sage-generators *': { color: 'var(--syn-keyword)' },
  '.cm-sage-power, .cm-sage-power *, .cm-sage-range, .cm-sage-range *': { color: 'var(--syn-operator)' },
  '.cm-sage-number': { color: 'var(--syn-number)' },
  '.cm-sage-ring, .cm-sage-ring *': { color: 'var(--syn-type)' },
  // Find (find.ts). Translucent, so they read on the light and the dark
  // background alike and the text keeps its colours; the current match has
  // the outline of the warning colour, which each theme sets.
  '.cm-find-match': {
    backgroundColor: 'rgb(250 200 40 / 0.35)',
    borderRadius: '2px',
  },
  '.cm-find-current': {
    backgroundColor: 'rgb(250 150 30 / 0.6)',
    outline: '1px solid var(--warn)',
  },
  '.cm-tooltip': {
    color: 'var(--text)',
    backgroundColor: 'var(--surface)',
    border: '1px solid var(--border)',
    borderRadius: '6px',
    boxShadow: '0 4px 14px rgb(0 0 0 / 0.18)',
  },
  '.cm-tooltip.cm-tooltip-autocomplete > ul': {
    fontFamily: "ui-monospace, 'DejaVu Sans Mono', monospace",
    maxHeight: '14em',
  },
  '.cm-tooltip.cm-tooltip-autocomplete > ul > li[aria-selected]': {
    color: 'var(--accent-text)',
    backgroundColor: 'var(--accent)',
  },
  '.cm-kernel-help': {
    maxWidth: 'min(44rem, 80vw)',
    maxHeight: '18rem',
    overflow: 'auto',
    padding: '6px 10px',
  },
  '.cm-kernel-help-expanded': {
    maxWidth: 'min(60rem, 90vw)',
    maxHeight: '60vh',
  },
  '.cm-kernel-help-more': {
    margin: '4px 0 0',
    fontSize: '12px',
    opacity: '0.7',
  },
  '.cm-kernel-help pre': {
    margin: '0',
    whiteSpace: 'pre-wrap',
    fontSize: '13px',
  },
});

export const editorTheme: Extension = [look, syntaxHighlighting(highlight)];
