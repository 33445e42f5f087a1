// Inline SVG icons: they render the same on every machine, unlike symbol glyphs that depend on
// the fonts installed.
import { memo } from 'react';

const PATHS = {
  play: 'M7 4.5v15l12-7.5z',
  pause: 'M6.5 4.5h4v15h-4zM13.5 4.5h4v15h-4z',
  step: 'M5 4.5v15l10-7.5zM16.5 4.5h3v15h-3z',
} as const;

/** Memoised: the top bar redraws its clock in every frame; its icons stay as they are. */
export const Icon = memo(function Icon({ name }: { name: keyof typeof PATHS }) {
  return (
    <svg className="icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
      <path d={PATHS[name]} fill="currentColor" />
    </svg>
  );
});
