// Text whose box keeps its size while its numbers change (issue 7, item 9; perf.css and
// styles.css's `.stable`): the text is drawn over a hidden copy of itself with every digit a zero.
//
// Owns: the copy-and-text markup and the digits-as-zeros template.
// Never: measures anything, or holds the copy's size itself (the copy, in tabular figures, is the size).
import type { ReactNode } from 'react';

/** The text with every digit a zero: as wide as the text in tabular figures, and the same only while no number gains or loses a digit. */
export function digitsAsZeros(text: string | number): string {
  return String(text).replace(/[0-9]/g, '0');
}

/**
 * Text that changes in every refresh, drawn over a hidden copy of itself with every digit a zero
 * (perf.css, issue 7): the copy gives the box its size and changes only when a number gains or
 * loses a digit (or the words change), and the text laid over it (absolutely positioned, size and
 * layout containment: a relayout boundary) changes alone, so a new value lays out the text, not
 * the panel around it and the page. Tabular figures make the copy exactly as wide, line breaks
 * included: a box whose height followed its text moved everything below it whenever a new value
 * wrapped differently.
 */
export function StableText({ text, template }: { text: ReactNode; template: ReactNode }) {
  return (
    <span className="stable">
      <span className="stable-sizer" aria-hidden="true">
        {template}
      </span>
      <span className="stable-text">{text}</span>
    </span>
  );
}
