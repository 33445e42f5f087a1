// The scenario library as the page sees it: public/scenarios/index.json lists the files in
// lesson order; each file is fetched whole (the worker validates it when it is opened). Fetched
// relative to the page, so it works under any base path.

export interface LibraryEntry {
  /** The file's base name, used in links: "zone-outage". */
  readonly id: string;
  readonly file: string;
  readonly name: string;
  readonly description: string;
  /** The file's text, handed to the worker as is. */
  readonly text: string;
}

export async function fetchLibrary(base = './scenarios/'): Promise<LibraryEntry[]> {
  const indexResponse = await fetch(`${base}index.json`);
  if (!indexResponse.ok) throw new Error(`the scenario library's index could not be loaded (HTTP ${indexResponse.status})`);
  const index = (await indexResponse.json()) as { scenarios?: unknown };
  if (!Array.isArray(index.scenarios)) throw new Error('the scenario library index has no "scenarios" list');
  return Promise.all(
    index.scenarios.map(async (file: unknown) => {
      if (typeof file !== 'string') throw new Error('the scenario library index lists something that is not a file name');
      const response = await fetch(`${base}${file}`);
      if (!response.ok) throw new Error(`scenario ${file} could not be loaded (HTTP ${response.status})`);
      const text = await response.text();
      let name = file;
      let description = '';
      try {
        const json = JSON.parse(text) as { name?: unknown; description?: unknown };
        if (typeof json.name === 'string') name = json.name;
        if (typeof json.description === 'string') description = json.description;
      } catch {
        // Left to the worker's validation, which names the problem when the scenario is opened.
      }
      return { id: file.replace(/\.json$/, ''), file, name, description, text };
    }),
  );
}
