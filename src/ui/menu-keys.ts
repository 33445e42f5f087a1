// What the page's menus (the tool bar's dropdowns, a card's actions menu) share: roving focus over
// their items with the arrow keys, Home and End (WAI-ARIA's menu pattern), and closing on a press
// outside them. Each menu keeps its own items and decides what Escape, Tab and Enter do.

import { useEffect, type KeyboardEvent, type RefObject } from 'react';

/**
 * Moves focus among `items` for ArrowDown / ArrowUp (wrapping), Home and End; returns whether the
 * key was one of those (and then its default is prevented).
 */
export function moveMenuFocus(event: KeyboardEvent<HTMLElement>, items: readonly (HTMLButtonElement | null)[]): boolean {
  const list = items.filter((item): item is HTMLButtonElement => item !== null);
  const index = list.findIndex((item) => item === document.activeElement);
  let next: number;
  if (event.key === 'ArrowDown') next = index + 1;
  else if (event.key === 'ArrowUp') next = index - 1;
  else if (event.key === 'Home') next = 0;
  else if (event.key === 'End') next = list.length - 1;
  else return false;
  event.preventDefault();
  list[(next + list.length) % list.length]?.focus();
  return true;
}

/** While `active`, a mouse press outside `box` calls `onOutside`. */
export function useCloseOnOutsidePress(box: RefObject<HTMLElement | null>, active: boolean, onOutside: () => void): void {
  useEffect(() => {
    if (!active) return;
    const onDown = (event: MouseEvent): void => {
      if (box.current !== null && !box.current.contains(event.target as Node)) onOutside();
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [box, active, onOutside]);
}
