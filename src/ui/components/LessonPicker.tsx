import { memo } from 'react';
import { freePlayLabel } from '../free-play';
import type { LibraryEntry } from '../library';

interface Props {
  readonly library: readonly LibraryEntry[];
  /** The open lesson's id, or null in free play. */
  readonly current: string | null;
  /** An edited scenario runs (not a library lesson, not free play). */
  readonly edited?: boolean;
  readonly disabled: boolean;
  /** Free play's broker count when a link asked for one (`?brokers=N`), else null: the pickers name it. */
  readonly freeBrokers?: number | null;
  readonly onOpen: (id: string | null) => void;
}

const EDITED = '(edited)';

export const LessonPicker = memo(function LessonPicker({ library, current, edited = false, disabled, freeBrokers = null, onOpen }: Props) {
  return (
    <label className="picker">
      <span>Lesson</span>
      <select
        value={edited ? EDITED : (current ?? '')}
        disabled={disabled}
        onChange={(event) => onOpen(event.target.value === '' ? null : event.target.value)}
        aria-label="Open a lesson"
      >
        <option value="">{freePlayLabel(freeBrokers)}</option>
        {edited && (
          <option value={EDITED} disabled>
            Your edited scenario
          </option>
        )}
        {library.map((entry) => (
          <option key={entry.id} value={entry.id}>
            {entry.name}
          </option>
        ))}
      </select>
    </label>
  );
});
