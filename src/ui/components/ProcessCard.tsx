import { memo } from 'react';
import type { PeerView, ProcessSnapshot } from '../../engine/api';
import type { BrokerState, LifecycleView } from '../../engine/broker/lifecycle';
import type { ControllerView, RegistrationView } from '../../engine/controller/controller';
import { formatSpan } from '../../engine/sim/time';
import { formatBytes, formatCount, formatRanges, formatUsd } from '../format';
import { registrationOf, roleLabel, roleTone, ROLE_HELP, STALE_LEADER_HELP, type Quorum, type Voter } from '../kraft';
import type { MenuRequest, Selection } from '../selection';
import { digitsAsZeros } from './StableText';

interface Props {
  readonly process: ProcessSnapshot;
  readonly ready: boolean;
  readonly onFault: (fault: unknown) => void;
  readonly quorum: Quorum;
  /** The controller whose view of the brokers counts (the active one, else the most advanced). */
  readonly authority: { readonly id: string; readonly view: ControllerView } | null;
  /** Selects this process for the inspect panel: its name becomes a button. */
  readonly onSelect?: (selection: Selection) => void;
  /** It is the one the inspect panel shows. */
  readonly selected?: boolean;
  /** Opens this process's actions menu (right-click on the card, or its ⋯ Actions button). */
  readonly onMenu?: (request: MenuRequest) => void;
  /**
   * Leaves out the network probe's line (compact cards, 13 brokers and more: the inspect panel
   * shows it). Not drawn at all rather than hidden: its byte counts changed in every refresh.
   */
  readonly compact?: boolean;
}

const ROLE_LABEL: Record<string, string> = { controller: 'Controller', broker: 'Broker', zookeeper: 'ZooKeeper', client: 'Client', objectStore: 'Object store' };

interface Status {
  readonly label: string;
  readonly tone: string;
}

/** The four statuses, each one object, so the memoised header compares them by identity. */
const STATUS = {
  crashed: { label: 'Crashed', tone: 'bad' },
  stopped: { label: 'Stopped', tone: 'off' },
  isolated: { label: 'Isolated', tone: 'warn' },
  up: { label: 'Up', tone: 'good' },
} as const satisfies Record<string, Status>;

function statusOf(process: ProcessSnapshot): Status {
  if (process.status === 'crashed') return STATUS.crashed;
  if (process.status === 'stopped') return STATUS.stopped;
  if (process.isolated) return STATUS.isolated;
  return STATUS.up;
}

export const BROKER_STATE: Record<BrokerState, { label: string; tone: string; help: string }> = {
  STARTING: { label: 'STARTING', tone: 'neutral', help: 'Looking for the active controller, to register with it.' },
  RECOVERY: {
    label: 'RECOVERY (fenced)',
    tone: 'warn',
    help: 'Registered, but fenced: it may not lead partitions until it has caught up with the metadata log and the controller unfences it.',
  },
  RUNNING: { label: 'RUNNING', tone: 'good', help: 'Unfenced: it serves clients and may lead partitions. It heartbeats to the controller (every 2 s by default).' },
  PENDING_CONTROLLED_SHUTDOWN: {
    label: 'PENDING_CONTROLLED_SHUTDOWN',
    tone: 'warn',
    help: 'Asked to stop: it waits while the controller moves its partition leadership to other brokers.',
  },
  SHUTTING_DOWN: { label: 'SHUTTING_DOWN', tone: 'warn', help: 'The controller said it may stop: it is exiting cleanly.' },
};

/** A dot per peer; in a big cluster the view lists only the peers not reachable, and so do the dots. */
function PeerDots({ peers, all }: { peers: readonly PeerView[]; all: boolean }) {
  if (peers.length === 0) return null;
  return (
    <ul className="peer-dots" aria-label={all ? 'Peers this process can reach' : 'Peers this process cannot reach'}>
      {peers.map((peer) => (
        <li
          key={peer.id}
          className={`peer-dot peer-${peer.health}`}
          title={`${peer.id}: ${peer.health}${peer.rttUs !== null ? `, round trip ${formatSpan(peer.rttUs)}` : ''}`}
          aria-label={`${peer.id} ${peer.health}`}
        />
      ))}
    </ul>
  );
}

/** The network probe's summary: secondary to what the process does, so small and muted. */
function NetworkLine({ process }: { process: ProcessSnapshot }) {
  const probe = process.view?.probe;
  if (probe === undefined) return null;
  const rttMedian = probe.rttMedianUs;
  return (
    <div className="card-net" title={`Network probe: sent ${formatBytes(process.bytesSent)}, received ${formatBytes(process.bytesReceived)}`}>
      <PeerDots peers={probe.peers} all={probe.peers.length === probe.peersTotal} />
      <span>
        reaches <strong>{probe.reachable}</strong>/{probe.peersTotal} · {rttMedian !== null ? `rtt ${formatSpan(rttMedian)}` : 'rtt —'}
      </span>
      <span className="card-net-bytes">
        ↑ {formatBytes(process.bytesSent)} ↓ {formatBytes(process.bytesReceived)}
      </span>
    </div>
  );
}

/**
 * Memoised on its text: a card refreshed for one figure (Applied, say) leaves the others (Leads,
 * Follows) unrendered. The cards' commit is the page's largest per frame (issue 7, item 9).
 */
const Figure = memo(function Figure({ label, value, help, testId }: { label: string; value: string | number; help: string; testId?: string }) {
  return (
    <div title={help}>
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
});

/**
 * A controller's raft role and figures, from the view the card shows (card-refresh.ts: its role,
 * leader and epoch never lag, its offsets may trail by up to CARD_REFRESH_MS), placed in the quorum (who leads,
 * whether it is active, the majority), which sameCardView compares.
 */
function ControllerBody({ process, quorum }: { process: ProcessSnapshot; quorum: Quorum }) {
  const raft = process.view?.raft ?? null;
  if (raft === null || !quorum.voters.some((candidate) => candidate.id === process.id)) return null;
  const voter: Voter = { id: process.id, process, raft, controller: process.view?.controller ?? null };
  const label = roleLabel(voter, quorum);
  const isLeader = quorum.leader?.id === process.id;
  const tone = roleTone(voter, quorum);
  const leaderNote =
    raft.role === 'follower' && raft.leader !== null
      ? `of ${raft.leader}`
      : raft.role === 'candidate'
        ? `election for epoch ${raft.epoch}`
        : null;
  return (
    <>
      <div className="card-state">
        <span className={`chip chip-role chip-${tone}`} data-testid={`role-${process.id}`} title={tone === 'stale' ? STALE_LEADER_HELP : ROLE_HELP[raft.role]}>
          {isLeader && (
            <span className="chip-star" aria-hidden="true">
              ★
            </span>
          )}
          {label}
        </span>
        {leaderNote !== null && <span className="muted card-note">{leaderNote}</span>}
      </div>
      <dl className="card-figures">
        <Figure label="Epoch" value={raft.epoch} help="The election term this controller is in. Each new leader starts a new, higher epoch." />
        <Figure
          label="Log end"
          value={raft.logEndOffset}
          help="The offset its next metadata record will get: how many records its copy of the log holds."
        />
        <Figure
          label="Committed"
          value={raft.highWatermark}
          help="High watermark: every record below this offset is stored by a majority of controllers, so it is committed and survives a failure."
        />
      </dl>
    </>
  );
}

/** Memoised: a registration changes rarely (the frames keep an unchanged one the same object), a card's figures often. */
const RegistrationChip = memo(function RegistrationChip({ id, registration, authority }: { id: string; registration: RegistrationView | null; authority: string | null }) {
  const text =
    authority === null
      ? 'Controller unknown'
      : registration === null
        ? 'Not registered'
        : registration.inControlledShutdown
          ? 'In controlled shutdown'
          : registration.fenced
            ? 'Fenced'
            : 'Unfenced';
  const tone = registration === null ? 'neutral' : registration.fenced ? 'fenced' : registration.inControlledShutdown ? 'warn' : 'good';
  const help =
    authority === null
      ? 'No controller is running, so no one knows this broker’s registration right now.'
      : registration === null
        ? `${authority} has no registration for this broker yet.`
        : registration.fenced
          ? `${authority} has fenced it: no partition leadership goes to it, and its metadata is not trusted until it heartbeats and catches up again.`
          : `${authority} counts it as a live broker.`;
  const epoch = registration === null ? '' : ` Broker epoch ${registration.brokerEpoch}: the offset of its registration record.`;
  return (
    <span className={`chip chip-reg chip-${tone}`} data-testid={`registration-${id}`} title={`${help}${epoch}`}>
      {text}
    </span>
  );
});

interface BrokerBodyProps {
  readonly process: ProcessSnapshot;
  readonly broker: LifecycleView;
  readonly appliedOffset: number | null;
  /** The cluster runs KRaft: the body shows the controller's registration of the broker. */
  readonly kraft: boolean;
  /** The authoritative controller's registration of this broker (the same object while unchanged), and that controller's id. */
  readonly registration: RegistrationView | null;
  readonly authority: string | null;
}

/**
 * A broker's lifecycle state and its registration chip, memoised on them: they change with events
 * (a restart, fencing, a controlled shutdown), while the body's figures change in every refresh of
 * the card (issue 7, item 9: BrokerBody diffed these five elements in each broker card's turn).
 */
const BrokerStateRow = memo(function BrokerStateRow({ id, state, kraft, registration, authority }: { id: string; state: BrokerState; kraft: boolean; registration: RegistrationView | null; authority: string | null }) {
  const look = BROKER_STATE[state];
  return (
    <div className="card-state">
      <span className={`chip chip-life chip-${look.tone}`} data-testid={`lifecycle-${id}`} title={look.help}>
        {look.label}
      </span>
      {kraft && (
        <span className="card-registration">
          <span className="muted">controller:</span>
          <RegistrationChip id={id} registration={registration} authority={authority} />
        </span>
      )}
    </div>
  );
});

function BrokerBody({ process, broker, appliedOffset, kraft, registration, authority }: BrokerBodyProps) {
  return (
    <>
      <BrokerStateRow id={process.id} state={broker.state} kraft={kraft} registration={registration} authority={authority} />
      <dl className="card-figures">
        <Figure label="Leads" value={broker.leaderOf} help="Partitions this broker leads: clients produce to and fetch from it." />
        <Figure label="Follows" value={broker.followerOf} help="Partitions this broker holds a follower replica of." />
        <Figure
          label="Applied"
          value={appliedOffset ?? '—'}
          help="How far it has applied the metadata log (an offset): brokers follow the log as observers, without voting."
          testId={`applied-${process.id}`}
        />
      </dl>
      <StorageLine id={process.id} storage={process.storage} />
      <DiskLine id={process.id} disk={process.view?.disk} />
      <TieringLine id={process.id} remote={process.view?.remoteLog} bytes={process.view?.replicas?.bytes} />
    </>
  );
}

/**
 * Tiered storage (KIP-405), on clusters with an object store: the bytes this broker's partition
 * logs hold on its disk, what its leaders uploaded and how much of it is still in the object
 * store, and remote reads. The arrows light while a request is in flight.
 */
const TieringLine = memo(function TieringLine({ id, remote, bytes }: { id: string; remote: NonNullable<ProcessSnapshot['view']>['remoteLog']; bytes: number | undefined }) {
  if (remote === undefined || bytes === undefined) return null;
  const uploading = remote.inFlight > 0;
  return (
    <div
      className="stat-row tier-row muted"
      data-testid={`tiering-${id}`}
      title="Tiered storage (KIP-405): this broker's leaders upload closed segments to the object store; a segment leaves the local disk once uploaded and older than local.retention.ms. Consumers of older offsets are served from the object store."
    >
      <span data-testid={`local-bytes-${id}`}>Disk {formatBytes(bytes)}</span>
      <span data-testid={`uploaded-${id}`}>
        <span className={uploading ? 'tier-arrow tier-arrow-active' : 'tier-arrow'} aria-hidden="true">
          ↑
        </span>
        {formatCount(remote.segmentsCopied)} uploaded ({formatBytes(remote.bytesCopied)}){remote.copyFailures > 0 ? ` · ${formatCount(remote.copyFailures)} failed` : ''}
      </span>
      {(remote.remoteReads > 0 || remote.remoteReadFailures > 0) && (
        <span data-testid={`remote-reads-${id}`}>
          ↓ {formatCount(remote.remoteReads)} remote reads{remote.remoteReadFailures > 0 ? ` · ${formatCount(remote.remoteReadFailures)} failed` : ''}
        </span>
      )}
    </div>
  );
});

/** Steps a bar's end moves in: a thousandth of the bar is under 0.3 px on a card (at most 280 px wide). */
const BAR_STEPS = 1_000;

/**
 * A bar segment's style: the whole bar's width, slid left so that it ends at `share` of the bar
 * (0 to 1), in steps of 1/BAR_STEPS. A transform is neither laid out nor changes anyone's size, so
 * a card's refresh moves its storage bar without laying it out (widths dirtied the bar, its line
 * and card in every refresh), and a change below a step (a growing log on a 1 TB disk: thousandths
 * of a pixel) writes nothing. Sliding, not scaling, keeps the unflushed segment's hatching square.
 */
export function barEndAt(share: number): string {
  const steps = Math.round(Math.min(1, Math.max(0, share)) * BAR_STEPS);
  return `translateX(${((steps - BAR_STEPS) * 100) / BAR_STEPS}%)`;
}

/**
 * A broker's log directory (read from its disk, so it shows while the broker is down): used of
 * log.dir.capacity.bytes as a bar (logs on disk, logs still only in the page cache, other files),
 * and in words. Unflushed bytes are what a power loss would take. The line's title explains the
 * words and gives only what they do not show (the capacity's setting, and the split of logs and
 * other files once the disk is filled): the words change in most refreshes of the card, and a
 * title repeating their figures, with the exact bytes in two data attributes nobody read, made
 * three more attribute writes per refresh (issue 7, item 9: half the card's DOM mutation records).
 */
const StorageLine = memo(function StorageLine({ id, storage }: { id: string; storage: ProcessSnapshot['storage'] }) {
  if (storage === undefined) return null;
  const { capacityBytes, logBytes, filledBytes, unflushedBytes } = storage;
  const used = Math.min(capacityBytes, logBytes + filledBytes);
  const full = used >= capacityBytes - 1_048_576;
  return (
    <div
      className={`storage-line${full ? ' storage-full' : ''}`}
      data-testid={`storage-${id}`}
      title={
        `This broker's log directory: ${filledBytes > 0 ? `${formatBytes(logBytes)} of partition logs and ${formatBytes(filledBytes)} of other files` : 'its partition logs'}, ` +
        `of capacity ${formatBytes(capacityBytes)} (log.dir.capacity.bytes). "Unflushed": the logs' bytes only in the page cache ` +
        `(Kafka does not fsync; the OS writes pages back after 30 s, so a power loss would take these).`
      }
    >
      <StorageBar
        other={barEndAt((logBytes + filledBytes) / capacityBytes)}
        unflushed={barEndAt(logBytes / capacityBytes)}
        flushed={barEndAt((logBytes - unflushedBytes) / capacityBytes)}
      />
      <StorageFigures id={id} used={formatBytes(used)} capacity={formatBytes(capacityBytes)} full={full} unflushed={formatBytes(unflushedBytes)} />
    </div>
  );
});

/**
 * The storage line's bar and words, memoised on what they draw: the line's data attributes and
 * title follow the exact bytes in every refresh of the card, while a bar's end moves in steps of
 * 1/BAR_STEPS and the words in three significant figures (issue 7, item 9: the line reconciled its
 * ten elements in each card's turn).
 */
const StorageBar = memo(function StorageBar({ other, unflushed, flushed }: { other: string; unflushed: string; flushed: string }) {
  return (
    // Stacked from the top: flushed over unflushed over other files, each ending where its share of the disk ends.
    <div className="storage-bar" aria-hidden="true">
      <span className="storage-other" style={{ transform: other }} />
      <span className="storage-unflushed" style={{ transform: unflushed }} />
      <span className="storage-flushed" style={{ transform: flushed }} />
    </div>
  );
});

/**
 * The storage line's words, drawn over a hidden copy of their row whose digits are zeros (as
 * StableText does for one text; perf.css's `.stat-row-text`): the words change in most refreshes of
 * a broker's card ("8.6 MB" -> "8.7 MB"), and each change laid out the whole card, since they are
 * flex items that share the row and wrap. The copy, in flow and in tabular figures, lays out exactly
 * as the words would (widths, line breaks, height) and changes only when a size gains or loses a
 * digit or changes its unit; the words' row over it is a relayout boundary and, as before, the paint
 * layer, so a refresh lays out the row, not the card (issue 7, item 9: bench/card-turn.ts, a turn of
 * 13 cards 299 -> 143 objects to lay out). Each word drawn over a copy of its own was tried and cost
 * its Layout back in Paint (a layer per word).
 */
export const StorageFigures = memo(function StorageFigures({ id, used, capacity, full, unflushed }: { id: string; used: string; capacity: string; full: boolean; unflushed: string }) {
  const disk = `Disk ${used} / ${capacity}${full ? ' · full' : ''}`;
  const cached = `${unflushed} unflushed`;
  return (
    <div className="stat-row-stable">
      <div className="stat-row muted stat-row-sizer" aria-hidden="true">
        <span>{digitsAsZeros(disk)}</span>
        <span>{digitsAsZeros(cached)}</span>
      </div>
      <div className="stat-row muted stat-row-text">
        <span>{disk}</span>
        <span data-testid={`unflushed-${id}`} title="Bytes of partition logs still only in the page cache: a power loss would take them">
          {cached}
        </span>
      </div>
    </div>
  );
});

/** A slow disk, when there is one: what it costs each write, and the writes waiting on it. Memoised: quiet, a broker's view leaves its disk out. */
const DiskLine = memo(function DiskLine({ id, disk }: { id: string; disk: NonNullable<ProcessSnapshot['view']>['disk'] }) {
  if (disk === undefined || (!disk.degraded && disk.queuedWrites === 0)) return null;
  const speed = disk.throughputMBps === null ? '' : `, ${disk.throughputMBps} MB/s`;
  return (
    <p
      className="card-hint"
      data-testid={`disk-${id}`}
      title="Log writes wait for the disk: a leader answers producers late, a follower fetches late. With acks=all the whole partition slows to the straggler's pace."
    >
      {disk.degraded ? `Slow disk: +${disk.extraLatencyMs} ms a write${speed}` : 'Disk healed, draining'} · {formatCount(disk.queuedWrites)} {disk.queuedWrites === 1 ? 'write' : 'writes'} waiting
      {disk.backlogMs > 0 ? ` (${formatSpan(Math.round(disk.backlogMs * 1_000))} behind)` : ''}
    </p>
  );
});

/** Rates a person can step a producer through from its card. */
const RATE_STEPS = [0, 100, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000];

/** ZooKeeper mode (the contrast): the controller role lives in one broker, elected through ZooKeeper. */
function LegacyBody({ process }: { process: ProcessSnapshot }) {
  const legacy = process.view?.legacy;
  const zookeeper = process.view?.zookeeper;
  if (zookeeper !== undefined) {
    return (
      <dl className="card-figures">
        <Figure label="/controller" value={zookeeper.controller ?? 'none'} help="The broker whose session holds the /controller node: the controller." />
        <Figure label="Ctrl epoch" value={zookeeper.controllerEpoch} help="Goes up by one each time a broker wins the race for /controller." />
        <Figure label="Sessions" value={zookeeper.sessions} help="Broker sessions ZooKeeper considers alive." />
      </dl>
    );
  }
  if (legacy === undefined) return null;
  return (
    <>
      {legacy.controllerState !== 'none' && (
        <div className="card-state">
          <span
            className={`chip chip-role ${legacy.controllerState === 'active' ? 'chip-leader' : 'chip-leader-pending'}`}
            title="In ZooKeeper mode the controller is one of the brokers. After winning the race for /controller it must load every partition's state from ZooKeeper before it can act."
          >
            {legacy.controllerState === 'active' ? 'Controller' : 'Controller · loading metadata'}
          </span>
        </div>
      )}
      <dl className="card-figures">
        <Figure label="Leads" value={legacy.leaderOf} help="Partitions this broker leads." />
        <Figure label="Follows" value={legacy.followerOf} help="Partitions this broker holds a follower replica of." />
        <Figure label="Known" value={legacy.partitionsKnown} help="Partition states the controller has sent this broker." />
      </dl>
    </>
  );
}

/** A producer: what it has had acknowledged, what failed, how long acknowledgements take, and its last error. */
function ProducerBody({ process }: { process: ProcessSnapshot }) {
  const producer = process.view?.producer;
  if (producer === undefined) return null;
  const p99 = producer.latencyUs.count > 0 ? formatSpan(producer.latencyUs.p99) : '—';
  return (
    <>
      <dl className="card-figures" data-testid={`producer-figures-${process.id}`}>
        <Figure label="Acked" value={formatCount(producer.recordsAcked)} help="Records the brokers acknowledged (with this producer's acks setting)." />
        <Figure label="Failed" value={formatCount(producer.recordsFailed)} help="Records given up on: delivery.timeout.ms passed, a non-retriable error, or a full buffer." />
        <Figure label="p99" value={p99} help="99th percentile of produce latency: from a batch's first record to its acknowledgement." />
      </dl>
      <div className="stat-row muted">
        <span data-testid={`producer-rate-${process.id}`}>{formatCount(producer.recordsPerSecond)} records/s</span>
        <span>{producer.metadataKnown ? `${formatCount(producer.queuedRecords)} queued · ${producer.requestsInFlight} in flight` : 'waiting for metadata'}</span>
      </div>
      {producer.recentErrors.length > 0 && (
        <ul className="producer-errors" aria-label={`${process.id}'s latest errors`} data-testid={`producer-errors-${process.id}`}>
          {producer.recentErrors.map((error) => (
            <li key={error.code} title={error.detail}>
              <time>{formatSpan(error.atUs)}</time>
              {error.detail.length > 160 ? `${error.detail.slice(0, 160)}…` : error.detail}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** The object store: what it holds, what it has been asked, and what that costs at S3's list prices. */
function ObjectStoreBody({ process }: { process: ProcessSnapshot }) {
  const store = process.view?.objectStore;
  if (store === undefined) return null;
  const requests = store.requests.PutObject + store.requests.GetObject + store.requests.ListObjectsV2 + store.requests.DeleteObject;
  return (
    <>
      <dl className="card-figures" data-testid={`object-store-figures-${process.id}`}>
        <Figure label="Objects" value={formatCount(store.objects)} help="Objects held: closed log segments uploaded by partition leaders." />
        <Figure label="Stored" value={formatBytes(store.bytes)} help="Bytes held in the object store." />
        <Figure
          label="$/month"
          value={formatUsd(store.storageDollarsPerMonth + store.requestDollarsPerMonth)}
          help="At AWS S3 Standard list prices: $0.023 per GB-month stored, $0.005 per 1,000 PUT/LIST, $0.0004 per 1,000 GET; requests at their rate so far."
        />
      </dl>
      <div className="stat-row muted">
        <span>
          {formatCount(requests)} requests ({formatCount(store.requests.PutObject)} PUT, {formatCount(store.requests.GetObject)} GET) · {store.inFlight} in flight
        </span>
      </div>
      {(store.outage || store.extraLatencyMs > 0 || store.errors > 0) && (
        <p className="card-hint" data-testid={`object-store-state-${process.id}`}>
          {store.outage ? 'Outage: every request is answered 503 ServiceUnavailable.' : store.extraLatencyMs > 0 ? `Slow: +${store.extraLatencyMs} ms a request.` : ''}
          {store.errors > 0 ? ` ${formatCount(store.errors)} requests failed so far.` : ''}
        </p>
      )}
    </>
  );
}

/** Kafka's error codes a consumer meets, in plain words for the card. */
export const CONSUMER_ERRORS: Record<string, string> = {
  COORDINATOR_NOT_AVAILABLE: 'The group has no coordinator yet (its __consumer_offsets partition has no leader, or the topic is being created).',
  COORDINATOR_LOAD_IN_PROGRESS: 'A new coordinator is still loading the group from __consumer_offsets.',
  NOT_COORDINATOR: 'The broker it asked is no longer the group coordinator; it looks for the new one.',
  REBALANCE_IN_PROGRESS: 'The group is rebalancing: the consumer joins again to get its partitions.',
  UNKNOWN_MEMBER_ID: 'The coordinator no longer knows this member (its session expired): it lost its partitions and joins as a new member.',
  ILLEGAL_GENERATION: 'The group moved on to a newer generation without this member: it lost its partitions and joins again.',
  SESSION_TIMED_OUT: 'No heartbeat was answered for session.timeout.ms: it looks for the coordinator again.',
  REQUEST_TIMED_OUT: 'A broker did not answer in time (crashed or cut off); it tries another.',
  NOT_LEADER_OR_FOLLOWER: 'The partition leader moved; it refreshes metadata and fetches from the new leader.',
  FENCED_LEADER_EPOCH: 'Its metadata named an older leader epoch; it refreshes metadata.',
  OFFSET_OUT_OF_RANGE: 'Its position is no longer in the log (truncated or deleted): it resets with auto.offset.reset.',
};

/**
 * The partitions a consumer owns, as runs: memoised on the owned array, which keeps its identity
 * while the assignment is the same (frame-delta.ts). A consumer of the 1,000-partition lesson owns
 * hundreds, and folding them into runs in each of its card's turns was the page's most sampled
 * function of its own in slow frames (formatRanges, bench/page.ts --detail; issue 7, item 9).
 */
const OwnedPartitions = memo(function OwnedPartitions({ id, topic, owned }: { id: string; topic: string; owned: readonly number[] }) {
  return (
    <div className="stat-row" data-testid={`consumer-partitions-${id}`} title="Partitions of the topic this consumer owns in the current generation">
      <span>
        {topic}: {owned.length === 0 ? 'no partitions' : `partition${owned.length === 1 ? '' : 's'} ${formatRanges(owned)}`}
      </span>
    </div>
  );
});

/** A consumer: its group and generation, the partitions it owns, how far behind it is, and its last error. */
function ConsumerBody({ process }: { process: ProcessSnapshot }) {
  const consumer = process.view?.consumer;
  if (consumer === undefined) return null;
  const p99 = consumer.e2eLatencyUs.count > 0 ? formatSpan(consumer.e2eLatencyUs.p99) : '—';
  const phase = consumer.phase === 'stable' ? `generation ${consumer.generationId}` : consumer.phase === 'left' ? 'left the group' : `${consumer.phase}…`;
  // An error from before its last assignment is history once it is reading again.
  const error = consumer.lastError !== null && (consumer.phase !== 'stable' || consumer.assignedAtUs === null || consumer.lastError.atUs > consumer.assignedAtUs) ? consumer.lastError : null;
  return (
    <>
      <div className="card-state" data-testid={`consumer-group-${process.id}`}>
        <span className="chip chip-role" title={`group.id; its coordinator is ${consumer.coordinator ?? 'not known yet'}. Strategy: ${consumer.strategy}.`}>
          group {consumer.groupId}
        </span>
        <span className="muted">{phase}</span>
      </div>
      <OwnedPartitions id={process.id} topic={consumer.topic} owned={consumer.owned} />
      <dl className="card-figures" data-testid={`consumer-figures-${process.id}`}>
        <Figure label="Lag" value={formatCount(consumer.recordsLagMax)} help="records-lag-max: the largest high watermark - position among its partitions." />
        <Figure label="Rate" value={`${formatCount(consumer.recordsPerSecond)}/s`} help="Records read in the last whole second." />
        <Figure label="e2e p99" value={p99} help="99th percentile of end-to-end latency: from a batch's creation by the producer to its reading here." />
      </dl>
      {error !== null && (
        <p className="card-hint" title={error.detail}>
          {CONSUMER_ERRORS[error.code] ?? (error.detail.length > 140 ? `${error.detail.slice(0, 140)}…` : error.detail)}
        </p>
      )}
    </>
  );
}

/** The next rate up or down the steps from `rate` (which may lie between steps). */
function stepRate(rate: number, direction: 1 | -1): number {
  if (direction > 0) return RATE_STEPS.find((step) => step > rate) ?? RATE_STEPS.at(-1)!;
  return [...RATE_STEPS].reverse().find((step) => step < rate) ?? 0;
}

/** A managed service is not crashed or isolated by hand: it has outages and slow periods. */
function ObjectStoreActions({ store, ready, onFault }: { store: CardActionsState['store']; ready: boolean; onFault: (fault: unknown) => void }) {
  if (store === 'none') return null;
  if (store === 'outage' || store === 'slow') {
    return (
      <button type="button" className="btn btn-small" disabled={!ready} onClick={() => onFault({ kind: 'heal', target: 'object-store' })}>
        End the {store === 'outage' ? 'outage' : 'slow period'}
      </button>
    );
  }
  return (
    <>
      <button type="button" className="btn btn-small btn-danger" disabled={!ready} onClick={() => onFault({ kind: 'object-store-outage' })} title="Every request is answered 503 ServiceUnavailable until the outage ends">
        Outage
      </button>
      <button type="button" className="btn btn-small" disabled={!ready} onClick={() => onFault({ kind: 'slow-object-store', extraLatencyMs: 500 })} title="Every request takes 500 ms longer">
        Slow down
      </button>
    </>
  );
}

function DownBody({ process }: { process: ProcessSnapshot }) {
  if (process.status === 'stopped' && process.role === 'client') {
    return (
      <p className="card-down" data-testid={`removed-${process.id}`}>
        <strong>Removed.</strong> The application closed it (a producer sends what it holds first; a consumer commits and leaves its group). Add a new one from the tool bar.
      </p>
    );
  }
  const failure = process.storage?.logDirFailure ?? null;
  if (process.status === 'stopped' && failure !== null) {
    return (
      <div className="card-down card-halted" data-testid={`halted-${process.id}`} role="status">
        <strong>Halted at {formatSpan(failure.atUs)}: its disk was full.</strong> A write failed, so Kafka took its only log directory offline (its
        partitions answered KAFKA_STORAGE_ERROR) and, with no log directory left, stopped the broker at once. The controller fences it and
        moves its partitions&apos; leadership to other replicas. Its page cache survived: only the process died. Free the disk, then restart it.
      </div>
    );
  }
  if (process.status === 'stopped') {
    return (
      <p className="card-down">
        <strong>Stopped (controlled shutdown).</strong> It handed its partitions over first; its disk is whole.
      </p>
    );
  }
  return <p className="card-down">{process.crashes > 0 ? `Down. Crashed ${process.crashes}×; its disk survives, its memory does not.` : 'Down.'}</p>;
}

/**
 * A card's header: its name, role and status, and the actions menu's button. Memoised on what it
 * draws (primitives, the status one of four objects, stable handlers), so a refresh of the card's
 * figures (card-refresh.ts: Applied, the storage line, several times a second per card) leaves its
 * ~8 elements unreconciled (issue 7: the cards' commit is most of a landing frame's script).
 */
const CardHead = memo(function CardHead({
  id,
  role,
  status,
  selected,
  onSelect,
  onMenu,
}: {
  id: string;
  role: ProcessSnapshot['role'];
  status: Status;
  selected: boolean;
  onSelect: Props['onSelect'];
  onMenu: Props['onMenu'];
}) {
  return (
    <header className="card-head">
      <span className={`role-icon role-${role}`} aria-hidden="true">
        {role === 'controller' ? '◆' : role === 'zookeeper' ? '●' : '■'}
      </span>
      <div className="card-title">
        <h3>
          {onSelect === undefined ? (
            id
          ) : (
            <button
              type="button"
              className="card-name"
              onClick={() => onSelect({ kind: 'process', id: id })}
              aria-current={selected ? 'true' : undefined}
              title={`Inspect ${id}: its details in the side panel`}
              data-testid={`select-${id}`}
            >
              {id}
            </button>
          )}
        </h3>
        <span className="card-role">{ROLE_LABEL[role] ?? role}</span>
      </div>
      <span className={`pill pill-${status.tone}`} data-testid={`status-${id}`}>
        {status.label}
      </span>
      {onMenu !== undefined && (
        <button
          type="button"
          className="btn btn-small btn-icon card-menu"
          aria-haspopup="menu"
          aria-label={`Actions for ${id}`}
          title="What you can do to it (also: right-click the card)"
          data-testid={`actions-${id}`}
          onClick={(event) => {
            const rect = event.currentTarget.getBoundingClientRect();
            onMenu({ target: { kind: 'process', id: id }, x: rect.left, y: rect.bottom + 4 });
          }}
        >
          ⋯ Actions
        </button>
      )}
    </header>
  );
});

/** What a card's row of buttons draws from: state, never figures (see cardActionsOf). */
export interface CardActionsState {
  readonly id: string;
  readonly role: ProcessSnapshot['role'];
  readonly status: ProcessSnapshot['status'];
  readonly isolated: boolean;
  /** A KRaft broker: it has the disk's buttons. */
  readonly brokerTools: boolean;
  readonly diskDegraded: boolean;
  /** Its log directory: unknown (no buttons), free or filled by other files. */
  readonly logDir: 'unknown' | 'free' | 'filled';
  /** A running producer's rate (its steps' buttons), else null. */
  readonly producerRate: number | null;
  readonly canShutDown: boolean;
  /** The object store's condition (its own buttons), or 'none' for another process. */
  readonly store: 'none' | 'healthy' | 'outage' | 'slow';
}

/**
 * The part of a process its buttons draw, flat, so CardActions (memo's shallow comparison) renders
 * only when a button would change: a crash, isolation, a slow or filled disk, a new rate, a broker
 * leaving RUNNING. A figure (bytes, offsets, counts) is not in it.
 */
export function cardActionsOf(process: ProcessSnapshot, kraft: boolean): CardActionsState {
  const up = process.status === 'up' && process.view !== null;
  const broker = process.view?.broker;
  const isBroker = process.role === 'broker';
  const store = process.role === 'objectStore' ? (process.view?.objectStore ?? null) : null;
  return {
    id: process.id,
    role: process.role,
    status: process.status,
    isolated: process.isolated,
    brokerTools: isBroker && kraft,
    diskDegraded: process.view?.disk?.degraded === true,
    logDir: process.storage === undefined ? 'unknown' : process.storage.filledBytes > 0 ? 'filled' : 'free',
    producerRate: up ? (process.view?.producer?.recordsPerSecond ?? null) : null,
    canShutDown: up && broker !== undefined && (broker.state === 'STARTING' || broker.state === 'RECOVERY' || broker.state === 'RUNNING'),
    store: store === null ? 'none' : store.outage ? 'outage' : store.extraLatencyMs > 0 ? 'slow' : 'healthy',
  };
}

/** A card's buttons, memoised on CardActionsState, `ready` and the (stable) fault handler. */
const CardActions = memo(function CardActions({
  id,
  role,
  status,
  isolated,
  brokerTools,
  diskDegraded,
  logDir,
  producerRate,
  canShutDown,
  store,
  ready,
  onFault,
}: CardActionsState & { ready: boolean; onFault: (fault: unknown) => void }) {
  return (
    <footer className="card-actions">
      {role === 'objectStore' ? (
        <ObjectStoreActions store={store} ready={ready} onFault={onFault} />
      ) : (
        <>
          {status === 'up' ? (
            <button type="button" className="btn btn-small btn-danger" disabled={!ready} onClick={() => onFault({ kind: 'crash', process: id })}>
              Crash
            </button>
          ) : role === 'client' && status === 'stopped' ? null : (
            <button type="button" className="btn btn-small" disabled={!ready} onClick={() => onFault({ kind: 'restart', process: id })}>
              Restart
            </button>
          )}
          {isolated ? (
            <button type="button" className="btn btn-small" disabled={!ready} onClick={() => onFault({ kind: 'heal', target: id })}>
              Reconnect
            </button>
          ) : (
            <button type="button" className="btn btn-small" disabled={!ready} onClick={() => onFault({ kind: 'isolate', process: id })}>
              Isolate
            </button>
          )}
          {brokerTools && (diskDegraded ? (
            <button
              type="button"
              className="btn btn-small"
              disabled={!ready}
              onClick={() => onFault({ kind: 'heal', target: id })}
              title="Heal this broker: its disk is fast again (and any network fault of it is healed too)"
            >
              Heal disk
            </button>
          ) : (
            <button
              type="button"
              className="btn btn-small"
              disabled={!ready}
              onClick={() => onFault({ kind: 'slow-disk', process: id, extraLatencyMs: 40, throughputMBps: 0.2 })}
              title="Slow this broker's disk to 40 ms a write and 200 KB/s: it becomes a straggler"
            >
              Slow disk
            </button>
          ))}
          {brokerTools && logDir !== 'unknown' && (logDir === 'filled' ? (
            <button
              type="button"
              className="btn btn-small"
              disabled={!ready}
              onClick={() => onFault({ kind: 'heal', target: id })}
              title="Delete the other files: the disk has its space back (a broker that halted stays down until you restart it)"
            >
              Free disk
            </button>
          ) : (
            <button
              type="button"
              className="btn btn-small btn-danger"
              disabled={!ready}
              onClick={() => onFault({ kind: 'fill-disk', process: id })}
              title="Other files fill this broker's disk: its next log write fails, its log directory goes offline and, being its only one, the broker halts"
            >
              Fill disk
            </button>
          ))}
          {producerRate !== null && (
            <span className="rate-step" role="group" aria-label={`${id}'s rate`}>
              <span className="muted">Rate</span>
              <button
                type="button"
                className="btn btn-small"
                disabled={!ready || producerRate <= RATE_STEPS[0]!}
                onClick={() => onFault({ kind: 'change-load', process: id, recordsPerSecond: stepRate(producerRate, -1) })}
                title="Produce less: the next lower rate"
                aria-label={`Lower ${id}'s rate`}
              >
                −
              </button>
              <button
                type="button"
                className="btn btn-small"
                disabled={!ready || producerRate >= RATE_STEPS.at(-1)!}
                onClick={() => onFault({ kind: 'change-load', process: id, recordsPerSecond: stepRate(producerRate, 1) })}
                title="Produce more: the next higher rate"
                aria-label={`Raise ${id}'s rate`}
              >
                +
              </button>
            </span>
          )}
          {canShutDown && (
            <button
              type="button"
              className="btn btn-small"
              disabled={!ready}
              onClick={() => onFault({ kind: 'shutdown', process: id })}
              title="Controlled shutdown: the broker asks the controller to move its partition leadership away, then stops cleanly"
            >
              Shut down
            </button>
          )}
        </>
      )}
    </footer>
  );
});

/** What a card draws from, but for its handlers and `ready` (the topology's node feed compares it: sameCardView). */
export type CardView = Pick<Props, 'process' | 'quorum' | 'authority' | 'selected' | 'compact'>;

/**
 * Whether a card draws the same for `next` as for `previous`: the same process view (by identity:
 * the topology keeps a view while the card's turn has not come, card-refresh.ts), selected alike,
 * and what it reads from the quorum and the authoritative controller: a controller who leads, who
 * is active and the majority (its own role and offsets are in its view), a broker its registration.
 */
export function sameCardView(previous: CardView, next: CardView): boolean {
  if (
    previous.process !== next.process ||
    (previous.selected ?? false) !== (next.selected ?? false) ||
    (previous.compact ?? false) !== (next.compact ?? false) ||
    previous.quorum.voters.length > 0 !== next.quorum.voters.length > 0
  ) {
    return false;
  }
  if (next.process.role === 'controller') {
    return (
      (previous.quorum.leader?.id ?? null) === (next.quorum.leader?.id ?? null) &&
      previous.quorum.active === next.quorum.active &&
      previous.quorum.majority === next.quorum.majority
    );
  }
  if (next.process.role !== 'broker') return true;
  if ((previous.authority?.id ?? null) !== (next.authority?.id ?? null)) return false;
  const before = registrationOf(previous.authority?.view ?? null, next.process.id);
  const after = registrationOf(next.authority?.view ?? null, next.process.id);
  if (before === null || after === null) return before === after;
  return before.fenced === after.fenced && before.inControlledShutdown === after.inControlledShutdown && before.brokerEpoch === after.brokerEpoch;
}

export function ProcessCard({ process, ready, onFault, quorum, authority, onSelect, selected = false, onMenu, compact = false }: Props) {
  const status = statusOf(process);
  const up = process.status === 'up' && process.view !== null;
  const broker = process.view?.broker;
  const isBroker = process.role === 'broker';
  // In ZooKeeper mode (the contrast) there are no KRaft controllers and no registrations.
  const kraft = quorum.voters.length > 0;
  const registration = isBroker ? registrationOf(authority?.view ?? null, process.id) : null;
  const registrationChip =
    isBroker && kraft ? <RegistrationChip id={process.id} registration={registration} authority={authority?.id ?? null} /> : null;
  return (
    <article
      className={`card card-${process.role} card-${status.tone}${selected ? ' card-selected' : ''}`}
      data-testid={`process-${process.id}`}
      aria-label={`${ROLE_LABEL[process.role] ?? process.role} ${process.id}, ${status.label}`}
      onContextMenu={
        onMenu === undefined
          ? undefined
          : (event) => {
              event.preventDefault();
              onMenu({ target: { kind: 'process', id: process.id }, x: event.clientX, y: event.clientY });
            }
      }
    >
      <CardHead id={process.id} role={process.role} status={status} selected={selected} onSelect={onSelect} onMenu={onMenu} />
      <div className="card-body">
        {!up && <DownBody process={process} />}
        {!up && <StorageLine id={process.id} storage={process.storage} />}
        {up && process.role === 'controller' && <ControllerBody process={process} quorum={quorum} />}
        {up && process.role === 'client' && <ProducerBody process={process} />}
        {up && process.role === 'client' && <ConsumerBody process={process} />}
        {up && process.role === 'objectStore' && <ObjectStoreBody process={process} />}
        {up && !kraft && <LegacyBody process={process} />}
        {up && broker !== undefined && (
          <BrokerBody
            process={process}
            broker={broker}
            appliedOffset={process.view?.raft?.appliedOffset ?? null}
            kraft={isBroker && kraft}
            registration={registration}
            authority={authority?.id ?? null}
          />
        )}
        {!up && registrationChip !== null && (
          <div className="card-registration">
            <span className="muted">{authority !== null ? `${authority.id} says` : 'Controller:'}</span>
            {registrationChip}
            {registration !== null && <span className="muted">· broker epoch {registration.brokerEpoch}</span>}
          </div>
        )}
        {!up && isBroker && kraft && registration !== null && !registration.fenced && (
          <p className="card-hint">Still counted as live: the controller fences a broker after broker.session.timeout.ms (9 s by default) without a heartbeat.</p>
        )}
        {up && !compact && <NetworkLine process={process} />}
      </div>
      <CardActions {...cardActionsOf(process, kraft)} ready={ready} onFault={onFault} />
    </article>
  );
}
