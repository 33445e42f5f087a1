// The page's session lifecycle as a statechart:
//
//   booting --engine created--> ready.paused <--PLAY/PAUSE--> ready.playing
//   booting --bad config or worker error--> failed --RESTART--> booting
//   ready.* --WORKER_FAILED--> failed
//
// Commands arriving in the wrong state (PLAY while booting, STEP while failed) are simply not
// accepted by the chart, so a click at the wrong time cannot reach a worker that is not ready.
// The machine owns the EngineClient: each boot starts a fresh worker and disposes of the old one.

import { assign, fromPromise, setup } from 'xstate';
import type { Speed } from '../worker/host';
import { EngineClient } from './engine-client';

/** The session actor's id in its system: start it with createActor(sessionMachine, { systemId }). */
export const SESSION_SYSTEM_ID = 'session';

export interface SessionInput {
  readonly config: unknown;
  readonly seed: number;
}

export interface SessionContext extends SessionInput {
  client: EngineClient | null;
  speed: Speed;
  error: string | null;
  /** The last refused action (a bad fault), shown to the person until the next action. */
  notice: string | null;
}

export type SessionEvent =
  | { type: 'PLAY' }
  | { type: 'PAUSE' }
  | { type: 'STEP' }
  | { type: 'SET_SPEED'; speed: Speed }
  | { type: 'INJECT'; fault: unknown }
  | { type: 'NOTICE'; message: string | null }
  | { type: 'WORKER_FAILED'; message: string }
  | { type: 'RESTART' };

export const sessionMachine = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
    input: {} as SessionInput,
  },
  actors: {
    boot: fromPromise<EngineClient, SessionInput & { previous: EngineClient | null; speed: Speed }>(async ({ input, system, signal }) => {
      input.previous?.dispose();
      let failure: string | null = null;
      const client = new EngineClient((message) => {
        failure = message;
        system.get(SESSION_SYSTEM_ID)?.send({ type: 'WORKER_FAILED', message });
      });
      // A boot abandoned midway (the page unmounted, or a restart came first) frees its worker.
      signal.addEventListener('abort', () => client.dispose());
      const created = await client.start(input.config, input.seed);
      if (!created.ok) {
        client.dispose();
        throw new Error(created.error);
      }
      if (failure !== null) throw new Error(failure);
      await client.setSpeed(input.speed);
      return client;
    }),
  },
}).createMachine({
  id: 'session',
  context: ({ input }) => ({ ...input, client: null, speed: 1, error: null, notice: null }),
  initial: 'booting',
  states: {
    booting: {
      invoke: {
        src: 'boot',
        input: ({ context }) => ({ config: context.config, seed: context.seed, previous: context.client, speed: context.speed }),
        onDone: { target: 'ready', actions: assign({ client: ({ event }) => event.output, error: null }) },
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
        NOTICE: { actions: assign({ notice: ({ event }) => event.message }) },
      },
      states: {
        paused: {
          on: {
            PLAY: { target: 'playing', actions: ({ context }) => void context.client?.play() },
            STEP: { actions: ({ context }) => void context.client?.step() },
          },
        },
        playing: {
          on: {
            PAUSE: { target: 'paused', actions: ({ context }) => void context.client?.pause() },
            STEP: { target: 'paused', actions: ({ context }) => void context.client?.step() },
          },
        },
      },
    },
    failed: {
      on: { RESTART: 'booting' },
    },
  },
});
