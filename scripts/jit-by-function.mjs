// Splits the generated code's instructions (cachegrind's one `???:???` lump) by JS function: the
// per-instruction counts of a callgrind run summed by the node perf-map entry whose code covers
// each address (inlined callees count in their caller). See docs/architecture.md, "Data plane
// performance", twenty-fourth round. Usage:
//   valgrind --tool=callgrind --dump-instr=yes --compress-pos=no --compress-strings=no \
//     --callgrind-out-file=clg.out node --perf-basic-prof --no-compact --single-threaded \
//     --no-incremental-marking --no-memory-reducer --no-flush-bytecode --expose-gc <script> ...
//   node scripts/jit-by-function.mjs clg.out /tmp/perf-<pid>.map [rows] [hex start] [hex size]
// With a start and size (a perf-map entry's), it prints that code's calls (its entry instruction's
// count) and instructions per call instead.
import { readFileSync } from 'node:fs';

const [cgFile, mapFile, top = '60', startHex, sizeHex] = process.argv.slice(2);
if (cgFile === undefined || mapFile === undefined) throw new Error('usage: node scripts/jit-by-function.mjs <callgrind.out> <perf-PID.map> [rows] [hex start] [hex size]');

// Perf-map entries by start; code space is reused, so among entries covering an address the latest wins.
const ranges = readFileSync(mapFile, 'utf8')
  .split('\n')
  .map((line, order) => {
    const m = line.match(/^([0-9a-f]+) ([0-9a-f]+) (.*)$/);
    return m ? { start: parseInt(m[1], 16), end: parseInt(m[1], 16) + parseInt(m[2], 16), name: m[3], order } : null;
  })
  .filter((range) => range !== null)
  .sort((a, b) => a.start - b.start);

function lookup(address) {
  let lo = 0;
  let hi = ranges.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid].start <= address) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  let best = null;
  for (let k = at; k >= 0 && k > at - 200; k--) {
    const r = ranges[k];
    if (r.start <= address && address < r.end && (best === null || r.order > best.order)) best = r;
  }
  return best;
}

const only = startHex === undefined ? null : { start: parseInt(startHex, 16), end: parseInt(startHex, 16) + parseInt(sizeHex, 16) };
const byName = new Map();
const byAddress = new Map();
let fn = '';
let afterCalls = false;
let total = 0;
let unnamed = 0;
for (const line of readFileSync(cgFile, 'utf8').split('\n')) {
  if (line.startsWith('fn=')) {
    fn = line.slice(3);
    continue;
  }
  if (line.startsWith('calls=')) {
    afterCalls = true;
    continue;
  }
  if (!/^0x[0-9a-f]+ /.test(line)) continue;
  // The line after calls= carries the call's inclusive cost: not this function's own.
  if (afterCalls) {
    afterCalls = false;
    continue;
  }
  const [addressText, , irText] = line.split(' ');
  const ir = Number(irText);
  total += ir;
  if (!fn.startsWith('0x')) continue; // a named (C++ or builtin) function: cachegrind names those itself
  unnamed += ir;
  const address = parseInt(addressText, 16);
  if (only !== null) {
    if (address >= only.start && address < only.end) byAddress.set(address, (byAddress.get(address) ?? 0) + ir);
    continue;
  }
  const range = lookup(address);
  const name = range === null ? 'unmapped' : range.name.replace(/^JS:/, '').replace(/ file:\/\/\S*?([^/]+\.(ts|mjs|js)):(\d+):\d+$/, ' $1:$3');
  byName.set(name, (byName.get(name) ?? 0) + ir);
}

if (only !== null) {
  const calls = byAddress.get(only.start) ?? 0;
  let own = 0;
  for (const ir of byAddress.values()) own += ir;
  console.log(`calls ${calls}, instructions ${own}, per call ${calls === 0 ? '-' : (own / calls).toFixed(0)}, distinct instructions run ${byAddress.size}`);
} else {
  console.log(`instructions ${(total / 1e9).toFixed(3)} G, of which generated code ${(unnamed / 1e9).toFixed(3)} G`);
  for (const [name, ir] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log(`${(ir / 1e6).toFixed(1).padStart(8)} M  ${name}`);
}
