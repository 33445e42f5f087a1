// `npm run schema`: writes the scenario file's JSON Schema for editors, from the zod schema the
// runner validates with. test/scenario/schema.test.ts fails when the checked-in copy is stale.
import { writeFileSync } from 'node:fs';
import { scenarioJsonSchema } from '../src/engine/scenario/schema';

export const SCHEMA_PATH = 'public/scenarios/scenario.schema.json';

writeFileSync(SCHEMA_PATH, `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
console.log(`wrote ${SCHEMA_PATH}`);
