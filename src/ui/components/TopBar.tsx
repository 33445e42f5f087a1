import { memo } from 'react';
import { formatClock } from '../../engine/sim/time';
import type { Frame, Speed } from '../../worker/host';
import { SPEEDS } from '../../worker/host';
import { formatCount } from '../format';
import { Icon } from './Icon';

interface Props {
  readonly frame: Frame | null;
  readonly ready: boolean;
  readonly playing: boolean;
  readonly speed: Speed;
  readonly seed: number;
  readonly onPlay: () => void;
  readonly onPause: () => void;
  readonly onStep: () => void;
  readonly onSpeed: (speed: Speed) => void;
}

/** Memoised: the deferred render of App (the panels below the topology) brings the same props. */
export const TopBar = memo(function TopBar({ frame, ready, playing, speed, seed, onPlay, onPause, onStep, onSpeed }: Props) {
  const snapshot = frame?.snapshot;
  const controllers = snapshot?.processes.filter((process) => process.role === 'controller').length ?? 0;
  const brokers = snapshot?.processes.filter((process) => process.role === 'broker').length ?? 0;
  return (
    <header className="topbar">
      <Brand line={snapshot ? `${snapshot.zones.length} zones · ${controllers} controllers · ${brokers} brokers · seed ${seed}` : 'starting the simulation…'} />
      <Transport ready={ready} playing={playing} speed={speed} onPlay={onPlay} onPause={onPause} onStep={onStep} onSpeed={onSpeed} />

      <div className="clock" aria-live="off">
        <div className="clock-time" data-testid="sim-clock" title="Simulated time (minutes:seconds.milliseconds)">
          {formatClock(snapshot?.timeUs ?? 0)}
        </div>
        <div className="clock-sub">
          {/* Exact when paused, so a step shows its one event; compact while the count races. */}
          <span data-testid="event-count">{playing ? formatCount(snapshot?.events ?? 0) : (snapshot?.events ?? 0).toLocaleString('en-US')} events</span>
          {frame && frame.playing && frame.rate.eventsPerWallSecond > 0 && (
            <span>
              {' · '}
              {formatCount(frame.rate.eventsPerWallSecond)} ev/s · {frame.rate.simulatedSecondsPerWallSecond.toFixed(1)}× real time
            </span>
          )}
          {frame?.behind && <span className="behind"> · can't keep up</span>}
        </div>
      </div>
    </header>
  );
});

// The bar's name and its transport are memoised on what they draw: the bar renders in every frame
// for its clock and event count (issue 7, item 9: ~20 of its elements were reconciled in each
// urgent commit to write nothing). App's Play, Pause, Step and speed handlers are stable.

/** The product's name, and the cluster's shape and seed. */
const Brand = memo(function Brand({ line }: { line: string }) {
  return (
    <div className="brand">
      <span className="brand-mark" aria-hidden="true">
        K
      </span>
      <div>
        <h1>Kora Playground</h1>
        <p className="brand-sub">
          {line}
        </p>
      </div>
    </div>
  );
});

type TransportProps = Pick<Props, 'ready' | 'playing' | 'speed' | 'onPlay' | 'onPause' | 'onStep' | 'onSpeed'>;

/** Step, Play or Pause, and the speeds. */
const Transport = memo(function Transport({ ready, playing, speed, onPlay, onPause, onStep, onSpeed }: TransportProps) {
  return (
    <div className="transport" role="toolbar" aria-label="Simulation controls">
      <button
        type="button"
        className="btn btn-icon"
        onClick={onStep}
        disabled={!ready}
        aria-label="Step one event"
        title="Step one event (pauses)"
      >
        <Icon name="step" />
      </button>
      {playing ? (
        <button type="button" className="btn btn-primary" onClick={onPause} disabled={!ready} aria-label="Pause">
          <Icon name="pause" /> Pause
        </button>
      ) : (
        <button type="button" className="btn btn-primary" onClick={onPlay} disabled={!ready} aria-label="Play">
          <Icon name="play" /> Play
        </button>
      )}
      <div className="segmented" role="radiogroup" aria-label="Speed">
        {SPEEDS.map((option) => (
          <button
            key={String(option)}
            type="button"
            role="radio"
            aria-checked={speed === option}
            className={speed === option ? 'seg seg-on' : 'seg'}
            onClick={() => onSpeed(option)}
            disabled={!ready}
          >
            {option === 'max' ? 'Max' : `${option}×`}
          </button>
        ))}
      </div>
    </div>
  );
});
