// Where in a JSON text a validator's path points: "timeline[3].action.process" → the line of that
// key, so the scenario editor can list each problem with its line and mark it in the gutter.
//
// Owns: a small scanner that records, for every value of a well-formed JSON text, the line where
// it is named (its key, or the item's first character in a list), and the reading of a formatted
// path back into steps. Paths are written by engine/validation.ts formatPath, where a key with dots
// of its own (Kafka's "min.insync.replicas") is not quoted: the walk tries the keys the object
// really has, longest first. Never: judges the JSON (JSON.parse already accepted it) or throws at
// the page: a text it cannot read gives no lines, a path it cannot follow the nearest line above.

/** Nesting the scanner follows at most (deeper values take their parent's line). */
const DEPTH_MAX = 200;

interface Node {
  /** 1-based line where the value is named (its key) or, for the root and list items, starts. */
  readonly line: number;
  readonly keys?: Map<string, Node>;
  readonly items?: Node[];
}

/** Where a problem's path points: its line, and whether the path was found whole (false: the nearest enclosing value's line). */
export interface PathLine {
  readonly line: number;
  readonly exact: boolean;
}

/** Scans `text` (valid JSON) into a tree of lines; null when it does not scan. */
export function scanJsonLines(text: string): Node | null {
  let i = 0;
  let line = 1;
  const space = (): void => {
    while (i < text.length) {
      const ch = text[i]!;
      if (ch === '\n') line++;
      else if (ch !== ' ' && ch !== '\t' && ch !== '\r' && ch !== '\uFEFF') return;
      i++;
    }
  };
  const string = (): string => {
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (at: number, depth: number): Node => {
    space();
    const ch = text[i];
    if (ch === '{' && depth < DEPTH_MAX) {
      i++;
      const keys = new Map<string, Node>();
      space();
      if (text[i] === '}') {
        i++;
        return { line: at, keys };
      }
      for (;;) {
        space();
        const keyLine = line;
        const key = string();
        space();
        i++; // ':'
        keys.set(key, value(keyLine, depth + 1));
        space();
        if (text[i++] === '}') return { line: at, keys };
      }
    }
    if (ch === '[' && depth < DEPTH_MAX) {
      i++;
      const items: Node[] = [];
      space();
      if (text[i] === ']') {
        i++;
        return { line: at, items };
      }
      for (;;) {
        space();
        items.push(value(line, depth + 1));
        space();
        if (text[i++] === ']') return { line: at, items };
      }
    }
    skipScalar(depth);
    return { line: at };
  };
  /** Skips a string, number, word, or a container nested too deep, keeping the line count. */
  const skipScalar = (depth: number): void => {
    if (text[i] === '"') {
      string();
      return;
    }
    if ((text[i] === '{' || text[i] === '[') && depth >= DEPTH_MAX) {
      let open = 0;
      do {
        const ch = text[i]!;
        if (ch === '"') {
          string();
          continue;
        }
        if (ch === '{' || ch === '[') open++;
        else if (ch === '}' || ch === ']') open--;
        else if (ch === '\n') line++;
        i++;
      } while (open > 0 && i < text.length);
      return;
    }
    while (i < text.length && /[-+.\w]/.test(text[i]!)) i++;
  };
  try {
    space();
    return value(line, 0);
  } catch {
    return null;
  }
}

/**
 * The line a validator's path ("timeline[3].action.process", "(root)") points to in `text`. A path
 * that goes further than the text (a missing key) gives the line of the deepest value it reached.
 * Null when the text does not scan.
 */
export function lineOfPath(text: string, path: string, scanned: Node | null = scanJsonLines(text)): PathLine | null {
  if (scanned === null) return null;
  if (path === '(root)') return { line: scanned.line, exact: true };
  let node = scanned;
  let rest = path;
  while (rest !== '') {
    const index = /^\[(\d+)\]\.?/.exec(rest);
    if (index !== null) {
      const item = node.items?.[Number(index[1])];
      if (item === undefined) return { line: node.line, exact: false };
      node = item;
      rest = rest.slice(index[0].length);
      continue;
    }
    // The longest key of this object that the rest of the path starts with, followed by ".", "[" or the end.
    let best: string | null = null;
    for (const key of node.keys?.keys() ?? []) {
      if (!rest.startsWith(key)) continue;
      const next = rest[key.length];
      if ((next === undefined || next === '.' || next === '[') && (best === null || key.length > best.length)) best = key;
    }
    if (best === null) return { line: node.line, exact: false };
    node = node.keys!.get(best)!;
    rest = rest.slice(best.length);
    if (rest.startsWith('.')) rest = rest.slice(1);
  }
  return { line: node.line, exact: true };
}
