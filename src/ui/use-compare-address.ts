// Compare mode's address bar follows the moment both runs stand at, so that a reload (or a copy of
// the address) reopens the comparison there instead of from the start. The single view gets this
// from its saved session (&session=...); a comparison has two workers and no saved session, but it
// has the shared-moment link (CompareSession.momentToShare, the link Share makes): opening it starts
// both workers, replays the faults applied to both at their moments and pauses there. So the
// address is that link, written when the comparison pauses or ends and every
// COMPARE_ADDRESS_EVERY_WALL_MS while it plays (a reload while playing reopens it paused at most
// that much earlier). At the start (t=0, no faults) App's plain compare link says the same and stays.
// A moment whose link would be too long to travel (SHARE_LINK_CHARS_MAX: many faults, a long edited
// scenario) keeps the address App wrote: a reload then starts the comparison again.
//
// Owns: history.replaceState of the address while comparing. Never: changes either run.
import { useEffect } from 'react';
import { compareParamOf } from './compare';
import type { CompareSession } from './compare-session';
import { SHARE_LINK_CHARS_MAX } from './link-payload';
import { shareLinkFor } from './url-params';

/** While a comparison plays, the address is brought up to its moment at most this often. */
export const COMPARE_ADDRESS_EVERY_WALL_MS = 2_000;

/** What the comparison's link names besides the moment: the lesson or edited text, the seed, free play's broker count. */
export interface CompareAddressSetup {
  readonly scenario: string | null;
  readonly edited: string | null;
  readonly seed: number;
  readonly brokers: number | null;
}

export function useCompareAddress(compare: CompareSession | null, setup: CompareAddressSetup): void {
  const { scenario, edited, seed, brokers } = setup;
  useEffect(() => {
    if (compare === null) return;
    let disposed = false;
    let writing = false;
    /** The moment last written and its link: written again only if the moment moved or App wrote over it. */
    let written: { atUs: number; link: string } | null = null;
    const write = async (): Promise<void> => {
      const { status, timeUs } = compare.current;
      if (disposed || writing || status === 'booting' || status === 'failed') return;
      if (written !== null && written.atUs === timeUs && window.location.href === written.link) return;
      writing = true;
      try {
        const moment = await compare.momentToShare();
        if (disposed || !moment.ok) return;
        // The start of the comparison: App's plain link reopens exactly that.
        if (moment.value.atUs === 0 && moment.value.actions.length === 0) return;
        const base = `${window.location.origin}${window.location.pathname}`;
        const made = await shareLinkFor(base, { scenario, edited, seed, brokers, compare: compareParamOf(compare.plan.spec), ...moment.value }, SHARE_LINK_CHARS_MAX);
        if (disposed || !made.ok) return;
        window.history.replaceState(null, '', made.link);
        written = { atUs: moment.value.atUs, link: window.location.href };
      } finally {
        writing = false;
      }
    };
    const unsubscribe = compare.subscribe(() => {
      const { status } = compare.current;
      if (status === 'paused' || status === 'ended') void write();
    });
    const timer = setInterval(() => void write(), COMPARE_ADDRESS_EVERY_WALL_MS);
    void write();
    return () => {
      disposed = true;
      unsubscribe();
      clearInterval(timer);
    };
  }, [compare, scenario, edited, seed, brokers]);
}
