// Whether a newest-first log is drawn through a fixed window while the run plays (issue 7, item 9;
// docs/architecture.md, "Rendering budget: the metadata log's rows windowed"). Each arrival moved
// every row of the log's scroller and changed its scroll extent, and Chromium re-layerized the page
// for it (PaintArtifactCompositor::Update, ~4 ms a pass): a repainted paint chunk whose bounds change
// or property nodes that move are such changes. Windowed, the rows sit in a box of the scroller's
// height, clipped, a layer of its own (perf.css): an arrival repaints that layer only, and a spacer
// below it keeps the scroll extent the full list had when measured, so the scrollbar stays as it was.
// A reader who reaches for the log (a pointer over it, focus in it, a touch, the wheel, a scroll
// away from the top) gets the unwindowed list at once, to scroll and read as before; so does a pause.
//
// Owns: whether a reader is at the log ("engaged"), the extent measured on the unwindowed list, and
// the ResizeObserver that measures again when the scroller's box changes size.
// Never: reads layout in a render, or windows a list that is paused (`windowable` false) or engaged.

import { useCallback, useLayoutEffect, useState, type RefObject } from 'react';

export interface LiveWindow {
  /** The scroller's visible height as measured, or null when the list is drawn unwindowed. */
  readonly viewPx: number | null;
  /** The spacer's height below the window, or null when the list is drawn unwindowed. */
  readonly spacerPx: number | null;
  /** Handlers for the scroller: a reader reaching for the log unwindows it. */
  readonly handlers: {
    readonly onPointerEnter: () => void;
    readonly onPointerLeave: () => void;
    readonly onFocus: () => void;
    readonly onBlur: () => void;
    readonly onTouchStart: () => void;
    readonly onWheel: () => void;
    readonly onScroll: () => void;
  };
}

/**
 * The spacer below a window of `viewPx` that keeps a scroll extent of `extentPx` (both the scroller's,
 * measured on the unwindowed list): none when the list did not scroll (a log still filling up).
 */
export function spacerOf(viewPx: number, extentPx: number): number {
  return Math.max(0, Math.round(extentPx - viewPx));
}

/** What was measured on the unwindowed list, and for which `measureKey`. */
interface Measured {
  readonly view: number;
  readonly spacer: number;
  readonly key: unknown;
}

/**
 * `scroller` is the log's scroll container; `windowable` says the run plays (and, for a log that
 * says so, that its list fills the view); a new `measureKey` (what the list shows, e.g. a filter)
 * measures again. The list is first drawn unwindowed, measured in a layout effect (before paint),
 * then windowed; a resize of the scroller measures again the same way.
 */
export function useLiveWindow(scroller: RefObject<HTMLElement | null>, windowable: boolean, measureKey: unknown = null): LiveWindow {
  const [engaged, setEngaged] = useState(false);
  const [measured, setMeasured] = useState<Measured | null>(null);
  const windowed = windowable && !engaged;
  const current = windowed && measured !== null && measured.key === measureKey ? measured : null;
  useLayoutEffect(() => {
    const box = scroller.current;
    if (!windowed) {
      if (measured !== null) setMeasured(null);
      return;
    }
    if (current !== null || box === null) return;
    setMeasured({ view: box.clientHeight, spacer: spacerOf(box.clientHeight, box.scrollHeight), key: measureKey });
  }, [scroller, windowed, current, measured, measureKey]);
  useLayoutEffect(() => {
    const box = scroller.current;
    if (!windowed || box === null || typeof ResizeObserver === 'undefined') return;
    let width = box.clientWidth;
    let height = box.clientHeight;
    const observer = new ResizeObserver(() => {
      if (box.clientWidth === width && box.clientHeight === height) return;
      width = box.clientWidth;
      height = box.clientHeight;
      setMeasured(null);
    });
    observer.observe(box);
    return () => observer.disconnect();
  }, [scroller, windowed]);
  const engage = useCallback(() => setEngaged(true), []);
  const release = useCallback(() => {
    const box = scroller.current;
    if (box === null || (box.scrollTop === 0 && !box.matches(':hover, :focus-within'))) setEngaged(false);
  }, [scroller]);
  const spacerPx = current === null ? null : current.spacer;
  return {
    viewPx: current === null ? null : current.view,
    spacerPx,
    handlers: {
      onPointerEnter: engage,
      onPointerLeave: release,
      onFocus: engage,
      onBlur: release,
      onTouchStart: engage,
      onWheel: engage,
      // While windowed nothing scrolls the list but a reader (a scrollbar dragged); unwindowed, a
      // scroll back to the top with the pointer gone lets the window return.
      onScroll: spacerPx === null ? release : engage,
    },
  };
}
