// Which changes of a playing frame reach the document without meeting a relayout boundary (issue 7,
// item 9; docs/architecture.md, "relayout boundaries outside the topology, probed"). Chromium lays a
// frame out from the document as soon as one change does, and then re-marks every boundary's
// ancestors up to it, so a Layout is small only while every change of the frame stops at a boundary.
// This plays large-cluster.json at 10x in Debian's Chromium (1440x900, as bench/page.ts), records 4 s
// of DOM changes with a MutationObserver, and walks each changed node's ancestors, judging each box
// by Chromium's rules (LayoutObject's ObjectIsRelayoutBoundary) read from its computed style: a
// boundary has a self-painting layer, is neither inline, a table part, a flex item nor a grid item,
// is not absolutely positioned at its static place, and has size and layout containment. (A box of
// fixed px size with overflow clipped is one too; computed style cannot tell fixed from auto sizes,
// so the walk reports it as "clip?" and goes on.) It prints each kind of change with how often it
// came and the first boundary met, or "document", with the chain of boxes and why each is not one;
// changes inside a box that content-visibility skips are marked "skipped" (they do not propagate).
//
//   npx vite preview --outDir DIR --port N   then   npx tsx bench/layout-roots.ts --url=http://127.0.0.1:N/ [--css=FILE]
//
// `--css=FILE` injects a style sheet first, to probe a candidate boundary before writing it.
import { openPlayingLesson } from './lesson-browser';

const url = process.argv.find((arg) => arg.startsWith('--url='))?.slice('--url='.length);
const css = process.argv.find((arg) => arg.startsWith('--css='))?.slice('--css='.length);
if (url === undefined) throw new Error('usage: npx tsx bench/layout-roots.ts --url=http://127.0.0.1:PORT/ [--css=FILE]');

interface Found {
  readonly key: string;
  readonly count: number;
  readonly chain: string;
}

const { browser, page } = await openPlayingLesson(url, css);
await page.waitForTimeout(1500);
// The page's part, as text: tsx's build names functions with a helper (__name) the page does not have.
const PROBE = `(async () => {
  const describe = (el) => \`\${el.tagName.toLowerCase()}\${el.classList.length > 0 ? \`.\${[...el.classList].slice(0, 3).join('.')}\` : ''}\`;
  const verdict = (el) => {
    const style = getComputedStyle(el);
    const parent = el.parentElement === null ? null : getComputedStyle(el.parentElement);
    const positioned = style.position === 'absolute' || style.position === 'fixed';
    if (/^(inline|contents)$/.test(style.display)) return 'inline';
    if (/^table-/.test(style.display)) return 'table part';
    const layer =
      style.position !== 'static' || /layout|paint|strict|content/.test(style.contain) || style.transform !== 'none' || Number(style.opacity) < 1 || style.willChange !== 'auto' || style.contentVisibility === 'auto';
    if (!layer) return 'no layer';
    if (positioned && ((style.left === 'auto' && style.right === 'auto') || (style.top === 'auto' && style.bottom === 'auto'))) return 'at static place';
    if (parent !== null && /flex/.test(parent.display) && !positioned) return 'flex item';
    if (parent !== null && /grid/.test(parent.display)) return 'grid item';
    if ((/size/.test(style.contain) && /layout/.test(style.contain)) || /strict/.test(style.contain)) return 'BOUNDARY';
    return style.overflowX !== 'visible' && style.overflowY !== 'visible' ? 'clip?' : 'no size containment';
  };
  const seen = new Map();
  const note = (el, kind) => {
    if (el === null) return;
    const chain = [];
    let root = 'document';
    for (let at = el; at !== null && at !== document.documentElement; at = at.parentElement) {
      const why = verdict(at);
      chain.push(\`\${describe(at)} [\${why}]\`);
      if (why === 'BOUNDARY') {
        root = describe(at);
        break;
      }
    }
    const skipped = el.checkVisibility({ contentVisibilityAuto: true }) ? '' : ' (skipped)';
    const key = \`\${kind} \${describe(el)} -> \${root}\${skipped}\`;
    const entry = seen.get(key) ?? { count: 0, chain: chain.join(' < ') };
    entry.count += 1;
    seen.set(key, entry);
  };
  const observer = new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === 'characterData') note(record.target.parentElement, 'text');
      else if (record.type === 'childList') note(record.target instanceof Element ? record.target : null, 'children');
      else note(record.target instanceof Element ? record.target : null, \`attribute \${record.attributeName}\`);
    }
  });
  observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['style', 'class', 'width', 'd', 'transform'] });
  await new Promise((resolve) => setTimeout(resolve, 4000));
  observer.disconnect();
  return [...seen.entries()].map(([key, { count, chain }]) => ({ key, count, chain })).sort((a, b) => b.count - a.count);
})()`;
const found = (await page.evaluate(PROBE)) as Found[];
await browser.close();

const reaching = found.filter((entry) => entry.key.endsWith('-> document'));
console.log(`changes in 4 s that reach the document (${reaching.reduce((sum, entry) => sum + entry.count, 0)}):`);
for (const entry of reaching) console.log(`  ${String(entry.count).padStart(4)}  ${entry.key}\n          ${entry.chain}`);
console.log('stopped at a boundary, or skipped by content-visibility:');
for (const entry of found.filter((other) => !other.key.endsWith('-> document'))) console.log(`  ${String(entry.count).padStart(4)}  ${entry.key}`);
