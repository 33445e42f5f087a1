// The page's session lifecycle as a statechart:
//
//   loadingLibrary --library fetched (or not)--> booting
//   booting --engine built--> ready.paused <--worker starts / stops playing--> ready.playing
//   booting --refused config or scenario, or worker error--> failed --RESTART--> booting
//   ready.* --OPEN another lesson--> booting;  ready.* --WORKER_FAILED--> failed
//   ready.* --NEXT_STEP--> the worker runs to the lesson's next caption or pause and stops there
//   ready.* --SEEK a moment--> ready.paused (the worker rebuilds the moment and shows it paused;
//            playing on, stepping or injecting from there branches a new future, in the worker)
//
// ready.paused and ready.playing follow the worker's own frames (PLAYBACK), not the buttons: the
// worker stops by itself at a presenter's pause and at a scenario's end, and the page shows what
// the worker does. Commands arriving in a state that cannot take them (PLAY while booting, STEP
// while failed) are not accepted by the chart, so a click at the wrong time reaches no worker.
// The machine owns the EngineClient: each boot starts a fresh worker and disposes of the old one.

import { assign, fromPromise, setup } from 'xstate';
import type { Speed, ScenarioInfo } from '../worker/host';
import { EngineClient, type Setup, type Started } from './engine-client';
import { FREE_PLAY_CONFIG, freePlayConfig } from './free-play';
import { fetchLibrary, type LibraryEntry } from './library';
import { DEFAULT_SEED, type PageParams } from './url-params';

/** The session actor's id in its system: start it with createActor(sessionMachine, { systemId }). */
export const SESSION_SYSTEM_ID = 'session';

export interface SessionInput {
  readonly params: PageParams;
  /** Where the library lives; tests may point elsewhere. */
  readonly libraryBase?: string;
}

export interface SessionContext {
  readonly params: PageParams;
  readonly libraryBase: string;
  library: readonly LibraryEntry[];
  /** Problems with the link or the library, shown as banners; the page still works. */
  problems: readonly string[];
  setup: Setup;
  scenario: ScenarioInfo | null;
  client: EngineClient | null;
  speed: Speed;
  error: string | null;
  /** The last refused action (a bad fault), shown until the next action. */
  notice: string | null;
}

export type SessionEvent =
  | { type: 'PLAY' }
  | { type: 'PAUSE' }
  | { type: 'STEP' }
  | { type: 'SET_SPEED'; speed: Speed }
  | { type: 'INJECT'; fault: unknown }
  | { type: 'SEEK'; atUs: number }
  | { type: 'NEXT_STEP' }
  | { type: 'NOTICE'; message: string | null }
  | { type: 'PLAYBACK'; playing: boolean }
  | { type: 'OPEN'; setup: Setup }
  | { type: 'WORKER_FAILED'; message: string }
  | { type: 'RESTART' };

const FREE_SETUP: Extract<Setup, { kind: 'free' }> = { kind: 'free', config: FREE_PLAY_CONFIG, seed: DEFAULT_SEED };

/**
 * The setup a link asks for, and what is wrong with the link if it cannot be honoured. A link with
 * a session (a reload) resumes it, falling back to what the rest of the link says.
 */
export function setupFromLink(params: PageParams, library: readonly LibraryEntry[]): { setup: Setup; problems: string[] } {
  const fresh = freshSetupFromLink(params, library);
  if (params.session === null) return fresh;
  return { setup: { kind: 'resume', id: params.session, fallback: fresh.setup }, problems: fresh.problems };
}

function freshSetupFromLink(params: PageParams, library: readonly LibraryEntry[]): { setup: Setup; problems: string[] } {
  // A link with any problem opens the default cluster (its problems are already on the page).
  if (params.problems.length > 0) return { setup: FREE_SETUP, problems: [] };
  const seed = params.seed;
  const moment = params.moment === null ? {} : { moment: { atUs: params.moment.atUs, events: params.moment.events, inputs: params.actions } };
  if (params.edited !== null) return { setup: { kind: 'scenario', id: null, text: params.edited, seed, ...moment }, problems: [] };
  if (params.scenario === null) return { setup: { ...FREE_SETUP, config: freePlayConfig(params.brokers), seed: seed ?? DEFAULT_SEED, ...moment }, problems: [] };
  const entry = library.find((candidate) => candidate.id === params.scenario);
  if (entry === undefined) {
    const known = library.map((candidate) => candidate.id).join(', ') || 'none could be loaded';
    return {
      setup: { ...FREE_SETUP, seed: seed ?? DEFAULT_SEED },
      problems: [`The link's scenario "${params.scenario}" is not in the library (lessons: ${known}); expected one of their ids. The default cluster is open instead.`],
    };
  }
  return { setup: { kind: 'scenario', id: entry.id, text: entry.text, seed, ...moment }, problems: [] };
}

export const sessionMachine = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
    input: {} as SessionInput,
  },
  actors: {
    library: fromPromise<LibraryEntry[], { base: string }>(({ input }) => fetchLibrary(input.base)),
    boot: fromPromise<{ client: EngineClient; started: Started }, { setup: Setup; previous: EngineClient | null; speed: Speed }>(
      async ({ input, system, signal }) => {
        input.previous?.dispose();
        const session = () => system.get(SESSION_SYSTEM_ID);
        // A worker that dies while booting (its script does not load, or throws) never answers
        // start: the boot waits for whichever comes first, the answer or the failure, so the page
        // shows the failure with its restart button rather than "Starting…" for ever.
        let failBoot: (error: Error) => void = () => undefined;
        const failed = new Promise<never>((_, reject) => {
          failBoot = reject;
        });
        failed.catch(() => undefined);
        const client = new EngineClient({
          onFailure: (message) => {
            failBoot(new Error(message));
            session()?.send({ type: 'WORKER_FAILED', message });
          },
          onPlaying: (playing) => session()?.send({ type: 'PLAYBACK', playing }),
        });
        // A boot abandoned midway (the page unmounted, or another lesson was opened) frees its worker.
        signal.addEventListener('abort', () => client.dispose());
        try {
          const started = await Promise.race([client.start(input.setup), failed]);
          if (!started.ok) throw new Error(started.error);
          await Promise.race([client.setSpeed(input.speed), failed]);
          return { client, started: started.value };
        } catch (error) {
          client.dispose();
          throw error;
        }
      },
    ),
  },
}).createMachine({
  id: 'session',
  context: ({ input }) => ({
    params: input.params,
    libraryBase: input.libraryBase ?? './scenarios/',
    library: [],
    problems: input.params.problems,
    setup: FREE_SETUP,
    scenario: null,
    client: null,
    speed: 1,
    error: null,
    notice: null,
  }),
  initial: 'loadingLibrary',
  states: {
    loadingLibrary: {
      invoke: {
        src: 'library',
        input: ({ context }) => ({ base: context.libraryBase }),
        onDone: {
          target: 'booting',
          actions: assign(({ context, event }) => {
            const { setup: chosen, problems } = setupFromLink(context.params, event.output);
            return { library: event.output, setup: chosen, problems: [...context.problems, ...problems] };
          }),
        },
        onError: {
          target: 'booting',
          actions: assign(({ context, event }) => {
            const reason = event.error instanceof Error ? event.error.message : String(event.error);
            const { setup: chosen, problems } = setupFromLink(context.params, []);
            return { setup: chosen, problems: [...context.problems, `The lessons could not be loaded: ${reason}.`, ...problems] };
          }),
        },
      },
    },
    booting: {
      invoke: {
        src: 'boot',
        input: ({ context }) => ({ setup: context.setup, previous: context.client, speed: context.speed }),
        onDone: {
          target: 'ready',
          actions: assign(({ context, event }) => {
            const { setup: running, scenario, problem } = event.output.started;
            return { client: event.output.client, setup: running, scenario, error: null, problems: problem === null ? context.problems : [...context.problems, problem] };
          }),
        },
        onError: {
          target: 'failed',
          actions: assign({ client: null, error: ({ event }) => (event.error instanceof Error ? event.error.message : String(event.error)) }),
        },
      },
    },
    ready: {
      initial: 'paused',
      on: {
        WORKER_FAILED: { target: 'failed', actions: assign({ error: ({ event }) => event.message }) },
        OPEN: { target: 'booting', actions: assign({ setup: ({ event }) => event.setup, scenario: null, notice: null }) },
        SET_SPEED: {
          actions: [assign({ speed: ({ event }) => event.speed }), ({ context, event }) => void context.client?.setSpeed(event.speed)],
        },
        INJECT: {
          actions: ({ context, event, self }) => {
            void context.client?.inject(event.fault).then((outcome) => {
              self.send({ type: 'NOTICE', message: outcome.ok ? null : outcome.error });
            });
          },
        },
        SEEK: {
          actions: ({ context, event, self }) => {
            void context.client?.seek(event.atUs).then((outcome) => {
              if (!outcome.ok) self.send({ type: 'NOTICE', message: outcome.error });
            });
          },
        },
        NEXT_STEP: {
          actions: ({ context, self }) => {
            void context.client?.nextStep().then((outcome) => {
              if (!outcome.ok) self.send({ type: 'NOTICE', message: outcome.error });
            });
          },
        },
        NOTICE: { actions: assign({ notice: ({ event }) => event.message }) },
        STEP: { actions: ({ context }) => void context.client?.step() },
      },
      states: {
        paused: {
          on: {
            PLAY: { actions: ({ context }) => void context.client?.play() },
            PLAYBACK: { guard: ({ event }) => event.playing, target: 'playing' },
          },
        },
        playing: {
          on: {
            PAUSE: { actions: ({ context }) => void context.client?.pause() },
            PLAYBACK: { guard: ({ event }) => !event.playing, target: 'paused' },
          },
        },
      },
    },
    failed: {
      on: {
        RESTART: 'booting',
        OPEN: { target: 'booting', actions: assign({ setup: ({ event }) => event.setup, scenario: null }) },
      },
    },
  },
});
