// Reading the page's style sheets as text, for the tests that pin rendering rules (layerize-css,
// relayout-css): a rule dropped fails there rather than only in a trace.

/** The declarations of the rules whose selector list holds `selector` (comments removed; rules inside @media too). */
export function declarationsOf(css: string, selector: string): string[] {
  const bare = css.replace(/\/\*[\s\S]*?\*\//g, '');
  const found: string[] = [];
  for (const match of bare.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
    const selectors = match[1]!.split(',').map((part) => part.trim());
    if (selectors.includes(selector)) found.push(match[2]!);
  }
  return found;
}
