// The inspect panel: the details of what a person selected (a broker, a controller, a producer, a
// consumer, the object store, ZooKeeper, a partition, a zone), looked up in the current frame, so
// playing, rewinding or a crash updates it and something that went away says so. One section per
// kind. A partition's per-replica detail (high watermark and log starts per replica, topic
// settings) comes from the worker for the selected partition only (`Frame.inspected`); a broker's
// replicas are derived from the snapshot's partitions.
//
// Focus: it moves into the panel when it opens and back where it was when it closes (Close or
// Escape). Never: acts on the cluster, or keeps a frame of its own.

import { useEffect, useId, useRef, type ReactNode } from 'react';
import type { PartitionDetail, PartitionSnapshot, ProcessSnapshot, Snapshot } from '../../engine/api';
import type { ControllerView } from '../../engine/controller/controller';
import { REGIONAL } from '../../engine/net/network';
import { formatClock, formatSpan } from '../../engine/sim/time';
import { S3_PRICES } from '../../engine/storage/object-store';
import type { LatencyView } from '../../engine/metrics/histogram';
import type { InspectTarget } from '../../worker/host';
import { formatBytes, formatCount, formatInteger, formatUsd } from '../format';
import { acksLabel, brokerCounters, brokerReplicas, findPartition, findProcess, findZone, selectionTitle, type BrokerReplica, type RateWindow } from '../inspect';
import { registrationOf, roleLabel, ROLE_HELP, type Quorum } from '../kraft';
import { selectionLabel, type Selection } from '../selection';
import { BROKER_STATE, CONSUMER_ERRORS } from './ProcessCard';
import './inspect.css';

interface Props {
  readonly selection: Selection;
  readonly snapshot: Snapshot;
  /** The worker's detail of the inspected partition, when it has answered. */
  readonly inspected: { readonly target: InspectTarget; readonly detail: PartitionDetail | null } | null;
  readonly quorum: Quorum;
  readonly authority: { readonly id: string; readonly view: ControllerView } | null;
  /** Each running broker's rates over the last simulated second (App keeps them across frames). */
  readonly rateWindows: ReadonlyMap<string, RateWindow>;
  readonly onSelect: (selection: Selection) => void;
  readonly onClose: () => void;
}

const count = formatInteger;
const plural = (value: number, one: string, many: string): string => `${count(value)} ${value === 1 ? one : many}`;
const offset = (value: number | null | undefined): string => (value === null || value === undefined ? '—' : count(value));
const latency = (view: LatencyView, which: 'p50' | 'p99' | 'p999' | 'max'): string => (view.count === 0 ? '—' : formatSpan(view[which]));
/** A rate over the last simulated second ("…" until a second has passed while inspected), and the total since this life began. */
const perSecond = (rates: Readonly<Record<string, number>> | null, totals: Readonly<Record<string, number>>, name: string, format: (value: number) => string): string =>
  `${rates === null || rates[name] === undefined ? '…' : `${format(rates[name]!)}/s`} (${format(totals[name] ?? 0)} in all)`;

/** A term and its value; `help` says what it means (a tooltip, and read by screen readers as a description). */
function Row({ term, help, children, testId }: { term: string; help?: string; children: ReactNode; testId?: string }) {
  return (
    <div className="inspect-row" title={help}>
      <dt>{term}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

function Section({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <section className="inspect-section" data-testid={testId}>
      <h3>{title}</h3>
      {children}
    </section>
  );
}

/** A link-like button that selects another thing (a partition from a broker, a broker from a partition). */
function Pick({ selection, onSelect, children }: { selection: Selection; onSelect: (selection: Selection) => void; children: ReactNode }) {
  return (
    <button type="button" className="inspect-pick" onClick={() => onSelect(selection)} title={`Inspect ${selectionLabel(selection)}`}>
      {children}
    </button>
  );
}

// ---- processes ----------------------------------------------------------------------------------

function ProcessFacts({ process }: { process: ProcessSnapshot }) {
  const status =
    process.status === 'crashed' ? 'crashed' : process.status === 'stopped' ? 'stopped (controlled shutdown)' : process.isolated ? 'up, but cut off from the network' : 'up';
  return (
    <dl className="inspect-grid">
      <Row term="Status" testId="inspect-status">
        {status}
      </Row>
      <Row term="Zone">{process.zone === REGIONAL ? 'regional: in no zone, every broker reaches it' : process.zone}</Row>
      <Row term="Life" help="Which life of the process this is: 1 at boot, 2 after its first restart. A crash loses its memory; its disk survives.">
        {process.incarnation}
        {process.crashes > 0 ? ` · crashed ${process.crashes}×` : ''}
      </Row>
      <Row term="Network" help="Bytes this process sent and received over the simulated network.">
        ↑ {formatBytes(process.bytesSent)} ↓ {formatBytes(process.bytesReceived)}
      </Row>
    </dl>
  );
}

function ReplicaTable({ caption, replicas, onSelect, testId }: { caption: string; replicas: readonly BrokerReplica[]; onSelect: (selection: Selection) => void; testId: string }) {
  if (replicas.length === 0) return null;
  return (
    <table className="inspect-table" data-testid={testId}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Partition</th>
          <th scope="col" title="In sync: caught up with the leader, so it may become leader without losing committed records.">
            ISR
          </th>
          <th scope="col" title="This replica's log end offset">
            Log end
          </th>
          <th scope="col" title="The partition's high watermark, as its leader has it">
            HW
          </th>
          <th scope="col" title="Leader epoch">
            Epoch
          </th>
        </tr>
      </thead>
      <tbody>
        {replicas.map((replica) => (
          <tr key={replica.name} data-testid={`inspect-broker-replica-${replica.name}`}>
            <th scope="row">
              <Pick selection={{ kind: 'partition', topic: replica.topic, partition: replica.partition }} onSelect={onSelect}>
                {replica.name}
              </Pick>
            </th>
            <td>{replica.inIsr ? 'yes' : 'no'}</td>
            <td>{offset(replica.logEndOffset)}</td>
            <td>{offset(replica.highWatermark)}</td>
            <td>{replica.leaderEpoch}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Topics named `__...` are Kafka's own (__consumer_offsets). */
const isUserTopic = (replica: BrokerReplica): boolean => !replica.topic.startsWith('__');

function BrokerSection({ process, snapshot, quorum, authority, rateWindows, onSelect }: { process: ProcessSnapshot; snapshot: Snapshot; quorum: Quorum; authority: Props['authority']; rateWindows: Props['rateWindows']; onSelect: Props['onSelect'] }) {
  const view = process.view;
  const lifecycle = view?.broker;
  const replicas = view?.replicas;
  const remote = view?.remoteLog;
  const disk = view?.disk;
  const counters = brokerCounters(process) ?? {};
  const rates = rateWindows.get(process.id)?.rates ?? null;
  const held = brokerReplicas(snapshot.partitions, snapshot.partitionsTotal, process.id);
  const internal = [...held.led, ...held.followed, ...held.offline].filter((replica) => !isUserTopic(replica));
  const registration = registrationOf(authority?.view ?? null, process.id);
  const kraft = quorum.voters.length > 0;
  const state = lifecycle === undefined ? null : BROKER_STATE[lifecycle.state];
  return (
    <>
      <Section title="Lifecycle" testId="inspect-broker-lifecycle">
        <dl className="inspect-grid">
          {state !== null && (
            <Row term="State" help={state.help} testId="inspect-broker-state">
              <span className={`chip chip-life chip-${state.tone}`}>{state.label}</span>
            </Row>
          )}
          {kraft && (
            <Row
              term="Controller says"
              help="How the controller whose view counts (the active one, else the most advanced) has this broker: fenced brokers lead nothing."
              testId="inspect-broker-registration"
            >
              {authority === null
                ? 'no controller running'
                : registration === null
                  ? `not registered with ${authority.id}`
                  : `${registration.inControlledShutdown ? 'in controlled shutdown' : registration.fenced ? 'fenced' : 'unfenced'} · broker epoch ${registration.brokerEpoch}`}
            </Row>
          )}
          {lifecycle !== undefined && (
            <Row term="Heartbeats to" help="The controller it registered with and heartbeats to, and when its last heartbeat was answered.">
              {lifecycle.controller ?? 'no controller yet'}
              {lifecycle.lastHeartbeatAckUs !== null ? ` · last answered ${formatClock(lifecycle.lastHeartbeatAckUs)}` : ''}
            </Row>
          )}
        </dl>
        {view === null && <p className="inspect-note">Down: it serves nothing. Its disk survives; what it had not written back (the page cache) is lost.</p>}
      </Section>
      <Section title="Replicas" testId="inspect-broker-replicas">
        <p className="inspect-note">
          Leads <strong data-testid="inspect-broker-leads">{held.led.length}</strong>, follows <strong data-testid="inspect-broker-follows">{held.followed.length}</strong>
          {held.offline.length > 0 ? `, ${held.offline.length} offline` : ''}
          {held.complete ? '' : ` (among the ${count(snapshot.partitions.length)} of ${count(snapshot.partitionsTotal)} partitions the page holds)`}.
        </p>
        <ReplicaTable caption="Leads" replicas={held.led.filter(isUserTopic)} onSelect={onSelect} testId="inspect-broker-led" />
        <ReplicaTable caption="Follows" replicas={held.followed.filter(isUserTopic)} onSelect={onSelect} testId="inspect-broker-followed" />
        <ReplicaTable caption="Offline (no leader)" replicas={held.offline.filter(isUserTopic)} onSelect={onSelect} testId="inspect-broker-offline" />
        {internal.length > 0 && (
          // Internal topics (__consumer_offsets has 50 partitions) would bury the person's own: folded.
          <details className="inspect-details" data-testid="inspect-broker-internal">
            <summary>
              Internal topics: leads {internal.filter((replica) => replica.role === 'leader').length}, follows{' '}
              {internal.filter((replica) => replica.role === 'follower').length}
            </summary>
            <ReplicaTable caption="Replicas of internal topics" replicas={internal} onSelect={onSelect} testId="inspect-broker-internal-table" />
          </details>
        )}
      </Section>
      {replicas !== undefined && (
        <Section title="Disk" testId="inspect-broker-disk">
          <dl className="inspect-grid">
            <Row term="Local log" help="Bytes of this broker's partition logs on its own disk (a tiered topic keeps only its tail here)." testId="inspect-broker-local-bytes">
              {formatBytes(replicas.bytes)} · {count(replicas.segments)} segments
            </Row>
            <Row term="Records on disk">{formatCount(replicas.records)}</Row>
            <Row term="Not flushed" help="Records only in the page cache: Kafka does not fsync by default; the OS writes back pages dirty for 30 s. A crash loses them here (replication keeps them elsewhere).">
              {formatCount(replicas.unflushedRecords)} records
            </Row>
            {remote !== undefined && (
              <>
                <Row term="Remote (tiered)" help="KIP-405: bytes in the object store of the partitions this broker leads." testId="inspect-broker-remote-bytes">
                  {formatBytes(remote.remoteBytes)}
                </Row>
                <Row term="Uploaded" help="Closed segments this broker's leaders copied to the object store (and failures).">
                  {formatCount(remote.segmentsCopied)} segments ({formatBytes(remote.bytesCopied)}){remote.copyFailures > 0 ? ` · ${formatCount(remote.copyFailures)} failed` : ''}
                  {remote.partitionsBackingOff > 0 ? ` · ${remote.partitionsBackingOff} backing off` : ''}
                </Row>
                <Row term="Remote reads" help="Fetches of offsets below the local log start, served from the object store (through a segment cache).">
                  {formatCount(remote.remoteReads)} ({formatBytes(remote.remoteReadBytes)}) · {formatCount(remote.cacheHits)} cache hits
                  {remote.remoteReadFailures > 0 ? ` · ${formatCount(remote.remoteReadFailures)} failed` : ''}
                </Row>
              </>
            )}
            {disk !== undefined && (
              <Row term="Device" help="The disk the logs are written to. A slow disk makes this broker a straggler: with acks=all its partitions slow to its pace." testId="inspect-broker-device">
                {disk.degraded ? `slow: +${disk.extraLatencyMs} ms a write${disk.throughputMBps === null ? '' : `, ${disk.throughputMBps} MB/s`}` : 'healthy'}
                {disk.queuedWrites > 0 ? ` · ${formatCount(disk.queuedWrites)} writes waiting (${formatSpan(Math.round(disk.backlogMs * 1_000))} behind)` : ''}
              </Row>
            )}
          </dl>
        </Section>
      )}
      {replicas !== undefined && (
        <Section title="Load" testId="inspect-broker-load">
          <dl className="inspect-grid">
            <Row term="Bytes in" help="BytesInPerSec: bytes producers appended to the partitions it leads, over the last simulated second." testId="inspect-broker-bytes-in">
              {perSecond(rates, counters, 'bytesIn', formatBytes)}
            </Row>
            <Row term="Messages in" help="MessagesInPerSec: records appended for producers.">
              {perSecond(rates, counters, 'messagesIn', formatCount)}
            </Row>
            <Row term="Bytes out" help="BytesOutPerSec: bytes it served to consumers.">
              {perSecond(rates, counters, 'bytesOut', formatBytes)}
            </Row>
            <Row term="Replication" help="ReplicationBytesOutPerSec / ReplicationBytesInPerSec: bytes its followers fetched from it, and bytes it fetched as a follower.">
              out {perSecond(rates, counters, 'replicationBytesOut', formatBytes)} · in {perSecond(rates, counters, 'replicationBytesIn', formatBytes)}
            </Row>
            <Row term="Consumer fetches" help="Fetch requests from consumers it answered.">
              {perSecond(rates, counters, 'fetches', formatCount)}
            </Row>
            <Row term="Failed produce" help="FailedProduceRequestsPerSec: partition appends refused (NOT_ENOUGH_REPLICAS, NOT_LEADER_OR_FOLLOWER, ...).">
              {perSecond(rates, counters, 'failedProduceRequests', formatCount)}
            </Row>
            <Row term="ISR changes" help="Since this life began: followers it dropped from the ISR of partitions it leads, and took back.">
              {formatCount(replicas.isrShrinks)} shrinks · {formatCount(replicas.isrExpands)} expands
            </Row>
            <Row term="Under-replicated" help="Partitions it leads whose ISR is smaller than their replica set; under min ISR: fewer than min.insync.replicas.">
              {replicas.underReplicated} · under min ISR {replicas.underMinIsr}
            </Row>
          </dl>
        </Section>
      )}
      {view?.coordinator !== undefined && view.coordinator.groups.length > 0 && (
        <Section title="Group coordinator">
          <ul className="inspect-list">
            {view.coordinator.groups.map((group) => (
              <li key={group.groupId}>
                {group.groupId}: {group.state}, generation {group.generationId}, {group.members.length} member{group.members.length === 1 ? '' : 's'}
              </li>
            ))}
          </ul>
        </Section>
      )}
      {view?.legacy !== undefined && (
        <Section title="ZooKeeper mode">
          <dl className="inspect-grid">
            <Row term="Session">{view.legacy.session ?? 'none'}</Row>
            <Row term="Controller">{view.legacy.controller ?? 'unknown'} (epoch {view.legacy.controllerEpoch})</Row>
            <Row term="Its role">{view.legacy.controllerState === 'none' ? 'broker only' : view.legacy.controllerState === 'active' ? 'the controller' : 'controller, loading metadata'}</Row>
            <Row term="Leads / follows">
              {view.legacy.leaderOf} / {view.legacy.followerOf}
            </Row>
          </dl>
        </Section>
      )}
    </>
  );
}

function ControllerSection({ process, quorum, onSelect }: { process: ProcessSnapshot; quorum: Quorum; onSelect: Props['onSelect'] }) {
  const voter = quorum.voters.find((candidate) => candidate.id === process.id);
  const raft = voter?.raft ?? null;
  const controller = voter?.controller ?? null;
  if (voter === undefined) return null;
  const help = raft === null ? 'Down: it takes no part in elections or replication.' : ROLE_HELP[raft.role];
  return (
    <>
      <Section title="Quorum role" testId="inspect-controller-role">
        <dl className="inspect-grid">
          <Row term="Role" help={help} testId="inspect-controller-raft-role">
            {roleLabel(voter, quorum)}
          </Row>
          {raft !== null && (
            <>
              <Row term="Epoch" help="The election term it is in. Each new leader starts a higher epoch." testId="inspect-controller-epoch">
                {raft.epoch}
              </Row>
              <Row term="Leader">{raft.leader ?? 'none known'}</Row>
              <Row term="Voted for">{raft.votedFor ?? '—'}</Row>
              <Row term="Log" help="Its copy of the metadata log: first offset (older records are in a snapshot) and end offset." testId="inspect-controller-log">
                {offset(raft.logStartOffset)} – {offset(raft.logEndOffset)}
                {raft.snapshotEndOffset !== null ? ` · snapshot to ${offset(raft.snapshotEndOffset)}` : ''}
              </Row>
              <Row term="Committed" help="High watermark: records below it are on a majority of controllers." testId="inspect-controller-committed">
                {offset(raft.highWatermark)}
              </Row>
              <Row term="Applied" help="How far it has replayed committed records into its metadata image.">
                {offset(raft.appliedOffset)}
              </Row>
            </>
          )}
        </dl>
      </Section>
      <Section title="Voters" testId="inspect-controller-voters">
        <table className="inspect-table">
          <thead>
            <tr>
              <th scope="col">Voter</th>
              <th scope="col">Role</th>
              <th scope="col">Epoch</th>
              <th scope="col" title="Log end offset">
                Log end
              </th>
              <th scope="col" title="High watermark (committed)">
                HW
              </th>
              {raft?.role === 'leader' && (
                <th scope="col" title="How far the leader has seen this voter replicate, and when it last fetched">
                  Seen by leader
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {quorum.voters.map((other) => {
              const progress = raft?.role === 'leader' ? raft.voterProgress.find((entry) => entry.id === other.id) : undefined;
              return (
                <tr key={other.id}>
                  <th scope="row">{other.id === process.id ? other.id : <Pick selection={{ kind: 'process', id: other.id }} onSelect={onSelect}>{other.id}</Pick>}</th>
                  <td>{roleLabel(other, quorum)}</td>
                  <td>{other.raft?.epoch ?? '—'}</td>
                  <td>{offset(other.raft?.logEndOffset)}</td>
                  <td>{offset(other.raft?.highWatermark)}</td>
                  {raft?.role === 'leader' && <td>{progress === undefined ? '—' : `${offset(progress.endOffset)}${progress.lastFetchUs === null ? '' : ` at ${formatClock(progress.lastFetchUs)}`}`}</td>}
                </tr>
              );
            })}
          </tbody>
        </table>
        <p className="inspect-note">
          A majority is {quorum.majority} of {quorum.voters.length}. Quorum epoch {quorum.epoch}, committed {offset(quorum.highWatermark)}.
        </p>
      </Section>
      {controller !== null && (
        <Section title="Controller" testId="inspect-controller-image">
          <dl className="inspect-grid">
            <Row term="Active" help="The active controller is the quorum leader once its LeaderChange record is committed: it alone changes metadata.">
              {controller.active ? `yes, since epoch ${controller.activeEpoch ?? '?'}` : 'no (standby: it replays the log and is ready to take over)'}
            </Row>
            <Row term="Brokers">
              {controller.brokers} registered · {controller.fencedBrokers} fenced
            </Row>
            <Row term="Topics / partitions">
              {controller.topics} / {count(controller.partitions)} · {controller.offlinePartitions} offline
            </Row>
          </dl>
          {controller.registrations.length > 0 && (
            <ul className="inspect-list">
              {controller.registrations.map((registration) => (
                <li key={registration.id}>
                  <Pick selection={{ kind: 'process', id: registration.id }} onSelect={onSelect}>
                    {registration.id}
                  </Pick>{' '}
                  {registration.inControlledShutdown ? 'in controlled shutdown' : registration.fenced ? 'fenced' : 'unfenced'} · epoch {registration.brokerEpoch} · leads{' '}
                  {controller.leaderCounts[registration.id] ?? 0}
                </li>
              ))}
            </ul>
          )}
        </Section>
      )}
    </>
  );
}

function ProducerSection({ process }: { process: ProcessSnapshot }) {
  const producer = process.view?.producer;
  if (producer === undefined) return null;
  const errorCodes = Object.entries(producer.errors);
  return (
    <>
      <Section title="Producer" testId="inspect-producer">
        <dl className="inspect-grid">
          <Row term="Topic">{producer.topic}</Row>
          <Row term="acks" help="0: fire and forget; 1: the leader wrote it; all (-1): every in-sync replica has it (with min.insync.replicas)." testId="inspect-producer-acks">
            {acksLabel(producer.acks)}
          </Row>
          <Row term="Rate" testId="inspect-producer-rate">
            {formatCount(producer.recordsPerSecond)} records/s
          </Row>
          <Row term="Sent" help="Records in batches sent at least once." testId="inspect-producer-sent">
            {formatCount(producer.recordsSent)}
          </Row>
          <Row term="Acknowledged" testId="inspect-producer-acked">
            {formatCount(producer.recordsAcked)}
          </Row>
          <Row term="Failed" help="Given up on (delivery.timeout.ms, a non-retriable error) or refused (buffer.memory full).">
            {formatCount(producer.recordsFailed)}
            {producer.recordsRefused > 0 ? ` (${formatCount(producer.recordsRefused)} refused)` : ''}
          </Row>
          <Row term="Waiting" help="Records queued in the producer, batches and requests in flight, and buffer.memory used.">
            {producer.metadataKnown
              ? `${formatCount(producer.queuedRecords)} queued · ${plural(producer.batchesInFlight, 'batch', 'batches')} in ${plural(producer.requestsInFlight, 'request', 'requests')} · ${formatBytes(producer.bufferBytes)} of buffer.memory`
              : 'waiting for metadata'}
          </Row>
          <Row term="Producer id" help="Idempotence: the id InitProducerId gave it (-1 without idempotence).">
            {producer.producerId ?? 'asking (InitProducerId)'}
          </Row>
        </dl>
      </Section>
      <Section title="Produce latency" testId="inspect-producer-latency">
        <dl className="inspect-grid">
          <Row term="p50" testId="inspect-producer-p50">
            {latency(producer.latencyUs, 'p50')}
          </Row>
          <Row term="p99" testId="inspect-producer-p99">
            {latency(producer.latencyUs, 'p99')}
          </Row>
          <Row term="p99.9">{latency(producer.latencyUs, 'p999')}</Row>
          <Row term="max">{latency(producer.latencyUs, 'max')}</Row>
        </dl>
        <p className="inspect-note">From a batch's first record to its acknowledgement, over {formatCount(producer.latencyUs.count)} batches since it started.</p>
      </Section>
      <Section title="Errors" testId="inspect-producer-errors">
        {errorCodes.length === 0 ? (
          <p className="inspect-note">None so far.</p>
        ) : (
          <>
            <p className="inspect-note">{errorCodes.map(([code, times]) => `${code} ×${formatCount(times)}`).join(' · ')}</p>
            <ul className="inspect-list">
              {producer.recentErrors.map((error) => (
                <li key={error.code}>
                  <strong>{error.code}</strong> at {formatClock(error.atUs)}: {error.detail}
                </li>
              ))}
            </ul>
          </>
        )}
      </Section>
    </>
  );
}

function ConsumerSection({ process, onSelect }: { process: ProcessSnapshot; onSelect: Props['onSelect'] }) {
  const consumer = process.view?.consumer;
  if (consumer === undefined) return null;
  const error = consumer.lastError;
  return (
    <>
      <Section title="Consumer" testId="inspect-consumer">
        <dl className="inspect-grid">
          <Row term="Group" testId="inspect-consumer-group">
            {consumer.groupId}
          </Row>
          <Row term="State" help="unjoined → joining (JoinGroup) → syncing (SyncGroup) → stable (reading); left after it leaves." testId="inspect-consumer-state">
            {consumer.phase}
            {consumer.phase === 'stable' ? `, generation ${consumer.generationId}` : ''}
          </Row>
          <Row term="Coordinator">{consumer.coordinator ?? 'not found yet'}</Row>
          <Row term="Assignor" help="partition.assignment.strategy">
            {consumer.strategy}
          </Row>
          <Row term="Consumed">
            {formatCount(consumer.recordsConsumed)} · {formatCount(consumer.recordsPerSecond)}/s
          </Row>
          <Row term="Lag" help="records-lag-max: the largest high watermark − position among its partitions." testId="inspect-consumer-lag">
            {formatCount(consumer.recordsLagMax)}
          </Row>
          <Row term="End-to-end" help="From a batch's creation by the producer to its reading here." testId="inspect-consumer-e2e">
            p50 {latency(consumer.e2eLatencyUs, 'p50')} · p99 {latency(consumer.e2eLatencyUs, 'p99')}
          </Row>
          <Row term="Rebalances / commits">
            {consumer.rebalances} / {formatCount(consumer.commits)}
          </Row>
        </dl>
      </Section>
      <Section title={`Assignment (${consumer.topic})`} testId="inspect-consumer-assignment">
        {consumer.partitions.length === 0 ? (
          <p className="inspect-note">No partitions assigned{consumer.phase === 'stable' ? ': the group has more members than partitions.' : ' yet.'}</p>
        ) : (
          <table className="inspect-table">
            <thead>
              <tr>
                <th scope="col">Partition</th>
                <th scope="col" title="The next offset it will read">
                  Position
                </th>
                <th scope="col">HW</th>
                <th scope="col">Lag</th>
                <th scope="col">Leader</th>
              </tr>
            </thead>
            <tbody>
              {consumer.partitions.map((partition) => (
                <tr key={partition.partition}>
                  <th scope="row">
                    <Pick selection={{ kind: 'partition', topic: consumer.topic, partition: partition.partition }} onSelect={onSelect}>
                      {consumer.topic}-{partition.partition}
                    </Pick>
                  </th>
                  <td>{offset(partition.position)}</td>
                  <td>{offset(partition.highWatermark)}</td>
                  <td>{count(partition.lag)}</td>
                  <td>{partition.leader ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      {error !== null && (
        <Section title="Last error">
          <p className="inspect-note">
            <strong>{error.code}</strong> at {formatClock(error.atUs)}: {CONSUMER_ERRORS[error.code] ?? error.detail}
          </p>
        </Section>
      )}
    </>
  );
}

function ObjectStoreSection({ process }: { process: ProcessSnapshot }) {
  const store = process.view?.objectStore;
  if (store === undefined) return null;
  const state = store.outage ? 'outage: every request is answered 503 ServiceUnavailable' : store.extraLatencyMs > 0 ? `slow: +${store.extraLatencyMs} ms a request` : 'healthy';
  return (
    <>
      <Section title="Object store" testId="inspect-object-store">
        <dl className="inspect-grid">
          <Row term="State" testId="inspect-object-store-state">
            {state}
          </Row>
          <Row term="Objects" help="Closed log segments uploaded by partition leaders (KIP-405)." testId="inspect-object-store-objects">
            {formatCount(store.objects)}
          </Row>
          <Row term="Stored" testId="inspect-object-store-bytes">
            {formatBytes(store.bytes)}
          </Row>
          <Row term="Requests">
            {formatCount(store.requests.PutObject)} PUT · {formatCount(store.requests.GetObject)} GET · {formatCount(store.requests.ListObjectsV2)} LIST · {formatCount(store.requests.DeleteObject)} DELETE
          </Row>
          <Row term="Traffic">
            in {formatBytes(store.bytesIn)} · out {formatBytes(store.bytesOut)} · {store.inFlight} in flight
          </Row>
          <Row term="Failed requests">{formatCount(store.errors)}</Row>
        </dl>
      </Section>
      <Section title="Cost" testId="inspect-object-store-cost">
        <dl className="inspect-grid">
          <Row term="Storage" help="The bytes held now, for a month.">
            {formatUsd(store.storageDollarsPerMonth)}/month
          </Row>
          <Row term="Requests so far" testId="inspect-object-store-request-cost">
            {formatUsd(store.requestDollars)}
          </Row>
          <Row term="Requests" help="At the rate requests have come so far.">
            {formatUsd(store.requestDollarsPerMonth)}/month
          </Row>
          <Row term="Total" testId="inspect-object-store-monthly">
            {formatUsd(store.storageDollarsPerMonth + store.requestDollarsPerMonth)}/month
          </Row>
        </dl>
        <p className="inspect-note">
          Assumed prices, AWS S3 Standard list prices (us-east-1): ${S3_PRICES.storagePerGbMonth} per GB-month, ${S3_PRICES.putPerThousand} per 1,000 PUT or LIST, $
          {S3_PRICES.getPerThousand} per 1,000 GET, DELETE free.
        </p>
      </Section>
    </>
  );
}

function ZooKeeperSection({ process }: { process: ProcessSnapshot }) {
  const zookeeper = process.view?.zookeeper;
  if (zookeeper === undefined) return null;
  return (
    <Section title="ZooKeeper">
      <dl className="inspect-grid">
        <Row term="/controller">{zookeeper.controller ?? 'none'} (epoch {zookeeper.controllerEpoch})</Row>
        <Row term="Sessions">{zookeeper.sessions}</Row>
        <Row term="Live brokers">{zookeeper.liveBrokers.join(', ') || 'none'}</Row>
        <Row term="Partitions">
          {count(zookeeper.partitions)} · {zookeeper.offlinePartitions} offline
        </Row>
        <Row term="Busy" help="Time spent serving requests, at the assumed cost per znode read and write.">
          {formatSpan(zookeeper.busyUs)}
        </Row>
      </dl>
    </Section>
  );
}

function ProcessBody({ process, snapshot, quorum, authority, rateWindows, onSelect }: { process: ProcessSnapshot; snapshot: Snapshot; quorum: Quorum; authority: Props['authority']; rateWindows: Props['rateWindows']; onSelect: Props['onSelect'] }) {
  return (
    <>
      <ProcessFacts process={process} />
      {process.view === null && process.role !== 'broker' && (
        <p className="inspect-note" data-testid="inspect-down">
          {process.status === 'stopped' ? 'Stopped cleanly.' : 'Crashed: its memory is gone; its disk survives, and it comes back from it when restarted.'}
        </p>
      )}
      {process.role === 'broker' && <BrokerSection process={process} snapshot={snapshot} quorum={quorum} authority={authority} rateWindows={rateWindows} onSelect={onSelect} />}
      {process.role === 'controller' && <ControllerSection process={process} quorum={quorum} onSelect={onSelect} />}
      {process.role === 'zookeeper' && <ZooKeeperSection process={process} />}
      {process.role === 'objectStore' && <ObjectStoreSection process={process} />}
      {process.role === 'client' && <ProducerSection process={process} />}
      {process.role === 'client' && <ConsumerSection process={process} onSelect={onSelect} />}
    </>
  );
}

// ---- partitions ---------------------------------------------------------------------------------

type ReplicaState = 'leader' | 'ISR' | 'out of ISR' | 'down';

function replicaState(replica: { readonly broker: string; readonly running: boolean; readonly inIsr: boolean }, leader: string | null): ReplicaState {
  if (!replica.running) return 'down';
  if (replica.broker === leader) return 'leader';
  return replica.inIsr ? 'ISR' : 'out of ISR';
}

const STATE_TONE: Record<ReplicaState, string> = { leader: 'leader', ISR: 'good', 'out of ISR': 'warn', down: 'down' };

function PartitionBody({ summary, detail, onSelect }: { summary: PartitionSnapshot | null; detail: PartitionDetail | null; onSelect: Props['onSelect'] }) {
  const leader = detail?.leader ?? summary?.leader ?? null;
  const leaderEpoch = detail?.leaderEpoch ?? summary?.leaderEpoch ?? 0;
  const isr = detail?.isr ?? summary?.replicas.filter((replica) => replica.inIsr).map((replica) => replica.broker) ?? [];
  const replicaCount = detail?.replicas.length ?? summary?.replicas.length ?? 0;
  const hw = summary?.highWatermark ?? detail?.replicas.find((replica) => replica.leader)?.highWatermark ?? null;
  const tiered = detail?.config.remoteStorageEnable === true;
  const config = detail?.config ?? null;
  const rows =
    detail?.replicas ??
    summary?.replicas.map((replica) => ({
      broker: replica.broker,
      running: replica.running,
      inIsr: replica.inIsr,
      logEndOffset: replica.logEndOffset,
      highWatermark: replica.broker === summary.leader ? summary.highWatermark : null,
      logStartOffset: null,
      localLogStartOffset: null,
      flushedOffset: replica.flushedOffset,
      bytes: null,
      segments: null,
    })) ??
    [];
  const unclean = detail?.unclean ?? summary?.unclean ?? false;
  return (
    <>
      <Section title="Leadership" testId="inspect-partition-leadership">
        <dl className="inspect-grid">
          <Row term="Leader" help="The broker that takes writes and serves reads." testId="inspect-partition-leader">
            {leader === null ? 'none: offline' : <Pick selection={{ kind: 'process', id: leader }} onSelect={onSelect}>{leader}</Pick>}
          </Row>
          <Row term="Leader epoch" help="Goes up by one with every new leader; followers use it to find where their logs diverge (KIP-101, KIP-279)." testId="inspect-partition-epoch">
            {leaderEpoch}
            {detail !== null ? ` · partition epoch ${detail.partitionEpoch}` : ''}
          </Row>
          <Row term="ISR" help="In-sync replicas: only they may become leader in a clean election; acks=all waits for all of them." testId="inspect-partition-isr">
            {isr.length === 0 ? 'empty' : isr.join(', ')} ({isr.length}/{replicaCount})
          </Row>
          <Row term="High watermark" help="The leader's: consumers read below it; records below it are committed." testId="inspect-partition-hw">
            {offset(hw)}
          </Row>
          {unclean && <Row term="Recovery">RECOVERING after an unclean election (KIP-704): records only the old leader had are gone.</Row>}
        </dl>
      </Section>
      <Section title="Replicas" testId="inspect-partition-replicas">
        <div className="inspect-scroll">
          <table className="inspect-table">
            <thead>
              <tr>
                <th scope="col">Replica</th>
                <th scope="col" title="Log end offset: the next offset it will append">
                  LEO
                </th>
                <th scope="col" title="This replica's own high watermark (a follower's trails the leader's: it learns it from fetch answers)">
                  HW
                </th>
                <th
                  scope="col"
                  title={`Log start offset: below it, records are deleted.${tiered ? ' Local: the KIP-405 local log start; below it, only in the object store.' : ''}`}
                >
                  Start
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((replica) => {
                const state = replicaState(replica, leader);
                return (
                  <tr key={replica.broker} data-testid={`inspect-replica-${replica.broker}`}>
                    <th scope="row">
                      <Pick selection={{ kind: 'process', id: replica.broker }} onSelect={onSelect}>
                        {replica.broker}
                      </Pick>
                      <span className={`chip inspect-state chip-${STATE_TONE[state]}`} data-testid={`inspect-replica-state-${replica.broker}`}>
                        {state}
                      </span>
                    </th>
                    <td title={replica.bytes === null ? undefined : `${formatBytes(replica.bytes)} on ${replica.broker}'s disk, in ${plural(replica.segments ?? 0, 'segment', 'segments')}`}>
                      <span data-testid={`inspect-replica-leo-${replica.broker}`}>{offset(replica.logEndOffset)}</span>
                      {replica.flushedOffset !== null && replica.logEndOffset !== null && replica.flushedOffset < replica.logEndOffset && (
                        <small className="inspect-sub" title="Written back to disk for sure up to here; the rest is only in the page cache, and a crash of this broker loses it">
                          flushed {offset(replica.flushedOffset)}
                        </small>
                      )}
                    </td>
                    <td data-testid={`inspect-replica-hw-${replica.broker}`}>{offset(replica.highWatermark)}</td>
                    <td>
                      {offset(replica.logStartOffset)}
                      {tiered && (
                        <small className="inspect-sub">
                          local <span data-testid={`inspect-replica-local-start-${replica.broker}`}>{offset(replica.localLogStartOffset)}</span>
                        </small>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        {detail === null && <p className="inspect-note">Asking the simulation for each replica's high watermark and log start…</p>}
      </Section>
      {config !== null && (
        <Section title="Topic settings" testId="inspect-partition-config">
          <dl className="inspect-grid">
            <Row term="Replication factor">{config.replicationFactor}</Row>
            <Row term="min.insync.replicas" help="With acks=all, a write is refused (NOT_ENOUGH_REPLICAS) while the ISR is smaller than this." testId="inspect-partition-min-isr">
              {config.minInsyncReplicas}
              {isr.length < config.minInsyncReplicas ? ' · under it now: acks=all writes are refused' : ''}
            </Row>
            <Row term="unclean.leader.election.enable">{String(config.uncleanLeaderElectionEnable)}</Row>
            <Row term="remote.storage.enable" help="KIP-405 tiered storage: closed segments go to the object store; disks keep the local tail." testId="inspect-partition-remote">
              {String(config.remoteStorageEnable)}
            </Row>
            {config.dataReplication === 'quorum' && <Row term="Replication">majority quorum (the contrast to Kafka's ISR)</Row>}
          </dl>
        </Section>
      )}
    </>
  );
}

// ---- zones --------------------------------------------------------------------------------------

function ZoneBody({ isolated, processes, onSelect }: { isolated: boolean; processes: readonly ProcessSnapshot[]; onSelect: Props['onSelect'] }) {
  return (
    <Section title="Zone" testId="inspect-zone">
      <p className="inspect-note">{isolated ? 'Cut off from the rest of the network.' : 'Connected.'}</p>
      <ul className="inspect-list">
        {processes.map((process) => (
          <li key={process.id}>
            <Pick selection={{ kind: 'process', id: process.id }} onSelect={onSelect}>
              {process.id}
            </Pick>{' '}
            {process.role === 'objectStore' ? 'object store' : process.role} · {process.status}
            {process.isolated ? ' · isolated' : ''}
          </li>
        ))}
      </ul>
    </Section>
  );
}

// ---- the panel ----------------------------------------------------------------------------------

function Body({ selection, snapshot, inspected, quorum, authority, rateWindows, onSelect }: Omit<Props, 'onClose'>) {
  if (selection.kind === 'process') {
    const found = findProcess(snapshot, selection.id);
    if (!found.found) return <Gone why={found.why} />;
    return <ProcessBody process={found.value} snapshot={snapshot} quorum={quorum} authority={authority} rateWindows={rateWindows} onSelect={onSelect} />;
  }
  if (selection.kind === 'zone') {
    const found = findZone(snapshot, selection.id);
    if (!found.found) return <Gone why={found.why} />;
    return <ZoneBody isolated={found.value.isolated} processes={found.value.processes} onSelect={onSelect} />;
  }
  const found = findPartition(snapshot, inspected, selection.topic, selection.partition);
  if (found.found === 'pending') return <p className="inspect-note">Asking the simulation for {selectionLabel(selection)}…</p>;
  if (!found.found) return <Gone why={found.why} />;
  return <PartitionBody summary={found.value.summary} detail={found.value.detail} onSelect={onSelect} />;
}

function Gone({ why }: { why: string }) {
  return (
    <p className="inspect-note inspect-gone" data-testid="inspect-gone">
      {why}
    </p>
  );
}

export function InspectPanel(props: Props) {
  const { selection, snapshot, onClose } = props;
  const heading = useRef<HTMLHeadingElement>(null);
  const label = selectionLabel(selection);
  // Focus moves to the heading when the panel opens or shows something else.
  useEffect(() => {
    heading.current?.focus({ preventScroll: false });
  }, [label]);
  const headingId = useId();
  return (
    <section
      className="panel inspect"
      role="region"
      aria-labelledby={headingId}
      data-testid="inspect-panel"
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.preventDefault();
          onClose();
        }
      }}
    >
      <header className="panel-head">
        <h2 id={headingId} ref={heading} tabIndex={-1} data-testid="inspect-title">
          <span className="visually-hidden">Inspect: </span>
          {selectionTitle(selection, snapshot)}
        </h2>
        <button type="button" className="btn btn-small" onClick={onClose} aria-label={`Close the details of ${label}`} title="Close (Escape)">
          ✕
        </button>
      </header>
      <div className="inspect-body">
        <Body {...props} />
      </div>
    </section>
  );
}
