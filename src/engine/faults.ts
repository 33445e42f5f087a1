// Faults a person, a scenario or a test can inject, in the units people use (ms, %, Mbit/s), with
// validation that names what is wrong, and a plain sentence for the event log describing each.

import { z } from 'zod';
import type { NetworkFault } from './net/network';
import { US_PER_MS } from './sim/time';
import { describeLoadAction, isLoadAction, loadActionSchemas } from './load-actions';
import { integerIn, numberIn, oneOf, parseOrThrow, strictObject } from './validation';

const processId = z.string({ error: 'a process name, like "broker-1"' }).min(1, { error: 'a process name, like "broker-1"' });

/** Kafka settings that can be changed while the cluster runs (IncrementalAlterConfigs). */
export const DYNAMIC_CONFIGS = ['unclean.leader.election.enable'] as const;

/** A target resolved when the fault applies: whichever controller is active at that moment. */
export const ACTIVE_CONTROLLER = '@active-controller';
const bothWays = z.boolean({ error: 'true or false' }).default(true);
const link = { from: processId, to: processId, bothWays };

export const faultSchema = z.discriminatedUnion(
  'kind',
  [
    /** The process's machine dies (a kernel panic, a terminated instance): memory and the OS's page cache go with it. */
    strictObject({ kind: z.literal('crash'), process: processId }),
    /**
     * Power is lost: one process's machine, or every machine in a zone at once (a correlated
     * failure). Each loses its memory and every page its OS had not written back; a broker already
     * halted (its OS still running) loses its unwritten pages too. Restart them to bring them back.
     */
    strictObject({ kind: z.literal('power-loss'), process: processId.optional(), zone: z.string({ error: 'a zone name, like "zone-a"' }).optional() }).superRefine((fault, ctx) => {
      if ((fault.process === undefined) === (fault.zone === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['process'], input: fault.process, message: 'either "process" (one machine) or "zone" (every machine in it), not both and not neither' });
      }
    }),
    /**
     * Other files fill the broker's disk (log.dir.capacity.bytes) until `freeBytes` are left (0: full).
     * The next log write that does not fit fails: the log directory goes offline and, being the
     * broker's only one, the broker halts (Kafka's LogManager.handleLogDirFailure). `heal` frees the space.
     */
    strictObject({ kind: z.literal('fill-disk'), process: processId, freeBytes: integerIn(0, Number.MAX_SAFE_INTEGER, 'bytes').default(0) }),
    /** A broker's machine dies and is replaced: it stays down, its partition logs gone, until restarted (KIP-405's replacement story). */
    strictObject({ kind: z.literal('replace-disk'), process: processId }),
    strictObject({ kind: z.literal('restart'), process: processId }),
    strictObject({ kind: z.literal('shutdown'), process: processId }),
    strictObject({ kind: z.literal('isolate'), process: processId }),
    strictObject({ kind: z.literal('isolate-zone'), zone: z.string({ error: 'a zone name, like "zone-a"' }) }),
    strictObject({ kind: z.literal('cut-link'), ...link }),
    strictObject({ kind: z.literal('slow-link'), ...link, extraLatencyMs: numberIn(0, 60_000, 'ms') }),
    strictObject({ kind: z.literal('lossy-link'), ...link, lossPercent: numberIn(0, 100, '%') }),
    strictObject({ kind: z.literal('throttle-link'), ...link, mbps: numberIn(0.001, 400_000, 'Mbit/s') }),
    strictObject({
      kind: z.literal('slow-disk'),
      process: processId,
      /** Added to every write the broker's disk takes. */
      extraLatencyMs: numberIn(0, 60_000, 'ms'),
      /** The disk's bandwidth while slow; without it, only the latency is added. */
      throughputMBps: numberIn(0.001, 100_000, 'MB/s').optional(),
    }),
    strictObject({
      kind: z.literal('change-load'),
      /** A producer of the cluster. */
      process: processId,
      /** The new rate; 0 pauses the producer. */
      recordsPerSecond: numberIn(0, 10_000_000, 'records/s'),
    }),
    /** The object store answers every request 503 ServiceUnavailable until healed. */
    strictObject({ kind: z.literal('object-store-outage') }),
    strictObject({ kind: z.literal('slow-object-store'), extraLatencyMs: numberIn(0, 600_000, 'ms') }),
    strictObject({ kind: z.literal('heal'), target: z.string().optional() }),
    strictObject({
      kind: z.literal('alter-config'),
      /** A topic's own setting; without it, the cluster-wide default (Kafka's broker default). */
      topic: z.string({ error: 'a topic name' }).optional(),
      name: oneOf(DYNAMIC_CONFIGS),
      /** null removes the setting, so the next level applies again. */
      value: z.union([z.boolean(), z.null()], { error: 'true, false, or null to remove the setting' }),
    }),
    // Load: clients and topics (load-actions.ts), on the same recorded path as the faults.
    ...loadActionSchemas,
  ],
  {
    error:
      'a fault kind: one of "crash", "power-loss", "fill-disk", "replace-disk", "restart", "shutdown", "isolate", "isolate-zone", "cut-link", "slow-link", "lossy-link", "throttle-link", "slow-disk", "change-load", "object-store-outage", "slow-object-store", "heal", "alter-config"' +
      ', or a load action: "add-producer", "remove-producer", "change-producer", "add-consumer", "remove-consumer", "create-topic"',
  },
);

export type FaultInput = z.input<typeof faultSchema>;
export type Fault = z.output<typeof faultSchema>;

export function parseFault(input: unknown): Fault {
  return parseOrThrow(faultSchema, input, 'fault');
}

/** The network's form of a network fault; null for the others (crash, restart, slow-disk, change-load, heal, ...). */
export function toNetworkFault(fault: Fault): NetworkFault | null {
  switch (fault.kind) {
    case 'isolate':
      return { kind: 'isolate-process', process: fault.process };
    case 'isolate-zone':
      return { kind: 'isolate-zone', zone: fault.zone };
    case 'cut-link':
      return { kind: 'cut-link', from: fault.from, to: fault.to, bothWays: fault.bothWays };
    case 'slow-link':
      return {
        kind: 'slow-link',
        from: fault.from,
        to: fault.to,
        bothWays: fault.bothWays,
        extraLatencyUs: Math.round(fault.extraLatencyMs * US_PER_MS),
      };
    case 'lossy-link':
      return {
        kind: 'lossy-link',
        from: fault.from,
        to: fault.to,
        bothWays: fault.bothWays,
        lossPerMillion: Math.round(fault.lossPercent * 10_000),
      };
    case 'throttle-link':
      return {
        kind: 'throttle-link',
        from: fault.from,
        to: fault.to,
        bothWays: fault.bothWays,
        bytesPerSecond: (fault.mbps * 1e6) / 8,
      };
    default:
      return null;
  }
}

/** A sentence for the event log. */
export function describeFault(fault: Fault): string {
  if (isLoadAction(fault)) return describeLoadAction(fault);
  const arrow = (f: { from: string; to: string; bothWays: boolean }) => `${f.from} ${f.bothWays ? '↔' : '→'} ${f.to}`;
  switch (fault.kind) {
    case 'crash':
      return `crash ${fault.process}`;
    case 'power-loss':
      return fault.zone !== undefined
        ? `${fault.zone} loses power: every machine in it dies at once, with every page its operating system had not written to disk`
        : `${fault.process!}'s machine loses power: it dies with every page its operating system had not written to disk`;
    case 'fill-disk':
      return fault.freeBytes === 0
        ? `other files fill ${fault.process}'s disk: its next log write will fail`
        : `other files fill ${fault.process}'s disk until ${fault.freeBytes} bytes are free`;
    case 'replace-disk':
      return `${fault.process}'s machine fails and is replaced: it stays down with empty partition logs until restarted, then copies its replicas again`;
    case 'restart':
      return `restart ${fault.process}`;
    case 'shutdown':
      return `controlled shutdown of ${fault.process}`;
    case 'isolate':
      return `isolate ${fault.process} from every other process`;
    case 'isolate-zone':
      return `cut ${fault.zone} off from the rest of the network`;
    case 'cut-link':
      return `cut the link ${arrow(fault)}`;
    case 'slow-link':
      return `slow the link ${arrow(fault)} by ${fault.extraLatencyMs}ms`;
    case 'lossy-link':
      return `lose ${fault.lossPercent}% of messages on ${arrow(fault)}`;
    case 'throttle-link':
      return `throttle the link ${arrow(fault)} to ${fault.mbps} Mbit/s`;
    case 'slow-disk':
      return `slow ${fault.process}'s disk: +${fault.extraLatencyMs}ms a write${fault.throughputMBps === undefined ? '' : `, ${fault.throughputMBps} MB/s`}`;
    case 'change-load':
      return fault.recordsPerSecond === 0 ? `pause ${fault.process} (0 records/s)` : `${fault.process} now produces ${fault.recordsPerSecond} records/s`;
    case 'object-store-outage':
      return 'the object store goes down: every request is answered 503 ServiceUnavailable';
    case 'slow-object-store':
      return `the object store slows down: +${fault.extraLatencyMs}ms a request`;
    case 'heal':
      return fault.target === undefined ? 'heal every network and disk fault' : `heal the network and disk faults of ${fault.target}`;
    case 'alter-config':
      return `${fault.value === null ? `remove ${fault.name}` : `set ${fault.name}=${fault.value}`} ${fault.topic === undefined ? 'for the cluster' : `on topic ${fault.topic}`}`;
  }
}

/** What a fault asks of the process it targets, beyond existing; null when that process will do. */
export function targetProblem(
  fault: Fault,
  target: { readonly role: string; readonly isProducer: boolean },
  controllerMode: 'kraft' | 'zookeeper',
): string | null {
  switch (fault.kind) {
    case 'shutdown':
      return target.role === 'broker' ? null : `${fault.process} is a ${target.role}; a controlled shutdown is for brokers (crash or isolate a controller instead)`;
    case 'replace-disk':
      if (controllerMode !== 'kraft') return 'ZooKeeper mode models only the controller, not the brokers\' logs; replace a broker\'s disk in a KRaft cluster';
      return target.role === 'broker' ? null : `${fault.process} is a ${target.role}; replace-disk is for brokers, whose partition logs are on that disk`;
    case 'fill-disk':
      if (controllerMode !== 'kraft') return 'ZooKeeper mode models only the controller, not the brokers\' logs; fill a disk in a KRaft cluster';
      return target.role === 'broker' ? null : `${fault.process} is a ${target.role}; fill-disk is for brokers, whose partition logs need the space`;
    case 'slow-disk':
      if (controllerMode !== 'kraft') return 'ZooKeeper mode models only the controller, not the brokers\' logs; slow a disk in a KRaft cluster';
      return target.role === 'broker' ? null : `${fault.process} is a ${target.role}; slow-disk is for brokers, whose partition logs are written to disk`;
    case 'change-load':
      return target.isProducer ? null : `${fault.process} is a ${target.role === 'client' ? 'client that does not produce' : target.role}; change-load is for producers`;
    default:
      return null;
  }
}

/** Object store faults need one: it exists only with remote.log.storage.system.enable. */
export function objectStoreProblem(hasObjectStore: boolean): string | null {
  return hasObjectStore ? null : 'this cluster has no object store; set "remote.log.storage.system.enable": true in the cluster config to give it one';
}
